package pap

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/textproto"
	"slices"
	"strconv"
	"strings"

	"github.com/txpush/txpush/internal/ascii"
)

// DefaultRequestLimit is the body size ReadRequest accepts when it is given
// no limit: far more than a push that fits in the ten or so SMS a handset
// reassembles, far less than would hurt a server.
const DefaultRequestLimit = 1 << 20

// maxParts bounds the entities of an envelope; PAP uses three at most.
const maxParts = 8

// Entity is one MIME entity of a PAP envelope: a control, content or
// capabilities entity.
type Entity struct {
	// Header holds the entity's own MIME headers with canonical keys. For
	// a content entity these (Content-Type, X-Wap-Application-Id, ...) are
	// what becomes the headers of the push, and nothing else must.
	// ReadRequest removes Content-Transfer-Encoding once it has decoded
	// the body, so that it cannot leak into the push.
	Header textproto.MIMEHeader
	Body   []byte
}

// NewEntity returns an entity of the given Content-Type and body.
func NewEntity(contentType string, body []byte) *Entity {
	return &Entity{Header: textproto.MIMEHeader{"Content-Type": {contentType}}, Body: body}
}

// ContentType returns the Content-Type header as written.
func (e *Entity) ContentType() string {
	// Header.Get, without canonicalising the canonical key.
	if v := e.Header["Content-Type"]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// MediaType returns the media type of the Content-Type header in lower
// case without parameters ("text/vnd.wap.si"), and its parameters with
// lower-case names (charset "utf-8" or "UTF-8", quoted or not, reads the
// same). It returns "" when the header is missing or malformed.
func (e *Entity) MediaType() (string, map[string]string) {
	mt, params, err := mime.ParseMediaType(e.ContentType())
	if err != nil {
		return "", nil
	}
	return mt, params
}

// Request is a PAP request as read from an HTTP body: the control
// document, parsed, and the entities beside it.
type Request struct {
	Message      Message
	Control      *Entity // the control entity; Body is the PAP document
	Content      *Entity // the content entity of a push-message, else nil
	Capabilities *Entity // the capabilities entity, if one was sent
}

// ReadRequest reads a PAP request (or a response that a PI receives) of
// the given HTTP Content-Type from body, of at most limit octets
// (DefaultRequestLimit if limit ≤ 0). It accepts a multipart/related
// envelope (control entity first, then the content entity, then an optional
// capabilities entity) or a single application/xml document, and parses
// the control document with ParseMessage.
//
// A push-message needs exactly one content entity; other operations take
// none (a ccq-response may carry capabilities). Faults of the envelope or
// the document are *Error values with the answering code, offsets counted
// in body; an oversize body wraps ErrTooLarge. An error reading body is
// returned as it is.
func ReadRequest(contentType string, body io.Reader, limit int64) (*Request, error) {
	if limit <= 0 {
		limit = DefaultRequestLimit
	}
	data, err := readAtMost(body, limit+1)
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, &Error{Code: CodeBadRequest, Offset: limit, Err: ErrTooLarge,
			Reason: "the request is larger than " + strconv.FormatInt(limit, 10) + " octets"}
	}
	return parseRequest(contentType, data)
}

