package radio

import (
	"bytes"
	"strconv"
	"testing"
	"time"

	"github.com/txpush/txpush/clock"
)

var epoch = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// quietConfig is a network where nothing fails and every delay is fixed:
// routing 100 ms, first segment 2.5 s, next segment 0.8 s. Tests switch on
// the one behaviour they look at.
func quietConfig() Config {
	c := DefaultConfig()
	c.TransientFailure, c.CongestedFailure = 0, 0
	c.CongestionShare = 0
	c.AbsentShare = 0
	c.MemoryFull = 0
	c.PermanentShare = 0
	c.NoAnswer = 0
	c.RoutingLookup = Latency{100 * time.Millisecond, 100 * time.Millisecond}
	c.FirstSegment = Latency{2500 * time.Millisecond, 2500 * time.Millisecond}
	c.NextSegment = Latency{800 * time.Millisecond, 800 * time.Millisecond}
	return c
}

func newNetwork(t testing.TB, cfg Config) (*Network, *clock.Virtual) {
	t.Helper()
	clk := clock.NewVirtual(epoch)
	n, err := New(clk, cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return n, clk
}

// deliver sends sms and runs the clock until its result is in.
func deliver(t testing.TB, n *Network, clk *clock.Virtual, sms SMS) Result {
	t.Helper()
	var res Result
	calls := 0
	n.Deliver(sms, func(r Result) { res = r; calls++ })
	for calls == 0 && clk.Step() {
	}
	if calls != 1 {
		t.Fatalf("done called %d times, want 1", calls)
	}
	return res
}

// recorder collects results by index, checking each arrives once.
type recorder struct {
	t       testing.TB
	results []Result
	seen    []int
}

func newRecorder(t testing.TB, size int) *recorder {
	return &recorder{t: t, results: make([]Result, size), seen: make([]int, size)}
}

func (r *recorder) done(i int) func(Result) {
	return func(res Result) {
		r.seen[i]++
		r.results[i] = res
	}
}

func (r *recorder) check() {
	r.t.Helper()
	for i, c := range r.seen {
		if c != 1 {
			r.t.Fatalf("attempt %d: done called %d times, want 1", i, c)
		}
	}
}

func msisdn(i int) string { return strconv.Itoa(447700000000 + i) }

func sms(dest string, mms bool) SMS {
	return SMS{Originator: "PPG", Destination: dest, UserData: []byte{1, 2, 3}, DataCoding: 0x04, MoreMessagesToSend: mms}
}

func errName(r Result) string {
	if r.Err == nil {
		return "delivered"
	}
	return r.Err.Name()
}

func TestDeliverIdealProfile(t *testing.T) {
	cfg, err := Profile("ideal")
	if err != nil {
		t.Fatal(err)
	}
	n, clk := newNetwork(t, cfg)
	for i := range 1000 {
		r := deliver(t, n, clk, sms(msisdn(i), i%2 == 0))
		if r.Err != nil {
			t.Fatalf("attempt %d: %v", i, r.Err)
		}
		if d := r.End.Sub(r.Start); d != 10*time.Millisecond {
			t.Fatalf("attempt %d took %v, want 10ms", i, d)
		}
	}
	if s := n.Stats(); s.Attempts != 1000 || s.Delivered != 1000 || s.Failed != 0 || s.InFlight != 0 {
		t.Errorf("Stats = %+v", s)
	}
}

func TestDoneRunsOnTheClockAtEnd(t *testing.T) {
	n, clk := newNetwork(t, quietConfig())
	var at time.Time
	var res Result
	n.Deliver(sms("447700900001", false), func(r Result) { res, at = r, clk.Now() })
	if !at.IsZero() {
		t.Fatal("done called inside Deliver")
	}
	clk.Advance(2599 * time.Millisecond)
	if !at.IsZero() {
		t.Fatal("done called before the latency elapsed")
	}
	clk.Advance(time.Millisecond)
	if at.IsZero() {
		t.Fatal("done not called when due")
	}
	if !res.Start.Equal(epoch) || !res.End.Equal(at) || res.End.Sub(res.Start) != 2600*time.Millisecond {
		t.Errorf("Result %v–%v, done at %v; want %v–%v", res.Start, res.End, at, epoch, epoch.Add(2600*time.Millisecond))
	}
}

// Routing lookup only on the first message of a dialogue; the next-segment
// latency while TP-MMS keeps it open; a new dialogue after the last
// message, after an idle gap, or after a failure.
func TestDialogue(t *testing.T) {
	n, clk := newNetwork(t, quietConfig())
	const dest = "447700900002"
	first := 2600 * time.Millisecond // routing + first segment
	next := 800 * time.Millisecond
	steps := []struct {
		mms  bool
		gap  time.Duration // idle time before the attempt
		want time.Duration
	}{
		{true, 0, first},
		{true, 0, next},
		{false, time.Second, next},
		{true, 0, first}, // the previous message closed the dialogue
		{true, 5 * time.Second, next},
		{false, 5*time.Second + time.Millisecond, first}, // idle too long
		{false, 0, first},
	}
	for i, s := range steps {
		clk.Advance(s.gap)
		r := deliver(t, n, clk, sms(dest, s.mms))
		if r.Err != nil {
			t.Fatalf("step %d: %v", i, r.Err)
		}
		if d := r.End.Sub(r.Start); d != s.want {
			t.Errorf("step %d: took %v, want %v", i, d, s.want)
		}
	}
	if got := n.Stats().Continued; got != 3 {
		t.Errorf("Stats().Continued = %d, want 3", got)
	}

	// A failure ends the dialogue: the next message needs a routing lookup.
	cfg := quietConfig()
	cfg.TransientFailure = 1
	n, clk = newNetwork(t, cfg)
	deliver(t, n, clk, sms(dest, true))
	r := deliver(t, n, clk, sms(dest, true))
	if r.Err == nil || r.End.Sub(r.Start) != first {
		t.Errorf("after a failure: %v in %v, want a failure in %v", r.Err, r.End.Sub(r.Start), first)
	}
	// Dialogues belong to a destination.
	n, clk = newNetwork(t, quietConfig())
	deliver(t, n, clk, sms(dest, true))
	if r := deliver(t, n, clk, sms("447700900003", true)); r.End.Sub(r.Start) != first {
		t.Errorf("another destination took %v, want %v", r.End.Sub(r.Start), first)
	}
}

// A never-answered attempt fails with Timeout exactly at the MAP timeout;
// so does one whose latency would run past it.
func TestTimeout(t *testing.T) {
	for _, tt := range []struct {
		name   string
		modify func(*Config)
	}{
		{"no answer", func(c *Config) { c.NoAnswer = 1 }},
		{"too slow", func(c *Config) { c.FirstSegment = Latency{61 * time.Second, 61 * time.Second} }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := quietConfig()
			tt.modify(&cfg)
			n, clk := newNetwork(t, cfg)
			clk.Advance(time.Hour)
			start := clk.Now()
			var at time.Time
			var res Result
			n.Deliver(sms("447700900004", false), func(r Result) { res, at = r, clk.Now() })
			clk.Advance(60*time.Second - 1)
			if !at.IsZero() {
				t.Fatal("completed before the MAP timeout")
			}
			clk.Advance(1)
			if res.Err == nil || res.Err.Code != Timeout || !res.Err.Temporary() {
				t.Fatalf("Err = %v, want a temporary Timeout", res.Err)
			}
			if !at.Equal(start.Add(60*time.Second)) || !res.End.Equal(at) || !res.Start.Equal(start) {
				t.Errorf("done at %v, Result %v–%v; want %v", at, res.Start, res.End, start.Add(60*time.Second))
			}
		})
	}
}

