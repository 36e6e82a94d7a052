package smpp

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
)

// allCommandIDs lists every command of SMPP 3.4.
func allCommandIDs() []CommandID {
	var ids []CommandID
	for id := range commandNames {
		ids = append(ids, id)
	}
	return ids
}

func assertSamePDU(tb testing.TB, got, want PDU) {
	tb.Helper()
	if !reflect.DeepEqual(got, want) {
		tb.Errorf("PDUs differ\n got %+v\nwant %+v", got, want)
	}
}

// randomPDU returns a PDU of command id with every field drawn within the
// bounds its fields method declares.
func randomPDU(r *rand.Rand, id CommandID) PDU {
	p := New(id)
	c := fieldCodec{mode: filling, id: id, rand: r}
	walk(p, &c)
	h := p.Hdr()
	h.Seq = r.Uint32()
	if id.IsResponse() && r.IntN(2) == 0 {
		h.Status = Status(r.IntN(0x500))
	}
	return p
}

func TestNewCoversEveryCommand(t *testing.T) {
	for _, id := range allCommandIDs() {
		p := New(id)
		if p == nil {
			t.Errorf("New(%v) = nil", id)
			continue
		}
		if p.CommandID() != id {
			t.Errorf("New(%v).CommandID() = %v", id, p.CommandID())
		}
		// walk must know the type: an unknown one fails even when encoding.
		if _, err := Append(nil, p); err != nil && strings.Contains(err.Error(), "not a PDU") {
			t.Errorf("walk does not dispatch %T", p)
		}
	}
	for _, id := range []CommandID{0, 0x0A, 0x80000021 + 1, 0x00000104, 0xFFFFFFFF} {
		if p := New(id); p != nil {
			t.Errorf("New(%v) = %T, want nil", id, p)
		}
	}
}

func TestNewResponse(t *testing.T) {
	tests := []struct {
		req  CommandID
		want CommandID
	}{
		{SubmitSMID, SubmitSMRespID},
		{DeliverSMID, DeliverSMRespID},
		{BindTransceiverID, BindTransceiverRespID},
		{EnquireLinkID, EnquireLinkRespID},
		{DataSMID, DataSMRespID},
		{SubmitMultiID, SubmitMultiRespID},
		{OutbindID, GenericNackID},
		{AlertNotificationID, GenericNackID},
		{SubmitSMRespID, GenericNackID},
		{GenericNackID, GenericNackID},
		{0x00000099, GenericNackID},
	}
	for _, tt := range tests {
		p := NewResponse(tt.req, 77, StatusThrottled)
		if p.CommandID() != tt.want {
			t.Errorf("NewResponse(%v) is a %v, want %v", tt.req, p.CommandID(), tt.want)
		}
		if h := p.Hdr(); h.Seq != 77 || h.Status != StatusThrottled {
			t.Errorf("NewResponse(%v) header = %+v", tt.req, *h)
		}
	}
}

// TestRoundTripRandom encodes random valid PDUs of every type, decodes
// them, and expects the same PDU and, re-encoded, the same octets.
func TestRoundTripRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, id := range allCommandIDs() {
		for range 200 {
			p := randomPDU(r, id)
			b, err := Append(nil, p)
			if err != nil {
				t.Fatalf("%v: Append: %v\n%+v", id, err, p)
			}
			if got := binary.BigEndian.Uint32(b); int(got) != len(b) {
				t.Fatalf("%v: command_length %d, PDU has %d octets", id, got, len(b))
			}
			q, err := Unmarshal(b, 0)
			if err != nil {
				t.Fatalf("%v: Unmarshal: %v\n%x", id, err, b)
			}
			assertSamePDU(t, q, p)
			b2, err := Append(nil, q)
			if err != nil || !bytes.Equal(b2, b) {
				t.Fatalf("%v: re-encoding differs (%v)\n got %x\nwant %x", id, err, b2, b)
			}
		}
	}
}

func TestAppendKeepsPrefix(t *testing.T) {
	prefix := []byte("prefix")
	p := &SubmitSMResp{Header: Header{Seq: 9}, MessageID: "abc"}
	b, err := Append(bytes.Clone(prefix), p)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := hex.DecodeString("00000014" + "80000004" + "00000000" + "00000009" + "61626300")
	if !bytes.Equal(b, append(prefix, want...)) {
		t.Errorf("got %x, want %x after the prefix", b, want)
	}
	// A failed Append leaves dst as it was.
	bad := &SubmitSMResp{MessageID: strings.Repeat("x", 65)}
	b2, err := Append(bytes.Clone(prefix), bad)
	if err == nil || !bytes.Equal(b2, prefix) {
		t.Errorf("failed Append returned %q, %v", b2, err)
	}
}

