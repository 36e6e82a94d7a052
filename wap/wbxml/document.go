package wbxml

// Document is a WBXML (or XML) document.
type Document struct {
	// Version is the WBXML version octet (Version12 for WBXML 1.2). It is
	// zero, meaning WBXML 1.0, for a document read by ParseXML.
	Version byte
	// PublicID is the numeric public identifier as read, or 0 when the
	// identifier was given as a string.
	PublicID uint32
	// FPI is the formal public identifier: from the DOCTYPE of an XML
	// document, or from the token table or string table of a WBXML one.
	FPI string
	// SystemID is the DTD's URL from the DOCTYPE, or from the token table.
	SystemID string
	// Root is the document element.
	Root *Element
}

// Element is an element with its attributes, in document order, and content.
type Element struct {
	Name    string
	Attrs   []Attr
	Content []Node
}

// Attr is an attribute. Its value is text, OPAQUE data or both: WBXML lets
// a value mix strings, value tokens and OPAQUE parts (SI dates are sent as
// OPAQUE only). When both are present the text comes first on the wire.
type Attr struct {
	Name   string
	Value  string
	Opaque []byte
}

// Node is a piece of element content: *Element, Text or Opaque.
type Node interface {
	isNode()
}

// Text is character data. Strings, string-table references and entities
// that follow one another decode into one Text.
type Text string

// Opaque is OPAQUE data in element content.
type Opaque []byte

func (*Element) isNode() {}
func (Text) isNode()     {}
func (Opaque) isNode()   {}

// Attr returns the attribute called name and whether the element has it.
func (e *Element) Attr(name string) (Attr, bool) {
	for _, a := range e.Attrs {
		if a.Name == name {
			return a, true
		}
	}
	return Attr{}, false
}
