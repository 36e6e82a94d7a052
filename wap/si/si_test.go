package si

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/txpush/txpush/internal/testvec"
	"github.com/txpush/txpush/wap/wbxml"
)

func TestDateOpaqueForm(t *testing.T) {
	// The table of the SI date section of the spec notes.
	tests := []struct {
		xml    string
		opaque []byte
	}{
		{"1999-06-25T15:23:15Z", []byte{0x19, 0x99, 0x06, 0x25, 0x15, 0x23, 0x15}},
		{"2024-03-05T12:30:00Z", []byte{0x20, 0x24, 0x03, 0x05, 0x12, 0x30}},
		{"2024-03-05T12:30:45Z", []byte{0x20, 0x24, 0x03, 0x05, 0x12, 0x30, 0x45}},
		{"2024-03-12T00:00:00Z", []byte{0x20, 0x24, 0x03, 0x12}},
		{"2005-06-30T00:00:00Z", []byte{0x20, 0x05, 0x06, 0x30}},
		{"2000-01-01T00:00:00Z", []byte{0x20, 0x00, 0x01, 0x01}},
	}
	for _, tt := range tests {
		d, err := parseDate(tt.xml)
		if err != nil {
			t.Fatalf("%s: %v", tt.xml, err)
		}
		if got := appendDate(nil, d); !bytes.Equal(got, tt.opaque) {
			t.Errorf("%s: OPAQUE % X, want % X", tt.xml, got, tt.opaque)
		}
		back, err := decodeDate(tt.opaque)
		if err != nil || !back.Equal(d) || formatDate(back) != tt.xml {
			t.Errorf("% X: decoded %v (%v), want %s", tt.opaque, back, err, tt.xml)
		}
	}
}

func TestDateOpaqueAcceptsUntrimmedAndShortForms(t *testing.T) {
	want := time.Date(2024, 3, 12, 0, 0, 0, 0, time.UTC)
	for _, b := range [][]byte{
		{0x20, 0x24, 0x03, 0x12},
		{0x20, 0x24, 0x03, 0x12, 0x00},
		{0x20, 0x24, 0x03, 0x12, 0x00, 0x00, 0x00},
	} {
		if got, err := decodeDate(b); err != nil || !got.Equal(want) {
			t.Errorf("% X: got %v, %v", b, got, err)
		}
	}
}

func TestDateErrors(t *testing.T) {
	for _, s := range []string{
		"", "2024-03-05", "2024-03-05T12:30:00", "2024-03-05T12:30:00+01:00", "2024-03-05 12:30:00Z",
		"2024-3-05T12:30:00Z", "2024-13-05T12:30:00Z", "2024-02-30T12:30:00Z", "2024-00-05T12:30:00Z",
		"2024-03-05T24:00:00Z", "2024-03-05T12:60:00Z", "2024-03-05T12:30:60Z", "２024-03-05T12:30:00Z",
		"2024-03-05T12:30:00.5Z",
	} {
		if _, err := parseDate(s); err == nil {
			t.Errorf("parseDate(%q) accepted", s)
		}
	}
	for _, b := range [][]byte{
		nil, {0x20}, {0x20, 0x24}, {0x20, 0x24, 0x03}, // no day (or month): zero is invalid
		{0x20, 0x24, 0x13, 0x05}, {0x20, 0x24, 0x0A, 0x05}, // month 13, nibble A
		{0x20, 0x24, 0x03, 0x05, 0x12, 0x30, 0x00, 0x00}, // 8 octets
	} {
		if _, err := decodeDate(b); err == nil {
			t.Errorf("decodeDate(% X) accepted", b)
		}
	}
}

