package wdp

import (
	"container/list"
	"fmt"
	"sync"
	"time"

	"github.com/txpush/txpush/clock"
)

// Outcome says what became of a message being reassembled.
type Outcome int

// Outcomes.
const (
	// Pending: the part was stored (or was an identical duplicate) and the
	// message is not complete yet.
	Pending Outcome = iota
	// Complete: every part arrived; Result.Datagram holds the message.
	Complete
	// TimedOut: parts were still missing when the timeout ran out.
	TimedOut
	// Conflict: a part disagreed with the parts before it (different
	// content for a sequence number, a different total or different ports),
	// which means two messages share a reference. The group is dropped.
	Conflict
	// Evicted: the group was dropped to keep within the memory bounds.
	Evicted
)

func (o Outcome) String() string {
	switch o {
	case Pending:
		return "pending"
	case Complete:
		return "complete"
	case TimedOut:
		return "timed out"
	case Conflict:
		return "conflict"
	case Evicted:
		return "evicted"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// Part is one received part of a message.
type Part struct {
	Seq     int
	Payload []byte
}

// Result reports on one message.
type Result struct {
	Outcome    Outcome
	Originator string
	Ref        uint16 // concatenation reference; 0 for a single SMS
	Wide       bool   // 16-bit reference
	Total      int    // number of parts the message announced
	// Datagram is the whole message when Outcome is Complete. Otherwise
	// it has the ports (when known) and no payload.
	Datagram Datagram
	// Parts are the parts received, by sequence number, for TimedOut,
	// Conflict and Evicted.
	Parts []Part
	// Reason says what disagreed, for Conflict.
	Reason string
}

// DefaultReassemblyTimeout is the timeout of a Reassembler whose config
// leaves it zero: what a modern Android handset allows.
const DefaultReassemblyTimeout = 24 * time.Hour

// ReassemblerConfig configures a Reassembler.
type ReassemblerConfig struct {
	Clock clock.Clock // nil means clock.Real()
	// Timeout is how long after its first part a message may take to
	// complete; zero means DefaultReassemblyTimeout.
	Timeout time.Duration
	// MaxGroups and MaxOctets bound the messages being reassembled and the
	// payload octets they hold; the oldest message is evicted to make room.
	// Zero means no bound.
	MaxGroups int
	MaxOctets int
	// OnResult receives the results that no Add call returns: TimedOut
	// (on the clock's timer goroutine) and Evicted. It is called without
	// any lock held and may call Add.
	OnResult func(Result)
}

// Reassembler joins the parts of concatenated SMS into datagrams. Parts
// are grouped by originator and reference (8- and 16-bit references apart);
// a part that announces another total than the group's, carries other
// ports, or brings different content for a sequence number already held
// means two messages share the reference: the group is dropped with a
// Conflict result and that part is discarded. It is safe for concurrent
// use, and deterministic: the results depend only on the order of calls
// and of the clock's timers.
type Reassembler struct {
	cfg ReassemblerConfig

	mu     sync.Mutex
	groups map[groupKey]*group
	order  list.List // of *group, oldest first
	octets int
}

type groupKey struct {
	originator string
	ref        uint16
	wide       bool
}

type group struct {
	key    groupKey
	total  int
	ports  Ports
	havePs bool
	parts  [][]byte // by seq-1; nil when not received
	count  int
	octets int
	timer  clock.Timer
	elem   *list.Element
}

// NewReassembler returns a Reassembler.
func NewReassembler(cfg ReassemblerConfig) *Reassembler {
	if cfg.Clock == nil {
		cfg.Clock = clock.Real()
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultReassemblyTimeout
	}
	return &Reassembler{cfg: cfg, groups: make(map[groupKey]*group)}
}

// Pending returns the number of messages being reassembled and the payload
// octets they hold.
func (r *Reassembler) Pending() (groups, octets int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.groups), r.octets
}

// Add takes the user data (UDH and payload) of one SMS from originator and
// returns the result for the message it belongs to: Pending, Complete or
// Conflict (or Evicted, when the message alone exceeds MaxOctets). An SMS
// without a concatenation IE, or with a total of 1, is complete at once.
// A malformed UDH is a *DecodeError and changes nothing. The payload is
// copied.
func (r *Reassembler) Add(originator string, ud []byte) (Result, error) {
	info, payload, err := scanUDH(ud, nil)
	if err != nil {
		return Result{}, err
	}
	ports, hasPorts := info.ports, info.hasPorts
	c, hasConcat := info.concat, info.hasConcat
	if !hasConcat || c.Total == 1 {
		res := Result{Outcome: Complete, Originator: originator, Total: 1,
			Datagram: Datagram{SrcPort: ports.Src, DstPort: ports.Dst, Payload: append([]byte(nil), payload...)}}
		if hasConcat {
			res.Ref, res.Wide = c.Ref, c.Wide
		}
		return res, nil
	}
	key := groupKey{originator: originator, ref: c.Ref, wide: c.Wide}
	var evicted []Result
	r.mu.Lock()
	res := r.add(key, c, ports, hasPorts, payload, &evicted)
	r.mu.Unlock()
	if r.cfg.OnResult != nil {
		for _, e := range evicted {
			r.cfg.OnResult(e)
		}
	}
	return res, nil
}

// add must be called with r.mu held.
func (r *Reassembler) add(key groupKey, c Concat, ports Ports, hasPorts bool, payload []byte, evicted *[]Result) Result {
	g := r.groups[key]
	if g == nil {
		if r.cfg.MaxGroups > 0 {
			for len(r.groups) >= r.cfg.MaxGroups {
				*evicted = append(*evicted, r.drop(r.order.Front().Value.(*group), Evicted, ""))
			}
		}
		g = &group{key: key, total: int(c.Total), parts: make([][]byte, c.Total)}
		g.elem = r.order.PushBack(g)
		r.groups[key] = g
		g.timer = r.cfg.Clock.AfterFunc(r.cfg.Timeout, func() { r.expire(g) })
	}
	switch {
	case int(c.Total) != g.total:
		return r.drop(g, Conflict, fmt.Sprintf("part %d announces %d parts, earlier parts %d", c.Seq, c.Total, g.total))
	case hasPorts && g.havePs && ports != g.ports:
		return r.drop(g, Conflict, fmt.Sprintf("part %d has ports %d/%d, earlier parts %d/%d", c.Seq, ports.Dst, ports.Src, g.ports.Dst, g.ports.Src))
	}
	if old := g.parts[c.Seq-1]; old != nil {
		if string(old) == string(payload) {
			return r.pending(g)
		}
		return r.drop(g, Conflict, fmt.Sprintf("part %d received twice with different content", c.Seq))
	}
	if hasPorts {
		g.ports, g.havePs = ports, true
	}
	// A received part is never nil, so that an empty payload still counts.
	g.parts[c.Seq-1] = append(make([]byte, 0, len(payload)), payload...)
	g.count++
	g.octets += len(payload)
	r.octets += len(payload)
	if g.count == g.total {
		return r.complete(g)
	}
	if r.cfg.MaxOctets > 0 {
		for r.octets > r.cfg.MaxOctets {
			oldest := r.order.Front().Value.(*group)
			if oldest == g {
				return r.drop(g, Evicted, "")
			}
			*evicted = append(*evicted, r.drop(oldest, Evicted, ""))
		}
	}
	return r.pending(g)
}

func (r *Reassembler) pending(g *group) Result {
	return Result{Outcome: Pending, Originator: g.key.originator, Ref: g.key.ref, Wide: g.key.wide,
		Total: g.total, Datagram: Datagram{SrcPort: g.ports.Src, DstPort: g.ports.Dst}}
}

// remove must be called with r.mu held.
func (r *Reassembler) remove(g *group) {
	g.timer.Stop()
	delete(r.groups, g.key)
	r.order.Remove(g.elem)
	r.octets -= g.octets
}

func (r *Reassembler) complete(g *group) Result {
	r.remove(g)
	res := r.pending(g)
	res.Outcome = Complete
	res.Datagram.Payload = make([]byte, 0, g.octets)
	for _, p := range g.parts {
		res.Datagram.Payload = append(res.Datagram.Payload, p...)
	}
	return res
}

func (r *Reassembler) drop(g *group, o Outcome, reason string) Result {
	r.remove(g)
	res := r.pending(g)
	res.Outcome, res.Reason = o, reason
	for i, p := range g.parts {
		if p != nil {
			res.Parts = append(res.Parts, Part{Seq: i + 1, Payload: p})
		}
	}
	return res
}

// expire runs on the clock when g's timeout has elapsed.
func (r *Reassembler) expire(g *group) {
	r.mu.Lock()
	if r.groups[g.key] != g {
		r.mu.Unlock() // completed or dropped in the meantime
		return
	}
	res := r.drop(g, TimedOut, "")
	r.mu.Unlock()
	if r.cfg.OnResult != nil {
		r.cfg.OnResult(res)
	}
}
