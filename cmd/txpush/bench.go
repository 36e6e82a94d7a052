package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/txpush/txpush/internal/httpfast"
	"github.com/txpush/txpush/internal/keepalive"
	"github.com/txpush/txpush/pap"
	"github.com/txpush/txpush/wap/content"
)

// `txpush bench` measures the real daemons in real time: it starts
// `txpush ppg` (and, with --smsc txpush, `txpush smsc`) as child processes
// on loopback, posts PAP pushes to the PPG, receives their result
// notifications, and reads each child's CPU time and peak memory (the
// SMSC's from /proc at the end of the run, the PPG's when it has shut down,
// its store's last checkpoint included), so that the load generator's own
// work is not counted against the components. By default the PPG submits
// to an SMSC in the bench that answers at once (answeringSMSC).

// benchSettings are the flags of `txpush bench`.
type benchSettings struct {
	Pushes      int
	Duration    time.Duration
	Rate        float64
	Concurrency int
	Hold        time.Duration
	Mode        string
	Segments    int
	KeepDir     bool
	JSON        bool
	Tap         bool
	// NoNotify asks for no result notifications (--notify=false).
	NoNotify bool
	// SMSC is "answer" (the bench's own SMSC answers every submit at once)
	// or "txpush" (a txpush smsc process, with the bench's handsets).
	SMSC string
	Wait time.Duration
	// PPGArgs and SMSCArgs are passed on to the daemons after the bench's
	// own, so that they win: e.g. --binds 2, --window 10000.
	PPGArgs, SMSCArgs stringList
	// Repeat is how many runs to make, one after another, each with
	// daemons of its own.
	Repeat int
}

func bindBenchFlags(fs *flag.FlagSet, s *benchSettings) {
	fs.IntVar(&s.Pushes, "pushes", 0, "post this many pushes (default 1000 unless --duration is given)")
	fs.DurationVar(&s.Duration, "duration", 0, "post pushes for this long instead of a fixed number")
	fs.Float64Var(&s.Rate, "rate", 0, "pushes per second to post (0: as fast as the workers can)")
	fs.IntVar(&s.Concurrency, "concurrency", 64, "PAP requests in flight at most")
	fs.DurationVar(&s.Hold, "hold", 0, "how long each answer is held back: the answering SMSC's submit_sm_resp, or with --smsc txpush each handset's deliver_sm_resp, so that transactions stay parked (0: none)")
	fs.StringVar(&s.Mode, "mode", "transaction", "the PPG's mode: transaction or legacy")
	fs.IntVar(&s.Segments, "segments", 1, "SMS per push: 1, 2 or 3")
	fs.BoolVar(&s.KeepDir, "keep-dir", false, "keep the directory of the daemons' stores and logs")
	fs.BoolVar(&s.JSON, "json", false, "print the report as JSON")
	fs.BoolFunc("notify", "ask for a result notification with every push (default true); false: none is asked for, and the run ends when the PPG has recorded every push's outcome", func(v string) error {
		notify, err := strconv.ParseBool(v)
		s.NoNotify = !notify
		return err
	})
	fs.StringVar(&s.SMSC, "smsc", "answer", "answer: an SMSC in the bench that answers every submit ESME_ROK at once (or after --hold), so that the run measures the PPG; txpush: a txpush smsc process with the bench's handsets bound to it, the whole chain")
	fs.BoolVar(&s.Tap, "tap", true, "with --smsc txpush: relay the PPG's SMPP through the bench to time POST → submit_sm (adds a loopback hop)")
	fs.Var(&s.PPGArgs, "ppg-arg", "an extra argument for `txpush ppg` (e.g. --ppg-arg=--binds=2); repeatable")
	fs.Var(&s.SMSCArgs, "smsc-arg", "an extra argument for `txpush smsc`; repeatable")
	fs.DurationVar(&s.Wait, "wait", time.Minute, "after the last post, how long to wait for the outstanding notifications, or outcomes with --notify=false (plus the hold)")
	fs.IntVar(&s.Repeat, "repeat", 1, "make this many runs (0: one), one after another, each with fresh daemons, and end with the minimum, median and maximum of their figures (a shared host's load moves single runs by tens of percent)")
}

// launcher makes the command that runs `txpush ARGS...` in a child
// process. The real one re-executes this binary; tests substitute the
// test binary.
type launcher func(args []string) *exec.Cmd

// selfLauncher runs the txpush executable this process was started from.
func selfLauncher(args []string) *exec.Cmd {
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	return exec.Command(exe, args...)
}

func benchMain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return bench(ctx, args, selfLauncher, stdout, stderr)
}

// bench is `txpush bench` with the way children are started given.
func bench(ctx context.Context, args []string, launch launcher, stdout, stderr io.Writer) int {
	var set benchSettings
	fs := flag.NewFlagSet("txpush bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	bindBenchFlags(fs, &set)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "txpush bench: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if err := set.check(); err != nil {
		fmt.Fprintln(stderr, "txpush bench:", err)
		return 2
	}
	var reps []*benchReport
	code := 0
	for i := range set.Repeat {
		rep, err := runBench(ctx, set, launch, stderr)
		if err != nil {
			fmt.Fprintln(stderr, "txpush bench:", err)
			return 1
		}
		reps = append(reps, rep)
		if rep.Refused > 0 || rep.Errors > 0 || rep.Undelivered > 0 || rep.Missing > 0 {
			code = 1
		}
		if !set.JSON {
			if set.Repeat > 1 {
				fmt.Fprintf(stdout, "run %d of %d\n", i+1, set.Repeat)
			}
			rep.writeTable(stdout)
			fmt.Fprintln(stdout)
		}
	}
	var out any = reps[0]
	if set.Repeat > 1 {
		sum := summarizeRuns(reps)
		out = struct {
			Runs    []*benchReport `json:"runs"`
			Summary benchSummary   `json:"summary"`
		}{reps, sum}
		if !set.JSON {
			sum.writeTable(stdout)
		}
	}
	if set.JSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			fmt.Fprintln(stderr, "txpush bench:", err)
			return 1
		}
	}
	return code
}

