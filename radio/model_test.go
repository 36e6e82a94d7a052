package radio

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// script drives a network like an SMSC would: groups of one to three
// segments to many subscribers, segments back-to-back with TP-MMS, each
// failed segment tried up to three times, 2 s apart. It returns one line
// per attempt.
func script(t *testing.T, cfg Config) []string {
	n, clk := newNetwork(t, cfg)
	var log []string
	alerts := 0
	n.OnAlert(func(string) { alerts++ })
	var send func(group, segments, seg, try int)
	send = func(group, segments, seg, try int) {
		dest := msisdn(group % 150) // some subscribers get several groups
		n.Deliver(sms(dest, seg < segments-1), func(r Result) {
			log = append(log, fmt.Sprintf("g%d s%d t%d %s %v %v", group, seg, try, errName(r), r.Start.Sub(epoch), r.End.Sub(r.Start)))
			switch {
			case r.Err == nil && seg < segments-1:
				send(group, segments, seg+1, 0)
			case r.Err != nil && r.Err.Temporary() && try < 2:
				clk.AfterFunc(2*time.Second, func() { send(group, segments, seg, try+1) })
			}
		})
	}
	for g := range 400 {
		clk.AfterFunc(time.Duration(g)*17*time.Second, func() { send(g, 1+g%3, 0, 0) })
	}
	clk.Advance(4 * time.Hour)
	if clk.Pending() != 0 {
		t.Fatalf("%d timers still pending after the script", clk.Pending())
	}
	return append(log, fmt.Sprintf("alerts %d", alerts))
}

func TestDeterminism(t *testing.T) {
	cfg, _ := Profile("flaky")
	cfg.Seed = 7
	a, b := script(t, cfg), script(t, cfg)
	if !slices.Equal(a, b) {
		for i := range min(len(a), len(b)) {
			if a[i] != b[i] {
				t.Fatalf("same seed, line %d differs:\n%s\n%s", i, a[i], b[i])
			}
		}
		t.Fatalf("same seed, %d lines then %d", len(a), len(b))
	}
	failures := 0
	for _, line := range a[:len(a)-1] {
		if fieldOf(line, 3) != "delivered" {
			failures++
		}
	}
	if failures == 0 {
		t.Fatal("the script met no failure; it tests nothing")
	}
	cfg.Seed = 8
	if c := script(t, cfg); slices.Equal(a, c) {
		t.Error("seeds 7 and 8 gave the same results")
	}
}

func fieldOf(line string, i int) string {
	var fields []string
	start := 0
	for j := 0; j <= len(line); j++ {
		if j == len(line) || line[j] == ' ' {
			fields = append(fields, line[start:j])
			start = j + 1
		}
	}
	if i < len(fields) {
		return fields[i]
	}
	return ""
}

// Absence and congestion are functions of the seed and the time: the
// outcome of an attempt at a given time is the same whatever other traffic
// the network carried before it.
func TestStateIndependentOfTraffic(t *testing.T) {
	for _, tt := range []struct {
		name   string
		modify func(*Config)
	}{
		{"absence", func(c *Config) { c.AbsentShare = 0.3; c.AbsenceMean = 10 * time.Minute }},
		{"congestion", func(c *Config) {
			c.CongestionShare, c.CongestionSpell = 0.3, time.Minute
			c.CongestedFailure = 1
			c.Cells = 4
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := quietConfig()
			cfg.AllowConcurrent = true
			tt.modify(&cfg)
			probe := func(extra bool) []string {
				n, clk := newNetwork(t, cfg)
				var out []string
				for step := range 200 {
					at := epoch.Add(time.Duration(step) * 30 * time.Second)
					clk.AdvanceTo(at)
					for i := range 10 {
						n.Deliver(sms(msisdn(i), false), func(r Result) {
							// Which error a failure draws comes from the
							// per-attempt stream, which the traffic moves on;
							// whether it fails is the state's alone.
							out = append(out, fmt.Sprintf("%d %v %v", i, r.Start.Sub(epoch), r.Err == nil))
						})
					}
					if extra {
						// Other subscribers (sharing the cells), and the
						// probed ones, between the probes.
						clk.AdvanceTo(at.Add(7 * time.Second))
						for j := range 5 {
							n.Deliver(sms(msisdn(1000+j+step), step%2 == 0), nil)
						}
						n.Deliver(sms(msisdn(step%10), false), nil)
					}
				}
				for clk.Step() {
				}
				slices.Sort(out)
				return out
			}
			quiet, busy := probe(false), probe(true)
			if !slices.Equal(quiet, busy) {
				for i := range quiet {
					if quiet[i] != busy[i] {
						t.Logf("%s / %s", quiet[i], busy[i])
					}
				}
				t.Fatal("the outcomes at the probe times changed with the other traffic")
			}
			failed := 0
			for _, line := range quiet {
				if fieldOf(line, 2) == "false" {
					failed++
				}
			}
			if failed == 0 || failed == len(quiet) {
				t.Fatalf("%d of %d probes failed; the test needs both outcomes", failed, len(quiet))
			}
		})
	}
}