func TestSubscriberBusy(t *testing.T) {
	for _, allow := range []bool{false, true} {
		cfg := quietConfig()
		cfg.AllowConcurrent = allow
		n, clk := newNetwork(t, cfg)
		rec := newRecorder(t, 3)
		n.Deliver(sms("447700900005", false), rec.done(0))
		n.Deliver(sms("447700900005", false), rec.done(1))
		n.Deliver(sms("447700900006", false), rec.done(2)) // another subscriber
		for clk.Step() {
		}
		rec.check()
		want := "subscriberBusyForMT-SMS"
		if allow {
			want = "delivered"
		}
		if got := errName(rec.results[1]); got != want {
			t.Errorf("AllowConcurrent=%v: second attempt %s, want %s", allow, got, want)
		}
		if errName(rec.results[0]) != "delivered" || errName(rec.results[2]) != "delivered" {
			t.Errorf("AllowConcurrent=%v: %s, %s; want both delivered", allow, errName(rec.results[0]), errName(rec.results[2]))
		}
	}
}

func TestReceivers(t *testing.T) {
	cfg := quietConfig()
	cfg.RequireReceiver = true
	n, clk := newNetwork(t, cfg)

	var events []string
	n.Attach("447700900007", func(s SMS, at time.Time) {
		events = append(events, "receive "+s.Destination+" "+at.Sub(epoch).String())
	})
	msg := sms("447700900007", false)
	n.Deliver(msg, func(r Result) { events = append(events, "done "+errName(r)) })
	for clk.Step() {
	}
	want := []string{"receive 447700900007 2.6s", "done delivered"}
	if len(events) != 2 || events[0] != want[0] || events[1] != want[1] {
		t.Errorf("events %q, want %q", events, want)
	}

	// No handset: unknown subscriber, found by the routing lookup.
	r := deliver(t, n, clk, sms("447700900008", false))
	if r.Err == nil || r.Err.Code != UnknownSubscriber || r.Err.Temporary() || r.End.Sub(r.Start) != 100*time.Millisecond {
		t.Errorf("unattached: %v after %v, want permanent unknownSubscriber after 100ms", r.Err, r.End.Sub(r.Start))
	}

	// The catch-all makes every MSISDN exist; an own handset still wins.
	var caught []string
	n.AttachAll(func(s SMS, _ time.Time) { caught = append(caught, s.Destination) })
	for _, d := range []string{"447700900008", "447700900007"} {
		if r := deliver(t, n, clk, sms(d, false)); r.Err != nil {
			t.Errorf("%s with a catch-all: %v", d, r.Err)
		}
	}
	if len(caught) != 1 || caught[0] != "447700900008" {
		t.Errorf("catch-all received %q, want only 447700900008", caught)
	}

	// Detaching makes the subscriber unknown again.
	n.AttachAll(nil)
	n.Attach("447700900007", nil)
	if r := deliver(t, n, clk, sms("447700900007", false)); r.Err == nil || r.Err.Code != UnknownSubscriber {
		t.Errorf("after Detach: %v, want unknownSubscriber", r.Err)
	}

	// Without RequireReceiver every MSISDN exists.
	n, clk = newNetwork(t, quietConfig())
	if r := deliver(t, n, clk, sms("447700900009", false)); r.Err != nil {
		t.Errorf("without RequireReceiver: %v", r.Err)
	}
}

