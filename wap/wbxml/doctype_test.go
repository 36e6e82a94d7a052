package wbxml

import (
	"errors"
	"strings"
	"testing"
)

// testDocType converts a document of testTable's type to the text of its
// href attribute, which it requires.
var testDocType = &DocType[string]{
	Name:  "t",
	Root:  "doc",
	Table: testTable,
	FromDocument: func(doc *Document) (string, error) {
		a, ok := doc.Root.Attr("href")
		if !ok {
			return "", &ValidityError{DocType: "t", Element: "doc", Attr: "href", Reason: "required attribute missing"}
		}
		return a.Value, nil
	},
}

func TestDocTypeConvertsBothForms(t *testing.T) {
	got, err := testDocType.ParseXML([]byte(`<!DOCTYPE doc PUBLIC "-//TEST//DTD T 1.0//EN" ""><doc href="http://x"/>`))
	if err != nil || got != "http://x" {
		t.Errorf("ParseXML: got %q, %v", got, err)
	}
	got, err = testDocType.Decode(cat(0x02, 0x7F, 0x6A, 0x00, 0x85, 0x06, 0x03, "x", 0, 0x01))
	if err != nil || got != "http://x" {
		t.Errorf("Decode: got %q, %v", got, err)
	}
}

func TestDocTypeErrors(t *testing.T) {
	tests := []struct {
		name   string
		read   func() (string, error)
		target any
		reason string
	}{
		{"malformed XML", func() (string, error) { return testDocType.ParseXML([]byte("<doc")) }, new(*XMLSyntaxError), "expected"},
		{"malformed WBXML", func() (string, error) { return testDocType.Decode(cat(0x02, 0x7F, 0x6A)) }, new(*DecodeError), "input ends"},
		{"other FPI", func() (string, error) {
			return testDocType.ParseXML([]byte(`<!DOCTYPE doc PUBLIC "-//TEST//DTD U 1.0//EN" ""><doc href="x"/>`))
		}, new(*ValidityError), `public identifier "-//TEST//DTD U 1.0//EN" is not "-//TEST//DTD T 1.0//EN"`},
		{"other root in XML", func() (string, error) { return testDocType.ParseXML([]byte(`<a href="x"/>`)) }, new(*ValidityError), "the root element must be <doc>"},
		{"other root in WBXML", func() (string, error) { return testDocType.Decode(cat(0x02, 0x7F, 0x6A, 0x00, 0x06)) }, new(*ValidityError), "the root element must be <doc>"},
		{"FromDocument's own", func() (string, error) { return testDocType.ParseXML([]byte(`<doc/>`)) }, new(*ValidityError), "required attribute missing"},
	}
	for _, tt := range tests {
		got, err := tt.read()
		if got != "" || !errors.As(err, tt.target) || !strings.Contains(err.Error(), tt.reason) {
			t.Errorf("%s: got %q, %v; want a %T containing %q", tt.name, got, err, tt.target, tt.reason)
		}
	}
	var ve *ValidityError
	if _, err := testDocType.ParseXML([]byte(`<a/>`)); !errors.As(err, &ve) || ve.DocType != "t" || ve.Element != "a" {
		t.Errorf("other root: got %#v, want DocType t and Element a", ve)
	}
}
