package pap

import (
	"bytes"
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
	return parse(doc, true)
}

// parse parses doc, reading its markup with the scanner when scan is set,
// else with encoding/xml alone, which is the reference the scanner is
// tested against.
func parse(doc []byte, scan bool) (Message, error) {
	p := newParser(doc)
	root := p.tree(scan)
	if p.err != nil {
		return nil, p.err
	}
	m := p.message(root)
	if p.err != nil {
		return nil, p.err
	}
	return m, nil
}

// parser turns a document into a Message, keeping the first fault found.
type parser struct {
	doc     []byte
	text    string // doc as a string, from which names and values are sliced without a copy each
	version Version
	err     *Error
	kind    Kind   // the operation, once known
	id      string // its push-id or query-id, once read

	// expandFrom is the input offset after an XML declaration of
	// ISO-8859-1, from which the decoder reads text converted to UTF-8 and
	// counts its offsets in that text; -1 when there is none.
	expandFrom int64
}

// newParser returns a parser of doc.
func newParser(doc []byte) parser {
	return parser{doc: doc, text: string(doc), expandFrom: -1}
}

// tree reads the document into nodes, checking that it is well formed,
// that its root is pap and that its document type declaration declares
// nothing. The scanner reads it unless scan is false.
func (p *parser) tree(scan bool) *node {
	doc := bytes.TrimPrefix(p.doc, []byte("\xEF\xBB\xBF"))
	base := int64(len(p.doc) - len(doc))
	// The prolog (XML declaration, DOCTYPE, comments) is read first, by
	// hand. A declared encoding other than UTF-8 needs encoding/xml's
	// charset conversion, so such a document is given to it whole; any
	// other is read from its root element by the scanner, which is many
	// times faster, and which leaves to encoding/xml only the markup that
	// no PAP document holds and whose reading it would have to copy.
	var pro prolog
	rootAt, whole := p.prolog(doc, base, &pro)
	if p.err != nil {
		return nil
	}
	if whole {
		return p.treeStd(base, pro, true)
	}
	from := base + int64(rootAt)
	if scan {
		if root, read := p.treeScan(int(from), pro); read {
			return root
		}
	}
	return p.treeStd(from, pro, false)
}

