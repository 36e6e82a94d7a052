package co

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/txpush/txpush/wap/wbxml"
	"github.com/txpush/txpush/wap/wbxml/wbxmltest"
)

// sample has no golden vector; its bytes were produced with
// `xml2wbxml -n -v 1.2` (libwbxml 0.11.8), which TestCrossCheckLibwbxml
// repeats at test time.
var sample = []byte(`<?xml version="1.0"?>
<!DOCTYPE co PUBLIC "-//WAPFORUM//DTD CO 1.0//EN" "http://www.wapforum.org/DTD/co_1.0.dtd">
<co>
  <invalidate-object uri="http://www.example.com/a"/>
  <invalidate-service uri="https://www.example.org/"/>
  <invalidate-object uri="https://x.edu/y.net/"/>
</co>
`)

var sampleWBXML = []byte{
	0x02, 0x07, 0x6A, 0x00, 0x45,
	0x86, 0x07, 0x03, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0x00, 0x85, 0x03, 'a', 0x00, 0x01,
	0x87, 0x09, 0x03, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0x00, 0x88, 0x01,
	0x86, 0x08, 0x03, 'x', 0x00, 0x86, 0x03, 'y', 0x00, 0x87, 0x01,
	0x01,
}

func TestSample(t *testing.T) {
	c, err := Parse(sample)
	if err != nil {
		t.Fatal(err)
	}
	want := &CO{Invalidations: []Invalidation{
		{Object, "http://www.example.com/a"},
		{Service, "https://www.example.org/"},
		{Object, "https://x.edu/y.net/"},
	}}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("Parse: got %+v", c)
	}
	got, err := c.MarshalWBXML()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, sampleWBXML) {
		t.Errorf("MarshalWBXML:\n got % X\nwant % X", got, sampleWBXML)
	}
	back, err := DecodeWBXML(sampleWBXML)
	if err != nil || !reflect.DeepEqual(back, want) {
		t.Errorf("DecodeWBXML: got %+v, %v", back, err)
	}
}

func TestParseRejectsInvalidDocuments(t *testing.T) {
	tests := []struct {
		name, xml, element, attr, reason string
	}{
		{"no uri", `<co><invalidate-object/></co>`, "invalidate-object", "uri", "required attribute missing"},
		{"empty", `<co></co>`, "co", "", "at least one"},
		{"unknown element", `<co><invalidate-all uri="x"/></co>`, "invalidate-all", "", "not allowed"},
		{"unknown attribute", `<co><invalidate-service uri="x" href="y"/></co>`, "invalidate-service", "href", "not declared"},
		{"content", `<co><invalidate-object uri="x">t</invalidate-object></co>`, "invalidate-object", "", "empty element"},
		{"text", `<co>t<invalidate-object uri="x"/></co>`, "co", "", "text"},
		{"wrong root", `<sl href="x"/>`, "sl", "", "root element must be <co>"},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.xml))
		var ve *wbxml.ValidityError
		if !errors.As(err, &ve) || ve.Element != tt.element || ve.Attr != tt.attr || !strings.Contains(ve.Reason, tt.reason) {
			t.Errorf("%s: got %v, want element %q attribute %q and %q", tt.name, err, tt.element, tt.attr, tt.reason)
		}
	}
}

