package ppg

import (
	"strconv"

	"github.com/txpush/txpush/smpp"
)

// Dispatcher hands one push to one handset's network and reports the
// outcome. Submit must not block: the outcome arrives later through done,
// exactly once, possibly on another goroutine, and done must not block
// either.
type Dispatcher interface {
	Submit(req SubmitRequest, done func(SubmitResult))
}

// SubmitRequest is one push to one MSISDN.
type SubmitRequest struct {
	MSISDN  string // digits only
	Payload []byte // the WSP push PDU
	// Ref is the submit's identity (user_message_reference). A submit
	// repeated because its outcome is unknown carries the same Ref, so
	// that the SMSC answers it with the first one's outcome instead of
	// delivering it twice.
	Ref      uint16
	Priority Priority
}

// Priority orders dispatch and is passed on to the SMSC.
type Priority int

// The priorities of PAP's quality-of-service.
const (
	PriorityLow Priority = iota
	PriorityMedium
	PriorityHigh
)

// Outcome says how a submit ended.
type Outcome int

const (
	// Delivered: the SMSC delivered every segment.
	Delivered Outcome = iota + 1
	// Failed: the SMSC (or the network behind it) could not deliver.
	Failed
	// Unknown: no answer came; the push may or may not have been
	// delivered. It must not be sent again as a new message.
	Unknown
	// Busy: nothing was delivered because nothing could take the push
	// now (no bound session, a full window, a full queue, throttling);
	// it may be submitted again.
	Busy
)

var outcomeNames = [...]string{Delivered: "delivered", Failed: "failed", Unknown: "unknown", Busy: "busy"}

func (o Outcome) String() string {
	if o > 0 && int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "outcome(" + strconv.Itoa(int(o)) + ")"
}

// SubmitResult is the outcome of one submit.
type SubmitResult struct {
	Outcome Outcome
	// Permanent, for Failed, says that trying again cannot help (an
	// unknown or barred subscriber).
	Permanent     bool
	Status        smpp.Status // the response's command_status, when one came
	MessageID     string
	FailureReason byte   // delivery_failure_reason, when given
	NetworkError  uint16 // the code of network_error_code, when given
	// Err is what went wrong locally, when no response decided the
	// outcome.
	Err error
}
