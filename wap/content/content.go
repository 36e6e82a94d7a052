// Package content compiles a push's content into the bytes a handset gets:
// it takes the content entity a push initiator submits (a media type, the
// entity's own headers and its body), checks it, compiles the textual WAP
// documents (SI, SL, CO) to WBXML, and returns the connectionless WSP push
// PDU that carries it. The PPG and the txpush command line share it, so that
// a push looks the same whichever way it was made.
//
// What goes over the air is built from what the push says and nothing else:
// the content type, and the X-Wap-Application-Id, X-Wap-Initiator-URI and
// X-Wap-Content-URI headers when the initiator gave them. Other entity
// headers (Content-Transfer-Encoding, Content-Length, anything an HTTP
// client adds) are never copied into the WSP headers: some handsets reject
// pushes that carry them, and every octet over 133 costs a second SMS.
//
// The application id is implied where the receiver needs it: an MMS
// notification without one is sent to mms.ua, which handsets route on. SI,
// SL and CO without one are sent without the header, because wml.ua is what
// a handset assumes when it is absent (as Kannel does); an id the initiator
// gave explicitly is always sent, even when it is wml.ua.
package content

import (
	"fmt"
	"strings"

	"github.com/txpush/txpush/mms"
	"github.com/txpush/txpush/wap/co"
	"github.com/txpush/txpush/wap/si"
	"github.com/txpush/txpush/wap/sl"
	"github.com/txpush/txpush/wap/wsp"
)

// MMSContentType is the media type of an MMS PDU; pushed, it carries an
// m-notification-ind.
const MMSContentType = "application/vnd.wap.mms-message"

// Header is one header of a content entity, as the initiator wrote it.
type Header struct {
	Name  string
	Value string
}

// Content is a push's content entity as a push initiator gives it.
type Content struct {
	// Type is the media type with its parameters, as in a Content-Type
	// header: "text/vnd.wap.si; charset=utf-8".
	Type string
	// Headers are the entity's own headers, e.g. X-Wap-Application-Id.
	// Names compare without regard to case; only the push headers listed
	// in the package documentation are used.
	Headers []Header
	// Body is the entity body, already stripped of any transfer encoding.
	Body []byte
}

// Header returns the value of the first header called name (without regard
// to case), with surrounding white space removed.
func (c *Content) Header(name string) (string, bool) {
	for _, h := range c.Headers {
		if strings.EqualFold(h.Name, name) {
			return strings.TrimSpace(h.Value), true
		}
	}
	return "", false
}

// Options are the choices Compile leaves to its caller.
type Options struct {
	// TID is the WSP transaction id of the push. Handsets ignore it;
	// Kannel counts pushes from 0.
	TID byte
}

// Compile checks c and returns the WSP push PDU that carries it, ready to
// marshal.
//
//   - text/vnd.wap.si, text/vnd.wap.sl and text/vnd.wap.co are parsed,
//     validated and compiled to WBXML, sent as application/vnd.wap.sic,
//     slc or coc. A charset parameter, if given, must be utf-8 or us-ascii
//     (the charsets the compiler reads) and is sent as utf-8, the charset
//     of the compiled document; other parameters describe the XML source
//     and are dropped.
//   - application/vnd.wap.sic, slc and coc are decoded and validated, then
//     sent unchanged.
//   - application/vnd.wap.mms-message is parsed as an m-notification-ind,
//     then sent unchanged.
//   - Any other type is sent as given, without a check.
//
// The result's Body aliases c.Body when the content is sent unchanged.
// Faults in the content are reported as a *CompileError.
func Compile(c Content, opts Options) (*wsp.Push, error) {
	mt, err := parseMediaType(c.Type)
	if err != nil {
		return nil, &CompileError{Type: c.Type, Offset: -1, Err: err}
	}
	p := &wsp.Push{TID: opts.TID, ContentType: wsp.ContentType{Value: mt.value}}
	fail := func(err error) (*wsp.Push, error) {
		return nil, newCompileError(mt.value, c.Body, err)
	}

	impliedAppID := ""
	switch mt.value {
	case si.ContentType, sl.ContentType, co.ContentType:
		if p.Body, err = compileXML(mt.value, c.Body); err != nil {
			return fail(err)
		}
		p.ContentType.Value = compiledType(mt.value)
		if p.ContentType.Params, err = compiledParams(mt.params); err != nil {
			return nil, &CompileError{Type: mt.value, Offset: -1, Err: err}
		}
	case si.ContentTypeWBXML, sl.ContentTypeWBXML, co.ContentTypeWBXML:
		if err := checkWBXML(mt.value, c.Body); err != nil {
			return fail(err)
		}
		p.ContentType.Params, p.Body = mt.params, c.Body
	case MMSContentType:
		if _, err := mms.ParseNotificationInd(c.Body); err != nil {
			return fail(err)
		}
		p.ContentType.Params, p.Body = mt.params, c.Body
		impliedAppID, _ = wsp.AppIDName(wsp.AppIDMMSUA)
	default:
		p.ContentType.Params, p.Body = mt.params, c.Body
	}

	if p.Headers, err = pushHeaders(&c, impliedAppID); err != nil {
		return nil, &CompileError{Type: mt.value, Offset: -1, Err: err}
	}
	return p, nil
}

