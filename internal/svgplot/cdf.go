package svgplot

import (
	"math"
	"slices"
)

// ECDF returns the empirical cumulative distribution of samples as points
// (x, fraction of samples ≤ x), one per distinct finite value in increasing
// order, for a Series with Step set. Samples that are NaN or infinite count
// in the total but never arrive, so a CDF of latencies that marks lost
// messages as +Inf levels off at the fraction delivered rather than at 1.
// samples is not modified.
func ECDF(samples []float64) []Point {
	if len(samples) == 0 {
		return nil
	}
	finite := make([]float64, 0, len(samples))
	for _, v := range samples {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			finite = append(finite, v)
		}
	}
	slices.Sort(finite)
	total := float64(len(samples))
	var points []Point
	for i, v := range finite {
		if i+1 < len(finite) && finite[i+1] == v {
			continue // only the last of equal samples gives the step's height
		}
		points = append(points, Point{X: v, Y: float64(i+1) / total})
	}
	return points
}