// readAtMost reads r to its end or to n octets. It starts with a buffer
// that holds a typical push whole, where io.ReadAll would grow one
// several times.
func readAtMost(r io.Reader, n int64) ([]byte, error) {
	size := int64(4096)
	if l, ok := r.(interface{ Len() int }); ok {
		size = int64(l.Len()) + 1 // room to see the end without growing
	}
	b := make([]byte, 0, min(size, n))
	for int64(len(b)) < n {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		m, err := r.Read(b[len(b):min(int64(cap(b)), n)])
		b = b[:len(b)+m]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
	return b, nil
}

// envelopeError is a fault of the envelope, not of the document in it.
func envelopeError(off int, reason string, frag []byte) *Error {
	return &Error{Code: CodeBadRequest, Element: "multipart", Offset: int64(off), Reason: reason,
		Fragment: fragment(frag)}
}

// part is an entity and the offset of its body in the request.
type part struct {
	Entity
	offset int
}

func parseRequest(contentType string, data []byte) (*Request, error) {
	var parts []part
	mt, boundary, err := parseContentType(contentType)
	switch {
	case strings.TrimSpace(contentType) == "":
		// No Content-Type at all: only a bare XML document can be meant.
		if t := bytes.TrimLeft(data, " \t\r\n\xEF\xBB\xBF"); len(t) == 0 || t[0] != '<' {
			return nil, &Error{Code: CodeBadRequest, Reason: "no Content-Type and not an XML document"}
		}
		parts = []part{{Entity: Entity{Header: textproto.MIMEHeader{}, Body: data}}}
	case err != nil:
		return nil, &Error{Code: CodeBadRequest, Reason: "malformed Content-Type " + quote(contentType), Err: err}
	case isXMLType(mt):
		parts = []part{{Entity: Entity{Header: textproto.MIMEHeader{"Content-Type": {contentType}}, Body: data}}}
	case mt == "multipart/related" || mt == "multipart/mixed":
		if boundary == "" {
			return nil, &Error{Code: CodeBadRequest, Reason: "multipart Content-Type without a boundary"}
		}
		if parts, err = splitMultipart(data, boundary); err != nil {
			return nil, err
		}
	default:
		return nil, &Error{Code: CodeBadRequest, Reason: "expected multipart/related or application/xml, not " + quote(mt)}
	}

	control := parts[0]
	if ct := control.ContentType(); ct != "" && !isXMLType(ct) {
		// (The type as PIs write it is taken without parsing it.)
		if cmt, _ := control.MediaType(); !isXMLType(cmt) {
			return nil, envelopeError(control.offset, "the control entity must be application/xml, not "+quote(ct), nil)
		}
	}
	m, err := ParseMessage(control.Body)
	if err != nil {
		if e, ok := err.(*Error); ok {
			e.Offset += int64(control.offset)
		}
		return nil, err
	}
	r := &Request{Message: m, Control: &parts[0].Entity}
	kind, id := m.Kind(), messageID(m)
	fail := func(p part, reason string) (*Request, error) {
		e := envelopeError(p.offset, reason, nil)
		e.Kind, e.ID, e.Version = kind, id, m.header().Version
		return nil, e
	}
	rest := parts[1:]
	switch kind {
	case KindPushMessage:
		if len(rest) == 0 {
			return fail(control, "a push-message needs a content entity")
		}
		r.Content = &rest[0].Entity
		rest = rest[1:]
		if len(rest) > 0 {
			if mt, _ := rest[0].MediaType(); !isCapabilitiesType(mt) {
				return fail(rest[0], "a second content entity (the third entity is for capabilities, application/xml)")
			}
			r.Capabilities = &rest[0].Entity
			rest = rest[1:]
		}
	case KindCCQResponse:
		if len(rest) > 0 {
			r.Capabilities = &rest[0].Entity
			rest = rest[1:]
		}
	}
	if len(rest) > 0 {
		return fail(rest[0], "an entity a "+string(kind)+" does not take")
	}
	return r, nil
}

// parseContentType returns the media type and the boundary parameter of
// an HTTP Content-Type, as mime.ParseMediaType reads them. The form PIs
// send, tokens and plain quoted strings, is read here without building a
// map of the parameters; any other is given to mime.ParseMediaType.
func parseContentType(v string) (mediaType, boundary string, err error) {
	if mediaType, boundary, ok := parsePlainContentType(v); ok {
		return mediaType, boundary, nil
	}
	mediaType, params, err := mime.ParseMediaType(v)
	return mediaType, params["boundary"], err
}

// parsePlainContentType reads a Content-Type of the form
// type/subtype *(OWS ";" OWS name OWS "=" OWS value) OWS, where a value is
// a token or a quoted string of printable ASCII without backslashes, and
// no name has a "*" (of RFC 2231) or is given twice. It returns ok false
// for any other form.
func parsePlainContentType(v string) (mediaType, boundary string, ok bool) {
	i := skipOWS(v, 0)
	start := i
	i = skipToken(v, i)
	if i == start || i == len(v) || v[i] != '/' {
		return "", "", false
	}
	sub := i + 1
	if i = skipToken(v, sub); i == sub {
		return "", "", false
	}
	mediaType = strings.ToLower(v[start:i])
	var (
		namesArray [8]string
		names      = namesArray[:0]
	)
	for i = skipOWS(v, i); i < len(v); i = skipOWS(v, i) {
		if v[i] != ';' || len(names) == len(namesArray) {
			return "", "", false
		}
		i = skipOWS(v, i+1)
		nameAt := i
		i = skipToken(v, i)
		name := v[nameAt:i]
		if name == "" || strings.IndexByte(name, '*') >= 0 {
			return "", "", false
		}
		for _, n := range names {
			if ascii.EqualFold(n, name) {
				return "", "", false
			}
		}
		names = append(names, name)
		if i = skipOWS(v, i); i == len(v) || v[i] != '=' {
			return "", "", false
		}
		i = skipOWS(v, i+1)
		var value string
		if i < len(v) && v[i] == '"' {
			end := i + 1
			for end < len(v) && v[end] != '"' {
				if c := v[end]; c < ' ' || c > '~' || c == '\\' {
					return "", "", false
				}
				end++
			}
			if end == len(v) {
				return "", "", false
			}
			value, i = v[i+1:end], end+1
		} else {
			valueAt := i
			i = skipToken(v, i)
			if i == valueAt {
				return "", "", false
			}
			value = v[valueAt:i]
		}
		if ascii.EqualFold(name, "boundary") {
			boundary = value
		}
	}
	return mediaType, boundary, true
}

// skipOWS returns the offset of the first octet from i on that is not a
// space or a tab.
func skipOWS(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

// skipToken returns the offset of the first octet from i on that a MIME
// token (RFC 2045) cannot hold.
func skipToken(s string, i int) int {
	for i < len(s) && tokenOctet[s[i]] {
		i++
	}
	return i
}

// tokenOctet tells the octets a MIME token holds: US-ASCII but for
// controls, space and tspecials.
var tokenOctet = func() (t [256]bool) {
	for c := '!'; c <= '~'; c++ {
		t[c] = !strings.ContainsRune(`()<>@,;:\"/[]?=`, c)
	}
	return t
}()

// messageID returns the push-id or query-id of m.
func messageID(m Message) string {
	switch m := m.(type) {
	case *PushMessage:
		return m.PushID
	case *PushResponse:
		return m.PushID
	case *CancelMessage:
		return m.PushID
	case *CancelResponse:
		return m.PushID
	case *ResultNotification:
		return m.PushID
	case *ResultNotificationResponse:
		return m.PushID
	case *StatusQueryMessage:
		return m.PushID
	case *StatusQueryResponse:
		return m.PushID
	case *CCQMessage:
		return m.QueryID
	case *CCQResponse:
		return m.QueryID
	}
	return ""
}

// isXMLType reports whether mt is a type a PAP document is sent as.
func isXMLType(mt string) bool { return mt == "application/xml" || mt == "text/xml" }

// isCapabilitiesType reports whether mt is a type of capabilities entity:
// UAProf RDF, sent as XML.
func isCapabilitiesType(mt string) bool { return isXMLType(mt) || mt == "application/rdf+xml" }

// splitMultipart splits a multipart body (RFC 2046) into its entities. It
// skips a preamble and an epilogue, accepts CRLF or bare LF line ends and
// white space after a delimiter, and insists on the close delimiter: a body
// cut short must not be delivered as if it were whole.
func splitMultipart(data []byte, boundary string) ([]part, error) {
	dash := "--" + boundary
	at, closing, next := findDelimiter(data, 0, dash)
	if at < 0 {
		return nil, envelopeError(0, "no "+quote(dash)+" delimiter in the body", data)
	}
	if closing {
		return nil, envelopeError(at, "the body has no entities", nil)
	}
	parts := make([]part, 0, 3) // control, content and capabilities at most, in PAP
	for {
		start := next
		at, closing, next = findDelimiter(data, start, dash)
		if at < 0 {
			return nil, envelopeError(len(data), "the body ends without the close delimiter "+quote(dash+"--"), nil)
		}
		// The line break before a delimiter belongs to the delimiter.
		end := max(at-1, start)
		if end > start && data[end-1] == '\r' {
			end--
		}
		p, err := parsePart(data, start, end)
		if err != nil {
			return nil, err
		}
		if len(parts) == maxParts {
			return nil, envelopeError(start, "too many entities", nil)
		}
		parts = append(parts, p)
		if closing {
			return parts, nil
		}
	}
}

// findDelimiter finds the first delimiter line at or after from: dash at
// the start of a line, followed by "--" (the close delimiter) or by white
// space to the end of the line. It returns its offset, whether it closes
// the body, and the offset after its line, or -1.
func findDelimiter(data []byte, from int, dash string) (at int, closing bool, next int) {
	// Only lines are searched when the boundary holds no line feed, and
	// so cannot overlap the start of a line; the content would otherwise
	// hold many a "-" that bytes.Index stops at.
	byLine := strings.IndexByte(dash, '\n') < 0
	for from <= len(data) {
		if byLine {
			at = indexAtLineStart(data, from, dash)
		} else if at = bytes.Index(data[from:], []byte(dash)); at >= 0 {
			at += from
		}
		if at < 0 {
			return -1, false, 0
		}
		from = at + len(dash)
		if at > 0 && data[at-1] != '\n' {
			continue
		}
		rest := data[from:]
		if bytes.HasPrefix(rest, []byte("--")) {
			return at, true, len(data)
		}
		j := 0
		for j < len(rest) && (rest[j] == ' ' || rest[j] == '\t') {
			j++
		}
		switch {
		case j < len(rest) && rest[j] == '\n':
			return at, false, from + j + 1
		case j+1 < len(rest) && rest[j] == '\r' && rest[j+1] == '\n':
			return at, false, from + j + 2
		}
		// The boundary is only the start of a longer line: not a delimiter.
	}
	return -1, false, 0
}

// indexAtLineStart returns the offset of the first line at or after from
// (the first that starts there, or the next) that starts with s, or -1.
func indexAtLineStart(data []byte, from int, s string) int {
	i := from
	for {
		if (i == 0 || data[i-1] == '\n') && bytes.HasPrefix(data[i:], []byte(s)) {
			return i
		}
		nl := bytes.IndexByte(data[i:], '\n')
		if nl < 0 {
			return -1
		}
		i += nl + 1
	}
}

// parsePart reads the headers and body of the entity data[start:end],
// decoding its Content-Transfer-Encoding.
func parsePart(data []byte, start, end int) (part, error) {
	// The fields are gathered first and the header built from them at
	// once: one string holds every value, one array every value slice.
	type field struct {
		name     string
		from, to int // the value, in values
	}
	var (
		fieldsArray [8]field
		fields      = fieldsArray[:0]
		valuesArray [256]byte
		values      = valuesArray[:0] // the values, continuation lines joined
	)
	pos := start
	for {
		if pos >= end {
			return part{}, envelopeError(start, "an entity without the empty line that ends its headers", data[start:end])
		}
		nl := bytes.IndexByte(data[pos:end], '\n')
		lineEnd := end
		if nl >= 0 {
			lineEnd = pos + nl
		}
		line := bytes.TrimSuffix(data[pos:lineEnd], []byte("\r"))
		lineStart := pos
		pos = lineEnd + 1
		if len(line) == 0 {
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			// A folded header line continues the previous header.
			if len(fields) == 0 {
				return part{}, envelopeError(lineStart, "a continuation line before any header", line)
			}
			if more := bytes.TrimSpace(line); len(more) > 0 {
				values = append(append(values, ' '), more...)
				fields[len(fields)-1].to = len(values)
			}
			continue
		}
		n, v, ok := bytes.Cut(line, []byte(":"))
		n = bytes.TrimSpace(n)
		if !ok || len(n) == 0 || bytes.ContainsAny(n, " \t") {
			return part{}, envelopeError(lineStart, "malformed header line in an entity", line)
		}
		from := len(values)
		values = append(values, bytes.TrimSpace(v)...)
		fields = append(fields, field{name: canonicalHeaderKey(n), from: from, to: len(values)})
	}
	p := part{Entity: Entity{Header: make(textproto.MIMEHeader, len(fields))}}
	all := string(values)
	slots := make([]string, len(fields))
	for i, f := range fields {
		slots[i] = all[f.from:f.to]
		if vs := p.Header[f.name]; vs != nil {
			p.Header[f.name] = append(vs, slots[i])
		} else {
			p.Header[f.name] = slots[i : i+1 : i+1]
		}
	}
	for _, k := range [...]string{"Content-Type", "Content-Transfer-Encoding"} {
		if len(p.Header[k]) > 1 {
			return part{}, envelopeError(start, "an entity with two "+k+" headers", data[start:min(pos, end)])
		}
	}
	p.offset = min(pos, end)
	p.Body = data[p.offset:end]
	var cte string
	if v := p.Header["Content-Transfer-Encoding"]; len(v) > 0 {
		cte = strings.ToLower(v[0])
	}
	switch cte {
	case "", "binary", "8bit", "7bit":
	case "base64":
		clean := bytes.Map(func(r rune) rune {
			if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
				return -1
			}
			return r
		}, p.Body)
		b := make([]byte, base64.StdEncoding.DecodedLen(len(clean)))
		n, err := base64.StdEncoding.Decode(b, clean)
		if err != nil {
			return part{}, envelopeError(p.offset, "the base64 body does not decode: "+err.Error(), nil)
		}
		p.Body = b[:n]
	case "quoted-printable":
		b, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(p.Body)))
		if err != nil {
			return part{}, envelopeError(p.offset, "the quoted-printable body does not decode: "+err.Error(), nil)
		}
		p.Body = b
	default:
		return part{}, envelopeError(start, "unknown Content-Transfer-Encoding "+quote(cte), nil)
	}
	delete(p.Header, "Content-Transfer-Encoding")
	return p, nil
}