// benchSummary is the spread of the figures of several runs.
type benchSummary struct {
	Runs       int           `json:"runs"`
	AcceptRate spread        `json:"accepted_per_second"`
	CPUPerPush []namedSpread `json:"cpu_per_push_us"` // by component, as the runs list them
	P99Submit  spread        `json:"post_to_submit_p99_ms"`
	HostRef    spread        `json:"host_reference_ns"`
}

// spread is the minimum, median and maximum of one figure over runs; the
// median of an even number of runs is the mean of the middle two.
type spread struct {
	Min    float64 `json:"min"`
	Median float64 `json:"median"`
	Max    float64 `json:"max"`
}

type namedSpread struct {
	Name string `json:"name"`
	spread
}

func spreadOf(v []float64) spread {
	v = slices.Sorted(slices.Values(v))
	n := len(v)
	return spread{Min: v[0], Median: (v[(n-1)/2] + v[n/2]) / 2, Max: v[n-1]}
}

// summarizeRuns gives the spread of the runs' throughput, CPU per push of
// each component, p99 POST → submit_sm and host reference.
func summarizeRuns(reps []*benchReport) benchSummary {
	figure := func(f func(*benchReport) float64) spread {
		var v []float64
		for _, r := range reps {
			v = append(v, f(r))
		}
		return spreadOf(v)
	}
	sum := benchSummary{
		Runs:       len(reps),
		AcceptRate: figure(func(r *benchReport) float64 { return r.AcceptRate }),
		P99Submit:  figure(func(r *benchReport) float64 { return r.PostToSubmit.P99 }),
		HostRef:    figure(func(r *benchReport) float64 { return r.HostReferenceNS }),
	}
	for i, c := range reps[0].Components {
		sum.CPUPerPush = append(sum.CPUPerPush, namedSpread{c.Name, figure(func(r *benchReport) float64 {
			if i < len(r.Components) { // the same daemons in every run
				return r.Components[i].CPUPerPushUS
			}
			return 0
		})})
	}
	return sum
}

func (s benchSummary) writeTable(w io.Writer) {
	fmt.Fprintf(w, "%-33s %10s %10s %10s\n", fmt.Sprintf("over %d runs", s.Runs), "min", "median", "max")
	line := func(name string, v spread, format string) {
		fmt.Fprintf(w, "%-33s "+format+" "+format+" "+format+"\n", name, v.Min, v.Median, v.Max)
	}
	line("accepted/s", s.AcceptRate, "%10.0f")
	for _, c := range s.CPUPerPush {
		line(c.Name+" CPU µs/push", c.spread, "%10.1f")
	}
	if s.P99Submit.Max > 0 {
		line("POST → submit_sm p99 (ms)", s.P99Submit, "%10.2f")
	}
	line("host reference (ns)", s.HostRef, "%10.0f")
}

// check rejects settings that cannot make a run, and fills the default
// push count.
func (s *benchSettings) check() error {
	switch {
	case s.Pushes < 0 || s.Duration < 0 || s.Rate < 0 || s.Hold < 0 || s.Wait < 0:
		return errors.New("--pushes, --duration, --rate, --hold and --wait must not be negative")
	case s.Pushes > 0 && s.Duration > 0:
		return errors.New("give --pushes or --duration, not both")
	case s.Concurrency < 1:
		return errors.New("--concurrency must be at least 1")
	case s.Repeat < 0:
		return errors.New("--repeat must not be negative")
	case s.Segments < 1 || s.Segments > 3:
		return errors.New("--segments must be 1, 2 or 3")
	case s.Mode != "transaction" && s.Mode != "legacy":
		return fmt.Errorf("--mode %q: want transaction or legacy", s.Mode)
	}
	switch s.SMSC {
	case "":
		s.SMSC = "answer"
	case "answer", "txpush":
	default:
		return fmt.Errorf("--smsc %q: want answer or txpush", s.SMSC)
	}
	if s.SMSC == "answer" && s.Mode == "legacy" {
		return errors.New("--mode legacy needs --smsc txpush: its parts wait for delivery receipts, which the answering SMSC does not send")
	}
	if s.Pushes == 0 && s.Duration == 0 {
		s.Pushes = 1000
	}
	s.Repeat = max(s.Repeat, 1)
	return nil
}

// benchReport is what a run measured. Durations are in the units their
// names say, so that the JSON form needs no explaining.
type benchReport struct {
	Mode        string  `json:"mode"`
	SMSC        string  `json:"smsc"`
	Notify      bool    `json:"notify"`
	Segments    int     `json:"segments"`
	HoldMS      float64 `json:"hold_ms"`
	TargetRate  float64 `json:"target_rate"`
	Concurrency int     `json:"concurrency"`
	// HostReferenceNS is how long the reference encoding took, the mean of
	// its timings just before and just after the run (hostReference): the
	// higher, the busier the shared host.
	HostReferenceNS float64 `json:"host_reference_ns"`

	Posted      int `json:"posted"`
	Accepted    int `json:"accepted"`    // answered 1001
	Refused     int `json:"refused"`     // answered with another code
	Errors      int `json:"errors"`      // no PAP answer at all
	Delivered   int `json:"delivered"`   // notified as delivered
	Undelivered int `json:"undelivered"` // notified in another final state
	Missing     int `json:"missing"`     // accepted, no notification within the wait
	// Recorded is, with no notifications asked for, how many deliveries
	// the PPG had recorded in a final state when the run ended.
	Recorded int `json:"recorded,omitempty"`

	// PostSeconds runs from the first POST to the last answer;
	// Seconds from the first POST to the last notification.
	PostSeconds  float64 `json:"post_seconds"`
	Seconds      float64 `json:"seconds"`
	AcceptRate   float64 `json:"accepted_per_second"`
	CompleteRate float64 `json:"completed_per_second"`

	Components []componentUsage `json:"components"`

	PostToAccepted latencySummary `json:"post_to_1001"`
	PostToSubmit   latencySummary `json:"post_to_submit"` // with --tap
	// PostToReassembled runs to the moment the bench's handset had the
	// push whole.
	PostToReassembled latencySummary `json:"post_to_reassembled"`
	PostToNotified    latencySummary `json:"post_to_notification"`

	Dir string `json:"dir,omitempty"` // kept with --keep-dir
}

