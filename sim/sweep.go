package sim

import (
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/txpush/txpush/handset"
)

// Param is a setting a sweep varies.
type Param struct {
	Name  string
	Usage string
	// Default is the values swept when none are given: the ranges of
	// sim-parameters.md.
	Default []string
	// Duration says the values are durations (plotted in seconds, on a
	// log scale).
	Duration bool
	Log      bool
	// Categorical says the values are names, plotted one after another.
	Categorical bool
	set         func(c *Config, v string) error
}

func setFloat(dst func(c *Config) *float64, lo, hi float64) func(*Config, string) error {
	return func(c *Config, v string) error {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || !(f >= lo && f <= hi) {
			return fmt.Errorf("want a number from %v to %v", lo, hi)
		}
		*dst(c) = f
		return nil
	}
}

func setDuration(dst func(c *Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return errors.New("want a positive duration such as 30s or 2h")
		}
		*dst(c) = d
		return nil
	}
}

// Params lists what a sweep can vary, with sim-parameters.md's ranges as
// their default values.
func Params() []Param {
	return []Param{
		{Name: "failure", Usage: "transient failure probability per attempt, normal load",
			Default: []string{"0.005", "0.01", "0.02", "0.05"},
			set:     setFloat(func(c *Config) *float64 { return &c.Network.TransientFailure }, 0, 1)},
		{Name: "congested-failure", Usage: "transient failure probability per attempt in a congested cell",
			Default: []string{"0.05", "0.15", "0.3", "0.5"},
			set:     setFloat(func(c *Config) *float64 { return &c.Network.CongestedFailure }, 0, 1)},
		{Name: "congestion-share", Usage: "share of time a cell is congested",
			Default: []string{"0", "0.05", "0.1", "0.2", "0.3"},
			set:     setFloat(func(c *Config) *float64 { return &c.Network.CongestionShare }, 0, 1)},
		{Name: "congestion-spell", Usage: "mean length of a congested spell", Duration: true, Log: true,
			Default: []string{"5s", "30s", "1m", "5m", "10m"},
			set:     setDuration(func(c *Config) *time.Duration { return &c.Network.CongestionSpell })},
		{Name: "absent-share", Usage: "share of time a handset is absent (off or out of coverage)",
			Default: []string{"0", "0.05", "0.1", "0.2", "0.38"},
			set:     setFloat(func(c *Config) *float64 { return &c.Network.AbsentShare }, 0, 1)},
		{Name: "absence-mean", Usage: "mean length of an absence", Duration: true, Log: true,
			Default: []string{"1m", "10m", "30m", "2h", "12h"},
			set:     setDuration(func(c *Config) *time.Duration { return &c.Network.AbsenceMean })},
		{Name: "segments", Usage: "SMS per push (every push the same); 0 is the workload mix",
			Default: []string{"1", "2", "3", "4", "5", "6"},
			set: func(c *Config, v string) error {
				n, err := strconv.Atoi(v)
				if err != nil || n < 0 || n > maxSegments {
					return fmt.Errorf("want 0 to %d", maxSegments)
				}
				c.Segments = n
				return nil
			}},
		{Name: "mix", Usage: "the content mix: default (SI, SL and MMS notifications), or only si, sl or mms (each with its share of two-SMS pushes)",
			Default: []string{"default", "si", "sl", "mms"}, Categorical: true,
			set: func(c *Config, v string) error {
				m := DefaultMix
				switch v {
				case "default":
				case "si":
					m.SL, m.MMS = 0, 0
				case "sl":
					m.SI, m.MMS = 0, 0
				case "mms":
					m.SI, m.SL = 0, 0
				default:
					return errors.New("want default, si, sl or mms")
				}
				c.Mix, c.Segments = m, 0
				return nil
			}},
		{Name: "reassembly", Usage: "handset reassembly timeout", Duration: true, Log: true,
			Default: []string{"256s", "30m", "24h"},
			set: func(c *Config, v string) error {
				d, err := handset.ParseReassembly(v)
				if err != nil {
					return err
				}
				c.Reassembly = d
				return nil
			}},
		{Name: "correlation", Usage: "failure factor of a segment sent in a dialogue after a success (1: independent)",
			Default: []string{"0.2", "0.5", "1"},
			set:     setFloat(func(c *Config) *float64 { return &c.Network.DialogueFailureFactor }, 0, 100)},
		{Name: "deadline", Usage: "transaction mode's group deadline", Duration: true,
			Default: []string{"10s", "30s", "60s"},
			set:     setDuration(func(c *Config) *time.Duration { return &c.Txn.Deadline })},
		{Name: "deliver-before", Usage: "deliver-before-timestamp after acceptance (the PPG's retries in txn-retry stop there)",
			Duration: true, Log: true,
			Default: []string{"5m", "1h", "24h"},
			set:     setDuration(func(c *Config) *time.Duration { return &c.DeliverBefore })},
	}
}