func TestErrorResponseEncoding(t *testing.T) {
	// The documented form: header and one NUL.
	b, err := Append(nil, NewResponse(SubmitSMID, 0x102, StatusSubmitFail))
	if err != nil {
		t.Fatal(err)
	}
	want := loadVector(t, "v13-smpp-submit-sm-transaction-payload/submit_sm_resp.submitfail-nul-body.bin")
	if !bytes.Equal(b, want) {
		t.Errorf("got %x, want %x", b, want)
	}
}

func TestAppendErrors(t *testing.T) {
	long := func(n int) string { return strings.Repeat("1", n) }
	sm := func(f func(m *ShortMessage)) PDU {
		p := &SubmitSM{}
		f(&p.ShortMessage)
		return p
	}
	tests := []struct {
		name  string
		pdu   PDU
		field string
	}{
		{"22-digit destination", sm(func(m *ShortMessage) { m.DestinationAddr = long(22) }), "destination_addr"},
		{"21-digit destination", sm(func(m *ShortMessage) { m.DestinationAddr = long(21) }), "destination_addr"},
		{"NUL in source", sm(func(m *ShortMessage) { m.SourceAddr = "a\x00b" }), "source_addr"},
		{"service_type", sm(func(m *ShortMessage) { m.ServiceType = "WAPPUSH" }), "service_type"},
		{"255-octet short message", sm(func(m *ShortMessage) { m.ShortMessage = make([]byte, 255) }), "short_message"},
		{"bad schedule", sm(func(m *ShortMessage) { m.ScheduleDeliveryTime = "2613011200000000+" }), "schedule_delivery_time"},
		{"bad validity", sm(func(m *ShortMessage) { m.ValidityPeriod = "000000001000000X" }), "validity_period"},
		{"truncated TLV", sm(func(m *ShortMessage) { m.TLVs = TLVs{0x04, 0x24, 0x00} }), "optional parameters"},
		{"source_port of 3 octets", sm(func(m *ShortMessage) { m.TLVs.Set(TagSourcePort, []byte{1, 2, 3}) }), "tlv 0x020A"},
		{"no destinations", &SubmitMulti{}, "number_of_dests"},
		{"255 destinations", &SubmitMulti{DestAddresses: make([]DestAddress, 255)}, "number_of_dests"},
		{"list with TON", &SubmitMulti{DestAddresses: []DestAddress{{DistributionList: true, TON: 1, Addr: "friends"}}}, "dest_flag"},
		{"long system_id", &BindTransceiver{BindParams: BindParams{SystemID: long(16)}}, "system_id"},
		{"long password", &BindTransceiver{BindParams: BindParams{Password: long(9)}}, "password"},
		{"long message_id", &SubmitSMResp{MessageID: long(65)}, "message_id"},
		{"long data_sm address", &DataSM{SourceAddr: long(65)}, "source_addr"},
		{"bad final_date", &QuerySMResp{FinalDate: "x"}, "final_date"},
		{"nil", nil, "PDU"},
	}
	for _, tt := range tests {
		_, err := Append(nil, tt.pdu)
		var ee *EncodeError
		if !errors.As(err, &ee) {
			t.Errorf("%s: error %v, want an *EncodeError", tt.name, err)
			continue
		}
		if ee.Field != tt.field {
			t.Errorf("%s: field %q, want %q (%v)", tt.name, ee.Field, tt.field, err)
		}
	}
	// The longest legal values encode.
	ok := sm(func(m *ShortMessage) {
		m.DestinationAddr, m.SourceAddr, m.ServiceType = long(20), long(20), long(5)
		m.ShortMessage = make([]byte, 254)
	})
	if _, err := Append(nil, ok); err != nil {
		t.Errorf("longest legal fields: %v", err)
	}
}

// pdu builds a PDU from hex fragments of its body, with a correct header.
func pdu(id CommandID, status Status, seq uint32, body ...string) []byte {
	raw, err := hex.DecodeString(strings.ReplaceAll(strings.Join(body, ""), " ", ""))
	if err != nil {
		panic(err)
	}
	b := binary.BigEndian.AppendUint32(nil, uint32(HeaderLen+len(raw)))
	b = binary.BigEndian.AppendUint32(b, uint32(id))
	b = binary.BigEndian.AppendUint32(b, uint32(status))
	b = binary.BigEndian.AppendUint32(b, seq)
	return append(b, raw...)
}