// addComponent adds the usage of one process over the run.
func (r *benchReport) addComponent(name string, before, after procUsage) {
	c := componentUsage{
		Name:             name,
		CPUSeconds:       after.cpu - before.cpu,
		PeakRSSKiB:       after.peakRSS,
		PeakRSSBeforeKiB: before.peakRSS,
	}
	if r.Accepted > 0 {
		c.CPUPerPushUS = c.CPUSeconds / float64(r.Accepted) * 1e6
	}
	r.Components = append(r.Components, c)
}

// componentUsage is one daemon's cost over the run.
type componentUsage struct {
	Name             string  `json:"name"`
	CPUSeconds       float64 `json:"cpu_seconds"`
	CPUPerPushUS     float64 `json:"cpu_per_push_us"`
	PeakRSSKiB       int64   `json:"peak_rss_kib"`
	PeakRSSBeforeKiB int64   `json:"peak_rss_before_run_kib"`
}

// latencySummary holds percentiles in milliseconds.
type latencySummary struct {
	Count int     `json:"count"`
	Min   float64 `json:"min_ms"`
	P50   float64 `json:"p50_ms"`
	P90   float64 `json:"p90_ms"`
	P99   float64 `json:"p99_ms"`
	Max   float64 `json:"max_ms"`
}

