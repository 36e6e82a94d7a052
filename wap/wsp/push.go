package wsp

import (
	"fmt"
	"strconv"
	"strings"
)

// PDUTypePush is the PDU type octet of an unconfirmed Push (WAP-230
// Appendix A); ConfirmedPush (0x07) exists only in connection-oriented WSP.
const PDUTypePush = 0x06

// Push is a connectionless WSP push PDU.
type Push struct {
	// TID is the transaction id that connectionless WSP puts before every
	// PDU; receivers ignore it for a push.
	TID         byte
	ContentType ContentType
	// Headers follow the content type, in order. Only what is here is
	// encoded: nothing is added.
	Headers []Header
	// Body runs to the end of the datagram; there is no length field.
	Body []byte
}

// ContentType is a media type with optional parameters.
type ContentType struct {
	Value  string  // MIME type, e.g. "application/vnd.wap.sic"
	Params []Param // e.g. charset=utf-8; empty for the compact form
}

// Param is one content-type parameter. Well-known names (charset, level,
// type) with values the binary form can carry are encoded compactly;
// anything else is sent as text.
type Param struct {
	Name  string
	Value string
}

// Header is one WSP header.
//
// Well-known push headers are encoded by value: Content-Length and
// Push-Flag (decimal), Encoding-Version ("1.3"), X-Wap-Application-Id (a
// registered URN such as "x-wap-application:mms.ua", its short name or a
// number go out as an Integer-value, any other URI as text),
// X-Wap-Content-URI, X-Wap-Initiator-URI and Content-Location (text). Any
// other header is sent as a textual header: name and value as text.
//
// Raw carries the encoded value of a well-known header field that this
// package does not interpret; when Raw is set, Value is ignored and the
// field goes out as its binary code followed by Raw.
type Header struct {
	Name  string
	Value string
	Raw   []byte
}

// Header returns the value of the first header called name (without regard
// to case).
func (p *Push) Header(name string) (string, bool) {
	for _, h := range p.Headers {
		if strings.EqualFold(h.Name, name) {
			return h.Value, true
		}
	}
	return "", false
}

// ApplicationID returns the push application the handset dispatches to:
// the X-Wap-Application-Id header as a registered id when it is one, the
// header text otherwise, and wml.ua when the header is absent.
func (p *Push) ApplicationID() (id uint64, uri string, registered bool) {
	v, ok := p.Header(HeaderAppID)
	if !ok {
		name, _ := AppIDName(AppIDWMLUA)
		return AppIDWMLUA, name, true
	}
	if id, ok := AppIDByName(v); ok {
		return id, v, true
	}
	return 0, v, false
}

// Marshal returns the encoded push.
func (p *Push) Marshal() ([]byte, error) {
	// Sized for the usual push at once: TID, PDU type, headers' length,
	// a content type with a parameter or two, the headers and the body.
	n := 2 + 5 + 32 + len(p.Body)
	for _, h := range p.Headers {
		n += 2 + len(h.Name) + len(h.Value) + len(h.Raw)
	}
	return p.Append(make([]byte, 0, n))
}

// Append appends the encoded push to dst. On error dst is returned
// unchanged in length.
func (p *Push) Append(dst []byte) ([]byte, error) {
	orig := len(dst)
	dst = append(dst, p.TID, PDUTypePush)
	start := len(dst)
	var err error
	if dst, err = p.ContentType.append(dst); err != nil {
		return dst[:orig], err
	}
	for i := range p.Headers {
		if dst, err = p.Headers[i].append(dst); err != nil {
			return dst[:orig], err
		}
	}
	n := len(dst) - start
	if n > MaxUintvar {
		return dst[:orig], &EncodeError{Field: "HeadersLen", Reason: "headers longer than a uintvar can count"}
	}
	var tmp [5]byte
	dst = insertPrefix(dst, start, AppendUintvar(tmp[:0], uint32(n)))
	return append(dst, p.Body...), nil
}

// insertPrefix inserts prefix into dst at start, moving what follows.
func insertPrefix(dst []byte, start int, prefix []byte) []byte {
	n := len(prefix)
	dst = append(dst, prefix...)
	copy(dst[start+n:], dst[start:len(dst)-n])
	copy(dst[start:], prefix)
	return dst
}

