package wbxml_test

import (
	"reflect"
	"testing"

	"github.com/txpush/txpush/internal/testvec"
	"github.com/txpush/txpush/wap/co"
	"github.com/txpush/txpush/wap/si"
	"github.com/txpush/txpush/wap/sl"
	"github.com/txpush/txpush/wap/wbxml"
)

var tables = []*wbxml.TokenTable{si.Table, sl.Table, co.Table}

func addSeeds(f *testing.F, suffix string) {
	for _, name := range testvec.Glob(f, "v0[1-5]-*/*"+suffix) {
		f.Add(testvec.Read(f, name))
	}
}

func tableFor(id uint32) *wbxml.TokenTable {
	for _, t := range tables {
		if t.PublicID == id {
			return t
		}
	}
	return nil
}

// FuzzDecode checks that no input makes Decode panic, and that a decoded
// document encodes (when its table knows every name) and decodes again to
// the same tree.
func FuzzDecode(f *testing.F) {
	addSeeds(f, ".wbxml")
	f.Fuzz(func(t *testing.T, b []byte) {
		doc, err := wbxml.Decode(b, tables...)
		if err != nil {
			return
		}
		table := tableFor(doc.PublicID)
		if table == nil {
			return
		}
		enc, err := wbxml.Encode(doc, table)
		if err != nil {
			return // a LITERAL name the table has no token for
		}
		again, err := wbxml.Decode(enc, tables...)
		if err != nil {
			t.Fatalf("our own % X does not decode: %v", enc, err)
		}
		if !reflect.DeepEqual(normal(again), normal(doc)) {
			t.Fatalf("decode→encode→decode changed\n%s\ninto\n%s", doc.AppendXML(nil), again.AppendXML(nil))
		}
	})
}

// normal drops what a re-encoding legitimately changes: empty text and
// OPAQUE parts that encode to nothing, and the version-independent header.
func normal(d *wbxml.Document) *wbxml.Document {
	c := *d
	c.Root = normalElement(d.Root)
	return &c
}

func normalElement(e *wbxml.Element) *wbxml.Element {
	c := &wbxml.Element{Name: e.Name}
	for _, a := range e.Attrs {
		if len(a.Opaque) == 0 {
			a.Opaque = nil
		}
		c.Attrs = append(c.Attrs, a)
	}
	for _, n := range e.Content {
		switch n := n.(type) {
		case *wbxml.Element:
			c.Content = append(c.Content, normalElement(n))
		case wbxml.Text:
			if n != "" {
				c.Content = append(c.Content, n)
			}
		default:
			c.Content = append(c.Content, n)
		}
	}
	return c
}

// FuzzParseXML checks that no input makes ParseXML panic, and that what
// AppendXML writes of a parsed document parses to the same tree.
func FuzzParseXML(f *testing.F) {
	addSeeds(f, ".xml")
	f.Fuzz(func(t *testing.T, b []byte) {
		doc, err := wbxml.ParseXML(b)
		if err != nil {
			return
		}
		x := doc.AppendXML(nil)
		again, err := wbxml.ParseXML(x)
		if err != nil {
			t.Fatalf("our own XML does not parse: %v\n%s", err, x)
		}
		if !reflect.DeepEqual(again, doc) {
			t.Fatalf("parse→write→parse changed\n%s\ninto\n%s", x, again.AppendXML(nil))
		}
	})
}
