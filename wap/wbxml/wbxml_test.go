package wbxml

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/txpush/txpush/wap/internal/uintvar"
)

// testTable has two code pages, so that page switching for tags and
// attributes is exercised, and overlapping prefixes and value tokens.
var testTable = &TokenTable{
	PublicID: 0x7F,
	FPI:      "-//TEST//DTD T 1.0//EN",
	SystemID: "http://example.test/t.dtd",
	Tags: []Tag{
		{Page: 0, Token: 0x05, Name: "doc"},
		{Page: 0, Token: 0x06, Name: "a"},
		{Page: 1, Token: 0x05, Name: "b"},
	},
	AttrStarts: []AttrStart{
		{Page: 0, Token: 0x05, Name: "href"},
		{Page: 0, Token: 0x06, Name: "href", Prefix: "http://"},
		{Page: 0, Token: 0x07, Name: "href", Prefix: "http://www."},
		{Page: 0, Token: 0x08, Name: "date"},
		{Page: 1, Token: 0x05, Name: "kind"},
		{Page: 1, Token: 0x45, Name: "kind", Prefix: "x-"},
	},
	AttrValues: []AttrValue{
		{Page: 0, Token: 0x85, Value: ".com/"},
		{Page: 0, Token: 0x86, Value: ".com"},
		{Page: 1, Token: 0x85, Value: "/end"},
	},
}

// fpiTable is testTable without a numeric public identifier, so that the
// identifier travels as a string-table reference.
var fpiTable = func() *TokenTable {
	t := *testTable
	t.PublicID = PublicIDString
	return &t
}()

func cat(parts ...any) []byte {
	var b []byte
	for _, p := range parts {
		switch p := p.(type) {
		case int:
			b = append(b, byte(p))
		case string:
			b = append(b, p...)
		case []byte:
			b = append(b, p...)
		default:
			panic("cat: bad part")
		}
	}
	return b
}

// strtbl is the string table of handDoc: the public identifier at 0, "lit"
// at 23, "shared" at 27.
const strtbl = "-//TEST//DTD T 1.0//EN\x00lit\x00shared\x00"

// handDoc uses, in one document, every construct the decoder accepts: the
// public identifier as a string, a PI before the root, a prefix token,
// value tokens, STR_T, ENTITY and several inline strings in one value,
// attribute and tag page switches, content merged from STR_I, ENTITY and
// STR_T, OPAQUE content, a content-flagged element with empty content, and
// a LITERAL tag.
var handDoc = cat(
	0x03, 0x00, 0x00, 0x6A, len(strtbl), strtbl,
	0x43, 0x05, 0x03, "pi", 0, 0x01, // <?href pi?>, skipped
	0xC5,                                                               // <doc attrs content>
	0x07, 0x03, "example", 0, 0x85, 0x83, 27, 0x02, 0x41, 0x03, "z", 0, // href="http://www.example.com/sharedAz"
	0x00, 0x01, 0x45, 0x03, "k", 0, 0x85, // kind="x-k/end" (page 1)
	0x01,
	0x03, "hi ", 0, 0x02, 0x81, 0x69, 0x83, 27, // "hi éshared"
	0xC3, 0x02, 0xAB, 0xCD, // OPAQUE
	0x46, 0x01, // <a></a> with the content flag set
	0x00, 0x01, 0x05, // <b/> (page 1)
	0x04, 23, // LITERAL <lit/>
	0x01,
)

var handTree = &Document{
	Version:  Version13,
	PublicID: PublicIDString,
	FPI:      "-//TEST//DTD T 1.0//EN",
	SystemID: "http://example.test/t.dtd",
	Root: &Element{
		Name: "doc",
		Attrs: []Attr{
			{Name: "href", Value: "http://www.example.com/sharedAz"},
			{Name: "kind", Value: "x-k/end"},
		},
		Content: []Node{
			Text("hi éshared"),
			Opaque{0xAB, 0xCD},
			&Element{Name: "a"},
			&Element{Name: "b"},
			&Element{Name: "lit"},
		},
	},
}

func TestDecodeEveryConstruct(t *testing.T) {
	doc, err := Decode(handDoc, testTable, fpiTable)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(doc, handTree) {
		t.Errorf("Decode:\n got %s\nwant %s", dump(doc), dump(handTree))
	}
}

func dump(d *Document) string {
	return string(d.AppendXML(nil))
}

