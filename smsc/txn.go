package smsc

import (
	"sync"
	"time"

	"github.com/txpush/txpush/clock"
	"github.com/txpush/txpush/radio"
)

// The defaults of TxnConfig (sim-parameters.md).
const (
	DefaultTxnRetryInterval         = 2 * time.Second
	DefaultTxnMaxAttempts           = 3
	DefaultTxnDeadline              = 30 * time.Second
	DefaultTxnDedupWindow           = 10 * time.Minute
	DefaultTxnMaxInFlight           = 100_000
	DefaultTxnMaxInFlightPerAccount = 20_000
)

// numTxnFailures sizes the counters by TxnFailure: TxnRejected is the
// last.
const numTxnFailures = TxnRejected + 1

// TxnEngine runs transaction mode: it sends the segments of each request
// to the air back-to-back as one dialogue, re-sends a segment that fails
// temporarily, and reports one outcome for the group once it is known, by
// the group deadline at the latest.
//
// It keeps no goroutine per transaction: a transaction in flight is a small
// record, one deadline timer and at most one retry timer, and everything
// moves on the air's callbacks and the clock's timers. A TxnEngine is safe
// for concurrent use.
type TxnEngine struct {
	clk  clock.Clock
	air  radio.Air
	gate *Gate
	cfg  TxnConfig

	mu        sync.Mutex
	closed    bool
	inFlight  int            // transactions not yet decided
	attached  int            // duplicates waiting on one of them
	waiting   map[string]int // per account: transactions and attached duplicates
	byKey     map[string]*txn
	finished  map[string]TxnOutcome // recent outcomes by Key, for duplicates
	expiry    fifo[finishedKey]     // finished keys in the order they finished
	delivered uint64
	failed    [numTxnFailures]uint64
	attempts  uint64
	retries   uint64
	dups      uint64
}

// TxnStats is a snapshot of a TxnEngine's counters. Delivered and Failed
// count transactions, not the duplicates answered with their outcome.
type TxnStats struct {
	// InFlight counts transactions not yet decided; Attached counts
	// duplicate submits waiting for one of them.
	InFlight, Attached int
	// Waiting counts, per account, the submits not yet answered
	// (transactions and attached duplicates): what MaxInFlightPerAccount
	// bounds. Accounts with none are absent.
	Waiting   map[string]int
	Delivered uint64
	// Failed counts failed transactions by TxnFailure, rejections
	// included.
	Failed map[TxnFailure]uint64
	// Attempts counts segments handed to the air; Retries those of them
	// that re-sent a segment.
	Attempts, Retries uint64
	// Duplicates counts submits answered with another one's outcome.
	Duplicates uint64
}

// txn is one transaction in flight. e, start, the request's Key, Account
// and Traffic, and the two callbacks never change once it is made; the
// rest is guarded by e.mu. There is at most one attempt in flight, or one retry pending, or one wait
// at the gate, at any time, so a result or timer that finds the
// transaction finished is simply late and ignored.
type txn struct {
	e     *TxnEngine
	req   TxnRequest
	start time.Time

	seg         int // index of the segment being sent
	segAttempts int // attempts of that segment so far
	attempts    int // all attempts
	inAir       bool
	finished    bool
	lastErr     *radio.Error // of the current segment

	deadline clock.Timer
	retry    clock.Timer // made on the first retry, then reset

	done       func(TxnOutcome)
	duplicates []attachedSubmit

	// Made once per transaction so that an attempt allocates nothing.
	onResult func(radio.Result)
	launch   func() bool
}

// attachedSubmit is a duplicate waiting for the outcome of a transaction
// in flight.
type attachedSubmit struct {
	account string
	done    func(TxnOutcome)
}

// NewTxnEngine returns an engine that sends through air, asking gate (nil:
// no limit) before every attempt, with cfg's settings; zero or negative
// settings take the defaults.
func NewTxnEngine(clk clock.Clock, air radio.Air, gate *Gate, cfg TxnConfig) *TxnEngine {
	return &TxnEngine{
		clk:      clk,
		air:      air,
		gate:     gate,
		cfg:      cfg.withDefaults(),
		waiting:  make(map[string]int),
		byKey:    make(map[string]*txn),
		finished: make(map[string]TxnOutcome),
	}
}

