// Package clock is the source of time for every txpush component.
//
// Daemons use Real, which is the time package. Tests and the simulator use a
// Virtual clock, which only moves when it is told to: timers fire in due
// order, on the goroutine that advances the clock, so hours of retry
// schedules run in milliseconds and the same code is measured as runs in
// production.
package clock

import (
	"container/heap"
	"sync"
	"time"
)

// Clock tells the time and schedules work.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// AfterFunc calls f in its own goroutine (Real) or on the advancing
	// goroutine (Virtual) once d has elapsed.
	AfterFunc(d time.Duration, f func()) Timer
	// NewTimer returns a Timer whose channel receives the time once d has
	// elapsed.
	NewTimer(d time.Duration) Timer
}

// Timer is a pending event. C is nil for timers made by AfterFunc.
type Timer interface {
	// C returns the channel on which the time is delivered.
	C() <-chan time.Time
	// Stop prevents the timer from firing; it reports whether it did so.
	Stop() bool
	// Reset changes the timer to expire after d; it reports whether the
	// timer had been active.
	Reset(d time.Duration) bool
}

// Since returns the time elapsed since t on c.
func Since(c Clock, t time.Time) time.Duration { return c.Now().Sub(t) }

// Real returns the wall clock.
func Real() Clock { return realClock{} }

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) AfterFunc(d time.Duration, f func()) Timer {
	return realTimer{t: time.AfterFunc(d, f)}
}

func (realClock) NewTimer(d time.Duration) Timer { return realTimer{t: time.NewTimer(d)} }

type realTimer struct{ t *time.Timer }

func (r realTimer) C() <-chan time.Time        { return r.t.C }
func (r realTimer) Stop() bool                 { return r.t.Stop() }
func (r realTimer) Reset(d time.Duration) bool { return r.t.Reset(d) }

// Virtual is a clock that moves only when Advance, AdvanceTo or Step is
// called. It is safe for concurrent use. Callbacks run without the clock's
// lock held, so they may schedule further timers.
type Virtual struct {
	mu      sync.Mutex
	now     time.Time
	seq     uint64
	timers  timerHeap
	changed chan struct{} // closed and replaced whenever a timer is added
}

// NewVirtual returns a virtual clock that reads start.
func NewVirtual(start time.Time) *Virtual {
	return &Virtual{now: start, changed: make(chan struct{})}
}

// Now returns the virtual time.
func (v *Virtual) Now() time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.now
}

// AfterFunc schedules f to run on the advancing goroutine at Now()+d.
func (v *Virtual) AfterFunc(d time.Duration, f func()) Timer {
	t := &virtualTimer{v: v, f: f, index: -1}
	v.mu.Lock()
	v.schedule(t, d)
	v.mu.Unlock()
	return t
}

// NewTimer returns a timer whose channel receives the virtual time at
// Now()+d.
func (v *Virtual) NewTimer(d time.Duration) Timer {
	t := &virtualTimer{v: v, c: make(chan time.Time, 1), index: -1}
	v.mu.Lock()
	v.schedule(t, d)
	v.mu.Unlock()
	return t
}

// schedule must be called with v.mu held.
func (v *Virtual) schedule(t *virtualTimer, d time.Duration) {
	if d < 0 {
		d = 0
	}
	t.when = v.now.Add(d)
	v.seq++
	t.seq = v.seq
	heap.Push(&v.timers, t)
	close(v.changed)
	v.changed = make(chan struct{})
}

// Pending returns the number of timers that have not fired or been stopped.
func (v *Virtual) Pending() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return len(v.timers)
}

// Next returns the time of the earliest pending timer.
func (v *Virtual) Next() (time.Time, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.timers) == 0 {
		return time.Time{}, false
	}
	return v.timers[0].when, true
}

// Advance moves the clock forward by d, firing every timer due on the way
// in order of due time (ties in order of scheduling).
func (v *Virtual) Advance(d time.Duration) {
	v.AdvanceTo(v.Now().Add(d))
}

// AdvanceTo moves the clock to t (never backwards), firing due timers.
func (v *Virtual) AdvanceTo(t time.Time) {
	for v.fireNext(t) {
	}
	v.mu.Lock()
	if t.After(v.now) {
		v.now = t
	}
	v.mu.Unlock()
}

// Step jumps to the earliest pending timer and fires it, with any others
// due at the same instant. It reports false when no timer is pending.
func (v *Virtual) Step() bool {
	when, ok := v.Next()
	if !ok {
		return false
	}
	v.AdvanceTo(when)
	return true
}

// fireNext fires the earliest timer due at or before limit.
func (v *Virtual) fireNext(limit time.Time) bool {
	v.mu.Lock()
	if len(v.timers) == 0 || v.timers[0].when.After(limit) {
		v.mu.Unlock()
		return false
	}
	t := heap.Pop(&v.timers).(*virtualTimer)
	if t.when.After(v.now) {
		v.now = t.when
	}
	now := v.now
	v.mu.Unlock()
	if t.f != nil {
		t.f()
	} else {
		select {
		case t.c <- now:
		default:
		}
	}
	return true
}

// WaitForTimers blocks until at least n timers are pending. Tests use it to
// wait until goroutines under test have armed their timers before the
// clock is advanced.
func (v *Virtual) WaitForTimers(n int) {
	for {
		v.mu.Lock()
		if len(v.timers) >= n {
			v.mu.Unlock()
			return
		}
		ch := v.changed
		v.mu.Unlock()
		<-ch
	}
}

type virtualTimer struct {
	v     *Virtual
	f     func()
	c     chan time.Time
	when  time.Time
	seq   uint64
	index int // in the heap; -1 when not pending
}

func (t *virtualTimer) C() <-chan time.Time { return t.c }

func (t *virtualTimer) Stop() bool {
	t.v.mu.Lock()
	defer t.v.mu.Unlock()
	if t.index < 0 {
		return false
	}
	heap.Remove(&t.v.timers, t.index)
	return true
}

func (t *virtualTimer) Reset(d time.Duration) bool {
	t.v.mu.Lock()
	defer t.v.mu.Unlock()
	active := t.index >= 0
	if active {
		heap.Remove(&t.v.timers, t.index)
	}
	t.v.schedule(t, d)
	return active
}

type timerHeap []*virtualTimer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if h[i].when.Equal(h[j].when) {
		return h[i].seq < h[j].seq
	}
	return h[i].when.Before(h[j].when)
}
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}
func (h *timerHeap) Push(x any) {
	t := x.(*virtualTimer)
	t.index = len(*h)
	*h = append(*h, t)
}
func (h *timerHeap) Pop() any {
	old := *h
	n := len(old)
	t := old[n-1]
	old[n-1] = nil
	t.index = -1
	*h = old[:n-1]
	return t
}
