package radio

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"time"
)

// Latency is a log-normal delay given by its median and 95th percentile.
// A P95 equal to the median makes the delay fixed.
type Latency struct {
	Median, P95 time.Duration
}

// WeightedError is one entry of a mix of errors: Err is drawn with
// probability Weight divided by the sum of the weights.
type WeightedError struct {
	Err    Error
	Weight float64
}

// Config sets every figure of the simulated network. The defaults are those
// of the project's sim-parameters.md; figures marked [E] there are
// estimates, to be swept rather than trusted. Start from DefaultConfig or
// Profile and change what a run needs.
type Config struct {
	// Seed selects the random streams: the same seed and the same attempts
	// give the same results.
	Seed uint64

	// TransientFailure is the probability that an attempt fails with a
	// temporary error under normal load (0.02); CongestedFailure the same
	// while the handset's cell is congested (0.15).
	TransientFailure float64
	CongestedFailure float64
	// TransientErrors is the mix a transient failure is drawn from. Every
	// entry must be temporary.
	TransientErrors []WeightedError

	// Cells is how many cells the handsets are spread over (by a hash of
	// the MSISDN); each cell is congested on its own.
	Cells int
	// CongestionShare is the fraction of time a cell is congested (0.05),
	// and CongestionSpell the mean length of a congested spell (60 s). Spell
	// lengths are exponential: a two-state Gilbert–Elliott process per cell.
	CongestionShare float64
	CongestionSpell time.Duration

	// AbsentShare is the long-run fraction of time a subscriber is absent
	// (switched off or out of coverage), hence also the probability of
	// being absent at the first attempt (0.10). AbsenceMean is the mean
	// length of an absence (30 min); both spell lengths are exponential and
	// the mean presence is chosen so that AbsentShare holds.
	AbsentShare float64
	AbsenceMean time.Duration

	// AlertSC turns on alertServiceCentre: after a delivery failed as
	// absent (or memory full), the SMSC is alerted once, between
	// AlertDelayMin and AlertDelayMax (uniform) after the subscriber
	// becomes reachable (on, 1–5 s).
	AlertSC                      bool
	AlertDelayMin, AlertDelayMax time.Duration

	// MemoryFull is the probability that an attempt fails with
	// sm-DeliveryFailure/memoryCapacityExceeded (0.002 [E]). The handset is
	// taken to free memory at once, so with AlertSC the alert follows the
	// failure after the alert delay.
	MemoryFull float64

	// PermanentShare is the fraction of MSISDNs that can never receive
	// (0.001 [E]); each fails every attempt with an error drawn once from
	// PermanentErrors, whose entries must all be permanent.
	PermanentShare  float64
	PermanentErrors []WeightedError
	// RequireReceiver makes an MSISDN with no attached Receiver (and no
	// AttachAll catch-all) an unknownSubscriber. When false every MSISDN
	// exists.
	RequireReceiver bool

	// RoutingLookup is the SendRoutingInfoForSM delay (median 0.1 s, p95
	// 0.4 s); FirstSegment the MT-ForwardSM delay that opens a dialogue
	// (median 2.5 s, p95 6 s); NextSegment the delay of a further message
	// in the same dialogue (median 0.8 s, p95 2 s [E]).
	RoutingLookup Latency
	FirstSegment  Latency
	NextSegment   Latency

	// DialogueFailureFactor scales the transient failure probability of a
	// message sent in a dialogue after a success (0.5). DialogueIdle is how
	// long the network keeps a dialogue open waiting for the next message
	// (5 s [E]).
	DialogueFailureFactor float64
	DialogueIdle          time.Duration

	// NoAnswer is the probability that the network never answers an
	// attempt (0.001 [E]); the attempt then fails with Timeout after
	// MAPTimeout (60 s).
	NoAnswer   float64
	MAPTimeout time.Duration

	// AllowConcurrent lets several attempts to one MSISDN be in flight at
	// once. When false, as in a real MSC, an attempt that starts while
	// another to the same subscriber is in flight fails with
	// subscriberBusyForMT-SMS.
	AllowConcurrent bool
}

