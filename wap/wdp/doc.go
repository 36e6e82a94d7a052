// Package wdp carries WDP datagrams over GSM SMS (WAP-259 GSM SMS
// adaptation with the 3GPP TS 23.040 User Data Header): the UDH
// information elements for application ports and concatenation, splitting
// a datagram into SMS user data, a per-handset allocator of concatenation
// references, and reassembly of the parts on a clock.
//
// A datagram that fits one SMS (133 payload octets after the 16-bit port
// IE) is sent with the port IE alone. A longer one is cut into parts of 128
// octets (8-bit reference) or 127 octets (16-bit reference), each carrying
// the port IE and a concatenation IE; the port IE comes first, as Kannel
// writes it, unless asked otherwise. Receivers accept the IEs in any order.
package wdp
