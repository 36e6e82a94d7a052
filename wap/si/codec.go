package si

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/txpush/txpush/wap/wbxml"
)

// docType reads both forms of an SI, checking the root element and public
// identifier before fromDocument sees the tree.
var docType = &wbxml.DocType[*SI]{Name: "si", Root: "si", Table: Table, FromDocument: fromDocument}

// Parse parses and validates an SI document in XML, with or without the
// XML declaration and DOCTYPE. Leading and trailing whitespace around the
// text of <indication> and <item> is dropped, as the WBXML compilers do.
// Validation errors are *wbxml.ValidityError values naming the element and
// attribute; malformed XML gives a *wbxml.XMLSyntaxError.
func Parse(xml []byte) (*SI, error) {
	return docType.ParseXML(xml)
}

// DecodeWBXML decodes and validates a compiled SI (application/vnd.wap.sic).
// Malformed WBXML gives a *wbxml.DecodeError.
func DecodeWBXML(b []byte) (*SI, error) {
	return docType.Decode(b)
}

func invalid(element, attr, reason string) *wbxml.ValidityError {
	return &wbxml.ValidityError{DocType: "si", Element: element, Attr: attr, Reason: reason}
}

// fromDocument checks the rest of doc against the SI DTD and converts it.
func fromDocument(doc *wbxml.Document) (*SI, error) {
	root := doc.Root
	if len(root.Attrs) > 0 {
		return nil, invalid("si", root.Attrs[0].Name, "attribute not declared for this element")
	}
	s := &SI{}
	seenIndication, seenInfo := false, false
	for _, n := range root.Content {
		e, ok := n.(*wbxml.Element)
		if !ok {
			return nil, invalid("si", "", "text or OPAQUE data where <indication> or <info> was expected")
		}
		switch {
		case e.Name == "indication" && !seenIndication:
			seenIndication = true
			if err := s.readIndication(e); err != nil {
				return nil, err
			}
		case e.Name == "info" && seenIndication && !seenInfo:
			seenInfo = true
			if err := s.readInfo(e); err != nil {
				return nil, err
			}
		default:
			return nil, invalid(e.Name, "", "element not allowed here: <si> holds one <indication> and then at most one <info>")
		}
	}
	if !seenIndication {
		return nil, invalid("si", "", "required child <indication> missing")
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *SI) readIndication(e *wbxml.Element) error {
	var seen uint8 // bit i: attrID i read
	for _, a := range e.Attrs {
		id := attrNone
		for i, name := range attrNames {
			if name == a.Name && name != "" {
				id = attrID(i)
			}
		}
		if id == attrNone {
			return invalid("indication", a.Name, "attribute not declared for this element")
		}
		if seen&(1<<id) != 0 {
			return invalid("indication", a.Name, "attribute repeated")
		}
		seen |= 1 << id
		// An empty value is no value: it is not written back either.
		if a.Value != "" || a.Opaque != nil {
			s.order.add(id)
		}
		var err error
		switch id {
		case attrHref:
			s.Href, err = stringValue("indication", a)
		case attrSIID:
			s.SIID, err = stringValue("indication", a)
		case attrAction:
			var v string
			if v, err = stringValue("indication", a); err == nil {
				s.Action = Action(v)
				if !s.Action.valid() {
					err = invalid("indication", a.Name, strconv.Quote(v)+" is not one of signal-none, signal-low, signal-medium, signal-high, delete")
				}
			}
		case attrCreated:
			s.Created, err = dateValue(a)
		case attrExpires:
			s.Expires, err = dateValue(a)
		}
		if err != nil {
			return err
		}
	}
	text, err := textContent(e)
	if err != nil {
		return err
	}
	s.Text = text
	return nil
}

func (s *SI) readInfo(e *wbxml.Element) error {
	if len(e.Attrs) > 0 {
		return invalid("info", e.Attrs[0].Name, "attribute not declared for this element")
	}
	for _, n := range e.Content {
		item, ok := n.(*wbxml.Element)
		if !ok || item.Name != "item" {
			return invalid("info", "", "only <item> elements are allowed in <info>")
		}
		var it Item
		hasClass := false
		for _, a := range item.Attrs {
			if a.Name != "class" {
				return invalid("item", a.Name, "attribute not declared for this element")
			}
			v, err := stringValue("item", a)
			if err != nil {
				return err
			}
			it.Class, hasClass = v, true
		}
		if !hasClass {
			return invalid("item", "class", "required attribute missing")
		}
		text, err := textContent(item)
		if err != nil {
			return err
		}
		it.Text = text
		s.Info = append(s.Info, it)
	}
	if len(s.Info) == 0 {
		return invalid("info", "", "<info> needs at least one <item>")
	}
	return nil
}

func stringValue(element string, a wbxml.Attr) (string, error) {
	if a.Opaque != nil {
		return "", invalid(element, a.Name, "OPAQUE data where text was expected")
	}
	return a.Value, nil
}

// dateValue reads a date given as OPAQUE (WBXML) or as text (XML, or a
// WBXML encoder that sent the string).
func dateValue(a wbxml.Attr) (time.Time, error) {
	var (
		t   time.Time
		err error
	)
	switch {
	case a.Opaque != nil && a.Value == "":
		t, err = decodeDate(a.Opaque)
	case a.Opaque == nil:
		t, err = parseDate(a.Value)
	default:
		return t, invalid("indication", a.Name, "date mixes text and OPAQUE data")
	}
	if err != nil {
		v := strconv.Quote(a.Value)
		if a.Opaque != nil {
			v = "OPAQUE " + hex(a.Opaque)
		}
		return t, invalid("indication", a.Name, v+": "+err.Error())
	}
	return t, nil
}

// textContent returns the text of an element that may hold only text.
func textContent(e *wbxml.Element) (string, error) {
	if len(e.Content) == 1 {
		if t, ok := e.Content[0].(wbxml.Text); ok {
			return string(t), nil
		}
	}
	var b strings.Builder
	for _, n := range e.Content {
		t, ok := n.(wbxml.Text)
		if !ok {
			return "", invalid(e.Name, "", "only text is allowed in this element")
		}
		b.WriteString(string(t))
	}
	return b.String(), nil
}

// Validate checks what the DTD and WAP-167 require of s: a known action, an
// id for delete, dates that fit the YYYY form, a class on every item, and
// text that XML can carry.
func (s *SI) Validate() error {
	if s.Action != "" && !s.Action.valid() {
		return invalid("indication", "action", strconv.Quote(string(s.Action))+" is not one of signal-none, signal-low, signal-medium, signal-high, delete")
	}
	if s.Action == Delete && s.ID() == "" {
		return invalid("indication", "si-id", "action delete needs si-id (or href, which it defaults to) to name the SI to delete")
	}
	if !s.Created.IsZero() && !validDateRange(s.Created) {
		return invalid("indication", "created", "year outside 0000–9999")
	}
	if !s.Expires.IsZero() && !validDateRange(s.Expires) {
		return invalid("indication", "si-expires", "year outside 0000–9999")
	}
	for _, f := range [...]struct{ attr, v string }{{"href", s.Href}, {"si-id", s.SIID}, {"", s.Text}} {
		if !wbxml.ValidText(f.v) {
			return invalid("indication", f.attr, "not valid UTF-8 XML text")
		}
	}
	for _, it := range s.Info {
		if !nmtoken(it.Class) {
			return invalid("item", "class", strconv.Quote(it.Class)+" is not a name token")
		}
		if !wbxml.ValidText(it.Text) {
			return invalid("item", "", "not valid UTF-8 XML text")
		}
	}
	return nil
}

// nmtoken reports whether s is an XML name token (NMTOKEN).
func nmtoken(s string) bool {
	if s == "" || !utf8.ValidString(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == ':' || c >= utf8.RuneSelf) {
			return false
		}
	}
	return true
}

