package svgplot

import (
	"math"
	"strconv"
)

// Durations in seconds.
const (
	minute = 60
	hour   = 60 * minute
	day    = 24 * hour
	week   = 7 * day
	year   = 365 * day
)

// durationUnits are the units FormatSeconds picks from, largest first.
var durationUnits = [...]struct {
	name    string
	seconds float64
}{
	{"d", day},
	{"h", hour},
	{"min", minute},
}

// FormatSeconds labels a duration given in seconds with the largest unit
// that keeps the number at least 1, to three significant digits:
// 0.1 → "0.1 s", 30 → "30 s", 300 → "5 min", 5400 → "1.5 h", 86400 → "1 d".
// It suits Axis.Format for an axis of seconds, together with DurationTicks.
func FormatSeconds(s float64) string {
	if math.IsNaN(s) || math.IsInf(s, 0) {
		return strconv.FormatFloat(s, 'g', -1, 64) + " s"
	}
	unit, size := "s", 1.0
	for _, u := range durationUnits {
		// Compare the rounded value, so that 59.99 s is "1 min", not "60 s".
		if math.Abs(roundSignificant(s/u.seconds, 3)) >= 1 {
			unit, size = u.name, u.seconds
			break
		}
	}
	v := roundSignificant(s/size, 3)
	if a := math.Abs(v); a != 0 && (a < 1e-3 || a >= 1e6) {
		return strconv.FormatFloat(v, 'g', 3, 64) + " " + unit
	}
	return strconv.FormatFloat(v, 'f', -1, 64) + " " + unit
}

// roundSignificant rounds v to n significant decimal digits.
func roundSignificant(v float64, n int) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	e := int(math.Floor(math.Log10(math.Abs(v))))
	if e < -290 || e > 290 {
		return v
	}
	shift := n - 1 - e
	if shift >= 0 {
		p := math.Pow10(shift)
		return math.Round(v*p) / p
	}
	p := math.Pow10(-shift)
	return math.Round(v/p) * p
}

// Tick positions in seconds that read well as durations. The fine ladder is
// used when it gives a handful of ticks over the range; the coarse one, about
// one tick per decade, otherwise.
var (
	fineDurations = []float64{
		1, 2, 5, 10, 20, 30,
		minute, 2 * minute, 5 * minute, 10 * minute, 20 * minute, 30 * minute,
		hour, 2 * hour, 6 * hour, 12 * hour,
		day, 2 * day, week, 2 * week, 30 * day, 90 * day, year,
	}
	coarseDurations = []float64{
		1, 10, minute, 10 * minute, hour, 6 * hour, day, week, 30 * day, year,
	}
	// linearDurationSteps are the steps for a linear axis of seconds.
	linearDurationSteps = []int64{
		1, 2, 5, 10, 15, 30,
		minute, 2 * minute, 5 * minute, 10 * minute, 15 * minute, 30 * minute,
		hour, 2 * hour, 3 * hour, 6 * hour, 12 * hour,
		day, 2 * day, week, 2 * week, 30 * day,
	}
)

// Tick counts DurationTicks aims for: at most this many on a log axis
// before it thins them, and this many intervals on a linear one.
const (
	maxDurationLogTicks  = 10
	durationLinearTarget = 6
)

// DurationTicks returns tick positions in seconds for an axis from lo to hi
// seconds that fall on round durations (1 s, 10 s, 1 min, 10 min, 1 h, 6 h,
// 1 d, ... on a log axis; multiples of 15 s, 5 min, 6 h and the like on a
// linear one), for Axis.Ticks. Label them with FormatSeconds.
// Below a second and beyond a year the ladder continues in decades.
func DurationTicks(lo, hi float64, log bool) []float64 {
	if !(lo < hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		return nil
	}
	if log && lo > 0 {
		if ticks := logDurationTicks(lo, hi); len(ticks) >= 2 {
			return ticks
		}
	}
	return linearDurationTicks(lo, hi)
}

func logDurationTicks(lo, hi float64) []float64 {
	fine := durationLadder(lo, hi, fineDurations, []int64{1, 2, 5})
	if len(fine) >= 2 && len(fine) <= maxDurationLogTicks {
		return fine
	}
	coarse := durationLadder(lo, hi, coarseDurations, []int64{1})
	if len(coarse) <= maxDurationLogTicks {
		return coarse
	}
	stride := (len(coarse) + maxDurationLogTicks - 1) / maxDurationLogTicks
	thinned := coarse[:0]
	for i, v := range coarse {
		if i%stride == 0 {
			thinned = append(thinned, v)
		}
	}
	return thinned
}

// durationLadder returns the values of ladder within [lo, hi], extended
// below one second by mantissas × 10^k s and beyond the last rung by
// mantissas × 10^k × the last rung.
func durationLadder(lo, hi float64, ladder []float64, mantissas []int64) []float64 {
	inRange := func(v float64) bool { return v >= lo*(1-1e-9) && v <= hi*(1+1e-9) }
	var ticks []float64
	kmin := max(int(math.Floor(math.Log10(lo))), minTickExp)
	for k := kmin; k < 0; k++ {
		for _, m := range mantissas {
			if v := (decimal{m, k}).float(); inRange(v) {
				ticks = append(ticks, v)
			}
		}
	}
	for _, v := range ladder {
		if inRange(v) {
			ticks = append(ticks, v)
		}
	}
	last := ladder[len(ladder)-1]
	for k := 0; k <= maxTickExp && last*math.Pow10(k) <= hi*(1+1e-9); k++ {
		for _, m := range mantissas {
			if k == 0 && m == 1 {
				continue // the last rung itself
			}
			if v := float64(m) * math.Pow10(k) * last; inRange(v) {
				ticks = append(ticks, v)
			}
		}
	}
	return ticks
}

func linearDurationTicks(lo, hi float64) []float64 {
	span := hi - lo
	var step decimal
	ok := false
	raw := span / durationLinearTarget
	switch {
	case raw < 1:
		step, ok = niceStep(span, durationLinearTarget)
	case raw <= float64(linearDurationSteps[len(linearDurationSteps)-1]):
		for _, s := range linearDurationSteps {
			if float64(s) >= raw {
				step, ok = decimal{s, 0}, true
				break
			}
		}
	default:
		// Beyond a month, whole days in 1-2-5 steps.
		if d, found := niceStep(span/day, durationLinearTarget); found && d.exp >= 0 {
			step, ok = decimal{d.mant * day, d.exp}, true
		}
	}
	if !ok {
		return nil
	}
	ticks, ok := linearTicks(lo, hi, step)
	if !ok {
		return nil
	}
	values := make([]float64, len(ticks))
	for i, t := range ticks {
		values[i] = t.v
	}
	return values
}
