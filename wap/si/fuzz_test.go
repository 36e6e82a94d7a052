package si

import (
	"bytes"
	"testing"

	"github.com/txpush/txpush/internal/testvec"
)

func addVectorSeeds(f *testing.F, names ...string) {
	for _, v := range siVectors {
		for _, name := range names {
			f.Add(testvec.Read(f, v+"/"+name))
		}
	}
}

// FuzzDecodeWBXML checks that no input makes DecodeWBXML panic, and that a
// decoded SI compiles and decodes again to the same SI and the same bytes.
func FuzzDecodeWBXML(f *testing.F) {
	addVectorSeeds(f, "si.xml2wbxml.wbxml", "si.kannel.wbxml")
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := DecodeWBXML(b)
		if err != nil {
			return
		}
		enc, err := s.MarshalWBXML()
		if err != nil {
			t.Fatalf("decoded %+v does not compile: %v", s, err)
		}
		again, err := DecodeWBXML(enc)
		if err != nil {
			t.Fatalf("our own % X does not decode: %v", enc, err)
		}
		if !sameSI(again, s) || again.order != s.order {
			t.Fatalf("decode→encode→decode changed %+v into %+v", s, again)
		}
		if enc2, _ := again.MarshalWBXML(); !bytes.Equal(enc2, enc) {
			t.Fatalf("encoding is not stable:\n% X\n% X", enc, enc2)
		}
	})
}

// FuzzParse checks that no input makes Parse panic, and that a parsed SI
// survives XML and WBXML round trips.
func FuzzParse(f *testing.F) {
	addVectorSeeds(f, "si.xml", "si.roundtrip.xml")
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Parse(b)
		if err != nil {
			return
		}
		x, err := s.XML()
		if err != nil {
			t.Fatalf("parsed %+v does not write as XML: %v", s, err)
		}
		again, err := Parse(x)
		if err != nil {
			t.Fatalf("our own XML does not parse: %v\n%s", err, x)
		}
		if !sameSI(again, s) || again.order != s.order {
			t.Fatalf("parse→XML→parse changed %+v into %+v", s, again)
		}
		enc, err := s.MarshalWBXML()
		if err != nil {
			t.Fatalf("parsed %+v does not compile: %v", s, err)
		}
		dec, err := DecodeWBXML(enc)
		if err != nil || !sameSI(dec, s) {
			t.Fatalf("WBXML round trip of %+v gave %+v, %v", s, dec, err)
		}
	})
}
