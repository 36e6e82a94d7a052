// Package co implements the WAP Cache Operation document (CO 1.0,
// WAP-175-CacheOp): the push document that tells the handset to drop cached
// objects or whole services. It parses and validates the XML form,
// compiles it to WBXML, decodes the WBXML and writes the XML back.
package co

import (
	"strconv"

	"github.com/txpush/txpush/wap/wbxml"
)

// Media types and their WSP well-known content-type codes (WAP-230-WSP
// table 40).
const (
	ContentType          = "text/vnd.wap.co"
	ContentTypeWBXML     = "application/vnd.wap.coc"
	ContentTypeCode      = 0x31 // text/vnd.wap.co
	ContentTypeWBXMLCode = 0x32 // application/vnd.wap.coc
)

// Identifiers of the CO 1.0 DTD.
const (
	PublicID = wbxml.PublicIDCO10 // WBXML public identifier
	FPI      = "-//WAPFORUM//DTD CO 1.0//EN"
	SystemID = "http://www.wapforum.org/DTD/co_1.0.dtd"
)

// Version is the WBXML version CO documents are compiled to (1.2, like SI
// and SL).
const Version = wbxml.Version12

// Table holds the CO 1.0 tokens (WAP-175 section 8; confirmed with
// libwbxml's xml2wbxml). It is read-only.
var Table = &wbxml.TokenTable{
	PublicID: PublicID,
	FPI:      FPI,
	SystemID: SystemID,
	Tags: []wbxml.Tag{
		{Token: 0x05, Name: "co"},
		{Token: 0x06, Name: "invalidate-object"},
		{Token: 0x07, Name: "invalidate-service"},
	},
	AttrStarts: []wbxml.AttrStart{
		{Token: 0x05, Name: "uri"},
		{Token: 0x06, Name: "uri", Prefix: "http://"},
		{Token: 0x07, Name: "uri", Prefix: "http://www."},
		{Token: 0x08, Name: "uri", Prefix: "https://"},
		{Token: 0x09, Name: "uri", Prefix: "https://www."},
	},
	AttrValues: []wbxml.AttrValue{
		{Token: 0x85, Value: ".com/"},
		{Token: 0x86, Value: ".edu/"},
		{Token: 0x87, Value: ".net/"},
		{Token: 0x88, Value: ".org/"},
	},
}

// Target says what an invalidation applies to.
type Target int

const (
	// Object invalidates the cached object whose URL is the URI.
	Object Target = iota
	// Service invalidates every cached object whose URL begins with the
	// URI.
	Service
)

// element returns the CO element name for t.
func (t Target) element() string {
	if t == Service {
		return "invalidate-service"
	}
	return "invalidate-object"
}

// Invalidation is one cache operation.
type Invalidation struct {
	Target Target
	URI    string
}

// CO is a Cache Operation document: one or more invalidations, in order.
type CO struct {
	Invalidations []Invalidation
}

func invalid(element, attr, reason string) *wbxml.ValidityError {
	return &wbxml.ValidityError{DocType: "co", Element: element, Attr: attr, Reason: reason}
}

// docType reads both forms of a CO, checking the root element and public
// identifier before fromDocument sees the tree.
var docType = &wbxml.DocType[*CO]{Name: "co", Root: "co", Table: Table, FromDocument: fromDocument}

// Parse parses and validates a CO document in XML, with or without the XML
// declaration and DOCTYPE. Validation errors are *wbxml.ValidityError
// values naming the element and attribute; malformed XML gives a
// *wbxml.XMLSyntaxError.
func Parse(xml []byte) (*CO, error) {
	return docType.ParseXML(xml)
}

// DecodeWBXML decodes and validates a compiled CO (application/vnd.wap.coc).
// Malformed WBXML gives a *wbxml.DecodeError.
func DecodeWBXML(b []byte) (*CO, error) {
	return docType.Decode(b)
}

// fromDocument checks the rest of doc against the CO DTD and converts it.
func fromDocument(doc *wbxml.Document) (*CO, error) {
	root := doc.Root
	if len(root.Attrs) > 0 {
		return nil, invalid("co", root.Attrs[0].Name, "attribute not declared for this element")
	}
	c := &CO{Invalidations: make([]Invalidation, 0, len(root.Content))}
	for _, n := range root.Content {
		e, ok := n.(*wbxml.Element)
		if !ok {
			return nil, invalid("co", "", "text or OPAQUE data where <invalidate-object> or <invalidate-service> was expected")
		}
		var inv Invalidation
		switch e.Name {
		case "invalidate-object":
			inv.Target = Object
		case "invalidate-service":
			inv.Target = Service
		default:
			return nil, invalid(e.Name, "", "element not allowed in <co>")
		}
		hasURI := false
		for _, a := range e.Attrs {
			switch {
			case a.Name != "uri":
				return nil, invalid(e.Name, a.Name, "attribute not declared for this element")
			case hasURI:
				return nil, invalid(e.Name, a.Name, "attribute repeated")
			case a.Opaque != nil:
				return nil, invalid(e.Name, a.Name, "OPAQUE data where text was expected")
			}
			inv.URI, hasURI = a.Value, true
		}
		if !hasURI {
			return nil, invalid(e.Name, "uri", "required attribute missing")
		}
		if len(e.Content) > 0 {
			return nil, invalid(e.Name, "", "empty element holds content")
		}
		c.Invalidations = append(c.Invalidations, inv)
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// Validate checks what the DTD requires of c: at least one invalidation,
// each with a URI that XML can carry.
func (c *CO) Validate() error {
	if len(c.Invalidations) == 0 {
		return invalid("co", "", "needs at least one <invalidate-object> or <invalidate-service>")
	}
	for _, inv := range c.Invalidations {
		if inv.Target != Object && inv.Target != Service {
			return invalid("co", "", "invalidation target "+strconv.Itoa(int(inv.Target))+" is neither Object nor Service")
		}
		if inv.URI == "" {
			return invalid(inv.Target.element(), "uri", "required attribute missing or empty")
		}
		if !wbxml.ValidText(inv.URI) {
			return invalid(inv.Target.element(), "uri", "not valid UTF-8 XML text")
		}
	}
	return nil
}

func (c *CO) document() *wbxml.Document {
	elements := make([]wbxml.Element, len(c.Invalidations))
	attrs := make([]wbxml.Attr, len(c.Invalidations))
	content := make([]wbxml.Node, len(c.Invalidations))
	for i, inv := range c.Invalidations {
		attrs[i] = wbxml.Attr{Name: "uri", Value: inv.URI}
		elements[i] = wbxml.Element{Name: inv.Target.element(), Attrs: attrs[i : i+1]}
		content[i] = &elements[i]
	}
	return &wbxml.Document{Version: Version, FPI: FPI, SystemID: SystemID, Root: &wbxml.Element{Name: "co", Content: content}}
}

// MarshalWBXML validates c and compiles it to WBXML 1.2 with public
// identifier CO 1.0 and charset UTF-8.
func (c *CO) MarshalWBXML() ([]byte, error) {
	return c.AppendWBXML(nil)
}

// AppendWBXML is MarshalWBXML appending to dst.
func (c *CO) AppendWBXML(dst []byte) ([]byte, error) {
	if err := c.Validate(); err != nil {
		return dst, err
	}
	return wbxml.Append(dst, c.document(), Table)
}

// XML validates c and returns it as an XML document with the CO DOCTYPE.
func (c *CO) XML() ([]byte, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c.document().AppendXML(nil), nil
}
