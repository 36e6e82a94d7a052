// Package sl implements the WAP Service Loading document (SL 1.0,
// WAP-168-ServiceLoad): the push document that makes the handset fetch a
// URL and execute or cache it without asking the user. It parses and
// validates the XML form, compiles it to WBXML, decodes the WBXML and
// writes the XML back.
package sl

import (
	"strconv"

	"github.com/txpush/txpush/wap/wbxml"
)

// Media types and their WSP well-known content-type codes (WAP-230-WSP
// table 40).
const (
	ContentType          = "text/vnd.wap.sl"
	ContentTypeWBXML     = "application/vnd.wap.slc"
	ContentTypeCode      = 0x2F // text/vnd.wap.sl
	ContentTypeWBXMLCode = 0x30 // application/vnd.wap.slc
)

// Identifiers of the SL 1.0 DTD.
const (
	PublicID = wbxml.PublicIDSL10 // WBXML public identifier
	FPI      = "-//WAPFORUM//DTD SL 1.0//EN"
	SystemID = "http://www.wapforum.org/DTD/sl.dtd"
)

// Version is the WBXML version SL documents are compiled to (1.2, as Kannel
// and xml2wbxml -v 1.2 produce).
const Version = wbxml.Version12

// Table holds the SL 1.0 tokens (WAP-168 section 9). It is read-only.
var Table = &wbxml.TokenTable{
	PublicID: PublicID,
	FPI:      FPI,
	SystemID: SystemID,
	Tags:     []wbxml.Tag{{Token: 0x05, Name: "sl"}},
	AttrStarts: []wbxml.AttrStart{
		{Token: 0x05, Name: "action", Prefix: "execute-low"},
		{Token: 0x06, Name: "action", Prefix: "execute-high"},
		{Token: 0x07, Name: "action", Prefix: "cache"},
		{Token: 0x08, Name: "href"},
		{Token: 0x09, Name: "href", Prefix: "http://"},
		{Token: 0x0A, Name: "href", Prefix: "http://www."},
		{Token: 0x0B, Name: "href", Prefix: "https://"},
		{Token: 0x0C, Name: "href", Prefix: "https://www."},
	},
	AttrValues: []wbxml.AttrValue{
		{Token: 0x85, Value: ".com/"},
		{Token: 0x86, Value: ".edu/"},
		{Token: 0x87, Value: ".net/"},
		{Token: 0x88, Value: ".org/"},
	},
}

// Action says what the handset does with the loaded content.
type Action string

// The values of the action attribute.
const (
	ExecuteLow  Action = "execute-low" // the default: load, then execute when the user is not disturbed
	ExecuteHigh Action = "execute-high"
	Cache       Action = "cache" // load into the cache only
)

func (a Action) valid() bool {
	return a == ExecuteLow || a == ExecuteHigh || a == Cache
}

// SL is a Service Loading document.
type SL struct {
	// Href is the URL to load; required.
	Href string
	// Action is "" when the attribute is absent, which means ExecuteLow.
	Action Action

	// actionFirst records that action came before href in the document
	// read, so that it compiles as xml2wbxml compiles it.
	actionFirst bool
}

// ActionOrDefault returns the action, ExecuteLow when absent.
func (s *SL) ActionOrDefault() Action {
	if s.Action == "" {
		return ExecuteLow
	}
	return s.Action
}

func invalid(attr, reason string) *wbxml.ValidityError {
	return &wbxml.ValidityError{DocType: "sl", Element: "sl", Attr: attr, Reason: reason}
}

// docType reads both forms of an SL, checking the root element and public
// identifier before fromDocument sees the tree.
var docType = &wbxml.DocType[*SL]{Name: "sl", Root: "sl", Table: Table, FromDocument: fromDocument}

// Parse parses and validates an SL document in XML, with or without the XML
// declaration and DOCTYPE. Validation errors are *wbxml.ValidityError
// values naming the attribute; malformed XML gives a *wbxml.XMLSyntaxError.
func Parse(xml []byte) (*SL, error) {
	return docType.ParseXML(xml)
}

