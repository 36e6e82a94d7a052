package pap

import (
	"net/url"
	"strconv"
	"time"
	"unicode/utf8"
)

// Marshal returns m as a PAP document in the version of its Header, with
// that version's document type declaration.
func Marshal(m Message) ([]byte, error) {
	return Append(make([]byte, 0, 512), m)
}

// Append appends m as a PAP document to dst. A message that lacks a required
// field, holds an invalid enumeration value, address or timestamp, or a
// string that XML cannot carry, is refused with an *EncodeError, so that
// everything written parses back to the same message.
func Append(dst []byte, m Message) ([]byte, error) {
	if m == nil {
		return dst, &EncodeError{Field: "message", Reason: "nil"}
	}
	w := writer{b: dst, kind: m.Kind()}
	h := m.header()
	w.b = append(w.b, "<?xml version=\"1.0\"?>\n"...)
	if h.Version == PAP10 {
		w.b = append(w.b, doctype10...)
	} else {
		w.b = append(w.b, doctype20...)
	}
	w.b = append(w.b, "\n<pap"...)
	w.attr("product-name", h.ProductName)
	w.b = append(w.b, ">\n"...)
	switch m := m.(type) {
	case *PushMessage:
		w.start(1, "push-message")
		w.required("push-id", m.PushID)
		w.time("deliver-before-timestamp", m.DeliverBefore)
		w.time("deliver-after-timestamp", m.DeliverAfter)
		w.attr("source-reference", m.SourceReference)
		if m.NotifyTo != "" {
			if u, err := url.Parse(m.NotifyTo); err != nil || !u.IsAbs() || u.Host == "" {
				w.fail("ppg-notify-requested-to", "not an absolute URL")
			}
		}
		w.attr("ppg-notify-requested-to", m.NotifyTo)
		w.boolean("progress-notes-requested", m.ProgressNotesRequested)
		if len(m.Addresses) == 0 {
			w.fail("address", "at least one is required")
		}
		w.children()
		w.addresses(2, m.Addresses)
		w.qos(2, m.QoS)
		w.end(1, "push-message")
	case *PushResponse:
		w.start(1, "push-response")
		w.required("push-id", m.PushID)
		w.attr("sender-address", m.SenderAddress)
		w.attr("sender-name", m.SenderName)
		w.time("reply-time", m.ReplyTime)
		w.children()
		for _, n := range m.ProgressNotes {
			w.start(2, "progress-note")
			w.required("stage", n.Stage)
			w.attr("note", n.Note)
			w.time("time", n.Time)
			w.empty()
		}
		w.start(2, "response-result")
		w.code(m.Result.Code)
		w.attr("desc", m.Result.Desc)
		w.empty()
		w.end(1, "push-response")
	case *CancelMessage:
		w.start(1, "cancel-message")
		w.required("push-id", m.PushID)
		w.addressesOnly(1, "cancel-message", m.Addresses)
	case *CancelResponse:
		w.start(1, "cancel-response")
		w.required("push-id", m.PushID)
		w.children()
		if len(m.Results) == 0 {
			w.fail("cancel-result", "at least one is required")
		}
		for _, r := range m.Results {
			w.start(2, "cancel-result")
			w.code(r.Code)
			w.attr("desc", r.Desc)
			w.addressesOnly(2, "cancel-result", r.Addresses)
		}
		w.end(1, "cancel-response")
	case *ResultNotification:
		w.start(1, "resultnotification-message")
		w.required("push-id", m.PushID)
		w.attr("sender-address", m.SenderAddress)
		w.attr("sender-name", m.SenderName)
		w.time("received-time", m.ReceivedTime)
		w.time("event-time", m.EventTime)
		w.state(m.State)
		w.code(m.Code)
		w.attr("desc", m.Desc)
		w.children()
		w.address(2, m.Address)
		w.qos(2, m.QoS)
		w.end(1, "resultnotification-message")
	case *ResultNotificationResponse:
		w.start(1, "resultnotification-response")
		w.required("push-id", m.PushID)
		w.code(m.Code)
		w.attr("desc", m.Desc)
		w.addressesOnly(1, "resultnotification-response", m.Addresses)
	case *StatusQueryMessage:
		w.start(1, "statusquery-message")
		w.required("push-id", m.PushID)
		w.addressesOnly(1, "statusquery-message", m.Addresses)
	case *StatusQueryResponse:
		w.start(1, "statusquery-response")
		w.required("push-id", m.PushID)
		w.children()
		if len(m.Results) == 0 {
			w.fail("statusquery-result", "at least one is required")
		}
		for _, r := range m.Results {
			w.start(2, "statusquery-result")
			w.time("event-time", r.EventTime)
			w.state(r.State)
			w.code(r.Code)
			w.attr("desc", r.Desc)
			if len(r.Addresses) == 0 && r.QoS == nil {
				w.empty()
				continue
			}
			w.children()
			w.addresses(3, r.Addresses)
			w.qos(3, r.QoS)
			w.end(2, "statusquery-result")
		}
		w.end(1, "statusquery-response")
	case *CCQMessage:
		w.start(1, "ccq-message")
		w.required("query-id", m.QueryID)
		w.attr("app-id", m.AppID)
		w.children()
		w.address(2, m.Address)
		w.end(1, "ccq-message")
	case *CCQResponse:
		w.start(1, "ccq-response")
		w.required("query-id", m.QueryID)
		w.code(m.Code)
		w.attr("desc", m.Desc)
		w.children()
		w.address(2, m.Address)
		w.end(1, "ccq-response")
	case *BadMessageResponse:
		w.start(1, "badmessage-response")
		w.code(m.Code)
		w.attr("desc", m.Desc)
		w.attr("bad-message-fragment", m.Fragment)
		w.empty()
	default:
		return dst, &EncodeError{Kind: m.Kind(), Field: "message", Reason: "not a message of this package"}
	}
	w.b = append(w.b, "</pap>\n"...)
	if w.err != nil {
		return dst, w.err
	}
	return w.b, nil
}