func hexText(s string) string { return hex.EncodeToString([]byte(s)) }

// submitBody returns a submit_sm body with the given source and destination
// (hex, NUL included), times and the rest after data_coding.
func submitBody(src, dst, sched, valid, tail string) string {
	return "00" + "0500" + src + "0101" + dst + "42 00 00" + sched + valid + "00 00 04 00" + tail
}

var (
	ppg   = hexText("PPG") + "00"
	msisd = hexText("358401234567") + "00"
)

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name   string
		in     []byte
		max    int
		id     CommandID
		status Status
		field  string
		offset int
	}{
		{"short header", []byte{0, 0, 0, 16, 0, 0, 0, 0x15}, 0, 0, StatusInvCmdLen, "command_length", 0},
		{"length above len", pdu(SubmitSMRespID, 0, 1, "00")[:16], 0, SubmitSMRespID, StatusInvCmdLen, "command_length", 0},
		{"length below len", append(pdu(EnquireLinkID, 0, 1), 0), 0, EnquireLinkID, StatusInvCmdLen, "command_length", 0},
		{"length under 16", func() []byte { b := pdu(EnquireLinkID, 0, 1); b[3] = 12; return b[:12] }(), 0, 0, StatusInvCmdLen, "command_length", 0},
		{"over maxBody", pdu(SubmitSMRespID, 0, 1, strings.Repeat("31", 100), "00"), 100, SubmitSMRespID, StatusInvCmdLen, "command_length", 0},
		{"unknown command_id", pdu(0x00000099, 0, 5), 0, 0x99, StatusInvCmdID, "command_id", 4},
		{"enquire_link with a body", pdu(EnquireLinkID, 0, 1, "00"), 0, EnquireLinkID, StatusInvCmdLen, "command_length", 16},
		{"unbind_resp with a body", pdu(UnbindRespID, 0, 1, "0000"), 0, UnbindRespID, StatusInvCmdLen, "command_length", 16},
		{"bind trailing octets", pdu(BindTransceiverID, 0, 1, "00 00 00 34 00 00 00 ff"), 0, BindTransceiverID, StatusInvCmdLen, "command_length", 23},
		{"service_type without NUL", pdu(SubmitSMID, 0, 1, hexText("WAPPUSHX"), "00"), 0, SubmitSMID, StatusInvSerTyp, "service_type", 16},
		{"source_addr without NUL", pdu(SubmitSMID, 0, 1, submitBody(hexText(strings.Repeat("7", 21))+"00", msisd, "00", "00", "00")), 0, SubmitSMID, StatusInvSrcAdr, "source_addr", 19},
		{"22-digit destination_addr", pdu(SubmitSMID, 0, 1, submitBody(ppg, hexText(strings.Repeat("3", 22))+"00", "00", "00", "00")), 0, SubmitSMID, StatusInvDstAdr, "destination_addr", 25},
		{"PDU ends inside destination_addr", pdu(SubmitSMID, 0, 1, "00 0500", ppg, "0101", hexText("3584")), 0, SubmitSMID, StatusInvCmdLen, "destination_addr", 25},
		{"PDU ends before esm_class", pdu(SubmitSMID, 0, 1, "00 0500", ppg, "0101", msisd), 0, SubmitSMID, StatusInvCmdLen, "esm_class", 38},
		{"schedule month 13", pdu(SubmitSMID, 0, 1, submitBody(ppg, msisd, hexText("261301120000000+")+"00", "00", "00")), 0, SubmitSMID, StatusInvSched, "schedule_delivery_time", 41},
		{"schedule of 15 characters", pdu(SubmitSMID, 0, 1, submitBody(ppg, msisd, hexText("26110112000000+")+"00", "00", "00")), 0, SubmitSMID, StatusInvSched, "schedule_delivery_time", 41},
		{"validity with bad sign", pdu(SubmitSMID, 0, 1, submitBody(ppg, msisd, "00", hexText("000000001000000X")+"00", "00")), 0, SubmitSMID, StatusInvExpiry, "validity_period", 42},
		{"validity over 16", pdu(SubmitSMID, 0, 1, submitBody(ppg, msisd, "00", hexText("000000001000000R0")+"00", "00")), 0, SubmitSMID, StatusInvExpiry, "validity_period", 42},
		{"sm_length past the end", pdu(SubmitSMID, 0, 1, submitBody(ppg, msisd, "00", "00", "05 6162")), 0, SubmitSMID, StatusInvMsgLen, "sm_length", 47},
		{"sm_length 255", pdu(SubmitSMID, 0, 1, submitBody(ppg, msisd, "00", "00", "ff"+strings.Repeat("61", 255))), 0, SubmitSMID, StatusInvMsgLen, "sm_length", 47},
		{"truncated TLV header", pdu(SubmitSMID, 0, 1, submitBody(ppg, msisd, "00", "00", "00 0424 00")), 0, SubmitSMID, StatusInvOptParStream, "optional parameters", 48},
		{"TLV past the end", pdu(SubmitSMID, 0, 1, submitBody(ppg, msisd, "00", "00", "00 0424 0005 0102")), 0, SubmitSMID, StatusInvOptParStream, "tlv 0x0424", 48},
		{"second TLV past the end", pdu(SubmitSMID, 0, 1, submitBody(ppg, msisd, "00", "00", "00 020A 0002 23F0 0424 0100 01")), 0, SubmitSMID, StatusInvOptParStream, "tlv 0x0424", 54},
		{"source_port of 3 octets", pdu(SubmitSMID, 0, 1, submitBody(ppg, msisd, "00", "00", "00 020A 0003 23F000")), 0, SubmitSMID, StatusInvParLen, "tlv 0x020A", 48},
		{"network_error_code of 2 octets", pdu(DeliverSMID, 0, 1, submitBody(ppg, msisd, "00", "00", "00 0423 0002 0300")), 0, DeliverSMID, StatusInvParLen, "tlv 0x0423", 48},
		{"sc_interface_version of 0 octets", pdu(BindTransceiverRespID, 0, 1, "00 0210 0000"), 0, BindTransceiverRespID, StatusInvParLen, "tlv 0x0210", 17},
		{"no destinations", pdu(SubmitMultiID, 0, 1, "00 0500", ppg, "00"), 0, SubmitMultiID, StatusInvNumDests, "number_of_dests", 23},
		{"dest_flag 3", pdu(SubmitMultiID, 0, 1, "00 0500", ppg, "01 03"), 0, SubmitMultiID, StatusInvDestFlag, "dest_flag", 24},
		{"long dl_name", pdu(SubmitMultiID, 0, 1, "00 0500", ppg, "01 02", hexText(strings.Repeat("d", 21))+"00"), 0, SubmitMultiID, StatusInvDLName, "dl_name", 25},
		{"long system_id", pdu(BindTransmitterID, 0, 1, hexText(strings.Repeat("s", 16))+"00"), 0, BindTransmitterID, StatusInvSysID, "system_id", 16},
		{"long password", pdu(BindTransmitterID, 0, 1, "00", hexText(strings.Repeat("p", 9))+"00"), 0, BindTransmitterID, StatusInvPaswd, "password", 17},
		{"long message_id", pdu(QuerySMID, 0, 1, hexText(strings.Repeat("9", 65))+"00"), 0, QuerySMID, StatusInvMsgID, "message_id", 16},
		{"OK submit_sm_resp without body", pdu(SubmitSMRespID, 0, 1), 0, SubmitSMRespID, StatusInvCmdLen, "message_id", 16},
		{"error response ending inside message_id", pdu(SubmitSMRespID, StatusSysErr, 1, "3132"), 0, SubmitSMRespID, StatusInvCmdLen, "message_id", 16},
		{"error response ending inside a u32", pdu(SubmitMultiRespID, StatusSysErr, 1, "00 01 0101 3100 0000"), 0, SubmitMultiRespID, StatusInvCmdLen, "error_status_code", 22},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Unmarshal(tt.in, tt.max)
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("got %v, %v; want a *DecodeError", p, err)
			}
			if p != nil {
				t.Errorf("a PDU came with the error: %+v", p)
			}
			got := *de
			want := DecodeError{ID: tt.id, Status: tt.status, Field: tt.field, Offset: tt.offset, Reason: got.Reason}
			if len(tt.in) >= HeaderLen {
				want.Seq = binary.BigEndian.Uint32(tt.in[12:])
			}
			if got != want {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
			if got.Reason == "" {
				t.Error("no reason")
			}
			if !errors.Is(err, tt.status) {
				t.Errorf("errors.Is(err, %v) is false", tt.status)
			}
		})
	}
}