func summarize(d []time.Duration) latencySummary {
	if len(d) == 0 {
		return latencySummary{}
	}
	slices.Sort(d)
	at := func(q float64) float64 {
		i := int(math.Ceil(q*float64(len(d)))) - 1
		i = max(0, min(i, len(d)-1))
		return ms(d[i])
	}
	return latencySummary{Count: len(d), Min: ms(d[0]), P50: at(0.50), P90: at(0.90), P99: at(0.99), Max: ms(d[len(d)-1])}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func (r *benchReport) writeTable(w io.Writer) {
	fmt.Fprintf(w, "txpush bench: mode %s, SMSC %s, %d SMS per push, hold %v, rate %s, concurrency %d\n",
		r.Mode, r.SMSC, r.Segments, time.Duration(r.HoldMS*float64(time.Millisecond)), rateText(r.TargetRate), r.Concurrency)
	fmt.Fprintf(w, "pushes     posted %d  accepted %d  refused %d  errors %d\n", r.Posted, r.Accepted, r.Refused, r.Errors)
	if r.Notify {
		fmt.Fprintf(w, "notified   delivered %d  undelivered %d  missing %d\n", r.Delivered, r.Undelivered, r.Missing)
		fmt.Fprintf(w, "duration   posting %.3f s  until last notification %.3f s\n", r.PostSeconds, r.Seconds)
		fmt.Fprintf(w, "throughput %.0f accepted/s  %.0f completed/s\n", r.AcceptRate, r.CompleteRate)
	} else {
		fmt.Fprintf(w, "outcomes   none notified (none asked for); %d recorded by the PPG\n", r.Recorded)
		fmt.Fprintf(w, "duration   posting %.3f s\n", r.PostSeconds)
		fmt.Fprintf(w, "throughput %.0f accepted/s\n", r.AcceptRate)
	}
	fmt.Fprintf(w, "\n%-6s %12s %14s %14s\n", "", "CPU s", "CPU µs/push", "peak RSS MiB")
	for _, c := range r.Components {
		fmt.Fprintf(w, "%-6s %12.3f %14.1f %14.1f\n", c.Name, c.CPUSeconds, c.CPUPerPushUS, float64(c.PeakRSSKiB)/1024)
	}
	fmt.Fprintf(w, "\n%-20s %8s %10s %10s %10s %10s %10s\n", "latency (ms)", "n", "min", "p50", "p90", "p99", "max")
	for _, l := range []struct {
		name string
		s    latencySummary
	}{{"POST → 1001", r.PostToAccepted}, {"POST → submit_sm", r.PostToSubmit},
		{"POST → reassembled", r.PostToReassembled}, {"POST → notification", r.PostToNotified}} {
		if l.s.Count == 0 {
			continue
		}
		fmt.Fprintf(w, "%-20s %8d %10.2f %10.2f %10.2f %10.2f %10.2f\n", l.name, l.s.Count, l.s.Min, l.s.P50, l.s.P90, l.s.P99, l.s.Max)
	}
	fmt.Fprintf(w, "\nhost reference: a submit_sm encoded in %.0f ns, mean of before and after the run (the higher, the busier the host; docs/PERFORMANCE.md)\n", r.HostReferenceNS)
	if r.Dir != "" {
		fmt.Fprintf(w, "\nstores and logs kept in %s\n", r.Dir)
	}
}

func rateText(r float64) string {
	if r == 0 {
		return "as fast as possible"
	}
	return strconv.FormatFloat(r, 'f', -1, 64) + "/s"
}

// runBench starts the daemons, runs the load and measures it. A daemon
// that ends during the run is reported to logw.
func runBench(ctx context.Context, set benchSettings, launch launcher, logw io.Writer) (*benchReport, error) {
	if err := set.check(); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "txpush-bench-")
	if err != nil {
		return nil, err
	}
	if !set.KeepDir {
		defer os.RemoveAll(dir)
	}

	// The group deadline must outlast the held segments, and the PPG must
	// wait longer than the deadline.
	deadline := 30*time.Second + 2*time.Duration(set.Segments)*set.Hold
	load, err := newBenchLoad(set)
	if err != nil {
		return nil, err
	}
	defer load.close()
	var smscAddr string
	var smscProc *child
	switch set.SMSC {
	case "answer":
		a, err := startAnsweringSMSC(set.Hold, load.submittedTo)
		if err != nil {
			return nil, err
		}
		defer a.close()
		smscAddr = a.addr()
	case "txpush":
		// The bench's handsets bind to the SMSC and take every push; the
		// simulated network is there only for an MSISDN none of them
		// matches. With no hold it takes next to no time; zero would leave
		// the profile's own latency in place.
		air := set.Hold
		if air <= 0 {
			air = time.Microsecond
		}
		smscArgs := append([]string{"smsc", "--smpp", "127.0.0.1:0", "--store", filepath.Join(dir, "smsc.db"),
			"--network", "ideal", "--air-latency", air.String(),
			"--txn-deadline", deadline.String(), "--log-level", "warn"}, set.SMSCArgs...)
		if smscProc, err = startChild(ctx, launch, dir, "smsc", "smsc: SMPP on ", smscArgs...); err != nil {
			return nil, err
		}
		defer smscProc.stop()
		handsets, err := startBenchHandsets(ctx, smscProc.addr, set.Hold, load.reassembled)
		if err != nil {
			return nil, err
		}
		defer handsets.close(context.WithoutCancel(ctx))
		smscAddr = smscProc.addr
		if set.Tap {
			if smscAddr, err = load.startTap(smscProc.addr); err != nil {
				return nil, err
			}
		}
	}

	// A window of 20,000 parks every transaction of a held run (thousands
	// a second for the hold) rather than turning pushes away as busy; it
	// is the SMSC's limit per account too.
	ppgArgs := append([]string{"ppg", "--pap", "127.0.0.1:0", "--smsc", smscAddr, "--store", filepath.Join(dir, "ppg.db"),
		"--mode", set.Mode, "--response-timeout", (deadline + 15*time.Second).String(), "--window", "20000",
		"--log-level", "warn"}, set.PPGArgs...)
	ppgProc, err := startChild(ctx, launch, dir, "ppg", "ppg: PAP on ", ppgArgs...)
	if err != nil {
		return nil, err
	}
	defer ppgProc.stop()
	papURL, _, _ := strings.Cut(ppgProc.addr, " ")
	if load.papURL, err = url.Parse(papURL); err != nil {
		return nil, fmt.Errorf("the PPG's PAP address: %w", err)
	}
	// The PPG answers PAP before its SMPP binds are up, and a push that
	// finds none is tried again a second later: that second is not what
	// the bench measures.
	metricsURL := strings.TrimSuffix(papURL, "/pap") + "/metrics"
	if err := waitPPGBound(ctx, metricsURL); err != nil {
		return nil, err
	}

	// Taken with the daemons up and idle, before their usage is read.
	hostRef, err := hostReference(hostReferenceTime)
	if err != nil {
		return nil, err
	}
	procs := []*child{ppgProc}
	if smscProc != nil {
		procs = append(procs, smscProc)
	}
	before := make([]procUsage, len(procs))
	for i, p := range procs {
		if before[i], err = p.usage(); err != nil {
			return nil, err
		}
	}
	self, err := readProcUsage(os.Getpid())
	if err != nil {
		return nil, err
	}
	load.run(ctx)
	wait := set.Wait + 2*time.Duration(set.Segments)*set.Hold
	recorded := 0
	if !set.NoNotify {
		load.waitNotifications(ctx, wait)
	} else if recorded, err = waitPPGOutcomes(ctx, metricsURL, load.acceptedCount(), wait); err != nil {
		fmt.Fprintln(logw, err)
	}
	selfAfter, err := readProcUsage(os.Getpid())
	if err != nil {
		return nil, err
	}
	rep := load.report()
	rep.Recorded = recorded
	var failures []error // daemons that ended during the run
	for _, p := range procs {
		if err := p.failure(); err != nil {
			failures = append(failures, err)
		}
	}
	// The PPG's work for the run ends with its shutdown, where the push
	// journal's last checkpoint writes what the run left to SQLite: its
	// usage is read once it has exited.
	ppgProc.stop()
	for i, p := range procs {
		after, err := p.usage()
		if err != nil {
			return nil, err
		}
		rep.addComponent(p.name, before[i], after)
	}
	// The host's speed moves within a run's seconds: the mean of a timing
	// on each side of it says more than either.
	hostRefAfter, err := hostReference(hostReferenceTime)
	if err != nil {
		return nil, err
	}
	rep.HostReferenceNS = (hostRef + hostRefAfter) / 2
	// The bench's own work (posting, taking notifications, the answering
	// SMSC or the handsets and the tap) shares the machine: on two cores
	// it bounds the throughput, so it is shown, apart from the components.
	rep.addComponent("bench", self, selfAfter)
	if set.KeepDir {
		rep.Dir = dir
	}
	for _, err := range failures {
		fmt.Fprintln(logw, err)
	}
	return rep, nil
}

