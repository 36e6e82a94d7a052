package pap

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"net/url"
	"strings"
	"time"
)

// TimeLayout is the form of every PAP timestamp: UTC, no fractions.
const TimeLayout = "2006-01-02T15:04:05Z"

// maxDepth bounds element nesting. PAP documents are three levels deep
// (pap, operation, result, address); anything much deeper is an attack or
// a different document type.
const maxDepth = 8

// ParseMessage parses a PAP 2.0 or 1.0 document. The version is taken from
// the public identifier of the document type declaration, or from the
// wap-pap-ver processing instruction, or from the system identifier, and is
// PAP 2.0 when the document names none; it is stored in the message's
// Header so that an answer can be given in the same version. A document
// that cannot be accepted is refused with an *Error.
func ParseMessage(doc []byte) (Message, error) {
	p := parser{doc: doc, expandFrom: -1}
	root := p.tree()
	if p.err != nil {
		return nil, p.err
	}
	m := p.message(root)
	if p.err != nil {
		return nil, p.err
	}
	return m, nil
}

// node is an element of the document as read, before it is given a type.
type node struct {
	name       string
	attrs      []xml.Attr
	children   []*node
	start, end int64 // the span of its start tag in the document
}

// parser turns a document into a Message, keeping the first fault found.
type parser struct {
	doc     []byte
	version Version
	err     *Error
	kind    Kind   // the operation, once known
	id      string // its push-id or query-id, once read

	// expandFrom is the input offset after an XML declaration of
	// ISO-8859-1, from which the decoder reads text converted to UTF-8 and
	// counts its offsets in that text; -1 when there is none.
	expandFrom int64
}