// DefaultConfig returns the parameter table's defaults ("typical").
func DefaultConfig() Config {
	return Config{
		Seed:             1,
		TransientFailure: 0.02,
		CongestedFailure: 0.15,
		TransientErrors: []WeightedError{
			{Error{Code: SystemFailure}, 0.4},
			{Error{Code: SMDeliveryFailure, Cause: SCCongestion}, 0.3},
			{Error{Code: SubscriberBusyForMTSMS}, 0.2},
			{Error{Code: UnidentifiedSubscriber}, 0.1},
		},
		Cells:           64,
		CongestionShare: 0.05,
		CongestionSpell: 60 * time.Second,
		AbsentShare:     0.10,
		AbsenceMean:     30 * time.Minute,
		AlertSC:         true,
		AlertDelayMin:   1 * time.Second,
		AlertDelayMax:   5 * time.Second,
		MemoryFull:      0.002,
		PermanentShare:  0.001,
		PermanentErrors: []WeightedError{
			{Error{Code: UnknownSubscriber}, 0.5},
			{Error{Code: CallBarred}, 0.3},
			{Error{Code: TeleserviceNotProvisioned}, 0.2},
		},
		RoutingLookup:         Latency{100 * time.Millisecond, 400 * time.Millisecond},
		FirstSegment:          Latency{2500 * time.Millisecond, 6 * time.Second},
		NextSegment:           Latency{800 * time.Millisecond, 2 * time.Second},
		DialogueFailureFactor: 0.5,
		DialogueIdle:          5 * time.Second,
		NoAnswer:              0.001,
		MAPTimeout:            60 * time.Second,
	}
}

// profiles builds the named configurations.
var profiles = map[string]func() Config{
	// ideal: nothing fails, every message arrives 10 ms after it was sent.
	// For benchmarks and for tests of the layers above.
	"ideal": func() Config {
		c := DefaultConfig()
		c.TransientFailure, c.CongestedFailure = 0, 0
		c.CongestionShare = 0
		c.AbsentShare = 0
		c.MemoryFull = 0
		c.PermanentShare = 0
		c.NoAnswer = 0
		c.RoutingLookup = Latency{}
		c.FirstSegment = Latency{10 * time.Millisecond, 10 * time.Millisecond}
		c.NextSegment = c.FirstSegment
		c.AllowConcurrent = true
		return c
	},
	// typical: the parameter table's defaults.
	"typical": DefaultConfig,
	// congested: cells congested 30 % of the time in spells of 5 min
	// on average.
	"congested": func() Config {
		c := DefaultConfig()
		c.CongestionShare = 0.30
		c.CongestionSpell = 5 * time.Minute
		return c
	},
	// flaky: more transient failures (5 %), subscribers absent 20 % of the
	// time in shorter absences (10 min on average).
	"flaky": func() Config {
		c := DefaultConfig()
		c.TransientFailure = 0.05
		c.AbsentShare = 0.20
		c.AbsenceMean = 10 * time.Minute
		return c
	},
}

// Profile returns the named configuration: "ideal" (no failures, a fixed
// 10 ms latency), "typical" (the parameter table's defaults), "congested"
// (cells congested 30 % of the time, mean spell 5 min) or "flaky" (transient
// failures 5 %, absent share 20 %, mean absence 10 min).
func Profile(name string) (Config, error) {
	build, ok := profiles[name]
	if !ok {
		return Config{}, fmt.Errorf("radio: unknown profile %q (have %v)", name, ProfileNames())
	}
	return build(), nil
}

