package wdp

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/txpush/txpush/clock"
	"github.com/txpush/txpush/internal/testvec"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// recorder collects the results delivered to OnResult.
type recorder struct {
	mu      sync.Mutex
	results []Result
}

func (r *recorder) add(res Result) {
	r.mu.Lock()
	r.results = append(r.results, res)
	r.mu.Unlock()
}

func (r *recorder) take() []Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.results
	r.results = nil
	return out
}

func newTestReassembler(cfg ReassemblerConfig) (*Reassembler, *clock.Virtual, *recorder) {
	clk := clock.NewVirtual(epoch)
	rec := &recorder{}
	cfg.Clock = clk
	if cfg.Timeout == 0 {
		cfg.Timeout = time.Minute
	}
	cfg.OnResult = rec.add
	return NewReassembler(cfg), clk, rec
}

func mustSegment(t testing.TB, n int, opt SegmentOptions) ([]byte, [][]byte) {
	t.Helper()
	payload := make([]byte, n)
	for i := range payload {
		payload[i] = byte(i*7 + int(opt.Ref))
	}
	segs, err := Segment(pushDatagram(payload), opt)
	if err != nil {
		t.Fatal(err)
	}
	return payload, segs
}

func mustAdd(t testing.TB, r *Reassembler, from string, ud []byte) Result {
	t.Helper()
	res, err := r.Add(from, ud)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestReassembleVectors(t *testing.T) {
	for _, v := range []struct {
		dir, push string
		n         int
	}{
		{"v11-udh-2seg-8bit", "v11-udh-2seg-8bit/push.bin", 2},
		{"v12-udh-3seg-16bit", "v12-udh-3seg-16bit/push.bin", 3},
		{"v12-udh-3seg-16bit/alt-8bit-ref", "v12-udh-3seg-16bit/push.bin", 3},
	} {
		segs := readSegments(t, v.dir, v.n)
		push := testvec.Read(t, v.push)
		r, _, _ := newTestReassembler(ReassemblerConfig{})
		// Last part first: order must not matter.
		for i := len(segs) - 1; i > 0; i-- {
			if res := mustAdd(t, r, "+358401234567", segs[i]); res.Outcome != Pending {
				t.Fatalf("%s part %d: %v", v.dir, i+1, res.Outcome)
			}
		}
		res := mustAdd(t, r, "+358401234567", segs[0])
		if res.Outcome != Complete || !bytes.Equal(res.Datagram.Payload, push) ||
			res.Datagram.DstPort != PortPush || res.Datagram.SrcPort != PortWSP || res.Total != v.n {
			t.Errorf("%s: %v %+v", v.dir, res.Outcome, res.Datagram)
		}
		if g, o := r.Pending(); g != 0 || o != 0 {
			t.Errorf("%s: %d groups %d octets left", v.dir, g, o)
		}
	}
}

func TestReassembleSinglePart(t *testing.T) {
	r, clk, _ := newTestReassembler(ReassemblerConfig{})
	push := testvec.Read(t, "v09-wsp-push-mms/push.bin")
	segs, _ := Segment(pushDatagram(push), SegmentOptions{})
	res := mustAdd(t, r, "a", segs[0])
	if res.Outcome != Complete || !bytes.Equal(res.Datagram.Payload, push) || res.Datagram.DstPort != PortPush {
		t.Errorf("got %+v", res)
	}
	// A concatenation IE announcing one part completes at once too.
	res = mustAdd(t, r, "a", []byte{5, 0, 3, 9, 1, 1, 0xAB})
	if res.Outcome != Complete || res.Ref != 9 || !bytes.Equal(res.Datagram.Payload, []byte{0xAB}) {
		t.Errorf("got %+v", res)
	}
	if clk.Pending() != 0 {
		t.Errorf("%d timers armed for single parts", clk.Pending())
	}
}

func TestReassembleDuplicatesAndConflicts(t *testing.T) {
	_, segs := mustSegment(t, 300, SegmentOptions{Ref: 5})
	t.Run("identical duplicate ignored", func(t *testing.T) {
		r, _, _ := newTestReassembler(ReassemblerConfig{})
		mustAdd(t, r, "a", segs[0])
		if res := mustAdd(t, r, "a", segs[0]); res.Outcome != Pending {
			t.Fatalf("duplicate: %v", res.Outcome)
		}
		if _, o := r.Pending(); o != PartSize8 {
			t.Errorf("%d octets held, want %d", o, PartSize8)
		}
		mustAdd(t, r, "a", segs[1])
		if res := mustAdd(t, r, "a", segs[2]); res.Outcome != Complete {
			t.Errorf("got %v", res.Outcome)
		}
	})
	changed := func(ud []byte, at int, v byte) []byte {
		c := bytes.Clone(ud)
		c[at] = v
		return c
	}
	tests := []struct {
		name  string
		ud    []byte
		parts int
	}{
		{"different content", changed(segs[0], 20, 0xFF), 1},
		{"total changes", changed(segs[1], 10, 4), 1},
		{"ports change", changed(segs[1], 4, 0x85), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, clk, rec := newTestReassembler(ReassemblerConfig{})
			mustAdd(t, r, "a", segs[0])
			res := mustAdd(t, r, "a", tt.ud)
			if res.Outcome != Conflict || res.Reason == "" || len(res.Parts) != tt.parts || res.Parts[0].Seq != 1 {
				t.Fatalf("got %+v", res)
			}
			if g, _ := r.Pending(); g != 0 || clk.Pending() != 0 {
				t.Errorf("group or timer left after a conflict")
			}
			clk.Advance(time.Hour)
			if got := rec.take(); len(got) != 0 {
				t.Errorf("results after a conflict: %+v", got)
			}
		})
	}
}

