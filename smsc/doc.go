// Package smsc is the push SMSC: an SMPP server that delivers short
// messages to handsets through the radio package's air interface, in the
// three messaging modes of SMPP 3.4 section 2.9, chosen per message by
// esm_class bits 1-0:
//
//   - transaction (10): the SMSC takes a push whole, splits it, sends the
//     segments back-to-back within a deadline, re-sends any segment that
//     fails temporarily, and answers the submit only when the outcome is
//     known (TxnEngine);
//   - store-and-forward (00, 11): the message is stored durably and
//     acknowledged at once, delivered on a retry schedule, and reported by
//     delivery receipt (SAFEngine);
//   - datagram (01): one attempt, acknowledged at once, nothing stored.
//
// The engines do no I/O of their own: they are driven by calls, by the
// air's callbacks and by timers on a clock, so the simulator runs the same
// code on a virtual clock. Server is the SMPP front that feeds them.
package smsc
