package smsc

import (
	"math"
	"sync"
	"time"

	"github.com/txpush/txpush/clock"
)

// Gate is the SMSC's budget of air capacity: a token bucket on the clock
// that lets at most Rate SMS a second (Burst at once) go to the air, and
// keeps a share of that rate for push.
//
// Push may take any token. Person-to-person traffic needs a token from its
// own bucket, filled at Rate×(1−PushShare), as well as one from the total;
// so however large a person-to-person flood, it leaves push at least
// Rate×PushShare. Waiters are served first come, first served within their
// class, and a waiting push always goes before a waiting person-to-person
// message. One clock timer, armed for the next token, serves the queues.
//
// A Gate is safe for concurrent use.
type Gate struct {
	clk clock.Clock
	// rate and p2pRate are in tokens per second; burst and p2pBurst are
	// the buckets' capacities. rate 0 means no limit.
	rate, p2pRate   float64
	burst, p2pBurst float64

	mu        sync.Mutex
	tokens    float64 // in the total bucket
	p2pTokens float64 // in the person-to-person bucket
	refilled  time.Time
	push, p2p fifo[gateWaiter]
	timer     clock.Timer
	timerAt   time.Time // when timer fires; zero when it is not armed
	stats     GateStats
}

// GateStats counts what a Gate has let through.
type GateStats struct {
	Push, PersonToPerson GateClassStats
	// Returned counts tokens given back unused: the transaction the SMS
	// belonged to ended while it waited.
	Returned uint64
}

// GateClassStats counts one traffic class.
type GateClassStats struct {
	Granted uint64 // SMS let through
	Waiting int    // queued now
	// TotalWait and MaxWait are the time the granted SMS spent queued.
	TotalWait, MaxWait time.Duration
}

// tokenEpsilon absorbs the rounding of the refill arithmetic, so that a
// timer armed for the instant a token is complete always finds it there.
const tokenEpsilon = 1e-9

// NewGate returns a gate with cfg's budget on clk; it starts with full
// buckets. A Rate of zero or less (or not a number) means no limit; a
// PushShare outside 0–1 is taken as the nearer bound; a Burst under 1
// takes the default, max(1, Rate/10). Any Traffic other than Push is
// treated as person-to-person.
func NewGate(clk clock.Clock, cfg GateConfig) *Gate {
	g := &Gate{clk: clk}
	if !(cfg.Rate > 0) || math.IsInf(cfg.Rate, 1) {
		return g
	}
	share := cfg.PushShare
	switch {
	case !(share > 0): // also NaN
		share = 0
	case share > 1:
		share = 1
	}
	burst := cfg.Burst
	if !(burst >= 1) || math.IsInf(burst, 1) {
		burst = math.Max(1, cfg.Rate/10)
	}
	g.rate, g.burst = cfg.Rate, burst
	g.p2pRate = cfg.Rate * (1 - share)
	if g.p2pRate > 0 {
		// The person-to-person bucket must hold at least one whole token,
		// or that traffic could never go.
		g.p2pBurst = math.Max(1, burst*(1-share))
	}
	g.tokens, g.p2pTokens = g.burst, g.p2pBurst
	g.refilled = clk.Now()
	return g
}

// Wait calls start as soon as one SMS of traffic t may go to the air:
// synchronously when it may go at once, otherwise later from the clock.
// start must not block.
func (g *Gate) Wait(t Traffic, start func()) {
	g.enqueue(t, gateWaiter{start: start})
}

// acquire is Wait for a waiter that may no longer need its slot: try
// reports whether it used the token, and a token not used is returned to
// the buckets for the next waiter.
func (g *Gate) acquire(t Traffic, try func() bool) {
	g.enqueue(t, gateWaiter{try: try})
}

// Stats returns a snapshot of the counters.
func (g *Gate) Stats() GateStats {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.stats
	s.Push.Waiting = g.push.len()
	s.PersonToPerson.Waiting = g.p2p.len()
	return s
}

// gateWaiter is one SMS waiting for its token. Exactly one of start and
// try is set.
type gateWaiter struct {
	start func()
	try   func() bool
	since time.Time
}

