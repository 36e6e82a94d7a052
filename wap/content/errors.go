package content

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/txpush/txpush/mms"
	"github.com/txpush/txpush/wap/wbxml"
)

// CompileError reports content that cannot be compiled or does not pass
// its check. Its message is meant for the push initiator: it is what a PPG
// puts in the description of a 3006 (transformation failure) answer.
type CompileError struct {
	// Type is the media type of the content, without parameters.
	Type string
	// Line is the 1-based line of the fault in XML content; 0 for binary
	// content or when the fault is not at one place in the body.
	Line int
	// Offset is the octet offset of the fault in the body; -1 when the
	// fault is in the content type or the headers, or not at one place.
	//
	// For a document that is well-formed but invalid the position is that
	// of the offending attribute (or, when it is missing, of the element)
	// in the XML; in WBXML such faults are named by element and attribute
	// only.
	Offset int
	// Err is the underlying error: *wbxml.XMLSyntaxError,
	// *wbxml.ValidityError, *wbxml.DecodeError, *wbxml.EncodeError,
	// *mms.DecodeError, or an error about the content type or headers.
	Err error
}

func (e *CompileError) Error() string {
	s := ""
	if e.Type != "" {
		s = e.Type + ": "
	}
	switch {
	case e.Line > 0:
		s += "line " + strconv.Itoa(e.Line) + ", offset " + strconv.Itoa(e.Offset) + ": "
	case e.Offset >= 0:
		s += "offset " + strconv.Itoa(e.Offset) + ": "
	}
	return s + detail(e.Err)
}

// Unwrap returns e.Err.
func (e *CompileError) Unwrap() error { return e.Err }

// detail returns the message of err without the position, which the
// CompileError gives itself.
func detail(err error) string {
	var (
		syntax  *wbxml.XMLSyntaxError
		wb      *wbxml.DecodeError
		mmsErr  *mms.DecodeError
		invalid *wbxml.ValidityError
	)
	switch {
	case errors.As(err, &syntax):
		return "malformed XML: " + syntax.Reason
	case errors.As(err, &wb):
		return "malformed WBXML: " + wb.Reason
	case errors.As(err, &mmsErr):
		return "malformed MMS notification: " + mmsErr.Field + ": " + mmsErr.Reason
	case errors.As(err, &invalid):
		return "invalid document: " + invalid.Error()
	}
	return err.Error()
}

// newCompileError wraps an error found in body, working out where in body
// the fault is.
func newCompileError(mediaType string, body []byte, err error) *CompileError {
	e := &CompileError{Type: mediaType, Offset: -1, Err: err}
	var (
		syntax  *wbxml.XMLSyntaxError
		wb      *wbxml.DecodeError
		mmsErr  *mms.DecodeError
		invalid *wbxml.ValidityError
	)
	switch {
	case errors.As(err, &syntax):
		e.Line, e.Offset = syntax.Line, syntax.Offset
	case errors.As(err, &wb):
		e.Offset = wb.Offset
	case errors.As(err, &mmsErr):
		e.Offset = mmsErr.Offset
	case errors.As(err, &invalid):
		if isXML(mediaType) {
			if off, ok := locate(body, invalid); ok {
				e.Line, e.Offset = 1+bytes.Count(body[:off], []byte{'\n'}), off
			}
		}
	}
	return e
}

func isXML(mediaType string) bool {
	return len(mediaType) > 5 && mediaType[:5] == "text/"
}

// locate finds the fault a validity error names by element and attribute
// in the XML text doc, and returns its offset. The error does not say which
// of several elements of that name is at fault, so locate takes, among the
// start tags of the element: for a missing attribute the first one without
// it; otherwise the first one whose attribute value the reason quotes, else
// the first one with the attribute; else the first tag of the element. It
// relies on doc having been accepted as well-formed already, so it reports
// failure rather than errors.
func locate(doc []byte, e *wbxml.ValidityError) (int, bool) {
	d := xml.NewDecoder(bytes.NewReader(doc))
	// The document was accepted as UTF-8 or US-ASCII, which need no
	// conversion; encoding/xml would otherwise refuse a declared US-ASCII.
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	missing := e.Attr != "" && strings.Contains(e.Reason, "missing")
	firstTag, firstWithAttr := -1, -1
	for {
		start := int(d.InputOffset())
		tok, err := d.RawToken()
		if err != nil {
			break
		}
		se, ok := tok.(xml.StartElement)
		if !ok || qualifiedName(se.Name) != e.Element {
			continue
		}
		if firstTag < 0 {
			firstTag = start
		}
		if e.Attr == "" {
			break
		}
		value, has := attrValue(se, e.Attr)
		switch {
		case missing && !has:
			return start, true
		case missing || !has:
			continue
		}
		end := int(d.InputOffset())
		if end > len(doc) || start >= end {
			break
		}
		off, ok := attrOffset(doc[start:end], e.Attr)
		if !ok {
			continue
		}
		if strings.Contains(e.Reason, strconv.Quote(value)) {
			return start + off, true
		}
		if firstWithAttr < 0 {
			firstWithAttr = start + off
		}
	}
	if firstWithAttr >= 0 {
		return firstWithAttr, true
	}
	return firstTag, firstTag >= 0
}

func attrValue(se xml.StartElement, name string) (string, bool) {
	for _, a := range se.Attr {
		if qualifiedName(a.Name) == name {
			return a.Value, true
		}
	}
	return "", false
}

func qualifiedName(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

// attrOffset returns the offset of the attribute called name in the start
// tag tag ("<name attr='v' ...>").
func attrOffset(tag []byte, name string) (int, bool) {
	i := 1
	for i < len(tag) && !isXMLSpace(tag[i]) && tag[i] != '>' && tag[i] != '/' {
		i++ // the element name
	}
	for i < len(tag) {
		for i < len(tag) && isXMLSpace(tag[i]) {
			i++
		}
		nameStart := i
		for i < len(tag) && !isXMLSpace(tag[i]) && tag[i] != '=' && tag[i] != '>' && tag[i] != '/' {
			i++
		}
		if i == nameStart {
			return 0, false // '>' or "/>": the end of the tag
		}
		if string(tag[nameStart:i]) == name {
			return nameStart, true
		}
		for i < len(tag) && tag[i] != '"' && tag[i] != '\'' {
			i++ // space and '=' before the value
		}
		if i == len(tag) {
			return 0, false
		}
		quote := tag[i]
		i++
		for i < len(tag) && tag[i] != quote {
			i++
		}
		i++
	}
	return 0, false
}

func isXMLSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r'
}