func (ct *ContentType) append(dst []byte) ([]byte, error) {
	if ct.Value == "" {
		return dst, &EncodeError{Field: "Content-Type", Reason: "no media type"}
	}
	start := len(dst)
	var err error
	if code, ok := ContentTypeCode(ct.Value); ok {
		dst = append(dst, 0x80|code)
	} else if dst, err = appendTokenText(dst, "Content-Type", ct.Value); err != nil {
		return dst[:start], err
	}
	if len(ct.Params) == 0 {
		return dst, nil
	}
	for _, p := range ct.Params {
		if dst, err = p.append(dst); err != nil {
			return dst[:start], err
		}
	}
	var tmp [6]byte
	return insertPrefix(dst, start, AppendValueLength(tmp[:0], len(dst)-start)), nil
}

func (p Param) append(dst []byte) ([]byte, error) {
	switch strings.ToLower(p.Name) {
	case "charset":
		if mib, ok := CharsetMIBenum(p.Value); ok {
			return AppendIntegerValue(append(dst, 0x80|paramCharset), mib), nil
		}
	case "level":
		if v, ok := parseVersion(p.Value); ok {
			return append(dst, 0x80|paramLevel, v), nil
		}
	case "type":
		if v, err := strconv.ParseUint(p.Value, 10, 64); err == nil {
			return AppendIntegerValue(append(dst, 0x80|paramType), v), nil
		}
	}
	// Untyped-parameter: Token-text name, Text-value.
	dst, err := appendTokenText(dst, "parameter name", p.Name)
	if err != nil {
		return dst, err
	}
	return appendTextValue(dst, "parameter "+p.Name, p.Value)
}

// appendTextValue writes No-value for "", Token-text when the value cannot
// be mistaken for another kind of value, and a Quoted-string otherwise.
func appendTextValue(dst []byte, field, s string) ([]byte, error) {
	if s == "" {
		return append(dst, 0), nil
	}
	if s[0] >= 0x20 && s[0] < 0x7F && s[0] != quotedStringMark {
		return appendTokenText(dst, field, s)
	}
	return appendQuotedString(dst, field, s)
}

func (h *Header) append(dst []byte) ([]byte, error) {
	if h.Raw != nil {
		code, ok := fieldCode(h.Name)
		if !ok {
			return dst, &EncodeError{Field: "header " + h.Name, Reason: "raw value for a header that has no well-known code"}
		}
		r := NewReader(h.Raw)
		if _, err := r.RawValue(h.Name); err != nil || r.Len() != 0 {
			return dst, &EncodeError{Field: "header " + h.Name, Reason: "raw value is not exactly one encoded header value"}
		}
		dst = append(dst, 0x80|code)
		return append(dst, h.Raw...), nil
	}
	code, ok := interpretedField(h.Name)
	if !ok {
		return h.appendTextual(dst)
	}
	start := len(dst)
	dst = append(dst, 0x80|code)
	switch code {
	case fieldContentLength:
		if v, err := strconv.ParseUint(h.Value, 10, 64); err == nil {
			return AppendIntegerValue(dst, v), nil
		}
		return h.appendTextual(dst[:start])
	case fieldPushFlag:
		if v, err := strconv.ParseUint(h.Value, 10, 8); err == nil && v <= 0x7F {
			return append(dst, 0x80|byte(v)), nil
		}
		return h.appendTextual(dst[:start])
	case fieldAppID:
		if id, ok := AppIDByName(h.Value); ok {
			return AppendIntegerValue(dst, id), nil
		}
	case fieldEncodingVersion:
		if v, ok := parseVersion(h.Value); ok {
			return append(dst, v), nil
		}
	}
	dst, err := AppendTextString(dst, h.Value)
	if err != nil { // the only failure is a NUL in the value
		return dst[:start], &EncodeError{Field: "header " + h.Name, Reason: fmt.Sprintf("%q contains NUL", h.Value)}
	}
	return dst, nil
}

// appendTextual writes a textual header: Token-text name, Text-string
// value. It also carries the values of Content-Length and Push-Flag that
// the binary form cannot, so that whatever Parse returns can be encoded.
func (h *Header) appendTextual(dst []byte) ([]byte, error) {
	start := len(dst)
	dst, err := appendTokenText(dst, "header name", h.Name)
	if err != nil {
		return dst, err
	}
	if dst, err = AppendTextString(dst, h.Value); err != nil {
		return dst[:start], err
	}
	return dst, nil
}

