package handset

import (
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// EventKind says what an Event reports.
type EventKind string

// The kinds of event.
const (
	// EventSegment: a part of a concatenated message arrived and the
	// message is not complete yet.
	EventSegment EventKind = "segment"
	// EventPush: a WSP push arrived whole and was decoded.
	EventPush EventKind = "push"
	// EventText: a text message (an SMS without ports) arrived whole.
	EventText EventKind = "text"
	// EventTimeout: the reassembly timer ran out with parts missing; the
	// parts were discarded.
	EventTimeout EventKind = "timeout"
	// EventConflict: a part disagreed with the parts before it (two
	// messages share a reference); the message was discarded.
	EventConflict EventKind = "conflict"
	// EventEvicted: an incomplete message was discarded to keep within the
	// reassembly bounds.
	EventEvicted EventKind = "evicted"
	// EventFetch: a fetch of a pushed URL ended, successfully or not.
	EventFetch EventKind = "fetch"
	// EventError: an SMS or a datagram the handset could not understand.
	EventError EventKind = "error"
)

// Event is one thing that happened at a handset. Which fields are set
// depends on Kind; the others are zero.
type Event struct {
	Kind       EventKind
	At         time.Time // when, on the handset's clock
	MSISDN     string    // the handset
	Originator string    // who sent the SMS

	// Concatenation, for segment, push, text, timeout, conflict and
	// evicted events of concatenated messages: the reference, the parts
	// announced (Total), the part that arrived (Seq, segment events only)
	// and the parts received (Segments).
	Ref      uint16
	Total    int
	Seq      int
	Segments int
	// FirstSegment and LastSegment are when the first and the latest part
	// arrived; Reassembled is when the message became whole (push and text
	// events; the time of the last part).
	FirstSegment time.Time
	LastSegment  time.Time
	Reassembled  time.Time

	// The datagram's WDP ports, when the SMS had port addressing.
	SrcPort, DstPort uint16

	// ContentType is the push's media type, or the fetched body's.
	ContentType string
	// AppID is the push application the push is for, as a URN
	// ("x-wap-application:wml.ua") or as the header text.
	AppID string
	// Href is the URL a push points at: the href of an SI or SL, the
	// content location of an MMS notification.
	Href string
	// SIID, Text, Action, Created and Expires come from an SI; Action also
	// from an SL, Text also from a text message. Expired says that the SI
	// had expired when it arrived, so it was not fetched.
	SIID    string
	Text    string
	Action  string
	Created time.Time
	Expires time.Time
	Expired bool
	// TransactionID, Subject, From and MessageSize come from an MMS
	// notification.
	TransactionID string
	Subject       string
	From          string
	MessageSize   uint64
	// Invalidations come from a Cache Operation.
	Invalidations []Invalidation

	// Coding is the alphabet of a text message: "gsm7", "ucs2", "latin1"
	// or "8bit"; Data holds the octets of an 8-bit message.
	Coding string
	Data   []byte

	// URL, Status, Size and Duration describe a fetch: the URL fetched,
	// the HTTP status (0 when no response came), the body octets read and
	// the time it took, in real time.
	URL      string
	Status   int
	Size     int64
	Duration time.Duration

	// Err says what went wrong (error and fetch events), or what
	// disagreed (conflict events).
	Err string
}

// Invalidation is one operation of a Cache Operation push.
type Invalidation struct {
	Service bool   `json:"service,omitempty"` // every object under URI, not just URI
	URI     string `json:"uri"`
}

// timeLayout is RFC 3339 with milliseconds, as the JSON form writes times.
const timeLayout = "2006-01-02T15:04:05.000Z07:00"

// eventJSON is the JSON form of an Event: snake-case names, times in RFC
// 3339 with milliseconds, the duration in milliseconds, zero fields left
// out.
type eventJSON struct {
	Kind          EventKind      `json:"kind"`
	At            string         `json:"at,omitempty"`
	MSISDN        string         `json:"msisdn,omitempty"`
	Originator    string         `json:"originator,omitempty"`
	Ref           uint16         `json:"ref,omitempty"`
	Total         int            `json:"total,omitempty"`
	Seq           int            `json:"seq,omitempty"`
	Segments      int            `json:"segments,omitempty"`
	FirstSegment  string         `json:"first_segment,omitempty"`
	LastSegment   string         `json:"last_segment,omitempty"`
	Reassembled   string         `json:"reassembled,omitempty"`
	SrcPort       uint16         `json:"src_port,omitempty"`
	DstPort       uint16         `json:"dst_port,omitempty"`
	ContentType   string         `json:"content_type,omitempty"`
	AppID         string         `json:"app_id,omitempty"`
	Href          string         `json:"href,omitempty"`
	SIID          string         `json:"si_id,omitempty"`
	Text          string         `json:"text,omitempty"`
	Action        string         `json:"action,omitempty"`
	Created       string         `json:"created,omitempty"`
	Expires       string         `json:"expires,omitempty"`
	Expired       bool           `json:"expired,omitempty"`
	TransactionID string         `json:"transaction_id,omitempty"`
	Subject       string         `json:"subject,omitempty"`
	From          string         `json:"from,omitempty"`
	MessageSize   uint64         `json:"message_size,omitempty"`
	Invalidations []Invalidation `json:"invalidations,omitempty"`
	Coding        string         `json:"coding,omitempty"`
	Data          []byte         `json:"data,omitempty"`
	URL           string         `json:"url,omitempty"`
	Status        int            `json:"status,omitempty"`
	Size          int64          `json:"size,omitempty"`
	DurationMS    float64        `json:"duration_ms,omitempty"`
	Err           string         `json:"error,omitempty"`
}

// MarshalJSON writes the event as one JSON object with snake-case names
// ("kind", "at", "first_segment", "content_type", "duration_ms" ...), times
// in RFC 3339 with milliseconds, and zero fields left out. This is the form
// `txpush handset` prints, one event a line.
func (e Event) MarshalJSON() ([]byte, error) {
	j := eventJSON{
		Kind: e.Kind, At: formatTime(e.At), MSISDN: e.MSISDN, Originator: e.Originator,
		Ref: e.Ref, Total: e.Total, Seq: e.Seq, Segments: e.Segments,
		FirstSegment: formatTime(e.FirstSegment), LastSegment: formatTime(e.LastSegment),
		Reassembled: formatTime(e.Reassembled), SrcPort: e.SrcPort, DstPort: e.DstPort,
		ContentType: e.ContentType, AppID: e.AppID, Href: e.Href, SIID: e.SIID, Text: e.Text,
		Action: e.Action, Created: formatTime(e.Created), Expires: formatTime(e.Expires),
		Expired: e.Expired, TransactionID: e.TransactionID, Subject: e.Subject, From: e.From,
		MessageSize: e.MessageSize, Invalidations: e.Invalidations, Coding: e.Coding,
		Data: e.Data, URL: e.URL, Status: e.Status, Size: e.Size,
		DurationMS: float64(e.Duration.Microseconds()) / 1000, Err: e.Err,
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads the form MarshalJSON writes. Times come back to the
// millisecond and the duration to the microsecond.
func (e *Event) UnmarshalJSON(b []byte) error {
	var j eventJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	out := Event{
		Kind: j.Kind, MSISDN: j.MSISDN, Originator: j.Originator,
		Ref: j.Ref, Total: j.Total, Seq: j.Seq, Segments: j.Segments,
		SrcPort: j.SrcPort, DstPort: j.DstPort, ContentType: j.ContentType, AppID: j.AppID,
		Href: j.Href, SIID: j.SIID, Text: j.Text, Action: j.Action, Expired: j.Expired,
		TransactionID: j.TransactionID, Subject: j.Subject, From: j.From,
		MessageSize: j.MessageSize, Invalidations: j.Invalidations, Coding: j.Coding,
		Data: j.Data, URL: j.URL, Status: j.Status, Size: j.Size,
		Duration: time.Duration(math.Round(j.DurationMS*1000)) * time.Microsecond, Err: j.Err,
	}
	for _, f := range []struct {
		name string
		s    string
		t    *time.Time
	}{
		{"at", j.At, &out.At},
		{"first_segment", j.FirstSegment, &out.FirstSegment},
		{"last_segment", j.LastSegment, &out.LastSegment},
		{"reassembled", j.Reassembled, &out.Reassembled},
		{"created", j.Created, &out.Created},
		{"expires", j.Expires, &out.Expires},
	} {
		if f.s == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, f.s)
		if err != nil {
			return fmt.Errorf("handset: event field %s: %w", f.name, err)
		}
		*f.t = t
	}
	*e = out
	return nil
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(timeLayout)
}
