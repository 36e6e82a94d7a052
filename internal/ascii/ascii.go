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
func IsToken(b []byte) bool { return len(b) > 0 && tokenChars.All(b) }

var tokenChars = AlnumAnd("!#$%&'*+-.^_`|~")

// A Set is a set of octets: a grammar's character class.
type Set [256]bool

// AlnumAnd returns the set of the ASCII letters and digits and the
// characters of extra, which must be ASCII.
func AlnumAnd(extra string) (s Set) {
	for c := '0'; c <= '9'; c++ {
		s[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		s[c], s[c-'a'+'A'] = true, true
	}
	for i := range len(extra) {
		s[extra[i]] = true
	}
	return s
}

// All reports whether every octet of b is in s (true for none).
func (s *Set) All(b []byte) bool {
	for _, c := range b {
		if !s[c] {
			return false
		}
	}
	return true
}

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

// Decimal returns b as a number of decimal digits and nothing else (no
// sign, no space), as HTTP's Content-Length is written, if it is one and
// at most max (not negative); leading zeros are taken, as net/http takes
// them.
func Decimal(b []byte, max int64) (int64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := int64(c - '0')
		if n > (max-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}
