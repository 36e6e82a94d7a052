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
	// with UDHI from esm_class bit 0x40. It is called for every attempt
	// that sends the message from its first segment; a retry after some
	// segments were delivered sends the rest of the same segments (same
	// concatenation reference), kept in memory. After a restart the message
	// is split and sent whole again. An error, or no segments, makes the
	// message undeliverable.
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
// joins its queue when its schedule_delivery_time (or first-attempt delay)
// has come, so a scheduled message holds up nobody. With
// SAFConfig.IndependentMessages every message has a retry clock of its own,
// and attempts to one MSISDN may then overlap (a real network, as
// radio.Network, answers the second with subscriberBusyForMT-SMS).
//
// The outcome of every attempt (Attempts, NextAttempt, LastError) and every
// final state (with DoneAt) is written to the store before the queue moves
// on, so that the store's writes for a message stay in order. LastError is
// the radio error's network_error_code value, as errormap.go defines it
// (the MAP error code; 0x2000 | cause for sm-DeliveryFailure; 0xFF for a
// timeout), or 0x1FFF when the message could not be split into SMS.
//
// The segments of a message go back-to-back, MoreMessagesToSend set on all
// but the last; on the last too when another message waits behind it in
// its queue, which then goes at once in the same dialogue, as an SMSC
// with more short messages for a subscriber tells the MSC (TS 29.002
// MT-ForwardSM). When a segment fails, those already delivered are not sent
// again at the retry: the engine keeps the message's segments in memory
// until it is done. After a restart a message starts over from its first
// segment.
//
// The engine starts no goroutine and keeps no clock timer per message: one
// timer serves a heap of events, one per queue (its retry clock) and one per
// message (its validity end, or its scheduled time). A waiting message costs
// the store.Message the front submitted plus about 170 bytes, and a
// destination about 240 more; every operation takes time logarithmic in the
// number of waiting messages, whatever the length of the queues.
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
	events   safEventHeap
	eventSeq uint64
	timer    clock.Timer
	timerAt  time.Time // when timer fires; zero when it is not armed
	stats    SAFStats  // counters only; the gauges are computed
	waiting  int
	inFlight int
	lanes    int
}

// safDest is everything queued for one MSISDN.
type safDest struct {
	msisdn string
	lanes  []*safLane // one queue, or one lane per message when independent
}

// safLane is a first-in, first-out queue of messages that share a retry
// clock: all the messages to one MSISDN, or a single message.
type safLane struct {
	dest *safDest
	// entries[head:] holds the queue; a message taken out of the middle
	// leaves a nil, skipped at the head and squeezed out now and then.
	entries    []*safEntry
	head, live int
	inFlight   *safEntry // the message being delivered, if any
	// failures counts temporary failures since the last delivery (busy
	// ones aside): what the retry schedule is asked with.
	failures int
	// retryAt is the retry clock: no attempt before it (zero: none).
	retryAt time.Time
	wake    safEvent // at retryAt, while the queue waits for it
}

