package smsc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/txpush/txpush/clock"
	"github.com/txpush/txpush/radio"
	"github.com/txpush/txpush/store"
)

var safEpoch = time.Date(2026, 3, 5, 12, 0, 0, 0, time.UTC)

// safCall is one SMS the fake air was handed.
type safCall struct {
	at  time.Duration // since safEpoch
	sms radio.SMS
	err *radio.Error // the fate it was given
}

// safAir is a scripted air interface: fate decides each SMS's outcome from
// the SMS, the time since safEpoch and how many SMS that destination had
// before; every answer comes latency later, from the clock.
type safAir struct {
	clk     *clock.Virtual
	latency time.Duration
	fate    func(sms radio.SMS, at time.Duration, earlier int) *radio.Error

	// sent, if not nil, receives each SMS once its answer is scheduled.
	sent chan radio.SMS

	mu    sync.Mutex
	calls []safCall
}

func (a *safAir) Deliver(sms radio.SMS, done func(radio.Result)) {
	start := a.clk.Now()
	a.mu.Lock()
	earlier := 0
	for _, c := range a.calls {
		if c.sms.Destination == sms.Destination {
			earlier++
		}
	}
	var err *radio.Error
	if a.fate != nil {
		err = a.fate(sms, start.Sub(safEpoch), earlier)
	}
	a.calls = append(a.calls, safCall{at: start.Sub(safEpoch), sms: sms, err: err})
	a.mu.Unlock()
	a.clk.AfterFunc(a.latency, func() {
		done(radio.Result{Err: err, Start: start, End: a.clk.Now()})
	})
	if a.sent != nil {
		a.sent <- sms
	}
}

// callsTo returns the SMS sent to dest, in order.
func (a *safAir) callsTo(dest string) []safCall {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []safCall
	for _, c := range a.calls {
		if c.sms.Destination == dest {
			out = append(out, c)
		}
	}
	return out
}

func (a *safAir) timesTo(dest string) []time.Duration {
	var out []time.Duration
	for _, c := range a.callsTo(dest) {
		out = append(out, c.at)
	}
	return out
}

func (a *safAir) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.calls)
}

var (
	errAbsent  = &radio.Error{Code: radio.AbsentSubscriberSM}
	errBusy    = &radio.Error{Code: radio.SubscriberBusyForMTSMS}
	errSystem  = &radio.Error{Code: radio.SystemFailure}
	errUnknown = &radio.Error{Code: radio.UnknownSubscriber}
)

// failFirst fails the first n SMS to every destination with err.
func failFirst(n int, err *radio.Error) func(radio.SMS, time.Duration, int) *radio.Error {
	return func(_ radio.SMS, _ time.Duration, earlier int) *radio.Error {
		if earlier < n {
			return err
		}
		return nil
	}
}

// absentUntil makes every handset absent before back.
func absentUntil(back time.Duration) func(radio.SMS, time.Duration, int) *radio.Error {
	return func(_ radio.SMS, at time.Duration, _ int) *radio.Error {
		if at < back {
			return errAbsent
		}
		return nil
	}
}

// safAlerter is an Alerter the test drives by hand.
type safAlerter struct {
	mu sync.Mutex
	fs []func(string)
}

func (a *safAlerter) OnAlert(f func(string)) {
	a.mu.Lock()
	a.fs = append(a.fs, f)
	a.mu.Unlock()
}

func (a *safAlerter) alert(msisdn string) {
	a.mu.Lock()
	fs := slices.Clone(a.fs)
	a.mu.Unlock()
	for _, f := range fs {
		f(msisdn)
	}
}

// safFinals records OnFinal calls and fails the test on a second call for
// one message.
type safFinals struct {
	t  testing.TB
	mu sync.Mutex
	m  map[string]store.Message
	ch chan string // receives each id, if not nil
}

func newSAFFinals(t testing.TB) *safFinals {
	return &safFinals{t: t, m: make(map[string]store.Message)}
}

func (f *safFinals) onFinal(m *store.Message) {
	f.mu.Lock()
	if _, twice := f.m[m.ID]; twice {
		f.t.Errorf("OnFinal called twice for %s (%v, then %v)", m.ID, f.m[m.ID].State, m.State)
	}
	f.m[m.ID] = *m
	ch := f.ch
	f.mu.Unlock()
	if ch != nil {
		ch <- m.ID
	}
}

func (f *safFinals) get(id string) (store.Message, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m, ok := f.m[id]
	return m, ok
}

func (f *safFinals) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.m)
}

// safHarness is an engine on a virtual clock with a scripted air, a
// hand-driven alerter and a Memory store.
type safHarness struct {
	t       *testing.T
	clk     *clock.Virtual
	air     *safAir
	alerter *safAlerter
	st      store.MessageStore
	finals  *safFinals
	e       *SAFEngine
}

type safOptions struct {
	cfg      SAFConfig
	latency  time.Duration
	fate     func(radio.SMS, time.Duration, int) *radio.Error
	st       store.MessageStore
	gate     func(clk clock.Clock) *Gate
	segments func(m *store.Message) ([]radio.SMS, error)
	traffic  func(account string) Traffic
}

func newSAFHarness(t *testing.T, o safOptions) *safHarness {
	t.Helper()
	clk := clock.NewVirtual(safEpoch)
	h := &safHarness{
		t:       t,
		clk:     clk,
		air:     &safAir{clk: clk, latency: o.latency, fate: o.fate},
		alerter: &safAlerter{},
		st:      o.st,
		finals:  newSAFFinals(t),
	}
	if h.st == nil {
		h.st = store.NewMemory()
	}
	var gate *Gate
	if o.gate != nil {
		gate = o.gate(clk)
	}
	h.e = NewSAFEngine(clk, h.air, h.alerter, gate, h.st, o.cfg, SAFEvents{
		OnFinal:  h.finals.onFinal,
		Segments: o.segments,
		Traffic:  o.traffic,
	})
	return h
}

// message returns a new message to dest with an id from the store.
func (h *safHarness) message(dest string) *store.Message {
	h.t.Helper()
	id, err := h.st.NextID(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	return &store.Message{
		ID:                 id,
		Account:            "esme",
		Source:             store.Address{TON: 5, Addr: "PPG"},
		Dest:               store.Address{TON: 1, NPI: 1, Addr: dest},
		DataCoding:         0x04,
		RegisteredDelivery: 1,
		UserData:           []byte("payload " + id),
	}
}

// submit submits m and checks that the (synchronous) store accepted it.
func (h *safHarness) submit(m *store.Message) string {
	h.t.Helper()
	var got error
	called := 0
	h.e.Submit(m, func(err error) { got = err; called++ })
	if called != 1 || got != nil {
		h.t.Fatalf("Submit(%s): done called %d times, last with %v", m.ID, called, got)
	}
	return m.ID
}

func (h *safHarness) send(dest string) string { return h.submit(h.message(dest)) }

func (h *safHarness) at(d time.Duration) { h.clk.AdvanceTo(safEpoch.Add(d)) }

func (h *safHarness) stored(id string) *store.Message {
	h.t.Helper()
	m, err := h.st.Get(context.Background(), id)
	if err != nil {
		h.t.Fatal(err)
	}
	return m
}

// final checks that id ended in state at done, and that the store agrees.
func (h *safHarness) final(id string, state store.State, done time.Duration) store.Message {
	h.t.Helper()
	m, ok := h.finals.get(id)
	if !ok {
		h.t.Fatalf("%s: no OnFinal; engine has %+v", id, h.query(id))
	}
	if m.State != state || !m.DoneAt.Equal(safEpoch.Add(done)) {
		h.t.Errorf("%s: OnFinal with %v at %v, want %v at %v", id, m.State, m.DoneAt.Sub(safEpoch), state, done)
	}
	s := h.stored(id)
	if s.State != m.State || !s.DoneAt.Equal(m.DoneAt) || s.Attempts != m.Attempts || s.LastError != m.LastError {
		h.t.Errorf("%s: stored %v at %v, %d attempts, error %#x; OnFinal had %v at %v, %d attempts, error %#x",
			id, s.State, s.DoneAt, s.Attempts, s.LastError, m.State, m.DoneAt, m.Attempts, m.LastError)
	}
	return m
}

func (h *safHarness) query(id string) *store.Message {
	h.t.Helper()
	m, err := h.e.Query(context.Background(), id)
	if err != nil {
		h.t.Fatalf("Query(%s): %v", id, err)
	}
	return m
}

func seconds(ss ...int) []time.Duration {
	out := make([]time.Duration, len(ss))
	for i, s := range ss {
		out[i] = time.Duration(s) * time.Second
	}
	return out
}

func checkTimes(t *testing.T, what string, got, want []time.Duration) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s at %v, want %v", what, got, want)
	}
}

