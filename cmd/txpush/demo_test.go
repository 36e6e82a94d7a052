package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/txpush/txpush/clock"
	"github.com/txpush/txpush/handset"
	"github.com/txpush/txpush/ppg"
	"github.com/txpush/txpush/radio"
	"github.com/txpush/txpush/smsc"
	"github.com/txpush/txpush/store"
	"github.com/txpush/txpush/wap/content"
	"github.com/txpush/txpush/wap/wdp"
)

// runDemo runs `txpush demo` with args and returns its exit code and
// output, failing the test if it does not end within limit.
func runDemo(t *testing.T, limit time.Duration, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	var out, errb bytes.Buffer
	code := demoMain(ctx, args, &out, &errb)
	if ctx.Err() != nil {
		t.Fatalf("txpush demo %v did not finish within %v:\n%s%s", args, limit, out.String(), errb.String())
	}
	return code, out.String() + errb.String()
}

// summaryCount reads one row of the summary table.
func summaryCount(t *testing.T, out, name string) int {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` +(\d+)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no %q row in the summary:\n%s", name, out)
	}
	n, err := strconv.Atoi(m[1])
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// checkAccounted checks that every one of the pushes was posted, accepted
// and ended delivered or failed with a cause, and returns the number
// delivered.
func checkAccounted(t *testing.T, out string, pushes int) (delivered int) {
	t.Helper()
	accepted, failed := summaryCount(t, out, "accepted"), summaryCount(t, out, "failed")
	delivered = summaryCount(t, out, "delivered")
	if got := summaryCount(t, out, "posted"); got != pushes {
		t.Errorf("posted %d of %d pushes", got, pushes)
	}
	if accepted != pushes || summaryCount(t, out, "refused") != 0 {
		t.Errorf("accepted %d of %d pushes", accepted, pushes)
	}
	if delivered+failed != accepted || summaryCount(t, out, "no result") != 0 {
		t.Errorf("delivered %d + failed %d != accepted %d", delivered, failed, accepted)
	}
	if n := summaryCount(t, out, "notifications"); n != accepted {
		t.Errorf("%d result notifications for %d accepted pushes", n, accepted)
	}
	return delivered
}

// TestDemoIdeal: on the ideal network every push of the scripted load
// reaches its handset, is reported delivered to the PI and is fetched
// through the WAP gateway from the content server, in each way the PPG can
// reach the SMSC.
func TestDemoIdeal(t *testing.T) {
	const pushes = 200
	for _, mode := range [][]string{
		{"--mode", "transaction", "--smsc-mode", "integrated"},
		{"--mode", "transaction", "--smsc-mode", "separate"},
		{"--mode", "legacy"},
	} {
		t.Run(strings.Join(mode, " "), func(t *testing.T) {
			args := append([]string{"--pushes", strconv.Itoa(pushes), "--network", "ideal"}, mode...)
			code, out := runDemo(t, 20*time.Second, args...)
			if code != 0 {
				t.Fatalf("exit %d:\n%s", code, out)
			}
			if d := checkAccounted(t, out, pushes); d != pushes {
				t.Errorf("delivered %d of %d on the ideal network:\n%s", d, pushes, out)
			}
			for _, row := range []string{"at handsets", "handset fetches", "content served"} {
				if n := summaryCount(t, out, row); n != pushes {
					t.Errorf("%s: %d, want %d", row, n, pushes)
				}
			}
			if n := summaryCount(t, out, "fetch failures"); n != 0 {
				t.Errorf("%d fetches failed:\n%s", n, out)
			}
			if strings.Contains(mode[len(mode)-1], "integrated") == strings.Contains(out, "SMSC SMPP on ") {
				t.Errorf("the SMPP endpoint is printed exactly when the PPG reaches the SMSC over SMPP:\n%s", out)
			}
		})
	}
}

// TestDemoTypical: on the typical network some pushes may fail, but each
// ends delivered or failed with a cause, and the PI hears of each.
func TestDemoTypical(t *testing.T) {
	const pushes = 100
	code, out := runDemo(t, 50*time.Second, "--pushes", strconv.Itoa(pushes), "--network", "typical")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	delivered := checkAccounted(t, out, pushes)
	if delivered < pushes*9/10 {
		t.Errorf("delivered %d of %d on the typical network with no absent handsets:\n%s", delivered, pushes, out)
	}
	if !strings.Contains(out, "network typical with absent share 0 (the profile's 0.1: --absent)") {
		t.Errorf("the summary does not say the absent share:\n%s", out)
	}
}

// TestDemoServes: with no --pushes the demo runs as a daemon that any PI
// can push through.
func TestDemoServes(t *testing.T) {
	d := startDaemon(t, "demo", "--network", "ideal")
	papURL := strings.TrimSuffix(d.waitLine(t, "demo: PAP on "), " (and /wappush)")
	contentURL := d.waitLine(t, "demo: content server on ")
	var out, errb bytes.Buffer
	code := pushMain(context.Background(), []string{"--ppg", papURL, "--to", "+358401234567",
		"--si-href", contentURL + "/si/news", "--si-text", "hello", "--wait", "--wait-timeout", "20s"}, &out, &errb)
	if code != 0 || !strings.Contains(out.String(), "message-state=delivered") {
		t.Fatalf("txpush push: exit %d\n%s%s\ndemo:\n%s", code, out.String(), errb.String(), d.logs())
	}
	// The demo's PPG serves its status page and metrics beside PAP.
	base := strings.TrimSuffix(papURL, "/pap")
	for path, want := range map[string]string{"/status": "delivered", "/metrics": "txpush_ppg_pushes_accepted_total 1"} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
			t.Errorf("%s: %d, want a page with %q", path, resp.StatusCode, want)
		}
	}
}

// TestDemoFlags: bad settings are usage errors.
func TestDemoFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--mode", "bulk"},
		{"--smsc-mode", "remote"},
		{"--network", "lunar", "--pushes", "1"},
		{"--absent", "1"},
		{"--concurrency", "0"},
		{"--handsets", "0"},
	} {
		var out, errb bytes.Buffer
		code := demoMain(context.Background(), args, &out, &errb)
		if code == 0 {
			t.Errorf("txpush demo %v: exit 0, want an error", args)
		}
		if errb.Len() == 0 {
			t.Errorf("txpush demo %v: nothing said on stderr", args)
		}
	}
}

// inProcessRig is an SMSC on a virtual clock with a population of
// handsets behind the ideal network, and the in-process dispatcher in
// front of it.
type inProcessRig struct {
	clk    *clock.Virtual
	disp   *inProcessDispatcher
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
	r.disp = &inProcessDispatcher{smsc: sc, account: "ppg"}
	return r
}

// submit submits req and runs the clock until its outcome is known.
func (r *inProcessRig) submit(t *testing.T, req ppg.SubmitRequest) ppg.SubmitResult {
	t.Helper()
	results := make(chan ppg.SubmitResult, 1)
	r.disp.Submit(req, func(res ppg.SubmitResult) { results <- res })
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
	req := ppg.SubmitRequest{MSISDN: "358401234567", Payload: twoSegmentSI(t, href), Ref: 7}
	if res := r.submit(t, req); res.Outcome != ppg.Delivered {
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

	if res := r.submit(t, req); res.Outcome != ppg.Delivered {
		t.Fatalf("repeat: outcome %v (%v), want the first one's, delivered", res.Outcome, res.Err)
	}
	for r.clk.Step() {
	}
	select {
	case ev := <-r.pushes:
		t.Errorf("the repeat was delivered again: %+v", ev)
	default:
	}

	res := r.submit(t, ppg.SubmitRequest{MSISDN: "PPG", Payload: req.Payload, Ref: 8})
	if res.Outcome != ppg.Failed || !res.Permanent || !errors.Is(res.Err, smsc.ErrInvalidMSISDN) {
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
	res := r.submit(t, ppg.SubmitRequest{MSISDN: "358401234567", Payload: twoSegmentSI(t, "http://content.example.com/x"), Ref: 1})
	var rerr *radio.Error
	if res.Outcome != ppg.Failed || !res.Permanent || !errors.As(res.Err, &rerr) || rerr.Code != radio.UnknownSubscriber {
		t.Errorf("result %+v, want a permanent failure with unknownSubscriber", res)
	}
}

// TestTxnResult: each transaction outcome maps to the PPG's outcome that
// makes it do the right thing next.
func TestTxnResult(t *testing.T) {
	absent := &radio.Error{Code: radio.AbsentSubscriberSM}
	for _, c := range []struct {
		in        smsc.TxnOutcome
		outcome   ppg.Outcome
		permanent bool
	}{
		{smsc.TxnOutcome{Failure: smsc.TxnDelivered, Delivered: 2, Total: 2}, ppg.Delivered, false},
		{smsc.TxnOutcome{Failure: smsc.TxnPermanent, Err: &radio.Error{Code: radio.CallBarred}}, ppg.Failed, true},
		{smsc.TxnOutcome{Failure: smsc.TxnAttempts, Err: absent}, ppg.Failed, false},
		{smsc.TxnOutcome{Failure: smsc.TxnDeadline}, ppg.Failed, false},
		{smsc.TxnOutcome{Failure: smsc.TxnRejected}, ppg.Busy, false},
	} {
		got := txnResult(c.in)
		if got.Outcome != c.outcome || got.Permanent != c.permanent {
			t.Errorf("%+v: got %v permanent %v, want %v permanent %v", c.in, got.Outcome, got.Permanent, c.outcome, c.permanent)
		}
		if c.outcome != ppg.Delivered && got.Err == nil {
			t.Errorf("%+v: a failure with no cause", c.in)
		}
		if c.in.Err != nil && !errors.Is(got.Err, c.in.Err) {
			t.Errorf("%+v: the radio error is lost: %v", c.in, got.Err)
		}
	}
	if got := splitFailure(wdp.ErrNoReference); got.Outcome != ppg.Busy {
		t.Errorf("no concatenation reference: %v, want busy", got.Outcome)
	}
	if got := splitFailure(smsc.ErrTooManySegments); got.Outcome != ppg.Failed || !got.Permanent {
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
	results := make(chan ppg.SubmitResult, 1)
	done := func(res ppg.SubmitResult) { results <- res }
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		msisdn := "35840" + strconv.Itoa(1000000+i%100000)
		r.disp.Submit(ppg.SubmitRequest{MSISDN: msisdn, Payload: payload, Ref: uint16(i)}, done)
		for len(results) == 0 {
			if !r.clk.Step() {
				b.Fatal("no outcome and no timer left")
			}
		}
		if res := <-results; res.Outcome != ppg.Delivered {
			b.Fatalf("outcome %v (%v)", res.Outcome, res.Err)
		}
	}
}