// waitPPGBound polls the PPG's metrics until one of its SMPP sessions is
// bound.
func waitPPGBound(ctx context.Context, metricsURL string) error {
	bound := func(metrics string) bool {
		for line := range strings.Lines(metrics) {
			if strings.HasPrefix(line, `txpush_ppg_smpp_sessions{state="bound_`) && !strings.HasSuffix(strings.TrimSpace(line), " 0") {
				return true
			}
		}
		return false
	}
	if !pollMetrics(ctx, metricsURL, 30*time.Second, bound) {
		return fmt.Errorf("the PPG did not bind to the SMSC within 30 s (%s)", metricsURL)
	}
	return nil
}

// waitPPGOutcomes polls the PPG's metrics until it has recorded a final
// state for n deliveries: with no notifications asked for, that is the
// end of its work for the run.
func waitPPGOutcomes(ctx context.Context, metricsURL string, n int, wait time.Duration) (int, error) {
	final := 0
	done := func(metrics string) bool {
		final = 0
		for line := range strings.Lines(metrics) {
			if rest, ok := strings.CutPrefix(line, "txpush_ppg_deliveries_total{"); ok {
				_, count, _ := strings.Cut(rest, "} ")
				v, err := strconv.ParseFloat(strings.TrimSpace(count), 64)
				if err == nil {
					final += int(v)
				}
			}
		}
		return final >= n
	}
	if !pollMetrics(ctx, metricsURL, wait, done) {
		return final, fmt.Errorf("the PPG recorded %d outcomes of %d accepted pushes within %v", final, n, wait)
	}
	return final, nil
}

// pollMetrics reads metricsURL every 20 ms until ok says yes (true) or
// wait has passed (false).
func pollMetrics(ctx context.Context, metricsURL string, wait time.Duration, ok func(metrics string) bool) bool {
	deadline := time.Now().Add(wait)
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, metricsURL, nil)
		if err != nil {
			return false
		}
		// Uncompressed: the daemon's CPU is what the run measures, and
		// compressing its metrics page every 20 ms while a held run's
		// outcomes come in cost it about 2 µs per push.
		req.Header.Set("Accept-Encoding", "identity")
		if resp, err := http.DefaultClient.Do(req); err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if ok(string(body)) {
				return true
			}
		}
		if time.Now().After(deadline) {
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// exitUsage is the CPU time and peak memory of a process that has exited.
func exitUsage(ps *os.ProcessState) procUsage {
	u := procUsage{cpu: (ps.UserTime() + ps.SystemTime()).Seconds()}
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		u.peakRSS = ru.Maxrss // KiB on Linux
	}
	return u
}

// child is a txpush daemon running in a child process.
type child struct {
	name string
	cmd  *exec.Cmd
	addr string // the rest of the line that announced it
	log  *os.File
	done chan struct{}
	err  error // set before done closes
}

// startChild runs `txpush ARGS...` with its logs in dir and waits for the
// line starting with ready, whose rest is the daemon's address.
func startChild(ctx context.Context, launch launcher, dir, name, ready string, args ...string) (*child, error) {
	log, err := os.Create(filepath.Join(dir, name+".log"))
	if err != nil {
		return nil, err
	}
	cmd := launch(args)
	cmd.Stderr = log
	out, err := cmd.StdoutPipe()
	if err != nil {
		log.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		log.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	c := &child{name: name, cmd: cmd, log: log, done: make(chan struct{})}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		announced := false
		for sc.Scan() {
			if line := sc.Text(); !announced && strings.HasPrefix(line, ready) {
				announced = true
				lines <- strings.TrimPrefix(line, ready)
			}
		}
		c.err = cmd.Wait()
		log.Close()
		close(c.done)
	}()
	select {
	case c.addr = <-lines:
		return c, nil
	case <-c.done:
		return nil, fmt.Errorf("%s ended before it was ready (%v):\n%s", name, c.err, daemonLog(log.Name()))
	case <-time.After(30 * time.Second):
	case <-ctx.Done():
	}
	c.stop()
	return nil, fmt.Errorf("%s did not start:\n%s", name, daemonLog(log.Name()))
}

// daemonLog returns a daemon's log, its middle cut out when it is long,
// for an error message: the file itself goes with the bench's directory.
// A usage error is at the head, a failure of a running daemon at the tail.
func daemonLog(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	const head, tail = 1000, 2000
	if len(b) <= head+tail {
		return string(b)
	}
	return string(b[:head]) + "\n…\n" + string(b[len(b)-tail:])
}

// stop asks the daemon to shut down cleanly and kills it if it will not.
func (c *child) stop() {
	select {
	case <-c.done:
		return
	default:
	}
	c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(15 * time.Second):
		c.cmd.Process.Kill()
		<-c.done
	}
}

// usage is the daemon's CPU time and peak memory so far, or at its end
// when it has ended.
func (c *child) usage() (procUsage, error) {
	select {
	case <-c.done:
		return exitUsage(c.cmd.ProcessState), nil
	default:
		return readProcUsage(c.cmd.Process.Pid)
	}
}

// failure says whether the daemon ended during the run.
func (c *child) failure() error {
	select {
	case <-c.done:
		return fmt.Errorf("%s ended during the run: %v", c.name, c.err)
	default:
		return nil
	}
}

// procUsage is a process's CPU time and peak resident memory so far.
type procUsage struct {
	cpu     float64 // user + system seconds
	peakRSS int64   // KiB
}

// clockTicks is USER_HZ, the unit of the times in /proc/PID/stat: 100 on
// every Linux architecture Go supports.
const clockTicks = 100

