package smsc

import (
	"math"
	"testing"
	"time"

	"github.com/txpush/txpush/clock"
)

// gateGrants records when each waiter was let through, in order.
type gateGrants struct {
	clk *clock.Virtual
	ids []int
	at  []time.Duration
}

func (g *gateGrants) waiter(id int) func() {
	return func() {
		g.ids = append(g.ids, id)
		g.at = append(g.at, g.clk.Now().Sub(txnEpoch))
	}
}

func TestGateUnlimited(t *testing.T) {
	clk := clock.NewVirtual(txnEpoch)
	for _, cfg := range []GateConfig{{}, {Rate: -1}, {Rate: math.NaN()}, {Rate: math.Inf(1)}} {
		g := NewGate(clk, cfg)
		for i := range 1000 {
			started := false
			tr := Traffic(i % 2)
			g.Wait(tr, func() { started = true })
			if !started {
				t.Fatalf("rate %v: start not called at once", cfg.Rate)
			}
		}
		if s := g.Stats(); s.Push.Granted != 500 || s.PersonToPerson.Granted != 500 {
			t.Errorf("rate %v: stats %+v", cfg.Rate, s)
		}
	}
	if n := clk.Pending(); n != 0 {
		t.Errorf("%d timers pending, want 0", n)
	}
}

func TestGateRate(t *testing.T) {
	clk := clock.NewVirtual(txnEpoch)
	g := NewGate(clk, GateConfig{Rate: 50, Burst: 5})
	rec := &gateGrants{clk: clk}
	for i := range 100 {
		g.Wait(Push, rec.waiter(i))
	}
	if s := g.Stats(); s.Push.Granted != 5 || s.Push.Waiting != 95 {
		t.Errorf("after the burst: %+v, want 5 granted, 95 waiting", s.Push)
	}
	clk.Advance(time.Minute)
	if len(rec.ids) != 100 {
		t.Fatalf("%d granted, want 100", len(rec.ids))
	}
	for k, id := range rec.ids {
		if id != k {
			t.Fatalf("grant %d went to waiter %d: not first come, first served", k, id)
		}
		want := time.Duration(0)
		if k >= 5 {
			want = time.Duration(k-4) * 20 * time.Millisecond
		}
		if rec.at[k] != want {
			t.Errorf("grant %d at %v, want %v", k, rec.at[k], want)
		}
	}
	s := g.Stats().Push
	if s.MaxWait != 1900*time.Millisecond || s.Waiting != 0 {
		t.Errorf("stats %+v, want max wait 1.9s and nobody waiting", s)
	}
}

func TestGateDefaultBurst(t *testing.T) {
	for _, c := range []struct {
		rate float64
		want uint64
	}{{100, 10}, {5, 1}, {1000, 100}} {
		g := NewGate(clock.NewVirtual(txnEpoch), GateConfig{Rate: c.rate})
		for range 200 {
			g.Wait(Push, func() {})
		}
		if got := g.Stats().Push.Granted; got != c.want {
			t.Errorf("rate %v: %d went at once, want a burst of %d", c.rate, got, c.want)
		}
	}
}

func TestGateServesPushFirst(t *testing.T) {
	clk := clock.NewVirtual(txnEpoch)
	// 10 tokens a second, 5 of them for person-to-person; buckets of 1.
	g := NewGate(clk, GateConfig{Rate: 10, PushShare: 0.5, Burst: 1})
	rec := &gateGrants{clk: clk}
	g.Wait(Push, rec.waiter(0)) // empties the total bucket
	g.Wait(PersonToPerson, rec.waiter(1))
	g.Wait(PersonToPerson, rec.waiter(2))
	g.Wait(Push, rec.waiter(3))
	clk.Advance(time.Second)

	// The push queued last goes first; person-to-person then waits for
	// its own bucket too.
	ms := time.Millisecond
	wantIDs, wantAt := []int{0, 3, 1, 2}, offsets(0, 100*ms, 200*ms, 400*ms)
	if len(rec.ids) != 4 || !equalTimes(rec.at, wantAt) {
		t.Fatalf("granted %v at %v, want %v at %v", rec.ids, rec.at, wantIDs, wantAt)
	}
	for i := range wantIDs {
		if rec.ids[i] != wantIDs[i] {
			t.Fatalf("granted %v, want %v", rec.ids, wantIDs)
		}
	}
}

