package content

import (
	"bytes"
	"errors"
	"testing"

	"github.com/txpush/txpush/wap/co"
	"github.com/txpush/txpush/wap/si"
	"github.com/txpush/txpush/wap/sl"
	"github.com/txpush/txpush/wap/wsp"
)

// FuzzCompile feeds Compile arbitrary content types, application ids and
// bodies, seeded with the golden vectors. Compile must not panic, must
// report faults as a *CompileError, and what it accepts must marshal; the
// push must decode and encode to the same octets, and a compiled document
// must decode and compile to the same WBXML.
func FuzzCompile(f *testing.F) {
	seeds := []struct{ typ, appID, dir, file string }{
		{"text/vnd.wap.si", "", "v01-si-dates", "si.xml"},
		{"text/vnd.wap.si; charset=utf-8", "x-wap-application:wml.ua", "v01-si-dates", "si.xml"},
		{"text/vnd.wap.si", "", "v02-si-kannel-sample", "si.xml"},
		{"text/vnd.wap.si", "", "v03-si-delete-info", "si.xml"},
		{"text/vnd.wap.si", "", "v11-udh-2seg-8bit", "si.xml"},
		{"text/vnd.wap.si", "", "v12-udh-3seg-16bit", "si.xml"},
		{"text/vnd.wap.sl", "", "v04-sl-cache-https-www", "sl.xml"},
		{"text/vnd.wap.sl", "", "v05-sl-kannel-sample", "sl.xml"},
		{"application/vnd.wap.sic", "", "v01-si-dates", "si.kannel.wbxml"},
		{"application/vnd.wap.sic", "", "v03-si-delete-info", "si.xml2wbxml.wbxml"},
		{"application/vnd.wap.slc", "", "v04-sl-cache-https-www", "sl.kannel.wbxml"},
		{"application/vnd.wap.slc", "", "v05-sl-kannel-sample", "sl.xml2wbxml.wbxml"},
		{"application/vnd.wap.mms-message", "", "v06-mms-notification-ind", "m-notification-ind.bin"},
		{"application/vnd.wap.mms-message", "4", "v06-mms-notification-ind", "m-notification-ind.bin"},
		{"application/octet-stream; x=\"y\"", "http://www.wiral.com:wml.ua", "v07-wsp-push-si", "push.bin"},
	}
	for _, s := range seeds {
		f.Add(s.typ, s.appID, readVector(f, s.dir, s.file))
	}
	f.Add("text/vnd.wap.co", "", []byte(`<co><invalidate-object uri="http://www.example.com/a"/></co>`))

	f.Fuzz(func(t *testing.T, typ, appID string, body []byte) {
		c := Content{Type: typ, Body: body}
		if appID != "" {
			c.Headers = []Header{{Name: "X-Wap-Application-Id", Value: appID}}
		}
		p, err := Compile(c, Options{TID: 1})
		if err != nil {
			var ce *CompileError
			if !errors.As(err, &ce) || ce.Error() == "" {
				t.Fatalf("error %T %v is not a *CompileError", err, err)
			}
			if ce.Offset > len(body) {
				t.Fatalf("offset %d beyond the %d-octet body: %v", ce.Offset, len(body), err)
			}
			return
		}
		b, err := p.Marshal()
		if err != nil {
			t.Fatalf("compiled push does not marshal: %v (%+v)", err, p)
		}
		q, err := wsp.Parse(b)
		if err != nil {
			t.Fatalf("compiled push does not parse: %v (% X)", err, b)
		}
		again, err := q.Marshal()
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("push not stable:\n first % X\nsecond % X (%v)", b, again, err)
		}
		mt, _ := parseMediaType(typ)
		var doc interface{ MarshalWBXML() ([]byte, error) }
		switch mt.value {
		case si.ContentType:
			doc, err = si.DecodeWBXML(p.Body)
		case sl.ContentType:
			doc, err = sl.DecodeWBXML(p.Body)
		case co.ContentType:
			doc, err = co.DecodeWBXML(p.Body)
		default:
			return
		}
		if err != nil {
			t.Fatalf("compiled %s does not decode: %v", mt.value, err)
		}
		recompiled, err := doc.MarshalWBXML()
		if err != nil {
			t.Fatalf("decoded %s does not compile: %v", mt.value, err)
		}
		if !bytes.Equal(recompiled, p.Body) {
			t.Fatalf("document not stable:\n first % X\nsecond % X", p.Body, recompiled)
		}
	})
}