// readProcUsage reads /proc/PID/stat and /proc/PID/status.
func readProcUsage(pid int) (procUsage, error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procUsage{}, err
	}
	var u procUsage
	if u.cpu, err = parseProcStatCPU(stat); err != nil {
		return procUsage{}, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return procUsage{}, err
	}
	if u.peakRSS, err = parseProcStatusKiB(status, "VmHWM:"); err != nil {
		return procUsage{}, fmt.Errorf("/proc/%d/status: %w", pid, err)
	}
	return u, nil
}

// parseProcStatCPU returns utime + stime in seconds. The command name in
// parentheses may hold spaces, so the fields are counted after its
// closing parenthesis: the state is field 3, utime 14 and stime 15.
func parseProcStatCPU(stat []byte) (float64, error) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("no command name")
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("%d fields after the command name, want at least 13", len(f))
	}
	utime, err1 := strconv.ParseUint(f[11], 10, 64)
	stime, err2 := strconv.ParseUint(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return float64(utime+stime) / clockTicks, nil
}

// parseProcStatusKiB returns the value of a "Key:  N kB" line.
func parseProcStatusKiB(status []byte, key string) (int64, error) {
	for line := range strings.Lines(string(status)) {
		rest, ok := strings.CutPrefix(line, key)
		if !ok {
			continue
		}
		num, _, _ := strings.Cut(strings.TrimSpace(rest), " ")
		return strconv.ParseInt(num, 10, 64)
	}
	return 0, fmt.Errorf("no %s line", key)
}

// pushTimes are the moments one push reached, as nanoseconds since the
// run started; 0 means not (yet).
type pushTimes struct {
	posted, accepted, submitted, reassembled, notified atomic.Int64
}

// benchLoad is the load generator: it posts pushes and receives their
// notifications.
type benchLoad struct {
	set      benchSettings
	papURL   *url.URL
	template pushTemplate
	notify   *httpfast.Server
	tap      net.Listener // nil without --tap
	start    time.Time

	pushes []pushTimes // by push index; its length caps the run

	posted, refused, errs atomic.Int64
	delivered, other      atomic.Int64
	lastAnswer, lastNote  atomic.Int64
	notes                 chan struct{} // one per first notification
}

// maxRatePerSecond bounds the pushes a --duration run without --rate can
// post, so that their records can be allocated up front.
const maxRatePerSecond = 50000

func newBenchLoad(set benchSettings) (*benchLoad, error) {
	n := set.Pushes
	switch {
	case n > 0:
	case set.Rate > 0:
		// The schedule itself ends the run: push i is due at i/rate.
		n = max(1, int(math.Round(set.Rate*set.Duration.Seconds())))
	default:
		n = int(math.Ceil(maxRatePerSecond * set.Duration.Seconds()))
	}
	l := &benchLoad{
		set:    set,
		pushes: make([]pushTimes, n),
		notes:  make(chan struct{}, n),
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	notifyURL := "http://" + ln.Addr().String() + "/notify"
	if set.NoNotify {
		notifyURL = ""
	}
	if l.template, err = newPushTemplate(set.Segments, notifyURL); err != nil {
		ln.Close()
		return nil, err
	}
	// The PPG's notifications are plain posts: the fast path takes them
	// with less of the two cores the PPG shares with the bench.
	notified := pap.NotificationHandler(l.notified)
	l.notify = &httpfast.Server{
		Fast:     map[string]http.Handler{"/notify": notified},
		Fallback: &http.Server{Handler: notified, ReadHeaderTimeout: 10 * time.Second},
	}
	go l.notify.Serve(ln)
	return l, nil
}

func (l *benchLoad) close() {
	l.notify.Close()
	if l.tap != nil {
		l.tap.Close()
	}
}

func (l *benchLoad) since() int64 { return int64(time.Since(l.start)) }

// notified records a push's result notification; a repeat (the PPG
// retries when an answer is slow) counts once.
func (l *benchLoad) notified(_ context.Context, n *pap.ResultNotification) error {
	i, ok := l.template.index(n.PushID)
	if !ok || i >= len(l.pushes) {
		return &pap.Error{Code: pap.CodeBadRequest, Element: "push-id", Reason: "not a push of this benchmark run"}
	}
	if !l.pushes[i].notified.CompareAndSwap(0, l.since()) {
		return nil
	}
	if n.State == pap.StateDelivered {
		l.delivered.Add(1)
	} else {
		l.other.Add(1)
	}
	storeMax(&l.lastNote, l.pushes[i].notified.Load())
	l.notes <- struct{}{}
	return nil
}

// reassembled records when the handset of a push had it whole.
func (l *benchLoad) reassembled(msisdn string) {
	if i, ok := benchIndexOf(msisdn); ok && i < len(l.pushes) {
		l.pushes[i].reassembled.CompareAndSwap(0, l.since())
	}
}

func storeMax(v *atomic.Int64, x int64) {
	for {
		old := v.Load()
		if x <= old || v.CompareAndSwap(old, x) {
			return
		}
	}
}

// run posts the pushes: --concurrency workers take push indexes from a
// feeder that either hands them out as fast as they are taken or paces
// them at --rate.
func (l *benchLoad) run(ctx context.Context) {
	// The load generator shares the machine's cores with the PPG: its posts
	// go over keep-alive connections written and read in the workers'
	// goroutines, not through net/http's transport, whose handing over of
	// each request was CPU taken from the PPG.
	client := keepalive.NewClient("txpush-bench", l.set.Concurrency)
	defer client.CloseIdle()
	indexes := make(chan int, l.set.Concurrency)
	var wg sync.WaitGroup
	for range l.set.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var body []byte
			for i := range indexes {
				body = l.template.body(body[:0], i)
				l.post(ctx, client, i, body)
			}
		}()
	}
	l.start = time.Now()
	var end time.Time
	if l.set.Duration > 0 && l.set.Rate == 0 {
		end = l.start.Add(l.set.Duration)
	}
	l.feed(ctx, indexes, end)
	close(indexes)
	wg.Wait()
}

