package smsc

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/txpush/txpush/clock"
	"github.com/txpush/txpush/radio"
	"github.com/txpush/txpush/store"
)

// SAFEvents is how a SAFEngine reaches its owner.
type SAFEvents struct {
	// OnFinal is called once when a message reaches a final state
	// (delivered, expired, undeliverable, deleted by cancel), after the
	// state is stored; the front sends receipts from it. It must not block
	// and must not change m.
	OnFinal func(m *store.Message)
	// Segments turns a stored message into the SMS that go to the air (the
	// front splits long payloads); nil sends one SMS of UserData as given,
	// with UDHI from esm_class bit 0x40. It is called again for every
	// attempt that starts a message afresh, so it must give the same
	// segments (the same concatenation reference) for the same message:
	// after a restart, segments already delivered are sent again.
	Segments func(m *store.Message) ([]radio.SMS, error)
	// Traffic says which capacity the messages of an account draw on at the
	// gate; nil makes every message person-to-person. It is asked from the
	// account rather than passed to Submit so that messages reloaded by
	// Recover keep their class.
	Traffic func(account string) Traffic
}

// Errors of the store-and-forward engine, besides the store's.
var (
	// ErrBusy: the message is being delivered right now, or another cancel
	// or replace of it is under way. The front answers cancel_sm or
	// replace_sm with a failure; the ESME may try again.
	ErrBusy = errors.New("smsc: message is being delivered or changed")
	// ErrSAFClosed: the engine was closed.
	ErrSAFClosed = errors.New("smsc: store-and-forward engine closed")
)

// unsplittableErrorCode is the LastError of a message that Segments could
// not turn into SMS. The stored LastError is otherwise the radio error's
// network_error_code value (errorCode); 0x1FFF lies outside the values it
// takes (MAP codes up to 0xFF, 0x2000 | cause).
const unsplittableErrorCode = 0x1FFF

// SAFStats counts what a SAFEngine has done since it was made.
type SAFStats struct {
	Submitted uint64 // messages stored and acknowledged
	Recovered uint64 // messages taken up by Recover
	Attempts  uint64 // delivery attempts of a message, each one or more SMS
	SMS       uint64 // SMS handed to the air (or to the gate)
	Alerts    uint64 // Alert-SC received

	Delivered, Expired, Undeliverable, Deleted uint64

	// StoreErrors counts writes the store failed (other than the
	// ErrFinal of a lost race). A failed final write calls no OnFinal: the
	// message is still en route in the store and is delivered again after
	// a restart.
	StoreErrors uint64

	Waiting  int // messages not final that the engine holds
	InFlight int // attempts under way
	Queues   int // retry clocks: destinations, or messages when independent
}

// SAFEngine is the store-and-forward mode: each message is stored durably,
// acknowledged, then delivered on a retry schedule until it arrives, fails
// permanently, expires or is cancelled.
//
// By default messages to one MSISDN wait in one first-in, first-out queue,
// as in RestComm's SmsSet: only the queue's head is being delivered; after
// its temporary failure the whole queue waits on one retry clock; after a
// delivery, or a permanent failure, the next message goes at once. A message
// whose schedule_delivery_time has not come does not hold up those behind
// it. With SAFConfig.IndependentMessages every message has a retry clock of
// its own, and attempts to one MSISDN may then overlap (a real network, as
// radio.Network, answers the second with subscriberBusyForMT-SMS).
//
// Every attempt, retry time and final state is written to the store before
// the queue moves on, so that the store's writes for a message stay in
// order. LastError holds the last radio error as its network_error_code
// value (see errormap.go), or 0x1FFF when the message could not be split.
//
// The segments of a message go back-to-back, MoreMessagesToSend set on all
// but the last. When a segment fails, those already delivered are not sent
// again at the retry; the engine keeps the segments in memory for that
// until the message is done. After a restart a message starts over from
// its first segment.
//
// The engine starts no goroutine and keeps no timer per message: one clock
// timer serves a heap of queues, each due when its retry clock runs out, its
// next scheduled message may go, or a message's validity ends. A waiting
// message costs the store.Message the front submitted plus about a hundred
// bytes. Work on a queue takes time in proportion to its length.
//
// The engine calls the store, the gate, the air and the events without its
// lock held, so any of them may call back at once. It is safe for concurrent
// use.
type SAFEngine struct {
	clk   clock.Clock
	air   radio.Air
	gate  *Gate
	store store.MessageStore
	cfg   SAFConfig
	ev    SAFEvents

	sms         atomic.Uint64
	storeErrors atomic.Uint64

	mu       sync.Mutex
	closed   bool
	messages map[string]*safEntry // not final, or final with the write pending
	dests    map[string]*safDest  // by MSISDN
	due      laneHeap             // lanes with a wake time
	timer    clock.Timer
	timerAt  time.Time // when timer fires; zero when it is not armed
	stats    SAFStats  // counters only; the gauges are computed
	waiting  int
	inFlight int
	lanes    int
}

