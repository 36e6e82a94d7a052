package smsc

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/txpush/txpush/clock"
	"github.com/txpush/txpush/radio"
)

var txnEpoch = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// scriptedAir is a radio.Air whose results the test scripts attempt by
// attempt: each Deliver takes the next step of the script, or the default
// step once the script is used up.
type scriptedAir struct {
	clk   *clock.Virtual
	mu    sync.Mutex
	steps []airStep
	dflt  airStep
	calls []airCall
	held  []func(radio.Result)
}

// airStep is the fate of one attempt: answered after latency with err, or
// held (never answered unless the test answers it).
type airStep struct {
	latency time.Duration
	err     *radio.Error
	hold    bool
}

type airCall struct {
	sms radio.SMS
	at  time.Time
}

func newScriptedAir(clk *clock.Virtual, steps ...airStep) *scriptedAir {
	return &scriptedAir{clk: clk, steps: steps, dflt: airStep{latency: 10 * time.Millisecond}}
}

func (a *scriptedAir) Deliver(sms radio.SMS, done func(radio.Result)) {
	a.mu.Lock()
	now := a.clk.Now()
	a.calls = append(a.calls, airCall{sms, now})
	step := a.dflt
	if len(a.steps) > 0 {
		step, a.steps = a.steps[0], a.steps[1:]
	}
	if step.hold {
		a.held = append(a.held, done)
		a.mu.Unlock()
		return
	}
	a.mu.Unlock()
	a.clk.AfterFunc(step.latency, func() {
		done(radio.Result{Err: step.err, Start: now, End: now.Add(step.latency)})
	})
}

func (a *scriptedAir) callTimes() []time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	ts := make([]time.Duration, len(a.calls))
	for i, c := range a.calls {
		ts[i] = c.at.Sub(txnEpoch)
	}
	return ts
}

func (a *scriptedAir) numCalls() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.calls)
}

// txnOutcomes records what each submit was told, and how often.
type txnOutcomes struct {
	mu   sync.Mutex
	got  map[int][]TxnOutcome
	sync map[int]bool // answered before Submit returned
}

func newTxnOutcomes() *txnOutcomes {
	return &txnOutcomes{got: make(map[int][]TxnOutcome), sync: make(map[int]bool)}
}

func (r *txnOutcomes) done(id int) func(TxnOutcome) {
	return func(o TxnOutcome) {
		r.mu.Lock()
		r.got[id] = append(r.got[id], o)
		r.mu.Unlock()
	}
}

// submit submits req as id and notes whether done came synchronously.
func (r *txnOutcomes) submit(e *TxnEngine, id int, req TxnRequest) {
	e.Submit(req, r.done(id))
	r.mu.Lock()
	r.sync[id] = len(r.got[id]) > 0
	r.mu.Unlock()
}

// one returns id's only outcome, failing the test if there is not exactly
// one.
func (r *txnOutcomes) one(t *testing.T, id int) TxnOutcome {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if n := len(r.got[id]); n != 1 {
		t.Fatalf("submit %d: %d outcomes, want exactly 1", id, n)
	}
	return r.got[id][0]
}

func (r *txnOutcomes) count(id int) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got[id])
}

func txnSegments(n int, to string) []radio.SMS {
	segs := make([]radio.SMS, n)
	for i := range segs {
		segs[i] = radio.SMS{
			Originator:  "PPG",
			Destination: to,
			UDHI:        true,
			DataCoding:  0x04,
			UserData:    []byte{0x0b, 0x05, 0x04, 0x0b, 0x84, 0x23, 0xf0, 0x00, 0x03, 0x7f, byte(n), byte(i + 1), 0xaa},
		}
	}
	return segs
}

func txnPush(to string, n int) TxnRequest {
	return TxnRequest{Account: "ppg", Traffic: Push, Segments: txnSegments(n, to)}
}

func offsets(ds ...time.Duration) []time.Duration { return ds }