func TestReceiverGetsTheSMS(t *testing.T) {
	n, clk := newNetwork(t, quietConfig())
	want := SMS{Originator: "PPG", Destination: "447700900010", UserData: []byte{0x06, 0x05, 0x04, 0x0b, 0x84, 0x23, 0xf0, 0xaa}, UDHI: true, DataCoding: 0xf5, ProtocolID: 0x00, MoreMessagesToSend: true}
	var got SMS
	n.Attach(want.Destination, func(s SMS, _ time.Time) { got = s })
	deliver(t, n, clk, want)
	if got.Originator != want.Originator || got.Destination != want.Destination || !bytes.Equal(got.UserData, want.UserData) ||
		got.UDHI != want.UDHI || got.DataCoding != want.DataCoding || got.ProtocolID != want.ProtocolID || got.MoreMessagesToSend != want.MoreMessagesToSend {
		t.Errorf("received %+v, want %+v", got, want)
	}
}

// What no MSC would carry is refused at once, without touching the
// subscriber's state.
func TestRefusedSMS(t *testing.T) {
	n, clk := newNetwork(t, quietConfig())
	long := bytes.Repeat([]byte{0x41}, 141)
	tests := []struct {
		name string
		sms  SMS
		want ErrorCode
	}{
		{"no destination", SMS{UserData: []byte{1}}, DataMissing},
		{"plus sign", SMS{Destination: "+447700900011"}, UnexpectedDataValue},
		{"letters", SMS{Destination: "44770090001a"}, UnexpectedDataValue},
		{"16 digits", SMS{Destination: "4477009000111111"}, UnexpectedDataValue},
		{"141 octets, 8-bit", SMS{Destination: "447700900011", UserData: long, DataCoding: 0x04}, UnexpectedDataValue},
		{"161 septets, 7-bit", SMS{Destination: "447700900011", UserData: bytes.Repeat([]byte{0x41}, 161), DataCoding: 0x00}, UnexpectedDataValue},
	}
	for _, tt := range tests {
		r := deliver(t, n, clk, tt.sms)
		if r.Err == nil || r.Err.Code != tt.want || r.Err.Temporary() {
			t.Errorf("%s: %v, want permanent %s", tt.name, r.Err, tt.want)
		}
	}
	if h := n.Stats().Handsets; h != 0 {
		t.Errorf("refused SMS made state for %d handsets", h)
	}
	for _, ok := range []SMS{
		{Destination: "447700900011", UserData: bytes.Repeat([]byte{0x41}, 160), DataCoding: 0xF0},
		{Destination: "447700900011", UserData: long[:140], DataCoding: 0x08},
	} {
		if r := deliver(t, n, clk, ok); r.Err != nil {
			t.Errorf("DCS %#x, %d octets: %v", ok.DataCoding, len(ok.UserData), r.Err)
		}
	}
}

