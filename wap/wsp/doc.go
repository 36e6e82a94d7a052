// Package wsp encodes and decodes the connectionless WSP push PDU
// (WAP-230-WSP 8.2.4.1) that a Push Proxy Gateway sends to the handset's
// push port, together with the WSP basic encoding rules it is built from
// (uintvar, Short-integer, Long-integer, Value-length, Text-string, ...).
//
// A Push is TID, PDU type 0x06, HeadersLen, the content type, the headers
// and the body. Encoding writes only what the Push says: this package never
// adds Content-Length or Encoding-Version on its own, because every octet
// over 133 costs a second SMS. Well-known values (content types, header
// field names, application ids) are always written in their compact binary
// form; in particular application/vnd.wap.mms-message is sent as 0xBE, not as
// text.
//
// The primitive readers and writers are exported through Reader and the
// Append functions, so that other WSP-encoded formats (the MMS
// encapsulation) can share them.
package wsp
