package pap

import (
	"bytes"
	"encoding/base64"
	"errors"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

const controlDoc = `<?xml version="1.0"?>
<pap><push-message push-id="e1@pi">` + goodAddr + `</push-message></pap>`

// envelope joins parts (each its headers, a blank line and its body) with
// the boundary "b1", CRLF line ends.
func envelope(parts ...string) string {
	var s strings.Builder
	for _, p := range parts {
		s.WriteString("--b1\r\n" + p + "\r\n")
	}
	s.WriteString("--b1--\r\n")
	return s.String()
}

const relatedB1 = `multipart/related; boundary="b1"; type="application/xml"`

func TestReadRequestEnvelopes(t *testing.T) {
	si := "<si><indication href=\"http://x/\">hi</indication></si>"
	cases := []struct {
		name        string
		contentType string
		body        string
		content     string // the content body wanted; "" for none
		contentHdr  map[string]string
		caps        string
	}{
		{"CRLF", relatedB1, envelope("Content-Type: application/xml\r\n\r\n"+controlDoc, "Content-Type: text/vnd.wap.si\r\n\r\n"+si),
			si, map[string]string{"Content-Type": "text/vnd.wap.si"}, ""},
		{"bare LF, preamble and epilogue, no type parameter", "multipart/related; boundary=b1",
			"preamble\n\n--b1\nContent-Type: application/xml\n\n" + controlDoc + "\n--b1\ncontent-type: text/vnd.wap.si\n\n" + si + "\n--b1--\nepilogue",
			si, map[string]string{"Content-Type": "text/vnd.wap.si"}, ""},
		{"padding after the delimiter, folded header, upper-case type", "Multipart/Related; BOUNDARY=b1",
			"--b1  \r\nContent-Type: application/xml;\r\n charset=UTF-8\r\n\r\n" + controlDoc + "\r\n--b1\t\r\nX-WAP-Application-ID: x-wap-application:wml.ua\r\nContent-Type: text/vnd.wap.si; charset=\"utf-8\"\r\n\r\n" + si + "\r\n--b1--",
			si, map[string]string{"X-Wap-Application-Id": "x-wap-application:wml.ua", "Content-Type": `text/vnd.wap.si; charset="utf-8"`}, ""},
		{"a line that starts with the boundary is content", relatedB1,
			envelope("Content-Type: application/xml\r\n\r\n"+controlDoc, "Content-Type: text/plain\r\n\r\n--b1x\r\n--b1 y"),
			"--b1x\r\n--b1 y", map[string]string{"Content-Type": "text/plain"}, ""},
		{"base64 content", relatedB1,
			envelope("Content-Type: application/xml\r\n\r\n"+controlDoc, "Content-Type: application/vnd.wap.sic\r\nContent-Transfer-Encoding: BASE64\r\n\r\n"+
				base64.StdEncoding.EncodeToString([]byte("\x02\x05\x6a\x00\x45\xc6\x01"))[:4]+"\r\n"+base64.StdEncoding.EncodeToString([]byte("\x02\x05\x6a\x00\x45\xc6\x01"))[4:]),
			"\x02\x05\x6a\x00\x45\xc6\x01", map[string]string{"Content-Type": "application/vnd.wap.sic"}, ""},
		{"binary content", relatedB1,
			envelope("Content-Type: application/xml\r\n\r\n"+controlDoc, "Content-Type: application/vnd.wap.mms-message\r\nContent-Transfer-Encoding: binary\r\n\r\n\x8c\x82\r\n\x00--b"),
			"\x8c\x82\r\n\x00--b", map[string]string{"Content-Type": "application/vnd.wap.mms-message"}, ""},
		{"quoted-printable content", relatedB1,
			envelope("Content-Type: application/xml\r\n\r\n"+controlDoc, "Content-Type: text/vnd.wap.sl\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<sl href=3D\"x\"/>"),
			`<sl href="x"/>`, map[string]string{"Content-Type": "text/vnd.wap.sl"}, ""},
		{"empty content", relatedB1, envelope("Content-Type: application/xml\r\n\r\n"+controlDoc, "Content-Type: text/vnd.wap.si\r\n\r\n"),
			"", map[string]string{"Content-Type": "text/vnd.wap.si"}, ""},
		{"capabilities", relatedB1,
			envelope("Content-Type: application/xml\r\n\r\n"+controlDoc, "Content-Type: text/vnd.wap.si\r\n\r\n"+si, "Content-Type: application/xml\r\n\r\n<rdf:RDF/>"),
			si, map[string]string{"Content-Type": "text/vnd.wap.si"}, "<rdf:RDF/>"},
		{"control without Content-Type", relatedB1, envelope("\r\n"+controlDoc, "Content-Type: text/vnd.wap.si\r\n\r\n"+si),
			si, map[string]string{"Content-Type": "text/vnd.wap.si"}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := ReadRequest(c.contentType, strings.NewReader(c.body), 0)
			if err != nil {
				t.Fatal(err)
			}
			if m, ok := r.Message.(*PushMessage); !ok || m.PushID != "e1@pi" {
				t.Fatalf("message %#v", r.Message)
			}
			if string(r.Control.Body) != controlDoc {
				t.Errorf("control body %q", r.Control.Body)
			}
			if string(r.Content.Body) != c.content {
				t.Errorf("content body %q, want %q", r.Content.Body, c.content)
			}
			if len(r.Content.Header) != len(c.contentHdr) {
				t.Errorf("content headers %v, want %v", r.Content.Header, c.contentHdr)
			}
			for k, v := range c.contentHdr {
				if got := r.Content.Header.Get(k); got != v {
					t.Errorf("content header %s = %q, want %q", k, got, v)
				}
			}
			if c.caps == "" && r.Capabilities != nil || c.caps != "" && (r.Capabilities == nil || string(r.Capabilities.Body) != c.caps) {
				t.Errorf("capabilities %+v, want %q", r.Capabilities, c.caps)
			}
		})
	}
}