func TestTransientFailureRate(t *testing.T) {
	for _, tt := range []struct {
		name      string
		congested bool
		want      float64
	}{
		{"normal load", false, 0.02},
		{"congestion", true, 0.15},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := quietConfig()
			cfg.TransientFailure, cfg.CongestedFailure = 0.02, 0.15
			if tt.congested {
				cfg.CongestionShare = 1
			}
			n, clk := newNetwork(t, cfg)
			const attempts = 100000
			failed := 0
			kinds := map[Error]int{}
			for i := range attempts {
				r := deliver(t, n, clk, sms(msisdn(i%1000), false))
				if r.Err != nil {
					failed++
					kinds[*r.Err]++
					if !r.Err.Temporary() {
						t.Fatalf("transient failure %v is permanent", r.Err)
					}
				}
			}
			checkShare(t, "failure rate", failed, attempts, tt.want)
			for _, w := range cfg.TransientErrors {
				checkShare(t, w.Err.Name()+" share of failures", kinds[w.Err], failed, w.Weight)
			}
		})
	}
}

// A message sent in a dialogue after a success fails at
// DialogueFailureFactor times the per-attempt rate.
func TestDialogueFailureFactor(t *testing.T) {
	cfg := quietConfig()
	cfg.TransientFailure = 0.1
	n, clk := newNetwork(t, cfg)
	const groups = 40000
	firstFailed, seconds, secondFailed := 0, 0, 0
	for i := range groups {
		dest := msisdn(i % 2000)
		if r := deliver(t, n, clk, sms(dest, true)); r.Err != nil {
			firstFailed++
			continue
		}
		seconds++
		if r := deliver(t, n, clk, sms(dest, false)); r.Err != nil {
			secondFailed++
		}
		clk.Advance(10 * time.Second) // let the dialogue end
	}
	checkShare(t, "first segment failure rate", firstFailed, groups, 0.1)
	checkShare(t, "next segment failure rate", secondFailed, seconds, 0.05)
}

func TestMemoryFullRate(t *testing.T) {
	cfg := quietConfig()
	cfg.MemoryFull = 0.01
	n, clk := newNetwork(t, cfg)
	const attempts = 50000
	full := 0
	for i := range attempts {
		r := deliver(t, n, clk, sms(msisdn(i%500), false))
		if r.Err != nil {
			if *r.Err != (Error{Code: SMDeliveryFailure, Cause: MemoryCapacityExceeded}) || !r.Err.Temporary() {
				t.Fatalf("unexpected %v", r.Err)
			}
			full++
		}
	}
	checkShare(t, "memory full rate", full, attempts, 0.01)
}

// The share of subscribers absent at a first attempt is the stationary
// absent share, at the start and hours later.
func TestAbsentShareAtFirstAttempt(t *testing.T) {
	cfg := quietConfig()
	cfg.AllowConcurrent = true
	n, clk := newNetwork(t, cfg.withAbsence(0.10, 30*time.Minute))
	const handsets = 20000
	for _, at := range []time.Duration{0, 7 * time.Hour} {
		clk.AdvanceTo(epoch.Add(at))
		rec := newRecorder(t, handsets)
		for i := range handsets {
			n.Deliver(sms(msisdn(int(at/time.Hour)*handsets+i), false), rec.done(i))
		}
		for clk.Step() {
		}
		rec.check()
		absent := 0
		for _, r := range rec.results {
			if r.Err != nil {
				if r.Err.Code != AbsentSubscriberSM {
					t.Fatalf("unexpected %v", r.Err)
				}
				absent++
			}
		}
		checkShare(t, fmt.Sprintf("absent at %v", at), absent, handsets, 0.10)
	}
}

func (c Config) withAbsence(share float64, mean time.Duration) Config {
	c.AbsentShare, c.AbsenceMean = share, mean
	return c
}

// walk follows a process path up to horizon and returns the time spent on,
// and the number and total length of the complete on-spells.
func walk(p *onOff, s *spells, horizon time.Duration) (onTime time.Duration, spellsOn int, spellTime time.Duration) {
	var t time.Duration
	for t < horizon {
		on, until := p.at(t, s)
		end := min(until, horizon)
		if on {
			onTime += end - t
			if t > 0 && until <= horizon {
				spellsOn++
				spellTime += until - t
			}
		}
		t = until
	}
	return onTime, spellsOn, spellTime
}

