// Package ascii holds the byte-level text tests the protocol parsers share,
// where HTTP and MIME compare names without case, in ASCII only.
package ascii

// EqualFold reports whether b and s are equal ignoring the case of ASCII
// letters only (bytes.EqualFold would also match, say, the long s with an s,
// where a header name must not).
func EqualFold[T string | []byte](b T, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		x, y := b[i], s[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// IsToken reports whether b is an RFC 9110 token, as an HTTP method or
// header field name must be: one or more letters, digits and
// !#$%&'*+-.^_`|~.
func IsToken(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !tokenChar[c] {
			return false
		}
	}
	return true
}

var tokenChar = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()

// IsFieldValue reports whether b has no control octet but HTAB, as an
// RFC 9110 field value (obs-text allowed) and a status line's reason
// phrase may not.
func IsFieldValue(b []byte) bool {
	for _, c := range b {
		if (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}
