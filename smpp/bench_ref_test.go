package smpp_test

import (
	"testing"

	"github.com/txpush/txpush/internal/refpdu"
	"github.com/txpush/txpush/smpp"
)

// The codec's figures for the PDU the performance targets are stated for
// (refpdu.SubmitSM); txpush bench times its encoding as its host reference.

func referenceSubmitSM(tb testing.TB) []byte {
	tb.Helper()
	b, err := refpdu.SubmitSM()
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func BenchmarkUnmarshalSubmitSM(b *testing.B) {
	in := referenceSubmitSM(b)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := smpp.Unmarshal(in, 0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendSubmitSM(b *testing.B) {
	p, err := smpp.Unmarshal(referenceSubmitSM(b), 0)
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		if buf, err = smpp.Append(buf[:0], p); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(buf)))
}

func TestAllocations(t *testing.T) {
	b := referenceSubmitSM(t)
	p, err := smpp.Unmarshal(b, 0)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 0, 1024)
	if n := testing.AllocsPerRun(100, func() { buf, _ = smpp.Append(buf[:0], p) }); n != 0 {
		t.Errorf("Append into a buffer with room: %v allocations, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = smpp.Unmarshal(b, 0) }); n > 2 {
		t.Errorf("Unmarshal: %v allocations, want at most 2", n)
	}
}
