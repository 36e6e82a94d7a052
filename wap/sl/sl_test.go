package sl

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/txpush/txpush/internal/testvec"
	"github.com/txpush/txpush/wap/wbxml"
	"github.com/txpush/txpush/wap/wbxml/wbxmltest"
)

var slVectors = []string{"v04-sl-cache-https-www", "v05-sl-kannel-sample"}

// TestVectorsEncode checks which of the two tools' forms we produce, where
// they differ:
//   - v04 (D1): xml2wbxml's, because we pick the longest href prefix
//     (0C "https://www." + "example"), 4 octets shorter than Kannel's
//     0B "https://" + "www.example".
//   - v05 (D2): Kannel's, because an empty element needs no content flag:
//     85 ... 01 is one octet shorter than xml2wbxml's C5 ... 01 01.
func TestVectorsEncode(t *testing.T) {
	for v, form := range map[string]string{
		"v04-sl-cache-https-www": "sl.xml2wbxml.wbxml",
		"v05-sl-kannel-sample":   "sl.kannel.wbxml",
	} {
		s, err := Parse(testvec.Read(t, v+"/sl.xml"))
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.MarshalWBXML()
		if err != nil {
			t.Fatal(err)
		}
		if want := testvec.Read(t, v+"/"+form); !bytes.Equal(got, want) {
			t.Errorf("%s: got % X\nwant % X (%s)", v, got, want, form)
		}
	}
}

func TestVectorsDecodeEveryFormToTheSameSL(t *testing.T) {
	for _, v := range slVectors {
		want, err := Parse(testvec.Read(t, v+"/sl.xml"))
		if err != nil {
			t.Fatal(err)
		}
		for _, form := range []string{"sl.xml2wbxml.wbxml", "sl.kannel.wbxml", "sl.roundtrip.xml"} {
			var got *SL
			if strings.HasSuffix(form, ".xml") {
				got, err = Parse(testvec.Read(t, v+"/"+form))
			} else {
				got, err = DecodeWBXML(testvec.Read(t, v+"/"+form))
			}
			if err != nil {
				t.Fatalf("%s %s: %v", v, form, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s %s: got %+v, want %+v", v, form, got, want)
			}
		}
	}
	s, _ := Parse(testvec.Read(t, "v04-sl-cache-https-www/sl.xml"))
	if s.Href != "https://www.example.org/app/update.wmlc" || s.Action != Cache {
		t.Errorf("v04: got %+v", s)
	}
}

// TestVectorV08CarriesOurSL checks the tshark-checked WSP push of v08.
func TestVectorV08CarriesOurSL(t *testing.T) {
	push := testvec.Read(t, "v08-wsp-push-sl/push.bin")
	s, err := Parse(testvec.Read(t, "v04-sl-cache-https-www/sl.xml"))
	if err != nil {
		t.Fatal(err)
	}
	body, err := s.MarshalWBXML()
	if err != nil {
		t.Fatal(err)
	}
	if push[3] != 0x80|ContentTypeWBXMLCode || !bytes.Equal(push[4:], body) {
		t.Errorf("push % X\nwant content type 0x%02X and body % X", push, 0x80|ContentTypeWBXMLCode, body)
	}
}

func TestParseRejectsInvalidDocuments(t *testing.T) {
	tests := []struct {
		name, xml, attr, reason string
	}{
		{"no href", `<sl action="cache"/>`, "href", "required attribute missing"},
		{"wrong action", `<sl href="http://a" action="execute"/>`, "action", `"execute" is not one of`},
		{"unknown attribute", `<sl href="http://a" si-id="1"/>`, "si-id", "not declared"},
		{"content", `<sl href="http://a">text</sl>`, "", "empty element"},
		{"child", `<sl href="http://a"><sl href="http://b"/></sl>`, "", "empty element"},
		{"wrong root", `<si><indication/></si>`, "", "root element must be <sl>"},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.xml))
		var ve *wbxml.ValidityError
		if !errors.As(err, &ve) || ve.Attr != tt.attr || !strings.Contains(ve.Reason, tt.reason) {
			t.Errorf("%s: got %v, want attribute %q and %q", tt.name, err, tt.attr, tt.reason)
		}
	}
}

func TestDecodeWBXMLEveryTruncation(t *testing.T) {
	for _, v := range slVectors {
		for _, form := range []string{"sl.xml2wbxml.wbxml", "sl.kannel.wbxml"} {
			b := testvec.Read(t, v+"/"+form)
			for n := range len(b) {
				var de *wbxml.DecodeError
				if _, err := DecodeWBXML(b[:n]); !errors.As(err, &de) {
					t.Errorf("%s %s, %d octets: got %v", v, form, n, err)
				}
			}
		}
	}
}

