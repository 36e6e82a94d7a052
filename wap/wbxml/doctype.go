package wbxml

import "strconv"

// A DocType is a document type defined on WBXML, such as SI, SL or CO,
// together with the conversion of its document tree to the Go value of
// type T that represents it. Its ParseXML and Decode read the XML or the
// WBXML form, check that the document is of this type and convert it: the
// one path by which both forms reach the type's own validation.
type DocType[T any] struct {
	// Name is the short name that ValidityError.DocType carries: "si".
	Name string
	// Root is the name of the root element.
	Root string
	// Table holds the type's tokens and its formal public identifier.
	Table *TokenTable
	// FromDocument validates a document whose root element and public
	// identifier have been checked, and converts it.
	FromDocument func(*Document) (T, error)
}

// ParseXML parses the XML form of a document, with or without the XML
// declaration and DOCTYPE, and converts it. Malformed XML gives a
// *XMLSyntaxError.
func (dt *DocType[T]) ParseXML(xml []byte) (T, error) {
	doc, err := ParseXML(xml)
	if err != nil {
		var zero T
		return zero, err
	}
	return dt.convert(doc)
}

// Decode decodes the WBXML form of a document with dt.Table and converts
// it. Malformed WBXML gives a *DecodeError.
func (dt *DocType[T]) Decode(b []byte) (T, error) {
	doc, err := Decode(b, dt.Table)
	if err != nil {
		var zero T
		return zero, err
	}
	return dt.convert(doc)
}

// convert checks what every document type requires, that a formal public
// identifier, if the document names one, is the type's and that the root
// element is the type's, and hands the document to dt.FromDocument.
func (dt *DocType[T]) convert(doc *Document) (T, error) {
	var zero T
	root := doc.Root.Name
	if doc.FPI != "" && doc.FPI != dt.Table.FPI {
		return zero, &ValidityError{DocType: dt.Name, Element: root, Reason: "public identifier " + strconv.Quote(doc.FPI) + " is not " + strconv.Quote(dt.Table.FPI)}
	}
	if root != dt.Root {
		return zero, &ValidityError{DocType: dt.Name, Element: root, Reason: "the root element must be <" + dt.Root + ">"}
	}
	return dt.FromDocument(doc)
}