func TestDecodeSelectsTableByPublicID(t *testing.T) {
	other := &TokenTable{PublicID: 0x7E, Tags: []Tag{{Token: 0x05, Name: "other"}}}
	b := cat(0x02, 0x7F, 0x6A, 0x00, 0x05)
	doc, err := Decode(b, other, testTable)
	if err != nil {
		t.Fatal(err)
	}
	if doc.Root.Name != "doc" || doc.FPI != testTable.FPI {
		t.Errorf("got root <%s> FPI %q, want <doc> from the table with public id 0x7F", doc.Root.Name, doc.FPI)
	}
	// An "unknown" public identifier falls back to the only table given.
	if _, err := Decode(cat(0x02, 0x01, 0x6A, 0x00, 0x05), testTable); err != nil {
		t.Errorf("unknown public id with one table: %v", err)
	}
	var de *DecodeError
	if _, err := Decode(b, other); !errors.As(err, &de) || de.Offset != 1 {
		t.Errorf("no matching table: got %v, want a DecodeError at offset 1", err)
	}
}

func TestDecodeWBXML10HasNoCharset(t *testing.T) {
	doc, err := Decode(cat(0x00, 0x7F, 0x00, 0x05), testTable)
	if err != nil {
		t.Fatal(err)
	}
	if doc.Version != Version10 || doc.Root.Name != "doc" {
		t.Errorf("got version %d root %q", doc.Version, doc.Root.Name)
	}
}

func TestDecodeLatin1IsConvertedToUTF8(t *testing.T) {
	b := cat(0x03, 0x7F, 0x04, 0x00, 0x45, 0x03, "caf", 0xE9, 0, 0x01)
	doc, err := Decode(b, testTable)
	if err != nil {
		t.Fatal(err)
	}
	if got := doc.Root.Content[0]; got != Text("café") {
		t.Errorf("got %q, want café", got)
	}
}

func TestDecodeErrorsNameOffsetAndExpectation(t *testing.T) {
	head := cat(0x02, 0x7F, 0x6A, 0x00)
	tests := []struct {
		name   string
		in     []byte
		offset int
		reason string
	}{
		{"bad version", cat(0x04, 0x7F, 0x6A, 0x00, 0x05), 0, "not a WBXML version"},
		{"public id overflow", cat(0x02, 0x8F, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F), 1, "does not fit in 32 bits"},
		{"unsupported charset", cat(0x02, 0x7F, 0x87, 0x77, 0x00, 0x05), 2, "charset MIBenum 1015"},
		{"unknown tag", cat(head, 0x09), 4, "unknown tag token 0x09 in code page 0"},
		{"tag from the wrong page", cat(head, 0x00, 0x01, 0x06), 6, "unknown tag token 0x06 in code page 1"},
		{"END for a tag", cat(head, 0x01), 4, "global token 0x01 where a tag was expected"},
		{"unknown attribute start", cat(head, 0x85, 0x09, 0x01), 5, "unknown attribute-start token 0x09"},
		{"value before attribute", cat(head, 0x85, 0x03, "x", 0, 0x01), 5, "where an attribute-start token was expected"},
		{"unknown value token", cat(head, 0x85, 0x05, 0x90, 0x01), 6, "unknown attribute-value token 0x90"},
		{"EXT in attributes", cat(head, 0x85, 0x05, 0xC0, 0x01), 6, "not allowed in an attribute list"},
		{"EXT in content", cat(head, 0x45, 0xC0, 0x01), 5, "extension token 0xC0"},
		{"STR_T beyond table", cat(head, 0x45, 0x83, 0x05, 0x01), 6, "string table index 5 outside the 0-octet string table"},
		{"NUL entity", cat(head, 0x45, 0x02, 0x00, 0x01), 6, "entity U+0000 is not an XML character"},
		{"surrogate entity", cat(head, 0x45, 0x02, 0x83, 0xB0, 0x00, 0x01), 6, "entity U+D800"},
		{"data after root", cat(head, 0x05, 0x05), 5, "after the root element"},
		{"unterminated string table entry", cat(0x02, 0x00, 0x00, 0x6A, 0x02, "ab", 0x05), 5, "no terminating NUL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(tt.in, testTable)
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("got %v, want *DecodeError", err)
			}
			if de.Offset != tt.offset || !strings.Contains(de.Reason, tt.reason) {
				t.Errorf("got offset %d %q, want offset %d and %q", de.Offset, de.Reason, tt.offset, tt.reason)
			}
		})
	}
}

func TestDecodeEveryTruncationIsUnexpectedEOF(t *testing.T) {
	for n := range len(handDoc) {
		_, err := Decode(handDoc[:n], testTable, fpiTable)
		var de *DecodeError
		if !errors.As(err, &de) || !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("prefix of %d octets: got %v, want a DecodeError wrapping io.ErrUnexpectedEOF", n, err)
		}
	}
}

