package content

import (
	"errors"
	"fmt"
	"strings"

	"github.com/txpush/txpush/wap/wsp"
)

// mediaType is a parsed Content-Type value (RFC 2045 section 5.1).
type mediaType struct {
	value  string      // "type/subtype" in lower case
	params []wsp.Param // in the order given; names in lower case
}

// parseMediaType parses a Content-Type value: type "/" subtype, then any
// number of ";" attribute "=" value, where a value is a token or a quoted
// string. Unlike mime.ParseMediaType it keeps the parameters in order, so
// that the push is the same every time, and it does not allocate for a
// media type without parameters. Empty parameters (a stray ";") are
// tolerated; errors say where in s the fault is.
func parseMediaType(s string) (mediaType, error) {
	var mt mediaType
	i := skipSpace(s, 0)
	start := i
	i = skipToken(s, i)
	if i == start {
		if start == len(s) {
			return mt, errors.New("content type: no media type")
		}
		return mt, syntaxError(s, i, "a media type such as text/vnd.wap.si")
	}
	if i == len(s) || s[i] != '/' {
		return mt, syntaxError(s, i, `"/" and a subtype`)
	}
	i++
	subStart := i
	if i = skipToken(s, i); i == subStart {
		return mt, syntaxError(s, i, "a subtype after \"/\"")
	}
	mt.value = strings.ToLower(s[start:i])
	for {
		i = skipSpace(s, i)
		if i == len(s) {
			return mt, nil
		}
		if s[i] != ';' {
			return mt, syntaxError(s, i, `";" or the end`)
		}
		i = skipSpace(s, i+1)
		if i == len(s) || s[i] == ';' {
			continue
		}
		nameStart := i
		if i = skipToken(s, i); i == nameStart {
			return mt, syntaxError(s, i, "a parameter name")
		}
		name := strings.ToLower(s[nameStart:i])
		i = skipSpace(s, i)
		if i == len(s) || s[i] != '=' {
			return mt, syntaxError(s, i, `"=" and a value for parameter `+name)
		}
		i = skipSpace(s, i+1)
		var value string
		var err error
		if i < len(s) && s[i] == '"' {
			if value, i, err = quotedString(s, i); err != nil {
				return mt, err
			}
		} else {
			valueStart := i
			if i = skipToken(s, i); i == valueStart {
				return mt, syntaxError(s, i, "a value for parameter "+name)
			}
			value = s[valueStart:i]
		}
		for _, p := range mt.params {
			if p.Name == name {
				return mt, fmt.Errorf("content type: parameter %s given twice", name)
			}
		}
		mt.params = append(mt.params, wsp.Param{Name: name, Value: value})
	}
}

// quotedString reads the quoted string that starts at s[i] and returns its
// value and the index after the closing quote.
func quotedString(s string, i int) (string, int, error) {
	var b strings.Builder
	for j := i + 1; j < len(s); j++ {
		switch c := s[j]; {
		case c == '"':
			return b.String(), j + 1, nil
		case c == '\\' && j+1 < len(s):
			j++
			b.WriteByte(s[j])
		case c < 0x20 && c != '\t' || c == 0x7F:
			return "", j, syntaxError(s, j, "a character of the quoted string")
		default:
			b.WriteByte(c)
		}
	}
	return "", len(s), syntaxError(s, len(s), `the closing '"'`)
}

func syntaxError(s string, i int, expected string) error {
	found := "the end"
	if i < len(s) {
		found = fmt.Sprintf("%q", s[i])
	}
	return fmt.Errorf("content type: at index %d: found %s, expected %s", i, found, expected)
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

func skipToken(s string, i int) int {
	for i < len(s) && isTokenChar(s[i]) {
		i++
	}
	return i
}

// isTokenChar reports whether c may appear in an RFC 2045 token: a printable
// US-ASCII character other than space and the tspecials.
func isTokenChar(c byte) bool {
	if c <= ' ' || c >= 0x7F {
		return false
	}
	return !strings.ContainsRune(`()<>@,;:\"/[]?=`, rune(c))
}
