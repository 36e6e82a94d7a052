// Package ppg is the Push Proxy Gateway: it serves the Push Access Protocol
// to push initiators (PIs), keeps every accepted push in a durable store,
// hands each push to a push SMSC as one transaction-mode submit per address,
// and reports the outcome to the PI in a result notification.
//
// The life cycle of a push is logic driven by three kinds of event: a PAP
// request, the outcome of a submit, and a timer on a clock. I/O sits at the
// edges: a PushStore holds the state, a Dispatcher talks to the SMSC, and
// the notifier posts notifications over HTTP. The simulator runs the same
// code on a virtual clock.
//
// A push is written to the store before push-response 1001 is answered,
// with the user_message_reference of each delivery's first submit; a
// result notification is put in the store's outbox in the same write as
// the final state it reports; so a push answered 1001 reaches a final
// state and its notification across crashes. A submit is not recorded
// before it is sent (that would be a durable write per push): the store
// already holds its reference, and after a restart every delivery not
// final is submitted under it, which the SMSC uses to recognise a repeat
// of a submit that reached it before the crash, rather than deliver it as
// a new message. A temporary failure retried under
// Config.RetryUntilDeliverBefore is followed by a new attempt under a new
// reference, stored before the attempt is made, since a repeat of the old
// one would only fetch the old outcome; a submit nothing took (busy: no
// bound session, a full window) is tried again under the same reference. A submit the SMSC did not answer in time is
// never sent again: the push ends in message-state timeout.
//
// Supported operations: push-message, cancel-message, statusquery-message
// and ccq-message (answered from configured device profiles). Progress
// notes are not supported: a push that asks for them is accepted, and the
// push-response says that none will be sent. A push that would need more
// SMS than Config.MaxSegments is refused with 3003; it is never truncated.
//
// Stats gives the counters behind /metrics, and StatusHandler a status
// page: live counts, success rate and latency over the last minutes, and
// the most recent pushes.
package ppg