// safDest is everything waiting for one MSISDN.
type safDest struct {
	msisdn string
	lanes  []*safLane // one queue, or one lane per message when independent
}

// safLane is a first-in, first-out queue of messages that share a retry
// clock: all the messages to one MSISDN, or a single message.
type safLane struct {
	dest     *safDest
	entries  []*safEntry
	inFlight *safEntry // the message being delivered, if any
	// failures counts temporary failures since the last delivery (busy
	// ones aside): what the retry schedule is asked with.
	failures int
	// retryAt is the retry clock: no attempt before it (zero: none).
	retryAt time.Time
	wake    time.Time // when the lane must next be looked at; zero: never
	index   int       // in the engine's heap; -1 when not there
}

// safEntry is one message the engine holds.
type safEntry struct {
	m    *store.Message
	lane *safLane
	// sent counts the segments delivered in the current round, and segs
	// holds the segments while some but not all are delivered, so that the
	// retry sends the rest with the same concatenation reference.
	sent int
	segs []radio.SMS
	// changing is set while a Cancel or Replace writes to the store: the
	// message is neither attempted nor expired meanwhile.
	changing bool
	// final is set once the message is final and out of its lane, until
	// its final state is stored.
	final bool
}

// safWork is what the engine decided under its lock and carries out once
// the lock is released.
type safWork struct {
	finals []*safEntry // final states to store, then report
	starts []*safEntry // attempts to begin
}

// NewSAFEngine returns a store-and-forward engine that delivers through air,
// keeps its messages in st and runs on clk. alerter, when not nil and
// cfg.NoAlertSC is false, announces subscribers who are back; gate, when
// not nil, is asked before every SMS goes to the air. Call Recover before
// submitting, to take up the messages of an earlier run.
func NewSAFEngine(clk clock.Clock, air radio.Air, alerter radio.Alerter, gate *Gate,
	st store.MessageStore, cfg SAFConfig, ev SAFEvents) *SAFEngine {
	if cfg.Schedule == nil {
		cfg.Schedule = ExponentialSchedule(300*time.Second, 24*time.Hour)
	}
	if cfg.BusyRetry <= 0 {
		cfg.BusyRetry = 120 * time.Second
	}
	if cfg.Validity <= 0 {
		cfg.Validity = 72 * time.Hour
	}
	cfg.FirstAttemptDelay = max(cfg.FirstAttemptDelay, 0)
	e := &SAFEngine{
		clk:      clk,
		air:      air,
		gate:     gate,
		store:    st,
		cfg:      cfg,
		ev:       ev,
		messages: make(map[string]*safEntry),
		dests:    make(map[string]*safDest),
	}
	if alerter != nil && !cfg.NoAlertSC {
		alerter.OnAlert(e.alert)
	}
	return e
}