func TestAbsenceProcess(t *testing.T) {
	n, _ := newNetwork(t, quietConfig().withAbsence(0.10, 30*time.Minute))
	const handsets, horizon = 2000, 30 * 24 * time.Hour
	var onTime, spellTime time.Duration
	spellsOn := 0
	n.mu.Lock()
	for i := range handsets {
		h := n.handset(msisdn(i))
		a, b, c := walk(&h.presence, &n.absence, horizon)
		onTime, spellsOn, spellTime = onTime+a, spellsOn+b, spellTime+c
	}
	n.mu.Unlock()
	checkNear(t, "absent share of time", float64(onTime)/float64(handsets*horizon), 0.10, 0.03)
	checkNear(t, "mean absence (min)", (spellTime / time.Duration(spellsOn)).Minutes(), 30, 0.02)
}

func TestCongestionProcess(t *testing.T) {
	cfg := quietConfig()
	cfg.CongestionShare, cfg.CongestionSpell = 0.05, 60*time.Second
	n, _ := newNetwork(t, cfg)
	const horizon = 30 * 24 * time.Hour
	var onTime, spellTime time.Duration
	spellsOn := 0
	for i := range n.cells {
		a, b, c := walk(&n.cells[i], &n.congestion, horizon)
		onTime, spellsOn, spellTime = onTime+a, spellsOn+b, spellTime+c
	}
	checkNear(t, "congested share of time", float64(onTime)/float64(time.Duration(len(n.cells))*horizon), 0.05, 0.03)
	checkNear(t, "mean congested spell (s)", (spellTime / time.Duration(spellsOn)).Seconds(), 60, 0.02)

	// Seen through deliveries: with every attempt in a congested cell
	// failing, the failure share is the congested share.
	cfg.CongestedFailure = 1
	n, clk := newNetwork(t, cfg)
	const attempts = 20000
	failed := 0
	for i := range attempts {
		clk.Advance(97 * time.Second)
		if r := deliver(t, n, clk, sms(msisdn(i), false)); r.Err != nil {
			failed++
		}
	}
	checkShare(t, "attempts in congested cells", failed, attempts, 0.05)
}

// A process looked at out of order replays its path and gives the same
// answers.
func TestProcessReplay(t *testing.T) {
	s := newSpells(0.3, time.Minute)
	p, q := newOnOff(1, 2), newOnOff(1, 2)
	for _, at := range []time.Duration{5 * time.Hour, time.Hour, 3 * time.Hour, 0, 10 * time.Hour} {
		on1, until1 := p.at(at, &s)
		q = newOnOff(1, 2)
		on2, until2 := q.at(at, &s)
		if on1 != on2 || until1 != until2 {
			t.Errorf("at %v: %v until %v, fresh path %v until %v", at, on1, until1, on2, until2)
		}
	}
}

func quantile(sorted []time.Duration, q float64) time.Duration {
	return sorted[int(q*float64(len(sorted)-1))]
}

// The log-normal delays have the configured medians and 95th percentiles.
func TestLatencyDistributions(t *testing.T) {
	const samples = 40000
	measure := func(cfg Config, continued bool) []time.Duration {
		n, clk := newNetwork(t, cfg)
		var d []time.Duration
		for i := range samples {
			dest := msisdn(i % 3000)
			if continued {
				deliver(t, n, clk, sms(dest, true))
			}
			r := deliver(t, n, clk, sms(dest, false))
			d = append(d, r.End.Sub(r.Start))
		}
		slices.Sort(d)
		return d
	}
	def := DefaultConfig()
	for _, tt := range []struct {
		name      string
		modify    func(*Config)
		continued bool
		want      Latency
	}{
		{"routing lookup", func(c *Config) { c.RoutingLookup = def.RoutingLookup; c.FirstSegment = Latency{} }, false, def.RoutingLookup},
		{"first segment", func(c *Config) { c.RoutingLookup = Latency{}; c.FirstSegment = def.FirstSegment }, false, def.FirstSegment},
		{"next segment", func(c *Config) { c.NextSegment = def.NextSegment }, true, def.NextSegment},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := quietConfig()
			tt.modify(&cfg)
			d := measure(cfg, tt.continued)
			checkNear(t, "median (s)", quantile(d, 0.5).Seconds(), tt.want.Median.Seconds(), 0.03)
			checkNear(t, "p95 (s)", quantile(d, 0.95).Seconds(), tt.want.P95.Seconds(), 0.04)
		})
	}
}