// commonHeaderKeys are the header names of the entities PIs send, in
// canonical form.
var commonHeaderKeys = [...]string{
	"Content-Type", "Content-Transfer-Encoding", "Content-Id", "Content-Location",
	"Content-Length", "Content-Disposition", "Content-Description",
	"X-Wap-Application-Id", "X-Wap-Content-Uri", "X-Wap-Initiator-Uri",
}

// canonicalHeaderKey returns textproto.CanonicalMIMEHeaderKey(string(name))
// without allocating for the common names.
func canonicalHeaderKey(name []byte) string {
	for _, k := range commonHeaderKeys {
		if ascii.EqualFold(name, k) {
			return k
		}
	}
	return textproto.CanonicalMIMEHeaderKey(string(name))
}

// WriteRequest builds the HTTP body of a PAP request (or of a response
// that carries entities): m alone as application/xml when content and
// capabilities are nil, else a multipart/related envelope with m as the
// control entity, then content, then capabilities. It returns the HTTP
// Content-Type with the body.
func WriteRequest(m Message, content, capabilities *Entity) (contentType string, body []byte, err error) {
	doc, err := Marshal(m)
	if err != nil {
		return "", nil, err
	}
	kind := m.Kind()
	if kind == KindPushMessage && content == nil {
		return "", nil, &EncodeError{Kind: kind, Field: "content entity", Reason: "a push-message needs one"}
	}
	if content == nil && capabilities == nil {
		return "application/xml", doc, nil
	}
	entities := []*Entity{content, capabilities}
	for _, e := range entities {
		if e != nil {
			if err := checkEntityHeader(kind, e); err != nil {
				return "", nil, err
			}
		}
	}
	boundary, err := newBoundary(doc, content, capabilities)
	if err != nil {
		return "", nil, err
	}
	size := len(doc) + 256
	for _, e := range entities {
		if e != nil {
			size += len(e.Body) + 128
		}
	}
	b := make([]byte, 0, size)
	b = append(b, "--"+boundary+"\r\nContent-Type: application/xml\r\n\r\n"...)
	b = append(b, doc...)
	for _, e := range entities {
		if e == nil {
			continue
		}
		b = append(b, "\r\n--"+boundary+"\r\n"...)
		b = appendEntity(b, e)
	}
	b = append(b, "\r\n--"+boundary+"--\r\n"...)
	return `multipart/related; boundary=` + boundary + `; type="application/xml"`, b, nil
}