func TestParseRejectsInvalidDocuments(t *testing.T) {
	const dt = `<!DOCTYPE si PUBLIC "-//WAPFORUM//DTD SI 1.0//EN" "http://www.wapforum.org/DTD/si.dtd">`
	tests := []struct {
		name, xml     string
		element, attr string
		reason        string
	}{
		{"wrong action", `<si><indication action="signal-loud">x</indication></si>`, "indication", "action", `"signal-loud" is not one of`},
		{"bad created", `<si><indication created="2024-03-05 12:30:00">x</indication></si>`, "indication", "created", "YYYY-MM-DDThh:mm:ssZ"},
		{"bad si-expires", `<si><indication si-expires="2024-02-30T00:00:00Z">x</indication></si>`, "indication", "si-expires", "no such day"},
		{"unknown attribute", `<si><indication hreff="http://x">x</indication></si>`, "indication", "hreff", "not declared"},
		{"second indication", `<si><indication href="a" si-id="1" action="delete"/><indication/></si>`, "indication", "", "not allowed here"},
		{"item without class", `<si><indication>x</indication><info><item>y</item></info></si>`, "item", "class", "required attribute missing"},
		{"class not a name token", `<si><indication>x</indication><info><item class="a b">y</item></info></si>`, "item", "class", "not a name token"},
		{"empty info", `<si><indication>x</indication><info/></si>`, "info", "", "at least one <item>"},
		{"unknown element", `<si><indication>x</indication><extra/></si>`, "extra", "", "not allowed here"},
		{"info before indication", `<si><info><item class="c"/></info><indication/></si>`, "info", "", "not allowed here"},
		{"no indication", `<si></si>`, "si", "", "<indication> missing"},
		{"element in indication", `<si><indication><b>x</b></indication></si>`, "indication", "", "only text"},
		{"text in si", `<si>hello<indication/></si>`, "si", "", "text or OPAQUE"},
		{"attribute on si", `<si version="1"><indication/></si>`, "si", "version", "not declared"},
		{"wrong root", `<sl href="http://x"/>`, "sl", "", "root element must be <si>"},
		{"wrong DOCTYPE", `<!DOCTYPE si PUBLIC "-//WAPFORUM//DTD SL 1.0//EN" ""><si><indication/></si>`, "si", "", "public identifier"},
		{"delete without id", dt + `<si><indication action="delete"/></si>`, "indication", "si-id", "action delete needs si-id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.xml))
			var ve *wbxml.ValidityError
			if !errors.As(err, &ve) {
				t.Fatalf("got %v, want *wbxml.ValidityError", err)
			}
			if ve.DocType != "si" || ve.Element != tt.element || ve.Attr != tt.attr || !strings.Contains(ve.Reason, tt.reason) {
				t.Errorf("got %q (element %q attr %q), want element %q attr %q and %q", err, ve.Element, ve.Attr, tt.element, tt.attr, tt.reason)
			}
		})
	}
}

func TestParseRejectsMalformedXML(t *testing.T) {
	_, err := Parse([]byte("<si><indication></si>"))
	var se *wbxml.XMLSyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("got %v, want *wbxml.XMLSyntaxError", err)
	}
}

func TestParseAcceptsDocumentWithoutProlog(t *testing.T) {
	s, err := Parse([]byte(`<si><indication href="http://a.example/">  hi  </indication></si>`))
	if err != nil {
		t.Fatal(err)
	}
	if s.Href != "http://a.example/" || s.Text != "hi" || s.ActionOrDefault() != SignalMedium || s.ID() != s.Href {
		t.Errorf("got %+v", s)
	}
}

func TestDecodeWBXMLRejectsDateAsText(t *testing.T) {
	// created sent as OPAQUE mixed with text is rejected; as plain text
	// (which some encoders do) it is read.
	good := []byte{0x02, 0x05, 0x6A, 0x00, 0x45, 0x86, 0x0A, 0x03}
	good = append(good, "2024-03-05T12:30:00Z\x00\x01\x01"...)
	s, err := DecodeWBXML(good)
	if err != nil || !s.Created.Equal(time.Date(2024, 3, 5, 12, 30, 0, 0, time.UTC)) {
		t.Errorf("text date: got %+v, %v", s, err)
	}
	mixed := []byte{0x02, 0x05, 0x6A, 0x00, 0x45, 0x86, 0x0A, 0x03, 'x', 0, 0xC3, 0x01, 0x20, 0x01, 0x01}
	var ve *wbxml.ValidityError
	if _, err := DecodeWBXML(mixed); !errors.As(err, &ve) || ve.Attr != "created" {
		t.Errorf("mixed date: got %v", err)
	}
}