// MarshalWBXML validates s and compiles it to WBXML 1.2 with public
// identifier SI 1.0 and charset UTF-8, dates as OPAQUE with trailing zero
// octets left out.
func (s *SI) MarshalWBXML() ([]byte, error) {
	return s.AppendWBXML(nil)
}

// AppendWBXML is MarshalWBXML appending to dst.
func (s *SI) AppendWBXML(dst []byte) ([]byte, error) {
	if err := s.Validate(); err != nil {
		return dst, err
	}
	// The tree lives on the stack: wbxml.Append does not keep it.
	var (
		attrs            [numAttrs]wbxml.Attr
		created, expires [7]byte
		n                int
	)
	for _, id := range s.order.sequence() {
		var a wbxml.Attr
		switch id {
		case attrHref:
			a.Value = s.Href
		case attrSIID:
			a.Value = s.SIID
		case attrAction:
			a.Value = string(s.Action)
		case attrCreated:
			if !s.Created.IsZero() {
				a.Opaque = appendDate(created[:0], s.Created)
			}
		case attrExpires:
			if !s.Expires.IsZero() {
				a.Opaque = appendDate(expires[:0], s.Expires)
			}
		}
		if a.Value == "" && a.Opaque == nil {
			continue
		}
		a.Name = attrNames[id]
		attrs[n] = a
		n++
	}
	indication := wbxml.Element{Name: "indication", Attrs: attrs[:n]}
	text := [1]wbxml.Node{wbxml.Text(s.Text)}
	if s.Text != "" {
		indication.Content = text[:]
	}
	content := [2]wbxml.Node{&indication}
	root := wbxml.Element{Name: "si", Content: content[:1]}
	if len(s.Info) > 0 {
		content[1] = infoElement(s.Info)
		root.Content = content[:2]
	}
	doc := wbxml.Document{Version: Version, Root: &root}
	return wbxml.Append(dst, &doc, Table)
}