// compileXML parses, validates and compiles a textual WAP document.
func compileXML(mediaType string, body []byte) ([]byte, error) {
	switch mediaType {
	case si.ContentType:
		s, err := si.Parse(body)
		if err != nil {
			return nil, err
		}
		return s.MarshalWBXML()
	case sl.ContentType:
		s, err := sl.Parse(body)
		if err != nil {
			return nil, err
		}
		return s.MarshalWBXML()
	default:
		c, err := co.Parse(body)
		if err != nil {
			return nil, err
		}
		return c.MarshalWBXML()
	}
}

// checkWBXML decodes and validates a compiled WAP document.
func checkWBXML(mediaType string, body []byte) error {
	var err error
	switch mediaType {
	case si.ContentTypeWBXML:
		_, err = si.DecodeWBXML(body)
	case sl.ContentTypeWBXML:
		_, err = sl.DecodeWBXML(body)
	default:
		_, err = co.DecodeWBXML(body)
	}
	return err
}

// compiledType returns the media type of the compiled form of a textual
// WAP document type.
func compiledType(mediaType string) string {
	switch mediaType {
	case si.ContentType:
		return si.ContentTypeWBXML
	case sl.ContentType:
		return sl.ContentTypeWBXML
	default:
		return co.ContentTypeWBXML
	}
}

// compiledParams returns the content-type parameters of a compiled
// document given those of its XML source.
func compiledParams(params []wsp.Param) ([]wsp.Param, error) {
	var out []wsp.Param
	for _, prm := range params {
		if prm.Name != "charset" {
			continue
		}
		switch strings.ToLower(prm.Value) {
		case "utf-8", "us-ascii":
			out = []wsp.Param{{Name: "charset", Value: "utf-8"}}
		default:
			return nil, fmt.Errorf("content type parameter charset=%s: only utf-8 and us-ascii documents can be compiled; convert it to utf-8 first", prm.Value)
		}
	}
	return out, nil
}

// pushHeaders returns the WSP headers of the push: the push headers the
// initiator gave, in a fixed order, and the implied application id when it
// gave none.
func pushHeaders(c *Content, impliedAppID string) ([]wsp.Header, error) {
	var appID, initiator, contentURI *Header
	for i := range c.Headers {
		h := &c.Headers[i]
		var slot **Header
		switch {
		case strings.EqualFold(h.Name, wsp.HeaderAppID):
			slot = &appID
		case strings.EqualFold(h.Name, wsp.HeaderInitiatorURI):
			slot = &initiator
		case strings.EqualFold(h.Name, wsp.HeaderContentURI):
			slot = &contentURI
		default:
			continue // not a push header: never sent over the air
		}
		if *slot != nil {
			return nil, fmt.Errorf("header %s given twice", h.Name)
		}
		*slot = h
	}
	if appID == nil && initiator == nil && contentURI == nil && impliedAppID == "" {
		return nil, nil
	}

	headers := make([]wsp.Header, 0, 3)
	switch {
	case appID != nil:
		v, err := headerValue(appID)
		if err != nil {
			return nil, err
		}
		headers = append(headers, wsp.Header{Name: wsp.HeaderAppID, Value: applicationID(v)})
	case impliedAppID != "":
		headers = append(headers, wsp.Header{Name: wsp.HeaderAppID, Value: impliedAppID})
	}
	for _, h := range [...]struct {
		name string
		h    *Header
	}{{wsp.HeaderInitiatorURI, initiator}, {wsp.HeaderContentURI, contentURI}} {
		if h.h == nil {
			continue
		}
		v, err := headerValue(h.h)
		if err != nil {
			return nil, err
		}
		headers = append(headers, wsp.Header{Name: h.name, Value: v})
	}
	return headers, nil
}

// headerValue returns the value of a push header, which must be non-empty
// text without control characters.
func headerValue(h *Header) (string, error) {
	v := strings.TrimSpace(h.Value)
	if v == "" {
		return "", fmt.Errorf("header %s is empty", h.Name)
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c == 0x7F {
			return "", fmt.Errorf("header %s: control character 0x%02X at index %d", h.Name, c, i)
		}
	}
	return v, nil
}

// applicationID returns the X-Wap-Application-Id value to send for v.
// Registered ids go out in their short binary form whichever way they were
// written (number, URN or short name); so does a URI whose last
// colon-separated part is a registered short name, such as
// "http://www.wiral.com:wml.ua", which PIs written for other gateways send
// for the browser. Anything else is sent as the text given.
func applicationID(v string) string {
	if _, ok := wsp.AppIDByName(v); ok {
		return v
	}
	i := strings.LastIndexByte(v, ':')
	if i < 0 || i == len(v)-1 {
		return v
	}
	short := v[i+1:]
	if short[0] >= '0' && short[0] <= '9' { // a port number, not a name
		return v
	}
	if id, ok := wsp.AppIDByName(short); ok {
		name, _ := wsp.AppIDName(id)
		return name
	}
	return v
}