// ProfileNames lists the names Profile accepts, sorted.
func ProfileNames() []string {
	names := make([]string, 0, len(profiles))
	for name := range profiles {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Validate reports the first setting that is out of range.
func (c *Config) Validate() error {
	for _, p := range []struct {
		name string
		v    float64
	}{
		{"TransientFailure", c.TransientFailure},
		{"CongestedFailure", c.CongestedFailure},
		{"CongestionShare", c.CongestionShare},
		{"AbsentShare", c.AbsentShare},
		{"MemoryFull", c.MemoryFull},
		{"PermanentShare", c.PermanentShare},
		{"NoAnswer", c.NoAnswer},
	} {
		if !(p.v >= 0 && p.v <= 1) { // also rejects NaN
			return fmt.Errorf("radio: config: %s = %v, want a probability in [0, 1]", p.name, p.v)
		}
	}
	if !(c.DialogueFailureFactor >= 0) || math.IsInf(c.DialogueFailureFactor, 1) {
		return fmt.Errorf("radio: config: DialogueFailureFactor = %v, want a finite factor >= 0", c.DialogueFailureFactor)
	}
	if c.Cells < 1 || c.Cells > maxCells {
		return fmt.Errorf("radio: config: Cells = %d, want 1 to %d", c.Cells, maxCells)
	}
	if c.CongestionShare > 0 && c.CongestionShare < 1 && c.CongestionSpell <= 0 {
		return fmt.Errorf("radio: config: CongestionSpell = %v, want > 0 when 0 < CongestionShare < 1", c.CongestionSpell)
	}
	if c.AbsentShare > 0 && c.AbsentShare < 1 && c.AbsenceMean <= 0 {
		return fmt.Errorf("radio: config: AbsenceMean = %v, want > 0 when 0 < AbsentShare < 1", c.AbsenceMean)
	}
	if c.AlertDelayMin < 0 || c.AlertDelayMax < c.AlertDelayMin {
		return fmt.Errorf("radio: config: alert delay [%v, %v], want 0 <= AlertDelayMin <= AlertDelayMax", c.AlertDelayMin, c.AlertDelayMax)
	}
	for _, l := range []struct {
		name string
		l    Latency
	}{
		{"RoutingLookup", c.RoutingLookup},
		{"FirstSegment", c.FirstSegment},
		{"NextSegment", c.NextSegment},
	} {
		if l.l.Median < 0 || l.l.P95 < l.l.Median || (l.l.Median == 0 && l.l.P95 != 0) {
			return fmt.Errorf("radio: config: %s latency median %v p95 %v, want 0 < median <= p95 (or both 0)", l.name, l.l.Median, l.l.P95)
		}
	}
	if c.DialogueIdle < 0 {
		return fmt.Errorf("radio: config: DialogueIdle = %v, want >= 0", c.DialogueIdle)
	}
	if c.MAPTimeout <= 0 {
		return fmt.Errorf("radio: config: MAPTimeout = %v, want > 0", c.MAPTimeout)
	}
	if err := validateMix("TransientErrors", c.TransientErrors, true, c.TransientFailure > 0 || c.CongestedFailure > 0); err != nil {
		return err
	}
	return validateMix("PermanentErrors", c.PermanentErrors, false, c.PermanentShare > 0)
}

// validateMix checks that every error of the mix has the wanted class and
// that the weights can be drawn from (when the mix is used at all).
func validateMix(name string, mix []WeightedError, temporary, used bool) error {
	var sum float64
	for i, w := range mix {
		if !(w.Weight >= 0) || math.IsInf(w.Weight, 1) {
			return fmt.Errorf("radio: config: %s[%d] weight %v, want a finite weight >= 0", name, i, w.Weight)
		}
		if !w.Err.Code.Known() || (w.Err.Code == SMDeliveryFailure && !w.Err.Cause.Known()) {
			return fmt.Errorf("radio: config: %s[%d]: unknown error %s", name, i, w.Err.Name())
		}
		if w.Err.Temporary() != temporary {
			return fmt.Errorf("radio: config: %s[%d]: %s is not %s", name, i, w.Err.Name(), classWord(temporary))
		}
		sum += w.Weight
	}
	if math.IsInf(sum, 1) {
		return errors.New("radio: config: " + name + " weights add up to infinity")
	}
	if used && !(sum > 0) {
		return errors.New("radio: config: " + name + " is empty or weighs nothing, but its failures can occur")
	}
	return nil
}

func classWord(temporary bool) string {
	if temporary {
		return "temporary"
	}
	return "permanent"
}