// tree reads the document into nodes, checking that it is well formed,
// that its root is pap and that its document type declaration declares
// nothing.
func (p *parser) tree() *node {
	doc := bytes.TrimPrefix(p.doc, []byte("\xEF\xBB\xBF"))
	base := int64(len(p.doc) - len(doc))
	// The prolog (XML declaration, DOCTYPE, comments) is read here, which
	// is much faster than encoding/xml's octet-by-octet reading of the
	// DOCTYPE; the decoder starts at the root element. A declared encoding
	// other than UTF-8 needs the decoder's charset conversion, so such a
	// document is given to it whole.
	var pro prolog
	rootAt, whole := p.prolog(doc, base, &pro)
	if p.err != nil {
		return nil
	}
	if !whole {
		doc = doc[rootAt:]
		base += int64(rootAt)
	}
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = true
	d.CharsetReader = charsetReader
	var (
		root     *node
		stack    []*node
		rootDone bool
		first    = true
	)
	for {
		off := p.inputOffset(base + d.InputOffset())
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			at := p.inputOffset(base + d.InputOffset())
			p.err = &Error{Code: CodeBadRequest, Offset: at, Reason: "not well-formed XML: " + syntaxReason(err),
				Fragment: fragment(p.around(at)), Err: err}
			return nil
		}
		isFirst := first
		first = false
		end := p.inputOffset(base + d.InputOffset())
		switch t := tok.(type) {
		case xml.StartElement:
			name := t.Name.Local
			if t.Name.Space != "" {
				name = t.Name.Space + ":" + name
			}
			n := &node{name: name, attrs: t.Attr, start: off, end: end}
			switch {
			case rootDone:
				p.fail(n, "", CodeBadRequest, "a second element after the root element")
				return nil
			case len(stack) >= maxDepth:
				p.fail(n, "", CodeBadRequest, "elements nested too deep")
				return nil
			}
			if dup := duplicateAttr(t.Attr); dup != "" {
				p.fail(n, dup, CodeBadRequest, "attribute given twice")
				return nil
			}
			if len(stack) == 0 {
				root = n
				if name != "pap" {
					p.fail(n, "", CodeBadRequest, "the root element must be pap, not "+quote(name))
					return nil
				}
			} else {
				parent := stack[len(stack)-1]
				parent.children = append(parent.children, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			// RawToken leaves the matching of end tags to us.
			name := t.Name.Local
			if t.Name.Space != "" {
				name = t.Name.Space + ":" + name
			}
			if len(stack) == 0 || stack[len(stack)-1].name != name {
				p.err = &Error{Code: CodeBadRequest, Offset: off, Reason: "unexpected end tag " + quote(name),
					Fragment: fragment(p.span(off, end))}
				return nil
			}
			stack = stack[:len(stack)-1]
			rootDone = len(stack) == 0
		case xml.CharData:
			if len(bytes.TrimLeft(t, " \t\r\n")) != 0 {
				where := "outside the root element"
				if len(stack) > 0 {
					where = "in element " + stack[len(stack)-1].name + ", which holds only elements"
				}
				p.err = &Error{Code: CodeBadRequest, Offset: off, Reason: "text " + where,
					Fragment: fragment(p.span(off, end))}
				return nil
			}
		case xml.Directive:
			if pro.doctype || root != nil || !bytes.HasPrefix(t, []byte("DOCTYPE")) {
				p.err = &Error{Code: CodeBadRequest, Offset: off, Reason: "unexpected declaration",
					Fragment: fragment(p.span(off, end))}
				return nil
			}
			if !p.doctype(string(t), off, end, &pro) {
				return nil
			}
		case xml.ProcInst:
			switch {
			case t.Target == "xml" && !(whole && isFirst):
				p.err = &Error{Code: CodeBadRequest, Offset: off, Reason: "an XML declaration not at the start",
					Fragment: fragment(p.span(off, end))}
				return nil
			case t.Target == "wap-pap-ver":
				pro.pi = supportedVersions(string(t.Inst))
			}
		}
	}
	if root == nil {
		p.err = &Error{Code: CodeBadRequest, Offset: int64(len(p.doc)), Reason: "no pap element",
			Fragment: fragment(p.doc)}
		return nil
	}
	if !rootDone {
		open := stack[len(stack)-1]
		p.err = &Error{Code: CodeBadRequest, Element: open.name, Offset: int64(len(p.doc)),
			Reason: "the document ends inside the element", Fragment: fragment(p.span(open.start, open.end))}
		return nil
	}
	for _, h := range [...]versionHint{pro.pub, pro.pi, pro.sys} {
		if h == hintUnsupported {
			p.err = &Error{Code: CodeVersionNotSupported, Element: "DOCTYPE",
				Reason: "the document is in a PAP version other than 1.x and 2.x"}
			return nil
		}
		if h != hintNone {
			p.version = h.version()
			break
		}
	}
	return root
}

// message gives the tree under the pap root its type.
func (p *parser) message(root *node) Message {
	if len(root.children) != 1 {
		p.fail(root, "", CodeBadRequest, "pap must hold exactly one operation element")
		return nil
	}
	h := Header{Version: p.version, ProductName: p.optional(root, "product-name")}
	n := root.children[0]
	p.kind = Kind(n.name)
	var m Message
	switch p.kind {
	case KindPushMessage:
		m = p.pushMessage(n, h)
	case KindPushResponse:
		m = p.pushResponse(n, h)
	case KindCancelMessage:
		r := &CancelMessage{Header: h, PushID: p.pushID(n, "push-id")}
		r.Addresses = p.addressList(n)
		m = r
	case KindCancelResponse:
		m = p.cancelResponse(n, h)
	case KindResultNotification:
		m = p.resultNotification(n, h)
	case KindResultNotificationResponse:
		r := &ResultNotificationResponse{Header: h, PushID: p.pushID(n, "push-id")}
		r.Code, r.Desc = p.code(n), p.optional(n, "desc")
		r.Addresses = p.addressList(n)
		m = r
	case KindStatusQueryMessage:
		r := &StatusQueryMessage{Header: h, PushID: p.pushID(n, "push-id")}
		r.Addresses = p.addressList(n)
		m = r
	case KindStatusQueryResponse:
		m = p.statusQueryResponse(n, h)
	case KindCCQMessage:
		r := &CCQMessage{Header: h, QueryID: p.pushID(n, "query-id")}
		r.AppID = p.optional(n, "app-id")
		r.Address = p.singleAddress(n)
		m = r
	case KindCCQResponse:
		r := &CCQResponse{Header: h, QueryID: p.pushID(n, "query-id")}
		r.Code, r.Desc = p.code(n), p.optional(n, "desc")
		r.Address = p.singleAddress(n)
		m = r
	case KindBadMessageResponse:
		r := &BadMessageResponse{Header: h, Code: p.code(n), Desc: p.optional(n, "desc"),
			Fragment: p.optional(n, "bad-message-fragment")}
		p.children(n)
		m = r
	default:
		p.kind = ""
		p.fail(n, "", CodeBadRequest, "unknown operation "+quote(n.name))
	}
	return m
}

func (p *parser) pushMessage(n *node, h Header) *PushMessage {
	m := &PushMessage{Header: h, PushID: p.pushID(n, "push-id")}
	for _, a := range [...]string{"replace-push-id", "replace-method"} {
		if _, ok := p.attr(n, a); ok {
			p.fail(n, a, CodeReplacementNotSupported, "push replacement is not supported")
		}
	}
	m.DeliverBefore = p.timestamp(n, "deliver-before-timestamp")
	m.DeliverAfter = p.timestamp(n, "deliver-after-timestamp")
	m.SourceReference = p.optional(n, "source-reference")
	m.NotifyTo = p.optional(n, "ppg-notify-requested-to")
	if m.NotifyTo != "" {
		if u, err := url.Parse(m.NotifyTo); err != nil || !u.IsAbs() || u.Host == "" {
			p.fail(n, "ppg-notify-requested-to", CodeBadRequest, "not an absolute URL")
		}
	}
	m.ProgressNotesRequested = p.boolean(n, "progress-notes-requested")
	for _, c := range p.children(n, "address", "quality-of-service") {
		if c.name == "address" {
			m.Addresses = append(m.Addresses, p.address(c))
		} else {
			m.QoS = p.qos(n, c, m.QoS)
		}
	}
	if len(m.Addresses) == 0 {
		p.fail(n, "", CodeBadRequest, "a push-message needs at least one address element")
	}
	return m
}

func (p *parser) pushResponse(n *node, h Header) *PushResponse {
	m := &PushResponse{Header: h, PushID: p.pushID(n, "push-id")}
	m.SenderAddress = p.optional(n, "sender-address")
	m.SenderName = p.optional(n, "sender-name")
	m.ReplyTime = p.timestamp(n, "reply-time")
	results := 0
	for _, c := range p.children(n, "progress-note", "response-result") {
		if c.name == "response-result" {
			results++
			m.Result = Result{Code: p.code(c), Desc: p.optional(c, "desc")}
			p.children(c)
			continue
		}
		m.ProgressNotes = append(m.ProgressNotes, ProgressNote{
			Stage: p.required(c, "stage"), Note: p.optional(c, "note"), Time: p.timestamp(c, "time"),
		})
		p.children(c)
	}
	if results != 1 {
		p.fail(n, "", CodeBadRequest, "a push-response holds exactly one response-result")
	}
	return m
}

func (p *parser) cancelResponse(n *node, h Header) *CancelResponse {
	m := &CancelResponse{Header: h, PushID: p.pushID(n, "push-id")}
	for _, c := range p.children(n, "cancel-result") {
		r := CancelResult{Code: p.code(c), Desc: p.optional(c, "desc")}
		r.Addresses = p.addressList(c)
		m.Results = append(m.Results, r)
	}
	if len(m.Results) == 0 {
		p.fail(n, "", CodeBadRequest, "a cancel-response holds at least one cancel-result")
	}
	return m
}

func (p *parser) resultNotification(n *node, h Header) *ResultNotification {
	m := &ResultNotification{Header: h, PushID: p.pushID(n, "push-id")}
	m.SenderAddress = p.optional(n, "sender-address")
	m.SenderName = p.optional(n, "sender-name")
	m.ReceivedTime = p.timestamp(n, "received-time")
	m.EventTime = p.timestamp(n, "event-time")
	m.State = p.state(n)
	m.Code, m.Desc = p.code(n), p.optional(n, "desc")
	addresses := 0
	for _, c := range p.children(n, "address", "quality-of-service") {
		if c.name == "address" {
			addresses++
			m.Address = p.address(c)
		} else {
			m.QoS = p.qos(n, c, m.QoS)
		}
	}
	if addresses != 1 {
		p.fail(n, "", CodeBadRequest, "a resultnotification-message holds exactly one address")
	}
	return m
}

func (p *parser) statusQueryResponse(n *node, h Header) *StatusQueryResponse {
	m := &StatusQueryResponse{Header: h, PushID: p.pushID(n, "push-id")}
	for _, c := range p.children(n, "statusquery-result") {
		r := StatusQueryResult{EventTime: p.timestamp(c, "event-time"), State: p.state(c)}
		r.Code, r.Desc = p.code(c), p.optional(c, "desc")
		for _, a := range p.children(c, "address", "quality-of-service") {
			if a.name == "address" {
				r.Addresses = append(r.Addresses, p.address(a))
			} else {
				r.QoS = p.qos(c, a, r.QoS)
			}
		}
		m.Results = append(m.Results, r)
	}
	if len(m.Results) == 0 {
		p.fail(n, "", CodeBadRequest, "a statusquery-response holds at least one statusquery-result")
	}
	return m
}

// addressList reads the address children of n, which may have no others.
func (p *parser) addressList(n *node) []Address {
	var as []Address
	for _, c := range p.children(n, "address") {
		as = append(as, p.address(c))
	}
	return as
}

// singleAddress reads the one address child of n.
func (p *parser) singleAddress(n *node) Address {
	cs := p.children(n, "address")
	if len(cs) != 1 {
		p.fail(n, "", CodeBadRequest, "a "+n.name+" holds exactly one address")
		return Address{}
	}
	return p.address(cs[0])
}

func (p *parser) address(n *node) Address {
	p.children(n)
	v := p.required(n, "address-value")
	if p.err != nil {
		return Address{}
	}
	a, err := ParseAddress(v)
	if err != nil {
		ae := err.(*Error)
		p.fail(n, "address-value", ae.Code, ae.Reason)
		if p.err.Err == nil {
			p.err.Err = ae
		}
	}
	return a
}

// qos reads a quality-of-service element c of parent, of which there may be
// only one (prev is the one already read, if any).
func (p *parser) qos(parent, c *node, prev *QualityOfService) *QualityOfService {
	if prev != nil {
		p.fail(c, "", CodeBadRequest, "a "+parent.name+" holds at most one quality-of-service")
	}
	p.children(c)
	q := &QualityOfService{Priority: PriorityMedium, DeliveryMethod: DeliveryNotSpecified}
	if v, ok := p.attr(c, "priority"); ok {
		q.Priority = Priority(strings.ToLower(v))
		if !q.Priority.Valid() {
			p.fail(c, "priority", CodeBadRequest, "expected high, medium or low, not "+quote(v))
		}
	}
	if v, ok := p.attr(c, "delivery-method"); ok {
		q.DeliveryMethod = DeliveryMethod(strings.ToLower(v))
		if !q.DeliveryMethod.Valid() {
			p.fail(c, "delivery-method", CodeBadRequest,
				"expected confirmed, preferconfirmed, unconfirmed or notspecified, not "+quote(v))
		}
	}
	q.Network = p.optional(c, "network")
	q.NetworkRequired = p.boolean(c, "network-required")
	q.Bearer = p.optional(c, "bearer")
	q.BearerRequired = p.boolean(c, "bearer-required")
	return q
}

// children returns the element children of n, failing if one is not of
// the allowed names. Their order is not checked: the DTD fixes it, but no
// reading of an out-of-order document is ambiguous.
func (p *parser) children(n *node, allowed ...string) []*node {
	for _, c := range n.children {
		ok := false
		for _, a := range allowed {
			ok = ok || c.name == a
		}
		if !ok {
			p.fail(c, "", CodeBadRequest, "unexpected element in "+n.name)
			return nil
		}
	}
	return n.children
}

// attr returns the value of attribute name of n, white space trimmed.
func (p *parser) attr(n *node, name string) (string, bool) {
	for _, a := range n.attrs {
		if a.Name.Space == "" && a.Name.Local == name {
			return strings.TrimSpace(a.Value), true
		}
	}
	return "", false
}

func (p *parser) optional(n *node, name string) string {
	v, _ := p.attr(n, name)
	return v
}

func (p *parser) required(n *node, name string) string {
	v, ok := p.attr(n, name)
	switch {
	case !ok:
		p.fail(n, name, CodeBadRequest, "required attribute missing")
	case v == "":
		p.fail(n, name, CodeBadRequest, "required attribute empty")
	}
	return v
}

// pushID reads the identifier of the operation, which every later fault
// reports so that a PPG can answer the operation rather than the document.
func (p *parser) pushID(n *node, name string) string {
	v := p.required(n, name)
	if p.err == nil {
		p.id = v
	}
	return v
}

func (p *parser) timestamp(n *node, name string) time.Time {
	v, ok := p.attr(n, name)
	if !ok {
		return time.Time{}
	}
	t, err := time.Parse(TimeLayout, v)
	if err != nil || len(v) != len(TimeLayout) {
		p.fail(n, name, CodeBadRequest, "expected a timestamp YYYY-MM-DDThh:mm:ssZ, not "+quote(v))
	}
	return t
}

func (p *parser) boolean(n *node, name string) bool {
	v, ok := p.attr(n, name)
	if !ok {
		return false
	}
	switch strings.ToLower(v) {
	case "true":
		return true
	case "false":
		return false
	}
	p.fail(n, name, CodeBadRequest, "expected true or false, not "+quote(v))
	return false
}

func (p *parser) code(n *node) Code {
	v := p.required(n, "code")
	if p.err != nil {
		return 0
	}
	c := Code(0)
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			c = -1
			break
		}
		c = c*10 + Code(v[i]-'0')
	}
	if len(v) != 4 || !c.Valid() {
		p.fail(n, "code", CodeBadRequest, "expected a four-digit status code of class 1 to 5, not "+quote(v))
	}
	return c
}