func checkEntityHeader(kind Kind, e *Entity) error {
	if e.ContentType() == "" {
		return &EncodeError{Kind: kind, Field: "entity", Reason: "no Content-Type"}
	}
	if len(e.Header.Values("Content-Type")) > 1 {
		return &EncodeError{Kind: kind, Field: "entity", Reason: "two Content-Type headers"}
	}
	for k, vs := range e.Header {
		if k == "" || strings.ContainsAny(k, ": \t\r\n") {
			return &EncodeError{Kind: kind, Field: "entity header " + quote(k), Reason: "not a header name"}
		}
		for _, v := range vs {
			if strings.ContainsAny(v, "\r\n") {
				return &EncodeError{Kind: kind, Field: "entity header " + k, Reason: "line break in the value"}
			}
		}
	}
	return nil
}

// appendEntity writes the headers of e, Content-Type first and the rest in
// sorted order so that the output is reproducible, then its body.
func appendEntity(b []byte, e *Entity) []byte {
	keys := make([]string, 0, len(e.Header))
	for k := range e.Header {
		if textproto.CanonicalMIMEHeaderKey(k) != "Content-Type" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	b = append(b, "Content-Type: "+e.ContentType()+"\r\n"...)
	for _, k := range keys {
		for _, v := range e.Header[k] {
			b = append(b, k+": "+v+"\r\n"...)
		}
	}
	b = append(b, "\r\n"...)
	return append(b, e.Body...)
}

// newBoundary returns a random boundary that occurs in none of the bodies.
func newBoundary(doc []byte, entities ...*Entity) (string, error) {
	for {
		var r [15]byte
		if _, err := rand.Read(r[:]); err != nil {
			return "", fmt.Errorf("pap: boundary: %w", err)
		}
		boundary := "pap-" + hex.EncodeToString(r[:])
		clash := bytes.Contains(doc, []byte(boundary))
		for _, e := range entities {
			clash = clash || (e != nil && bytes.Contains(e.Body, []byte(boundary)))
		}
		if !clash {
			return boundary, nil
		}
	}
}