func TestAttributeOrderOfTheSourceIsKept(t *testing.T) {
	s, err := Parse([]byte(`<sl action="cache" href="http://www.x.com"/>`))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := s.MarshalWBXML()
	want := []byte{0x02, 0x06, 0x6A, 0x00, 0x85, 0x07, 0x0A, 0x03, 'x', '.', 'c', 'o', 'm', 0, 0x01}
	if !bytes.Equal(got, want) {
		t.Errorf("got % X\nwant % X", got, want)
	}
}

func TestValidate(t *testing.T) {
	for _, s := range []SL{{}, {Href: "http://a", Action: "run"}, {Href: "\xff"}} {
		if _, err := s.MarshalWBXML(); err == nil {
			t.Errorf("MarshalWBXML accepted %+v", s)
		}
		if _, err := s.XML(); err == nil {
			t.Errorf("XML accepted %+v", s)
		}
	}
	if (&SL{Href: "h"}).ActionOrDefault() != ExecuteLow {
		t.Error("default action is not execute-low")
	}
}

func randomSL(r *rand.Rand) *SL {
	schemes := []string{"http://", "http://www.", "https://", "https://www.", "", "wtai://"}
	tlds := []string{".com/", ".org/", ".net/", ".edu/", ".fi", "/"}
	href := schemes[r.IntN(len(schemes))]
	for range 1 + r.IntN(3) {
		href += []string{"a", "wap", "x-y", "é", "&", "<", "q=1"}[r.IntN(7)] + tlds[r.IntN(len(tlds))]
	}
	actions := []Action{"", ExecuteLow, ExecuteHigh, Cache}
	return &SL{Href: href, Action: actions[r.IntN(len(actions))], actionFirst: r.IntN(2) == 0}
}

func TestRoundTripRandomSLs(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for range 1000 {
		s := randomSL(r)
		if s.Action == "" {
			s.actionFirst = false
		}
		b, err := s.MarshalWBXML()
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeWBXML(b)
		if err != nil || !reflect.DeepEqual(got, s) {
			t.Fatalf("WBXML round trip of %+v: got %+v, %v", s, got, err)
		}
		x, err := s.XML()
		if err != nil {
			t.Fatal(err)
		}
		if got, err = Parse(x); err != nil || !reflect.DeepEqual(got, s) {
			t.Fatalf("XML round trip of %+v: got %+v, %v", s, got, err)
		}
	}
}

// TestCrossCheckLibwbxml: wbxml2xml reads what we compile, and xml2wbxml's
// output decodes to the same SL and, D2 aside, equals ours.
func TestCrossCheckLibwbxml(t *testing.T) {
	wbxmltest.RequireTools(t)
	r := rand.New(rand.NewPCG(9, 10))
	for i := range 10 {
		s := randomSL(r)
		if s.Action == "" {
			s.actionFirst = false
		}
		ours, err := s.MarshalWBXML()
		if err != nil {
			t.Fatal(err)
		}
		x := wbxmltest.WBXML2XML(t, ours)
		if got, err := Parse(x); err != nil || !reflect.DeepEqual(got, s) {
			t.Errorf("%d: wbxml2xml reads our WBXML as %s (%+v, %v), want %+v", i, x, got, err, s)
		}
		src, _ := s.XML()
		theirs := wbxmltest.XML2WBXML(t, src)
		if got, err := DecodeWBXML(theirs); err != nil || !reflect.DeepEqual(got, s) {
			t.Errorf("%d: xml2wbxml's % X decodes to %+v, %v; want %+v", i, theirs, got, err, s)
		}
		if !bytes.Equal(ours, theirs) {
			t.Errorf("%d: ours % X\ntheirs % X", i, ours, theirs)
		}
	}
}

// FuzzDecodeWBXML checks that no input makes DecodeWBXML panic and that
// decode→encode→decode is stable.
func FuzzDecodeWBXML(f *testing.F) {
	for _, v := range slVectors {
		for _, form := range []string{"sl.xml2wbxml.wbxml", "sl.kannel.wbxml"} {
			f.Add(testvec.Read(f, v+"/"+form))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := DecodeWBXML(b)
		if err != nil {
			return
		}
		enc, err := s.MarshalWBXML()
		if err != nil {
			t.Fatalf("decoded %+v does not compile: %v", s, err)
		}
		if again, err := DecodeWBXML(enc); err != nil || !reflect.DeepEqual(again, s) {
			t.Fatalf("decode→encode→decode: %+v became %+v, %v", s, again, err)
		}
	})
}

// FuzzParse checks that no input makes Parse panic and that a parsed SL
// survives the XML round trip.
func FuzzParse(f *testing.F) {
	for _, v := range slVectors {
		f.Add(testvec.Read(f, v+"/sl.xml"))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Parse(b)
		if err != nil {
			return
		}
		x, err := s.XML()
		if err != nil {
			t.Fatal(err)
		}
		if again, err := Parse(x); err != nil || !reflect.DeepEqual(again, s) {
			t.Fatalf("parse→XML→parse: %+v became %+v, %v", s, again, err)
		}
	})
}