func TestDecodeErrorText(t *testing.T) {
	b := pdu(SubmitSMID, 0, 7, submitBody(ppg, hexText(strings.Repeat("3", 22))+"00", "00", "00", "00"))
	_, err := Unmarshal(b, 0)
	want := "smpp: decoding submit_sm (seq 7): destination_addr at offset 25: no NUL terminator within 21 octets (ESME_RINVDSTADR)"
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

// TestErrorResponseBodies decodes the forms SMSCs give a failed response:
// no body, a bare NUL, a message_id, a message_id and TLVs (lessons.md).
func TestErrorResponseBodies(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want PDU
	}{
		{"no body", pdu(SubmitSMRespID, StatusThrottled, 3),
			&SubmitSMResp{Header: Header{Status: StatusThrottled, Seq: 3}}},
		{"bare NUL", pdu(SubmitSMRespID, StatusThrottled, 3, "00"),
			&SubmitSMResp{Header: Header{Status: StatusThrottled, Seq: 3}}},
		{"message_id", pdu(SubmitSMRespID, StatusSubmitFail, 3, hexText("ab12")+"00"),
			&SubmitSMResp{Header: Header{Status: StatusSubmitFail, Seq: 3}, MessageID: "ab12"}},
		{"message_id and TLVs", pdu(SubmitSMRespID, StatusDeliveryFailure, 3, "00 0425 0001 03 0423 0003 03001b"),
			&SubmitSMResp{Header: Header{Status: StatusDeliveryFailure, Seq: 3},
				TLVs: TLVs{0x04, 0x25, 0, 1, 3, 0x04, 0x23, 0, 3, 3, 0, 0x1b}}},
		{"data_sm_resp with TLVs", pdu(DataSMRespID, StatusDeliveryFailure, 3, "00 0425 0001 02"),
			&DataSMResp{Header: Header{Status: StatusDeliveryFailure, Seq: 3}, TLVs: TLVs{0x04, 0x25, 0, 1, 2}}},
		{"bind_resp without body", pdu(BindTransceiverRespID, StatusBindFail, 1),
			&BindTransceiverResp{Header: Header{Status: StatusBindFail, Seq: 1}}},
		{"query_sm_resp with only message_id", pdu(QuerySMRespID, StatusQueryFail, 1, hexText("42")+"00"),
			&QuerySMResp{Header: Header{Status: StatusQueryFail, Seq: 1}, MessageID: "42"}},
		{"submit_multi_resp without body", pdu(SubmitMultiRespID, StatusSysErr, 1),
			&SubmitMultiResp{Header: Header{Status: StatusSysErr, Seq: 1}}},
	}
	for _, tt := range tests {
		p, err := Unmarshal(tt.in, 0)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		assertSamePDU(t, p, tt.want)
		if id, _ := tt.want.(*DataSMResp); id != nil {
			r, _ := id.TLVs.DeliveryFailureReason()
			checkEq(t, "delivery_failure_reason", r, byte(2))
		}
	}
}

