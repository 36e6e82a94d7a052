package svgplot

import (
	"math"
	"slices"
	"testing"
)

func TestFormatSeconds(t *testing.T) {
	for _, tt := range []struct {
		s    float64
		want string
	}{
		{0, "0 s"},
		{0.1, "0.1 s"},
		{0.25, "0.25 s"},
		{1, "1 s"},
		{30, "30 s"},
		{59.99, "1 min"},
		{90, "1.5 min"},
		{300, "5 min"},
		{3600, "1 h"},
		{5400, "1.5 h"},
		{6 * 3600, "6 h"},
		{86400, "1 d"},
		{7 * 86400, "7 d"},
		{365 * 86400, "365 d"},
		{-120, "-2 min"},
		{1234.5, "20.6 min"},
		{1e-5, "1e-05 s"},
	} {
		if got := FormatSeconds(tt.s); got != tt.want {
			t.Errorf("FormatSeconds(%v) = %q, want %q", tt.s, got, tt.want)
		}
	}
}

func TestDurationTicks(t *testing.T) {
	labels := func(ticks []float64) []string {
		var s []string
		for _, v := range ticks {
			s = append(s, FormatSeconds(v))
		}
		return s
	}
	for _, tt := range []struct {
		lo, hi float64
		log    bool
		want   []string
	}{
		// The latency CDF's axis: 0.1 s to a week, one tick per decade or so.
		{0.1, 7 * day, true, []string{"0.1 s", "1 s", "10 s", "1 min", "10 min", "1 h", "6 h", "1 d", "7 d"}},
		// A short range gets the finer ladder.
		{1, 600, true, []string{"1 s", "2 s", "5 s", "10 s", "20 s", "30 s", "1 min", "2 min", "5 min", "10 min"}},
		// Very wide: every third rung of the coarse ladder.
		{1e-6, 1e6 * year, true, []string{"1e-06 s", "0.001 s", "1 s", "10 min", "1 d", "365 d", "365000 d", "3.65e+08 d"}},
		// Too narrow for the ladder: linear steps.
		{100, 110, true, []string{"1.67 min", "1.7 min", "1.73 min", "1.77 min", "1.8 min", "1.83 min"}},
		{0, 3600, false, []string{"0 s", "10 min", "20 min", "30 min", "40 min", "50 min", "1 h"}},
		{0, 90, false, []string{"0 s", "15 s", "30 s", "45 s", "1 min", "1.25 min", "1.5 min"}},
		{0, 1, false, []string{"0 s", "0.2 s", "0.4 s", "0.6 s", "0.8 s", "1 s"}},
		{0, 365 * day, false, []string{"0 s", "100 d", "200 d", "300 d"}},
	} {
		got := DurationTicks(tt.lo, tt.hi, tt.log)
		if !slices.IsSorted(got) {
			t.Errorf("DurationTicks(%g, %g, %v) = %v, not increasing", tt.lo, tt.hi, tt.log, got)
		}
		for _, v := range got {
			if v < tt.lo*(1-1e-9) || v > tt.hi*(1+1e-9) {
				t.Errorf("DurationTicks(%g, %g, %v): %v out of range", tt.lo, tt.hi, tt.log, v)
			}
		}
		if l := labels(got); !slices.Equal(l, tt.want) {
			t.Errorf("DurationTicks(%g, %g, %v) labels %q, want %q", tt.lo, tt.hi, tt.log, l, tt.want)
		}
	}
	for _, bad := range [][2]float64{{1, 1}, {2, 1}, {0, math.Inf(1)}} {
		if got := DurationTicks(bad[0], bad[1], false); got != nil {
			t.Errorf("DurationTicks(%v, %v) = %v, want nil", bad[0], bad[1], got)
		}
	}
}