func (l *benchLoad) feed(ctx context.Context, indexes chan<- int, end time.Time) {
	for i := range l.pushes {
		if l.set.Rate > 0 {
			due := l.start.Add(time.Duration(float64(i) / l.set.Rate * float64(time.Second)))
			if wait := time.Until(due); wait > 0 {
				t := time.NewTimer(wait)
				select {
				case <-t.C:
				case <-ctx.Done():
					t.Stop()
					return
				}
			}
		}
		if !end.IsZero() && !time.Now().Before(end) {
			return
		}
		select {
		case indexes <- i:
		case <-ctx.Done():
			return
		}
	}
}

// post sends push i and records when it was answered 1001.
func (l *benchLoad) post(ctx context.Context, client *keepalive.Client, i int, body []byte) {
	l.posted.Add(1)
	p := &l.pushes[i]
	p.posted.Store(l.since())
	_, answer, err := client.Post(ctx, l.papURL, l.template.contentType, body, pap.DefaultRequestLimit)
	at := l.since()
	storeMax(&l.lastAnswer, at)
	if err != nil {
		l.errs.Add(1)
		return
	}
	m, err := pap.ParseMessage(answer)
	if err != nil {
		l.errs.Add(1)
		return
	}
	if r, ok := m.(*pap.PushResponse); ok && r.Result.Code == pap.CodeAccepted {
		p.accepted.Store(at)
		return
	}
	l.refused.Add(1)
}

// waitNotifications waits until every accepted push has been notified,
// or for at most wait.
func (l *benchLoad) waitNotifications(ctx context.Context, wait time.Duration) {
	accepted := l.acceptedCount()
	t := time.NewTimer(wait)
	defer t.Stop()
	for got := 0; got < accepted; got++ {
		select {
		case <-l.notes:
		case <-t.C:
			return
		case <-ctx.Done():
			return
		}
	}
}

// acceptedCount is how many pushes were answered 1001.
func (l *benchLoad) acceptedCount() int {
	n := 0
	for i := range l.pushes {
		if l.pushes[i].accepted.Load() != 0 {
			n++
		}
	}
	return n
}

func (l *benchLoad) report() *benchReport {
	r := &benchReport{
		Mode:        l.set.Mode,
		SMSC:        l.set.SMSC,
		Notify:      !l.set.NoNotify,
		Segments:    l.set.Segments,
		HoldMS:      ms(l.set.Hold),
		TargetRate:  l.set.Rate,
		Concurrency: l.set.Concurrency,
		Posted:      int(l.posted.Load()),
		Refused:     int(l.refused.Load()),
		Errors:      int(l.errs.Load()),
		Delivered:   int(l.delivered.Load()),
		Undelivered: int(l.other.Load()),
	}
	var toAccepted, toSubmit, toReassembled, toNotified []time.Duration
	for i := range l.pushes {
		p := &l.pushes[i]
		posted, accepted, notified := p.posted.Load(), p.accepted.Load(), p.notified.Load()
		if accepted == 0 {
			continue
		}
		r.Accepted++
		toAccepted = append(toAccepted, time.Duration(accepted-posted))
		if submitted := p.submitted.Load(); submitted != 0 {
			toSubmit = append(toSubmit, time.Duration(submitted-posted))
		}
		if reassembled := p.reassembled.Load(); reassembled != 0 {
			toReassembled = append(toReassembled, time.Duration(reassembled-posted))
		}
		if notified == 0 {
			if !l.set.NoNotify {
				r.Missing++
			}
			continue
		}
		toNotified = append(toNotified, time.Duration(notified-posted))
	}
	r.PostToAccepted = summarize(toAccepted)
	r.PostToSubmit = summarize(toSubmit)
	r.PostToReassembled = summarize(toReassembled)
	r.PostToNotified = summarize(toNotified)
	r.PostSeconds = time.Duration(l.lastAnswer.Load()).Seconds()
	r.Seconds = time.Duration(max(l.lastNote.Load(), l.lastAnswer.Load())).Seconds()
	if r.PostSeconds > 0 {
		r.AcceptRate = float64(r.Accepted) / r.PostSeconds
	}
	if r.Seconds > 0 {
		r.CompleteRate = float64(r.Delivered+r.Undelivered) / r.Seconds
	}
	return r
}

// pushTemplate is one PAP push request made once; each push is a copy
// with its index written over two fixed-width digit fields, the push-id's
// and the MSISDN's, so that posting costs a copy, not an encoding.
type pushTemplate struct {
	contentType string
	request     []byte
	idAt, toAt  int // offsets of the digit fields
	idPrefix    string
}

const (
	benchMSISDNPrefix = "+358"
	benchIDDigits     = 10
	benchToDigits     = 9
)

func newPushTemplate(segments int, notifyURL string) (pushTemplate, error) {
	doc, err := siOfSegments(segments)
	if err != nil {
		return pushTemplate{}, err
	}
	t := pushTemplate{idPrefix: "bench-" + randomHex(4) + "-"}
	idField, toField := strings.Repeat("0", benchIDDigits), strings.Repeat("9", benchToDigits)
	addr, err := pap.ParseAddress("WAPPUSH=" + benchMSISDNPrefix + toField + "/TYPE=PLMN")
	if err != nil {
		return pushTemplate{}, err
	}
	m := &pap.PushMessage{
		PushID:          t.idPrefix + idField + "@txpush",
		Addresses:       []pap.Address{addr},
		NotifyTo:        notifyURL,
		SourceReference: "txpush bench",
	}
	if t.contentType, t.request, err = pap.WriteRequest(m, pap.NewEntity("text/vnd.wap.si", doc), nil); err != nil {
		return pushTemplate{}, err
	}
	t.idAt = bytes.Index(t.request, []byte(t.idPrefix+idField))
	t.toAt = bytes.Index(t.request, []byte(benchMSISDNPrefix+toField))
	if t.idAt < 0 || t.toAt < 0 || bytes.Count(t.request, []byte(t.idPrefix)) != 1 {
		return pushTemplate{}, errors.New("bench: the push-id or address is not written once, verbatim, in the PAP request")
	}
	t.idAt += len(t.idPrefix)
	t.toAt += len(benchMSISDNPrefix)
	return t, nil
}

