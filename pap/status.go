package pap

import "strconv"

// Code is a PAP status code: four decimal digits whose first digit is the
// class. Codes x500–x999 of each class are implementation-specific.
type Code int

// The status codes of PAP 2.0 (WAP-247), with 3011 from later revisions.
const (
	CodeOK       Code = 1000 // OK
	CodeAccepted Code = 1001 // accepted for processing: the normal answer to a push-message

	CodeBadRequest                       Code = 2000 // malformed request
	CodeForbidden                        Code = 2001 // the PI is not allowed
	CodeAddressError                     Code = 2002 // address syntax, or not a valid subscriber
	CodeAddressNotFound                  Code = 2003
	CodePushIDNotFound                   Code = 2004 // cancel or status query of an unknown push
	CodeCapabilitiesMismatch             Code = 2005
	CodeRequiredCapabilitiesNotSupported Code = 2006
	CodeDuplicatePushID                  Code = 2007
	CodeCancellationNotPossible          Code = 2008 // already delivered or in progress

	CodeInternalServerError            Code = 3000
	CodeNotImplemented                 Code = 3001
	CodeVersionNotSupported            Code = 3002
	CodeNotPossible                    Code = 3003
	CodeCapabilityMatchingNotSupported Code = 3004
	CodeMultipleAddressesNotSupported  Code = 3005
	CodeTransformationFailure          Code = 3006 // e.g. the SI document does not compile
	CodeDeliveryMethodNotPossible      Code = 3007 // e.g. confirmed delivery over connectionless SMS
	CodeCapabilitiesNotAvailable       Code = 3008
	CodeRequiredNetworkNotAvailable    Code = 3009
	CodeRequiredBearerNotAvailable     Code = 3010
	CodeReplacementNotSupported        Code = 3011 // replace-push-id, from later PAP revisions

	CodeServiceFailure     Code = 4000 // delivery failed; the PI may retry
	CodeServiceUnavailable Code = 4001 // temporarily

	CodeMobileClientAborted Code = 5000 // the handset aborted the push
)

var codeText = map[Code]string{
	CodeOK:                               "OK",
	CodeAccepted:                         "Accepted for processing",
	CodeBadRequest:                       "Bad request",
	CodeForbidden:                        "Forbidden",
	CodeAddressError:                     "Address error",
	CodeAddressNotFound:                  "Address not found",
	CodePushIDNotFound:                   "Push ID not found",
	CodeCapabilitiesMismatch:             "Capabilities mismatch",
	CodeRequiredCapabilitiesNotSupported: "Required capabilities not supported",
	CodeDuplicatePushID:                  "Duplicate push ID",
	CodeCancellationNotPossible:          "Cancellation not possible",
	CodeInternalServerError:              "Internal server error",
	CodeNotImplemented:                   "Not implemented",
	CodeVersionNotSupported:              "Version not supported",
	CodeNotPossible:                      "Not possible",
	CodeCapabilityMatchingNotSupported:   "Capability matching not supported",
	CodeMultipleAddressesNotSupported:    "Multiple addresses not supported",
	CodeTransformationFailure:            "Transformation failure",
	CodeDeliveryMethodNotPossible:        "Specified delivery method not possible",
	CodeCapabilitiesNotAvailable:         "Capabilities not available",
	CodeRequiredNetworkNotAvailable:      "Required network not available",
	CodeRequiredBearerNotAvailable:       "Required bearer not available",
	CodeReplacementNotSupported:          "Replacement not supported",
	CodeServiceFailure:                   "Service failure",
	CodeServiceUnavailable:               "Service unavailable",
	CodeMobileClientAborted:              "Mobile client aborted",
}

// Class is the first digit of a status code.
type Class int

