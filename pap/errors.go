package pap

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ErrTooLarge is wrapped by the *Error that ReadRequest returns when the
// body exceeds its limit, so that a server can answer HTTP 413.
var ErrTooLarge = errors.New("pap: request body too large")

// Error reports a PAP document, envelope or address that cannot be
// accepted. Code is the status code that answers it: a PPG puts it in a
// badmessage-response (with Fragment) when the document could not be
// understood, or in the response to the operation when ID says which
// operation it was.
type Error struct {
	Code      Code    // the status code that answers the fault, e.g. CodeAddressError
	Element   string  // the element (or envelope part) at fault, e.g. "address"; "" if none
	Attribute string  // the attribute at fault, if any
	Offset    int64   // byte offset of the fault (or of the element's start tag) in the input
	Reason    string  // what was wrong and what was expected
	Fragment  string  // the offending part of the input, for bad-message-fragment
	Kind      Kind    // the operation, when the document got far enough to name it
	ID        string  // its push-id (query-id for ccq), when it was read before the fault
	Version   Version // the document's version, when it was read before the fault; else PAP20
	Err       error   // the underlying cause (an XML syntax error, ErrTooLarge, an address *Error), if any
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("pap: ")
	if e.Element != "" {
		b.WriteString(e.Element)
		if e.Attribute != "" {
			b.WriteString(" attribute ")
			b.WriteString(e.Attribute)
		}
		b.WriteByte(' ')
	}
	b.WriteString("at offset ")
	b.WriteString(strconv.FormatInt(e.Offset, 10))
	b.WriteString(": ")
	b.WriteString(e.Reason)
	b.WriteString(" (")
	b.WriteString(e.Code.String())
	b.WriteByte(')')
	return b.String()
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// EncodeError reports a message that cannot be written as a PAP document.
type EncodeError struct {
	Kind   Kind   // the message being written
	Field  string // the element or attribute at fault
	Reason string
}

func (e *EncodeError) Error() string {
	return "pap: cannot encode " + string(e.Kind) + " " + e.Field + ": " + e.Reason
}

// maxFragment bounds the bad-message-fragment echoed to the sender: enough
// to recognise the fault, not a copy of an oversize document.
const maxFragment = 256

// fragment returns b as a string fit to be echoed in a bad-message-fragment
// attribute: at most maxFragment octets, cut on a character boundary, with
// every octet sequence that XML cannot carry replaced by U+FFFD.
func fragment(b []byte) string {
	if len(b) > maxFragment {
		b = b[:maxFragment]
		// Drop a character the bound cut in two.
		for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
			if utf8.RuneStart(b[i]) {
				if !utf8.FullRune(b[i:]) {
					b = b[:i]
				}
				break
			}
		}
	}
	return xmlText(b)
}

// xmlText returns b as a string with every octet sequence that XML cannot
// carry replaced by U+FFFD, so that text taken from the input (a reason,
// a fragment) can always be written in an answer.
func xmlText(b []byte) string {
	clean := true
	for _, r := range string(b) {
		if !isXMLChar(r) || r == utf8.RuneError {
			clean = false
			break
		}
	}
	if clean {
		return string(b)
	}
	var s strings.Builder
	for _, r := range string(b) {
		if !isXMLChar(r) {
			r = utf8.RuneError
		}
		s.WriteRune(r)
	}
	return s.String()
}

// isXMLChar reports whether r may appear in an XML 1.0 document.
func isXMLChar(r rune) bool {
	switch {
	case r == 0x09, r == 0x0A, r == 0x0D:
		return true
	case r >= 0x20 && r <= 0xD7FF:
		return true
	case r >= 0xE000 && r <= 0xFFFD:
		return true
	case r >= 0x10000 && r <= 0x10FFFF:
		return true
	}
	return false
}