func (g *Gate) enqueue(t Traffic, w gateWaiter) {
	if g.rate == 0 {
		g.mu.Lock()
		g.stats.class(t).Granted++
		g.mu.Unlock()
		g.run(t, w)
		return
	}
	g.mu.Lock()
	w.since = g.clk.Now()
	if t == Push {
		g.push.put(w)
	} else {
		g.p2p.put(w)
	}
	g.mu.Unlock()
	g.dispatch()
}

// dispatch starts every waiter whose token is there, one at a time and
// without the lock held (a start may call Wait again), then arms the timer
// for the next token if anyone is left waiting.
func (g *Gate) dispatch() {
	for {
		g.mu.Lock()
		now := g.clk.Now()
		t, w, ok := g.nextLocked(now)
		if !ok {
			g.armLocked(now)
			g.mu.Unlock()
			return
		}
		g.mu.Unlock()
		g.run(t, w)
	}
}

// run calls the waiter, and takes back the token if it was not used.
func (g *Gate) run(t Traffic, w gateWaiter) {
	if w.try == nil {
		w.start()
		return
	}
	if w.try() {
		return
	}
	g.mu.Lock()
	g.stats.class(t).Granted--
	g.stats.Returned++
	if g.rate > 0 {
		g.tokens = math.Min(g.burst, g.tokens+1)
		if t != Push {
			g.p2pTokens = math.Min(g.p2pBurst, g.p2pTokens+1)
		}
	}
	g.mu.Unlock()
}

// nextLocked takes the token for the first waiter that may go now, and
// returns that waiter.
func (g *Gate) nextLocked(now time.Time) (Traffic, gateWaiter, bool) {
	g.refillLocked(now)
	if g.tokens < 1-tokenEpsilon {
		return 0, gateWaiter{}, false
	}
	var t Traffic
	var w gateWaiter
	switch {
	case g.push.len() > 0:
		t, w = Push, g.push.take()
	case g.p2p.len() > 0 && g.p2pTokens >= 1-tokenEpsilon:
		t, w = PersonToPerson, g.p2p.take()
		g.p2pTokens--
	default:
		return 0, gateWaiter{}, false
	}
	g.tokens--
	cs := g.stats.class(t)
	cs.Granted++
	wait := now.Sub(w.since)
	cs.TotalWait += wait
	cs.MaxWait = max(cs.MaxWait, wait)
	return t, w, true
}

func (g *Gate) refillLocked(now time.Time) {
	elapsed := now.Sub(g.refilled)
	if elapsed <= 0 {
		return
	}
	g.refilled = now
	// Nanoseconds times rate, then divided, keeps round figures exact:
	// 20 ms at 50/s is exactly one token.
	ns := float64(elapsed)
	g.tokens = math.Min(g.burst, g.tokens+ns*g.rate/1e9)
	g.p2pTokens = math.Min(g.p2pBurst, g.p2pTokens+ns*g.p2pRate/1e9)
}

// armLocked arms the timer for when the first waiter's token will be
// there, unless it is already armed for then or earlier.
func (g *Gate) armLocked(now time.Time) {
	var d time.Duration
	switch {
	case g.push.len() > 0:
		d = untilToken(g.tokens, g.rate)
	case g.p2p.len() > 0 && g.p2pRate > 0:
		d = max(untilToken(g.tokens, g.rate), untilToken(g.p2pTokens, g.p2pRate))
	default:
		return // nobody waits, or only traffic that can never go
	}
	at := now.Add(d)
	if !g.timerAt.IsZero() && !g.timerAt.After(at) {
		return
	}
	g.timerAt = at
	if g.timer == nil {
		g.timer = g.clk.AfterFunc(d, g.fire)
	} else {
		g.timer.Reset(d)
	}
}

func (g *Gate) fire() {
	g.mu.Lock()
	g.timerAt = time.Time{}
	g.mu.Unlock()
	g.dispatch()
}

// untilToken returns how long a bucket holding tokens and filling at rate
// per second takes to hold one whole token.
func untilToken(tokens, rate float64) time.Duration {
	need := 1 - tokens
	if need <= tokenEpsilon {
		return 0
	}
	d := time.Duration(math.Ceil(need * 1e9 / rate))
	return max(d, 1)
}

func (s *GateStats) class(t Traffic) *GateClassStats {
	if t == Push {
		return &s.Push
	}
	return &s.PersonToPerson
}
