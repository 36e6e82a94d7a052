package wdp

import (
	"container/heap"
	"errors"
	"sync"
	"time"

	"github.com/txpush/txpush/clock"
)

// ErrNoReference is returned by RefAllocator.Allocate when every reference
// towards a destination is held.
var ErrNoReference = errors.New("wdp: every concatenation reference towards this destination is in use")

// RefAllocator hands out concatenation references per destination so that
// a reference is never reused towards the same handset while an earlier
// message with it may still be reassembling there: a reference is held
// until the time given when it was allocated (say, when the last part was
// sent plus the handset's reassembly timeout), or until released.
// References to one destination are handed out in turn, so that a freed
// one is not taken again at once. It is safe for concurrent use; memory is
// proportional to the allocations whose hold has not yet ended.
type RefAllocator struct {
	clk   clock.Clock
	space int // 256 or 65536

	mu    sync.Mutex
	dests map[string]*destRefs
	exp   expiryHeap
	seed  uint32 // start of the rotation for a destination seen anew
}

type destRefs struct {
	next uint32               // where the search for a free reference starts
	held map[uint16]time.Time // reference → held until
}

// NewRefAllocator returns an allocator of 8-bit references (0..255), or of
// 16-bit ones (0..65535) when wide is set, that reads the time from clk.
func NewRefAllocator(clk clock.Clock, wide bool) *RefAllocator {
	space := 1 << 8
	if wide {
		space = 1 << 16
	}
	return &RefAllocator{clk: clk, space: space, dests: make(map[string]*destRefs)}
}

// Allocate returns a reference towards dest that no unexpired allocation
// holds, and holds it until until.
func (a *RefAllocator) Allocate(dest string, until time.Time) (uint16, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.clk.Now()
	a.expire(now)
	d := a.dests[dest]
	if d == nil {
		d = &destRefs{next: a.seed % uint32(a.space), held: make(map[uint16]time.Time)}
		a.seed += 97 // spread the starting points of different destinations
		a.dests[dest] = d
	}
	for range a.space {
		ref := uint16(d.next)
		d.next = (d.next + 1) % uint32(a.space)
		if _, busy := d.held[ref]; !busy {
			d.held[ref] = until
			heap.Push(&a.exp, expiry{when: until, dest: dest, ref: ref})
			return ref, nil
		}
	}
	if len(d.held) == 0 {
		delete(a.dests, dest)
	}
	return 0, ErrNoReference
}

// Hold changes the time until which ref towards dest is held, e.g. when a
// part is sent again later than planned. It reports whether ref was held.
func (a *RefAllocator) Hold(dest string, ref uint16, until time.Time) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	d := a.dests[dest]
	if d == nil {
		return false
	}
	if _, ok := d.held[ref]; !ok {
		return false
	}
	d.held[ref] = until
	heap.Push(&a.exp, expiry{when: until, dest: dest, ref: ref})
	return true
}

// Release frees ref towards dest at once, e.g. when the handset is known
// to have the whole message.
func (a *RefAllocator) Release(dest string, ref uint16) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if d := a.dests[dest]; d != nil {
		delete(d.held, ref)
		if len(d.held) == 0 {
			delete(a.dests, dest)
		}
	}
}

// Held returns the number of references held towards dest.
func (a *RefAllocator) Held(dest string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.expire(a.clk.Now())
	if d := a.dests[dest]; d != nil {
		return len(d.held)
	}
	return 0
}

// expire frees every reference held until now or earlier. Heap entries
// made stale by Hold or Release are skipped.
func (a *RefAllocator) expire(now time.Time) {
	for len(a.exp) > 0 && !a.exp[0].when.After(now) {
		e := heap.Pop(&a.exp).(expiry)
		d := a.dests[e.dest]
		if d == nil {
			continue
		}
		if until, ok := d.held[e.ref]; ok && until.Equal(e.when) {
			delete(d.held, e.ref)
			if len(d.held) == 0 {
				delete(a.dests, e.dest)
			}
		}
	}
}

type expiry struct {
	when time.Time
	dest string
	ref  uint16
}

type expiryHeap []expiry

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].when.Before(h[j].when) }
func (h expiryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)        { *h = append(*h, x.(expiry)) }
func (h *expiryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}
