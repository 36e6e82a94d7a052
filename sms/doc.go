// Package sms holds the 3GPP TS 23.038 / 23.040 pieces the SMSC and the
// handset emulator need for text messages: the GSM 7-bit default alphabet
// with its extension table, septet packing (with the fill bits that follow
// a User Data Header), UCS-2, splitting text into concatenated parts, and
// a minimal SMS-DELIVER TPDU codec.
//
// WAP push never uses 7-bit text (it is 8-bit data); this package serves
// any text SMS, such as a fallback "you have a new message" notice.
package sms
