package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/txpush/txpush/internal/refpdu"
	"github.com/txpush/txpush/pap"
	"github.com/txpush/txpush/smpp"
	"github.com/txpush/txpush/wap/content"
	"github.com/txpush/txpush/wap/wdp"
)

// testLauncher runs a txpush command in the test binary (see TestMain),
// as startDaemon does.
func testLauncher(args []string) *exec.Cmd {
	argv, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "TXPUSH_TEST_MAIN="+string(argv))
	return cmd
}

func TestBenchRunsThroughDaemons(t *testing.T) {
	set := benchSettings{Pushes: 300, Concurrency: 16, Mode: "transaction", Segments: 2, Wait: 30 * time.Second, Tap: true, SMSC: "txpush"}
	var logs strings.Builder
	rep, err := runBench(t.Context(), set, testLauncher, &logs)
	if err != nil {
		t.Fatalf("runBench: %v\n%s", err, logs.String())
	}
	if rep.Posted != 300 || rep.Accepted != 300 || rep.Delivered != 300 {
		t.Errorf("posted %d, accepted %d, delivered %d; want 300 each", rep.Posted, rep.Accepted, rep.Delivered)
	}
	if rep.Refused+rep.Errors+rep.Undelivered+rep.Missing != 0 {
		t.Errorf("refused %d, errors %d, undelivered %d, missing %d; want none", rep.Refused, rep.Errors, rep.Undelivered, rep.Missing)
	}
	if rep.AcceptRate <= 0 || rep.CompleteRate <= 0 || rep.Seconds < rep.PostSeconds {
		t.Errorf("accepted/s %v, completed/s %v, seconds %v < posting %v", rep.AcceptRate, rep.CompleteRate, rep.Seconds, rep.PostSeconds)
	}
	if len(rep.Components) != 3 || rep.Components[0].Name != "ppg" || rep.Components[1].Name != "smsc" || rep.Components[2].Name != "bench" {
		t.Fatalf("components %+v, want ppg, smsc and bench", rep.Components)
	}
	// The PPG parses, stores and dispatches 300 pushes and posts 300
	// notifications: that is tens of milliseconds of CPU at least, several
	// clock ticks.
	if c := rep.Components[0]; c.CPUSeconds <= 0 || c.CPUPerPushUS <= 0 {
		t.Errorf("ppg CPU %v s, %v µs/push; want > 0", c.CPUSeconds, c.CPUPerPushUS)
	}
	if rep.HostReferenceNS <= 0 {
		t.Errorf("host reference %v ns; want the time of an encoding", rep.HostReferenceNS)
	}
	for _, c := range rep.Components {
		if c.CPUSeconds < 0 || c.PeakRSSKiB <= 0 || c.PeakRSSKiB < c.PeakRSSBeforeKiB {
			t.Errorf("%s: CPU %v s, peak RSS %d KiB (at start %d)", c.Name, c.CPUSeconds, c.PeakRSSKiB, c.PeakRSSBeforeKiB)
		}
	}
	for name, l := range map[string]latencySummary{"POST → 1001": rep.PostToAccepted, "POST → submit_sm": rep.PostToSubmit,
		"POST → reassembled": rep.PostToReassembled, "POST → notification": rep.PostToNotified} {
		if l.Count != 300 || l.Min <= 0 || l.Min > l.P50 || l.P50 > l.P90 || l.P90 > l.P99 || l.P99 > l.Max {
			t.Errorf("%s: %+v; want 300 ordered positive figures", name, l)
		}
	}

	// Each push is submitted, then reassembled at the handset, before
	// its outcome can be notified.
	if rep.PostToSubmit.Max >= rep.PostToNotified.Max || rep.PostToSubmit.Min >= rep.PostToNotified.Min {
		t.Errorf("POST → submit_sm %+v not before POST → notification %+v", rep.PostToSubmit, rep.PostToNotified)
	}
	if rep.PostToSubmit.Min >= rep.PostToReassembled.Min || rep.PostToReassembled.Min >= rep.PostToNotified.Min {
		t.Errorf("POST → reassembled %+v not between submit_sm %+v and notification %+v", rep.PostToReassembled, rep.PostToSubmit, rep.PostToNotified)
	}

	var table strings.Builder
	rep.writeTable(&table)
	for _, want := range []string{"accepted 300", "delivered 300", "ppg ", "smsc ", "POST → 1001", "POST → submit_sm", "POST → reassembled", "POST → notification"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, table.String())
		}
	}
}

