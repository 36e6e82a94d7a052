package sim

import (
	"fmt"
	"strings"
	"time"

	"github.com/txpush/txpush/handset"
	"github.com/txpush/txpush/ppg"
	"github.com/txpush/txpush/radio"
	"github.com/txpush/txpush/smsc"
)

// Kind is which path a mode sends pushes by.
type Kind uint8

const (
	// Transaction: the PPG hands each push whole to the SMSC's
	// transaction engine.
	Transaction Kind = iota + 1
	// Classic: the PPG splits the push and submits each part to the
	// store-and-forward engine, concluding from the parts' receipts.
	Classic
)

// Mode is one way of delivering pushes that a run measures.
type Mode struct {
	Name string
	Kind Kind
	// PPGRetry makes the PPG retry a push whose transaction failed for a
	// temporary cause, until the push's deliver-before-timestamp
	// (ppg.Config.RetryUntilDeliverBefore).
	PPGRetry bool
	// SAF configures the store-and-forward engine of a Classic mode.
	SAF smsc.SAFConfig
}

// Modes returns the modes the simulator knows, by name:
//
//   - txn: transaction mode, the PPG reports a failure;
//   - txn-retry: transaction mode, the PPG retries until deliver-before;
//   - saf: the classic path in the RestComm SMSC's form (one queue per
//     destination, Alert-SC, +300 s then doubling to 24 h);
//   - saf-operator: the same with the operators' schedule (every minute
//     for 5 min, every 10 min to an hour, hourly to 24 h): the strongest
//     classic form;
//   - saf-noqueue: no queue per destination (each part its own retry
//     clock), Alert-SC, RestComm schedule;
//   - saf-noalert: one queue per destination, no Alert-SC, RestComm
//     schedule;
//   - saf-plain: neither, RestComm schedule: the weakest common form.
func Modes() []Mode {
	restcomm := smsc.ExponentialSchedule(300*time.Second, 24*time.Hour)
	return []Mode{
		{Name: "txn", Kind: Transaction},
		{Name: "txn-retry", Kind: Transaction, PPGRetry: true},
		{Name: "saf", Kind: Classic, SAF: smsc.SAFConfig{Schedule: restcomm}},
		{Name: "saf-operator", Kind: Classic, SAF: smsc.SAFConfig{Schedule: smsc.OperatorSchedule()}},
		{Name: "saf-noqueue", Kind: Classic, SAF: smsc.SAFConfig{Schedule: restcomm, IndependentMessages: true}},
		{Name: "saf-noalert", Kind: Classic, SAF: smsc.SAFConfig{Schedule: restcomm, NoAlertSC: true}},
		{Name: "saf-plain", Kind: Classic, SAF: smsc.SAFConfig{Schedule: restcomm, IndependentMessages: true, NoAlertSC: true}},
	}
}

// DefaultModes are the modes a sweep compares unless told otherwise.
var DefaultModes = []string{"txn", "txn-retry", "saf", "saf-operator", "saf-noqueue"}

// ModesNamed returns the modes of the names, in the order given; "all"
// stands for every mode.
func ModesNamed(names []string) ([]Mode, error) {
	all := Modes()
	var out []Mode
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "all" {
			out = append(out, all...)
			continue
		}
		found := false
		for _, m := range all {
			if m.Name == n {
				out = append(out, m)
				found = true
			}
		}
		if !found {
			var known []string
			for _, m := range all {
				known = append(known, m.Name)
			}
			return nil, fmt.Errorf("sim: unknown mode %q (have %s, or all)", n, strings.Join(known, ", "))
		}
	}
	return out, nil
}