// TestSAFRetrySchedules follows a handset that fails N times, then takes
// the message, through both schedules, to the second. Every answer takes
// 1 s, and a retry is counted from the failure.
func TestSAFRetrySchedules(t *testing.T) {
	tests := []struct {
		name     string
		schedule RetrySchedule // nil: the default
		err      *radio.Error
		failures int
		attempts []time.Duration
	}{
		// +300 s, +600 s, +1200 s, +2400 s after each failure.
		{"exponential", nil, errAbsent, 4, seconds(0, 301, 902, 2103, 4504)},
		// The cap: +300 s ×2⁹ would pass 24 h.
		{"exponential capped", ExponentialSchedule(300*time.Second, 24*time.Hour), errSystem, 11,
			seconds(0, 301, 902, 2103, 4504, 9305, 18906, 38107, 76508, 153309, 239710, 326111)},
		// Every minute five times, then every ten minutes.
		{"operator", OperatorSchedule(), errSystem, 7, seconds(0, 61, 122, 183, 244, 305, 906, 1507)},
		// An absent subscriber: hourly from the first failure.
		{"operator absent", OperatorSchedule(), errAbsent, 3, seconds(0, 3601, 7202, 10803)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newSAFHarness(t, safOptions{
				cfg:     SAFConfig{Schedule: tt.schedule, Validity: 7 * 24 * time.Hour},
				latency: time.Second,
				fate:    failFirst(tt.failures, tt.err),
			})
			id := h.send("358401000001")
			// Watch the store after the first failure: the retry is
			// recorded before it is due.
			h.at(time.Second)
			s := h.stored(id)
			if s.State != store.Enroute || s.Attempts != 1 || !s.NextAttempt.Equal(safEpoch.Add(tt.attempts[1])) ||
				s.LastError != uint32(errorCode(tt.err)) {
				t.Errorf("stored after the first failure: %v, %d attempts, next %v, error %#x",
					s.State, s.Attempts, s.NextAttempt.Sub(safEpoch), s.LastError)
			}
			h.at(8 * 24 * time.Hour)
			checkTimes(t, "attempts", h.air.timesTo("358401000001"), tt.attempts)
			m := h.final(id, store.Delivered, tt.attempts[len(tt.attempts)-1]+time.Second)
			if m.Attempts != tt.failures+1 || m.LastError != 0 {
				t.Errorf("delivered after %d attempts with error %#x, want %d and 0", m.Attempts, m.LastError, tt.failures+1)
			}
		})
	}
}

// TestSAFBusyRetry: subscriber busy is retried after BusyRetry and does
// not move the schedule on.
func TestSAFBusyRetry(t *testing.T) {
	for _, tt := range []struct {
		busyRetry time.Duration
		attempts  []time.Duration
	}{
		{0, seconds(0, 121, 242, 543)}, // default 120 s; then absent: the schedule's first step
		{60 * time.Second, seconds(0, 61, 122, 423)},
	} {
		t.Run(tt.busyRetry.String(), func(t *testing.T) {
			fates := []*radio.Error{errBusy, errBusy, errAbsent, nil}
			h := newSAFHarness(t, safOptions{
				cfg:     SAFConfig{BusyRetry: tt.busyRetry},
				latency: time.Second,
				fate:    func(_ radio.SMS, _ time.Duration, n int) *radio.Error { return fates[n] },
			})
			id := h.send("358401000002")
			h.at(time.Hour)
			checkTimes(t, "attempts", h.air.timesTo("358401000002"), tt.attempts)
			h.final(id, store.Delivered, tt.attempts[3]+time.Second)
		})
	}
}

// TestSAFValidityExpiry: a handset that never answers; the message expires
// exactly when its validity ends, not at the next scheduled attempt.
func TestSAFValidityExpiry(t *testing.T) {
	h := newSAFHarness(t, safOptions{
		cfg:     SAFConfig{Validity: time.Hour},
		latency: time.Second,
		fate:    absentUntil(1000 * time.Hour),
	})
	id := h.send("358401000003")
	h.at(10 * time.Hour)
	checkTimes(t, "attempts", h.air.timesTo("358401000003"), seconds(0, 301, 902, 2103))
	m := h.final(id, store.Expired, time.Hour)
	if m.LastError != uint32(errorCode(errAbsent)) || m.Attempts != 4 {
		t.Errorf("expired with error %#x after %d attempts, want %#x after 4", m.LastError, m.Attempts, errorCode(errAbsent))
	}

	// A validity given by the submit wins over the default, and a failure
	// at or after the end expires the message at once.
	m2 := h.message("358401000004")
	m2.ExpiresAt = h.clk.Now().Add(2 * time.Second)
	id2 := h.submit(m2)
	h.at(10*time.Hour + time.Minute)
	checkTimes(t, "attempts", h.air.timesTo("358401000004"), seconds(36000))
	h.final(id2, store.Expired, 10*time.Hour+2*time.Second)
}

// TestSAFExpiryDuringAttempt: a validity that ends while an attempt is in
// the air lets the attempt decide: delivered is delivered; a temporary
// failure then expires the message at once.
func TestSAFExpiryDuringAttempt(t *testing.T) {
	for _, tt := range []struct {
		fail  bool
		state store.State
	}{{false, store.Delivered}, {true, store.Expired}} {
		t.Run(tt.state.String(), func(t *testing.T) {
			h := newSAFHarness(t, safOptions{latency: 10 * time.Second, fate: func(radio.SMS, time.Duration, int) *radio.Error {
				if tt.fail {
					return errSystem
				}
				return nil
			}})
			m := h.message("358401000008")
			m.ExpiresAt = safEpoch.Add(5 * time.Second)
			id := h.submit(m)
			h.at(time.Hour)
			checkTimes(t, "attempts", h.air.timesTo("358401000008"), seconds(0))
			h.final(id, tt.state, 10*time.Second)
			if s := h.e.Stats(); s.Waiting != 0 || s.Delivered+s.Expired != 1 {
				t.Errorf("stats %+v", s)
			}
		})
	}
}