func TestDecodeWBXMLEveryTruncation(t *testing.T) {
	for n := range len(sampleWBXML) {
		var de *wbxml.DecodeError
		if _, err := DecodeWBXML(sampleWBXML[:n]); !errors.As(err, &de) {
			t.Errorf("%d octets: got %v", n, err)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, c := range []CO{{}, {Invalidations: []Invalidation{{Object, ""}}}, {Invalidations: []Invalidation{{Target(7), "x"}}}} {
		if _, err := c.MarshalWBXML(); err == nil {
			t.Errorf("MarshalWBXML accepted %+v", c)
		}
	}
}

func randomCO(r *rand.Rand) *CO {
	schemes := []string{"http://", "http://www.", "https://", "https://www.", ""}
	tlds := []string{".com/", ".org/", ".net/", ".edu/", ".fi", "/"}
	c := &CO{}
	for range 1 + r.IntN(4) {
		uri := schemes[r.IntN(len(schemes))]
		for range 1 + r.IntN(3) {
			uri += []string{"a", "news", "é", "&", "x_y"}[r.IntN(5)] + tlds[r.IntN(len(tlds))]
		}
		c.Invalidations = append(c.Invalidations, Invalidation{Target(r.IntN(2)), uri})
	}
	return c
}

func TestRoundTripRandomCOs(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for range 1000 {
		c := randomCO(r)
		b, err := c.MarshalWBXML()
		if err != nil {
			t.Fatal(err)
		}
		if got, err := DecodeWBXML(b); err != nil || !reflect.DeepEqual(got, c) {
			t.Fatalf("WBXML round trip of %+v: got %+v, %v", c, got, err)
		}
		x, _ := c.XML()
		if got, err := Parse(x); err != nil || !reflect.DeepEqual(got, c) {
			t.Fatalf("XML round trip of %+v: got %+v, %v", c, got, err)
		}
	}
}

// TestCrossCheckLibwbxml: wbxml2xml reads what we compile; xml2wbxml's
// output decodes to the same CO and equals ours byte for byte.
func TestCrossCheckLibwbxml(t *testing.T) {
	wbxmltest.RequireTools(t)
	if theirs := wbxmltest.XML2WBXML(t, sample); !bytes.Equal(theirs, sampleWBXML) {
		t.Errorf("xml2wbxml compiles the sample to % X, want % X", theirs, sampleWBXML)
	}
	r := rand.New(rand.NewPCG(13, 14))
	for i := range 8 {
		c := randomCO(r)
		ours, err := c.MarshalWBXML()
		if err != nil {
			t.Fatal(err)
		}
		x := wbxmltest.WBXML2XML(t, ours)
		if got, err := Parse(x); err != nil || !reflect.DeepEqual(got, c) {
			t.Errorf("%d: wbxml2xml reads our WBXML as %s (%+v, %v)", i, x, got, err)
		}
		src, _ := c.XML()
		theirs := wbxmltest.XML2WBXML(t, src)
		if got, err := DecodeWBXML(theirs); err != nil || !reflect.DeepEqual(got, c) {
			t.Errorf("%d: xml2wbxml's % X decodes to %+v, %v", i, theirs, got, err)
		}
		if !bytes.Equal(ours, theirs) {
			t.Errorf("%d: ours % X\ntheirs % X", i, ours, theirs)
		}
	}
}

// FuzzDecodeWBXML checks that no input makes DecodeWBXML panic and that
// decode→encode→decode is stable.
func FuzzDecodeWBXML(f *testing.F) {
	f.Add(sampleWBXML)
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := DecodeWBXML(b)
		if err != nil {
			return
		}
		enc, err := c.MarshalWBXML()
		if err != nil {
			t.Fatalf("decoded %+v does not compile: %v", c, err)
		}
		if again, err := DecodeWBXML(enc); err != nil || !reflect.DeepEqual(again, c) {
			t.Fatalf("decode→encode→decode: %+v became %+v, %v", c, again, err)
		}
	})
}

// FuzzParse checks that no input makes Parse panic and that a parsed CO
// survives the XML round trip.
func FuzzParse(f *testing.F) {
	f.Add(sample)
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Parse(b)
		if err != nil {
			return
		}
		x, err := c.XML()
		if err != nil {
			t.Fatal(err)
		}
		if again, err := Parse(x); err != nil || !reflect.DeepEqual(again, c) {
			t.Fatalf("parse→XML→parse: %+v became %+v, %v", c, again, err)
		}
	})
}