// Submit takes a new message: m.ID set by the caller (from the store's
// NextID), and m.Dest.Addr the MSISDN. The engine sets State, Attempts,
// NextAttempt, SubmittedAt if zero, ExpiresAt if zero (SubmittedAt plus the
// validity), and NotBefore to the first-attempt delay if that is later,
// stores the message, and calls done(nil) once the store has committed it
// (the front answers submit_sm_resp only then) or done with why it was not
// stored. The first attempt starts right after done returns, or at
// NotBefore.
//
// The engine owns m from the call on: the caller must not change it, and
// may read it again only in OnFinal.
func (e *SAFEngine) Submit(m *store.Message, done func(error)) {
	if done == nil {
		done = func(error) {}
	}
	switch {
	case m == nil:
		done(errors.New("smsc: submitting a nil message"))
		return
	case m.ID == "":
		done(errors.New("smsc: submitting a message without an id"))
		return
	case m.Dest.Addr == "":
		done(fmt.Errorf("smsc: submitting message %q without a destination", m.ID))
		return
	}
	e.mu.Lock()
	closed := e.closed
	e.mu.Unlock()
	if closed {
		done(ErrSAFClosed)
		return
	}

	now := e.clk.Now()
	if m.SubmittedAt.IsZero() {
		m.SubmittedAt = now
	}
	if m.ExpiresAt.IsZero() {
		m.ExpiresAt = m.SubmittedAt.Add(e.cfg.Validity)
	}
	if e.cfg.FirstAttemptDelay > 0 {
		m.NotBefore = later(m.NotBefore, now.Add(e.cfg.FirstAttemptDelay))
	}
	m.State = store.Enroute
	m.Attempts = 0
	m.NextAttempt = later(now, m.NotBefore)
	m.LastError = 0
	m.DoneAt = time.Time{}

	e.store.InsertAsync(m, func(err error) {
		if err != nil {
			done(err)
			return
		}
		var w safWork
		e.mu.Lock()
		e.stats.Submitted++
		if !e.closed {
			// Closed meanwhile: the message is stored, and Recover will
			// take it up in the next run.
			l, _ := e.addLocked(m)
			e.stepLocked(l, e.clk.Now(), &w)
		}
		e.mu.Unlock()
		done(nil)
		e.do(&w)
	})
}

// Recover takes up every message the store holds that is not final, as
// after a restart: each one goes back to its destination's queue, in the
// order they were submitted, and the queue's retry clock is the oldest
// message's NextAttempt (at once if that has passed). The schedule goes on
// from the oldest message's attempt count. Messages the engine already
// holds are left alone.
func (e *SAFEngine) Recover(ctx context.Context) error {
	var found []*store.Message
	err := e.store.Pending(ctx, func(m *store.Message) error {
		found = append(found, m)
		return nil
	})
	if err != nil {
		return fmt.Errorf("smsc: recovering store-and-forward messages: %w", err)
	}
	// Pending orders by NextAttempt; a queue's order is the submission
	// order. Ties keep Pending's order.
	slices.SortStableFunc(found, func(a, b *store.Message) int { return a.SubmittedAt.Compare(b.SubmittedAt) })

	var w safWork
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return ErrSAFClosed
	}
	var touched []*safLane
	for _, m := range found {
		if _, held := e.messages[m.ID]; held || m.Dest.Addr == "" {
			continue
		}
		l, made := e.addLocked(m)
		if made {
			// The lane's retry clock is its oldest message's.
			if m.Attempts > 0 {
				l.retryAt = m.NextAttempt
				l.failures = m.Attempts
			}
		}
		if !slices.Contains(touched, l) {
			touched = append(touched, l)
		}
		e.stats.Recovered++
	}
	now := e.clk.Now()
	for _, l := range touched {
		e.stepLocked(l, now, &w)
	}
	e.mu.Unlock()
	e.do(&w)
	return nil
}

// Query returns a copy of the message with the given id: the engine's view
// while it holds the message, the store's otherwise.
func (e *SAFEngine) Query(ctx context.Context, id string) (*store.Message, error) {
	e.mu.Lock()
	if en, ok := e.messages[id]; ok {
		c := *en.m
		e.mu.Unlock()
		return &c, nil
	}
	e.mu.Unlock()
	return e.store.Get(ctx, id)
}

// Cancel deletes a message that is not final: it becomes Deleted, which is
// final, and OnFinal is called. A final message gives store.ErrFinal, an
// unknown one store.ErrNotFound, and one being delivered at that moment
// ErrBusy: a cancel never leaves a message half delivered, and never
// contradicts a delivery that is under way.
func (e *SAFEngine) Cancel(ctx context.Context, id string) error {
	e.mu.Lock()
	en, ok := e.messages[id]
	if !ok {
		e.mu.Unlock()
		return e.cancelStored(ctx, id)
	}
	if err := e.changeableLocked(en, "cancelling"); err != nil {
		e.mu.Unlock()
		return err
	}
	en.changing = true
	u := updateOf(en.m)
	u.State, u.DoneAt = store.Deleted, e.clk.Now()
	e.mu.Unlock()

	err := e.store.Update(ctx, u)

	var w safWork
	e.mu.Lock()
	en.changing = false
	l := en.lane
	if err == nil {
		en.m.State, en.m.DoneAt = u.State, u.DoneAt
		e.finishLocked(en)
		delete(e.messages, id)
	}
	e.stepLocked(l, e.clk.Now(), &w)
	e.mu.Unlock()
	if err == nil && e.ev.OnFinal != nil {
		e.ev.OnFinal(en.m)
	}
	e.do(&w)
	return err
}