// body appends push i's request to dst.
func (t *pushTemplate) body(dst []byte, i int) []byte {
	dst = append(dst, t.request...)
	putDigits(dst[t.idAt:t.idAt+benchIDDigits], i)
	putDigits(dst[t.toAt:t.toAt+benchToDigits], i)
	return dst
}

// index returns the index of the push whose push-id is id.
func (t *pushTemplate) index(id string) (int, bool) {
	digits, ok := strings.CutPrefix(id, t.idPrefix)
	if !ok || len(digits) < benchIDDigits {
		return 0, false
	}
	n, err := strconv.Atoi(digits[:benchIDDigits])
	return n, err == nil
}

// putDigits writes n's last len(field) decimal digits into field.
func putDigits(field []byte, n int) {
	for j := len(field) - 1; j >= 0; j-- {
		field[j] = byte('0' + n%10)
		n /= 10
	}
}

// siOfSegments returns a Service Indication whose push needs exactly the
// given number of SMS, padded as the PPG will compile it.
func siOfSegments(segments int) ([]byte, error) {
	doc := func(pad int) []byte {
		return []byte(`<?xml version="1.0"?>` + "\n" +
			`<!DOCTYPE si PUBLIC "-//WAPFORUM//DTD SI 1.0//EN" "http://www.wapforum.org/DTD/si.dtd">` + "\n" +
			`<si><indication href="http://bench.example/p" si-id="bench" action="signal-medium">` +
			strings.Repeat("x", pad) + `</indication></si>`)
	}
	pad, err := content.PaddingFor(segments, 1000, content.Options{}, func(pad int) (content.Content, error) {
		return content.Content{Type: "text/vnd.wap.si", Body: doc(pad)}, nil
	})
	if err != nil {
		return nil, fmt.Errorf("bench: a Service Indication of %d SMS: %w", segments, err)
	}
	return doc(pad), nil
}

// The SMPP tap: the PPG binds to the bench, which relays every byte to
// the SMSC and notes when each submit reaches it. The PPG's dispatch is
// not visible from outside otherwise. The submit carries no push-id, but
// its destination_addr does carry the push's index.

// startTap relays connections on a new loopback listener to smscAddr and
// returns the listener's address.
func (l *benchLoad) startTap(smscAddr string) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	l.tap = ln
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go l.relay(c, smscAddr)
		}
	}()
	return ln.Addr().String(), nil
}

// SMPP command_ids of the submits the tap times.
const (
	smppSubmitSM = 0x00000004
	smppDataSM   = 0x00000103
)

// relay copies the SMSC's bytes back unchanged, and the PPG's PDU by PDU,
// timing each submit.
func (l *benchLoad) relay(c net.Conn, smscAddr string) {
	defer c.Close()
	up, err := net.Dial("tcp", smscAddr)
	if err != nil {
		return
	}
	defer up.Close()
	go func() {
		io.Copy(c, up)
		c.Close()
	}()
	r := bufio.NewReaderSize(c, 64<<10)
	w := bufio.NewWriterSize(up, 64<<10)
	var pdu []byte
	for {
		head, err := r.Peek(16)
		if err != nil {
			return
		}
		n := int(binary.BigEndian.Uint32(head))
		if n < 16 || n > 1<<20 {
			// Not SMPP as the tap knows it: pass the rest through.
			w.Flush()
			io.Copy(up, r)
			return
		}
		pdu = slices.Grow(pdu[:0], n)[:n]
		if _, err := io.ReadFull(r, pdu); err != nil {
			return
		}
		if id := binary.BigEndian.Uint32(pdu[4:]); id == smppSubmitSM || id == smppDataSM {
			l.submitted(pdu[16:])
		}
		if _, err := w.Write(pdu); err != nil {
			return
		}
		if r.Buffered() == 0 {
			if err := w.Flush(); err != nil {
				return
			}
		}
	}
}

// submitted records the first submit of the push whose index ends the
// destination_addr of this submit_sm or data_sm body. Both begin with
// service_type, source_addr_ton, _npi, source_addr, dest_addr_ton, _npi,
// destination_addr.
func (l *benchLoad) submitted(body []byte) {
	at := l.since()
	cstring := func() []byte {
		i := bytes.IndexByte(body, 0)
		if i < 0 {
			body = nil
			return nil
		}
		s := body[:i]
		body = body[i+1:]
		return s
	}
	skip := func(n int) {
		body = body[min(n, len(body)):]
	}
	cstring() // service_type
	skip(2)
	cstring() // source_addr
	skip(2)
	l.submittedAt(string(cstring()), at)
}

// submittedTo records the first submit of the push whose index ends the
// destination address dest, now.
func (l *benchLoad) submittedTo(dest string) {
	l.submittedAt(dest, l.since())
}

func (l *benchLoad) submittedAt(dest string, at int64) {
	if i, ok := benchIndexOf(dest); ok && i < len(l.pushes) {
		l.pushes[i].submitted.CompareAndSwap(0, at)
	}
}