func TestDecodeWBXMLRejectsRepeatedAttribute(t *testing.T) {
	b := []byte{0x02, 0x05, 0x6A, 0x00, 0x45, 0x86, 0x0B, 0x03, 'a', 0, 0x0C, 0x03, 'b', 0, 0x01, 0x01}
	var ve *wbxml.ValidityError
	if _, err := DecodeWBXML(b); !errors.As(err, &ve) || ve.Attr != "href" || !strings.Contains(ve.Reason, "repeated") {
		t.Errorf("got %v, want href repeated", err)
	}
}

func TestDecodeWBXMLRejectsOtherDocumentTypes(t *testing.T) {
	sl := testvec.Read(t, "v04-sl-cache-https-www/sl.xml2wbxml.wbxml")
	var de *wbxml.DecodeError
	if _, err := DecodeWBXML(sl); !errors.As(err, &de) {
		t.Errorf("got %v, want a DecodeError for public id 6", err)
	}
}

func TestDecodeWBXMLEveryTruncation(t *testing.T) {
	for _, v := range siVectors {
		b := testvec.Read(t, v+"/si.xml2wbxml.wbxml")
		for n := range len(b) {
			_, err := DecodeWBXML(b[:n])
			var de *wbxml.DecodeError
			if !errors.As(err, &de) {
				t.Errorf("%s, %d octets: got %v, want *wbxml.DecodeError", v, n, err)
			}
		}
	}
}

func TestValidateBeforeMarshal(t *testing.T) {
	tests := []struct {
		name       string
		si         SI
		attr, want string
	}{
		{"bad action", SI{Action: "loud"}, "action", "not one of"},
		{"delete without id", SI{Action: Delete}, "si-id", "needs si-id"},
		{"year 10000", SI{Created: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}, "created", "year"},
		{"negative year", SI{Expires: time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)}, "si-expires", "year"},
		{"control char", SI{Href: "http://a\x01"}, "href", "XML text"},
		{"bad class", SI{Info: []Item{{Class: ""}}}, "class", "name token"},
	}
	for _, tt := range tests {
		_, err := tt.si.MarshalWBXML()
		var ve *wbxml.ValidityError
		if !errors.As(err, &ve) || ve.Attr != tt.attr || !strings.Contains(ve.Reason, tt.want) {
			t.Errorf("%s: got %v, want attribute %q and %q", tt.name, err, tt.attr, tt.want)
		}
		if _, err := tt.si.XML(); err == nil {
			t.Errorf("%s: XML accepted an invalid SI", tt.name)
		}
	}
}

func TestAttributeOrderOfTheSourceIsKept(t *testing.T) {
	// xml2wbxml writes attributes in source order; so do we, for a parsed
	// document. An SI built in code uses href, si-id, action, created,
	// si-expires.
	s, err := Parse([]byte(`<si><indication action="signal-high" si-id="7" href="http://a"/></si>`))
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.MarshalWBXML()
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{0x02, 0x05, 0x6A, 0x00, 0x45, 0x86, 0x08, 0x11, 0x03, '7', 0, 0x0C, 0x03, 'a', 0, 0x01, 0x01}
	if !bytes.Equal(got, want) {
		t.Errorf("parsed: got % X\nwant % X", got, want)
	}
	built := &SI{Action: SignalHigh, SIID: "7", Href: "http://a"}
	got, err = built.MarshalWBXML()
	if err != nil {
		t.Fatal(err)
	}
	want = []byte{0x02, 0x05, 0x6A, 0x00, 0x45, 0x86, 0x0C, 0x03, 'a', 0, 0x11, 0x03, '7', 0, 0x08, 0x01, 0x01}
	if !bytes.Equal(got, want) {
		t.Errorf("built: got % X\nwant % X", got, want)
	}
}