func TestSAFPermanentFailure(t *testing.T) {
	h := newSAFHarness(t, safOptions{latency: time.Second, fate: failFirst(1000, errUnknown)})
	id := h.send("358401000005")
	h.at(24 * time.Hour)
	checkTimes(t, "attempts", h.air.timesTo("358401000005"), seconds(0))
	m := h.final(id, store.Undeliverable, time.Second)
	if m.LastError != uint32(errorCode(errUnknown)) {
		t.Errorf("LastError %#x, want %#x", m.LastError, errorCode(errUnknown))
	}
}

func TestSAFFirstAttemptDelayAndNotBefore(t *testing.T) {
	h := newSAFHarness(t, safOptions{cfg: SAFConfig{FirstAttemptDelay: 20 * time.Second}, latency: time.Second})
	a := h.send("358401000006")
	m := h.message("358401000007")
	m.NotBefore = safEpoch.Add(time.Hour)
	b := h.submit(m)
	if s := h.stored(b); !s.NextAttempt.Equal(m.NotBefore) {
		t.Errorf("stored NextAttempt %v, want NotBefore", s.NextAttempt.Sub(safEpoch))
	}
	h.at(2 * time.Hour)
	checkTimes(t, "attempts to the first", h.air.timesTo("358401000006"), seconds(20))
	checkTimes(t, "attempts to the second", h.air.timesTo("358401000007"), seconds(3600))
	h.final(a, store.Delivered, 21*time.Second)
	h.final(b, store.Delivered, time.Hour+time.Second)
}

// TestSAFQueuePerDestination: two messages to one absent MSISDN share a
// retry clock; only the head is attempted; the second goes right after the
// first is delivered.
func TestSAFQueuePerDestination(t *testing.T) {
	h := newSAFHarness(t, safOptions{latency: time.Second, fate: absentUntil(800 * time.Second)})
	const dest = "358401000010"
	a := h.send(dest)
	h.at(10 * time.Second)
	b := h.send(dest)
	h.at(time.Hour)

	calls := h.air.callsTo(dest)
	var got []string
	for _, c := range calls {
		got = append(got, fmt.Sprintf("%s@%v", c.sms.UserData, c.at))
	}
	want := []string{
		"payload " + a + "@0s",
		"payload " + a + "@5m1s",  // one retry clock: b waits behind a
		"payload " + a + "@15m2s", // handset back at 800 s
		"payload " + b + "@15m3s", // at once after a's delivery
	}
	if !slices.Equal(got, want) {
		t.Errorf("SMS to %s:\n got %q\nwant %q", dest, got, want)
	}
	h.final(a, store.Delivered, 903*time.Second)
	h.final(b, store.Delivered, 904*time.Second)
	// b was never attempted before its turn.
	if m, _ := h.finals.get(b); m.Attempts != 1 {
		t.Errorf("second message: %d attempts, want 1", m.Attempts)
	}
	if s := h.e.Stats(); s.Queues != 0 || s.Waiting != 0 || s.Delivered != 2 || s.Attempts != 4 {
		t.Errorf("stats %+v", s)
	}
}

// TestSAFIndependentMessages: each message keeps its own retry clock.
func TestSAFIndependentMessages(t *testing.T) {
	h := newSAFHarness(t, safOptions{
		cfg:     SAFConfig{IndependentMessages: true},
		latency: time.Second,
		fate:    absentUntil(800 * time.Second),
	})
	const dest = "358401000011"
	a := h.send(dest)
	h.at(10 * time.Second)
	b := h.send(dest)
	h.at(time.Hour)
	checkTimes(t, "attempts", h.air.timesTo(dest), seconds(0, 10, 301, 311, 902, 912))
	h.final(a, store.Delivered, 903*time.Second)
	h.final(b, store.Delivered, 913*time.Second)
}

// TestSAFQueueWithRealNetwork: on radio.Network, which answers an attempt
// that overlaps another to the same subscriber with subscriberBusy, two
// messages to one MSISDN collide when independent and do not when queued.
func TestSAFQueueWithRealNetwork(t *testing.T) {
	for _, tt := range []struct {
		independent bool
		busy        uint64
	}{{false, 0}, {true, 1}} {
		t.Run(fmt.Sprint("independent=", tt.independent), func(t *testing.T) {
			clk := clock.NewVirtual(safEpoch)
			cfg, err := radio.Profile("ideal")
			if err != nil {
				t.Fatal(err)
			}
			cfg.AllowConcurrent = false // as a real MSC
			net, err := radio.New(clk, cfg)
			if err != nil {
				t.Fatal(err)
			}
			st := store.NewMemory()
			finals := newSAFFinals(t)
			e := NewSAFEngine(clk, net, net, nil, st, SAFConfig{IndependentMessages: tt.independent},
				SAFEvents{OnFinal: finals.onFinal})
			for range 2 {
				id, _ := st.NextID(context.Background())
				e.Submit(&store.Message{ID: id, Dest: store.Address{Addr: "358401000012"}, UserData: []byte("hi")}, nil)
			}
			clk.Advance(time.Hour)
			ns := net.Stats()
			if got := ns.Failures[radio.Error{Code: radio.SubscriberBusyForMTSMS}]; got != tt.busy {
				t.Errorf("%d busy failures, want %d", got, tt.busy)
			}
			if ns.Delivered != 2 || finals.count() != 2 {
				t.Errorf("network delivered %d, %d final; want 2 and 2", ns.Delivered, finals.count())
			}
		})
	}
}

// TestSAFAlertSC: an absent handset comes back and the network says so: the
// queue is retried at once, not at its next scheduled time. Off when
// disabled.
func TestSAFAlertSC(t *testing.T) {
	for _, tt := range []struct {
		noAlertSC bool
		attempts  []time.Duration
	}{
		{false, seconds(0, 0, 103, 104, 301)},
		{true, seconds(0, 0, 301, 301, 302)},
	} {
		t.Run(fmt.Sprint("NoAlertSC=", tt.noAlertSC), func(t *testing.T) {
			h := newSAFHarness(t, safOptions{
				cfg:     SAFConfig{NoAlertSC: tt.noAlertSC, IndependentMessages: false},
				latency: time.Second,
				fate:    absentUntil(100 * time.Second),
			})
			// Two destinations, so the alert for one is seen not to touch
			// the other.
			a := h.send("358401000020")
			b := h.send("358401000021")
			c := h.send("358401000020") // queued behind a
			h.at(103 * time.Second)
			h.alerter.alert("358401000020")
			h.alerter.alert("358409999999") // nobody waits for it
			h.at(time.Hour)
			var got []time.Duration
			for _, c := range h.air.calls {
				got = append(got, c.at)
			}
			checkTimes(t, "attempts", got, tt.attempts)
			h.final(a, store.Delivered, tt.attempts[2]+time.Second)
			h.final(c, store.Delivered, tt.attempts[2]+2*time.Second)
			h.final(b, store.Delivered, 302*time.Second) // on its schedule
			if n := h.e.Stats().Alerts; (n == 2) == tt.noAlertSC {
				t.Errorf("%d alerts counted", n)
			}
		})
	}
}

// TestSAFAlertSCIndependent: with independent messages, every waiting
// message for the MSISDN goes at once.
func TestSAFAlertSCIndependent(t *testing.T) {
	h := newSAFHarness(t, safOptions{
		cfg:     SAFConfig{IndependentMessages: true},
		latency: time.Second,
		fate:    absentUntil(100 * time.Second),
	})
	h.send("358401000022")
	h.at(5 * time.Second)
	h.send("358401000022")
	h.at(200 * time.Second)
	h.alerter.alert("358401000022")
	h.at(time.Hour)
	checkTimes(t, "attempts", h.air.timesTo("358401000022"), seconds(0, 5, 200, 200))
}

