package smpp

import (
	"testing"
)

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