func TestRoundTripRandomSIs(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		s := randomSI(r)
		b, err := s.MarshalWBXML()
		if err != nil {
			t.Fatalf("%d: MarshalWBXML(%+v): %v", i, s, err)
		}
		got, err := DecodeWBXML(b)
		if err != nil {
			t.Fatalf("%d: DecodeWBXML(% X): %v", i, b, err)
		}
		if !sameSI(got, s) {
			t.Fatalf("%d: WBXML round trip:\n got %+v\nwant %+v", i, got, s)
		}
		x, err := s.XML()
		if err != nil {
			t.Fatal(err)
		}
		got, err = Parse(x)
		if err != nil {
			t.Fatalf("%d: Parse(%s): %v", i, x, err)
		}
		if !sameSI(got, s) {
			t.Fatalf("%d: XML round trip:\n got %+v\nwant %+v\n%s", i, got, s, x)
		}
	}
}

// randomSI returns a valid SI with fields that exercise the encoder: URL
// prefixes and value tokens, characters XML escapes, non-ASCII text,
// optional attributes and info items.
func randomSI(r *rand.Rand) *SI {
	s := &SI{}
	if r.IntN(5) > 0 {
		s.Href = randomURL(r)
	}
	if r.IntN(2) == 0 {
		s.SIID = randomText(r, 1+r.IntN(20))
	}
	actions := []Action{"", SignalNone, SignalLow, SignalMedium, SignalHigh, Delete}
	s.Action = actions[r.IntN(len(actions))]
	if s.Action == Delete && s.ID() == "" {
		s.SIID = "id"
	}
	if r.IntN(2) == 0 {
		s.Created = randomDate(r)
	}
	if r.IntN(2) == 0 {
		s.Expires = randomDate(r)
	}
	if r.IntN(6) > 0 {
		s.Text = randomText(r, 1+r.IntN(80))
	}
	for range r.IntN(3) {
		s.Info = append(s.Info, Item{Class: randomToken(r), Text: randomText(r, r.IntN(20))})
	}
	return s
}

func randomURL(r *rand.Rand) string {
	schemes := []string{"http://", "http://www.", "https://", "https://www.", "", "ftp://"}
	tlds := []string{".com/", ".org/", ".net/", ".edu/", ".com", ".fi/", "/"}
	u := schemes[r.IntN(len(schemes))] + randomToken(r) + tlds[r.IntN(len(tlds))]
	for range r.IntN(3) {
		u += randomToken(r) + tlds[r.IntN(len(tlds))]
	}
	if r.IntN(2) == 0 {
		u += "?q=" + randomToken(r) + "&x=1"
	}
	return u
}

func randomDate(r *rand.Rand) time.Time {
	return time.Date(1990+r.IntN(60), time.Month(1+r.IntN(12)), 1+r.IntN(28), r.IntN(24), r.IntN(60), r.IntN(60), 0, time.UTC)
}

func randomToken(r *rand.Rand) string {
	const chars = "abcdefghijklmnopqrstuvwxyz0123456789-._"
	b := make([]byte, 1+r.IntN(10))
	for i := range b {
		b[i] = chars[r.IntN(len(chars))]
	}
	return string(b)
}

// randomText returns n characters with no leading or trailing whitespace
// (the XML form drops it).
func randomText(r *rand.Rand, n int) string {
	alphabet := []rune("abcdefghij KLMNOP 0123456789 .,;:!?'\"&<>/ éüß€ЖЩ中文😀")
	var b strings.Builder
	for range n {
		b.WriteRune(alphabet[r.IntN(len(alphabet))])
	}
	return strings.TrimSpace(b.String())
}