// TestSAFAlertRealNetwork: radio.Network's Alert-SC, wired through
// NewSAFEngine, brings the retry forward.
func TestSAFAlertRealNetwork(t *testing.T) {
	clk := clock.NewVirtual(safEpoch)
	cfg, err := radio.Profile("ideal")
	if err != nil {
		t.Fatal(err)
	}
	cfg.AbsentShare, cfg.AbsenceMean = 0.5, 10*time.Minute
	cfg.AlertSC, cfg.AlertDelayMin, cfg.AlertDelayMax = true, time.Second, time.Second
	net, err := radio.New(clk, cfg)
	if err != nil {
		t.Fatal(err)
	}
	st := store.NewMemory()
	finals := newSAFFinals(t)
	// A retry a day away: only the alert delivers within the hour.
	e := NewSAFEngine(clk, net, net, nil, st, SAFConfig{Schedule: ExponentialSchedule(24*time.Hour, 24*time.Hour)},
		SAFEvents{OnFinal: finals.onFinal})
	const n = 40
	for i := range n {
		id, _ := st.NextID(context.Background())
		e.Submit(&store.Message{ID: id, Dest: store.Address{Addr: fmt.Sprintf("3584020%05d", i)}, UserData: []byte("x")}, nil)
	}
	clk.Advance(6 * time.Hour)
	s := e.Stats()
	if s.Alerts == 0 || s.Delivered != n {
		t.Errorf("alerts %d, delivered %d; want some alerts and all %d delivered", s.Alerts, s.Delivered, n)
	}
}

// safSlowStore holds back InsertAsync commits until released.
type safSlowStore struct {
	*store.Memory
	mu   sync.Mutex
	held []func()
}

func (s *safSlowStore) InsertAsync(m *store.Message, done func(error)) {
	c := *m // what a store binds at the call
	s.mu.Lock()
	s.held = append(s.held, func() { s.Memory.InsertAsync(&c, done) })
	s.mu.Unlock()
}

func (s *safSlowStore) release() {
	s.mu.Lock()
	held := s.held
	s.held = nil
	s.mu.Unlock()
	for _, f := range held {
		f()
	}
}

// TestSAFDoneOnlyWhenStored: done(nil) comes only once the store has
// committed, and nothing goes to the air before.
func TestSAFDoneOnlyWhenStored(t *testing.T) {
	slow := &safSlowStore{Memory: store.NewMemory()}
	h := newSAFHarness(t, safOptions{st: slow, latency: time.Second})
	m := h.message("358401000030")
	var done []error
	h.e.Submit(m, func(err error) {
		if _, err := slow.Memory.Get(context.Background(), m.ID); err != nil {
			t.Errorf("done called before the message was stored: %v", err)
		}
		done = append(done, err)
	})
	h.at(time.Hour)
	if len(done) != 0 || h.air.count() != 0 {
		t.Fatalf("before the commit: done %v, %d SMS sent", done, h.air.count())
	}
	slow.release()
	if len(done) != 1 || done[0] != nil {
		t.Fatalf("after the commit: done %v", done)
	}
	h.at(2 * time.Hour)
	checkTimes(t, "attempts", h.air.timesTo("358401000030"), seconds(3600))
	h.final(m.ID, store.Delivered, time.Hour+time.Second)

	// A refused insert is reported and never delivered.
	dup := h.message("358401000031")
	dup.ID = m.ID
	var got error
	h.e.Submit(dup, func(err error) { got = err })
	slow.release()
	if !errors.Is(got, store.ErrDuplicate) {
		t.Errorf("Submit of a taken id: %v, want ErrDuplicate", got)
	}
	h.at(3 * time.Hour)
	if n := len(h.air.timesTo("358401000031")); n != 0 {
		t.Errorf("%d SMS sent for a message that was not stored", n)
	}
}

func TestSAFSubmitRejects(t *testing.T) {
	h := newSAFHarness(t, safOptions{})
	for _, m := range []*store.Message{nil, {Dest: store.Address{Addr: "1"}}, {ID: "x"}} {
		var got error
		h.e.Submit(m, func(err error) { got = err })
		if got == nil {
			t.Errorf("Submit(%+v) accepted", m)
		}
	}
	h.e.Close()
	var got error
	h.e.Submit(h.message("358401000032"), func(err error) { got = err })
	if !errors.Is(got, ErrSAFClosed) {
		t.Errorf("Submit after Close: %v, want ErrSAFClosed", got)
	}
}

