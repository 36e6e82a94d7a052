package ppg

import (
	"context"
	"errors"
	"net"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/txpush/txpush/clock"
	"github.com/txpush/txpush/internal/smsctest"
	"github.com/txpush/txpush/pap"
	"github.com/txpush/txpush/radio"
	"github.com/txpush/txpush/smpp"
	"github.com/txpush/txpush/smsc"
	"github.com/txpush/txpush/store"
)

// loopAir is a radio.Air on the real clock that answers each SMS after a
// millisecond, delivered unless fail says otherwise.
type loopAir struct {
	fail *radio.Error

	mu  sync.Mutex
	got []radio.SMS
}

func (a *loopAir) Deliver(sms radio.SMS, done func(radio.Result)) {
	start := time.Now()
	time.AfterFunc(time.Millisecond, func() {
		if a.fail == nil {
			a.mu.Lock()
			a.got = append(a.got, sms)
			a.mu.Unlock()
		}
		done(radio.Result{Err: a.fail, Start: start, End: time.Now()})
	})
}

func (a *loopAir) delivered() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.got)
}

// startSMSC serves a push SMSC delivering through air on loopback and
// returns its address.
func startSMSC(t *testing.T, air radio.Air) string {
	t.Helper()
	sc, err := smsc.New(smsc.Config{}, air, nil, store.NewMemory())
	if err != nil {
		t.Fatal(err)
	}
	addr := smsctest.Serve(t, sc)
	// Before the shutdown: held attempts are let go, so that it can end.
	t.Cleanup(func() {
		if a, ok := air.(*silentAir); ok {
			a.release()
		}
	})
	return addr
}

// startDispatcher starts an SMPPDispatcher and waits for its binds to the
// first address only (the others may be down on purpose).
func startDispatcher(t *testing.T, cfg SMPPConfig) *SMPPDispatcher {
	t.Helper()
	cfg.Bind = smpp.BindParams{SystemID: "ppg", Password: "pw"}
	cfg.MinBackoff = 10 * time.Millisecond
	d := NewSMPPDispatcher(cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d.Start(context.Background())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		d.Close(ctx)
	})
	for _, c := range d.binds.clients {
		if c.Addr != cfg.Addrs[0] {
			continue
		}
		if _, err := c.WaitBound(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

// TestEndToEnd runs a push over real sockets: a PI's pap.Client posts it to
// the PPG over HTTP, the SMPPDispatcher submits it to a push SMSC over
// SMPP, the SMSC delivers it through the air, and the PI's
// NotificationHandler receives the outcome.
func TestEndToEnd(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fail  *radio.Error
		state pap.MessageState
		code  pap.Code
	}{
		{"delivered", nil, pap.StateDelivered, pap.CodeOK},
		{"unknown subscriber", &radio.Error{Code: radio.UnknownSubscriber}, pap.StateUndeliverable, pap.CodeAddressError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			air := &loopAir{fail: tc.fail}
			disp := startDispatcher(t, SMPPConfig{Addrs: []string{startSMSC(t, air)}, BindsPerAddr: 2})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()

			got := make(chan *pap.ResultNotification, 1)
			pi := httptest.NewServer(pap.NotificationHandler(func(_ context.Context, rn *pap.ResultNotification) error {
				got <- rn
				return nil
			}))
			t.Cleanup(pi.Close)

			p, err := New(Config{Clock: clock.Real(), PIs: []PIAccount{{Name: "pi", Password: "secret"}}}, newMemStore(), disp)
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Start(ctx); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { p.Close() })
			srv := httptest.NewServer(p)
			t.Cleanup(srv.Close)

			client := &pap.Client{URL: srv.URL + "/pap", Username: "pi", Password: "secret"}
			m := pushMessage("e2e@pi.test", "+358401234567")
			m.NotifyTo = pi.URL
			resp, err := client.Push(ctx, m, siEntity(t, "si-2seg.xml"))
			if err != nil {
				t.Fatal(err)
			}
			if resp.Result.Code != pap.CodeAccepted {
				t.Fatalf("%v %s", resp.Result.Code, resp.Result.Desc)
			}
			select {
			case rn := <-got:
				if rn.PushID != "e2e@pi.test" || rn.State != tc.state || rn.Code != tc.code || rn.Address.Value != "+358401234567" {
					t.Fatalf("notified %s %v (%s) for %s", rn.State, rn.Code, rn.Desc, rn.Address)
				}
			case <-ctx.Done():
				t.Fatal("no result notification")
			}
			if wantSMS := map[bool]int{true: 2, false: 0}[tc.fail == nil]; air.delivered() != wantSMS {
				t.Fatalf("%d SMS delivered, want %d", air.delivered(), wantSMS)
			}
			sq, err := client.StatusQuery(ctx, &pap.StatusQueryMessage{PushID: "e2e@pi.test"})
			if err != nil {
				t.Fatal(err)
			}
			if sq.Results[0].State != tc.state {
				t.Fatalf("status query: %s", sq.Results[0].State)
			}
		})
	}
}