func TestReassembleKeys(t *testing.T) {
	r, _, _ := newTestReassembler(ReassemblerConfig{})
	_, a := mustSegment(t, 200, SegmentOptions{Ref: 1})
	_, b := mustSegment(t, 200, SegmentOptions{Ref: 1, Wide: true})
	mustAdd(t, r, "x", a[0])
	mustAdd(t, r, "y", a[0]) // other originator
	mustAdd(t, r, "x", b[0]) // same number, 16-bit reference
	if g, _ := r.Pending(); g != 3 {
		t.Fatalf("%d groups, want 3", g)
	}
	for _, c := range []struct {
		from string
		ud   []byte
	}{{"x", a[1]}, {"y", a[1]}, {"x", b[1]}} {
		if res := mustAdd(t, r, c.from, c.ud); res.Outcome != Complete {
			t.Errorf("%s: %v", c.from, res.Outcome)
		}
	}
}

func TestReassembleTimeout(t *testing.T) {
	const timeout = 30 * time.Second
	r, clk, rec := newTestReassembler(ReassemblerConfig{Timeout: timeout})
	_, segs := mustSegment(t, 300, SegmentOptions{Ref: 9})
	mustAdd(t, r, "a", segs[0])
	clk.Advance(10 * time.Second)
	mustAdd(t, r, "a", segs[2])
	clk.Advance(timeout - 10*time.Second - time.Nanosecond)
	if got := rec.take(); len(got) != 0 {
		t.Fatalf("result before the timeout: %+v", got)
	}
	clk.Advance(time.Nanosecond)
	got := rec.take()
	if len(got) != 1 {
		t.Fatalf("got %d results at the timeout", len(got))
	}
	res := got[0]
	if res.Outcome != TimedOut || res.Ref != 9 || res.Total != 3 || len(res.Parts) != 2 ||
		res.Parts[0].Seq != 1 || res.Parts[1].Seq != 3 || !bytes.Equal(res.Parts[1].Payload, segs[2][12:]) ||
		res.Datagram.DstPort != PortPush || res.Datagram.Payload != nil {
		t.Errorf("got %+v", res)
	}
	if !clk.Now().Equal(epoch.Add(timeout)) {
		t.Errorf("timed out at %v", clk.Now())
	}
	// The late part starts a new group, which times out in its turn.
	if res := mustAdd(t, r, "a", segs[1]); res.Outcome != Pending {
		t.Fatalf("late part: %v", res.Outcome)
	}
	clk.Advance(timeout)
	got = rec.take()
	if len(got) != 1 || got[0].Outcome != TimedOut || len(got[0].Parts) != 1 || got[0].Parts[0].Seq != 2 {
		t.Errorf("late group: %+v", got)
	}
	if g, o := r.Pending(); g != 0 || o != 0 {
		t.Errorf("%d groups, %d octets left", g, o)
	}
}

func TestReassembleCompleteStopsTimer(t *testing.T) {
	r, clk, rec := newTestReassembler(ReassemblerConfig{})
	_, segs := mustSegment(t, 200, SegmentOptions{})
	mustAdd(t, r, "a", segs[0])
	if clk.Pending() != 1 {
		t.Fatalf("%d timers", clk.Pending())
	}
	mustAdd(t, r, "a", segs[1])
	if clk.Pending() != 0 {
		t.Errorf("timer left after completion")
	}
	clk.Advance(time.Hour)
	if got := rec.take(); len(got) != 0 {
		t.Errorf("got %+v", got)
	}
}