func TestTruncatedVectors(t *testing.T) {
	for _, v := range loadVectors(t) {
		for n := range len(v.pdu) {
			prefix := bytes.Clone(v.pdu[:n])
			_, err := Unmarshal(prefix, 0)
			var de *DecodeError
			if !errors.As(err, &de) || de.Status != StatusInvCmdLen {
				t.Fatalf("%s[:%d]: got %v, want ESME_RINVCMDLEN", v.name, n, err)
			}
			if n < HeaderLen {
				continue
			}
			// The same prefix with its command_length made consistent: the
			// body is then cut inside its fields. It must not panic, and
			// any error must be a *DecodeError.
			binary.BigEndian.PutUint32(prefix, uint32(n))
			if p, err := Unmarshal(prefix, 0); err != nil {
				if !errors.As(err, &de) {
					t.Fatalf("%s[:%d]: %v is not a *DecodeError", v.name, n, err)
				}
			} else if _, err := Append(nil, p); err != nil {
				t.Fatalf("%s[:%d]: decoded but does not encode: %v", v.name, n, err)
			}
		}
	}
}

func TestGarbage(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	ids := allCommandIDs()
	for range 20000 {
		n := HeaderLen + r.IntN(80)
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		binary.BigEndian.PutUint32(b, uint32(n))
		if r.IntN(4) != 0 {
			binary.BigEndian.PutUint32(b[4:], uint32(ids[r.IntN(len(ids))]))
		}
		p, err := Unmarshal(b, 0)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("%x: %v is not a *DecodeError", b, err)
			}
			continue
		}
		if _, err := Append(nil, p); err != nil {
			t.Fatalf("%x: decoded but does not encode: %v", b, err)
		}
	}
}