// Parse decodes a connectionless push PDU. Errors are *DecodeError. The
// result does not alias b.
func Parse(b []byte) (*Push, error) {
	r := NewReader(b)
	tid, err := r.Byte("TID")
	if err != nil {
		return nil, err
	}
	off := r.Offset()
	typ, err := r.Byte("PDU type")
	if err != nil {
		return nil, err
	}
	if typ != PDUTypePush {
		return nil, r.Errorf(off, "PDU type", "0x%02X is not Push (expected 0x06)", typ)
	}
	n, err := r.Uintvar("HeadersLen")
	if err != nil {
		return nil, err
	}
	if int64(n) > int64(r.Len()) {
		return nil, &DecodeError{Offset: off + 1, Field: "HeadersLen", Err: ErrTruncated,
			Reason: fmt.Sprintf("%d exceeds the %d octets left", n, r.Len())}
	}
	hr, _ := r.Sub(int(n), "headers")
	p := &Push{TID: tid}
	if p.ContentType, err = readContentType(&hr); err != nil {
		return nil, err
	}
	for hr.Len() > 0 {
		h, err := readHeader(&hr)
		if err != nil {
			return nil, err
		}
		p.Headers = append(p.Headers, h)
	}
	if rest := r.Rest(); len(rest) > 0 {
		p.Body = append([]byte(nil), rest...)
	}
	return p, nil
}

// ParseContentType decodes a Content-type-value from the start of b and
// returns it with the number of octets it took.
func ParseContentType(b []byte) (ContentType, int, error) {
	r := NewReader(b)
	ct, err := readContentType(r)
	return ct, r.Offset(), err
}

func readContentType(r *Reader) (ContentType, error) {
	const field = "Content-Type"
	b, err := r.Peek(field)
	if err != nil {
		return ContentType{}, err
	}
	switch {
	case b >= 0x80:
		off := r.Offset()
		code, _ := r.ShortInteger(field)
		name, ok := ContentTypeName(uint64(code))
		if !ok {
			return ContentType{}, r.Errorf(off, field, "unknown well-known content type 0x%02X", code)
		}
		return ContentType{Value: name}, nil
	case b <= lengthQuote:
		n, err := r.ValueLength(field)
		if err != nil {
			return ContentType{}, err
		}
		sub, _ := r.Sub(n, field)
		var ct ContentType
		if ct.Value, err = readMedia(&sub); err != nil {
			return ContentType{}, err
		}
		for sub.Len() > 0 {
			p, err := readParam(&sub)
			if err != nil {
				return ContentType{}, err
			}
			ct.Params = append(ct.Params, p)
		}
		return ct, nil
	default:
		return readExtensionMedia(r, field)
	}
}

func readExtensionMedia(r *Reader, field string) (ContentType, error) {
	off := r.Offset()
	if b, _ := r.Peek(field); b == quoteOctet {
		return ContentType{}, r.Errorf(off, field, "octet 0x7F cannot start a media type (expected a character 0x20..0x7E)")
	}
	s, err := r.TextString(field)
	if err != nil {
		return ContentType{}, err
	}
	if s == "" {
		return ContentType{}, r.Errorf(off, field, "empty media type")
	}
	return ContentType{Value: s}, nil
}

// readMedia reads the Media-type of the general form: Well-known-media
// (an Integer-value) or Extension-media.
func readMedia(r *Reader) (string, error) {
	const field = "Content-Type media"
	off := r.Offset()
	b, err := r.Peek(field)
	if err != nil {
		return "", err
	}
	if b >= 0x80 || b < 0x20 {
		code, err := r.IntegerValue(field)
		if err != nil {
			return "", err
		}
		name, ok := ContentTypeName(code)
		if !ok {
			return "", r.Errorf(off, field, "unknown well-known content type 0x%02X", code)
		}
		return name, nil
	}
	ct, err := readExtensionMedia(r, field)
	return ct.Value, err
}

