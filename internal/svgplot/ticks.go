package svgplot

import (
	"math"
	"strconv"
	"strings"
)

// A decimal is mant × 10^exp. Tick values are built as decimals so that
// their labels come out as the short numbers a reader expects ("0.3", not
// "0.30000000000000004"), and a percent label is the same digits with the
// exponent moved, with no float multiplication to add noise.
type decimal struct {
	mant int64
	exp  int
}

// Exponents outside this range are not used for ticks: math.Pow10 runs out
// of precision (and then range) near the ends of float64.
const (
	minTickExp = -290
	maxTickExp = 290
)

// float returns the float64 nearest to d (within an ulp).
func (d decimal) float() float64 {
	if d.exp >= 0 {
		return float64(d.mant) * math.Pow10(d.exp)
	}
	// Dividing by an exact power of ten gives the correctly rounded value
	// of, say, 3/10, where multiplying by 0.1 would not.
	return float64(d.mant) / math.Pow10(-d.exp)
}

// String formats d in plain decimal notation, or in exponent notation
// ("2.5e-7", "1e12") when the plain form would be long.
func (d decimal) String() string {
	if d.mant == 0 {
		return "0"
	}
	sign := ""
	m := d.mant
	if m < 0 {
		sign, m = "-", -m
	}
	digits := strconv.FormatInt(m, 10)
	exp := d.exp
	for len(digits) > 1 && digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
		exp++
	}
	n := len(digits)
	var s string
	switch {
	case exp >= 0 && n+exp <= 9:
		s = digits + strings.Repeat("0", exp)
	case exp < 0 && -exp < n:
		s = digits[:n+exp] + "." + digits[n+exp:]
	case exp < 0 && -exp-n <= 4:
		s = "0." + strings.Repeat("0", -exp-n) + digits
	default:
		s = digits[:1]
		if n > 1 {
			s += "." + digits[1:]
		}
		s += "e" + strconv.Itoa(exp+n-1)
	}
	return sign + s
}

// A tick is one labelled position on an axis. When exact is set, d holds
// the value as a decimal and the default label is made from it.
type tick struct {
	v     float64
	d     decimal
	exact bool
}

// niceStep returns the 1, 2 or 5 × 10^k step that divides span into at
// most target intervals, the smallest such step. ok is false when span is
// too large or too small for a decimal step.
func niceStep(span float64, target int) (step decimal, ok bool) {
	if !(span > 0) || math.IsInf(span, 0) || target < 1 {
		return decimal{}, false
	}
	raw := span / float64(target)
	k := int(math.Floor(math.Log10(raw)))
	if k < minTickExp || k > maxTickExp {
		return decimal{}, false
	}
	norm := raw / math.Pow10(k)
	switch {
	case norm <= 1:
		return decimal{1, k}, true
	case norm <= 2:
		return decimal{2, k}, true
	case norm <= 5:
		return decimal{5, k}, true
	default:
		return decimal{1, k + 1}, true
	}
}

// Limits that keep tick generation finite: the index of a tick (value /
// step) must be exactly representable, and no axis gets more ticks than
// anyone could read.
const (
	maxTickIndex = 1e15
	maxTicks     = 200
)

// stepRange returns the indexes of the first and last multiples of step
// within [lo, hi]. A multiple a hair outside (float error in lo/step) still
// counts; the tolerance is far below a pixel.
func stepRange(lo, hi float64, step decimal) (first, last int64, ok bool) {
	s := step.float()
	f := math.Ceil(lo/s - 1e-9)
	l := math.Floor(hi/s + 1e-9)
	if !(math.Abs(f) <= maxTickIndex && math.Abs(l) <= maxTickIndex) || l < f || l-f >= maxTicks {
		return 0, 0, false
	}
	return int64(f), int64(l), true
}

// linearTicks returns the multiples of step within [lo, hi].
func linearTicks(lo, hi float64, step decimal) ([]tick, bool) {
	first, last, ok := stepRange(lo, hi, step)
	if !ok {
		return nil, false
	}
	ticks := make([]tick, 0, last-first+1)
	for i := first; i <= last; i++ {
		d := decimal{i * step.mant, step.exp}
		ticks = append(ticks, tick{v: d.float(), d: d, exact: true})
	}
	return ticks, true
}

// endTicks is the fallback when no decimal step fits the range: the two
// ends of the axis, labelled with the float formatter.
func endTicks(lo, hi float64) []tick {
	return []tick{{v: lo}, {v: hi}}
}

