package wbxml

import (
	"io"
	"strconv"
	"strings"
)

// DecodeError reports malformed WBXML.
type DecodeError struct {
	Offset int    // offset in the input of the octet that could not be decoded
	Reason string // what was found there and what was expected
	// Err is io.ErrUnexpectedEOF when the input ended too early, else nil.
	Err error
}

func (e *DecodeError) Error() string {
	return "wbxml: offset " + strconv.Itoa(e.Offset) + ": " + e.Reason
}

// Unwrap returns e.Err, so that errors.Is(err, io.ErrUnexpectedEOF) tells a
// truncated document.
func (e *DecodeError) Unwrap() error { return e.Err }

func truncated(offset int, expected string) *DecodeError {
	return &DecodeError{Offset: offset, Reason: "input ends, expected " + expected, Err: io.ErrUnexpectedEOF}
}

// XMLSyntaxError reports text that ParseXML does not accept as XML.
type XMLSyntaxError struct {
	Line   int    // 1-based line of the offending character
	Offset int    // byte offset of the offending character
	Reason string // what was found and what was expected
}

func (e *XMLSyntaxError) Error() string {
	return "xml: line " + strconv.Itoa(e.Line) + " (offset " + strconv.Itoa(e.Offset) + "): " + e.Reason
}

// ValidityError reports a well-formed document that its DTD forbids: a
// missing required attribute, a value outside an enumeration, an element
// where it may not appear. Packages that map documents to Go types (si, sl,
// co) return it.
type ValidityError struct {
	DocType string // "si", "sl", "co"
	Element string // the offending element
	Attr    string // the offending attribute, "" if the fault is not in one
	Reason  string
}

func (e *ValidityError) Error() string {
	s := e.DocType + ": element <" + e.Element + ">"
	if e.Attr != "" {
		s += ", attribute " + strconv.Quote(e.Attr)
	}
	return s + ": " + e.Reason
}

// EncodeError reports a document that cannot be encoded with the token
// table given: a name it has no token for, or a string WBXML cannot carry.
type EncodeError struct {
	Element string // the offending element, "" for the document
	Attr    string // the offending attribute, "" if the fault is not in one
	Reason  string
}

func (e *EncodeError) Error() string {
	s := "wbxml: "
	if e.Element != "" {
		s += "element <" + e.Element + ">: "
	}
	if e.Attr != "" {
		s += "attribute " + strconv.Quote(e.Attr) + ": "
	}
	return s + e.Reason
}

// encodeError copies the names it is given, so that the document tree the
// encoder walks is not kept alive by (and need not be on the heap for) the
// error.
func encodeError(element, attr, reason string) *EncodeError {
	return &EncodeError{Element: strings.Clone(element), Attr: strings.Clone(attr), Reason: reason}
}
