package smsc

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/txpush/txpush/internal/testvec"
	"github.com/txpush/txpush/radio"
	"github.com/txpush/txpush/smpp"
	"github.com/txpush/txpush/store"
	"github.com/txpush/txpush/wap/wdp"
)

// FuzzSubmit feeds arbitrary submit_sm PDUs (UDH in the payload, odd TLV
// combinations, any data_coding) to the SMSC's validation and splitting:
// no panic, and every split obeys the air's limits and reassembles to
// what was submitted.
func FuzzSubmit(f *testing.F) {
	for _, name := range testvec.Glob(f, "v13-smpp-submit-sm-transaction-payload/submit_sm.*.bin") {
		f.Add(testvec.Read(f, name))
	}
	for _, name := range testvec.Glob(f, "v16-kannel-e2e/smpp-rx/*submit_sm.bin") {
		f.Add(testvec.Read(f, name))
	}
	seed, _ := smpp.Append(nil, pushSubmit("358401234567", payloadOf(700), 0x02))
	f.Add(seed)
	sc, err := New(Config{MaxSegments: 16}, instantAir{}, nil, store.NewMemory())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) >= 4 {
			// Keep command_length right so that the body is what varies.
			binary.BigEndian.PutUint32(b, uint32(len(b)))
		}
		p, err := smpp.Unmarshal(b, 0)
		if err != nil {
			return
		}
		sm, ok := p.(*smpp.SubmitSM)
		if !ok {
			return
		}
		m, status := sc.validate(&sm.ShortMessage)
		if status != smpp.StatusOK {
			return
		}
		segs, err := sc.segments(m)
		if err != nil {
			return
		}
		if len(segs) == 0 || len(segs) > 16 {
			t.Fatalf("%d segments", len(segs))
		}
		var uds [][]byte
		for _, s := range segs {
			if len(s.UserData) > udLimit(s.DataCoding) {
				t.Fatalf("segment of %d octets, DCS %#x", len(s.UserData), s.DataCoding)
			}
			if s.Destination != m.Dest {
				t.Fatalf("segment to %q, submitted to %q", s.Destination, m.Dest)
			}
			uds = append(uds, s.UserData)
		}
		if m.HasPorts && m.ESMClass&0x40 == 0 {
			d, err := wdp.Join(uds)
			if err != nil {
				t.Fatalf("our own segments do not join: %v", err)
			}
			if !bytes.Equal(d.Payload, m.Payload) || d.SrcPort != m.SrcPort || d.DstPort != m.DstPort {
				t.Fatal("segments reassemble to something else")
			}
		}
		// The engine takes it and, on an air that delivers at once, ends
		// with exactly one outcome.
		outcomes := 0
		sc.txn.Submit(TxnRequest{Account: "fuzz", Segments: segs}, func(o TxnOutcome) {
			outcomes++
			if !o.OK() {
				t.Errorf("outcome %+v on a perfect air", o)
			}
		})
		if outcomes != 1 {
			t.Fatalf("%d outcomes", outcomes)
		}
	})
}

var _ radio.Air = instantAir{}