func readParam(r *Reader) (Param, error) {
	const field = "Content-Type parameter"
	off := r.Offset()
	b, err := r.Peek(field)
	if err != nil {
		return Param{}, err
	}
	if b >= 0x20 && b < quoteOctet {
		// Untyped-parameter: Token-text, then Integer-value or Text-value.
		name, err := r.TextString(field)
		if err != nil {
			return Param{}, err
		}
		if name == "" {
			return Param{}, r.Errorf(off, field, "empty parameter name")
		}
		v, err := readUntypedValue(r, "parameter "+name)
		return Param{Name: name, Value: v}, err
	}
	token, err := r.IntegerValue(field)
	if err != nil {
		return Param{}, err
	}
	if token >= uint64(len(paramNames)) || paramNames[token] == "" {
		return Param{}, r.Errorf(off, field, "unknown well-known parameter 0x%02X", token)
	}
	p := Param{Name: paramNames[token]}
	vfield := "parameter " + p.Name
	if isTextStart(r) {
		p.Value, err = r.textValue(vfield)
		return p, err
	}
	switch token {
	case paramQ:
		var q uint32
		q, err = r.Uintvar(vfield)
		p.Value = formatQ(q)
	case paramCharset:
		var mib uint64
		mib, err = r.IntegerValue(vfield)
		p.Value = CharsetName(mib)
	case paramLevel:
		var v byte
		v, err = r.ShortInteger(vfield)
		p.Value = FormatVersion(0x80 | v)
	case paramTypeRel:
		var code byte
		vo := r.Offset()
		if code, err = r.ShortInteger(vfield); err == nil {
			var ok bool
			if p.Value, ok = ContentTypeName(uint64(code)); !ok {
				err = r.Errorf(vo, vfield, "unknown well-known content type 0x%02X", code)
			}
		}
	case 0x07: // Differences: a well-known field name
		var code byte
		vo := r.Offset()
		if code, err = r.ShortInteger(vfield); err == nil {
			if int(code) < len(fieldNames) {
				p.Value = fieldNames[code]
			} else {
				err = r.Errorf(vo, vfield, "unknown header field code 0x%02X", code)
			}
		}
	default: // Integer-valued: type, padding, max-age, sec, dates, size
		var v uint64
		v, err = r.IntegerValue(vfield)
		p.Value = strconv.FormatUint(v, 10)
	}
	return p, err
}

// isTextStart reports whether the next octet starts a Text-value
// (No-value, Token-text or Quoted-string).
func isTextStart(r *Reader) bool {
	b, err := r.Peek("")
	return err == nil && (b == 0 || (b >= 0x20 && b < 0x80))
}

func readUntypedValue(r *Reader, field string) (string, error) {
	if isTextStart(r) {
		return r.textValue(field)
	}
	v, err := r.IntegerValue(field)
	return strconv.FormatUint(v, 10), err
}

// formatQ renders a Q-value (1..100 → 0.00..0.99, 101..1099 → 0.000..0.999).
func formatQ(q uint32) string {
	switch {
	case q >= 1 && q <= 100:
		return fmt.Sprintf("0.%02d", q-1)
	case q >= 101 && q <= 1099:
		return fmt.Sprintf("0.%03d", q-100)
	}
	return strconv.FormatUint(uint64(q), 10)
}

func readHeader(r *Reader) (Header, error) {
	const field = "header"
	off := r.Offset()
	b, _ := r.Peek(field)
	switch {
	case b >= 0x80:
		r.off++
		code := b & 0x7F
		if int(code) >= len(fieldNames) {
			return Header{}, r.Errorf(off, field, "unknown header field code 0x%02X", code)
		}
		return readWellKnownHeader(r, code)
	case b < 0x20 || b == quoteOctet:
		return Header{}, r.Errorf(off, field, "octet 0x%02X: header code page shifts are not supported (expected a field code or a header name)", b)
	}
	name, err := r.TextString(field)
	if err != nil {
		return Header{}, err
	}
	v, err := r.TextString("header " + name)
	return Header{Name: name, Value: v}, err
}

func readWellKnownHeader(r *Reader, code byte) (Header, error) {
	h := Header{Name: fieldNames[code]}
	field := "header " + h.Name
	var err error
	switch code {
	case fieldContentLength:
		var v uint64
		v, err = r.IntegerValue(field)
		h.Value = strconv.FormatUint(v, 10)
		return h, err
	case fieldPushFlag:
		var v byte
		v, err = r.ShortInteger(field)
		h.Value = strconv.Itoa(int(v))
		return h, err
	case fieldAppID:
		if !isTextStart(r) {
			var id uint64
			if id, err = r.IntegerValue(field); err != nil {
				return h, err
			}
			if name, ok := AppIDName(id); ok {
				h.Value = name
			} else {
				h.Value = strconv.FormatUint(id, 10)
			}
			return h, nil
		}
	case fieldEncodingVersion:
		if b, _ := r.Peek(field); b >= 0x80 {
			v, _ := r.Byte(field)
			h.Value = FormatVersion(v)
			return h, nil
		}
	case fieldContentLocation, fieldContentURI, fieldInitiatorURI:
		h.Value, err = r.TextString(field)
		return h, err
	}
	if isTextStart(r) {
		h.Value, err = r.TextString(field)
		return h, err
	}
	raw, err := r.RawValue(field)
	if err == nil {
		h.Raw = append([]byte(nil), raw...)
	}
	return h, err
}