// silentAir takes every SMS and never answers until released.
type silentAir struct {
	arrived chan struct{} // one per SMS taken

	mu       sync.Mutex
	attempts int
	pending  []func(radio.Result)
}

func newSilentAir() *silentAir { return &silentAir{arrived: make(chan struct{}, 100)} }

func (a *silentAir) Deliver(sms radio.SMS, done func(radio.Result)) {
	a.mu.Lock()
	a.attempts++
	a.pending = append(a.pending, done)
	a.mu.Unlock()
	a.arrived <- struct{}{}
}

func (a *silentAir) release() {
	a.mu.Lock()
	pending := a.pending
	a.pending = nil
	a.mu.Unlock()
	for _, done := range pending {
		// A permanent error ends the transaction at once.
		now := time.Now()
		done(radio.Result{Err: &radio.Error{Code: radio.UnknownSubscriber}, Start: now, End: now})
	}
}

// TestNoResponseIsUnknownNeverResent: when the SMSC does not answer before
// the dispatcher's response timer, the outcome is Unknown (which the PPG
// reports as timeout/4000, see TestOutcomes) and the submit is not
// repeated.
func TestNoResponseIsUnknownNeverResent(t *testing.T) {
	air := newSilentAir()
	disp := startDispatcher(t, SMPPConfig{Addrs: []string{startSMSC(t, air)}, ResponseTimeout: 50 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	results := make(chan SubmitResult, 2)
	disp.Submit(SubmitRequest{MSISDN: "358401234567", Payload: []byte{1, 6, 1, 0xae}, Ref: 9}, func(r SubmitResult) { results <- r })
	select {
	case r := <-results:
		if r.Outcome != Unknown || !errors.Is(r.Err, smpp.ErrNoResponse) {
			t.Fatalf("%v %v, want unknown after no response", r.Outcome, r.Err)
		}
	case <-ctx.Done():
		t.Fatal("no outcome")
	}
	<-air.arrived
	air.mu.Lock()
	attempts := air.attempts
	air.mu.Unlock()
	if attempts != 1 {
		t.Fatalf("%d attempts on the air, want 1", attempts)
	}

}

// TestDispatcherSkipsUnboundAndFullSessions spreads submits over the bound
// sessions only, and answers Busy at once when every window is full.
func TestDispatcherSkipsUnboundAndFullSessions(t *testing.T) {
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := dead.Addr().String()
	dead.Close() // nothing listens there: its binds never come up
	air := newSilentAir()
	disp := startDispatcher(t, SMPPConfig{
		Addrs:        []string{startSMSC(t, air), deadAddr},
		BindsPerAddr: 2,
		Window:       1,
	})
	results := make(chan SubmitResult, 10)
	for i := range 3 {
		disp.Submit(SubmitRequest{MSISDN: "35840123456" + strconv.Itoa(i), Payload: []byte{1, 6, 1, 0xae}, Ref: uint16(i)},
			func(r SubmitResult) { results <- r })
	}
	// Two live sessions with a window of one each: the third is Busy
	// at once, and nothing went to the dead address.
	select {
	case r := <-results:
		if r.Outcome != Busy {
			t.Fatalf("%v %v, want busy", r.Outcome, r.Err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a submit with every window full was not answered at once")
	}
	for range 2 {
		<-air.arrived
	}
	air.release()
	for range 2 {
		if r := <-results; r.Outcome != Failed {
			t.Fatalf("%v %v", r.Outcome, r.Err)
		}
	}
	air.mu.Lock()
	defer air.mu.Unlock()
	if air.attempts != 2 {
		t.Fatalf("%d attempts on the air, want 2", air.attempts)
	}
}