// TestGatePushReservedUnderFlood floods the gate with person-to-person
// traffic and checks that push still gets its share at once, and that the
// flood gets no more than its own.
func TestGatePushReservedUnderFlood(t *testing.T) {
	clk := clock.NewVirtual(txnEpoch)
	const rate, share = 100, 0.3
	g := NewGate(clk, GateConfig{Rate: rate, PushShare: share}) // burst 10
	perPush := time.Duration(math.Ceil(float64(time.Second) / (rate * share)))

	p2p := 0
	for range 10_000 {
		g.Wait(PersonToPerson, func() { p2p++ })
	}
	// A push every 50 ms for 10 s, below the reserved 30 a second.
	var waits []time.Duration
	for i := 1; i <= 200; i++ {
		clk.AfterFunc(time.Duration(i)*50*time.Millisecond, func() {
			asked := clk.Now()
			g.Wait(Push, func() { waits = append(waits, clk.Now().Sub(asked)) })
		})
	}
	clk.Advance(10 * time.Second)
	if len(waits) != 200 {
		t.Fatalf("%d of 200 pushes went", len(waits))
	}
	for i, w := range waits {
		if w > perPush {
			t.Errorf("push %d waited %v behind the flood, more than %v", i, w, perPush)
		}
	}
	// The flood had its bucket of 7 and 70 a second: not one SMS more.
	if p2p < 705 || p2p > 707 {
		t.Errorf("person-to-person sent %d in 10 s, want 707 (7 + 70/s)", p2p)
	}

	// A burst of 60 pushes in the middle of the flood: the k-th goes
	// within k/30 s.
	burstAt := clk.Now()
	var burst []time.Duration
	for range 60 {
		g.Wait(Push, func() { burst = append(burst, clk.Now().Sub(burstAt)) })
	}
	clk.Advance(5 * time.Second)
	if len(burst) != 60 {
		t.Fatalf("%d of 60 pushes went", len(burst))
	}
	for k, w := range burst {
		if limit := time.Duration(k+1) * perPush; w > limit {
			t.Errorf("push %d of the burst waited %v, more than %v", k+1, w, limit)
		}
	}
	// Overall, nothing beyond the rate and one burst went.
	s := g.Stats()
	sent := s.Push.Granted + s.PersonToPerson.Granted
	if limit := uint64(10 + rate*15); sent > limit {
		t.Errorf("%d SMS in 15 s, more than the %d the rate allows", sent, limit)
	}
	if s.PersonToPerson.Waiting != 10_000-p2p || s.Push.Waiting != 0 {
		t.Errorf("stats %+v", s)
	}
}

func TestGatePushShareOne(t *testing.T) {
	clk := clock.NewVirtual(txnEpoch)
	g := NewGate(clk, GateConfig{Rate: 10, PushShare: 1, Burst: 2})
	p2p, push := 0, 0
	for range 5 {
		g.Wait(PersonToPerson, func() { p2p++ })
		g.Wait(Push, func() { push++ })
	}
	clk.Advance(time.Hour)
	if p2p != 0 || push != 5 {
		t.Errorf("dedicated to push: %d person-to-person and %d push went, want 0 and 5", p2p, push)
	}
	if n := clk.Pending(); n != 0 {
		t.Errorf("%d timers pending for traffic that can never go", n)
	}
}

func TestGateReturnsUnusedToken(t *testing.T) {
	clk := clock.NewVirtual(txnEpoch)
	g := NewGate(clk, GateConfig{Rate: 1, Burst: 1})
	g.Wait(Push, func() {}) // empties the bucket
	tried, started := false, false
	g.acquire(Push, func() bool { tried = true; return false })
	g.Wait(PersonToPerson, func() { started = true })
	clk.Advance(time.Second)
	if !tried || !started {
		t.Fatalf("tried %v, started %v: the returned token was not passed on", tried, started)
	}
	s := g.Stats()
	if s.Returned != 1 || s.Push.Granted != 1 || s.PersonToPerson.Granted != 1 {
		t.Errorf("stats %+v, want 1 returned, 1 push and 1 person-to-person granted", s)
	}
}