func (p *parser) state(n *node) MessageState {
	v := p.required(n, "message-state")
	s := MessageState(strings.ToLower(v))
	if p.err == nil && !s.Valid() {
		p.fail(n, "message-state", CodeBadRequest, "unknown message state "+quote(v))
	}
	return s
}

// fail records a fault at element n unless one was recorded already.
func (p *parser) fail(n *node, attr string, code Code, reason string) {
	if p.err != nil {
		return
	}
	p.err = &Error{
		Code: code, Element: n.name, Attribute: attr, Offset: n.start, Reason: reason,
		Fragment: fragment(p.span(n.start, n.end)), Kind: p.kind, ID: p.id, Version: p.version,
	}
}

// inputOffset turns an offset the decoder counts into one in the input.
func (p *parser) inputOffset(off int64) int64 {
	if p.expandFrom < 0 || off <= p.expandFrom {
		return off
	}
	// Each octet from 0x80 up became two in the converted text.
	in, out := p.expandFrom, p.expandFrom
	for out < off && in < int64(len(p.doc)) {
		out++
		if p.doc[in] >= 0x80 {
			out++
		}
		in++
	}
	return in
}

// span returns the input from offset from to offset to, clamped to it.
func (p *parser) span(from, to int64) []byte {
	n := int64(len(p.doc))
	from, to = min(max(from, 0), n), min(max(to, 0), n)
	return p.doc[from:max(from, to)]
}

