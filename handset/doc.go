// Package handset emulates the phones at the far end of a WAP push: it
// receives short messages, reassembles concatenated WDP datagrams on a
// timer, decodes the WSP push inside (Service Indication, Service Loading,
// Cache Operation, MMS notification), fetches the URL the push points at
// through a WAP gateway, and reports each step as an Event.
//
// A Handset is one phone with one MSISDN; it keeps a short history of its
// events. A Population is any number of phones that share their settings:
// a phone comes into being with the first SMS addressed to it and costs
// about a hundred octets while idle, which is what a simulation of a
// hundred thousand subscribers needs. Both take SMS from the simulated network
// (their Receive method is a radio.Receiver) or from an SMSC over SMPP as a
// bound receiver (they are smpp.Handlers for deliver_sm and data_sm).
//
// Reassembly runs on a clock.Clock, so a missing segment times out at
// exactly the reassembly timeout on a virtual clock; fetches are network
// I/O and run in their own goroutines, in real time.
//
// # User data
//
// An SMS reaches the handset as TP-UD with TP-UDHI and TP-DCS, as package
// radio carries it. For the GSM 7-bit alphabet the septets after the header
// are unpacked, one per octet, as SMPP carries them for data_coding 0 and
// as the SMSC puts them on the simulated air. An SMS with port addressing
// is a WDP datagram; one for port 2948 or 2949 is a WSP push. An SMS without
// ports is a text message, decoded by its data coding.
package handset