func equalTimes(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestTxnDeliversSegmentsBackToBack(t *testing.T) {
	clk := clock.NewVirtual(txnEpoch)
	air := newScriptedAir(clk)
	air.dflt.latency = time.Second
	e := NewTxnEngine(clk, air, nil, TxnConfig{})
	rec := newTxnOutcomes()

	req := txnPush("491700000001", 3)
	// Whatever the caller set, the engine decides TP-MMS on its copies.
	req.Segments[0].MoreMessagesToSend = false
	req.Segments[2].MoreMessagesToSend = true
	rec.submit(e, 1, req)

	clk.Advance(time.Second - time.Nanosecond)
	if n := air.numCalls(); n != 1 {
		t.Fatalf("before the first result: %d segments sent, want 1", n)
	}
	clk.Advance(time.Minute)

	o := rec.one(t, 1)
	if !o.OK() || o.Err != nil || o.Delivered != 3 || o.Total != 3 || o.Attempts != 3 || o.Duplicate {
		t.Errorf("outcome %+v, want delivered 3/3 in 3 attempts", o)
	}
	if !o.Start.Equal(txnEpoch) || !o.End.Equal(txnEpoch.Add(3*time.Second)) {
		t.Errorf("outcome from %v to %v, want %v to %v", o.Start, o.End, txnEpoch, txnEpoch.Add(3*time.Second))
	}
	// Back-to-back: each segment goes the instant the one before arrives.
	if got, want := air.callTimes(), offsets(0, time.Second, 2*time.Second); !equalTimes(got, want) {
		t.Errorf("segments sent at %v, want %v", got, want)
	}
	for i, c := range air.calls {
		if want := i < 2; c.sms.MoreMessagesToSend != want {
			t.Errorf("segment %d: MoreMessagesToSend %v, want %v", i+1, c.sms.MoreMessagesToSend, want)
		}
		if c.sms.UserData[11] != byte(i+1) {
			t.Errorf("call %d carried segment %d", i+1, c.sms.UserData[11])
		}
	}
	if req.Segments[0].MoreMessagesToSend || !req.Segments[2].MoreMessagesToSend {
		t.Error("the engine changed the caller's segments")
	}
	s := e.Stats()
	if s.InFlight != 0 || s.Delivered != 1 || s.Attempts != 3 || s.Retries != 0 || len(s.Waiting) != 0 || len(s.Failed) != 0 {
		t.Errorf("stats %+v", s)
	}
	if n := clk.Pending(); n != 0 {
		t.Errorf("%d timers left pending, want 0 (the deadline timer stopped)", n)
	}
}

func TestTxnResendsLostSegment(t *testing.T) {
	clk := clock.NewVirtual(txnEpoch)
	lost := &radio.Error{Code: radio.Timeout}
	air := newScriptedAir(clk,
		airStep{latency: time.Second},
		airStep{latency: time.Second, err: lost},
		airStep{latency: time.Second},
		airStep{latency: time.Second},
	)
	e := NewTxnEngine(clk, air, nil, TxnConfig{}) // retry after 2 s, deadline 30 s
	rec := newTxnOutcomes()
	rec.submit(e, 1, txnPush("491700000001", 3))
	clk.Advance(time.Minute)

	o := rec.one(t, 1)
	if !o.OK() || o.Err != nil || o.Delivered != 3 || o.Attempts != 4 {
		t.Errorf("outcome %+v, want delivered 3/3 in 4 attempts", o)
	}
	// Segment 2 fails at 2 s, is re-sent 2 s later, arrives at 5 s;
	// segment 3 follows at once.
	if got, want := air.callTimes(), offsets(0, time.Second, 4*time.Second, 5*time.Second); !equalTimes(got, want) {
		t.Errorf("attempts at %v, want %v", got, want)
	}
	if got := air.calls[2].sms.UserData[11]; got != 2 {
		t.Errorf("the re-sent attempt carried segment %d, want 2", got)
	}
	if !air.calls[2].sms.MoreMessagesToSend {
		t.Error("re-sent segment 2 lost MoreMessagesToSend")
	}
	if want := txnEpoch.Add(6 * time.Second); !o.End.Equal(want) {
		t.Errorf("ended at %v, want %v", o.End, want)
	}
	if s := e.Stats(); s.Attempts != 4 || s.Retries != 1 || s.Delivered != 1 {
		t.Errorf("stats %+v, want 4 attempts, 1 retry, 1 delivered", s)
	}
}

func TestTxnPermanentErrorEndsAtOnce(t *testing.T) {
	clk := clock.NewVirtual(txnEpoch)
	unknown := &radio.Error{Code: radio.UnknownSubscriber}
	air := newScriptedAir(clk,
		airStep{latency: time.Second},
		airStep{latency: 500 * time.Millisecond, err: unknown},
	)
	e := NewTxnEngine(clk, air, nil, TxnConfig{})
	rec := newTxnOutcomes()
	rec.submit(e, 1, txnPush("491700000001", 3))
	clk.Advance(time.Minute)

	o := rec.one(t, 1)
	if o.Failure != TxnPermanent || o.Err != unknown || o.Delivered != 1 || o.Attempts != 2 {
		t.Errorf("outcome %+v, want permanent unknownSubscriber after 1 of 3", o)
	}
	if want := txnEpoch.Add(1500 * time.Millisecond); !o.End.Equal(want) {
		t.Errorf("ended at %v, want %v (the failing result's time)", o.End, want)
	}
	if n := air.numCalls(); n != 2 {
		t.Errorf("%d attempts, want 2", n)
	}
	if s := e.Stats(); s.Failed[TxnPermanent] != 1 || s.InFlight != 0 {
		t.Errorf("stats %+v", s)
	}
}

func TestTxnDeadlineWithAttemptInTheAir(t *testing.T) {
	clk := clock.NewVirtual(txnEpoch)
	air := newScriptedAir(clk, airStep{latency: time.Second}, airStep{hold: true})
	e := NewTxnEngine(clk, air, nil, TxnConfig{Deadline: 30 * time.Second})
	rec := newTxnOutcomes()
	rec.submit(e, 1, txnPush("491700000001", 2))

	clk.Advance(30*time.Second - time.Nanosecond)
	if n := rec.count(1); n != 0 {
		t.Fatalf("answered before the deadline")
	}
	clk.Advance(time.Nanosecond)
	o := rec.one(t, 1)
	if o.Failure != TxnDeadline || o.Err != nil || o.Delivered != 1 || o.Attempts != 2 {
		t.Errorf("outcome %+v, want deadline, no error, 1 of 2 delivered", o)
	}
	if want := txnEpoch.Add(30 * time.Second); !o.End.Equal(want) {
		t.Errorf("ended at %v, want the deadline %v", o.End, want)
	}
	// The network answers late: ignored, no second outcome, no new attempt.
	air.held[0](radio.Result{Start: txnEpoch.Add(time.Second), End: clk.Now()})
	clk.Advance(time.Minute)
	rec.one(t, 1)
	if n := air.numCalls(); n != 2 {
		t.Errorf("%d attempts after the late answer, want 2", n)
	}
}

func TestTxnAbsentHandsetPastDeadline(t *testing.T) {
	absent := &radio.Error{Code: radio.AbsentSubscriberSM}
	cfg := TxnConfig{MaxAttempts: 20, Deadline: 30 * time.Second, RetryInterval: 2 * time.Second}

	t.Run("answered at the deadline", func(t *testing.T) {
		// Attempts at 0, 5.5, 11, 16.5, 22 and 27.5 s, each failing 3.5 s
		// later: the sixth is still in the air at 30 s.
		clk := clock.NewVirtual(txnEpoch)
		air := newScriptedAir(clk)
		air.dflt = airStep{latency: 3500 * time.Millisecond, err: absent}
		e := NewTxnEngine(clk, air, nil, cfg)
		rec := newTxnOutcomes()
		rec.submit(e, 1, txnPush("491700000001", 2))
		clk.Advance(time.Minute)

		o := rec.one(t, 1)
		if o.Failure != TxnDeadline || o.Err != nil || o.Delivered != 0 || o.Attempts != 6 {
			t.Errorf("outcome %+v, want deadline with an attempt unanswered after 6 attempts", o)
		}
		if want := txnEpoch.Add(30 * time.Second); !o.End.Equal(want) {
			t.Errorf("ended at %v, want exactly the deadline %v", o.End, want)
		}
	})

	t.Run("retry not scheduled past the deadline", func(t *testing.T) {
		// Attempts at 0, 5, 10, 15, 20 and 25 s, failing 3 s later; the
		// re-send after the failure at 28 s could only start at 30 s.
		clk := clock.NewVirtual(txnEpoch)
		air := newScriptedAir(clk)
		air.dflt = airStep{latency: 3 * time.Second, err: absent}
		e := NewTxnEngine(clk, air, nil, cfg)
		rec := newTxnOutcomes()
		rec.submit(e, 1, txnPush("491700000001", 2))
		clk.Advance(time.Minute)

		o := rec.one(t, 1)
		if o.Failure != TxnDeadline || o.Err != absent || o.Attempts != 6 {
			t.Errorf("outcome %+v, want deadline with absentSubscriberSM after 6 attempts", o)
		}
		if want := txnEpoch.Add(28 * time.Second); !o.End.Equal(want) {
			t.Errorf("ended at %v, want %v, when the last attempt failed", o.End, want)
		}
		want := offsets(0, 5*time.Second, 10*time.Second, 15*time.Second, 20*time.Second, 25*time.Second)
		if got := air.callTimes(); !equalTimes(got, want) {
			t.Errorf("attempts at %v, want %v", got, want)
		}
	})
}

func TestTxnAttemptsExhausted(t *testing.T) {
	clk := clock.NewVirtual(txnEpoch)
	busy := &radio.Error{Code: radio.SubscriberBusyForMTSMS}
	air := newScriptedAir(clk,
		airStep{latency: time.Second},
		airStep{latency: time.Second, err: busy},
		airStep{latency: time.Second, err: busy},
		airStep{latency: time.Second, err: busy},
	)
	e := NewTxnEngine(clk, air, nil, TxnConfig{MaxAttempts: 3, RetryInterval: 2 * time.Second})
	rec := newTxnOutcomes()
	rec.submit(e, 1, txnPush("491700000001", 2))
	clk.Advance(time.Minute)

	o := rec.one(t, 1)
	if o.Failure != TxnAttempts || o.Err != busy || o.Delivered != 1 || o.Attempts != 4 {
		t.Errorf("outcome %+v, want attempts exhausted on segment 2", o)
	}
	if got, want := air.callTimes(), offsets(0, time.Second, 4*time.Second, 7*time.Second); !equalTimes(got, want) {
		t.Errorf("attempts at %v, want %v", got, want)
	}
	if want := txnEpoch.Add(8 * time.Second); !o.End.Equal(want) {
		t.Errorf("ended at %v, want %v", o.End, want)
	}
	if s := e.Stats(); s.Failed[TxnAttempts] != 1 || s.Retries != 2 {
		t.Errorf("stats %+v, want 1 failed on attempts, 2 retries", s)
	}
}

func TestTxnDuplicates(t *testing.T) {
	clk := clock.NewVirtual(txnEpoch)
	air := newScriptedAir(clk)
	air.dflt.latency = time.Second
	window := 10 * time.Minute
	e := NewTxnEngine(clk, air, nil, TxnConfig{DedupWindow: window})
	rec := newTxnOutcomes()
	keyed := func() TxnRequest {
		r := txnPush("491700000001", 2)
		r.Key = "ppg/42"
		return r
	}

	rec.submit(e, 1, keyed())
	clk.Advance(500 * time.Millisecond)
	rec.submit(e, 2, keyed()) // while 1 is in flight
	if s := e.Stats(); s.InFlight != 1 || s.Attached != 1 || s.Waiting["ppg"] != 2 {
		t.Errorf("stats with a duplicate attached: %+v", s)
	}
	clk.Advance(time.Minute)

	first, dup := rec.one(t, 1), rec.one(t, 2)
	if !first.OK() || first.Duplicate {
		t.Errorf("first outcome %+v", first)
	}
	want := first
	want.Duplicate = true
	if dup != want {
		t.Errorf("duplicate in flight got %+v, want %+v", dup, want)
	}
	if n := air.numCalls(); n != 2 {
		t.Errorf("%d attempts, want 2: the duplicate must not be delivered again", n)
	}

	// Finished within the window: the same outcome, at once.
	clk.AdvanceTo(first.End.Add(window - time.Nanosecond))
	rec.submit(e, 3, keyed())
	if !rec.sync[3] {
		t.Error("duplicate of a finished transaction not answered at once")
	}
	if got := rec.one(t, 3); got != want {
		t.Errorf("duplicate of a finished transaction got %+v, want %+v", got, want)
	}

	// Once the window has passed, the key is new again: exactly then.
	calls := air.numCalls()
	clk.AdvanceTo(first.End.Add(window))
	rec.submit(e, 7, keyed())
	clk.Advance(time.Minute)
	if o := rec.one(t, 7); !o.OK() || o.Duplicate || !o.Start.Equal(first.End.Add(window)) {
		t.Errorf("after the window: %+v, want a new delivery", o)
	}
	if n := air.numCalls() - calls; n != 2 {
		t.Errorf("after the window: %d attempts, want 2", n)
	}

	// A different key, and an empty one, are delivered.
	other := keyed()
	other.Key = "ppg/43"
	rec.submit(e, 4, other)
	rec.submit(e, 5, txnPush("491700000001", 2))
	rec.submit(e, 6, txnPush("491700000001", 2))
	clk.Advance(time.Minute)
	for id := 4; id <= 6; id++ {
		if o := rec.one(t, id); !o.OK() || o.Duplicate {
			t.Errorf("submit %d: %+v, want a delivery of its own", id, o)
		}
	}

	if s := e.Stats(); s.Duplicates != 2 || s.Delivered != 5 {
		t.Errorf("stats %+v, want 2 duplicates and 5 delivered", s)
	}
}

func TestTxnForgetsOldKeys(t *testing.T) {
	clk := clock.NewVirtual(txnEpoch)
	air := newScriptedAir(clk)
	window := time.Minute
	e := NewTxnEngine(clk, air, nil, TxnConfig{DedupWindow: window})
	rec := newTxnOutcomes()
	const n = 5000
	for i := range n {
		r := txnPush("491700000001", 1)
		r.Key = fmt.Sprint("k", i)
		rec.submit(e, i, r)
	}
	clk.Advance(time.Second)
	e.mu.Lock()
	kept := len(e.finished)
	e.mu.Unlock()
	if kept != n {
		t.Fatalf("%d outcomes kept within the window, want %d", kept, n)
	}
	clk.Advance(window)
	rec.submit(e, n, txnPush("491700000001", 1))
	e.mu.Lock()
	kept, queued := len(e.finished), e.expiry.len()
	e.mu.Unlock()
	if kept != 0 || queued != 0 {
		t.Errorf("after the window: %d outcomes and %d queue entries kept, want none", kept, queued)
	}
}

func TestTxnLimits(t *testing.T) {
	clk := clock.NewVirtual(txnEpoch)
	air := newScriptedAir(clk)
	air.dflt.latency = time.Second
	e := NewTxnEngine(clk, air, nil, TxnConfig{MaxInFlight: 3, MaxInFlightPerAccount: 2})
	rec := newTxnOutcomes()
	from := func(account, key string) TxnRequest {
		r := txnPush("491700000001", 1)
		r.Account, r.Key = account, key
		return r
	}
	rejected := func(id int) {
		t.Helper()
		if !rec.sync[id] {
			t.Errorf("submit %d: not answered at once", id)
		}
		o := rec.one(t, id)
		if o.Failure != TxnRejected || o.Attempts != 0 || o.Total != 1 || !o.Start.Equal(clk.Now()) || !o.End.Equal(clk.Now()) {
			t.Errorf("submit %d: %+v, want rejected now", id, o)
		}
	}

	rec.submit(e, 1, from("a", "a/1"))
	rec.submit(e, 2, from("a", "a/1")) // a duplicate counts toward a's limit
	rec.submit(e, 3, from("a", "a/2"))
	rejected(3)
	rec.submit(e, 4, from("b", ""))
	rec.submit(e, 5, from("c", ""))
	rejected(5)
	if n := e.InFlight(); n != 2 {
		t.Errorf("InFlight %d, want 2", n)
	}
	if n := air.numCalls(); n != 2 {
		t.Errorf("%d attempts, want 2: rejected submits must send nothing", n)
	}

	clk.Advance(time.Minute)
	rec.submit(e, 6, from("a", "a/2"))
	rec.submit(e, 7, from("a", "a/3"))
	rec.submit(e, 8, from("c", ""))
	if n := e.InFlight(); n != 3 {
		t.Errorf("InFlight %d once the first finished, want 3", n)
	}
	e.Close()
	rec.submit(e, 9, from("d", ""))
	rejected(9)
	clk.Advance(time.Minute)
	for _, id := range []int{1, 2, 4, 6, 7, 8} {
		if o := rec.one(t, id); !o.OK() {
			t.Errorf("submit %d: %+v, want delivered", id, o)
		}
	}
	if s := e.Stats(); s.Failed[TxnRejected] != 3 || s.Delivered != 5 || s.InFlight != 0 || len(s.Waiting) != 0 {
		t.Errorf("stats %+v", s)
	}
}

func TestTxnRejectsEmptyRequest(t *testing.T) {
	clk := clock.NewVirtual(txnEpoch)
	air := newScriptedAir(clk)
	e := NewTxnEngine(clk, air, nil, TxnConfig{})
	rec := newTxnOutcomes()
	rec.submit(e, 1, TxnRequest{Account: "ppg", Traffic: Push})
	if o := rec.one(t, 1); o.Failure != TxnRejected || !rec.sync[1] {
		t.Errorf("empty request: %+v, want rejected at once", o)
	}
}

func TestTxnAsksGateForEveryAttempt(t *testing.T) {
	clk := clock.NewVirtual(txnEpoch)
	lost := &radio.Error{Code: radio.SystemFailure}
	air := newScriptedAir(clk,
		airStep{latency: 10 * time.Millisecond},
		airStep{latency: 10 * time.Millisecond, err: lost},
	)
	gate := NewGate(clk, GateConfig{Rate: 1, Burst: 1})
	e := NewTxnEngine(clk, air, gate, TxnConfig{RetryInterval: 500 * time.Millisecond})
	rec := newTxnOutcomes()
	rec.submit(e, 1, txnPush("491700000001", 3))
	clk.Advance(time.Minute)

	o := rec.one(t, 1)
	if !o.OK() || o.Attempts != 4 {
		t.Fatalf("outcome %+v, want delivered in 4 attempts", o)
	}
	// One token a second: segment 2 fails at 1.01 s, its re-send is due at
	// 1.51 s and waits for the token of 2 s.
	want := offsets(0, time.Second, 2*time.Second, 3*time.Second)
	if got := air.callTimes(); !equalTimes(got, want) {
		t.Errorf("attempts at %v, want %v", got, want)
	}
	if gs := gate.Stats(); gs.Push.Granted != 4 || gs.PersonToPerson.Granted != 0 {
		t.Errorf("gate stats %+v, want 4 push gateGrants", gs)
	}
}

func TestTxnReturnsGateTokenAfterDeadline(t *testing.T) {
	clk := clock.NewVirtual(txnEpoch)
	air := newScriptedAir(clk)
	// One token every 20 s: the second segment cannot go before the
	// 10 s deadline.
	gate := NewGate(clk, GateConfig{Rate: 0.05, Burst: 1})
	e := NewTxnEngine(clk, air, gate, TxnConfig{Deadline: 10 * time.Second})
	rec := newTxnOutcomes()
	rec.submit(e, 1, txnPush("491700000001", 2))
	clk.Advance(10 * time.Second)
	o := rec.one(t, 1)
	if o.Failure != TxnDeadline || o.Err != nil || o.Delivered != 1 || o.Attempts != 1 {
		t.Errorf("outcome %+v, want deadline after 1 of 2", o)
	}
	// The token that comes at 20 s goes unused to the dead transaction and
	// is handed straight to the next waiter.
	started := false
	clk.Advance(9 * time.Second)
	gate.Wait(Push, func() { started = true })
	clk.Advance(time.Second)
	if !started {
		t.Error("the dead transaction's token was not passed on")
	}
	if gs := gate.Stats(); gs.Returned != 1 || gs.Push.Granted != 2 {
		t.Errorf("gate stats %+v, want 1 returned, 2 granted", gs)
	}
	if n := air.numCalls(); n != 1 {
		t.Errorf("%d attempts, want 1", n)
	}
}

func TestTxnIdealRadio(t *testing.T) {
	clk := clock.NewVirtual(txnEpoch)
	cfg, err := radio.Profile("ideal")
	if err != nil {
		t.Fatal(err)
	}
	net, err := radio.New(clk, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var received []radio.SMS
	var at []time.Duration
	net.AttachAll(func(sms radio.SMS, when time.Time) {
		received = append(received, sms)
		at = append(at, when.Sub(txnEpoch))
	})
	e := NewTxnEngine(clk, net, nil, TxnConfig{})
	rec := newTxnOutcomes()
	rec.submit(e, 1, txnPush("491700000001", 3))
	clk.Advance(time.Minute)

	o := rec.one(t, 1)
	if !o.OK() || o.Attempts != 3 || !o.End.Equal(txnEpoch.Add(30*time.Millisecond)) {
		t.Errorf("outcome %+v, want delivered at +30ms in 3 attempts", o)
	}
	ms := time.Millisecond
	if want := offsets(10*ms, 20*ms, 30*ms); !equalTimes(at, want) {
		t.Errorf("handset received at %v, want %v", at, want)
	}
	for i, sms := range received {
		if sms.MoreMessagesToSend != (i < 2) || sms.UserData[11] != byte(i+1) {
			t.Errorf("received %d: segment %d, more %v", i, sms.UserData[11], sms.MoreMessagesToSend)
		}
	}
	if s := net.Stats(); s.Continued != 2 {
		t.Errorf("network continued %d segments in the dialogue, want 2", s.Continued)
	}
}

// TestTxnTypicalRadio runs many transactions over the typical network and
// checks the invariants: one outcome each, every one by its deadline, and
// counts that agree with each other and with the network's.
func TestTxnTypicalRadio(t *testing.T) {
	clk := clock.NewVirtual(txnEpoch)
	cfg, err := radio.Profile("typical")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Seed = 7
	net, err := radio.New(clk, cfg)
	if err != nil {
		t.Fatal(err)
	}
	received := make(map[string]map[byte]bool)
	net.AttachAll(func(sms radio.SMS, _ time.Time) {
		if received[sms.Destination] == nil {
			received[sms.Destination] = make(map[byte]bool)
		}
		received[sms.Destination][sms.UserData[11]] = true
	})
	deadline := 30 * time.Second
	e := NewTxnEngine(clk, net, nil, TxnConfig{Deadline: deadline})
	rec := newTxnOutcomes()

	const n = 3000
	rng := rand.New(rand.NewPCG(7, 7))
	reqs := make([]TxnRequest, n)
	for i := range n {
		to := fmt.Sprintf("4917%08d", i)
		reqs[i] = txnPush(to, 1+rng.IntN(3))
		at := time.Duration(rng.Int64N(int64(10 * time.Minute)))
		clk.AfterFunc(at, func() { rec.submit(e, i, reqs[i]) })
	}
	clk.Advance(time.Hour)

	var delivered, total, attempts int
	failures := make(map[TxnFailure]int)
	for i := range n {
		o := rec.one(t, i)
		if d := o.End.Sub(o.Start); d < 0 || d > deadline {
			t.Errorf("submit %d took %v, past the %v deadline", i, d, deadline)
		}
		if o.Total != len(reqs[i].Segments) || o.Delivered > o.Total || o.Attempts < o.Delivered ||
			o.Attempts > o.Total*DefaultTxnMaxAttempts || o.OK() != (o.Delivered == o.Total) {
			t.Errorf("submit %d: inconsistent outcome %+v", i, o)
		}
		switch o.Failure {
		case TxnPermanent, TxnAttempts:
			if o.Err == nil {
				t.Errorf("submit %d: failure %d without the deciding error", i, o.Failure)
			}
		case TxnDelivered, TxnRejected:
			if o.Err != nil {
				t.Errorf("submit %d: failure %d with error %v", i, o.Failure, o.Err)
			}
		}
		if o.OK() {
			delivered++
			if got := len(received[reqs[i].Segments[0].Destination]); got != o.Total {
				t.Errorf("submit %d delivered but the handset has %d of %d segments", i, got, o.Total)
			}
		} else {
			failures[o.Failure]++
		}
		total++
		attempts += o.Attempts
	}
	s := e.Stats()
	if s.InFlight != 0 || s.Delivered != uint64(delivered) || s.Attempts != uint64(attempts) || len(s.Waiting) != 0 {
		t.Errorf("stats %+v disagree with %d delivered in %d attempts", s, delivered, attempts)
	}
	if ns := net.Stats(); ns.Attempts != s.Attempts {
		t.Errorf("network saw %d attempts, engine made %d", ns.Attempts, s.Attempts)
	}
	// The typical network loses about one in ten pushes to absent
	// handsets; retries must have happened, and rescued most of the rest.
	if rate := float64(delivered) / n; rate < 0.8 || rate > 0.97 {
		t.Errorf("delivered %.3f of pushes, expected between 0.80 and 0.97", rate)
	}
	if s.Retries == 0 || failures[TxnDeadline] == 0 {
		t.Errorf("stats %+v, failures %v: the run exercised neither retries nor deadlines", s, failures)
	}
	t.Logf("%d pushes: %d delivered, failures %v, %d attempts, %d retries", n, delivered, failures, s.Attempts, s.Retries)
}

// TestTxnRealClock runs the engine on the wall clock with submits from
// several goroutines, so that the race detector sees results, timers and
// submits cross.
func TestTxnRealClock(t *testing.T) {
	cfg, err := radio.Profile("ideal")
	if err != nil {
		t.Fatal(err)
	}
	cfg.FirstSegment = radio.Latency{Median: time.Millisecond, P95: time.Millisecond}
	cfg.NextSegment = cfg.FirstSegment
	clk := clock.Real()
	net, err := radio.New(clk, cfg)
	if err != nil {
		t.Fatal(err)
	}
	gate := NewGate(clk, GateConfig{Rate: 5000, PushShare: 0.5})
	e := NewTxnEngine(clk, net, gate, TxnConfig{Deadline: time.Minute})

	const workers, each = 8, 50
	var wg sync.WaitGroup
	wg.Add(workers * each) // a second answer would drive it negative and panic
	var mu sync.Mutex
	answers := make(map[int]int)
	for w := range workers {
		go func() {
			for i := range each {
				id := w*each + i
				r := txnPush(fmt.Sprintf("4917%08d", id), 1+id%3)
				r.Key = fmt.Sprint("k", id%(workers*each/2)) // half are duplicates
				if id%2 == 1 {
					r.Traffic = PersonToPerson
				}
				e.Submit(r, func(o TxnOutcome) {
					mu.Lock()
					answers[id]++
					mu.Unlock()
					if !o.OK() {
						t.Errorf("submit %d: %+v", id, o)
					}
					wg.Done()
				})
			}
		}()
	}
	wg.Wait()
	for id := range workers * each {
		if answers[id] != 1 {
			t.Errorf("submit %d answered %d times", id, answers[id])
		}
	}
}

// FuzzTxnEngine drives the engine with air results, limits, keys and a
// gate chosen by the input, and checks what must hold whatever the network
// does: every submit is answered exactly once, by its deadline, with an
// outcome that agrees with itself, and the engine ends empty.
func FuzzTxnEngine(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0x03, 0x21, 0x00, 0x10, 0x41, 0x82, 0xc3})
	f.Add([]byte{0x7f, 0xff, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa})
	f.Add([]byte{0x40, 0x05, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01})
	f.Fuzz(func(t *testing.T, script []byte) {
		next := func() byte {
			if len(script) == 0 {
				return 0
			}
			b := script[0]
			script = script[1:]
			return b
		}
		clk := clock.NewVirtual(txnEpoch)
		air := newScriptedAir(clk)
		// Each attempt takes one byte: the fate in the low two bits
		// (delivered, temporary, permanent, no answer), the latency in
		// 250 ms steps in the rest. Past the script, delivered.
		air.dflt.latency = 250 * time.Millisecond
		errs := []*radio.Error{nil, {Code: radio.AbsentSubscriberSM}, {Code: radio.UnknownSubscriber}}
		cfgByte, shape := next(), next()
		cfg := TxnConfig{
			MaxAttempts:           1 + int(cfgByte&3),
			RetryInterval:         time.Duration(1+(cfgByte>>2)&3) * time.Second,
			Deadline:              time.Duration(5+(cfgByte>>4)&7*4) * time.Second,
			MaxInFlight:           1 + int(shape&7),
			MaxInFlightPerAccount: 1 + int(shape>>3&3),
		}
		var gate *Gate
		if shape&0x20 != 0 {
			gate = NewGate(clk, GateConfig{Rate: 2, PushShare: 0.5, Burst: 1})
		}
		submits := 1 + int(next()&15)
		for range 64 {
			b := next()
			if b&3 == 3 {
				// Unanswered until the MAP timer: past any deadline.
				air.steps = append(air.steps, airStep{latency: time.Minute, err: &radio.Error{Code: radio.Timeout}})
			} else {
				air.steps = append(air.steps, airStep{latency: time.Duration(b>>2) * 250 * time.Millisecond, err: errs[b&3]})
			}
		}
		e := NewTxnEngine(clk, air, gate, cfg)
		rec := newTxnOutcomes()
		reqs := make([]TxnRequest, submits)
		for i := range reqs {
			b := next()
			reqs[i] = txnPush("491700000001", 1+int(b&3))
			reqs[i].Account = fmt.Sprint("acct", b>>2&1)
			reqs[i].Traffic = Traffic(b >> 3 & 1)
			if b&0x10 != 0 {
				reqs[i].Key = fmt.Sprint("k", b>>5)
			}
			at := time.Duration(next()) * 100 * time.Millisecond
			clk.AfterFunc(at, func() { rec.submit(e, i, reqs[i]) })
		}
		clk.Advance(24 * time.Hour)

		for i, r := range reqs {
			o := rec.one(t, i)
			if d := o.End.Sub(o.Start); d < 0 || d > cfg.Deadline {
				t.Errorf("submit %d took %v, deadline %v", i, d, cfg.Deadline)
			}
			// A duplicate carries the first submit's outcome, and its
			// segment count.
			if (!o.Duplicate && o.Total != len(r.Segments)) || o.Delivered > o.Total || o.Attempts < o.Delivered ||
				o.Attempts > o.Total*cfg.MaxAttempts || o.OK() != (o.Delivered == o.Total) {
				t.Errorf("submit %d: inconsistent outcome %+v", i, o)
			}
			if o.Failure == TxnRejected && (o.Attempts != 0 || !rec.sync[i]) {
				t.Errorf("submit %d: rejected but %+v", i, o)
			}
		}
		s := e.Stats()
		if s.InFlight != 0 || s.Attached != 0 || len(s.Waiting) != 0 {
			t.Errorf("engine not empty at the end: %+v", s)
		}
		if s.Attempts != uint64(air.numCalls()) {
			t.Errorf("engine counted %d attempts, the air saw %d", s.Attempts, air.numCalls())
		}
		if gate != nil {
			if gs := gate.Stats(); gs.Push.Granted+gs.PersonToPerson.Granted != s.Attempts {
				t.Errorf("gate granted %+v for %d attempts", gs, s.Attempts)
			}
		}
	})
}
