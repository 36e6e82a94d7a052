package radio

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestProfiles(t *testing.T) {
	if got, want := ProfileNames(), []string{"congested", "flaky", "ideal", "typical"}; !slices.Equal(got, want) {
		t.Errorf("ProfileNames() = %q, want %q", got, want)
	}
	for _, name := range ProfileNames() {
		c, err := Profile(name)
		if err != nil {
			t.Fatalf("Profile(%q): %v", name, err)
		}
		if err := c.Validate(); err != nil {
			t.Errorf("Profile(%q) does not validate: %v", name, err)
		}
	}
	typical, _ := Profile("typical")
	def := DefaultConfig()
	if typical.TransientFailure != def.TransientFailure || typical.AbsentShare != def.AbsentShare {
		t.Error("typical differs from DefaultConfig")
	}
	// The table's defaults.
	if def.TransientFailure != 0.02 || def.CongestedFailure != 0.15 || def.CongestionShare != 0.05 ||
		def.CongestionSpell != time.Minute || def.AbsentShare != 0.10 || def.AbsenceMean != 30*time.Minute ||
		def.RoutingLookup != (Latency{100 * time.Millisecond, 400 * time.Millisecond}) ||
		def.FirstSegment != (Latency{2500 * time.Millisecond, 6 * time.Second}) || def.NextSegment.Median != 800*time.Millisecond ||
		def.MAPTimeout != time.Minute || def.DialogueFailureFactor != 0.5 || !def.AlertSC ||
		def.AlertDelayMin != time.Second || def.AlertDelayMax != 5*time.Second {
		t.Errorf("DefaultConfig differs from sim-parameters.md: %+v", def)
	}
	if c, _ := Profile("congested"); c.CongestionShare != 0.30 || c.CongestionSpell <= def.CongestionSpell {
		t.Errorf("congested: share %v spell %v", c.CongestionShare, c.CongestionSpell)
	}
	if c, _ := Profile("flaky"); c.TransientFailure != 0.05 || c.AbsentShare != 0.2 || c.AbsenceMean >= def.AbsenceMean {
		t.Errorf("flaky: transient %v absent %v mean %v", c.TransientFailure, c.AbsentShare, c.AbsenceMean)
	}
	if _, err := Profile("perfect"); err == nil || !strings.Contains(err.Error(), `"perfect"`) {
		t.Errorf("Profile(perfect) error = %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		field  string
		modify func(*Config)
	}{
		{"TransientFailure", func(c *Config) { c.TransientFailure = 1.5 }},
		{"CongestedFailure", func(c *Config) { c.CongestedFailure = -0.1 }},
		{"AbsentShare", func(c *Config) { c.AbsentShare = math.NaN() }},
		{"NoAnswer", func(c *Config) { c.NoAnswer = 2 }},
		{"DialogueFailureFactor", func(c *Config) { c.DialogueFailureFactor = math.Inf(1) }},
		{"Cells", func(c *Config) { c.Cells = 0 }},
		{"Cells", func(c *Config) { c.Cells = maxCells + 1 }},
		{"CongestionSpell", func(c *Config) { c.CongestionSpell = 0 }},
		{"AbsenceMean", func(c *Config) { c.AbsenceMean = -time.Second }},
		{"alert delay", func(c *Config) { c.AlertDelayMin = 6 * time.Second }},
		{"FirstSegment", func(c *Config) { c.FirstSegment = Latency{2 * time.Second, time.Second} }},
		{"RoutingLookup", func(c *Config) { c.RoutingLookup = Latency{0, time.Second} }},
		{"DialogueIdle", func(c *Config) { c.DialogueIdle = -1 }},
		{"MAPTimeout", func(c *Config) { c.MAPTimeout = 0 }},
		{"TransientErrors", func(c *Config) { c.TransientErrors = nil }},
		{"TransientErrors[0]", func(c *Config) { c.TransientErrors[0].Err = Error{Code: CallBarred} }},
		{"TransientErrors[1]", func(c *Config) { c.TransientErrors[1].Weight = -1 }},
		{"PermanentErrors[0]", func(c *Config) { c.PermanentErrors[0].Err = Error{Code: SystemFailure} }},
		{"PermanentErrors[0]", func(c *Config) { c.PermanentErrors[0].Err = Error{Code: 200} }},
		{"PermanentErrors", func(c *Config) {
			c.PermanentErrors = []WeightedError{{Error{Code: CallBarred}, math.MaxFloat64}, {Error{Code: CallBarred}, math.MaxFloat64}}
		}},
	}
	for _, tt := range tests {
		c := DefaultConfig()
		tt.modify(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tt.field) {
			t.Errorf("%s: Validate() = %v, want an error naming it", tt.field, err)
		}
		if _, err := New(nil, c); err == nil {
			t.Errorf("%s: New accepted the config", tt.field)
		}
	}
	// An unused mix may be empty.
	c := DefaultConfig()
	c.TransientFailure, c.CongestedFailure, c.TransientErrors = 0, 0, nil
	c.PermanentShare, c.PermanentErrors = 0, nil
	if err := c.Validate(); err != nil {
		t.Errorf("unused empty mixes: %v", err)
	}
}

// The network keeps its own copy of the mixes.
func TestConfigCopied(t *testing.T) {
	cfg := quietConfig()
	cfg.TransientFailure = 1
	cfg.TransientErrors = []WeightedError{{Error{Code: SystemFailure}, 1}}
	n, clk := newNetwork(t, cfg)
	cfg.TransientErrors[0].Err = Error{Code: UnidentifiedSubscriber}
	n.Config().TransientErrors[0].Err = Error{Code: UnidentifiedSubscriber}
	if r := deliver(t, n, clk, sms("447700900030", false)); r.Err == nil || r.Err.Code != SystemFailure {
		t.Errorf("%v, want systemFailure", r.Err)
	}
}