// The classes of status codes.
const (
	ClassSuccess        Class = 1
	ClassClientError    Class = 2 // the request was wrong; do not repeat it unchanged
	ClassServerError    Class = 3 // the PPG cannot do what was asked
	ClassServiceFailure Class = 4 // the delivery failed; the PI may retry
	ClassMobileAbort    Class = 5 // the mobile client aborted the push
)

func (c Class) String() string {
	switch c {
	case ClassSuccess:
		return "success"
	case ClassClientError:
		return "client error"
	case ClassServerError:
		return "server error"
	case ClassServiceFailure:
		return "service failure"
	case ClassMobileAbort:
		return "mobile client abort"
	}
	return "class " + strconv.Itoa(int(c))
}

// Valid reports whether c is four digits of a defined class (1000–5999),
// the only codes a PAP document may carry.
func (c Code) Valid() bool { return c >= 1000 && c <= 5999 }

// Class returns the class of c.
func (c Code) Class() Class { return Class(c / 1000) }

// Known reports whether c is one of the codes the specification defines.
func (c Code) Known() bool {
	_, ok := codeText[c]
	return ok
}

// Canonical returns c if it is known, and otherwise the x000 code of its
// class, which is how PAP tells a receiver to treat a code it does not know.
func (c Code) Canonical() Code {
	if c.Known() || !c.Valid() {
		return c
	}
	return Code(c.Class()) * 1000
}

// Success reports whether c is in the success class.
func (c Code) Success() bool { return c.Class() == ClassSuccess }

// Text returns the specification's description of c, or of the x000 code
// of its class when c is not known; "" for an invalid code.
func (c Code) Text() string {
	return codeText[c.Canonical()]
}

// String returns the code and its description, e.g. "2002 Address error".
func (c Code) String() string {
	if t := c.Text(); t != "" {
		return strconv.Itoa(int(c)) + " " + t
	}
	return strconv.Itoa(int(c))
}

// MessageState is the state of a push as the PPG reports it in a result
// notification or a status query response.
type MessageState string

// The message states of PAP 2.0.
const (
	StateUndeliverable MessageState = "undeliverable"
	StatePending       MessageState = "pending"
	StateExpired       MessageState = "expired"
	StateDelivered     MessageState = "delivered"
	StateAborted       MessageState = "aborted"
	StateTimeout       MessageState = "timeout"
	StateCancelled     MessageState = "cancelled"
	StateUnknown       MessageState = "unknown"
)

// Valid reports whether s is one of the defined states.
func (s MessageState) Valid() bool {
	switch s {
	case StateUndeliverable, StatePending, StateExpired, StateDelivered,
		StateAborted, StateTimeout, StateCancelled, StateUnknown:
		return true
	}
	return false
}

// Final reports whether s is an end state, one the push never leaves.
func (s MessageState) Final() bool {
	return s.Valid() && s != StatePending && s != StateUnknown
}

// Priority is the priority attribute of quality-of-service.
type Priority string

// The priorities; the default is medium.
const (
	PriorityHigh   Priority = "high"
	PriorityMedium Priority = "medium"
	PriorityLow    Priority = "low"
)

// Valid reports whether p is one of the defined priorities.
func (p Priority) Valid() bool {
	return p == PriorityHigh || p == PriorityMedium || p == PriorityLow
}

// DeliveryMethod is the delivery-method attribute of quality-of-service.
type DeliveryMethod string

// The delivery methods; the default is notspecified.
const (
	DeliveryConfirmed       DeliveryMethod = "confirmed"
	DeliveryPreferConfirmed DeliveryMethod = "preferconfirmed"
	DeliveryUnconfirmed     DeliveryMethod = "unconfirmed"
	DeliveryNotSpecified    DeliveryMethod = "notspecified"
)

// Valid reports whether d is one of the defined delivery methods.
func (d DeliveryMethod) Valid() bool {
	switch d {
	case DeliveryConfirmed, DeliveryPreferConfirmed, DeliveryUnconfirmed, DeliveryNotSpecified:
		return true
	}
	return false
}
