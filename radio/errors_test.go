package radio

import (
	"strings"
	"testing"
)

// The retry class of every MAP error and sm-DeliveryFailure cause, from
// gsm-sms.md §5.
func TestErrorClassification(t *testing.T) {
	tests := []struct {
		err       Error
		name      string
		temporary bool
	}{
		{Error{Code: UnknownSubscriber}, "unknownSubscriber", false},
		{Error{Code: UnidentifiedSubscriber}, "unidentifiedSubscriber", true},
		{Error{Code: AbsentSubscriberSM}, "absentSubscriberSM", true},
		{Error{Code: IllegalSubscriber}, "illegalSubscriber", false},
		{Error{Code: TeleserviceNotProvisioned}, "teleserviceNotProvisioned", false},
		{Error{Code: IllegalEquipment}, "illegalEquipment", false},
		{Error{Code: CallBarred}, "callBarred", false},
		{Error{Code: FacilityNotSupported}, "facilityNotSupported", false},
		{Error{Code: AbsentSubscriber}, "absentSubscriber", true},
		{Error{Code: SubscriberBusyForMTSMS}, "subscriberBusyForMT-SMS", true},
		{Error{Code: SystemFailure}, "systemFailure", true},
		{Error{Code: DataMissing}, "dataMissing", false},
		{Error{Code: UnexpectedDataValue}, "unexpectedDataValue", false},
		{Error{Code: Timeout}, "timeout", true},
		{Error{Code: SMDeliveryFailure, Cause: MemoryCapacityExceeded}, "sm-DeliveryFailure/memoryCapacityExceeded", true},
		{Error{Code: SMDeliveryFailure, Cause: EquipmentProtocolError}, "sm-DeliveryFailure/equipmentProtocolError", true},
		{Error{Code: SMDeliveryFailure, Cause: EquipmentNotSMEquipped}, "sm-DeliveryFailure/equipmentNotSM-Equipped", false},
		{Error{Code: SMDeliveryFailure, Cause: UnknownServiceCentre}, "sm-DeliveryFailure/unknownServiceCentre", false},
		{Error{Code: SMDeliveryFailure, Cause: SCCongestion}, "sm-DeliveryFailure/sc-Congestion", true},
		{Error{Code: SMDeliveryFailure, Cause: InvalidSMEAddress}, "sm-DeliveryFailure/invalidSME-Address", false},
		{Error{Code: SMDeliveryFailure, Cause: SubscriberNotSCSubscriber}, "sm-DeliveryFailure/subscriberNotSC-Subscriber", false},
		// Nobody knows what these mean, so nobody should retry them.
		{Error{Code: 99}, "ErrorCode(99)", false},
		{Error{Code: SMDeliveryFailure, Cause: 7}, "sm-DeliveryFailure/DeliveryFailureCause(7)", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := tt.err
			if got := e.Temporary(); got != tt.temporary {
				t.Errorf("Temporary() = %v, want %v", got, tt.temporary)
			}
			if got := e.Name(); got != tt.name {
				t.Errorf("Name() = %q, want %q", got, tt.name)
			}
			msg := e.Error()
			class := "permanent"
			if tt.temporary {
				class = "temporary"
			}
			if !strings.HasPrefix(msg, "radio: ") || !strings.Contains(msg, class) {
				t.Errorf("Error() = %q, want the package prefix and %q", msg, class)
			}
			if e.Code != Timeout && !strings.Contains(msg, e.Name()) {
				t.Errorf("Error() = %q does not name %q", msg, e.Name())
			}
		})
	}
}

func TestErrorCodeValues(t *testing.T) {
	// The numbers are MAP's; SMPP network_error_code carries them as is.
	want := map[ErrorCode]int{
		UnknownSubscriber: 1, UnidentifiedSubscriber: 5, AbsentSubscriberSM: 6,
		IllegalSubscriber: 9, TeleserviceNotProvisioned: 11, IllegalEquipment: 12,
		CallBarred: 13, FacilityNotSupported: 21, AbsentSubscriber: 27,
		SubscriberBusyForMTSMS: 31, SMDeliveryFailure: 32, SystemFailure: 34,
		DataMissing: 35, UnexpectedDataValue: 36,
	}
	for code, v := range want {
		if int(code) != v {
			t.Errorf("%s = %d, want %d", code, code, v)
		}
		if !code.Known() {
			t.Errorf("%s not Known", code)
		}
	}
	if got := (&Error{Code: SMDeliveryFailure, Cause: SCCongestion}).Error(); got != "radio: sm-DeliveryFailure/sc-Congestion (MAP error 32, cause 4, temporary)" {
		t.Errorf("Error() = %q", got)
	}
}