// infoElement builds the <info> element.
func infoElement(info []Item) *wbxml.Element {
	items := make([]wbxml.Element, len(info))
	nodes := make([]wbxml.Node, len(info))
	for i, it := range info {
		items[i] = wbxml.Element{Name: "item", Attrs: []wbxml.Attr{{Name: "class", Value: it.Class}}}
		if it.Text != "" {
			items[i].Content = []wbxml.Node{wbxml.Text(it.Text)}
		}
		nodes[i] = &items[i]
	}
	return &wbxml.Element{Name: "info", Content: nodes}
}

// XML validates s and returns it as an XML document with the SI DOCTYPE.
func (s *SI) XML() ([]byte, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	indication := &wbxml.Element{Name: "indication"}
	for _, id := range s.order.sequence() {
		var v string
		switch id {
		case attrHref:
			v = s.Href
		case attrSIID:
			v = s.SIID
		case attrAction:
			v = string(s.Action)
		case attrCreated:
			if !s.Created.IsZero() {
				v = formatDate(s.Created)
			}
		case attrExpires:
			if !s.Expires.IsZero() {
				v = formatDate(s.Expires)
			}
		}
		if v != "" {
			indication.Attrs = append(indication.Attrs, wbxml.Attr{Name: attrNames[id], Value: v})
		}
	}
	if s.Text != "" {
		indication.Content = []wbxml.Node{wbxml.Text(s.Text)}
	}
	root := &wbxml.Element{Name: "si", Content: []wbxml.Node{indication}}
	if len(s.Info) > 0 {
		root.Content = append(root.Content, infoElement(s.Info))
	}
	doc := &wbxml.Document{FPI: FPI, SystemID: SystemID, Root: root}
	return doc.AppendXML(nil), nil
}

func hex(b []byte) string {
	const digits = "0123456789ABCDEF"
	out := make([]byte, 0, 3*len(b))
	for i, c := range b {
		if i > 0 {
			out = append(out, ' ')
		}
		out = append(out, digits[c>>4], digits[c&0x0F])
	}
	return string(out)
}