func TestReassembleEvictGroups(t *testing.T) {
	r, _, rec := newTestReassembler(ReassemblerConfig{MaxGroups: 2})
	var first [][]byte
	for ref := range 3 {
		_, segs := mustSegment(t, 200, SegmentOptions{Ref: uint16(ref)})
		if ref == 0 {
			first = segs
		}
		mustAdd(t, r, "a", segs[0])
	}
	got := rec.take()
	if len(got) != 1 || got[0].Outcome != Evicted || got[0].Ref != 0 || len(got[0].Parts) != 1 {
		t.Fatalf("got %+v", got)
	}
	if g, _ := r.Pending(); g != 2 {
		t.Errorf("%d groups", g)
	}
	// The evicted message's second part starts a new group and evicts ref 1.
	mustAdd(t, r, "a", first[1])
	if got := rec.take(); len(got) != 1 || got[0].Ref != 1 {
		t.Errorf("got %+v", got)
	}
}

func TestReassembleEvictOctets(t *testing.T) {
	r, _, rec := newTestReassembler(ReassemblerConfig{MaxOctets: 300})
	_, a := mustSegment(t, 400, SegmentOptions{Ref: 1})
	_, b := mustSegment(t, 400, SegmentOptions{Ref: 2})
	mustAdd(t, r, "a", a[0])
	mustAdd(t, r, "a", a[1]) // 256 octets held
	mustAdd(t, r, "a", b[0]) // 384 > 300: ref 1 goes
	got := rec.take()
	if len(got) != 1 || got[0].Outcome != Evicted || got[0].Ref != 1 || len(got[0].Parts) != 2 {
		t.Fatalf("got %+v", got)
	}
	if _, o := r.Pending(); o != 128 {
		t.Errorf("%d octets held", o)
	}
	mustAdd(t, r, "a", b[1])
	res := mustAdd(t, r, "a", b[2]) // alone over the bound: it goes itself
	if res.Outcome != Evicted || len(res.Parts) != 3 {
		t.Errorf("got %+v", res)
	}
	if g, o := r.Pending(); g != 0 || o != 0 {
		t.Errorf("%d groups %d octets left", g, o)
	}
}

func TestReassembleBadUDH(t *testing.T) {
	r, _, _ := newTestReassembler(ReassemblerConfig{})
	_, err := r.Add("a", []byte{9, 0})
	var de *DecodeError
	if !errors.As(err, &de) {
		t.Errorf("got %v", err)
	}
}

// TestReassembleConcurrent feeds interleaved messages from several
// goroutines; run with -race.
func TestReassembleConcurrent(t *testing.T) {
	r, _, _ := newTestReassembler(ReassemblerConfig{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	complete := 0
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				payload, segs := mustSegment(t, 100+i*10, SegmentOptions{Ref: uint16(i)})
				from := fmt.Sprint("handset-", w)
				for j := len(segs) - 1; j >= 0; j-- {
					res, err := r.Add(from, segs[j])
					if err != nil {
						t.Error(err)
						return
					}
					if res.Outcome == Complete {
						if !bytes.Equal(res.Datagram.Payload, payload) {
							t.Error("wrong payload")
						}
						mu.Lock()
						complete++
						mu.Unlock()
					}
				}
			}
		}()
	}
	wg.Wait()
	if complete != 8*50 {
		t.Errorf("%d complete, want %d", complete, 8*50)
	}
}

// TestReassembleDeterministic runs the same random schedule twice and
// expects the same results.
func TestReassembleDeterministic(t *testing.T) {
	run := func() []string {
		r, clk, rec := newTestReassembler(ReassemblerConfig{Timeout: 5 * time.Second, MaxGroups: 4, MaxOctets: 1000})
		rng := rand.New(rand.NewPCG(11, 12))
		var log []string
		for range 500 {
			_, segs := mustSegment(t, 50+rng.IntN(500), SegmentOptions{Ref: uint16(rng.IntN(8))})
			ud := segs[rng.IntN(len(segs))]
			res := mustAdd(t, r, fmt.Sprint(rng.IntN(3)), ud)
			log = append(log, fmt.Sprint(res.Outcome, res.Ref, len(res.Parts)))
			clk.Advance(time.Duration(rng.IntN(1000)) * time.Millisecond)
			for _, e := range rec.take() {
				log = append(log, fmt.Sprint("cb", e.Outcome, e.Ref, len(e.Parts)))
			}
		}
		return log
	}
	a, b := run(), run()
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Error("two runs of one schedule differ")
	}
}