// writer appends the elements of one document, keeping the first fault.
type writer struct {
	b    []byte
	kind Kind
	err  *EncodeError
}

func (w *writer) fail(field, reason string) {
	if w.err == nil {
		w.err = &EncodeError{Kind: w.kind, Field: field, Reason: reason}
	}
}

func (w *writer) start(depth int, name string) {
	for range depth {
		w.b = append(w.b, "  "...)
	}
	w.b = append(w.b, '<')
	w.b = append(w.b, name...)
}

// children closes a start tag whose element has children.
func (w *writer) children() { w.b = append(w.b, ">\n"...) }

// empty closes a start tag as an empty element.
func (w *writer) empty() { w.b = append(w.b, "/>\n"...) }

func (w *writer) end(depth int, name string) {
	for range depth {
		w.b = append(w.b, "  "...)
	}
	w.b = append(w.b, "</"...)
	w.b = append(w.b, name...)
	w.b = append(w.b, ">\n"...)
}

// attr writes an attribute unless its value is empty.
func (w *writer) attr(name, value string) {
	if value == "" {
		return
	}
	w.b = append(w.b, ' ')
	w.b = append(w.b, name...)
	w.b = append(w.b, `="`...)
	w.escape(name, value)
	w.b = append(w.b, '"')
}

func (w *writer) required(name, value string) {
	if value == "" {
		w.fail(name, "required")
	}
	w.attr(name, value)
}

func (w *writer) time(name string, t time.Time) {
	if t.IsZero() {
		return
	}
	t = t.UTC()
	if t.Year() < 0 || t.Year() > 9999 {
		w.fail(name, "year outside 0000–9999")
		return
	}
	w.b = append(w.b, ' ')
	w.b = append(w.b, name...)
	w.b = append(w.b, `="`...)
	w.b = t.AppendFormat(w.b, TimeLayout)
	w.b = append(w.b, '"')
}