// With a hold the SMSC keeps each answer back (txpush smsc: the handsets
// hold their deliver_sm; answer: the SMSC holds its submit_sm_resp): the
// transactions are parked in the PPG and the 1001s are not held.
func TestBenchHoldKeepsTransactionsParked(t *testing.T) {
	for _, smsc := range []string{"txpush", "answer"} {
		t.Run(smsc, func(t *testing.T) { testBenchHold(t, smsc) })
	}
}

func testBenchHold(t *testing.T, smsc string) {
	const hold = 200 * time.Millisecond
	set := benchSettings{Pushes: 5, Concurrency: 5, Hold: hold, Mode: "transaction", Segments: 1, Wait: 30 * time.Second, Tap: true, SMSC: smsc}
	var logs strings.Builder
	rep, err := runBench(t.Context(), set, testLauncher, &logs)
	if err != nil {
		t.Fatalf("runBench: %v\n%s", err, logs.String())
	}
	if rep.Delivered != 5 {
		t.Fatalf("delivered %d of 5: %+v", rep.Delivered, rep)
	}
	// The PPG answers 1001 once the push is stored and submits it at once,
	// before the air has carried it; the notification waits for the held
	// SMS.
	if got := rep.PostToNotified.Min; got < ms(hold) {
		t.Errorf("fastest notification %.1f ms after its POST; want ≥ %v", got, hold)
	}
	if got := rep.PostToReassembled; smsc == "txpush" && (got.Count != 5 || got.Min < ms(hold)) {
		t.Errorf("POST → reassembled %+v; want 5, none sooner than the hold %v", got, hold)
	}
	if got := rep.PostToAccepted.Max; got >= ms(hold) {
		t.Errorf("slowest 1001 %.1f ms after its POST; want < %v, the answer must not wait for the air", got, hold)
	}
	if rep.PostToSubmit.Count != 5 || rep.PostToSubmit.Max >= ms(hold) {
		t.Errorf("POST → submit_sm %+v; want 5, all sooner than %v", rep.PostToSubmit, hold)
	}
}

// By default the PPG submits to the bench's answering SMSC: no SMSC
// process, no handsets, each submit timed as it arrives.
func TestBenchAnsweringSMSC(t *testing.T) {
	set := benchSettings{Pushes: 300, Concurrency: 16, Mode: "transaction", Segments: 2, Wait: 30 * time.Second}
	var logs strings.Builder
	rep, err := runBench(t.Context(), set, testLauncher, &logs)
	if err != nil {
		t.Fatalf("runBench: %v\n%s", err, logs.String())
	}
	if rep.SMSC != "answer" || rep.Accepted != 300 || rep.Delivered != 300 || rep.Missing+rep.Undelivered+rep.Refused+rep.Errors != 0 {
		t.Fatalf("SMSC %q, accepted %d, delivered %d, missing %d; want answer, 300, 300, 0", rep.SMSC, rep.Accepted, rep.Delivered, rep.Missing)
	}
	if len(rep.Components) != 2 || rep.Components[0].Name != "ppg" || rep.Components[1].Name != "bench" {
		t.Fatalf("components %+v, want ppg and bench", rep.Components)
	}
	if rep.PostToSubmit.Count != 300 || rep.PostToReassembled.Count != 0 {
		t.Errorf("POST → submit_sm %+v, POST → reassembled %+v; want 300 and none", rep.PostToSubmit, rep.PostToReassembled)
	}
	if rep.PostToSubmit.Min >= rep.PostToNotified.Min || rep.PostToSubmit.Max >= rep.PostToNotified.Max {
		t.Errorf("POST → submit_sm %+v not before POST → notification %+v", rep.PostToSubmit, rep.PostToNotified)
	}
}

