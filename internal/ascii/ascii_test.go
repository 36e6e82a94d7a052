package ascii

import "testing"

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