// cancelStored cancels a message the engine does not hold: before Recover,
// the store is all there is.
func (e *SAFEngine) cancelStored(ctx context.Context, id string) error {
	m, err := e.store.Get(ctx, id)
	if err != nil {
		return err
	}
	if m.State.Final() {
		return fmt.Errorf("smsc: cancelling message %q (%v): %w", id, m.State, store.ErrFinal)
	}
	m.State, m.DoneAt = store.Deleted, e.clk.Now()
	if err := e.store.Update(ctx, updateOf(m)); err != nil {
		return err
	}
	e.mu.Lock()
	e.stats.Deleted++
	e.mu.Unlock()
	if e.ev.OnFinal != nil {
		e.ev.OnFinal(m)
	}
	return nil
}

// Replace applies a replace_sm to a message that is not final, with the
// errors of Cancel. The new text is sent from its first segment, even if
// some segments of the old one were delivered. A new NotBefore moves the
// message's next attempt; a new ExpiresAt in the past expires it at once.
func (e *SAFEngine) Replace(ctx context.Context, id string, r store.Replacement) error {
	r.UserData = slices.Clone(r.UserData)
	e.mu.Lock()
	en, ok := e.messages[id]
	if !ok {
		e.mu.Unlock()
		// Not held (before Recover): the store is all there is.
		return e.store.Replace(ctx, id, r)
	}
	if err := e.changeableLocked(en, "replacing"); err != nil {
		e.mu.Unlock()
		return err
	}
	en.changing = true
	if !r.NotBefore.IsZero() {
		r.NextAttempt = later(e.clk.Now(), later(en.lane.retryAt, r.NotBefore))
	}
	e.mu.Unlock()

	err := e.store.Replace(ctx, id, r)

	var w safWork
	e.mu.Lock()
	en.changing = false
	if err == nil {
		m := en.m
		m.UserData, m.RegisteredDelivery = r.UserData, r.RegisteredDelivery
		for _, f := range []struct{ to, from *time.Time }{
			{&m.NotBefore, &r.NotBefore},
			{&m.ExpiresAt, &r.ExpiresAt},
			{&m.NextAttempt, &r.NextAttempt},
		} {
			if !f.from.IsZero() {
				*f.to = *f.from
			}
		}
		en.sent, en.segs = 0, nil
	}
	e.stepLocked(en.lane, e.clk.Now(), &w)
	e.mu.Unlock()
	e.do(&w)
	return err
}

// changeableLocked reports why en cannot be cancelled or replaced now.
func (e *SAFEngine) changeableLocked(en *safEntry, doing string) error {
	switch {
	case en.final:
		return fmt.Errorf("smsc: %s message %q (%v): %w", doing, en.m.ID, en.m.State, store.ErrFinal)
	case en.changing || en.lane.inFlight == en:
		return fmt.Errorf("smsc: %s message %q: %w", doing, en.m.ID, ErrBusy)
	}
	return nil
}

// Stats returns a snapshot of the counters.
func (e *SAFEngine) Stats() SAFStats {
	e.mu.Lock()
	s := e.stats
	s.Waiting, s.InFlight, s.Queues = e.waiting, e.inFlight, e.lanes
	e.mu.Unlock()
	s.SMS = e.sms.Load()
	s.StoreErrors = e.storeErrors.Load()
	return s
}

// Close stops the engine: Submit refuses new messages, no attempt starts
// and no message expires from now on. Attempts under way still end and are
// recorded. The messages still waiting stay in the store for Recover.
func (e *SAFEngine) Close() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.closed = true
	if e.timer != nil {
		e.timer.Stop()
	}
	e.timerAt = time.Time{}
}

