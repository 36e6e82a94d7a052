// Package radio is the air interface under the push SMSC: it delivers one
// SMS to one MSISDN and reports, later, either delivery or a MAP-style error
// that is temporary or permanent.
//
// Nothing above this package knows whether a handset is simulated,
// in-process or external: the SMSC sees only the Air interface. Network is
// the simulated mobile network behind it. It models what decides the fate of
// a short message on its way to a handset: the HLR routing lookup, the
// latency of MT-ForwardSM, transient failures that rise when a cell is
// congested, subscribers who are absent for a while and are announced by
// Alert-SC when they return, full handset memories, subscriptions that can
// never receive, MAP operations that are never answered, and the MAP
// dialogue that carries the segments of one concatenated message
// back-to-back.
//
// The network never starts a goroutine and never sleeps: every delay is a
// timer on a clock.Clock and every result arrives through a callback run by
// that clock. On clock.Real it serves a daemon; on a clock.Virtual a day of
// retries runs in seconds, and the same seed gives the same results.
package radio

import "time"

// SMS is one TPDU's worth of what the SMSC delivers.
type SMS struct {
	Originator  string // TP-OA, e.g. "PPG" or an MSISDN
	Destination string // MSISDN: digits only, no '+'
	// UserData is TP-UD as it travels, including the user data header when
	// UDHI is set.
	UserData   []byte
	UDHI       bool // TP-UDHI
	DataCoding byte // TP-DCS
	ProtocolID byte // TP-PID
	// MoreMessagesToSend is TP-MMS: another message for the same
	// destination follows at once, so the network keeps the MAP dialogue
	// (and radio link) open for it.
	MoreMessagesToSend bool
}

// Result is the outcome of one delivery attempt.
type Result struct {
	Err *Error // nil when the SMS was delivered
	// Start is when the attempt began and End when its result came back.
	Start, End time.Time
}

// Air delivers SMS to handsets.
type Air interface {
	// Deliver starts one delivery attempt and returns at once. done is
	// called exactly once, later, from the clock, with the result.
	Deliver(sms SMS, done func(Result))
}

// Alerter tells the SMSC when a subscriber to whom a delivery failed as
// absent (or memory full) becomes reachable again: the HLR's
// alertServiceCentre, sent because the message-waiting data was set.
type Alerter interface {
	// OnAlert registers f to be called, from the clock, with the MSISDN of
	// each subscriber that becomes reachable.
	OnAlert(f func(msisdn string))
}

// Receiver is an in-process handset's inbox: it is called with each SMS
// delivered to it and the time of delivery.
type Receiver func(sms SMS, at time.Time)