// With no notifications asked for, the run ends when the PPG has recorded
// every outcome, read from its metrics.
func TestBenchWithoutNotifications(t *testing.T) {
	var out, errs strings.Builder
	code := bench(t.Context(), []string{"--pushes", "200", "--notify=false", "--json"}, testLauncher, &out, &errs)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errs.String())
	}
	var rep benchReport
	if err := json.Unmarshal([]byte(out.String()), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if rep.Notify || rep.Accepted != 200 || rep.Recorded != 200 || rep.Delivered+rep.Undelivered+rep.Missing != 0 {
		t.Errorf("notify %v, accepted %d, recorded %d, notified %d, missing %d; want false, 200, 200, 0, 0",
			rep.Notify, rep.Accepted, rep.Recorded, rep.Delivered+rep.Undelivered, rep.Missing)
	}
	if rep.PostToSubmit.Count != 200 || rep.PostToNotified.Count != 0 {
		t.Errorf("POST → submit_sm %d, POST → notification %d; want 200 and 0", rep.PostToSubmit.Count, rep.PostToNotified.Count)
	}
	var table strings.Builder
	rep.writeTable(&table)
	if !strings.Contains(table.String(), "200 recorded by the PPG") {
		t.Errorf("table:\n%s", table.String())
	}
}

func TestBenchCommandJSON(t *testing.T) {
	var out, errs strings.Builder
	code := bench(t.Context(), []string{"--pushes", "40", "--rate", "400", "--json"}, testLauncher, &out, &errs)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errs.String())
	}
	var rep benchReport
	if err := json.Unmarshal([]byte(out.String()), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if rep.Accepted != 40 || rep.Delivered != 40 || rep.TargetRate != 400 {
		t.Errorf("accepted %d, delivered %d, rate %v; want 40, 40, 400", rep.Accepted, rep.Delivered, rep.TargetRate)
	}
	// 40 pushes paced at 400/s take 97.5 ms from the first POST to the
	// last.
	if rep.PostSeconds < 0.0975 {
		t.Errorf("posting took %.3f s; at 400/s 40 pushes take at least 0.0975 s", rep.PostSeconds)
	}
}

func TestBenchFlagErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--pushes", "10", "--duration", "1s"},
		{"--segments", "4"},
		{"--mode", "carrier-pigeon"},
		{"--smsc", "carrier-pigeon"},
		{"--notify=maybe"},
		{"--mode", "legacy"}, // needs --smsc txpush
		{"--concurrency", "0"},
		{"--repeat", "-1"},
		{"--rate", "-1"},
		{"extra"},
	} {
		var out, errs strings.Builder
		if code := bench(context.Background(), args, testLauncher, &out, &errs); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
		if errs.Len() == 0 {
			t.Errorf("%q: nothing said on stderr", args)
		}
	}
}

func TestBenchReportsADaemonThatWillNotStart(t *testing.T) {
	var out, errs strings.Builder
	code := bench(t.Context(), []string{"--pushes", "1", "--ppg-arg=--no-such-flag"}, testLauncher, &out, &errs)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if !strings.Contains(errs.String(), "ppg ended before it was ready") || !strings.Contains(errs.String(), "no-such-flag") {
		t.Errorf("stderr does not say why the PPG did not start:\n%s", errs.String())
	}
	if out.Len() != 0 {
		t.Errorf("a report without a run:\n%s", out.String())
	}
}

