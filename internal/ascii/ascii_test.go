package ascii

import (
	"math"
	"testing"
)

func TestEqualFold(t *testing.T) {
	for _, c := range []struct {
		b, s string
		want bool
	}{
		{"Content-Length", "content-length", true},
		{"CONTENT-length", "Content-Length", true},
		{"Content-Lengt", "Content-Length", false},
		{"ſ", "s", false}, // the long s is not an s here
		{"K", "\u212a", false},
		{"a[", "A{", false}, // '[' and '{' differ by the case bit but are not letters
		{"", "", true},
	} {
		if got := EqualFold(c.b, c.s); got != c.want {
			t.Errorf("EqualFold(%q, %q) = %v", c.b, c.s, got)
		}
		if got := EqualFold([]byte(c.b), c.s); got != c.want {
			t.Errorf("EqualFold([]byte(%q), %q) = %v", c.b, c.s, got)
		}
	}
}

func TestIsTokenAndFieldValue(t *testing.T) {
	for _, c := range []struct {
		b            string
		token, value bool
	}{
		{"Content-Length", true, true},
		{"x!#$%&'*+-.^_`|~9", true, true},
		{"", false, true},
		{"Bad Name", false, true},
		{"a:b", false, true},
		{"(x)", false, true},
		{"tab\there", false, true},
		{"del\x7f", false, false},
		{"nul\x00", false, false},
		{"crlf\r\n", false, false},
		{"päivää", false, true},
	} {
		if got := IsToken([]byte(c.b)); got != c.token {
			t.Errorf("IsToken(%q) = %v", c.b, got)
		}
		if got := IsFieldValue([]byte(c.b)); got != c.value {
			t.Errorf("IsFieldValue(%q) = %v", c.b, got)
		}
	}
}

func TestDecimal(t *testing.T) {
	for _, c := range []struct {
		in   string
		max  int64
		want int64
		ok   bool
	}{
		{"0", 10, 0, true},
		{"007", 10, 7, true},
		{"10", 10, 10, true},
		{"11", 10, 0, false},
		{"9223372036854775807", math.MaxInt64, math.MaxInt64, true},
		{"9223372036854775808", math.MaxInt64, 0, false}, // would overflow
		{"99999999999999999999", math.MaxInt64, 0, false},
		{"", 10, 0, false},
		{"-1", 10, 0, false},
		{"+1", 10, 0, false},
		{" 1", 10, 0, false},
		{"1a", 10, 0, false},
	} {
		if n, ok := Decimal([]byte(c.in), c.max); n != c.want || ok != c.ok {
			t.Errorf("Decimal(%q, %d) = %d, %v; want %d, %v", c.in, c.max, n, ok, c.want, c.ok)
		}
	}
}
