package radio

import (
	"math"
	"testing"
)

// checkShare fails t unless hits out of n is within five standard errors
// of the probability p: loose enough never to fail by chance with a fixed
// seed, tight enough to catch a wrong model.
func checkShare(t testing.TB, what string, hits, n int, p float64) {
	t.Helper()
	if n == 0 {
		t.Errorf("%s: no samples", what)
		return
	}
	got := float64(hits) / float64(n)
	se := math.Sqrt(p * (1 - p) / float64(n))
	if math.Abs(got-p) > 5*se {
		t.Errorf("%s = %.4f (%d/%d), want %.4f ± %.4f", what, got, hits, n, p, 5*se)
	} else {
		t.Logf("%s = %.4f (%d/%d), want %.4f ± %.4f", what, got, hits, n, p, 5*se)
	}
}

// checkNear fails t unless got is within rel (relative) of want.
func checkNear(t testing.TB, what string, got, want, rel float64) {
	t.Helper()
	if math.Abs(got-want) > rel*math.Abs(want) {
		t.Errorf("%s = %.4g, want %.4g ± %.0f%%", what, got, want, rel*100)
	} else {
		t.Logf("%s = %.4g, want %.4g ± %.0f%%", what, got, want, rel*100)
	}
}