// TestSAFRecoverMemory: messages left in a store by an earlier run are
// taken up where they were: a queue in submission order, its retry clock
// that of its oldest message.
func TestSAFRecoverMemory(t *testing.T) {
	st := store.NewMemory()
	ctx := context.Background()
	put := func(id, dest string, submitted, next time.Duration, attempts int) {
		err := st.Insert(ctx, &store.Message{
			ID: id, Dest: store.Address{Addr: dest}, UserData: []byte(id),
			SubmittedAt: safEpoch.Add(submitted), ExpiresAt: safEpoch.Add(72 * time.Hour),
			State: store.Enroute, Attempts: attempts, NextAttempt: safEpoch.Add(next),
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	put("00000001", "358401000040", -10*time.Minute, 20*time.Minute, 2) // head: retry at +20 min
	put("00000002", "358401000040", -5*time.Minute, -5*time.Minute, 0)  // behind it
	put("00000003", "358401000041", -time.Hour, -time.Minute, 1)        // overdue: at once
	if err := st.Insert(ctx, &store.Message{ID: "00000004", Dest: store.Address{Addr: "358401000042"},
		State: store.Delivered, DoneAt: safEpoch}); err != nil {
		t.Fatal(err)
	}

	h := newSAFHarness(t, safOptions{st: st, latency: time.Second})
	if err := h.e.Recover(ctx); err != nil {
		t.Fatal(err)
	}
	if err := h.e.Recover(ctx); err != nil { // a second call adds nothing
		t.Fatal(err)
	}
	if s := h.e.Stats(); s.Recovered != 3 || s.Waiting != 3 {
		t.Errorf("stats after Recover: %+v", s)
	}
	h.at(time.Hour)
	var got []string
	for _, c := range h.air.calls {
		got = append(got, fmt.Sprintf("%s@%v", c.sms.UserData, c.at))
	}
	want := []string{"00000003@0s", "00000001@20m0s", "00000002@20m1s"}
	if !slices.Equal(got, want) {
		t.Errorf("after Recover:\n got %v\nwant %v", got, want)
	}
	m := h.final("00000001", store.Delivered, 20*time.Minute+time.Second)
	if m.Attempts != 3 {
		t.Errorf("recovered message: %d attempts, want 3 (2 before the restart)", m.Attempts)
	}
	h.final("00000002", store.Delivered, 20*time.Minute+2*time.Second)
	h.final("00000003", store.Delivered, time.Second)
	if _, ok := h.finals.get("00000004"); ok {
		t.Error("a final message was taken up")
	}
}

// TestSAFRecoverSQLite runs an engine on the SQLite store until its message
// has failed once, stops it as a crash would, and has a new engine on the
// reopened store deliver it at its retry time.
func TestSAFRecoverSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "smsc.db")
	ctx := context.Background()
	const dest = "358401000050"

	st1, err := store.OpenSQLite(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	clk1 := clock.NewVirtual(safEpoch)
	air1 := &safAir{clk: clk1, latency: time.Second, fate: absentUntil(time.Hour), sent: make(chan radio.SMS, 1)}
	e1 := NewSAFEngine(clk1, air1, nil, nil, st1, SAFConfig{}, SAFEvents{
		OnFinal: func(m *store.Message) { t.Errorf("first run: %s final (%v)", m.ID, m.State) },
	})
	id, err := st1.NextID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	stored := make(chan error, 1)
	e1.Submit(&store.Message{ID: id, Dest: store.Address{Addr: dest}, UserData: []byte("hello")},
		func(err error) { stored <- err })
	if err := <-stored; err != nil {
		t.Fatal(err)
	}
	clk1.AdvanceTo(safEpoch) // the queue moves on the clock, at once
	<-air1.sent              // the attempt has begun
	clk1.AdvanceTo(safEpoch.Add(2 * time.Second))
	e1.Close()
	if err := st1.Close(); err != nil { // commits what was queued
		t.Fatal(err)
	}

	st2, err := store.OpenSQLite(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	m, err := st2.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if m.State != store.Enroute || m.Attempts != 1 || !m.NextAttempt.Equal(safEpoch.Add(301*time.Second)) {
		t.Fatalf("stored after the first run: %v, %d attempts, next %v", m.State, m.Attempts, m.NextAttempt.Sub(safEpoch))
	}

	// The second run starts a minute after the crash.
	clk2 := clock.NewVirtual(safEpoch.Add(time.Minute))
	air2 := &safAir{clk: clk2, latency: time.Second}
	finals := newSAFFinals(t)
	finals.ch = make(chan string, 1)
	e2 := NewSAFEngine(clk2, air2, nil, nil, st2, SAFConfig{}, SAFEvents{OnFinal: finals.onFinal})
	if err := e2.Recover(ctx); err != nil {
		t.Fatal(err)
	}
	clk2.AdvanceTo(safEpoch.Add(time.Hour))
	if got := <-finals.ch; got != id {
		t.Fatalf("OnFinal for %s, want %s", got, id)
	}
	checkTimes(t, "second run's attempts", air2.timesTo(dest), seconds(301))
	m, err = st2.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if m.State != store.Delivered || m.Attempts != 2 || !m.DoneAt.Equal(safEpoch.Add(302*time.Second)) {
		t.Errorf("stored after the second run: %v, %d attempts, done %v", m.State, m.Attempts, m.DoneAt.Sub(safEpoch))
	}
}

func TestSAFQueryCancel(t *testing.T) {
	h := newSAFHarness(t, safOptions{latency: time.Second, fate: absentUntil(1000 * time.Hour)})
	ctx := context.Background()
	id := h.send("358401000060")
	h.at(time.Minute)
	if m := h.query(id); m.State != store.Enroute || m.Attempts != 1 || !m.NextAttempt.Equal(safEpoch.Add(301*time.Second)) {
		t.Errorf("Query of a waiting message: %v, %d attempts, next %v", m.State, m.Attempts, m.NextAttempt.Sub(safEpoch))
	}
	if _, err := h.e.Query(ctx, "ffffffff"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Query of an unknown id: %v", err)
	}

	if err := h.e.Cancel(ctx, id); err != nil {
		t.Fatal(err)
	}
	h.final(id, store.Deleted, time.Minute)
	if m := h.query(id); m.State != store.Deleted {
		t.Errorf("Query after Cancel: %v", m.State)
	}
	if err := h.e.Cancel(ctx, id); !errors.Is(err, store.ErrFinal) {
		t.Errorf("second Cancel: %v, want ErrFinal", err)
	}
	if err := h.e.Cancel(ctx, "ffffffff"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Cancel of an unknown id: %v, want ErrNotFound", err)
	}
	h.at(10 * time.Hour)
	checkTimes(t, "attempts", h.air.timesTo("358401000060"), seconds(0))
	if s := h.e.Stats(); s.Deleted != 1 || s.Waiting != 0 || s.Queues != 0 {
		t.Errorf("stats %+v", s)
	}
}

// TestSAFCancelRacesDelivery: a cancel that arrives while an attempt is in
// the air is refused (ErrBusy), whatever the attempt's fate; the delivery
// decides, and OnFinal is called once.
func TestSAFCancelRacesDelivery(t *testing.T) {
	h := newSAFHarness(t, safOptions{latency: 2 * time.Second, fate: failFirst(1, errSystem)})
	ctx := context.Background()
	a := h.send("358401000061") // fails once, then arrives
	h.at(time.Second)
	if err := h.e.Cancel(ctx, a); !errors.Is(err, ErrBusy) {
		t.Errorf("Cancel during an attempt: %v, want ErrBusy", err)
	}
	if err := h.e.Replace(ctx, a, store.Replacement{UserData: []byte("x")}); !errors.Is(err, ErrBusy) {
		t.Errorf("Replace during an attempt: %v, want ErrBusy", err)
	}
	h.at(302 * time.Second) // the retry is in the air
	if err := h.e.Cancel(ctx, a); !errors.Is(err, ErrBusy) {
		t.Errorf("Cancel during the retry: %v, want ErrBusy", err)
	}
	h.at(time.Hour)
	h.final(a, store.Delivered, 304*time.Second)
	if err := h.e.Cancel(ctx, a); !errors.Is(err, store.ErrFinal) {
		t.Errorf("Cancel after delivery: %v, want ErrFinal", err)
	}
}

// TestSAFCancelConcurrent cancels messages from other goroutines while the
// clock delivers: every message ends once, in the state the store holds,
// and a cancel succeeds exactly when the message ends Deleted. Run with
// -race.
func TestSAFCancelConcurrent(t *testing.T) {
	// The heads' first attempts, in the air when the cancels begin, are
	// delivered: those messages at least end Delivered.
	h := newSAFHarness(t, safOptions{latency: time.Second, fate: func(_ radio.SMS, at time.Duration, n int) *radio.Error {
		if n%3 == 1 {
			return errSystem
		}
		return nil
	}})
	const n = 300
	ids := make([]string, n)
	for i := range ids {
		ids[i] = h.send(fmt.Sprintf("3584030%05d", i%50))
	}
	results := make([]error, n)
	// Each canceller makes its first call before the clock moves. They
	// start from the tail, with messages queued behind the heads in the
	// air: so some cancels win, and the rest race with the clock.
	var wg, started sync.WaitGroup
	started.Add(3)
	for g := range 3 {
		wg.Go(func() {
			first := true
			for i := n - 1 - g; i >= 0; i -= 3 {
				for {
					results[i] = h.e.Cancel(context.Background(), ids[i])
					if first {
						started.Done()
						first = false
					}
					if !errors.Is(results[i], ErrBusy) {
						break
					}
					runtime.Gosched()
				}
			}
		})
	}
	started.Wait()
	// The clock moves on until every cancel has had its answer: a
	// message in the air answers ErrBusy until its attempt ends.
	cancelled := make(chan struct{})
	go func() { wg.Wait(); close(cancelled) }()
	for waiting := true; waiting; {
		select {
		case <-cancelled:
			waiting = false
		default:
			h.clk.Advance(time.Second)
		}
	}
	h.at(72 * time.Hour)
	deleted := 0
	for i, id := range ids {
		m, ok := h.finals.get(id)
		if !ok {
			t.Fatalf("%s never final", id)
		}
		if s := h.stored(id); s.State != m.State {
			t.Errorf("%s: stored %v, OnFinal %v", id, s.State, m.State)
		}
		switch {
		case results[i] == nil && m.State != store.Deleted:
			t.Errorf("%s: Cancel succeeded but the message ended %v", id, m.State)
		case results[i] != nil && (m.State == store.Deleted || !errors.Is(results[i], store.ErrFinal)):
			t.Errorf("%s: Cancel failed with %v and the message ended %v", id, results[i], m.State)
		}
		if m.State == store.Deleted {
			deleted++
		}
	}
	if deleted == 0 || deleted == n {
		t.Errorf("%d of %d cancelled: the test did not race", deleted, n)
	}
	if s := h.e.Stats(); s.Waiting != 0 || s.InFlight != 0 || s.Queues != 0 || s.Delivered+s.Deleted != n {
		t.Errorf("stats %+v", s)
	}
}

func TestSAFReplace(t *testing.T) {
	h := newSAFHarness(t, safOptions{latency: time.Second, fate: failFirst(1, errSystem)})
	ctx := context.Background()
	id := h.send("358401000070")
	h.at(time.Minute)
	// New text and a later schedule_delivery_time: the retry waits for it.
	r := store.Replacement{UserData: []byte("replaced"), RegisteredDelivery: 0, NotBefore: safEpoch.Add(time.Hour)}
	if err := h.e.Replace(ctx, id, r); err != nil {
		t.Fatal(err)
	}
	r.UserData[0] = 'X' // the engine keeps its own copy
	s := h.stored(id)
	if string(s.UserData) != "replaced" || s.RegisteredDelivery != 0 || !s.NextAttempt.Equal(safEpoch.Add(time.Hour)) {
		t.Errorf("stored after Replace: %q, rd %d, next %v", s.UserData, s.RegisteredDelivery, s.NextAttempt.Sub(safEpoch))
	}
	h.at(2 * time.Hour)
	calls := h.air.callsTo("358401000070")
	if len(calls) != 2 || calls[1].at != time.Hour || string(calls[1].sms.UserData) != "replaced" {
		t.Fatalf("SMS after Replace: %+v", calls)
	}
	h.final(id, store.Delivered, time.Hour+time.Second)
	if err := h.e.Replace(ctx, id, r); !errors.Is(err, store.ErrFinal) {
		t.Errorf("Replace of a final message: %v, want ErrFinal", err)
	}
	if err := h.e.Replace(ctx, "ffffffff", r); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Replace of an unknown id: %v, want ErrNotFound", err)
	}

	// A validity end in the past expires the message at once.
	id2 := h.send("358401000071") // fails once: waiting
	h.at(2*time.Hour + time.Minute)
	if err := h.e.Replace(ctx, id2, store.Replacement{ExpiresAt: safEpoch.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	h.final(id2, store.Expired, 2*time.Hour+time.Minute)
}

// TestSAFSegments: a message's segments go back-to-back with
// MoreMessagesToSend on all but the last; after a segment fails, the retry
// sends only the rest, the very same SMS.
func TestSAFSegments(t *testing.T) {
	var splits int
	segments := func(m *store.Message) ([]radio.SMS, error) {
		splits++
		var out []radio.SMS
		for i := range 3 {
			// A reference that changes at every split: the retry must
			// reuse the first split's.
			out = append(out, radio.SMS{Destination: m.Dest.Addr, UDHI: true,
				UserData: []byte{5, 0, 3, byte(splits), 3, byte(i + 1)}})
		}
		return out, nil
	}
	// The second segment is lost once.
	h := newSAFHarness(t, safOptions{latency: time.Second, segments: segments,
		fate: func(_ radio.SMS, _ time.Duration, n int) *radio.Error {
			if n == 1 {
				return errSystem
			}
			return nil
		}})
	id := h.send("358401000080")
	h.at(time.Hour)
	var got []string
	for _, c := range h.air.callsTo("358401000080") {
		got = append(got, fmt.Sprintf("%x more=%v @%v", c.sms.UserData, c.sms.MoreMessagesToSend, c.at))
	}
	want := []string{
		"050003010301 more=true @0s",
		"050003010302 more=true @1s", // lost
		"050003010302 more=true @5m2s",
		"050003010303 more=false @5m3s",
	}
	if !slices.Equal(got, want) {
		t.Errorf("SMS:\n got %q\nwant %q", got, want)
	}
	m := h.final(id, store.Delivered, 304*time.Second)
	if m.Attempts != 2 || splits != 1 {
		t.Errorf("%d attempts, %d splits; want 2 and 1", m.Attempts, splits)
	}
}

// TestSAFPreSplitInput: a message submitted with UDHI and its own UDH, as
// Kannel sends each part, goes to the air exactly as given.
func TestSAFPreSplitInput(t *testing.T) {
	h := newSAFHarness(t, safOptions{latency: time.Second})
	udh := []byte{0x0B, 0x05, 0x04, 0x0B, 0x84, 0x23, 0xF0, 0x00, 0x03, 0x2A, 0x02, 0x01}
	ud := append(slices.Clone(udh), []byte("first part of a push")...)
	m := h.message("358401000090")
	m.Source.Addr = "1234"
	m.ESMClass = 0x40
	m.DataCoding = 0x04
	m.ProtocolID = 0x7F
	m.UserData = ud
	id := h.submit(m)
	h.at(time.Minute)
	calls := h.air.callsTo("358401000090")
	want := radio.SMS{Originator: "1234", Destination: "358401000090", UserData: ud, UDHI: true, DataCoding: 0x04, ProtocolID: 0x7F}
	if len(calls) != 1 || !bytes.Equal(calls[0].sms.UserData, want.UserData) || calls[0].sms.UDHI != want.UDHI ||
		calls[0].sms.Originator != want.Originator || calls[0].sms.DataCoding != want.DataCoding ||
		calls[0].sms.ProtocolID != want.ProtocolID || calls[0].sms.MoreMessagesToSend {
		t.Errorf("SMS %+v, want %+v", calls, want)
	}
	h.final(id, store.Delivered, time.Second)
}

func TestSAFUnsplittable(t *testing.T) {
	h := newSAFHarness(t, safOptions{segments: func(*store.Message) ([]radio.SMS, error) {
		return nil, errors.New("too long")
	}})
	id := h.send("358401000091")
	h.at(time.Minute)
	m := h.final(id, store.Undeliverable, 0)
	if m.LastError != unsplittableErrorCode || h.air.count() != 0 {
		t.Errorf("LastError %#x, %d SMS sent", m.LastError, h.air.count())
	}
}

// TestSAFGate: the gate is asked before every SMS, with the traffic class
// of the message's account.
func TestSAFGate(t *testing.T) {
	var asked []string
	h := newSAFHarness(t, safOptions{
		latency: time.Second,
		gate:    func(clk clock.Clock) *Gate { return NewGate(clk, GateConfig{Rate: 1, PushShare: 1}) },
		traffic: func(account string) Traffic {
			asked = append(asked, account)
			if account == "pi" {
				return Push
			}
			return PersonToPerson
		},
	})
	// The SMSC is dedicated to push: person-to-person never gets a token.
	p2p := h.send("358401000100")
	var push []string
	for i := range 3 {
		m := h.message(fmt.Sprintf("35840100011%d", i))
		m.Account = "pi"
		push = append(push, h.submit(m))
	}
	h.at(time.Minute)
	var got []time.Duration
	for _, c := range h.air.calls {
		got = append(got, c.at)
	}
	checkTimes(t, "SMS", got, seconds(0, 1, 2)) // one a second
	for i, id := range push {
		h.final(id, store.Delivered, time.Duration(i+1)*time.Second)
	}
	if _, ok := h.finals.get(p2p); ok {
		t.Error("person-to-person message delivered through a push-only gate")
	}
	if !slices.Contains(asked, "esme") || !slices.Contains(asked, "pi") {
		t.Errorf("Traffic asked for %q", asked)
	}
}

// TestSAFClose: after Close nothing more is attempted; the message stays in
// the store for the next run.
func TestSAFClose(t *testing.T) {
	h := newSAFHarness(t, safOptions{latency: time.Second, fate: failFirst(1, errAbsent)})
	id := h.send("358401000120")
	h.at(time.Minute)
	h.e.Close()
	h.at(time.Hour)
	checkTimes(t, "attempts", h.air.timesTo("358401000120"), seconds(0))
	if s := h.stored(id); s.State != store.Enroute {
		t.Errorf("stored %v after Close", s.State)
	}
	if err := h.e.Recover(context.Background()); !errors.Is(err, ErrSAFClosed) {
		t.Errorf("Recover after Close: %v", err)
	}
}

// TestSAFTypicalNetwork runs many messages through the real simulated
// network, flaky profile, until every validity has ended: each message ends
// once, in the state the store holds, and the engine's counts match the
// network's.
func TestSAFTypicalNetwork(t *testing.T) {
	for _, independent := range []bool{false, true} {
		t.Run(fmt.Sprint("independent=", independent), func(t *testing.T) {
			clk := clock.NewVirtual(safEpoch)
			cfg, err := radio.Profile("flaky")
			if err != nil {
				t.Fatal(err)
			}
			cfg.Seed = 7
			cfg.AlertSC = true
			net, err := radio.New(clk, cfg)
			if err != nil {
				t.Fatal(err)
			}
			st := store.NewMemory()
			finals := newSAFFinals(t)
			e := NewSAFEngine(clk, net, net, nil, st, SAFConfig{IndependentMessages: independent, Validity: 12 * time.Hour},
				SAFEvents{OnFinal: finals.onFinal})
			const n = 400
			var ids []string
			for i := range n {
				id, _ := st.NextID(context.Background())
				ids = append(ids, id)
				e.Submit(&store.Message{ID: id, Dest: store.Address{Addr: fmt.Sprintf("3584050%05d", i%150)}, UserData: []byte("x")}, nil)
				clk.Advance(time.Second)
			}
			clk.Advance(13 * time.Hour)
			if finals.count() != n {
				t.Fatalf("%d messages final, want %d", finals.count(), n)
			}
			byState := map[store.State]uint64{}
			for _, id := range ids {
				m, _ := finals.get(id)
				s, err := st.Get(context.Background(), id)
				if err != nil || s.State != m.State || s.Attempts != m.Attempts {
					t.Fatalf("%s: stored %+v (%v), OnFinal %+v", id, s, err, m)
				}
				byState[m.State]++
			}
			es, ns := e.Stats(), net.Stats()
			if es.Delivered != ns.Delivered || es.Delivered != byState[store.Delivered] ||
				es.Attempts != ns.Attempts || es.SMS != ns.Attempts {
				t.Errorf("engine %+v, network %+v", es, ns)
			}
			if byState[store.Delivered] < n*9/10 || byState[store.Undeliverable] == 0 && cfg.PermanentShare > 0.1 {
				t.Errorf("outcomes %v", byState)
			}
			if es.Waiting != 0 || es.InFlight != 0 || es.Queues != 0 || clk.Pending() != 0 {
				t.Errorf("left over: stats %+v, %d timers", es, clk.Pending())
			}
			if n := e.held(); n != 0 {
				t.Errorf("the engine still holds %d messages and destinations", n)
			}
		})
	}
}

// TestSAFRealClock runs a few messages on the wall clock, with the
// engine's timer in goroutines of its own.
func TestSAFRealClock(t *testing.T) {
	clk := clock.Real()
	finals := newSAFFinals(t)
	finals.ch = make(chan string, 10)
	var mu sync.Mutex
	tries := map[string]int{}
	air := airFunc(func(sms radio.SMS, done func(radio.Result)) {
		mu.Lock()
		tries[sms.Destination]++
		n := tries[sms.Destination]
		mu.Unlock()
		var err *radio.Error
		if n == 1 {
			err = errSystem
		}
		start := clk.Now()
		clk.AfterFunc(time.Millisecond, func() { done(radio.Result{Err: err, Start: start, End: clk.Now()}) })
	})
	st := store.NewMemory()
	e := NewSAFEngine(clk, air, nil, nil, st, SAFConfig{Schedule: ExponentialSchedule(5*time.Millisecond, time.Second)},
		SAFEvents{OnFinal: finals.onFinal})
	defer e.Close()
	for i := range 5 {
		id, _ := st.NextID(context.Background())
		e.Submit(&store.Message{ID: id, Dest: store.Address{Addr: fmt.Sprint(358401000200 + i%2)}}, nil)
	}
	timeout := time.After(10 * time.Second)
	for range 5 {
		select {
		case <-finals.ch:
		case <-timeout:
			t.Fatalf("only %d of 5 delivered", finals.count())
		}
	}
}

type airFunc func(radio.SMS, func(radio.Result))

func (f airFunc) Deliver(sms radio.SMS, done func(radio.Result)) { f(sms, done) }

// held counts what the engine keeps in memory: messages and destinations.
func (e *SAFEngine) held() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.messages) + len(e.dests) + len(e.events)
}

// safFailingStore fails every write of a final state.
type safFailingStore struct{ *store.Memory }

var errSAFDiskFull = errors.New("disk full")

func (s safFailingStore) UpdateAsync(u store.Update, done func(error)) {
	if u.State.Final() {
		done(errSAFDiskFull)
		return
	}
	s.Memory.UpdateAsync(u, done)
}

// TestSAFFinalWriteFails: when the store fails to record a final state,
// no OnFinal is called (there is no receipt for a state the store does not
// hold) and the message, still en route in the store, is delivered again
// by the next run.
func TestSAFFinalWriteFails(t *testing.T) {
	mem := store.NewMemory()
	h := newSAFHarness(t, safOptions{st: safFailingStore{mem}, latency: time.Second})
	id := h.send("358401000130")
	h.at(time.Minute)
	if _, ok := h.finals.get(id); ok {
		t.Error("OnFinal called for a final state the store refused")
	}
	if s := h.e.Stats(); s.StoreErrors != 1 || s.Delivered != 1 || s.Waiting != 0 {
		t.Errorf("stats %+v", s)
	}
	if n := h.e.held(); n != 0 {
		t.Errorf("the engine still holds %d messages and destinations", n)
	}
	if m := h.query(id); m.State != store.Enroute {
		t.Errorf("Query: %v, want the store's Enroute", m.State)
	}

	h2 := newSAFHarness(t, safOptions{st: mem, latency: time.Second})
	if err := h2.e.Recover(context.Background()); err != nil {
		t.Fatal(err)
	}
	h2.at(time.Minute)
	h2.final(id, store.Delivered, time.Second)
}

// FuzzSAFEngine runs the engine through a script of submits, cancels,
// replaces, alerts and clock moves, with the air's answers drawn from the
// script too, and checks what must hold whatever happens: every message
// ends exactly once, in the state the store holds; a cancel succeeds
// exactly when its message ends Deleted; with one queue per destination,
// attempts to one MSISDN never overlap; and nothing is left behind.
func FuzzSAFEngine(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 1, 1, 40, 0, 2})
	f.Add([]byte{0, 0, 0, 0, 4, 0, 8, 1, 50, 2, 1, 1, 90}) // three to one queue
	f.Add([]byte{1, 0, 1, 0, 1, 0, 2, 2, 0, 4, 1, 1, 200, 3, 1, 5, 0})
	f.Add([]byte{2, 0, 0x41, 0, 0x42, 1, 3, 3, 0, 2, 1, 1, 255, 4, 0, 1, 90})
	f.Add([]byte{3, 0, 3, 0, 3, 0, 3, 5, 0, 5, 0, 2, 0, 2, 1, 2, 2, 1, 100})
	f.Fuzz(func(t *testing.T, script []byte) {
		if len(script) == 0 || len(script) > 512 {
			return
		}
		const latency = 2 * time.Second
		fates := []*radio.Error{nil, nil, nil, errAbsent, errBusy, errSystem, errUnknown,
			{Code: radio.SMDeliveryFailure, Cause: radio.MemoryCapacityExceeded}}
		independent := script[0]&1 != 0
		h := newSAFHarness(t, safOptions{
			cfg: SAFConfig{
				Validity:            time.Hour,
				IndependentMessages: independent,
				NoAlertSC:           script[0]&2 != 0,
			},
			latency: latency,
			fate: func(sms radio.SMS, _ time.Duration, earlier int) *radio.Error {
				last := int(sms.Destination[len(sms.Destination)-1])
				return fates[script[(earlier*7+last)%len(script)]%byte(len(fates))]
			},
			segments: func(m *store.Message) ([]radio.SMS, error) {
				n := 1 + int(m.ID[len(m.ID)-1])%3
				segs := make([]radio.SMS, n)
				for i := range segs {
					segs[i] = radio.SMS{Destination: m.Dest.Addr, UserData: append([]byte{byte(i)}, m.UserData...)}
				}
				return segs, nil
			},
		})
		ctx := context.Background()
		dest := func(b byte) string { return fmt.Sprintf("35840700000%d", b%4) }
		var ids []string
		cancelled := map[string]bool{}
		for i := 1; i+1 < len(script); i += 2 {
			op, arg := script[i], script[i+1]
			switch op % 6 {
			case 0:
				m := h.message(dest(arg))
				if arg&0x40 != 0 {
					m.NotBefore = h.clk.Now().Add(time.Duration(arg) * time.Second)
				}
				ids = append(ids, h.submit(m))
			case 1:
				h.clk.Advance(time.Duration(arg) * 7 * time.Second)
			case 2, 3:
				if len(ids) == 0 {
					continue
				}
				id := ids[int(arg)%len(ids)]
				var err error
				if op%6 == 2 {
					err = h.e.Cancel(ctx, id)
					if err == nil {
						cancelled[id] = true
					}
				} else {
					r := store.Replacement{UserData: []byte{arg}}
					if arg&1 != 0 {
						r.ExpiresAt = h.clk.Now().Add(time.Duration(arg-128) * time.Minute)
					}
					if arg&2 != 0 {
						r.NotBefore = h.clk.Now().Add(time.Duration(arg) * time.Second)
					}
					err = h.e.Replace(ctx, id, r)
				}
				if err != nil && !errors.Is(err, ErrBusy) && !errors.Is(err, store.ErrFinal) {
					t.Fatalf("op %d on %s: %v", op, id, err)
				}
			case 4:
				h.alerter.alert(dest(arg))
			case 5:
				h.clk.Step()
			}
		}
		h.at(1000 * time.Hour)

		for _, id := range ids {
			m, ok := h.finals.get(id)
			if !ok {
				t.Fatalf("%s never final: %+v", id, h.query(id))
			}
			if s := h.stored(id); s.State != m.State || s.Attempts != m.Attempts {
				t.Errorf("%s: stored %v after %d attempts, OnFinal %v after %d", id, s.State, s.Attempts, m.State, m.Attempts)
			}
			if cancelled[id] != (m.State == store.Deleted) {
				t.Errorf("%s: cancel succeeded %v, ended %v", id, cancelled[id], m.State)
			}
		}
		if !independent {
			for d := range byte(4) {
				calls := h.air.callsTo(dest(d))
				for k := 1; k < len(calls); k++ {
					if calls[k].at < calls[k-1].at+latency {
						t.Fatalf("queue to %s: SMS at %v while the one at %v was in the air", dest(d), calls[k].at, calls[k-1].at)
					}
				}
			}
		}
		if s := h.e.Stats(); s.Waiting != 0 || s.InFlight != 0 || s.Queues != 0 || h.e.held() != 0 || h.clk.Pending() != 0 {
			t.Errorf("left over: %+v, %d held, %d timers", s, h.e.held(), h.clk.Pending())
		}
	})
}