func (c TxnConfig) withDefaults() TxnConfig {
	if c.RetryInterval <= 0 {
		c.RetryInterval = DefaultTxnRetryInterval
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = DefaultTxnMaxAttempts
	}
	if c.Deadline <= 0 {
		c.Deadline = DefaultTxnDeadline
	}
	if c.DedupWindow <= 0 {
		c.DedupWindow = DefaultTxnDedupWindow
	}
	if c.MaxInFlight <= 0 {
		c.MaxInFlight = DefaultTxnMaxInFlight
	}
	if c.MaxInFlightPerAccount <= 0 {
		c.MaxInFlightPerAccount = DefaultTxnMaxInFlightPerAccount
	}
	return c
}

// Submit takes req and calls done exactly once with its outcome: later,
// from the clock, once the group is decided; or before Submit returns when
// the outcome is known at once (a rejection, or a duplicate of a
// transaction that finished within DedupWindow). done must not block: it
// runs inside the clock's and the air's callbacks. The engine keeps req's segment slice,
// unchanged, until the transaction ends.
//
// A request is rejected (TxnRejected) when it has no segments, when the
// engine is closed, or when the submits waiting for an answer, in all or
// for its account, are at their limit; attached duplicates count toward
// the limits, since each of them holds a submit the front has parked.
//
// When a temporarily failed segment could only be re-sent at or after the
// deadline, the group fails at once with TxnDeadline and that error rather
// than idling until the deadline: the PI learns the outcome sooner.
func (e *TxnEngine) Submit(req TxnRequest, done func(TxnOutcome)) {
	e.mu.Lock()
	now := e.clk.Now()
	e.expireLocked(now)

	if e.closed || len(req.Segments) == 0 {
		e.rejectLocked(req, done, now)
		return
	}
	if req.Key != "" {
		if o, ok := e.finished[req.Key]; ok {
			e.dups++
			e.mu.Unlock()
			o.Duplicate = true
			done(o)
			return
		}
	}
	if e.inFlight+e.attached >= e.cfg.MaxInFlight || e.waiting[req.Account] >= e.cfg.MaxInFlightPerAccount {
		e.rejectLocked(req, done, now)
		return
	}
	if req.Key != "" {
		if t, ok := e.byKey[req.Key]; ok {
			t.duplicates = append(t.duplicates, attachedSubmit{account: req.Account, done: done})
			e.attached++
			e.waiting[req.Account]++
			e.dups++
			e.mu.Unlock()
			return
		}
	}

	t := &txn{e: e, req: req, start: now, done: done}
	t.onResult = t.result
	if e.gate != nil {
		t.launch = t.send
	}
	e.inFlight++
	e.waiting[req.Account]++
	if req.Key != "" {
		e.byKey[req.Key] = t
	}
	// Armed under the lock, so that even a tiny deadline on a real clock
	// finds the transaction registered.
	t.deadline = e.clk.AfterFunc(e.cfg.Deadline, t.expire)
	e.mu.Unlock()
	t.next()
}

// rejectLocked answers a submit the engine does not take, and unlocks.
func (e *TxnEngine) rejectLocked(req TxnRequest, done func(TxnOutcome), now time.Time) {
	e.failed[TxnRejected]++
	e.mu.Unlock()
	done(TxnOutcome{Failure: TxnRejected, Total: len(req.Segments), Start: now, End: now})
}

// Close makes the engine reject new submits; transactions in flight go on
// to their outcomes.
func (e *TxnEngine) Close() {
	e.mu.Lock()
	e.closed = true
	e.mu.Unlock()
}

// InFlight returns the number of transactions not yet decided.
func (e *TxnEngine) InFlight() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.inFlight
}

// Stats returns a snapshot of the counters.
func (e *TxnEngine) Stats() TxnStats {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := TxnStats{
		InFlight:   e.inFlight,
		Attached:   e.attached,
		Waiting:    make(map[string]int, len(e.waiting)),
		Delivered:  e.delivered,
		Failed:     make(map[TxnFailure]uint64),
		Attempts:   e.attempts,
		Retries:    e.retries,
		Duplicates: e.dups,
	}
	for a, n := range e.waiting {
		s.Waiting[a] = n
	}
	for f, n := range e.failed {
		if n > 0 {
			s.Failed[TxnFailure(f)] = n
		}
	}
	return s
}

// next hands the current segment to the air, through the gate if there is
// one. It must be called without the lock.
func (t *txn) next() {
	if t.e.gate != nil {
		t.e.gate.acquire(t.req.Traffic, t.launch)
		return
	}
	t.send()
}