// alert is the Alert-SC handler: the subscriber is back, so whatever waits
// for it on a retry clock goes at once.
func (e *SAFEngine) alert(msisdn string) {
	var w safWork
	e.mu.Lock()
	e.stats.Alerts++
	if d := e.dests[msisdn]; d != nil && !e.closed {
		now := e.clk.Now()
		// Stepping a lane may drop it from d.lanes.
		for _, l := range slices.Clone(d.lanes) {
			if l.inFlight == nil && l.retryAt.After(now) {
				l.retryAt = now
			}
			e.stepLocked(l, now, &w)
		}
	}
	e.mu.Unlock()
	e.do(&w)
}

// addLocked puts m at the tail of its lane, making the lane if needed, and
// returns the lane and whether it is new. The caller steps it.
func (e *SAFEngine) addLocked(m *store.Message) (l *safLane, made bool) {
	d := e.dests[m.Dest.Addr]
	if d == nil {
		d = &safDest{msisdn: m.Dest.Addr}
		e.dests[m.Dest.Addr] = d
	}
	if !e.cfg.IndependentMessages && len(d.lanes) > 0 {
		l = d.lanes[0]
	} else {
		l, made = &safLane{dest: d, index: -1}, true
		d.lanes = append(d.lanes, l)
		e.lanes++
	}
	en := &safEntry{m: m, lane: l}
	l.entries = append(l.entries, en)
	e.messages[m.ID] = en
	e.waiting++
	return l, made
}

// stepLocked brings l up to date at now: it expires the messages whose
// validity has ended, starts an attempt if one is due, and otherwise sets
// the lane's wake time. The work it decides is added to w.
func (e *SAFEngine) stepLocked(l *safLane, now time.Time, w *safWork) {
	if e.closed {
		return
	}
	if l.inFlight != nil {
		// The attempt's end steps the lane again.
		e.unscheduleLocked(l)
		return
	}
	for i := 0; i < len(l.entries); {
		en := l.entries[i]
		if en.changing || !expired(en.m, now) {
			i++
			continue
		}
		en.m.State, en.m.DoneAt = store.Expired, now
		e.finishLocked(en) // removes l.entries[i]
		w.finals = append(w.finals, en)
	}
	if len(l.entries) == 0 {
		e.dropLocked(l)
		return
	}
	if !now.Before(l.retryAt) {
		for _, en := range l.entries {
			if now.Before(en.m.NotBefore) {
				continue // scheduled for later: it holds up nobody
			}
			if en.changing {
				break // the cancel or replace steps the lane when it ends
			}
			l.inFlight = en
			en.m.Attempts++
			e.inFlight++
			e.stats.Attempts++
			e.unscheduleLocked(l)
			w.starts = append(w.starts, en)
			return
		}
	}
	e.scheduleLocked(l, e.wakeLocked(l, now), now)
}

// wakeLocked returns the next time after now that l needs a look: the
// first validity end or the first time a message may go, whichever comes
// first (zero if none). Messages being changed are left out: the change
// steps the lane when it ends.
func (e *SAFEngine) wakeLocked(l *safLane, now time.Time) time.Time {
	var wake time.Time
	for _, en := range l.entries {
		if en.changing {
			continue
		}
		for _, t := range [2]time.Time{en.m.ExpiresAt, later(l.retryAt, en.m.NotBefore)} {
			if t.After(now) && (wake.IsZero() || t.Before(wake)) {
				wake = t
			}
		}
	}
	return wake
}

// finishLocked takes en, just made final, out of its lane; it stays among
// the engine's messages until its final state is stored.
func (e *SAFEngine) finishLocked(en *safEntry) {
	l := en.lane
	if i := slices.Index(l.entries, en); i >= 0 {
		l.entries = slices.Delete(l.entries, i, i+1)
	}
	en.final = true
	en.segs = nil
	e.waiting--
	switch en.m.State {
	case store.Delivered:
		e.stats.Delivered++
	case store.Expired:
		e.stats.Expired++
	case store.Undeliverable:
		e.stats.Undeliverable++
	case store.Deleted:
		e.stats.Deleted++
	}
}