func (w *writer) boolean(name string, v bool) {
	if v {
		w.attr(name, "true")
	}
}

func (w *writer) code(c Code) {
	if !c.Valid() {
		w.fail("code", "not a four-digit code of class 1 to 5: "+strconv.Itoa(int(c)))
		return
	}
	w.b = append(w.b, ` code="`...)
	w.b = strconv.AppendInt(w.b, int64(c), 10)
	w.b = append(w.b, '"')
}

func (w *writer) state(s MessageState) {
	if !s.Valid() {
		w.fail("message-state", "unknown state "+quote(string(s)))
	}
	w.attr("message-state", string(s))
}

// address writes an address element after checking that the address reads
// back as itself.
func (w *writer) address(depth int, a Address) {
	s := a.String()
	if back, err := ParseAddress(s); err != nil || back != a {
		w.fail("address", "not a valid client address: "+quote(s))
	}
	w.start(depth, "address")
	w.attr("address-value", s)
	w.empty()
}

func (w *writer) addresses(depth int, as []Address) {
	for _, a := range as {
		w.address(depth, a)
	}
}

// addressesOnly ends an element whose children are addresses only, as an
// empty element when there are none.
func (w *writer) addressesOnly(depth int, name string, as []Address) {
	if len(as) == 0 {
		w.empty()
		return
	}
	w.children()
	w.addresses(depth+1, as)
	w.end(depth, name)
}

func (w *writer) qos(depth int, q *QualityOfService) {
	if q == nil {
		return
	}
	if q.Priority != "" && !q.Priority.Valid() {
		w.fail("priority", "unknown priority "+quote(string(q.Priority)))
	}
	if q.DeliveryMethod != "" && !q.DeliveryMethod.Valid() {
		w.fail("delivery-method", "unknown delivery method "+quote(string(q.DeliveryMethod)))
	}
	w.start(depth, "quality-of-service")
	w.attr("priority", string(q.Priority))
	w.attr("delivery-method", string(q.DeliveryMethod))
	w.attr("network", q.Network)
	w.boolean("network-required", q.NetworkRequired)
	w.attr("bearer", q.Bearer)
	w.boolean("bearer-required", q.BearerRequired)
	w.empty()
}

// attrPlain marks the octets escape writes as they are: printable ASCII
// but for the four that XML attribute text escapes.
var attrPlain = func() (t [256]bool) {
	for c := ' '; c < utf8.RuneSelf; c++ {
		t[c] = c != '&' && c != '<' && c != '>' && c != '"'
	}
	return t
}()

// escape appends s as attribute text. Tab, CR and LF are written as
// character references, which survive attribute-value normalisation.
func (w *writer) escape(field, s string) {
	for i := 0; i < len(s); {
		// A run of octets written as they are goes in one append.
		j := i
		for j < len(s) && attrPlain[s[j]] {
			j++
		}
		w.b = append(w.b, s[i:j]...)
		if i = j; i == len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			switch c {
			case '&':
				w.b = append(w.b, "&amp;"...)
			case '<':
				w.b = append(w.b, "&lt;"...)
			case '>':
				w.b = append(w.b, "&gt;"...)
			case '"':
				w.b = append(w.b, "&quot;"...)
			case '\t':
				w.b = append(w.b, "&#x9;"...)
			case '\n':
				w.b = append(w.b, "&#xA;"...)
			case '\r':
				w.b = append(w.b, "&#xD;"...)
			default:
				if c < ' ' {
					w.fail(field, "control character not allowed in XML")
				}
				w.b = append(w.b, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n == 1) || !isXMLChar(r) {
			w.fail(field, "invalid UTF-8 or a character not allowed in XML")
		}
		w.b = append(w.b, s[i:i+n]...)
		i += n
	}
}
