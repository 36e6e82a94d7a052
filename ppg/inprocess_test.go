package ppg

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/txpush/txpush/clock"
	"github.com/txpush/txpush/handset"
	"github.com/txpush/txpush/pap"
	"github.com/txpush/txpush/radio"
	"github.com/txpush/txpush/smsc"
	"github.com/txpush/txpush/store"
	"github.com/txpush/txpush/wap/content"
	"github.com/txpush/txpush/wap/wdp"
)

// inProcessRig is an SMSC on a virtual clock with a population of
// handsets behind the ideal network, and the in-process dispatcher in
// front of it.
type inProcessRig struct {
	clk    *clock.Virtual
	disp   *InProcessDispatcher
	pushes chan handset.Event
}

func newInProcessRig(t testing.TB, netCfg radio.Config) *inProcessRig {
	t.Helper()
	r := &inProcessRig{clk: clock.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)), pushes: make(chan handset.Event, 10)}
	network, err := radio.New(r.clk, netCfg)
	if err != nil {
		t.Fatal(err)
	}
	pop, err := handset.NewPopulation(handset.Config{Clock: r.clk, OnEvent: func(ev handset.Event) {
		if ev.Kind == handset.EventPush && r.pushes != nil {
			r.pushes <- ev
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pop.Close)
	network.AttachAll(pop.Receive)
	sc, err := smsc.New(smsc.Config{Clock: r.clk}, network, network, store.NewMemory())
	if err != nil {
		t.Fatal(err)
	}
	r.disp = &InProcessDispatcher{SMSC: sc, Account: "ppg"}
	return r
}

// submit submits req and runs the clock until its outcome is known.
func (r *inProcessRig) submit(t *testing.T, req SubmitRequest) SubmitResult {
	t.Helper()
	results := make(chan SubmitResult, 1)
	r.disp.Submit(req, func(res SubmitResult) { results <- res })
	for {
		select {
		case res := <-results:
			return res
		default:
		}
		if !r.clk.Step() {
			t.Fatal("no outcome and no timer left")
		}
	}
}

// twoSegmentSI is the WSP push of an SI that needs two SMS.
func twoSegmentSI(t testing.TB, href string) []byte {
	t.Helper()
	si := `<?xml version="1.0"?>
<!DOCTYPE si PUBLIC "-//WAPFORUM//DTD SI 1.0//EN" "http://www.wapforum.org/DTD/si.dtd">
<si><indication href="` + href + `" si-id="rig-1">` + strings.Repeat("Text long enough for a second SMS. ", 4) + `</indication></si>`
	push, err := content.Compile(content.Content{Type: "text/vnd.wap.si", Body: []byte(si)}, content.Options{TID: 1})
	if err != nil {
		t.Fatal(err)
	}
	b, err := push.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if wdp.PartCount(len(b), false) != 2 {
		t.Fatalf("the push is %d octets: not two segments", len(b))
	}
	return b
}

// TestInProcessDispatcher: a push handed to the SMSC in-process is split,
// delivered to the handset whole, and reported delivered; a repeat with the
// same reference gets the first outcome and is not delivered again; a
// destination that is not an MSISDN fails permanently.
func TestInProcessDispatcher(t *testing.T) {
	netCfg, err := radio.Profile("ideal")
	if err != nil {
		t.Fatal(err)
	}
	r := newInProcessRig(t, netCfg)
	const href = "http://content.example.com/rig"
	req := SubmitRequest{MSISDN: "358401234567", Payload: twoSegmentSI(t, href), Ref: 7}
	if res := r.submit(t, req); res.Outcome != Delivered {
		t.Fatalf("outcome %v (%v), want delivered", res.Outcome, res.Err)
	}
	select {
	case ev := <-r.pushes:
		if ev.Href != href || ev.Segments != 2 || ev.MSISDN != req.MSISDN || ev.DstPort != 2948 || ev.SrcPort != 9200 {
			t.Errorf("push event %+v", ev)
		}
	default:
		t.Fatal("the handset got no push")
	}

	if res := r.submit(t, req); res.Outcome != Delivered {
		t.Fatalf("repeat: outcome %v (%v), want the first one's, delivered", res.Outcome, res.Err)
	}
	for r.clk.Step() {
	}
	select {
	case ev := <-r.pushes:
		t.Errorf("the repeat was delivered again: %+v", ev)
	default:
	}

	res := r.submit(t, SubmitRequest{MSISDN: "PPG", Payload: req.Payload, Ref: 8})
	if res.Outcome != Failed || !res.Permanent || !errors.Is(res.Err, smsc.ErrInvalidMSISDN) {
		t.Errorf("to a non-MSISDN: %+v, want a permanent failure", res)
	}
}

// TestInProcessDispatcherPermanent: a subscriber who can never receive
// fails the push permanently, with the radio error in the result.
func TestInProcessDispatcherPermanent(t *testing.T) {
	netCfg, err := radio.Profile("ideal")
	if err != nil {
		t.Fatal(err)
	}
	netCfg.PermanentShare = 1
	netCfg.PermanentErrors = []radio.WeightedError{{Err: radio.Error{Code: radio.UnknownSubscriber}, Weight: 1}}
	r := newInProcessRig(t, netCfg)
	res := r.submit(t, SubmitRequest{MSISDN: "358401234567", Payload: twoSegmentSI(t, "http://content.example.com/x"), Ref: 1})
	var rerr *radio.Error
	if res.Outcome != Failed || !res.Permanent || !errors.As(res.Err, &rerr) || rerr.Code != radio.UnknownSubscriber {
		t.Errorf("result %+v, want a permanent failure with unknownSubscriber", res)
	}
}

// TestTxnResult: each transaction outcome maps to the PPG's outcome that
// makes it do the right thing next.
func TestTxnResult(t *testing.T) {
	absent := &radio.Error{Code: radio.AbsentSubscriberSM}
	for _, c := range []struct {
		in        smsc.TxnOutcome
		outcome   Outcome
		permanent bool
	}{
		{smsc.TxnOutcome{Failure: smsc.TxnDelivered, Delivered: 2, Total: 2}, Delivered, false},
		{smsc.TxnOutcome{Failure: smsc.TxnPermanent, Err: &radio.Error{Code: radio.CallBarred}}, Failed, true},
		{smsc.TxnOutcome{Failure: smsc.TxnAttempts, Err: absent}, Failed, false},
		{smsc.TxnOutcome{Failure: smsc.TxnDeadline}, Failed, false},
		{smsc.TxnOutcome{Failure: smsc.TxnRejected}, Busy, false},
	} {
		got := txnResult(c.in)
		if got.Outcome != c.outcome || got.Permanent != c.permanent {
			t.Errorf("%+v: got %v permanent %v, want %v permanent %v", c.in, got.Outcome, got.Permanent, c.outcome, c.permanent)
		}
		if c.outcome != Delivered && got.Err == nil {
			t.Errorf("%+v: a failure with no cause", c.in)
		}
		if c.in.Err != nil && !errors.Is(got.Err, c.in.Err) {
			t.Errorf("%+v: the radio error is lost: %v", c.in, got.Err)
		}
	}
	if got := SplitFailure(wdp.ErrNoReference); got.Outcome != Busy {
		t.Errorf("no concatenation reference: %v, want busy", got.Outcome)
	}
	if got := SplitFailure(smsc.ErrTooManySegments); got.Outcome != Failed || !got.Permanent {
		t.Errorf("too many segments: %+v, want a permanent failure", got)
	}
}

// BenchmarkInProcessDispatcher measures one two-segment push handed by the
// PPG's in-process dispatcher to the SMSC's transaction engine, delivered
// over the ideal network (on a virtual clock) to a handset that reassembles
// and decodes it, and reported back.
func BenchmarkInProcessDispatcher(b *testing.B) {
	netCfg, err := radio.Profile("ideal")
	if err != nil {
		b.Fatal(err)
	}
	r := newInProcessRig(b, netCfg)
	r.pushes = nil // the population's events are not kept
	payload := twoSegmentSI(b, "http://content.example.com/bench")
	results := make(chan SubmitResult, 1)
	done := func(res SubmitResult) { results <- res }
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		msisdn := "35840" + strconv.Itoa(1000000+i%100000)
		r.disp.Submit(SubmitRequest{MSISDN: msisdn, Payload: payload, Ref: uint16(i)}, done)
		for len(results) == 0 {
			if !r.clk.Step() {
				b.Fatal("no outcome and no timer left")
			}
		}
		if res := <-results; res.Outcome != Delivered {
			b.Fatalf("outcome %v (%v)", res.Outcome, res.Err)
		}
	}
}

// TestPushInProcess: a push given to PPG.Push, without HTTP, is answered
// 1001, stored, sent through the in-process dispatcher and reaches the
// handset; one the PPG must refuse is refused with the code /pap gives.
func TestPushInProcess(t *testing.T) {
	netCfg, err := radio.Profile("ideal")
	if err != nil {
		t.Fatal(err)
	}
	r := newInProcessRig(t, netCfg)
	st := store.NewPushMemory()
	// No retention purge: its hourly timer would keep the clock stepping.
	p, err := New(Config{Clock: r.clk, SenderAddress: "http://ppg.test/pap", Retention: -1}, st, r.disp)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer p.Close()

	m := pushMessage("inproc-1@pi.test", "+358401234567")
	control, err := pap.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	req := &pap.Request{Message: m, Control: pap.NewEntity("application/xml", control), Content: siEntity(t, "si-short.xml")}
	resp := p.Push(t.Context(), "", req)
	if resp.Result.Code != pap.CodeAccepted || resp.PushID != m.PushID || resp.SenderAddress != "http://ppg.test/pap" {
		t.Fatalf("push-response %+v, want 1001 from the configured sender", resp)
	}
	for r.clk.Step() {
	}
	select {
	case ev := <-r.pushes:
		if ev.MSISDN != "358401234567" {
			t.Errorf("push reached %s", ev.MSISDN)
		}
	default:
		t.Fatal("the handset got no push")
	}
	sp, err := st.GetPush(t.Context(), "", m.PushID)
	if err != nil {
		t.Fatal(err)
	}
	if got := sp.Deliveries[0].State; got != store.DeliveryDelivered {
		t.Errorf("stored state %v, want delivered", got)
	}

	if resp := p.Push(t.Context(), "", req); resp.Result.Code != pap.CodeDuplicatePushID {
		t.Errorf("the same push-id again: %v, want %v", resp.Result.Code, pap.CodeDuplicatePushID)
	}
	if resp := p.Push(t.Context(), "", &pap.Request{Message: m}); resp.Result.Code != pap.CodeBadRequest {
		t.Errorf("no content entity: %v, want %v", resp.Result.Code, pap.CodeBadRequest)
	}
}
