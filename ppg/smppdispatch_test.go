package ppg

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/txpush/txpush/smpp"
)

func TestSubmitPDU(t *testing.T) {
	req := SubmitRequest{MSISDN: "358401234567", Payload: []byte{1, 6, 3, 0xae, 0x81, 0xea}, Ref: 4242, Priority: PriorityHigh}
	for _, useDataSM := range []bool{false, true} {
		d := NewSMPPDispatcher(SMPPConfig{UseDataSM: useDataSM})
		var esm, dcs byte
		var dest string
		var tlvs smpp.TLVs
		pdu, err := d.pdu(req)
		if err != nil {
			t.Fatal(err)
		}
		switch p := pdu.(type) {
		case *smpp.SubmitSM:
			if useDataSM {
				t.Fatal("submit_sm with UseDataSM")
			}
			esm, dcs, dest, tlvs = p.ESMClass, p.DataCoding, p.DestinationAddr, p.TLVs
			if len(p.ShortMessage.ShortMessage) != 0 || p.PriorityFlag != 1 {
				t.Fatalf("short_message %x, priority_flag %d", p.ShortMessage.ShortMessage, p.PriorityFlag)
			}
		case *smpp.DataSM:
			if !useDataSM {
				t.Fatal("data_sm without UseDataSM")
			}
			esm, dcs, dest, tlvs = p.ESMClass, p.DataCoding, p.DestinationAddr, p.TLVs
		}
		payload, _ := tlvs.MessagePayload()
		src, _ := tlvs.SourcePort()
		dst, _ := tlvs.DestinationPort()
		umr, _ := tlvs.UserMessageReference()
		if esm != 0x02 || dcs != 0x04 || dest != req.MSISDN || !bytes.Equal(payload, req.Payload) ||
			src != 9200 || dst != 2948 || umr != 4242 {
			t.Fatalf("data_sm %v: esm_class %#x dcs %#x dest %s payload %x ports %d→%d umr %d",
				useDataSM, esm, dcs, dest, payload, src, dst, umr)
		}
	}
}

func TestResultOf(t *testing.T) {
	failure := func(status smpp.Status, dfr byte) smpp.PDU {
		r := &smpp.SubmitSMResp{}
		r.Status = status
		if dfr != 0xff {
			r.TLVs.SetDeliveryFailureReason(dfr)
			r.TLVs.SetNetworkErrorCode(smpp.NetworkErrorCode{Type: smpp.NetworkGSM, Code: 27})
		}
		return r
	}
	ok := &smpp.SubmitSMResp{MessageID: "0000002a"}
	for _, tc := range []struct {
		resp      smpp.PDU
		err       error
		outcome   Outcome
		permanent bool
	}{
		{ok, nil, Delivered, false},
		{&smpp.DataSMResp{MessageID: "7"}, nil, Delivered, false},
		{failure(smpp.StatusDeliveryFailure, 1), smpp.StatusDeliveryFailure, Failed, true},
		{failure(smpp.StatusDeliveryFailure, 2), smpp.StatusDeliveryFailure, Failed, true},
		{failure(smpp.StatusDeliveryFailure, 0), smpp.StatusDeliveryFailure, Failed, false},
		{failure(smpp.StatusDeliveryFailure, 3), smpp.StatusDeliveryFailure, Failed, false},
		{failure(smpp.StatusDeliveryFailure, 0xff), smpp.StatusDeliveryFailure, Failed, false},
		{failure(smpp.StatusMsgQFul, 0xff), smpp.StatusMsgQFul, Busy, false},
		{failure(smpp.StatusThrottled, 0xff), smpp.StatusThrottled, Busy, false},
		{failure(smpp.StatusSysErr, 0xff), smpp.StatusSysErr, Failed, false},
		{nil, smpp.ErrNoResponse, Unknown, false},
		{nil, smpp.ErrClosed, Unknown, false},
		{nil, fmt.Errorf("send: %w", smpp.StatusThrottled), Busy, false},
	} {
		r := resultOf(tc.resp, tc.err)
		if r.Outcome != tc.outcome || r.Permanent != tc.permanent {
			t.Errorf("%T %v: %v permanent %v, want %v %v", tc.resp, tc.err, r.Outcome, r.Permanent, tc.outcome, tc.permanent)
		}
	}
	if r := resultOf(ok, nil); r.MessageID != "0000002a" {
		t.Errorf("message id %q", r.MessageID)
	}
	if r := resultOf(failure(smpp.StatusDeliveryFailure, 3), smpp.StatusDeliveryFailure); r.FailureReason != 3 || r.NetworkError != 27 {
		t.Errorf("TLVs not read: %+v", r)
	}
}

func TestSubmitWithoutBindIsBusy(t *testing.T) {
	d := NewSMPPDispatcher(SMPPConfig{Addrs: []string{"127.0.0.1:1"}})
	var got SubmitResult
	d.Submit(SubmitRequest{MSISDN: "358401234567", Payload: []byte{1}}, func(r SubmitResult) { got = r })
	if got.Outcome != Busy {
		t.Fatalf("%v", got.Outcome)
	}
}

// TestSubmitPDUTooLong: a payload no TLV can carry is an error, not a
// truncated or corrupt submit.
func TestSubmitPDUTooLong(t *testing.T) {
	d := NewSMPPDispatcher(SMPPConfig{})
	if _, err := d.pdu(SubmitRequest{MSISDN: "358401234567", Payload: make([]byte, 70000)}); !errors.Is(err, smpp.ErrTLVTooLong) {
		t.Errorf("pdu of a 70,000-octet push: %v, want ErrTLVTooLong", err)
	}
}