// safEntry is one message the engine holds.
type safEntry struct {
	m *store.Message
	// lane is the queue the message is in, and pos its index in
	// lane.entries; lane is nil while the message waits for NotBefore.
	lane *safLane
	pos  int
	// sent counts the segments delivered in the current round, and segs
	// holds the segments while some but not all are delivered, so that the
	// retry sends the rest with the same concatenation reference.
	sent int
	segs []radio.SMS
	// changing is set while a Cancel or Replace writes to the store: the
	// message is neither attempted nor expired meanwhile.
	changing bool
	// final is set once the message is final and out of its queue, until
	// its final state is stored.
	final bool
	// check is due when the message must be looked at without its queue:
	// at NotBefore to join the queue, at ExpiresAt to expire.
	check safEvent
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
			now := e.clk.Now()
			if l, _ := e.addLocked(m, now); l != nil {
				// The queue moves from the clock, at once but not within
				// this call: the messages submitted in the same instant
				// (the parts of a push, sent back-to-back) are all queued
				// by then, and the first goes knowing that more follow.
				e.setEventLocked(&l.wake, now, now)
			}
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
	now := e.clk.Now()
	touched := make(map[*safLane]bool)
	var lanes []*safLane // touched, in a fixed order
	for _, m := range found {
		if _, held := e.messages[m.ID]; held || m.Dest.Addr == "" {
			continue
		}
		e.stats.Recovered++
		l, made := e.addLocked(m, now)
		if l == nil {
			continue // scheduled for later
		}
		if made && m.Attempts > 0 {
			// The queue's retry clock is its oldest message's.
			l.retryAt = m.NextAttempt
			l.failures = m.Attempts
		}
		if !touched[l] {
			touched[l] = true
			lanes = append(lanes, l)
		}
	}
	for _, l := range lanes {
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
	now := e.clk.Now()
	if err == nil {
		en.m.State, en.m.DoneAt = u.State, u.DoneAt
		if l := e.finishLocked(en); l != nil {
			e.stepLocked(l, now, &w)
		}
		delete(e.messages, id)
	} else {
		e.changedLocked(en, now, &w)
	}
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
// some segments of the old one were delivered. A new NotBefore in the
// future takes the message out of its queue until then; a new ExpiresAt in
// the past expires it at once.
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
		retryAt := time.Time{}
		if en.lane != nil {
			retryAt = en.lane.retryAt
		}
		r.NextAttempt = later(e.clk.Now(), later(retryAt, r.NotBefore))
	}
	e.mu.Unlock()

	err := e.store.Replace(ctx, id, r)

	var w safWork
	e.mu.Lock()
	en.changing = false
	now := e.clk.Now()
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
		if l := en.lane; l != nil && now.Before(m.NotBefore) {
			// Out of the queue until its new time.
			e.dequeueLocked(en)
			e.stepLocked(l, now, &w)
		}
	}
	e.changedLocked(en, now, &w)
	e.mu.Unlock()
	e.do(&w)
	return err
}

// changeableLocked reports why en cannot be cancelled or replaced now.
func (e *SAFEngine) changeableLocked(en *safEntry, doing string) error {
	switch {
	case en.final:
		return fmt.Errorf("smsc: %s message %q (%v): %w", doing, en.m.ID, en.m.State, store.ErrFinal)
	case en.changing || (en.lane != nil && en.lane.inFlight == en):
		return fmt.Errorf("smsc: %s message %q: %w", doing, en.m.ID, ErrBusy)
	}
	return nil
}