// dropLocked forgets an empty lane.
func (e *SAFEngine) dropLocked(l *safLane) {
	e.unscheduleLocked(l)
	d := l.dest
	if i := slices.Index(d.lanes, l); i >= 0 {
		d.lanes = slices.Delete(d.lanes, i, i+1)
		e.lanes--
	}
	if len(d.lanes) == 0 && e.dests[d.msisdn] == d {
		delete(e.dests, d.msisdn)
	}
}

// scheduleLocked sets l's wake time (zero: none) and keeps the engine's
// timer armed for the earliest.
func (e *SAFEngine) scheduleLocked(l *safLane, wake, now time.Time) {
	if wake.IsZero() {
		e.unscheduleLocked(l)
		return
	}
	l.wake = wake
	if l.index < 0 {
		heap.Push(&e.due, l)
	} else {
		heap.Fix(&e.due, l.index)
	}
	e.armLocked(now)
}

func (e *SAFEngine) unscheduleLocked(l *safLane) {
	if l.index >= 0 {
		heap.Remove(&e.due, l.index)
	}
	l.wake = time.Time{}
}

// armLocked makes the timer fire no later than the earliest wake time. A
// timer that fires early, or for a lane since rescheduled, finds nothing
// due and re-arms itself.
func (e *SAFEngine) armLocked(now time.Time) {
	if len(e.due) == 0 || e.closed {
		return
	}
	next := e.due[0].wake
	if !e.timerAt.IsZero() && !next.Before(e.timerAt) {
		return
	}
	if e.timer == nil {
		e.timer = e.clk.AfterFunc(next.Sub(now), e.fire)
	} else {
		e.timer.Reset(next.Sub(now))
	}
	e.timerAt = next
}

// fire runs on the clock: it steps every lane that is due.
func (e *SAFEngine) fire() {
	var w safWork
	e.mu.Lock()
	e.timerAt = time.Time{}
	now := e.clk.Now()
	for len(e.due) > 0 && !now.Before(e.due[0].wake) && !e.closed {
		l := e.due[0]
		e.unscheduleLocked(l)
		e.stepLocked(l, now, &w)
	}
	e.armLocked(now)
	e.mu.Unlock()
	e.do(&w)
}

// do carries out work decided under the lock.
func (e *SAFEngine) do(w *safWork) {
	for _, en := range w.finals {
		e.storeFinal(en)
	}
	for _, en := range w.starts {
		e.start(en)
	}
}

// start begins an attempt of the lane's in-flight message: from its first
// segment, or from the first one not yet delivered.
func (e *SAFEngine) start(en *safEntry) {
	// en is in flight: nothing else changes it until the attempt ends.
	segs := en.segs
	if segs == nil {
		var err error
		segs, err = e.segments(en.m)
		if err != nil || len(segs) == 0 {
			e.unsplittable(en)
			return
		}
	}
	e.send(en, segs, en.sent)
}

func (e *SAFEngine) segments(m *store.Message) ([]radio.SMS, error) {
	if e.ev.Segments != nil {
		return e.ev.Segments(m)
	}
	return []radio.SMS{{
		Originator:  m.Source.Addr,
		Destination: m.Dest.Addr,
		UserData:    m.UserData,
		UDHI:        m.ESMClass&0x40 != 0,
		DataCoding:  m.DataCoding,
		ProtocolID:  m.ProtocolID,
	}}, nil
}

// send hands segment i to the gate and the air.
func (e *SAFEngine) send(en *safEntry, segs []radio.SMS, i int) {
	sms := segs[i]
	sms.MoreMessagesToSend = i < len(segs)-1
	if sms.Destination == "" {
		sms.Destination = en.m.Dest.Addr
	}
	e.sms.Add(1)
	deliver := func() {
		e.air.Deliver(sms, func(r radio.Result) { e.segmentDone(en, segs, i, r) })
	}
	if e.gate == nil {
		deliver()
		return
	}
	t := PersonToPerson
	if e.ev.Traffic != nil {
		t = e.ev.Traffic(en.m.Account)
	}
	e.gate.Wait(t, deliver)
}

