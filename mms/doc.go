// Package mms encodes and decodes the two MMS encapsulation PDUs of the
// push leg (OMA-MMS-ENC 1.0 to 1.3): m-notification-ind, which a PPG pushes
// to tell the handset that a message waits at the MMSC, and
// m-notifyresp-ind, which the handset posts back.
//
// Both are WSP-encoded header lists with no body. X-Mms-Message-Type,
// X-Mms-Transaction-ID and X-Mms-MMS-Version come first, in that order; the
// encoder writes the rest in a fixed order and the decoder accepts any.
package mms