func TestParseProcStat(t *testing.T) {
	// A command name may hold spaces and parentheses.
	stat := []byte("4242 (txp (x) y) S 1 4242 4242 0 -1 4194560 1017 0 0 0 250 37 0 0 20 0 9 0 123 0 0")
	got, err := parseProcStatCPU(stat)
	if err != nil {
		t.Fatal(err)
	}
	if want := 2.87; got != want {
		t.Errorf("CPU %v s, want %v (287 ticks)", got, want)
	}
	for _, bad := range []string{"", "4242 txpush S 1", "4242 (txpush) S 1 2 3", "4242 (t) S 1 4242 4242 0 -1 4194560 1017 0 0 0 x 37 0"} {
		if _, err := parseProcStatCPU([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}

	status := []byte("Name:\ttxpush\nVmPeak:\t 1300000 kB\nVmHWM:\t   34567 kB\nVmRSS:\t   30000 kB\n")
	if kib, err := parseProcStatusKiB(status, "VmHWM:"); err != nil || kib != 34567 {
		t.Errorf("VmHWM %d, %v; want 34567", kib, err)
	}
	if _, err := parseProcStatusKiB([]byte("Name:\tx\n"), "VmHWM:"); err == nil {
		t.Error("missing VmHWM: no error")
	}
}

func TestReadProcUsageOfSelf(t *testing.T) {
	u, err := readProcUsage(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if u.cpu < 0 || u.peakRSS <= 0 {
		t.Errorf("%+v", u)
	}
}

func TestSummarize(t *testing.T) {
	var d []time.Duration
	for i := 100; i >= 1; i-- { // out of order on purpose
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	got := summarize(d)
	want := latencySummary{Count: 100, Min: 1, P50: 50, P90: 90, P99: 99, Max: 100}
	if got != want {
		t.Errorf("summarize 1..100 ms = %+v, want %+v", got, want)
	}
	if got := summarize(nil); got != (latencySummary{}) {
		t.Errorf("summarize(nil) = %+v", got)
	}
}

func TestPushTemplate(t *testing.T) {
	tmpl, err := newPushTemplate(1, "http://127.0.0.1:9/notify")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var buf []byte
	for _, i := range []int{0, 7, 123456, 9999999} {
		buf = tmpl.body(buf[:0], i)
		req, err := pap.ReadRequest(tmpl.contentType, strings.NewReader(string(buf)), 0)
		if err != nil {
			t.Fatalf("push %d: %v", i, err)
		}
		m, ok := req.Message.(*pap.PushMessage)
		if !ok {
			t.Fatalf("push %d: %T, want a push-message", i, req.Message)
		}
		if seen[m.PushID] || seen[m.Addresses[0].Value] {
			t.Errorf("push %d: push-id %s or address %s repeats", i, m.PushID, m.Addresses[0].Value)
		}
		seen[m.PushID], seen[m.Addresses[0].Value] = true, true
		if got, ok := tmpl.index(m.PushID); !ok || got != i {
			t.Errorf("index(%q) = %d, %v; want %d", m.PushID, got, ok, i)
		}
		if m.NotifyTo != "http://127.0.0.1:9/notify" {
			t.Errorf("push %d: notify-to %q", i, m.NotifyTo)
		}
	}
	if _, ok := tmpl.index("someone-else@example.com"); ok {
		t.Error("a foreign push-id has an index")
	}
}

func TestSIOfSegments(t *testing.T) {
	var sizes []int
	for segments := 1; segments <= 3; segments++ {
		doc, err := siOfSegments(segments)
		if err != nil {
			t.Fatal(err)
		}
		push, err := content.Compile(content.Content{Type: "text/vnd.wap.si", Body: doc}, content.Options{})
		if err != nil {
			t.Fatal(err)
		}
		pdu, err := push.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(pdu))
		if got := wdp.PartCount(len(pdu), false); got != segments {
			t.Errorf("%d-segment SI: a %d-octet push needs %d SMS", segments, len(pdu), got)
		}
	}
	// One SMS carries at most 140 octets; a part of a longer push loses 12
	// of them to the port and concatenation headers.
	if sizes[0] > 140 || sizes[2] <= 2*(140-12) {
		t.Errorf("push sizes %v", sizes)
	}
}

func TestTapTimesSubmitsByDestination(t *testing.T) {
	l := &benchLoad{pushes: make([]pushTimes, 10), start: time.Now().Add(-time.Second)}
	for _, p := range []smpp.PDU{
		&smpp.SubmitSM{Header: smpp.Header{Seq: 1}, ShortMessage: smpp.ShortMessage{ServiceType: "WAP", SourceAddr: "PPG", DestAddrTON: 1, DestAddrNPI: 1, DestinationAddr: "358000000003"}},
		&smpp.DataSM{Header: smpp.Header{Seq: 2}, SourceAddr: "PPG", DestinationAddr: "+358000000007"},
		// Not the bench's: out of range, too short, not digits.
		&smpp.SubmitSM{ShortMessage: smpp.ShortMessage{DestinationAddr: "358000000042"}},
		&smpp.SubmitSM{ShortMessage: smpp.ShortMessage{DestinationAddr: "3581"}},
		&smpp.SubmitSM{ShortMessage: smpp.ShortMessage{DestinationAddr: "358abcdefghi"}},
	} {
		b, err := smpp.Append(nil, p)
		if err != nil {
			t.Fatal(err)
		}
		l.submitted(b[16:])
	}
	l.submitted(nil)               // a truncated body changes nothing
	l.submitted([]byte("WAP\x00")) // and neither does a short one
	for i := range l.pushes {
		got := l.pushes[i].submitted.Load() != 0
		if want := i == 3 || i == 7; got != want {
			t.Errorf("push %d submitted: %v, want %v", i, got, want)
		}
	}
}

func TestTapRelaysBytesUnchanged(t *testing.T) {
	upstream, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer upstream.Close()
	l := &benchLoad{pushes: make([]pushTimes, 10), start: time.Now()}
	addr, err := l.startTap(upstream.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer l.tap.Close()

	var sent []byte
	for i, p := range []smpp.PDU{
		&smpp.EnquireLink{Header: smpp.Header{Seq: 1}},
		&smpp.SubmitSM{Header: smpp.Header{Seq: 2}, ShortMessage: smpp.ShortMessage{DestinationAddr: "358000000005", ShortMessage: []byte("hello")}},
		&smpp.Unbind{Header: smpp.Header{Seq: 3}},
	} {
		if sent, err = smpp.Append(sent, p); err != nil {
			t.Fatalf("PDU %d: %v", i, err)
		}
	}
	ppgSide, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer ppgSide.Close()
	if _, err := ppgSide.Write(sent); err != nil {
		t.Fatal(err)
	}
	smscSide, err := upstream.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer smscSide.Close()
	got := make([]byte, len(sent))
	if _, err := io.ReadFull(smscSide, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, sent) {
		t.Errorf("the SMSC got % x\nthe PPG sent % x", got, sent)
	}
	// And back, untouched.
	if _, err := smscSide.Write([]byte("answer")); err != nil {
		t.Fatal(err)
	}
	back := make([]byte, 6)
	if _, err := io.ReadFull(ppgSide, back); err != nil || string(back) != "answer" {
		t.Errorf("the PPG got %q, %v", back, err)
	}
	if l.pushes[5].submitted.Load() == 0 {
		t.Error("the submit to push 5 was not timed")
	}
}

// FuzzTapSubmitted feeds the tap's reading of submit bodies arbitrary
// bytes: it must not panic, and it may time at most one push.
func FuzzTapSubmitted(f *testing.F) {
	for _, p := range []smpp.PDU{
		&smpp.SubmitSM{ShortMessage: smpp.ShortMessage{ServiceType: "WAP", SourceAddr: "PPG", DestinationAddr: "358000000003", ShortMessage: []byte("x")}},
		&smpp.DataSM{SourceAddr: "PPG", DestinationAddr: "+358000000001"},
	} {
		b, err := smpp.Append(nil, p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b[16:])
	}
	f.Add([]byte{})
	f.Add([]byte("\x00\x01\x01\x00\x01\x01999999999"))
	f.Fuzz(func(t *testing.T, body []byte) {
		l := &benchLoad{pushes: make([]pushTimes, 8), start: time.Now()}
		l.submitted(body)
		timed := 0
		for i := range l.pushes {
			if l.pushes[i].submitted.Load() != 0 {
				timed++
			}
		}
		if timed > 1 {
			t.Errorf("one submit timed %d pushes", timed)
		}
	})
}

// FuzzParseProcStat: /proc is trusted, but a parser must not panic.
func FuzzParseProcStat(f *testing.F) {
	f.Add([]byte("4242 (txp (x) y) S 1 4242 4242 0 -1 4194560 1017 0 0 0 250 37 0 0 20 0 9 0 123 0 0"))
	f.Add([]byte("1 (a) R"))
	f.Fuzz(func(t *testing.T, stat []byte) {
		if cpu, err := parseProcStatCPU(stat); err == nil && cpu < 0 {
			t.Errorf("CPU %v s", cpu)
		}
	})
}

// The load generator's own costs per push: making a request from the
// template, and the tap's look at a submit.

func BenchmarkPushTemplateBody(b *testing.B) {
	tmpl, err := newPushTemplate(1, "http://127.0.0.1:9/notify")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var buf []byte
	i := 0
	for b.Loop() {
		buf = tmpl.body(buf[:0], i)
		i++
	}
}

func BenchmarkTapSubmitted(b *testing.B) {
	pdu, err := smpp.Append(nil, &smpp.SubmitSM{ShortMessage: smpp.ShortMessage{SourceAddr: "PPG", DestinationAddr: "358000000003"}})
	if err != nil {
		b.Fatal(err)
	}
	l := &benchLoad{pushes: make([]pushTimes, 8), start: time.Now()}
	b.ReportAllocs()
	for b.Loop() {
		l.submitted(pdu[16:])
	}
}

// The hold rides on `txpush smsc --air-latency`, flag or YAML.
func TestSMSCAirLatencySetting(t *testing.T) {
	set := defaultSMSCSettings()
	if _, err := parseWithConfig("smsc", []string{"--air-latency", "2s"}, io.Discard, &set, bindSMSCFlags); err != nil {
		t.Fatal(err)
	}
	if set.AirLatency != 2*time.Second {
		t.Errorf("--air-latency 2s: %v", set.AirLatency)
	}
	path := t.TempDir() + "/smsc.yaml"
	if err := os.WriteFile(path, []byte("air_latency: 1500ms\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	set = defaultSMSCSettings()
	if _, err := parseWithConfig("smsc", []string{"--config", path}, io.Discard, &set, bindSMSCFlags); err != nil {
		t.Fatal(err)
	}
	if set.AirLatency != 1500*time.Millisecond {
		t.Errorf("air_latency: 1500ms: %v", set.AirLatency)
	}
}

// --repeat makes that many runs, each reported, and ends with the spread
// of their figures: the median lies between the least and the most, and
// is the middle run's.
func TestBenchRepeat(t *testing.T) {
	var out, errs strings.Builder
	code := bench(t.Context(), []string{"--pushes", "100", "--notify=false", "--repeat", "3", "--json"}, testLauncher, &out, &errs)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errs.String())
	}
	var got struct {
		Runs    []benchReport `json:"runs"`
		Summary benchSummary  `json:"summary"`
	}
	if err := json.Unmarshal([]byte(out.String()), &got); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if len(got.Runs) != 3 || got.Summary.Runs != 3 {
		t.Fatalf("%d runs, summary of %d; want 3", len(got.Runs), got.Summary.Runs)
	}
	var rates, cpu []float64
	for i, r := range got.Runs {
		if r.Accepted != 100 || r.Recorded != 100 {
			t.Errorf("run %d: accepted %d, recorded %d; want 100", i, r.Accepted, r.Recorded)
		}
		rates = append(rates, r.AcceptRate)
		cpu = append(cpu, r.Components[0].CPUPerPushUS)
	}
	slices.Sort(rates)
	slices.Sort(cpu)
	if s := got.Summary.AcceptRate; s != (spread{rates[0], rates[1], rates[2]}) {
		t.Errorf("accepted/s spread %+v, want %v", s, rates)
	}
	if c := got.Summary.CPUPerPush; len(c) == 0 || c[0].Name != got.Runs[0].Components[0].Name || c[0].spread != (spread{cpu[0], cpu[1], cpu[2]}) {
		t.Errorf("CPU per push spread %+v, want %s %v", c, got.Runs[0].Components[0].Name, cpu)
	}
	var table strings.Builder
	got.Summary.writeTable(&table)
	if !strings.Contains(table.String(), "over 3 runs") || !strings.Contains(table.String(), "median") {
		t.Errorf("table:\n%s", table.String())
	}
	if spreadOf([]float64{4, 1, 3, 2}) != (spread{1, 2.5, 4}) {
		t.Errorf("spread of four runs %+v, want the mean of the middle two as the median", spreadOf([]float64{4, 1, 3, 2}))
	}
}

// The host reference encodes the PDU smpp's BenchmarkAppendSubmitSM
// encodes, and so takes as long as one of its iterations: well under the
// tens of microseconds a loop of anything else would show.
func TestHostReference(t *testing.T) {
	pdu, err := refpdu.SubmitSM()
	if err != nil {
		t.Fatal(err)
	}
	p, err := smpp.Unmarshal(pdu, 0)
	if err != nil {
		t.Fatal(err)
	}
	sm, ok := p.(*smpp.SubmitSM)
	if !ok {
		t.Fatalf("reference PDU decodes to %T", p)
	}
	if payload, _ := sm.TLVs.MessagePayload(); len(payload) != 200 || sm.DestinationAddr != "358401234567" {
		t.Fatalf("reference PDU decodes to %+v", sm)
	}
	ns, err := hostReference(20 * time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if ns <= 0 || ns > 20000 {
		t.Errorf("an encoding took %v ns; want between 0 and 20 µs", ns)
	}
}
