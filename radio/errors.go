package radio

import "strconv"

// ErrorCode is a MAP error code (3GPP TS 29.002) as returned to an SMSC by
// SendRoutingInfoForSM or MT-ForwardSM, plus Timeout for an operation that
// was never answered.
type ErrorCode uint8

// The MAP errors an SMSC sees on mobile-terminated delivery.
const (
	UnknownSubscriber         ErrorCode = 1
	UnidentifiedSubscriber    ErrorCode = 5
	AbsentSubscriberSM        ErrorCode = 6
	IllegalSubscriber         ErrorCode = 9
	TeleserviceNotProvisioned ErrorCode = 11
	IllegalEquipment          ErrorCode = 12
	CallBarred                ErrorCode = 13
	FacilityNotSupported      ErrorCode = 21
	AbsentSubscriber          ErrorCode = 27
	SubscriberBusyForMTSMS    ErrorCode = 31
	SMDeliveryFailure         ErrorCode = 32
	SystemFailure             ErrorCode = 34
	DataMissing               ErrorCode = 35
	UnexpectedDataValue       ErrorCode = 36

	// Timeout is not a MAP error: it is what the SMSC concludes when its
	// MAP operation timer expires with no answer. The value lies outside the
	// range MAP uses for error codes.
	Timeout ErrorCode = 255
)

// errorCodeInfo holds the name and the retry class of each known code.
var errorCodeInfo = map[ErrorCode]struct {
	name      string
	temporary bool
}{
	UnknownSubscriber:         {"unknownSubscriber", false},
	UnidentifiedSubscriber:    {"unidentifiedSubscriber", true},
	AbsentSubscriberSM:        {"absentSubscriberSM", true},
	IllegalSubscriber:         {"illegalSubscriber", false},
	TeleserviceNotProvisioned: {"teleserviceNotProvisioned", false},
	IllegalEquipment:          {"illegalEquipment", false},
	CallBarred:                {"callBarred", false},
	FacilityNotSupported:      {"facilityNotSupported", false},
	AbsentSubscriber:          {"absentSubscriber", true},
	SubscriberBusyForMTSMS:    {"subscriberBusyForMT-SMS", true},
	SMDeliveryFailure:         {"sm-DeliveryFailure", true}, // refined by the cause
	SystemFailure:             {"systemFailure", true},
	DataMissing:               {"dataMissing", false},
	UnexpectedDataValue:       {"unexpectedDataValue", false},
	Timeout:                   {"timeout", true},
}

// Known reports whether c is one of the codes this package defines.
func (c ErrorCode) Known() bool {
	_, ok := errorCodeInfo[c]
	return ok
}

// String returns the MAP name of the code, e.g. "absentSubscriberSM".
func (c ErrorCode) String() string {
	if info, ok := errorCodeInfo[c]; ok {
		return info.name
	}
	return "ErrorCode(" + strconv.Itoa(int(c)) + ")"
}

// Temporary reports whether a delivery that failed with c is worth trying
// again. For SMDeliveryFailure the answer depends on the cause; use
// Error.Temporary. Unknown codes are permanent: retrying an error nobody
// understands only delays the failure report.
func (c ErrorCode) Temporary() bool {
	return errorCodeInfo[c].temporary
}

// DeliveryFailureCause is the SM-EnumeratedDeliveryFailureCause carried by
// an sm-DeliveryFailure error.
type DeliveryFailureCause uint8

// The causes of sm-DeliveryFailure (3GPP TS 29.002).
const (
	MemoryCapacityExceeded    DeliveryFailureCause = 0
	EquipmentProtocolError    DeliveryFailureCause = 1
	EquipmentNotSMEquipped    DeliveryFailureCause = 2
	UnknownServiceCentre      DeliveryFailureCause = 3
	SCCongestion              DeliveryFailureCause = 4
	InvalidSMEAddress         DeliveryFailureCause = 5
	SubscriberNotSCSubscriber DeliveryFailureCause = 6
)

var causeInfo = [...]struct {
	name      string
	temporary bool
}{
	MemoryCapacityExceeded: {"memoryCapacityExceeded", true},
	// Temporary once, then permanent: the count belongs to the caller.
	EquipmentProtocolError:    {"equipmentProtocolError", true},
	EquipmentNotSMEquipped:    {"equipmentNotSM-Equipped", false},
	UnknownServiceCentre:      {"unknownServiceCentre", false},
	SCCongestion:              {"sc-Congestion", true},
	InvalidSMEAddress:         {"invalidSME-Address", false},
	SubscriberNotSCSubscriber: {"subscriberNotSC-Subscriber", false},
}

// Known reports whether c is one of the causes MAP defines.
func (c DeliveryFailureCause) Known() bool { return int(c) < len(causeInfo) }

// String returns the MAP name of the cause, e.g. "memoryCapacityExceeded".
func (c DeliveryFailureCause) String() string {
	if c.Known() {
		return causeInfo[c].name
	}
	return "DeliveryFailureCause(" + strconv.Itoa(int(c)) + ")"
}

// Temporary reports whether a delivery that failed with this cause is worth
// trying again. EquipmentProtocolError is temporary here; an SMSC should give
// up if it repeats. Unknown causes are permanent.
func (c DeliveryFailureCause) Temporary() bool {
	return c.Known() && causeInfo[c].temporary
}

// Error is a MAP-style delivery failure. It is comparable, so it can key a
// map of failure counts.
type Error struct {
	Code ErrorCode
	// Cause is meaningful only when Code is SMDeliveryFailure; it is zero
	// otherwise.
	Cause DeliveryFailureCause
}

// Temporary reports whether the failed delivery is worth trying again, by
// the usual SMSC policy (see the project's gsm-sms.md §5).
func (e *Error) Temporary() bool {
	if e.Code == SMDeliveryFailure {
		return e.Cause.Temporary()
	}
	return e.Code.Temporary()
}

// Name returns the MAP name of the error, with the cause for
// sm-DeliveryFailure: "absentSubscriberSM",
// "sm-DeliveryFailure/memoryCapacityExceeded".
func (e *Error) Name() string {
	if e.Code == SMDeliveryFailure {
		return e.Code.String() + "/" + e.Cause.String()
	}
	return e.Code.String()
}

// Error returns a description such as
// "radio: absentSubscriberSM (MAP error 6, temporary)".
func (e *Error) Error() string {
	class := "permanent"
	if e.Temporary() {
		class = "temporary"
	}
	if e.Code == Timeout {
		return "radio: MAP operation timeout (temporary)"
	}
	s := "radio: " + e.Name() + " (MAP error " + strconv.Itoa(int(e.Code))
	if e.Code == SMDeliveryFailure {
		s += ", cause " + strconv.Itoa(int(e.Cause))
	}
	return s + ", " + class + ")"
}
