package si

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/txpush/txpush/internal/testvec"
	"github.com/txpush/txpush/wap/wbxml/wbxmltest"
)

// Cross-checks with libwbxml (xml2wbxml, wbxml2xml), an independent
// implementation.

// TestCrossCheckLibwbxmlDecodesOurWBXML has wbxml2xml decode what we
// compile, and compares the XML it writes with the source, as SI values.
func TestCrossCheckLibwbxmlDecodesOurWBXML(t *testing.T) {
	wbxmltest.RequireTools(t)
	r := rand.New(rand.NewPCG(3, 4))
	var sources []*SI
	for _, v := range siVectors {
		s, err := Parse(testvec.Read(t, v+"/si.xml"))
		if err != nil {
			t.Fatal(err)
		}
		sources = append(sources, s)
	}
	for range 12 {
		sources = append(sources, randomSI(r))
	}
	for i, s := range sources {
		b, err := s.MarshalWBXML()
		if err != nil {
			t.Fatal(err)
		}
		x := wbxmltest.WBXML2XML(t, b)
		got, err := Parse(x)
		if err != nil {
			t.Fatalf("%d: wbxml2xml wrote %s, which does not parse: %v", i, x, err)
		}
		if !sameSI(got, s) {
			t.Errorf("%d: wbxml2xml reads our WBXML as %+v, want %+v\n%s", i, got, s, x)
		}
	}
}

// TestCrossCheckWeDecodeXML2WBXML has xml2wbxml compile SIs that we write
// as XML; we must decode its output to the same SI, and our own compiler
// must produce its bytes exactly.
func TestCrossCheckWeDecodeXML2WBXML(t *testing.T) {
	wbxmltest.RequireTools(t)
	r := rand.New(rand.NewPCG(5, 6))
	for i := range 12 {
		s := randomSI(r)
		x, err := s.XML()
		if err != nil {
			t.Fatal(err)
		}
		theirs := wbxmltest.XML2WBXML(t, x)
		got, err := DecodeWBXML(theirs)
		if err != nil {
			t.Fatalf("%d: decoding xml2wbxml's % X: %v\nsource %s", i, theirs, err, x)
		}
		if !sameSI(got, s) {
			t.Errorf("%d: xml2wbxml's WBXML decodes to %+v, want %+v", i, got, s)
		}
		ours, err := s.MarshalWBXML()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(ours, theirs) {
			t.Errorf("%d: our WBXML differs from xml2wbxml's:\n ours   % X\n theirs % X\nsource %s", i, ours, theirs, x)
		}
	}
}
