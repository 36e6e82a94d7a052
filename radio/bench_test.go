package radio

import (
	"runtime"
	"testing"
	"time"

	"github.com/txpush/txpush/clock"
)

// benchmarkDeliver measures one Deliver plus the clock firing its result,
// spread over 100,000 subscribers as in the simulator: a delivery every
// 10 ms of virtual time, so that a few hundred are in flight.
func benchmarkDeliver(b *testing.B, profile string) {
	cfg, err := Profile(profile)
	if err != nil {
		b.Fatal(err)
	}
	clk := clock.NewVirtual(epoch)
	n, err := New(clk, cfg)
	if err != nil {
		b.Fatal(err)
	}
	const subscribers = 100000
	dests := make([]string, subscribers)
	for i := range dests {
		dests[i] = msisdn(i)
	}
	userData := make([]byte, 128)
	delivered := 0
	done := func(r Result) {
		if r.Err == nil {
			delivered++
		}
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		n.Deliver(SMS{Originator: "PPG", Destination: dests[i%subscribers], UserData: userData, UDHI: true, DataCoding: 0xf5}, done)
		clk.Advance(10 * time.Millisecond)
	}
	clk.Advance(24 * time.Hour)
	if delivered == 0 {
		b.Fatal("nothing delivered")
	}
}

func BenchmarkDeliverIdeal(b *testing.B)   { benchmarkDeliver(b, "ideal") }
func BenchmarkDeliverTypical(b *testing.B) { benchmarkDeliver(b, "typical") }

// The per-subscriber state stays small: the simulator keeps 100,000s.
func TestStatePerSubscriber(t *testing.T) {
	const subscribers = 100000
	dests := make([]string, subscribers)
	for i := range dests {
		dests[i] = msisdn(i)
	}
	cfg, _ := Profile("typical")
	n, clk := newNetwork(t, cfg)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for _, d := range dests {
		n.Deliver(sms(d, false), nil)
	}
	clk.Advance(10 * time.Minute)
	runtime.GC()
	runtime.ReadMemStats(&after)
	if n.Stats().Handsets != subscribers || n.Stats().InFlight != 0 {
		t.Fatalf("Stats = %+v", n.Stats())
	}
	perSubscriber := float64(after.HeapAlloc-before.HeapAlloc) / subscribers
	t.Logf("%.0f bytes per subscriber", perSubscriber)
	if perSubscriber > 400 {
		t.Errorf("%.0f bytes of state per subscriber, want at most 400", perSubscriber)
	}
	runtime.KeepAlive(n)
}
