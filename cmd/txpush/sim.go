package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/txpush/txpush/radio"
	"github.com/txpush/txpush/sim"
)

// `txpush sim` runs the evaluation: the real PPG, SMSC engines, network
// and handsets on a virtual clock, the same pushes through every mode, a
// sweep of one parameter. See package sim and docs/EVALUATION.md.

// defaultSimSweep is what `txpush sim` with no flags runs: the failure
// rate sweep, every default mode, 100,000 pushes per point.
const defaultSimSweep = "failure"

func simMain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("txpush sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		sweep    = fs.String("sweep", defaultSimSweep, "the parameter to sweep, or none for one point: "+paramNames())
		values   = fs.String("values", "", "comma-separated values of the swept parameter (default: sim-parameters.md's range, shown by --list)")
		modes    = fs.String("modes", strings.Join(sim.DefaultModes, ","), "comma-separated modes to compare, or all (see --list)")
		pushes   = fs.Int("pushes", 100_000, "pushes per point and mode, each to its own handset")
		rate     = fs.Float64("rate", 50, "pushes per second of simulated time")
		seed     = fs.Uint64("seed", 1, "the seed of the network and the workload: the same seed gives the same results")
		profile  = fs.String("network", "typical", "network profile the point starts from: "+strings.Join(radio.ProfileNames(), ", "))
		workers  = fs.Int("workers", 0, "runs at a time (0: one per CPU)")
		out      = fs.String("out", "", "write results.csv, results.md and SVG plots into this `directory`")
		cdfPoint = fs.String("cdf-point", "", "the swept value whose latency CDF is plotted (default: the value nearest sim-parameters.md's default)")
		list     = fs.Bool("list", false, "list the modes and the sweeps with their default values, and exit")
		sets     stringList
	)
	fs.Var(&sets, "set", "set a parameter of every point, `name=value` (any sweep name, e.g. --set absent-share=0.2); repeatable")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if *list {
		printSimList(stdout)
		return 0
	}
	if os.Getenv("GOGC") == "" {
		// A run's garbage is short-lived and memory is plentiful: fewer
		// collections cut the sweep's time by a tenth.
		debug.SetGCPercent(400)
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "txpush sim: %v\n", err)
		return 1
	}
	base := sim.DefaultConfig()
	net, err := radio.Profile(*profile)
	if err != nil {
		return fail(err)
	}
	net.Seed = *seed
	base.Network, base.Pushes, base.Rate = net, *pushes, *rate
	for _, s := range sets {
		name, value, ok := strings.Cut(s, "=")
		if !ok {
			return fail(fmt.Errorf("--set %q: want name=value", s))
		}
		p, err := sim.ParamNamed(name)
		if err != nil {
			return fail(err)
		}
		pts, err := p.Points(base, []string{value})
		if err != nil {
			return fail(err)
		}
		base = pts[0].Config
	}
	ms, err := sim.ModesNamed(strings.Split(*modes, ","))
	if err != nil {
		return fail(err)
	}

	param := sim.Param{Name: "point", Usage: "the configured point"}
	points := []sim.Point{{Value: "base", Config: base}}
	if *sweep != "none" {
		param, err = sim.ParamNamed(*sweep)
		if err != nil {
			return fail(err)
		}
		var vs []string
		if *values != "" {
			vs = strings.Split(*values, ",")
		}
		if points, err = param.Points(base, vs); err != nil {
			return fail(err)
		}
	}
	if err := base.Validate(); err != nil {
		return fail(err)
	}

	fmt.Fprintf(stderr, "txpush sim: sweep %s over %d point(s) × %d mode(s), %d pushes each, seed %d, network %s\n",
		param.Name, len(points), len(ms), base.Pushes, *seed, *profile)
	started := time.Now()
	results, err := sim.Sweep(param.Name, points, ms, *workers, func(done, total int, r *sim.Result) {
		fmt.Fprintf(stderr, "  [%d/%d] %s=%s %-13s reassembled %.2f %% (%.2f %% within 30 s), %v simulated in %.1f s\n",
			done, total, param.Name, r.Value, r.Mode, 100*r.Share(r.Delivered()), 100*r.Share(r.Within30s),
			r.Simulated.Round(time.Second), r.Wall.Seconds())
	})
	if err != nil {
		return fail(err)
	}
	if err := sim.WriteMarkdown(stdout, results); err != nil {
		return fail(err)
	}
	if *out != "" {
		point := *cdfPoint
		if point == "" {
			point = nearestDefault(param, points)
		}
		if err := sim.WriteFiles(*out, results, param, point); err != nil {
			return fail(err)
		}
		fmt.Fprintf(stderr, "txpush sim: wrote %s\n", *out)
	}
	fmt.Fprintf(stderr, "txpush sim: %d runs in %.1f s\n", len(results), time.Since(started).Seconds())
	return 0
}

// nearestDefault picks the point whose configuration is the defaults' (or
// the first point): the one whose latency distribution is plotted.
func nearestDefault(param sim.Param, points []sim.Point) string {
	def := sim.DefaultConfig()
	want := map[string]float64{
		"failure": def.Network.TransientFailure, "congested-failure": def.Network.CongestedFailure,
		"congestion-share": def.Network.CongestionShare, "congestion-spell": def.Network.CongestionSpell.Seconds(),
		"absent-share": def.Network.AbsentShare, "absence-mean": def.Network.AbsenceMean.Seconds(),
		"segments": 2, "reassembly": def.Reassembly.Seconds(), "correlation": def.Network.DialogueFailureFactor,
		"deadline": 30, "deliver-before": def.DeliverBefore.Seconds(),
	}[param.Name]
	best := points[0]
	for _, p := range points {
		if abs(p.X-want) < abs(best.X-want) {
			best = p
		}
	}
	return best.Value
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

func paramNames() string {
	var names []string
	for _, p := range sim.Params() {
		names = append(names, p.Name)
	}
	return strings.Join(names, ", ")
}

func printSimList(w io.Writer) {
	fmt.Fprintln(w, "modes (--modes):")
	for _, m := range sim.Modes() {
		fmt.Fprintf(w, "  %s\n", m.Name)
	}
	fmt.Fprintf(w, "  default: %s\n\nsweeps (--sweep NAME, --values a,b,c; --set NAME=VALUE):\n", strings.Join(sim.DefaultModes, ","))
	for _, p := range sim.Params() {
		fmt.Fprintf(w, "  %-18s %s\n  %-18s default values: %s\n", p.Name, p.Usage, "", strings.Join(p.Default, ", "))
	}
}
