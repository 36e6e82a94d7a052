package smsc

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/txpush/txpush/clock"
	"github.com/txpush/txpush/radio"
	"github.com/txpush/txpush/store"
)

// safIdealAir delivers every SMS, answering from the clock at once.
type safIdealAir struct{ clk clock.Clock }

func (a safIdealAir) Deliver(_ radio.SMS, done func(radio.Result)) {
	now := a.clk.Now()
	a.clk.AfterFunc(0, func() { done(radio.Result{Start: now, End: now}) })
}

func safBenchDests(n int) []string {
	dests := make([]string, n)
	for i := range dests {
		dests[i] = fmt.Sprintf("3584060%05d", i)
	}
	return dests
}

// BenchmarkSAFSubmitDeliver is one store-and-forward message through the
// engine: id, submit, store, one attempt, delivery, final state stored,
// OnFinal. The message itself is made in the loop too.
func BenchmarkSAFSubmitDeliver(b *testing.B) {
	clk := clock.NewVirtual(safEpoch)
	st := store.NewMemory()
	delivered := 0
	e := NewSAFEngine(clk, safIdealAir{clk}, nil, nil, st, SAFConfig{},
		SAFEvents{OnFinal: func(*store.Message) { delivered++ }})
	dests := safBenchDests(1000)
	payload := []byte("a store-and-forward short message")
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		id, err := st.NextID(ctx)
		if err != nil {
			b.Fatal(err)
		}
		e.Submit(&store.Message{ID: id, Dest: store.Address{Addr: dests[i%len(dests)]}, UserData: payload}, nil)
		clk.Advance(0)
	}
	b.StopTimer()
	if delivered != b.N {
		b.Fatalf("%d delivered of %d", delivered, b.N)
	}
}

// BenchmarkSAFWaiting measures what a message waiting for its retry costs:
// b.N messages to absent handsets each fail once and wait. It reports the
// engine's and the Memory store's heap per waiting message (B/waiting), and
// the time to submit and fail one.
func BenchmarkSAFWaiting(b *testing.B) {
	clk := clock.NewVirtual(safEpoch)
	st := store.NewMemory()
	air := airFunc(func(_ radio.SMS, done func(radio.Result)) {
		now := clk.Now()
		clk.AfterFunc(0, func() { done(radio.Result{Err: errAbsent, Start: now, End: now}) })
	})
	e := NewSAFEngine(clk, air, nil, nil, st, SAFConfig{}, SAFEvents{})
	dests := safBenchDests(100000)
	payload := make([]byte, 140)
	ctx := context.Background()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		id, _ := st.NextID(ctx)
		e.Submit(&store.Message{ID: id, Dest: store.Address{Addr: dests[i%len(dests)]}, UserData: payload}, nil)
		clk.Advance(0)
	}
	b.StopTimer()
	runtime.GC()
	runtime.ReadMemStats(&after)
	if s := e.Stats(); s.Waiting != b.N {
		b.Fatalf("%d waiting of %d", s.Waiting, b.N)
	}
	b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/float64(b.N), "B/waiting")
	runtime.KeepAlive(e)
	clk.Advance(time.Nanosecond)
}