func TestReadRequestSingleEntity(t *testing.T) {
	doc := xmlDecl + `<pap><statusquery-message push-id="s1"/></pap>`
	for _, ct := range []string{"application/xml", "text/xml; charset=utf-8", `Application/XML; charset="UTF-8"`, ""} {
		r, err := ReadRequest(ct, strings.NewReader(doc), 0)
		if err != nil {
			t.Errorf("%q: %v", ct, err)
			continue
		}
		if m, ok := r.Message.(*StatusQueryMessage); !ok || m.PushID != "s1" || r.Content != nil || r.Capabilities != nil {
			t.Errorf("%q: %+v", ct, r)
		}
	}
}

func TestReadRequestFaults(t *testing.T) {
	si := "Content-Type: text/vnd.wap.si\r\n\r\n<si/>"
	ctl := "Content-Type: application/xml\r\n\r\n" + controlDoc
	cases := []struct {
		name        string
		contentType string
		body        string
		limit       int64
		id          string // the push-id the fault reports, if it is known
		reason      string // a substring of the reason
	}{
		{"no boundary", "multipart/related", envelope(ctl, si), 0, "", "boundary"},
		{"wrong boundary", "multipart/related; boundary=b2", envelope(ctl, si), 0, "", "delimiter"},
		{"no close delimiter", relatedB1, strings.TrimSuffix(envelope(ctl, si), "--b1--\r\n"), 0, "", "close delimiter"},
		{"cut short", relatedB1, envelope(ctl, si)[:60], 0, "", "close delimiter"},
		{"no entities", relatedB1, "--b1--\r\n", 0, "", "no entities"},
		{"garbage", relatedB1, "\x00\x01\x02garbage", 0, "", "delimiter"},
		{"unsupported type", "text/plain", controlDoc, 0, "", "text/plain"},
		{"malformed type", "multipart/related; boundary=", envelope(ctl, si), 0, "", "Content-Type"},
		{"no type, not XML", "", "hello", 0, "", "Content-Type"},
		{"missing content entity", relatedB1, envelope(ctl), 0, "e1@pi", "content entity"},
		{"single push-message", "application/xml", controlDoc, 0, "e1@pi", "content entity"},
		{"two content entities", relatedB1, envelope(ctl, si, si), 0, "e1@pi", "second content entity"},
		{"four entities", relatedB1, envelope(ctl, si, "Content-Type: application/xml\r\n\r\n<x/>", si), 0, "e1@pi", "does not take"},
		{"content with a cancel", relatedB1, envelope("Content-Type: application/xml\r\n\r\n"+xmlDecl+`<pap><cancel-message push-id="c1"/></pap>`, si), 0, "c1", "does not take"},
		{"control not XML", relatedB1, envelope(si, ctl), 0, "", "control entity"},
		{"header without colon", relatedB1, envelope(ctl, "Content-Type text/vnd.wap.si\r\n\r\n<si/>"), 0, "", "header"},
		{"two content types", relatedB1, envelope(ctl, "Content-Type: text/vnd.wap.si\r\ncontent-type: text/vnd.wap.sl\r\n\r\n<si/>"), 0, "", "two Content-Type"},
		{"headers not ended", relatedB1, envelope(ctl, "Content-Type: text/vnd.wap.si"), 0, "", "empty line"},
		{"bad base64", relatedB1, envelope(ctl, "Content-Type: application/vnd.wap.sic\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!!"), 0, "", "base64"},
		{"unknown transfer encoding", relatedB1, envelope(ctl, "Content-Type: application/vnd.wap.sic\r\nContent-Transfer-Encoding: x-gzip\r\n\r\nxx"), 0, "", "x-gzip"},
		{"oversize", relatedB1, envelope(ctl, si), 100, "", "larger"},
		{"bad control document", relatedB1, envelope("Content-Type: application/xml\r\n\r\n<pap><push-message/></pap>", si), 0, "", "push-id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := ReadRequest(c.contentType, strings.NewReader(c.body), c.limit)
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("got %+v, %v; want an *Error", r, err)
			}
			if pe.Code != CodeBadRequest || pe.ID != c.id || !strings.Contains(pe.Error(), c.reason) {
				t.Errorf("got code %d id %q (%v); want 2000, %q, %q", pe.Code, pe.ID, err, c.id, c.reason)
			}
			if pe.Offset < 0 || pe.Offset > int64(len(c.body)) {
				t.Errorf("offset %d outside the body", pe.Offset)
			}
			if errors.Is(err, ErrTooLarge) != (c.name == "oversize") {
				t.Errorf("errors.Is(ErrTooLarge) wrong for %v", err)
			}
		})
	}
}

