package smsc

import (
	"fmt"

	"github.com/txpush/txpush/radio"
	"github.com/txpush/txpush/smpp"
)

// How radio errors reach the ESME. SMPP leaves the mapping to the SMSC
// (smpp34.md section 12); this is ours, documented in docs/SMSC.md:
//
//	radio error                                   delivery_failure_reason
//	absentSubscriber(SM), memory full, Timeout    0 destination unavailable
//	unknownSubscriber, invalidSME-Address         1 destination address invalid
//	other permanent errors (barred, not           2 permanent network error
//	  provisioned, illegal, unsupported, ...)
//	other temporary errors (systemFailure,        3 temporary network error
//	  busy, sc-Congestion, ...)
//
// network_error_code is type 3 (GSM) with the MAP error code; for
// sm-DeliveryFailure the code is 0x2000 | the delivery failure cause, so
// that a memory-full failure (32/0) stays distinguishable from others. A
// MAP timeout, which has no MAP code, is 0x00FF. The receipt's err field
// is the same code in 3 decimal digits where it fits (MAP codes do), and
// the stored LastError is the network_error_code value.

// delivery_failure_reason values (SMPP 3.4 section 5.3.2.33).
const (
	DFRDestinationUnavailable = 0
	DFRInvalidAddress         = 1
	DFRPermanentNetworkError  = 2
	DFRTemporaryNetworkError  = 3
)

// failureReason maps a radio error to delivery_failure_reason.
func failureReason(e *radio.Error) byte {
	if e == nil {
		return DFRTemporaryNetworkError
	}
	switch e.Code {
	case radio.AbsentSubscriber, radio.AbsentSubscriberSM, radio.Timeout:
		return DFRDestinationUnavailable
	case radio.UnknownSubscriber:
		return DFRInvalidAddress
	case radio.SMDeliveryFailure:
		switch e.Cause {
		case radio.MemoryCapacityExceeded:
			return DFRDestinationUnavailable
		case radio.InvalidSMEAddress:
			return DFRInvalidAddress
		}
	}
	if e.Temporary() {
		return DFRTemporaryNetworkError
	}
	return DFRPermanentNetworkError
}

// networkErrorCode maps a radio error to the GSM network_error_code.
func networkErrorCode(e *radio.Error) smpp.NetworkErrorCode {
	return smpp.NetworkErrorCode{Type: smpp.NetworkGSM, Code: errorCode(e)}
}

// errorCode is the 16-bit code of a radio error (see above).
func errorCode(e *radio.Error) uint16 {
	switch {
	case e == nil:
		return 0
	case e.Code == radio.SMDeliveryFailure:
		return 0x2000 | uint16(e.Cause)
	default:
		return uint16(e.Code)
	}
}

// receiptErr renders the error for a receipt's 3-character err field.
func receiptErr(code uint32) string {
	if code > 999 {
		return fmt.Sprintf("%03X", code&0xFFF)
	}
	return fmt.Sprintf("%03d", code)
}