func TestGSM7bit(t *testing.T) {
	for dcs, want := range map[byte]bool{
		0x00: true, 0x04: false, 0x08: false, 0x10: true, 0x14: false, 0x20: true,
		0x40: true, 0x44: false, 0x80: false, 0xC0: true, 0xD1: true, 0xE0: false,
		0xF0: true, 0xF1: true, 0xF4: false, 0xF5: false,
	} {
		if got := gsm7bit(dcs); got != want {
			t.Errorf("gsm7bit(%#02x) = %v, want %v", dcs, got, want)
		}
	}
}

// Every permanent subscriber fails every attempt the same way; the others
// are untouched.
func TestPermanentFailures(t *testing.T) {
	cfg := quietConfig()
	cfg.PermanentShare = 0.05
	n, clk := newNetwork(t, cfg)
	const handsets = 20000
	permanent := 0
	kinds := map[Error]int{}
	for i := range handsets {
		r := deliver(t, n, clk, sms(msisdn(i), false))
		if r.Err == nil {
			continue
		}
		if r.Err.Temporary() {
			t.Fatalf("%s: temporary %v", msisdn(i), r.Err)
		}
		permanent++
		kinds[*r.Err]++
		if r.End.Sub(r.Start) != 100*time.Millisecond {
			t.Errorf("%s: permanent error after %v, want the routing lookup's 100ms", msisdn(i), r.End.Sub(r.Start))
		}
		for range 3 {
			again := deliver(t, n, clk, sms(msisdn(i), false))
			if again.Err == nil || *again.Err != *r.Err {
				t.Fatalf("%s: %v then %v, want the same permanent error", msisdn(i), r.Err, again.Err)
			}
		}
	}
	checkShare(t, "permanent share", permanent, handsets, 0.05)
	checkShare(t, "unknownSubscriber among permanent", kinds[Error{Code: UnknownSubscriber}], permanent, 0.5)
	checkShare(t, "callBarred among permanent", kinds[Error{Code: CallBarred}], permanent, 0.3)
}

func TestStatsCounts(t *testing.T) {
	cfg := quietConfig()
	cfg.TransientFailure = 0.3
	n, clk := newNetwork(t, cfg)
	delivered, failed := 0, map[Error]uint64{}
	for i := range 500 {
		r := deliver(t, n, clk, sms(msisdn(i%7), i%3 == 0))
		if r.Err == nil {
			delivered++
		} else {
			failed[*r.Err]++
		}
	}
	n.Deliver(sms(msisdn(1), false), nil) // nil done is allowed
	s := n.Stats()
	if s.Attempts != 501 || s.Delivered != uint64(delivered) || s.InFlight != 1 || s.Handsets != 7 {
		t.Errorf("Stats = %+v, want 501 attempts, %d delivered, 1 in flight, 7 handsets", s, delivered)
	}
	for e, c := range failed {
		if s.Failures[e] != c {
			t.Errorf("Failures[%s] = %d, want %d", e.Name(), s.Failures[e], c)
		}
	}
	for clk.Step() {
	}
	if s := n.Stats(); s.InFlight != 0 || s.Delivered+s.Failed != 501 {
		t.Errorf("after the clock ran: %+v", s)
	}
}