// Config is one point of the evaluation: the workload, the network and
// the settings of the components. DefaultConfig gives sim-parameters.md's
// defaults.
type Config struct {
	// Pushes is how many pushes are sent, each to its own handset, at
	// Rate pushes per second of simulated time.
	Pushes int
	Rate   float64
	// Segments, when 1 to 6, makes every push need that many SMS;
	// 0 uses the workload mix (Mix).
	Segments int
	Mix      Mix
	// Network is the simulated network, its Seed included.
	Network radio.Config
	// Reassembly is the handsets' reassembly timeout.
	Reassembly time.Duration
	// Txn configures the transaction engine.
	Txn smsc.TxnConfig
	// DeliverBefore is given to every push as its
	// deliver-before-timestamp, after its acceptance; PPGRetryInterval is
	// the wait between the PPG's retries in txn-retry.
	DeliverBefore    time.Duration
	PPGRetryInterval time.Duration
	// ReceiptTimeout is how long the classic path's PPG waits for the
	// receipts of a push's parts before its outcome is unknown.
	ReceiptTimeout time.Duration
	// Horizon ends a run: what has not happened by then, after the last
	// push, never happens.
	Horizon time.Duration
}

// Mix is the workload: the share of each content type and, for each,
// the share of its pushes that need two SMS rather than one
// (sim-parameters.md: MMS notifications 70 % two, SI 30 %, SL none).
type Mix struct {
	SI, SL, MMS          float64 // shares of the pushes; they need not add to 1
	SITwo, SLTwo, MMSTwo float64 // share of each kind that needs two SMS
}

// DefaultMix is sim-parameters.md's segment mix with an even split
// between SI and MMS notifications and a few SL: the shares of the types
// are an estimate [E].
var DefaultMix = Mix{SI: 0.45, SL: 0.10, MMS: 0.45, SITwo: 0.30, SLTwo: 0, MMSTwo: 0.70}

// DefaultConfig returns the defaults of sim-parameters.md: the typical
// network, modern handsets (24 h reassembly), transaction mode with 3
// attempts 2 s apart within 30 s, 100,000 pushes.
func DefaultConfig() Config {
	return Config{
		Pushes:           100_000,
		Rate:             50,
		Mix:              DefaultMix,
		Network:          radio.DefaultConfig(),
		Reassembly:       handset.ReassemblyModern,
		DeliverBefore:    time.Hour,
		PPGRetryInterval: ppg.DefaultRetryInterval,
		ReceiptTimeout:   ppg.DefaultReceiptTimeout,
		Horizon:          8 * 24 * time.Hour,
	}
}

// Validate reports the first setting that cannot be run.
func (c *Config) Validate() error {
	switch {
	case c.Pushes < 1:
		return fmt.Errorf("sim: %d pushes: want at least 1", c.Pushes)
	case !(c.Rate > 0):
		return fmt.Errorf("sim: rate %v: want a positive number of pushes per second", c.Rate)
	case c.Segments < 0 || c.Segments > maxSegments:
		return fmt.Errorf("sim: %d segments: want 1 to %d, or 0 for the mix", c.Segments, maxSegments)
	case c.Segments == 0 && !(c.Mix.SI+c.Mix.SL+c.Mix.MMS > 0):
		return fmt.Errorf("sim: the mix has no pushes in it")
	case c.Reassembly <= 0:
		return fmt.Errorf("sim: reassembly timeout %v: want > 0", c.Reassembly)
	case c.DeliverBefore <= 0 || c.PPGRetryInterval <= 0 || c.ReceiptTimeout <= 0 || c.Horizon <= 0:
		return fmt.Errorf("sim: deliver-before, retry interval, receipt timeout and horizon must be > 0")
	}
	for _, s := range []float64{c.Mix.SI, c.Mix.SL, c.Mix.MMS} {
		if !(s >= 0) {
			return fmt.Errorf("sim: mix share %v: want >= 0", s)
		}
	}
	for _, s := range []float64{c.Mix.SITwo, c.Mix.SLTwo, c.Mix.MMSTwo} {
		if !(s >= 0 && s <= 1) {
			return fmt.Errorf("sim: mix two-segment share %v: want 0 to 1", s)
		}
	}
	return c.Network.Validate()
}
