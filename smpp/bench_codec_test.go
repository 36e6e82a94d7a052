package smpp

import (
	"testing"
)

// benchSubmitSM returns the PDU the performance targets are stated for: a
// transaction-mode submit_sm carrying a 200-octet message_payload.
func benchSubmitSM(tb testing.TB) []byte {
	tb.Helper()
	p := &SubmitSM{Header: Header{Seq: 0x101}}
	m := &p.ShortMessage
	m.SourceAddrTON, m.SourceAddr = 5, "PPG"
	m.DestAddrTON, m.DestAddrNPI, m.DestinationAddr = 1, 1, "358401234567"
	m.ESMClass, m.DataCoding = 0x42, 0x04
	m.ValidityPeriod = "000000001000000R"
	payload := make([]byte, 200)
	for i := range payload {
		payload[i] = byte(i)
	}
	m.TLVs.SetSourcePort(9200)
	m.TLVs.SetDestinationPort(2948)
	m.TLVs.SetMessagePayload(payload)
	b, err := Append(nil, p)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func BenchmarkUnmarshalSubmitSM(b *testing.B) {
	in := benchSubmitSM(b)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Unmarshal(in, 0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendSubmitSM(b *testing.B) {
	p, err := Unmarshal(benchSubmitSM(b), 0)
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		if buf, err = Append(buf[:0], p); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkUnmarshalSubmitSMResp(b *testing.B) {
	in := loadVector(b, "v13-smpp-submit-sm-transaction-payload/submit_sm_resp.ok.bin")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Unmarshal(in, 0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseReceipt(b *testing.B) {
	text := []byte("id:5f3a0001 sub:001 dlvrd:001 submit date:2403051230 done date:2403051231 stat:DELIVRD err:000 text:")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseReceipt(text); err != nil {
			b.Fatal(err)
		}
	}
}
