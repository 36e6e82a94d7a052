package smsc

import (
	"time"

	"github.com/txpush/txpush/radio"
)

// The SMSC's delivery logic lives in engines that do no I/O of their own:
// they are driven by calls, by the radio's callbacks and by timers on a
// clock. The SMPP front (Server) feeds them from the wire; the simulator
// feeds the very same engines on a virtual clock.

// Traffic says which capacity a delivery draws on.
type Traffic uint8

const (
	// PersonToPerson is ordinary SMS from accounts that do not carry push.
	PersonToPerson Traffic = iota
	// Push is WAP push traffic: it may use the capacity reserved for it.
	Push
)

// TxnRequest is one transaction-mode submit: a push handed whole to the
// SMSC, already split into the segments that go to the air.
type TxnRequest struct {
	// Key identifies the submit for duplicate detection: the same Key
	// while the first is in flight or recently finished gets the first
	// one's outcome and is not delivered again. Empty disables it. The
	// front builds it from the account and user_message_reference.
	Key      string
	Account  string
	Traffic  Traffic
	Segments []radio.SMS // in order; MoreMessagesToSend is set by the engine
}

// TxnFailure says why a transaction failed.
type TxnFailure uint8

const (
	// TxnDelivered: no failure.
	TxnDelivered TxnFailure = iota
	// TxnPermanent: a segment failed with a permanent error.
	TxnPermanent
	// TxnAttempts: a segment failed temporarily on every allowed attempt.
	TxnAttempts
	// TxnDeadline: the group deadline passed before every segment arrived.
	TxnDeadline
	// TxnRejected: the engine did not take the request (over its limits,
	// or shutting down); nothing was sent.
	TxnRejected
)

// TxnOutcome is what the submitter is told once the transaction ends.
type TxnOutcome struct {
	Failure TxnFailure
	// Err is the last radio error of the segment that decided a failure
	// (nil when delivered, or when the deadline passed with an attempt
	// still unanswered).
	Err *radio.Error
	// Delivered counts the segments that arrived, of len(Segments).
	Delivered, Total int
	// Attempts counts every segment sent to the air, retries included.
	Attempts int
	// Start is when the engine took the request; End when it decided.
	Start, End time.Time
	// Duplicate is true when this outcome is another submit's, given to
	// a duplicate.
	Duplicate bool
}

// OK reports whether every segment arrived.
func (o TxnOutcome) OK() bool { return o.Failure == TxnDelivered }

// TxnConfig holds the transaction mode's settings; zero fields take the
// defaults named (sim-parameters.md).
type TxnConfig struct {
	RetryInterval time.Duration // re-send a temporarily failed segment after; default 2 s
	MaxAttempts   int           // attempts per segment; default 3
	Deadline      time.Duration // the whole group ends by then; default 30 s
	// DedupWindow is how long a finished transaction's outcome is kept
	// for duplicates; default 10 min.
	DedupWindow time.Duration
	// MaxInFlight bounds transactions in flight in total, and
	// MaxInFlightPerAccount per account; beyond them Submit rejects
	// (the front answers ESME_RMSGQFUL). Defaults 100,000 and 20,000.
	MaxInFlight, MaxInFlightPerAccount int
}

// GateConfig is the air interface's throughput budget.
type GateConfig struct {
	// Rate is how many SMS per second the SMSC may hand to the air in all;
	// 0 means no limit.
	Rate float64
	// PushShare is the part of Rate reserved for push traffic (0 to 1):
	// person-to-person traffic never uses more than Rate×(1−PushShare),
	// and push is served first. 1 dedicates the SMSC to push.
	PushShare float64
	// Burst is how many SMS may go at once after an idle spell; default
	// max(1, Rate/10).
	Burst float64
}

// SAFConfig holds the store-and-forward mode's settings; zero fields take
// the defaults named (sim-parameters.md).
type SAFConfig struct {
	// FirstAttemptDelay delays the first attempt after acceptance
	// (RestComm: 20 s in normal mode); default 0, immediate.
	FirstAttemptDelay time.Duration
	// Schedule gives the wait after each failure; default
	// ExponentialSchedule(300 s, 24 h): +300 s, then doubling, capped.
	Schedule RetrySchedule
	// BusyRetry is the wait after subscriberBusyForMT-SMS; default 120 s.
	BusyRetry time.Duration
	// Validity applies when the submit gives no validity_period; default
	// 72 h.
	Validity time.Duration
	// IndependentMessages turns off the one queue per destination: each
	// message then keeps its own retry clock. By default (false) messages
	// to one MSISDN wait in one queue and share its retry clock, as
	// RestComm's SmsSet and most operators' SMSCs do.
	IndependentMessages bool
	// NoAlertSC turns off the retry at once when the network says a
	// subscriber is back (on by default).
	NoAlertSC bool
}

// RetrySchedule says how long to wait before the next attempt after the
// failures-th failure (1 for the first) with error err.
type RetrySchedule interface {
	Delay(failures int, err *radio.Error) time.Duration
}
