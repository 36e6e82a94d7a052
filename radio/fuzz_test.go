package radio

import (
	"bytes"
	"testing"
	"time"

	"github.com/txpush/txpush/internal/testvec"
)

// FuzzDeliver sends arbitrary messages through the typical network: no
// input may panic it, every attempt gets exactly one result within the MAP
// timeout, a delivered message reaches its handset unchanged, and every
// error is one the package knows with a retry class.
func FuzzDeliver(f *testing.F) {
	// The segments of the golden two-segment WAP push (TP-UD with UDH).
	for _, name := range []string{"seg1.ud.bin", "seg2.ud.bin"} {
		ud := testvec.Read(f, "v11-udh-2seg-8bit/"+name)
		f.Add("447700900123", ud, true, byte(0xf5), true, uint64(1))
	}
	f.Add("", []byte(nil), false, byte(0), false, uint64(0))
	f.Add("+4477", []byte("hello"), false, byte(0), false, uint64(2))
	f.Add("0", bytes.Repeat([]byte{0xff}, 200), true, byte(0xf0), true, uint64(3))

	f.Fuzz(func(t *testing.T, dest string, ud []byte, udhi bool, dcs byte, mms bool, seed uint64) {
		cfg, _ := Profile("flaky")
		cfg.Seed = seed
		n, clk := newNetwork(t, cfg)
		var received []SMS
		n.AttachAll(func(s SMS, _ time.Time) { received = append(received, s) })
		msg := SMS{Originator: "PPG", Destination: dest, UserData: ud, UDHI: udhi, DataCoding: dcs, MoreMessagesToSend: mms}
		for try := range 3 {
			var results []Result
			n.Deliver(msg, func(r Result) { results = append(results, r) })
			n.Deliver(msg, func(r Result) { results = append(results, r) }) // concurrent: busy
			clk.Advance(cfg.MAPTimeout)
			if len(results) != 2 {
				t.Fatalf("try %d: %d results for 2 attempts", try, len(results))
			}
			for _, r := range results {
				if d := r.End.Sub(r.Start); d < 0 || d > cfg.MAPTimeout {
					t.Fatalf("attempt took %v", d)
				}
				if r.Err == nil {
					continue
				}
				if !r.Err.Code.Known() || (r.Err.Code == SMDeliveryFailure && !r.Err.Cause.Known()) {
					t.Fatalf("unknown error %v", r.Err)
				}
				if r.Err.Error() == "" {
					t.Fatal("empty error text")
				}
			}
		}
		s := n.Stats()
		if len(received) != int(s.Delivered) {
			t.Fatalf("%d received, %d delivered", len(received), s.Delivered)
		}
		for _, r := range received {
			if r.Destination != dest || !bytes.Equal(r.UserData, ud) || r.DataCoding != dcs || r.UDHI != udhi {
				t.Fatalf("received %+v, sent %+v", r, msg)
			}
		}
	})
}