// send makes one attempt of the current segment, unless the transaction
// ended meanwhile; it reports whether it did.
func (t *txn) send() bool {
	e := t.e
	e.mu.Lock()
	if t.finished {
		e.mu.Unlock()
		return false
	}
	sms := t.req.Segments[t.seg]
	sms.MoreMessagesToSend = t.seg < len(t.req.Segments)-1
	t.segAttempts++
	t.attempts++
	t.inAir = true
	e.attempts++
	if t.segAttempts > 1 {
		e.retries++
	}
	e.mu.Unlock()
	e.air.Deliver(sms, t.onResult)
	return true
}

// result takes the air's answer to the attempt in flight.
func (t *txn) result(r radio.Result) {
	e := t.e
	e.mu.Lock()
	if t.finished {
		e.mu.Unlock() // the deadline came first
		return
	}
	t.inAir = false
	now := e.clk.Now()
	if r.Err == nil {
		t.seg++
		t.segAttempts = 0
		t.lastErr = nil
		if t.seg == len(t.req.Segments) {
			e.finishLocked(t, TxnDelivered, nil, now)
			return
		}
		e.mu.Unlock()
		t.next() // back-to-back: the next segment goes at once
		return
	}
	t.lastErr = r.Err
	switch {
	case !r.Err.Temporary():
		e.finishLocked(t, TxnPermanent, r.Err, now)
	case t.segAttempts >= e.cfg.MaxAttempts:
		e.finishLocked(t, TxnAttempts, r.Err, now)
	case !now.Add(e.cfg.RetryInterval).Before(t.start.Add(e.cfg.Deadline)):
		e.finishLocked(t, TxnDeadline, r.Err, now)
	default:
		if t.retry == nil {
			t.retry = e.clk.AfterFunc(e.cfg.RetryInterval, t.resend)
		} else {
			t.retry.Reset(e.cfg.RetryInterval)
		}
		e.mu.Unlock()
	}
}

func (t *txn) resend() {
	t.e.mu.Lock()
	finished := t.finished
	t.e.mu.Unlock()
	if !finished {
		t.next()
	}
}

// expire ends the transaction at its deadline. An attempt still in the
// air is abandoned and its result, when it comes, ignored.
func (t *txn) expire() {
	e := t.e
	e.mu.Lock()
	if t.finished {
		e.mu.Unlock()
		return
	}
	var err *radio.Error
	if !t.inAir {
		err = t.lastErr // waiting at the gate after a failure
	}
	e.finishLocked(t, TxnDeadline, err, e.clk.Now())
}

// finishLocked decides t, unlocks, and then tells the submitter and any
// duplicates.
func (e *TxnEngine) finishLocked(t *txn, f TxnFailure, err *radio.Error, now time.Time) {
	t.finished = true
	t.deadline.Stop()
	if t.retry != nil {
		t.retry.Stop()
	}
	o := TxnOutcome{
		Failure:   f,
		Err:       err,
		Delivered: t.seg,
		Total:     len(t.req.Segments),
		Attempts:  t.attempts,
		Start:     t.start,
		End:       now,
	}
	if f == TxnDelivered {
		e.delivered++
	} else {
		e.failed[f]++
	}
	e.inFlight--
	e.release(t.req.Account)
	for _, d := range t.duplicates {
		e.attached--
		e.release(d.account)
	}
	if k := t.req.Key; k != "" {
		delete(e.byKey, k)
		e.finished[k] = o
		e.expiry.put(finishedKey{k, now})
	}
	done, dups := t.done, t.duplicates
	// The air may keep t until its late answer: let go of the caller's
	// data now.
	t.req.Segments, t.done, t.duplicates = nil, nil, nil
	e.mu.Unlock()

	done(o)
	o.Duplicate = true
	for _, d := range dups {
		d.done(o)
	}
}

// release counts one answered submit off account. It must be called with
// e.mu held.
func (e *TxnEngine) release(account string) {
	if n := e.waiting[account] - 1; n > 0 {
		e.waiting[account] = n
	} else {
		delete(e.waiting, account)
	}
}

// expireLocked forgets the outcomes that finished DedupWindow or more
// before now.
func (e *TxnEngine) expireLocked(now time.Time) {
	for e.expiry.len() > 0 {
		f := e.expiry.peek()
		k, at := f.key, f.at
		if now.Sub(at) < e.cfg.DedupWindow {
			return
		}
		e.expiry.take()
		// The key may have been submitted and finished again since: only
		// the entry this record stands for goes.
		if o, ok := e.finished[k]; ok && o.End.Equal(at) {
			delete(e.finished, k)
		}
	}
}

type finishedKey struct {
	key string
	at  time.Time
}