// ParamNamed returns the sweep parameter called name.
func ParamNamed(name string) (Param, error) {
	var names []string
	for _, p := range Params() {
		if p.Name == name {
			return p, nil
		}
		names = append(names, p.Name)
	}
	return Param{}, fmt.Errorf("sim: unknown sweep %q (have %s)", name, strings.Join(names, ", "))
}

// Point is one value of a sweep: the configuration it gives.
type Point struct {
	Value  string
	X      float64
	Config Config
}

// Points applies each value of p to base.
func (p Param) Points(base Config, values []string) ([]Point, error) {
	if len(values) == 0 {
		values = p.Default
	}
	var out []Point
	for i, v := range values {
		v = strings.TrimSpace(v)
		c := base
		c.Mix = base.Mix
		if err := p.set(&c, v); err != nil {
			return nil, fmt.Errorf("sim: %s = %q: %w", p.Name, v, err)
		}
		if err := c.Validate(); err != nil {
			return nil, fmt.Errorf("sim: %s = %q: %w", p.Name, v, err)
		}
		x, _ := strconv.ParseFloat(v, 64)
		if p.Categorical {
			x = float64(i + 1)
		}
		if p.Duration {
			if p.Name == "reassembly" {
				x = c.Reassembly.Seconds()
			} else {
				d, _ := time.ParseDuration(v)
				x = d.Seconds()
			}
		}
		out = append(out, Point{Value: v, X: x, Config: c})
	}
	return out, nil
}

// Sweep runs every mode at every point, workers runs at a time (0: one per
// CPU), and returns the results point by point, each point's modes in the
// order given. progress, if not nil, is called after each run.
func Sweep(param string, points []Point, modes []Mode, workers int, progress func(done, total int, r *Result)) ([]*Result, error) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	type job struct{ point, mode int }
	jobs := make(chan job)
	results := make([]*Result, len(points)*len(modes))
	var (
		mu       sync.Mutex
		firstErr error
		done     int
		wg       sync.WaitGroup
	)
	loads := make([]*workload, len(points))
	for i, pt := range points {
		w, err := newWorkload(pt.Config)
		if err != nil {
			return nil, err
		}
		loads[i] = w
	}
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				r, err := loads[j.point].run(modes[j.mode])
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				if r != nil {
					r.Param, r.Value, r.X = param, points[j.point].Value, points[j.point].X
					results[j.point*len(modes)+j.mode] = r
				}
				done++
				if progress != nil && r != nil {
					progress(done, len(results), r)
				}
				mu.Unlock()
			}
		}()
	}
	// The longest runs first, so that the last worker does not start one
	// alone: classic modes take longer than transaction mode.
	var order []job
	for p := range points {
		for m := range modes {
			order = append(order, job{p, m})
		}
	}
	sort.SliceStable(order, func(a, b int) bool { return modes[order[a].mode].Kind > modes[order[b].mode].Kind })
	for _, j := range order {
		jobs <- j
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return results, nil
}
