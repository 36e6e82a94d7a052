package content

import (
	"strings"
	"testing"
)

// TestPaddingFor: the padding found is the least that makes a push of
// exactly the asked number of SMS; a number out of reach is an error.
func TestPaddingFor(t *testing.T) {
	si := func(pad int) (Content, error) {
		return Content{Type: "text/vnd.wap.si", Body: []byte(`<si><indication href="http://a.example/">` +
			strings.Repeat("x", pad) + `</indication></si>`)}, nil
	}
	parts := func(pad int) int {
		c, _ := si(pad)
		n, err := PartCount(c, Options{})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	for n := 1; n <= 3; n++ {
		pad, err := PaddingFor(n, 1000, Options{}, si)
		if err != nil {
			t.Fatal(err)
		}
		if got := parts(pad); got != n {
			t.Errorf("%d SMS: padding %d gives %d SMS", n, pad, got)
		}
		if pad > 0 && parts(pad-1) == n {
			t.Errorf("%d SMS: padding %d is not the least", n, pad)
		}
	}
	if _, err := PaddingFor(20, 100, Options{}, si); err == nil {
		t.Error("20 SMS within 100 octets of padding found")
	}
}