func TestRefAllocator(t *testing.T) {
	clk := clock.NewVirtual(epoch)
	a := NewRefAllocator(clk, false)
	hold := epoch.Add(time.Minute)
	seen := map[uint16]bool{}
	for range 256 {
		ref, err := a.Allocate("+1", hold)
		if err != nil {
			t.Fatal(err)
		}
		if seen[ref] {
			t.Fatalf("reference %d handed out twice", ref)
		}
		seen[ref] = true
	}
	if _, err := a.Allocate("+1", hold); !errors.Is(err, ErrNoReference) {
		t.Fatalf("257th: got %v", err)
	}
	if _, err := a.Allocate("+2", hold); err != nil {
		t.Errorf("other destination: %v", err)
	}
	a.Release("+1", 17)
	if ref, err := a.Allocate("+1", hold.Add(time.Minute)); err != nil || ref != 17 {
		t.Errorf("after release: %d, %v", ref, err)
	}
	if !a.Hold("+1", 18, hold.Add(time.Hour)) || a.Hold("+9", 1, hold) {
		t.Error("Hold")
	}
	clk.AdvanceTo(hold.Add(-time.Nanosecond))
	if n := a.Held("+1"); n != 256 {
		t.Errorf("%d held before the hold ends", n)
	}
	clk.AdvanceTo(hold)
	if n := a.Held("+1"); n != 2 { // 17 and 18 are held longer
		t.Errorf("%d held after the hold ends, want 2", n)
	}
	ref, err := a.Allocate("+1", hold.Add(time.Minute))
	if err != nil || ref == 17 || ref == 18 {
		t.Errorf("reallocated %d, %v", ref, err)
	}
	clk.AdvanceTo(hold.Add(2 * time.Hour))
	if a.Held("+1") != 0 || a.Held("+2") != 0 || len(a.dests) != 0 {
		t.Errorf("state left after every hold ended: %d destinations", len(a.dests))
	}
}

func TestRefAllocatorWide(t *testing.T) {
	clk := clock.NewVirtual(epoch)
	a := NewRefAllocator(clk, true)
	for i := range 1 << 16 {
		if _, err := a.Allocate("d", epoch.Add(time.Second)); err != nil {
			t.Fatalf("allocation %d: %v", i, err)
		}
	}
	if _, err := a.Allocate("d", epoch.Add(time.Second)); !errors.Is(err, ErrNoReference) {
		t.Errorf("got %v", err)
	}
	clk.Advance(time.Second)
	if _, err := a.Allocate("d", epoch.Add(2*time.Second)); err != nil {
		t.Errorf("after expiry: %v", err)
	}
}

// FuzzReassembly feeds a byte string cut into parts (a length octet, an
// originator octet, then that many octets of user data; a zero length
// advances the clock) and checks the bounds and the results.
func FuzzReassembly(f *testing.F) {
	var seed []byte
	for _, s := range append(readSegments(f, "v11-udh-2seg-8bit", 2), readSegments(f, "v12-udh-3seg-16bit", 3)...) {
		seed = append(seed, byte(len(s)), 1)
		seed = append(seed, s...)
	}
	f.Add(seed)
	f.Add([]byte{7, 0, 5, 0, 3, 1, 2, 1, 0xAA, 0, 0, 7, 0, 5, 0, 3, 1, 2, 2, 0xBB})
	f.Fuzz(func(t *testing.T, in []byte) {
		const maxOctets = 300
		r, clk, rec := newTestReassembler(ReassemblerConfig{Timeout: time.Second, MaxGroups: 3, MaxOctets: maxOctets})
		for len(in) >= 2 {
			n, from := int(in[0]), in[1]
			in = in[2:]
			if n == 0 {
				clk.Advance(time.Duration(from) * 10 * time.Millisecond)
				continue
			}
			n = min(n, len(in))
			ud := in[:n]
			in = in[n:]
			res, err := r.Add(string(rune('a'+from%4)), ud)
			if err != nil {
				var de *DecodeError
				if !errors.As(err, &de) {
					t.Fatalf("%T %v", err, err)
				}
				continue
			}
			if res.Outcome != Complete && res.Datagram.Payload != nil {
				t.Fatalf("%v result with a payload", res.Outcome)
			}
			if res.Outcome == Conflict && res.Reason == "" {
				t.Fatal("conflict without a reason")
			}
			if g, o := r.Pending(); g > 3 || o > maxOctets {
				t.Fatalf("bounds exceeded: %d groups, %d octets", g, o)
			}
		}
		clk.Advance(time.Hour)
		rec.take()
		if g, o := r.Pending(); g != 0 || o != 0 {
			t.Fatalf("%d groups, %d octets left after every timeout", g, o)
		}
	})
}

func BenchmarkSegmentReassemble3(b *testing.B) {
	payload := make([]byte, 360)
	for i := range payload {
		payload[i] = byte(i)
	}
	d := pushDatagram(payload)
	r := NewReassembler(ReassemblerConfig{Clock: clock.NewVirtual(epoch), Timeout: time.Minute})
	b.ReportAllocs()
	for b.Loop() {
		segs, err := Segment(d, SegmentOptions{Ref: 42})
		if err != nil || len(segs) != 3 {
			b.Fatal(err)
		}
		var res Result
		for _, s := range segs {
			if res, err = r.Add("+358401234567", s); err != nil {
				b.Fatal(err)
			}
		}
		if res.Outcome != Complete || len(res.Datagram.Payload) != len(payload) {
			b.Fatal(res.Outcome)
		}
	}
}
