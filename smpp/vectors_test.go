package smpp

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// vectorDir holds the golden vectors made with independent tools (tshark,
// node-smpp, Kannel 1.4.5); see its README.md.
const vectorDir = "../testdata/vectors"

// vectorGlobs select every SMPP PDU among the vectors.
var vectorGlobs = []string{
	"v13-smpp-submit-sm-transaction-payload/*.bin",
	"v14-smpp-deliver-sm-receipt/*.bin",
	"v16-kannel-e2e/smpp-rx/*.bin",
	"v16-kannel-e2e/smpp-tx/*.bin",
}

type vector struct {
	name string // path below vectorDir
	pdu  []byte
}

func loadVectors(tb testing.TB) []vector {
	tb.Helper()
	var vs []vector
	for _, g := range vectorGlobs {
		paths, err := filepath.Glob(filepath.Join(vectorDir, g))
		if err != nil {
			tb.Fatal(err)
		}
		if len(paths) == 0 {
			tb.Fatalf("no vectors match %s", g)
		}
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				tb.Fatal(err)
			}
			rel, _ := filepath.Rel(vectorDir, p)
			vs = append(vs, vector{name: rel, pdu: b})
		}
	}
	return vs
}

func loadVector(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(vectorDir, name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// commandInName returns the command a vector's file name says it holds,
// e.g. "submit_sm_resp" for "v13-.../submit_sm_resp.ok.bin" or
// "bind_transceiver" for "v16-.../rx-001-bind_transceiver.bin".
func commandInName(name string) string {
	base := strings.TrimSuffix(filepath.Base(name), ".bin")
	if i := strings.IndexByte(base, '.'); i >= 0 {
		base = base[:i]
	}
	if strings.HasPrefix(base, "rx-") || strings.HasPrefix(base, "tx-") {
		base = base[len("rx-000-"):]
	}
	return base
}

// normalised lists the vectors whose bytes this package deliberately
// re-encodes differently, with the form it writes instead.
var normalised = map[string]func(in []byte) []byte{
	// A failed submit_sm_resp sent as a bare 16-octet header (the 3.4
	// "no body on error" rule) is re-encoded with a 1-octet NUL
	// message_id, the form most SMSCs send (see messageIDResp). v13's
	// README notes node-smpp normalises the other way (D11).
	"v13-smpp-submit-sm-transaction-payload/submit_sm_resp.deliveryfailure.bin": func(in []byte) []byte {
		out := append(bytes.Clone(in), 0)
		out[3] = byte(len(out))
		return out
	},
}

func TestVectorsDecodeAndReencode(t *testing.T) {
	for _, v := range loadVectors(t) {
		t.Run(v.name, func(t *testing.T) {
			p, err := Unmarshal(v.pdu, 0)
			if err != nil {
				t.Fatalf("Unmarshal: %v", err)
			}
			if got, want := p.CommandID().String(), commandInName(v.name); got != want {
				t.Errorf("decoded a %s, the file name says %s", got, want)
			}
			want := v.pdu
			if norm, ok := normalised[v.name]; ok {
				want = norm(v.pdu)
				// The normalised form must decode to the same PDU.
				q, err := Unmarshal(want, 0)
				if err != nil {
					t.Fatalf("Unmarshal of the normalised form: %v", err)
				}
				assertSamePDU(t, q, p)
			}
			got, err := Append(nil, p)
			if err != nil {
				t.Fatalf("Append: %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("re-encoded\n got %x\nwant %x", got, want)
			}
		})
	}
}

func mustUnmarshal(tb testing.TB, b []byte) PDU {
	tb.Helper()
	p, err := Unmarshal(b, 0)
	if err != nil {
		tb.Fatalf("Unmarshal: %v", err)
	}
	return p
}

func TestVectorTransactionSubmit(t *testing.T) {
	p := mustUnmarshal(t, loadVector(t, "v13-smpp-submit-sm-transaction-payload/submit_sm.udh-in-payload.bin"))
	s, ok := p.(*SubmitSM)
	if !ok {
		t.Fatalf("decoded %T, want *SubmitSM", p)
	}
	m := s.ShortMessage
	checkEq(t, "seq", s.Seq, uint32(0x101))
	checkEq(t, "esm_class", m.ESMClass, byte(0x42))
	checkEq(t, "data_coding", m.DataCoding, byte(0x04))
	checkEq(t, "source_addr_ton", m.SourceAddrTON, byte(5))
	checkEq(t, "source_addr", m.SourceAddr, "PPG")
	checkEq(t, "dest_addr_ton", m.DestAddrTON, byte(1))
	checkEq(t, "dest_addr_npi", m.DestAddrNPI, byte(1))
	checkEq(t, "destination_addr", m.DestinationAddr, "358401234567")
	checkEq(t, "sm_length", len(m.ShortMessage), 0)
	payload, ok := m.TLVs.MessagePayload()
	if !ok {
		t.Fatal("no message_payload")
	}
	checkEq(t, "len(message_payload)", len(payload), 108)
	// The payload starts with the WDP port UDH: 06 05 04 0B84 23F0.
	if udh := []byte{0x06, 0x05, 0x04, 0x0B, 0x84, 0x23, 0xF0}; !bytes.HasPrefix(payload, udh) {
		t.Errorf("payload starts % x, want the port UDH % x", payload[:7], udh)
	}

	p = mustUnmarshal(t, loadVector(t, "v13-smpp-submit-sm-transaction-payload/submit_sm.port-tlvs.bin"))
	m = p.(*SubmitSM).ShortMessage
	checkEq(t, "esm_class", m.ESMClass, byte(0x02))
	port, _ := m.TLVs.SourcePort()
	checkEq(t, "source_port", port, uint16(9200))
	port, _ = m.TLVs.DestinationPort()
	checkEq(t, "destination_port", port, uint16(2948))
	ref, _ := m.TLVs.UserMessageReference()
	checkEq(t, "user_message_reference", ref, uint16(7))
	payload, _ = m.TLVs.MessagePayload()
	checkEq(t, "len(message_payload)", len(payload), 101)
}

func TestVectorSubmitResponses(t *testing.T) {
	dir := "v13-smpp-submit-sm-transaction-payload/"
	tests := []struct {
		file      string
		status    Status
		messageID string
	}{
		{"submit_sm_resp.ok.bin", StatusOK, "5f3a0001"},
		{"submit_sm_resp.deliveryfailure.bin", StatusDeliveryFailure, ""},
		{"submit_sm_resp.submitfail-nul-body.bin", StatusSubmitFail, ""},
	}
	for _, tt := range tests {
		p := mustUnmarshal(t, loadVector(t, dir+tt.file))
		r, ok := p.(*SubmitSMResp)
		if !ok {
			t.Fatalf("%s: decoded %T", tt.file, p)
		}
		checkEq(t, tt.file+" status", r.Status, tt.status)
		checkEq(t, tt.file+" message_id", r.MessageID, tt.messageID)
	}
}

func TestVectorReceipts(t *testing.T) {
	tests := []struct {
		file    string
		id      string
		state   MessageState
		receipt Receipt
		nec     *NetworkErrorCode
	}{
		{
			file: "v14-smpp-deliver-sm-receipt/deliver_sm.delivrd.bin", id: "5f3a0001", state: StateDelivered,
			receipt: Receipt{ID: "5f3a0001", Sub: 1, Dlvrd: 1,
				SubmitDate: time.Date(2024, 3, 5, 12, 30, 0, 0, time.UTC),
				DoneDate:   time.Date(2024, 3, 5, 12, 31, 0, 0, time.UTC), Stat: "DELIVRD", Err: "000"},
		},
		{
			file: "v14-smpp-deliver-sm-receipt/deliver_sm.undeliv.bin", id: "5f3a0002", state: StateUndeliverable,
			receipt: Receipt{ID: "5f3a0002", Sub: 1, Dlvrd: 0,
				SubmitDate: time.Date(2024, 3, 5, 12, 30, 0, 0, time.UTC),
				DoneDate:   time.Date(2024, 3, 5, 12, 32, 0, 0, time.UTC), Stat: "UNDELIV", Err: "027"},
			nec: &NetworkErrorCode{Type: NetworkGSM, Code: 27},
		},
		{
			file: "v16-kannel-e2e/smpp-tx/tx-003-deliver_sm.bin", id: "1001", state: StateDelivered,
			receipt: Receipt{ID: "1001", Sub: 1, Dlvrd: 1,
				SubmitDate: time.Date(2024, 3, 5, 12, 30, 0, 0, time.UTC),
				DoneDate:   time.Date(2024, 3, 5, 12, 31, 0, 0, time.UTC), Stat: "DELIVRD", Err: "000"},
		},
	}
	for _, tt := range tests {
		p := mustUnmarshal(t, loadVector(t, tt.file))
		d, ok := p.(*DeliverSM)
		if !ok {
			t.Fatalf("%s: decoded %T", tt.file, p)
		}
		m := d.ShortMessage
		checkEq(t, tt.file+" esm_class", m.ESMClass, byte(0x04))
		id, _ := m.TLVs.ReceiptedMessageID()
		checkEq(t, tt.file+" receipted_message_id", id, tt.id)
		state, _ := m.TLVs.MessageState()
		checkEq(t, tt.file+" message_state", state, tt.state)
		nec, ok := m.TLVs.NetworkErrorCode()
		if tt.nec == nil {
			checkEq(t, tt.file+" has network_error_code", ok, false)
		} else {
			checkEq(t, tt.file+" network_error_code", nec, *tt.nec)
		}
		r, err := ParseReceipt(m.ShortMessage)
		if err != nil {
			t.Fatalf("%s: ParseReceipt: %v", tt.file, err)
		}
		checkEq(t, tt.file+" receipt", r, tt.receipt)
		// The text was written in the layout Receipt.Append writes.
		checkEq(t, tt.file+" receipt text", r.String(), string(m.ShortMessage))
		// The receipt's stat agrees with the message_state TLV.
		checkEq(t, tt.file+" stat", tt.state.Stat(), r.Stat)
	}
}

func TestVectorKannel(t *testing.T) {
	p := mustUnmarshal(t, loadVector(t, "v16-kannel-e2e/smpp-rx/rx-001-bind_transceiver.bin"))
	b := p.(*BindTransceiver).Bind()
	checkEq(t, "bind", *b, BindParams{SystemID: "ppg", Password: "secret", InterfaceVersion: 0x34})

	p = mustUnmarshal(t, loadVector(t, "v16-kannel-e2e/smpp-tx/tx-001-bind_transceiver_resp.bin"))
	checkEq(t, "bind_resp system_id", p.(*BindTransceiverResp).BindResp().SystemID, "FAKESMSC")

	p = mustUnmarshal(t, loadVector(t, "v16-kannel-e2e/smpp-rx/rx-002-submit_sm.bin"))
	m := p.(*SubmitSM).ShortMessage
	checkEq(t, "esm_class", m.ESMClass, byte(0x43))
	checkEq(t, "validity_period", m.ValidityPeriod, "261126124052000+")
	checkEq(t, "registered_delivery", m.RegisteredDelivery, byte(0x11))
	checkEq(t, "sm_length", len(m.ShortMessage), 0x70)
	checkEq(t, "source_addr", m.SourceAddr, "1234")
	vp, err := ParseTime(m.ValidityPeriod, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	checkEq(t, "validity", vp.UTC(), time.Date(2026, 11, 26, 12, 40, 52, 0, time.UTC))

	p = mustUnmarshal(t, loadVector(t, "v16-kannel-e2e/smpp-tx/tx-015-unbind_resp.bin"))
	checkEq(t, "unbind_resp seq", p.(*UnbindResp).Seq, uint32(14))
}

func checkEq[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}