// autoLinearRange widens the data range [lo, hi] to the enclosing multiples
// of a nice step, so that the axis starts and ends on a labelled tick.
func autoLinearRange(lo, hi float64, target int) (float64, float64) {
	if lo == hi {
		d := math.Abs(lo) / 10
		if d == 0 {
			d = 1
		}
		lo, hi = lo-d, hi+d
	}
	step, ok := niceStep(hi-lo, target)
	if !ok {
		return lo, hi
	}
	first, last, ok := stepRange(lo, hi, step)
	if !ok {
		return lo, hi
	}
	// The enclosing multiples are one step outside the inner ones unless
	// the data already ends on a multiple.
	nlo := decimal{first * step.mant, step.exp}.float()
	if nlo > lo {
		nlo = decimal{(first - 1) * step.mant, step.exp}.float()
	}
	nhi := decimal{last * step.mant, step.exp}.float()
	if nhi < hi {
		nhi = decimal{(last + 1) * step.mant, step.exp}.float()
	}
	if math.IsInf(nlo, 0) || math.IsInf(nhi, 0) || !(nlo < nhi) {
		return lo, hi
	}
	return nlo, nhi
}

// autoLogRange widens the positive data range [lo, hi] to whole decades.
func autoLogRange(lo, hi float64) (float64, float64) {
	klo := math.Floor(math.Log10(lo) + 1e-9)
	khi := math.Ceil(math.Log10(hi) - 1e-9)
	if klo == khi {
		khi++
	}
	klo = math.Max(klo, -307)
	khi = math.Min(khi, 308)
	if klo >= khi {
		klo = khi - 1
	}
	return math.Pow10(int(klo)), math.Pow10(int(khi))
}

// logTicks returns the labelled ticks of a log axis over [lo, hi] (lo > 0),
// at most about target of them, and the positions of unlabelled minor ticks.
// Ticks fall on decades (every decade, or every second, third... when there
// are too many); a range of less than two decades gets 1-2-5 ticks instead,
// and one too narrow even for those gets linear ticks.
func logTicks(lo, hi float64, target int) (major []tick, minor []float64) {
	inRange := func(v float64) bool { return v >= lo*(1-1e-9) && v <= hi*(1+1e-9) }
	kmin := int(math.Floor(math.Log10(lo)))
	kmax := int(math.Ceil(math.Log10(hi)))
	kmin = max(kmin, minTickExp)
	kmax = min(kmax, maxTickExp)

	var decades []int
	for k := kmin; k <= kmax; k++ {
		if inRange(math.Pow10(k)) {
			decades = append(decades, k)
		}
	}
	if len(decades) >= 2 {
		stride := (len(decades) + target - 1) / target
		for _, k := range decades {
			if mod(k, stride) == 0 {
				d := decimal{1, k}
				major = append(major, tick{v: d.float(), d: d, exact: true})
			}
		}
		// Minor ticks at 2..9 × 10^k show the scale is logarithmic; with
		// many decades they would merge into a smear.
		if stride == 1 && kmax-kmin <= 10 {
			for k := kmin; k < kmax; k++ {
				for m := int64(2); m <= 9; m++ {
					if v := (decimal{m, k}).float(); inRange(v) {
						minor = append(minor, v)
					}
				}
			}
		}
		return major, minor
	}

	for k := kmin - 1; k <= kmax; k++ {
		for _, m := range []int64{1, 2, 5} {
			d := decimal{m, k}
			if v := d.float(); inRange(v) {
				major = append(major, tick{v: v, d: d, exact: true})
			}
		}
	}
	if len(major) >= 2 {
		return major, nil
	}
	if step, ok := niceStep(hi-lo, target); ok {
		if ticks, ok := linearTicks(lo, hi, step); ok && len(ticks) >= 2 {
			return ticks, nil
		}
	}
	return endTicks(lo, hi), nil
}

// mod is the modulus that is never negative, so that decades are thinned to
// the same multiples on both sides of 10^0.
func mod(a, b int) int {
	r := a % b
	if r < 0 {
		r += b
	}
	return r
}

// formatPlain is the label of a tick with no exact decimal: the shortest
// form that reads back as v, but no more than six significant digits.
func formatPlain(v float64) string {
	return strconv.FormatFloat(v, 'g', 6, 64)
}
