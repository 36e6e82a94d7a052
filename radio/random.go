package radio

import (
	"math"
	"math/rand/v2"
	"time"
)

// Stream tags keep the random streams derived from one seed apart.
const (
	tagAttempts  = 0x6174746d70747321 // per-attempt draws of a handset
	tagPresence  = 0x70726573656e6365 // a handset's absent/present process
	tagCell      = 0x63656c6c63656c6c // a cell's congestion process
	tagPermanent = 0x7065726d616e656e // a handset's permanent failure state
)

// mix is the splitmix64 finaliser: it spreads the bits of x so that nearby
// seeds give unrelated streams.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// hashString is 64-bit FNV-1a, written out so that hashing an MSISDN does
// not allocate.
func hashString(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// streamSeed returns the PCG seed of the stream tagged tag for key.
func streamSeed(seed, tag, key uint64) (uint64, uint64) {
	return mix(seed ^ tag), mix(key ^ mix(tag))
}

// unit turns 64 random bits into a float64 in [0, 1).
func unit(x uint64) float64 { return float64(x>>11) * 0x1p-53 }

// lognormal draws delays whose logarithm is normal.
type lognormal struct {
	mu, sigma float64 // of the delay's natural log in nanoseconds
	zero      bool    // the delay is always 0
}

// z95 is the 95th percentile of the standard normal distribution.
const z95 = 1.6448536269514722

func newLognormal(l Latency) lognormal {
	if l.Median <= 0 {
		return lognormal{zero: true}
	}
	mu := math.Log(float64(l.Median))
	return lognormal{mu: mu, sigma: (math.Log(float64(l.P95)) - mu) / z95}
}

// delay maps a standard normal draw z to a delay, saturating far beyond
// any MAP timer rather than overflowing.
func (l lognormal) delay(z float64) time.Duration {
	if l.zero {
		return 0
	}
	ns := math.Exp(l.mu + l.sigma*z)
	const limit = float64(100 * 24 * time.Hour)
	if !(ns < limit) {
		return time.Duration(limit)
	}
	return time.Duration(ns)
}

// spells describes a two-state process with exponential spell lengths:
// the process is "on" a fraction share of the time, in spells of mean
// meanOn, and off in spells of mean meanOff.
type spells struct {
	share           float64
	meanOn, meanOff float64 // nanoseconds
}

// newSpells derives the off-spell mean from the share and the on-spell
// mean, so that the long-run fraction of time on is share.
func newSpells(share float64, meanOn time.Duration) spells {
	s := spells{share: share, meanOn: float64(meanOn)}
	if share > 0 && share < 1 {
		s.meanOff = s.meanOn * (1 - share) / share
	}
	return s
}

// forever stands for "no change in sight" when a process never switches.
const forever = time.Duration(math.MaxInt64)

// onOff is one path of a spells process. It is drawn from its own random
// stream, so it depends on its seed alone and not on when or how often it
// is looked at. Lookups at non-decreasing times cost a few draws per spell
// passed; a lookup at an earlier time replays the path from time zero.
type onOff struct {
	seed1, seed2 uint64
	rng          rand.PCG
	started      bool
	on           bool
	start, end   time.Duration // the current spell, measured from time zero
}

func newOnOff(seed1, seed2 uint64) onOff {
	return onOff{seed1: seed1, seed2: seed2}
}

// at returns the state at time t (from time zero) and when it next changes.
func (p *onOff) at(t time.Duration, s *spells) (on bool, until time.Duration) {
	switch {
	case s.share <= 0:
		return false, forever
	case s.share >= 1:
		return true, forever
	}
	if t < 0 {
		t = 0
	}
	if !p.started || t < p.start {
		// Start in the stationary distribution. Exponential spells are
		// memoryless, so the rest of the spell in progress at time zero is
		// again exponential with the same mean.
		p.rng.Seed(p.seed1, p.seed2)
		p.started = true
		p.on = unit(p.rng.Uint64()) < s.share
		p.start = 0
		p.end = p.spell(s)
	}
	for t >= p.end {
		p.on = !p.on
		p.start = p.end
		p.end = p.start + p.spell(s)
		if p.end < p.start { // overflow: the path has reached the end of time
			p.end = forever
		}
	}
	return p.on, p.end
}

// spell draws the length of a spell in the current state.
func (p *onOff) spell(s *spells) time.Duration {
	mean := s.meanOff
	if p.on {
		mean = s.meanOn
	}
	// 1-u is in (0, 1], so the logarithm is finite.
	d := -mean * math.Log(1-unit(p.rng.Uint64()))
	if !(d < float64(forever)) {
		return forever
	}
	return time.Duration(d)
}
