// Package smpp implements SMPP 3.4 (with the SMPP 5.0 response TLVs): every
// PDU as a Go struct, the wire codec, the delivery receipt text, and a
// session engine shared by both ends of a connection, in the style of
// net/http: a Server with a Handler, and a Client that dials and binds.
//
// The codec knows nothing of sockets: Unmarshal turns one PDU's octets into a
// typed struct and never panics; Append writes one. Decoding is strict and
// every fault is a *DecodeError naming the field, the offset and the
// command_status that answers it.
//
// The session engine owns a connection: one goroutine reads and matches
// responses to requests by sequence number, one goroutine owns writes,
// a window bounds outstanding requests, and every timer runs on an
// injectable clock.
package smpp
