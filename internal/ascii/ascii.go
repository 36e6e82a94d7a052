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