// changedLocked catches up with what was held back while en was being
// changed: its expiry, its joining the queue, the queue's next attempt.
func (e *SAFEngine) changedLocked(en *safEntry, now time.Time, w *safWork) {
	e.checkLocked(en, now, w)
	if !en.final && en.lane != nil {
		e.stepLocked(en.lane, now, w)
	}
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

// addLocked takes up m: it puts m in its queue, making the queue if needed,
// and returns the queue and whether it is new; or, if m's NotBefore has not
// come, it returns nil and m joins its queue then. The caller steps the
// queue.
func (e *SAFEngine) addLocked(m *store.Message, now time.Time) (l *safLane, made bool) {
	en := &safEntry{m: m, check: safEvent{index: -1}}
	en.check.entry = en
	e.messages[m.ID] = en
	e.waiting++
	if now.Before(m.NotBefore) {
		e.setCheckLocked(en, now)
		return nil, false
	}
	l, made = e.enqueueLocked(en)
	e.setCheckLocked(en, now)
	return l, made
}

// enqueueLocked puts en at the tail of its queue.
func (e *SAFEngine) enqueueLocked(en *safEntry) (l *safLane, made bool) {
	addr := en.m.Dest.Addr
	d := e.dests[addr]
	if d == nil {
		d = &safDest{msisdn: addr}
		e.dests[addr] = d
	}
	if !e.cfg.IndependentMessages && len(d.lanes) > 0 {
		l = d.lanes[0]
	} else {
		l, made = &safLane{dest: d, wake: safEvent{index: -1}}, true
		l.wake.lane = l
		d.lanes = append(d.lanes, l)
		e.lanes++
	}
	en.lane, en.pos = l, len(l.entries)
	l.entries = append(l.entries, en)
	l.live++
	return l, made
}

// dequeueLocked takes en out of its queue. The caller steps the queue.
func (e *SAFEngine) dequeueLocked(en *safEntry) {
	l := en.lane
	l.entries[en.pos] = nil
	l.live--
	en.lane = nil
	// Squeeze out the gaps once they are half the slice.
	if n := len(l.entries); n > 16 && n > 2*l.live {
		kept := l.entries[:0]
		for _, q := range l.entries[l.head:] {
			if q != nil {
				q.pos = len(kept)
				kept = append(kept, q)
			}
		}
		clear(l.entries[len(kept):])
		l.entries, l.head = kept, 0
	}
}

// frontLocked returns the message at the head of l, or nil.
func (l *safLane) frontLocked() *safEntry {
	for l.head < len(l.entries) {
		if en := l.entries[l.head]; en != nil {
			return en
		}
		l.head++
	}
	// Empty: start the slice over.
	l.entries, l.head = l.entries[:0], 0
	return nil
}

// stepLocked moves l on at now: it starts an attempt of the head if the
// retry clock allows, sets the wake event otherwise, and forgets l once it
// is empty. The work it decides is added to w.
func (e *SAFEngine) stepLocked(l *safLane, now time.Time, w *safWork) {
	if e.closed {
		return
	}
	if l.inFlight != nil {
		// The attempt's end steps the lane again.
		e.clearEventLocked(&l.wake)
		return
	}
	head := l.frontLocked()
	if head == nil {
		e.dropLocked(l)
		return
	}
	if now.Before(l.retryAt) {
		e.setEventLocked(&l.wake, l.retryAt, now)
		return
	}
	e.clearEventLocked(&l.wake)
	if head.changing {
		return // the cancel or replace steps the lane when it ends
	}
	l.inFlight = head
	head.m.Attempts++
	e.inFlight++
	e.stats.Attempts++
	w.starts = append(w.starts, head)
}

// checkLocked does what is due for en on its own at now: expiry, or
// joining its queue at NotBefore; then sets its next check. A message in
// the air or being changed is left to the end of that.
func (e *SAFEngine) checkLocked(en *safEntry, now time.Time, w *safWork) {
	if en.final || en.changing || (en.lane != nil && en.lane.inFlight == en) {
		return
	}
	if expired(en.m, now) {
		en.m.State, en.m.DoneAt = store.Expired, now
		if l := e.finishLocked(en); l != nil {
			e.stepLocked(l, now, w)
		}
		w.finals = append(w.finals, en)
		return
	}
	if en.lane == nil && !now.Before(en.m.NotBefore) {
		l, _ := e.enqueueLocked(en)
		e.stepLocked(l, now, w)
	}
	e.setCheckLocked(en, now)
}

// setCheckLocked sets en's check event: its NotBefore while it waits for
// it, else its validity end (if it has one).
func (e *SAFEngine) setCheckLocked(en *safEntry, now time.Time) {
	at := en.m.ExpiresAt
	if en.lane == nil && (at.IsZero() || en.m.NotBefore.Before(at)) {
		at = en.m.NotBefore
	}
	if at.IsZero() {
		e.clearEventLocked(&en.check)
		return
	}
	e.setEventLocked(&en.check, at, now)
}

// finishLocked takes en, just made final, out of its queue, and returns
// the queue (nil if it was in none) for the caller to step. The message
// stays among the engine's messages until its final state is stored.
func (e *SAFEngine) finishLocked(en *safEntry) *safLane {
	l := en.lane
	if l != nil {
		e.dequeueLocked(en)
	}
	e.clearEventLocked(&en.check)
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
	return l
}

// dropLocked forgets an empty lane.
func (e *SAFEngine) dropLocked(l *safLane) {
	e.clearEventLocked(&l.wake)
	d := l.dest
	if i := slices.Index(d.lanes, l); i >= 0 {
		d.lanes = slices.Delete(d.lanes, i, i+1)
		e.lanes--
	}
	if len(d.lanes) == 0 && e.dests[d.msisdn] == d {
		delete(e.dests, d.msisdn)
	}
}

// fire runs on the clock: it handles every event that is due.
func (e *SAFEngine) fire() {
	var w safWork
	e.mu.Lock()
	e.timerAt = time.Time{}
	now := e.clk.Now()
	for len(e.events) > 0 && !now.Before(e.events[0].at) && !e.closed {
		ev := heap.Pop(&e.events).(*safEvent)
		if ev.lane != nil {
			e.stepLocked(ev.lane, now, &w)
		} else {
			e.checkLocked(ev.entry, now, &w)
		}
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
	sms.MoreMessagesToSend = i < len(segs)-1 || e.moreQueued(en)
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
	// A message whose validity ended while it waited for the air's
	// capacity expires at its turn and gives its token back.
	e.gate.acquire(t, func() bool {
		if e.expireAtGate(en) {
			return false
		}
		deliver()
		return true
	})
}

// expireAtGate ends en's attempt as expired if its validity has ended.
func (e *SAFEngine) expireAtGate(en *safEntry) bool {
	return e.endAttempt(en, func(m *store.Message, now time.Time) bool {
		if !expired(m, now) {
			return false
		}
		m.State, m.DoneAt = store.Expired, now
		return true
	})
}

// endAttempt ends en's attempt without an SMS when final, which sets the
// message's final state under the engine's lock, says so: the message is
// finished, stored and its lane moved on.
func (e *SAFEngine) endAttempt(en *safEntry, final func(m *store.Message, now time.Time) bool) bool {
	e.mu.Lock()
	l := en.lane
	if !final(en.m, e.clk.Now()) {
		e.mu.Unlock()
		return false
	}
	e.finishLocked(en)
	e.mu.Unlock()
	e.storeFinal(en)
	e.release(l)
	return true
}

// moreQueued reports whether another message waits behind en, in flight,
// in its queue.
func (e *SAFEngine) moreQueued(en *safEntry) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return en.lane != nil && en.lane.live > 1
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
		m.NextAttempt = l.retryAt
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
	e.endAttempt(en, func(m *store.Message, now time.Time) bool {
		m.State, m.DoneAt, m.LastError = store.Undeliverable, now, unsplittableErrorCode
		return true
	})
}

// release ends l's attempt, once its outcome has been handed to the store,
// and moves the lane on. The message, if still waiting, catches up with a
// check (its expiry) held back during the attempt.
func (e *SAFEngine) release(l *safLane) {
	var w safWork
	e.mu.Lock()
	en := l.inFlight
	l.inFlight = nil
	e.inFlight--
	now := e.clk.Now()
	e.checkLocked(en, now, &w)
	e.stepLocked(l, now, &w)
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

// A safEvent is something due at a time: a queue's retry clock running
// out (lane set), or a message's check (entry set). Events live in the
// lanes and entries themselves; the engine keeps the pending ones in a heap
// and one clock timer armed for the earliest.
type safEvent struct {
	at    time.Time
	seq   uint64 // orders events due at the same time: first set, first handled
	index int    // in the heap; -1 when not pending
	lane  *safLane
	entry *safEntry
}

// setEventLocked makes ev due at at, and keeps the timer armed for the
// earliest event.
func (e *SAFEngine) setEventLocked(ev *safEvent, at, now time.Time) {
	ev.at = at
	e.eventSeq++
	ev.seq = e.eventSeq
	if ev.index < 0 {
		heap.Push(&e.events, ev)
	} else {
		heap.Fix(&e.events, ev.index)
	}
	e.armLocked(now)
}

func (e *SAFEngine) clearEventLocked(ev *safEvent) {
	if ev.index >= 0 {
		heap.Remove(&e.events, ev.index)
	}
}

// armLocked makes the timer fire no later than the earliest event. A timer
// that fires early, or for an event since moved, finds nothing due and
// re-arms itself.
func (e *SAFEngine) armLocked(now time.Time) {
	if len(e.events) == 0 || e.closed {
		return
	}
	next := e.events[0].at
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

// safEventHeap orders events by time (container/heap).
type safEventHeap []*safEvent

func (h safEventHeap) Len() int { return len(h) }
func (h safEventHeap) Less(i, j int) bool {
	if h[i].at.Equal(h[j].at) {
		return h[i].seq < h[j].seq
	}
	return h[i].at.Before(h[j].at)
}
func (h safEventHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}

func (h *safEventHeap) Push(x any) {
	ev := x.(*safEvent)
	ev.index = len(*h)
	*h = append(*h, ev)
}

func (h *safEventHeap) Pop() any {
	old := *h
	n := len(old)
	ev := old[n-1]
	old[n-1] = nil
	ev.index = -1
	*h = old[:n-1]
	return ev
}