func TestDecodedPDUDoesNotAliasInput(t *testing.T) {
	in := loadVector(t, "v14-smpp-deliver-sm-receipt/deliver_sm.delivrd.bin")
	p := mustUnmarshal(t, bytes.Clone(in))
	want, _ := Append(nil, p)
	buf := bytes.Clone(in)
	q := mustUnmarshal(t, buf)
	for i := range buf {
		buf[i] = 0xFF
	}
	got, _ := Append(nil, q)
	if !bytes.Equal(got, want) {
		t.Error("overwriting the input changed the decoded PDU")
	}
	// Appending to the short message must not overwrite the TLVs that
	// follow it in the shared body.
	m := &q.(*DeliverSM).ShortMessage
	m.ShortMessage = append(m.ShortMessage, "more"...)
	if id, _ := m.TLVs.ReceiptedMessageID(); id != "5f3a0001" {
		t.Errorf("receipted_message_id became %q", id)
	}
}

func TestCheckTime(t *testing.T) {
	valid := []string{
		"261126124052000+", "240229000000012-", "991231235959948+", "000101000000000+",
		"000000001000000R", "990099999999999R",
	}
	invalid := []string{
		"", "26112612405200+", "261126124052000+0", "261126124052000Z", "2611261240520a0+",
		"261326124052000+", "261100124052000+", "261131124052000+", "230229000000000+",
		"261126244052000+", "261126126052000+", "261126124060000+", "261126124052049+",
		"00000000100000aR",
	}
	for _, s := range valid {
		if r := checkTime(s); r != "" {
			t.Errorf("checkTime(%q) = %q, want valid", s, r)
		}
	}
	for _, s := range invalid {
		if checkTime(s) == "" {
			t.Errorf("checkTime(%q) accepted it", s)
		}
	}
}

func TestParseTime(t *testing.T) {
	now := time.Date(2026, 1, 10, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
	}{
		{"", time.Time{}},
		{"261126124052300+", time.Date(2026, 11, 26, 12, 40, 52, 3e8, time.UTC)},
		{"261126124052008+", time.Date(2026, 11, 26, 10, 40, 52, 0, time.UTC)},
		{"261126124052020-", time.Date(2026, 11, 26, 17, 40, 52, 0, time.UTC)},
		{"000000001000000R", now.Add(10 * time.Minute)},
		{"000102030405000R", time.Date(2026, 2, 12, 13, 4, 5, 0, time.UTC)},
	}
	for _, tt := range tests {
		got, err := ParseTime(tt.in, now)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	_, err := ParseTime("261326124052000+", now)
	var te *TimeError
	if !errors.As(err, &te) || te.Value != "261326124052000+" {
		t.Errorf("bad month: %v", err)
	}
}

func TestFormatTime(t *testing.T) {
	helsinki := time.FixedZone("EET", 2*3600)
	tests := []struct{ got, want string }{
		{AbsoluteTime(time.Date(2026, 11, 26, 12, 40, 52, 0, time.UTC)), "261126124052000+"},
		{AbsoluteTime(time.Date(2026, 11, 26, 14, 40, 52, 7e8, helsinki)), "261126144052708+"},
		{AbsoluteTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("", -5*3600))), "260102030405020-"},
		// A zone off the quarter-hour grid is written in UTC.
		{AbsoluteTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("", 600))), "260102025405000+"},
		{RelativeTime(10 * time.Minute), "000000001000000R"},
		{RelativeTime(49*time.Hour + 30*time.Second + 900*time.Millisecond), "000002010030000R"},
		{RelativeTime(-time.Hour), "000000000000000R"},
		{RelativeTime(1000 * 24 * time.Hour), "000099235959000R"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
	// Formatting then parsing gives the same instant.
	at := time.Date(2031, 7, 15, 23, 59, 1, 0, helsinki)
	back, err := ParseTime(AbsoluteTime(at), time.Time{})
	if err != nil || !back.Equal(at) {
		t.Errorf("absolute round trip: %v, %v", back, err)
	}
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	back, err = ParseTime(RelativeTime(36*time.Hour+61*time.Second), now)
	if err != nil || back.Sub(now) != 36*time.Hour+61*time.Second {
		t.Errorf("relative round trip: %v, %v", back, err)
	}
}
