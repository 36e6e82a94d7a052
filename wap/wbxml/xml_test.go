package wbxml

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseXML(t *testing.T) {
	in := "\uFEFF<?xml version='1.0' encoding=\"UTF-8\"?>\n" +
		"<!-- a comment -->\n" +
		"<!DOCTYPE doc PUBLIC \"-//TEST//DTD T 1.0//EN\"\n  'http://example.test/t.dtd'>\n" +
		"<?app instruction?>\n" +
		"<doc href='a&amp;b&#x41;&#66;' kind=\"l1\n\tl2\" >\n" +
		"  <a>  one &lt;two&gt; <![CDATA[<three>]]> &quot;é&apos;  </a>\n" +
		"  <!-- between -->\n" +
		"  <b kind = 'x'/>\n" +
		"  <a/><a></a>\n" +
		"</doc>\n<!-- trailing -->\n"
	want := &Document{
		FPI:      "-//TEST//DTD T 1.0//EN",
		SystemID: "http://example.test/t.dtd",
		Root: &Element{
			Name:  "doc",
			Attrs: []Attr{{Name: "href", Value: "a&bAB"}, {Name: "kind", Value: "l1  l2"}},
			Content: []Node{
				&Element{Name: "a", Content: []Node{Text("one <two> <three> \"é'")}},
				&Element{Name: "b", Attrs: []Attr{{Name: "kind", Value: "x"}}},
				&Element{Name: "a"},
				&Element{Name: "a"},
			},
		},
	}
	got, err := ParseXML([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %s\nwant %s", dump(got), dump(want))
	}
	// What AppendXML writes, ParseXML reads back unchanged.
	again, err := ParseXML(got.AppendXML(nil))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(again, want) {
		t.Errorf("ParseXML(AppendXML(doc)):\n got %s\nwant %s", dump(again), dump(want))
	}
}

func TestParseXMLWithoutProlog(t *testing.T) {
	got, err := ParseXML([]byte(`<sl href="http://x"/>`))
	if err != nil {
		t.Fatal(err)
	}
	want := &Document{Root: &Element{Name: "sl", Attrs: []Attr{{Name: "href", Value: "http://x"}}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %s", dump(got))
	}
}

func TestParseXMLErrors(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		line   int
		reason string
	}{
		{"empty", "", 1, "expected the root element"},
		{"text only", "hello", 1, "expected the root element"},
		{"mismatched end tag", "<a>\n<b></c></a>", 2, "end tag </c> does not match <b>"},
		{"unclosed element", "<a><b></b>", 1, "expected </a>"},
		{"unquoted attribute", "<a x=1/>", 1, "expected the quoted value"},
		{"unterminated attribute", "<a x='1/>", 1, "closing quote"},
		{"lt in attribute", "<a x='<'/>", 1, "'<' in the value"},
		{"repeated attribute", "<a x='1' x='2'/>", 1, `attribute "x" repeated`},
		{"attributes not separated", "<a x='1'y='2'/>", 1, "expected space"},
		{"unknown entity", "<a>&nbsp;</a>", 1, "unknown entity &nbsp;"},
		{"bare ampersand", "<a>fish & chips</a>", 1, "not starting a reference"},
		{"NUL reference", "<a>&#0;</a>", 1, "not a valid character reference"},
		{"second root", "<a/><b/>", 1, "after the root element"},
		{"text after root", "<a/>\n\nx", 3, "after the root element"},
		{"internal subset", "<!DOCTYPE a [<!ENTITY e 'x'>]><a/>", 1, "internal subsets are not supported"},
		{"doctype names another root", "<!DOCTYPE si><sl/>", 1, "DOCTYPE names <si> but the root element is <sl>"},
		{"latin-1 declared", "<?xml version='1.0' encoding='ISO-8859-1'?><a/>", 1, `encoding "iso-8859-1" is not supported`},
		{"late XML declaration", "<!-- c --><?xml version='1.0'?><a/>", 1, "XML declaration not at the start"},
		{"invalid UTF-8", "<a>\xff</a>", 1, "invalid UTF-8"},
		{"control character", "<a>\x01</a>", 1, "control character"},
		{"unclosed comment", "<a><!-- x</a>", 1, "--> closing the comment"},
		{"double hyphen in comment", "<!-- a -- b --><a/>", 1, `"--" inside a comment`},
		{"CDATA end in text", "<a>]]></a>", 1, `"]]>" in text`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseXML([]byte(tt.in))
			var se *XMLSyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("got %v, want *XMLSyntaxError", err)
			}
			if se.Line != tt.line || !strings.Contains(se.Reason, tt.reason) {
				t.Errorf("got line %d %q, want line %d and %q", se.Line, se.Reason, tt.line, tt.reason)
			}
		})
	}
}

func TestParseXMLBoundsNesting(t *testing.T) {
	in := strings.Repeat("<a>", 100000)
	_, err := ParseXML([]byte(in))
	var se *XMLSyntaxError
	if !errors.As(err, &se) || !strings.Contains(se.Reason, "nested deeper") {
		t.Fatalf("got %v, want a nesting error", err)
	}
}

func TestAppendXMLEscapes(t *testing.T) {
	doc := &Document{Root: &Element{
		Name:    "a",
		Attrs:   []Attr{{Name: "v", Value: "<\"&'\n\t>"}, {Name: "o", Opaque: []byte{0xFF, 0x00}}},
		Content: []Node{Text("<&>\"\r"), Opaque{1, 2, 3}},
	}}
	want := "<?xml version=\"1.0\"?>\n<a v=\"&lt;&quot;&amp;'&#10;&#9;&gt;\" o=\"/wA=\">&lt;&amp;&gt;\"&#13;AQID</a>\n"
	if got := string(doc.AppendXML(nil)); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestValidText(t *testing.T) {
	for s, want := range map[string]bool{
		"":              true,
		"tab\tlf\ncr\r": true,
		"é€😀":           true,
		"\x00":          false,
		"\x1b[0m":       false,
		"\xff":          false,
		"\uFFFE":        false,
	} {
		if got := ValidText(s); got != want {
			t.Errorf("ValidText(%q) = %v, want %v", s, got, want)
		}
	}
}