func TestDecodeBoundsNesting(t *testing.T) {
	b := append([]byte(nil), 0x02, 0x7F, 0x6A, 0x00)
	for range 10000 {
		b = append(b, 0x46) // <a> with content
	}
	_, err := Decode(b, testTable)
	var de *DecodeError
	if !errors.As(err, &de) || !strings.Contains(de.Reason, "nested deeper") {
		t.Fatalf("got %v, want a nesting error", err)
	}
}

func TestMbUint32(t *testing.T) {
	for _, v := range []uint32{0, 1, 0x7F, 0x80, 0x3FFF, 0x4000, 1 << 28, 0xFFFFFFFF} {
		b := uintvar.Append(nil, v)
		d := decoder{b: b}
		got, err := d.mbUint32("value")
		if err != nil || got != v || d.pos != len(b) {
			t.Errorf("%d: encoded % X, decoded %d (%v) using %d octets", v, b, got, err, d.pos)
		}
	}
	if b := uintvar.Append(nil, 0xA0); !bytes.Equal(b, []byte{0x81, 0x20}) {
		t.Errorf("0xA0 encoded as % X, want 81 20 (section 5.1 example)", b)
	}
}

func TestEncodeLongestPrefixAndValueTokens(t *testing.T) {
	doc := &Document{Version: Version12, Root: &Element{
		Name: "doc",
		Attrs: []Attr{
			// "http://www." beats "http://"; ".com/" beats ".com".
			{Name: "href", Value: "http://www.example.com/a.com"},
			{Name: "kind", Value: "x-y/end"},
			{Name: "href", Value: "ftp://h"},
			{Name: "date", Opaque: []byte{0x20, 0x24}},
		},
		Content: []Node{&Element{Name: "b"}, &Element{Name: "a", Content: []Node{Text("t")}}},
	}}
	want := cat(
		0x02, 0x7F, 0x6A, 0x00,
		0xC5,
		0x07, 0x03, "example", 0, 0x85, 0x03, "a", 0, 0x86,
		0x00, 0x01, 0x45, 0x03, "y", 0, 0x85,
		0x00, 0x00, 0x05, 0x03, "ftp://h", 0,
		0x08, 0xC3, 0x02, 0x20, 0x24,
		0x01,
		0x00, 0x01, 0x05,
		0x00, 0x00, 0x46, 0x03, "t", 0, 0x01,
		0x01,
	)
	got, err := Encode(doc, testTable)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Encode:\n got % X\nwant % X", got, want)
	}
	back, err := Decode(got, testTable)
	if err != nil {
		t.Fatal(err)
	}
	doc.PublicID, doc.FPI, doc.SystemID = testTable.PublicID, testTable.FPI, testTable.SystemID
	if !reflect.DeepEqual(back, doc) {
		t.Errorf("decode(encode(doc)):\n got %s\nwant %s", dump(back), dump(doc))
	}
}

func TestEncodePublicIDAsString(t *testing.T) {
	doc := &Document{Version: Version13, Root: &Element{Name: "doc"}}
	got, err := Encode(doc, fpiTable)
	if err != nil {
		t.Fatal(err)
	}
	want := cat(0x03, 0x00, 0x00, 0x6A, 23, "-//TEST//DTD T 1.0//EN", 0, 0x05)
	if !bytes.Equal(got, want) {
		t.Errorf("got % X\nwant % X", got, want)
	}
}

func TestEncodeErrors(t *testing.T) {
	tests := []struct {
		name string
		doc  *Document
		want string
	}{
		{"unknown element", &Document{Root: &Element{Name: "zz"}}, "element <zz>: no tag token"},
		{"unknown attribute", &Document{Root: &Element{Name: "doc", Attrs: []Attr{{Name: "zz"}}}}, `attribute "zz": no attribute-start token`},
		{"NUL in text", &Document{Root: &Element{Name: "doc", Content: []Node{Text("a\x00b")}}}, "string contains NUL"},
		{"no root", &Document{}, "no root element"},
		{"bad version", &Document{Version: 4, Root: &Element{Name: "doc"}}, "not a WBXML version"},
	}
	for _, tt := range tests {
		_, err := Encode(tt.doc, testTable)
		var ee *EncodeError
		if !errors.As(err, &ee) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want an EncodeError containing %q", tt.name, err, tt.want)
		}
	}
}

func TestEncodeAppendsToDst(t *testing.T) {
	dst := []byte("prefix")
	got, err := Append(dst, &Document{Version: Version12, Root: &Element{Name: "doc"}}, testTable)
	if err != nil {
		t.Fatal(err)
	}
	if want := cat("prefix", 0x02, 0x7F, 0x6A, 0x00, 0x05); !bytes.Equal(got, want) {
		t.Errorf("got % X, want % X", got, want)
	}
}