// around returns the fragment of the document around offset off: from the
// start of the tag it is in, if one starts shortly before, to the end of
// that tag.
func (p *parser) around(off int64) []byte {
	doc := p.doc
	at := int(min(max(off, 0), int64(len(doc))))
	from := max(at-maxFragment/2, 0)
	if i := bytes.LastIndexByte(doc[from:at], '<'); i >= 0 {
		from += i
	} else if i := bytes.LastIndexByte(doc[from:at], '\n'); i >= 0 {
		from += i + 1
	}
	to := min(at+maxFragment/2, len(doc))
	if i := bytes.IndexByte(doc[at:to], '>'); i >= 0 {
		to = at + i + 1
	}
	return doc[from:to]
}

func duplicateAttr(attrs []xml.Attr) string {
	if len(attrs) > 16 {
		// Far more than any PAP element has: use a set, not n² compares.
		seen := make(map[xml.Name]bool, len(attrs))
		for _, a := range attrs {
			if seen[a.Name] {
				return a.Name.Local
			}
			seen[a.Name] = true
		}
		return ""
	}
	for i := 1; i < len(attrs); i++ {
		for j := 0; j < i; j++ {
			if attrs[i].Name == attrs[j].Name {
				return attrs[i].Name.Local
			}
		}
	}
	return ""
}

func syntaxReason(err error) string {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return xmlText([]byte(se.Msg))
	}
	return xmlText([]byte(err.Error()))
}
