package smsc

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/txpush/txpush/clock"
	"github.com/txpush/txpush/radio"
)

// fixedLatencyAir delivers every SMS after a fixed latency, keeping nothing: the
// cheapest air a benchmark of the engine can run on.
type fixedLatencyAir struct {
	clk     *clock.Virtual
	latency time.Duration
}

func (a fixedLatencyAir) Deliver(_ radio.SMS, done func(radio.Result)) {
	a.clk.AfterFunc(a.latency, func() { done(radio.Result{}) })
}

// holdingAir never answers: it keeps every attempt's callback, as a network
// does while the MAP dialogue is open.
type holdingAir struct{ held []func(radio.Result) }

func (a *holdingAir) Deliver(_ radio.SMS, done func(radio.Result)) {
	a.held = append(a.held, done)
}

// BenchmarkTxn3Segments measures one three-segment push from submit to
// outcome on the virtual clock: the simulator's cost per push.
func BenchmarkTxn3Segments(b *testing.B) {
	clk := clock.NewVirtual(txnEpoch)
	latency := 10 * time.Millisecond
	e := NewTxnEngine(clk, fixedLatencyAir{clk, latency}, nil, TxnConfig{})
	req := txnPush("491700000001", 3)
	delivered := 0
	done := func(o TxnOutcome) {
		if o.OK() {
			delivered++
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		e.Submit(req, done)
		clk.Advance(3 * latency)
	}
	if delivered != b.N {
		b.Fatalf("%d of %d delivered", delivered, b.N)
	}
}

// BenchmarkTxnMemory10k measures the heap one transaction in flight takes,
// with 10,000 in flight and every attempt held by the air. The requests
// (their keys and segments) belong to the caller and are made beforehand.
func BenchmarkTxnMemory10k(b *testing.B) {
	const n = 10_000
	reqs := make([]TxnRequest, n)
	for i := range reqs {
		reqs[i] = txnPush(fmt.Sprintf("4917%08d", i), 3)
		reqs[i].Key = fmt.Sprintf("ppg/%d", i)
	}
	done := func(TxnOutcome) {}
	var perTxn float64
	b.ReportAllocs()
	for b.Loop() {
		clk := clock.NewVirtual(txnEpoch)
		air := &holdingAir{held: make([]func(radio.Result), 0, n)}
		e := NewTxnEngine(clk, air, nil, TxnConfig{})
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for _, r := range reqs {
			e.Submit(r, done)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		if e.InFlight() != n {
			b.Fatalf("%d in flight, want %d", e.InFlight(), n)
		}
		perTxn = float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / n
		clk.Advance(time.Hour) // every deadline passes
		if e.InFlight() != 0 {
			b.Fatalf("%d still in flight after the deadline", e.InFlight())
		}
	}
	b.ReportMetric(perTxn, "B/txn")
	if perTxn >= 4096 {
		b.Errorf("%.0f bytes per transaction in flight, over the 4 KiB budget", perTxn)
	}
}

// BenchmarkGateWait measures a gate that has a token for every waiter:
// the cost the gate adds to each attempt.
func BenchmarkGateWait(b *testing.B) {
	clk := clock.NewVirtual(txnEpoch)
	g := NewGate(clk, GateConfig{Rate: 1e6, PushShare: 0.3, Burst: 1e6})
	start := func() {}
	b.ReportAllocs()
	for b.Loop() {
		g.Wait(Push, start)
		clk.Advance(time.Microsecond)
	}
}