// message gives the tree under the pap root its type.
func (p *parser) message(root *node) Message {
	if root.count != 1 {
		p.fail(root, "", CodeBadRequest, "pap must hold exactly one operation element")
		return nil
	}
	h := Header{Version: p.version, ProductName: p.optional(root, "product-name")}
	n := root.first
	p.kind = constant(Kind(n.name), KindPushMessage, KindPushResponse, KindCancelMessage, KindCancelResponse,
		KindResultNotification, KindResultNotificationResponse, KindStatusQueryMessage, KindStatusQueryResponse,
		KindCCQMessage, KindCCQResponse, KindBadMessageResponse)
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
	for c := p.children(n, "address", "quality-of-service"); c != nil; c = c.next {
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
	for c := p.children(n, "progress-note", "response-result"); c != nil; c = c.next {
		if c.name == "response-result" {
			results++
			m.Result = Result{Code: p.code(c), Desc: p.optional(c, "desc")}
			p.children(c)
			continue
		}
		m.ProgressNotes = append(m.ProgressNotes, ProgressNote{
			Stage: strings.Clone(p.required(c, "stage")), Note: p.optional(c, "note"), Time: p.timestamp(c, "time"),
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
	for c := p.children(n, "cancel-result"); c != nil; c = c.next {
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
	for c := p.children(n, "address", "quality-of-service"); c != nil; c = c.next {
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
	for c := p.children(n, "statusquery-result"); c != nil; c = c.next {
		r := StatusQueryResult{EventTime: p.timestamp(c, "event-time"), State: p.state(c)}
		r.Code, r.Desc = p.code(c), p.optional(c, "desc")
		for a := p.children(c, "address", "quality-of-service"); a != nil; a = a.next {
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
	for c := p.children(n, "address"); c != nil; c = c.next {
		as = append(as, p.address(c))
	}
	return as
}

// singleAddress reads the one address child of n.
func (p *parser) singleAddress(n *node) Address {
	c := p.children(n, "address")
	if c == nil || n.count != 1 {
		p.fail(n, "", CodeBadRequest, "a "+n.name+" holds exactly one address")
		return Address{}
	}
	return p.address(c)
}

func (p *parser) address(n *node) Address {
	p.children(n)
	v := p.required(n, "address-value")
	if p.err != nil {
		return Address{}
	}
	// The address keeps parts of the value.
	v = strings.Clone(v)
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
		q.Priority = constant(Priority(strings.ToLower(v)), PriorityHigh, PriorityMedium, PriorityLow)
		if !q.Priority.Valid() {
			p.fail(c, "priority", CodeBadRequest, "expected high, medium or low, not "+quote(v))
		}
	}
	if v, ok := p.attr(c, "delivery-method"); ok {
		q.DeliveryMethod = constant(DeliveryMethod(strings.ToLower(v)),
			DeliveryConfirmed, DeliveryPreferConfirmed, DeliveryUnconfirmed, DeliveryNotSpecified)
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

// children returns the first element child of n, from which the others
// are linked, failing (and returning nil) if one is not of the allowed
// names. Their order is not checked: the DTD fixes it, but no reading of
// an out-of-order document is ambiguous.
func (p *parser) children(n *node, allowed ...string) *node {
	for c := n.first; c != nil; c = c.next {
		ok := false
		for _, a := range allowed {
			ok = ok || c.name == a
		}
		if !ok {
			p.fail(c, "", CodeBadRequest, "unexpected element in "+n.name)
			return nil
		}
	}
	return n.first
}

// attr returns the value of attribute name of n, white space trimmed.
func (p *parser) attr(n *node, name string) (string, bool) {
	for _, a := range n.attrs {
		if a.name == name {
			return strings.TrimSpace(a.value), true
		}
	}
	return "", false
}

// optional returns the value of attribute name of n, or "" when it has
// none, as a string of its own: the value the scanner read is part of the
// document's text, which a message must not keep alive.
func (p *parser) optional(n *node, name string) string {
	v, _ := p.attr(n, name)
	return strings.Clone(v)
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
	v := strings.Clone(p.required(n, name))
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
	t, ok := parseTimestamp(v)
	if !ok {
		p.fail(n, name, CodeBadRequest, "expected a timestamp YYYY-MM-DDThh:mm:ssZ, not "+quote(v))
	}
	return t
}

// parseTimestamp reads a timestamp of the form TimeLayout as
// time.Parse(TimeLayout, v) reads one as long as the layout, several times
// faster: two digits to each field (four to the year), each in its range,
// the day in its month.
func parseTimestamp(v string) (time.Time, bool) {
	if len(v) != len(TimeLayout) || v[4] != '-' || v[7] != '-' || v[10] != 'T' ||
		v[13] != ':' || v[16] != ':' || v[19] != 'Z' {
		return time.Time{}, false
	}
	digits := func(from, to int) int {
		n := 0
		for _, c := range []byte(v[from:to]) {
			if c < '0' || c > '9' {
				return -1
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	year, month, day := digits(0, 4), digits(5, 7), digits(8, 10)
	hour, minute, second := digits(11, 13), digits(14, 16), digits(17, 19)
	if year < 0 || month < 1 || month > 12 || day < 1 || day > daysIn(month, year) ||
		hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 {
		return time.Time{}, false
	}
	return time.Date(year, time.Month(month), day, hour, minute, second, 0, time.UTC), true
}

// daysIn returns the number of days in a month (1 to 12) of a year of the
// proleptic Gregorian calendar.
func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
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
	s := constant(MessageState(strings.ToLower(v)), StateUndeliverable, StatePending, StateExpired,
		StateDelivered, StateAborted, StateTimeout, StateCancelled, StateUnknown)
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
	// Names are cloned, as values are, to keep the document's text free.
	p.err = &Error{
		Code: code, Element: strings.Clone(n.name), Attribute: strings.Clone(attr), Offset: n.start, Reason: reason,
		Fragment: fragment(p.span(n.start, n.end)), Kind: p.kind, ID: p.id, Version: p.version,
	}
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

// constant returns the one of known that v equals, so that a message holds
// the package's constant rather than a part of the document's text; a
// value that is none of them is returned as a string of its own.
func constant[T ~string](v T, known ...T) T {
	for _, k := range known {
		if v == k {
			return k
		}
	}
	return T(strings.Clone(string(v)))
}