// DecodeWBXML decodes and validates a compiled SL (application/vnd.wap.slc).
// Both forms of the empty element are accepted: with the content flag and
// an empty content (xml2wbxml) and without (Kannel). Malformed WBXML gives a
// *wbxml.DecodeError.
func DecodeWBXML(b []byte) (*SL, error) {
	return docType.Decode(b)
}

// fromDocument checks the rest of doc against the SL DTD and converts it.
func fromDocument(doc *wbxml.Document) (*SL, error) {
	root := doc.Root
	s := &SL{}
	hasHref, hasAction := false, false
	for _, a := range root.Attrs {
		if a.Opaque != nil {
			return nil, invalid(a.Name, "OPAQUE data where text was expected")
		}
		switch {
		case a.Name == "href" && !hasHref:
			s.Href, hasHref = a.Value, true
		case a.Name == "action" && !hasAction:
			s.Action, hasAction = Action(a.Value), true
			s.actionFirst = !hasHref
		case a.Name == "href" || a.Name == "action":
			return nil, invalid(a.Name, "attribute repeated")
		default:
			return nil, invalid(a.Name, "attribute not declared for this element")
		}
	}
	if hasAction && !s.Action.valid() {
		return nil, invalid("action", strconv.Quote(string(s.Action))+" is not one of execute-low, execute-high, cache")
	}
	if !hasHref {
		return nil, invalid("href", "required attribute missing")
	}
	if len(root.Content) > 0 {
		return nil, invalid("", "<sl> is an empty element; it may hold no content")
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// Validate checks what the DTD requires of s: an href, a known action, and
// text that XML can carry.
func (s *SL) Validate() error {
	if s.Href == "" {
		return invalid("href", "required attribute missing or empty")
	}
	if !wbxml.ValidText(s.Href) {
		return invalid("href", "not valid UTF-8 XML text")
	}
	if s.Action != "" && !s.Action.valid() {
		return invalid("action", strconv.Quote(string(s.Action))+" is not one of execute-low, execute-high, cache")
	}
	return nil
}

// attrs returns the attributes in document order.
func (s *SL) attrs(buf *[2]wbxml.Attr) []wbxml.Attr {
	href := wbxml.Attr{Name: "href", Value: s.Href}
	if s.Action == "" {
		buf[0] = href
		return buf[:1]
	}
	action := wbxml.Attr{Name: "action", Value: string(s.Action)}
	if s.actionFirst {
		buf[0], buf[1] = action, href
	} else {
		buf[0], buf[1] = href, action
	}
	return buf[:2]
}

// MarshalWBXML validates s and compiles it to WBXML 1.2 with public
// identifier SL 1.0 and charset UTF-8. The element is sent without the
// content flag (Kannel's form, one octet shorter than xml2wbxml's for
// <sl ...></sl>; both are valid).
func (s *SL) MarshalWBXML() ([]byte, error) {
	return s.AppendWBXML(nil)
}

// AppendWBXML is MarshalWBXML appending to dst.
func (s *SL) AppendWBXML(dst []byte) ([]byte, error) {
	if err := s.Validate(); err != nil {
		return dst, err
	}
	var buf [2]wbxml.Attr
	root := wbxml.Element{Name: "sl", Attrs: s.attrs(&buf)}
	doc := wbxml.Document{Version: Version, Root: &root}
	return wbxml.Append(dst, &doc, Table)
}

// XML validates s and returns it as an XML document with the SL DOCTYPE.
func (s *SL) XML() ([]byte, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	var buf [2]wbxml.Attr
	root := wbxml.Element{Name: "sl", Attrs: s.attrs(&buf)}
	doc := wbxml.Document{FPI: FPI, SystemID: SystemID, Root: &root}
	return doc.AppendXML(nil), nil
}