// segmentDone is the air's answer for segment i of en's attempt.
func (e *SAFEngine) segmentDone(en *safEntry, segs []radio.SMS, i int, r radio.Result) {
	e.mu.Lock()
	now := e.clk.Now()
	l, m := en.lane, en.m
	if r.Err == nil {
		en.sent = i + 1
		if en.sent < len(segs) {
			e.mu.Unlock()
			e.send(en, segs, en.sent)
			return
		}
		m.State, m.DoneAt, m.LastError = store.Delivered, now, 0
		l.failures, l.retryAt = 0, time.Time{}
		e.finishLocked(en)
		e.mu.Unlock()
		e.storeFinal(en)
		e.release(l)
		return
	}

	err := r.Err
	m.LastError = uint32(errorCode(err))
	if en.sent > 0 {
		en.segs = segs // the retry sends the rest of these
	}
	switch {
	case !err.Temporary():
		m.State, m.DoneAt = store.Undeliverable, now
		// The next message, if any, has a fate of its own: it goes at once.
		l.failures, l.retryAt = 0, time.Time{}
		e.finishLocked(en)
	case expired(m, now):
		m.State, m.DoneAt = store.Expired, now
		e.finishLocked(en)
	default:
		delay := e.cfg.BusyRetry
		if err.Code != radio.SubscriberBusyForMTSMS {
			l.failures++
			delay = e.cfg.Schedule.Delay(l.failures, err)
		}
		l.retryAt = now.Add(max(delay, 0))
		m.NextAttempt = later(l.retryAt, m.NotBefore)
		u := updateOf(m)
		e.mu.Unlock()
		e.store.UpdateAsync(u, e.checkStored)
		e.release(l)
		return
	}
	e.mu.Unlock()
	e.storeFinal(en)
	e.release(l)
}

// unsplittable ends an attempt whose message Segments could not split:
// that will not change at a retry, so the message is undeliverable.
func (e *SAFEngine) unsplittable(en *safEntry) {
	e.mu.Lock()
	l, m := en.lane, en.m
	m.State, m.DoneAt, m.LastError = store.Undeliverable, e.clk.Now(), unsplittableErrorCode
	e.finishLocked(en)
	e.mu.Unlock()
	e.storeFinal(en)
	e.release(l)
}

// release ends l's attempt, once its outcome has been handed to the store,
// and moves the lane on.
func (e *SAFEngine) release(l *safLane) {
	var w safWork
	e.mu.Lock()
	l.inFlight = nil
	e.inFlight--
	e.stepLocked(l, e.clk.Now(), &w)
	e.mu.Unlock()
	e.do(&w)
}

// storeFinal stores the final state of en's message, forgets the message,
// and calls OnFinal if the store took it.
func (e *SAFEngine) storeFinal(en *safEntry) {
	e.store.UpdateAsync(updateOf(en.m), func(err error) {
		e.mu.Lock()
		if e.messages[en.m.ID] == en {
			delete(e.messages, en.m.ID)
		}
		e.mu.Unlock()
		e.checkStored(err)
		if err == nil && e.ev.OnFinal != nil {
			e.ev.OnFinal(en.m)
		}
	})
}

// checkStored counts a failed write. ErrFinal means the message was made
// final elsewhere (cancelled in the store before Recover took it up): not
// a failure of the store.
func (e *SAFEngine) checkStored(err error) {
	if err != nil && !errors.Is(err, store.ErrFinal) {
		e.storeErrors.Add(1)
	}
}

func updateOf(m *store.Message) store.Update {
	return store.Update{
		ID:          m.ID,
		State:       m.State,
		Attempts:    m.Attempts,
		NextAttempt: m.NextAttempt,
		LastError:   m.LastError,
		DoneAt:      m.DoneAt,
	}
}

// expired reports whether m's validity has ended at now. A message without
// an end (stored by someone else) never expires.
func expired(m *store.Message, now time.Time) bool {
	return !m.ExpiresAt.IsZero() && !now.Before(m.ExpiresAt)
}

// later returns the later of a and b.
func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// laneHeap orders lanes by wake time (container/heap).
type laneHeap []*safLane

func (h laneHeap) Len() int           { return len(h) }
func (h laneHeap) Less(i, j int) bool { return h[i].wake.Before(h[j].wake) }
func (h laneHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}

func (h *laneHeap) Push(x any) {
	l := x.(*safLane)
	l.index = len(*h)
	*h = append(*h, l)
}

func (h *laneHeap) Pop() any {
	old := *h
	n := len(old)
	l := old[n-1]
	old[n-1] = nil
	l.index = -1
	*h = old[:n-1]
	return l
}