// TestSAFMoreMessagesAcrossQueue: with one queue per destination, the last
// SMS of a message says more messages to send when another message waits
// behind it, which then follows at once; with independent messages each
// message stands alone.
func TestSAFMoreMessagesAcrossQueue(t *testing.T) {
	for _, independent := range []bool{false, true} {
		h := newSAFHarness(t, safOptions{latency: time.Second, cfg: SAFConfig{IndependentMessages: independent}})
		for range 3 {
			h.send("358401000090")
		}
		h.at(time.Minute)
		var got []string
		for _, c := range h.air.callsTo("358401000090") {
			got = append(got, fmt.Sprintf("more=%v @%v", c.sms.MoreMessagesToSend, c.at))
		}
		want := []string{"more=true @0s", "more=true @1s", "more=false @2s"}
		if independent {
			want = []string{"more=false @0s", "more=false @0s", "more=false @0s"}
		}
		if !slices.Equal(got, want) {
			t.Errorf("independent %v: SMS %q, want %q", independent, got, want)
		}
	}
}

// TestSAFExpiresAtGate: a message whose validity ends while it waits for
// the gate expires at its turn, without an SMS, and gives its token to the
// next one.
func TestSAFExpiresAtGate(t *testing.T) {
	h := newSAFHarness(t, safOptions{
		latency: time.Second,
		gate:    func(clk clock.Clock) *Gate { return NewGate(clk, GateConfig{Rate: 1, Burst: 1}) },
	})
	var ids []string
	for i := range 3 {
		m := h.message(fmt.Sprintf("35840100013%d", i))
		if i == 1 {
			m.ExpiresAt = safEpoch.Add(500 * time.Millisecond) // its turn comes at 1 s
		}
		ids = append(ids, h.submit(m))
	}
	h.at(time.Minute)
	h.final(ids[0], store.Delivered, time.Second)
	h.final(ids[1], store.Expired, time.Second)
	h.final(ids[2], store.Delivered, 2*time.Second) // the expired one's token, at 1 s
	if n := len(h.air.callsTo("358401000131")); n != 0 {
		t.Errorf("%d SMS sent for the expired message", n)
	}
	if st := h.e.gate.Stats(); st.Returned != 1 {
		t.Errorf("gate stats %+v: want the expired message's token returned", st)
	}
}