// TestReadRequestOffsets checks that a fault in the control document is
// reported at its offset in the whole body.
func TestReadRequestOffsets(t *testing.T) {
	body := envelope("Content-Type: application/xml\r\n\r\n"+push(`push-id="o1"`, `<address address-value="WAPPUSH=1/TYPE=PLMN"/>`), "Content-Type: text/vnd.wap.si\r\n\r\n<si/>")
	_, err := ReadRequest(relatedB1, strings.NewReader(body), 0)
	var pe *Error
	if !errors.As(err, &pe) || pe.Code != CodeAddressError || pe.ID != "o1" {
		t.Fatalf("got %v", err)
	}
	if !strings.HasPrefix(body[pe.Offset:], "<address ") {
		t.Errorf("offset %d points at %q", pe.Offset, body[pe.Offset:min(int(pe.Offset)+20, len(body))])
	}
}

func TestReadRequestReadError(t *testing.T) {
	boom := errors.New("boom")
	_, err := ReadRequest("application/xml", iotest.ErrReader(boom), 0)
	if !errors.Is(err, boom) {
		t.Errorf("got %v, want the read error", err)
	}
}

// TestWriteRequest builds envelopes and reads them back.
func TestWriteRequest(t *testing.T) {
	m := &PushMessage{Header: Header{Version: PAP10}, PushID: "w1@pi", Addresses: []Address{papAddress}}
	content := NewEntity("application/vnd.wap.sic", []byte("\x02\x05\x6a\x00\r\n--\x01"))
	content.Header.Set("X-Wap-Application-Id", "x-wap-application:wml.ua")
	caps := NewEntity("application/xml", []byte("<rdf:RDF/>"))
	for _, withCaps := range []bool{false, true} {
		var c *Entity
		if withCaps {
			c = caps
		}
		ct, body, err := WriteRequest(m, content, c)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(ct, "multipart/related; boundary=") || !strings.HasSuffix(ct, `; type="application/xml"`) {
			t.Errorf("Content-Type %q", ct)
		}
		r, err := ReadRequest(ct, bytes.NewReader(body), 0)
		if err != nil {
			t.Fatalf("%v\n%s", err, body)
		}
		if !reflect.DeepEqual(r.Message, Message(m)) {
			t.Errorf("message %#v", r.Message)
		}
		if !reflect.DeepEqual(r.Content, content) {
			t.Errorf("content %#v, want %#v", r.Content, content)
		}
		if withCaps != (r.Capabilities != nil) || withCaps && !reflect.DeepEqual(r.Capabilities, caps) {
			t.Errorf("capabilities %#v", r.Capabilities)
		}
	}

	ct, body, err := WriteRequest(&CancelMessage{PushID: "c1"}, nil, nil)
	if err != nil || ct != "application/xml" || !bytes.HasPrefix(body, []byte("<?xml")) {
		t.Errorf("cancel: %q %q %v", ct, body, err)
	}
	bad := []struct {
		name    string
		m       Message
		content *Entity
	}{
		{"push without content", m, nil},
		{"content without type", m, &Entity{Header: map[string][]string{}, Body: []byte("x")}},
		{"header injection", m, &Entity{Header: map[string][]string{"Content-Type": {"text/plain\r\nX-Evil: 1"}}}},
		{"two content types", m, &Entity{Header: map[string][]string{"Content-Type": {"text/plain", "text/html"}}}},
		{"bad header name", m, &Entity{Header: map[string][]string{"Content-Type": {"text/plain"}, "X Evil": {"1"}}}},
		{"invalid message", &PushMessage{}, content},
	}
	for _, c := range bad {
		if _, _, err := WriteRequest(c.m, c.content, nil); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
}

// TestWriteRequestBoundary checks that the boundary never occurs in a body.
func TestWriteRequestBoundary(t *testing.T) {
	m := &PushMessage{PushID: "w1@pi", Addresses: []Address{papAddress}}
	for range 20 {
		ct, body, err := WriteRequest(m, NewEntity("text/plain", []byte("x")), nil)
		if err != nil {
			t.Fatal(err)
		}
		_, boundary, _ := strings.Cut(ct, "boundary=")
		boundary, _, _ = strings.Cut(boundary, ";")
		if n := strings.Count(string(body), "--"+boundary); n != 3 {
			t.Fatalf("boundary %q occurs %d times", boundary, n)
		}
	}
}
