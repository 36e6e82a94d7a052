package wbxml

// Tag is a tag token of a code page.
type Tag struct {
	Page  byte   // code page
	Token byte   // token identity, 0x05–0x3F (without the attribute and content bits)
	Name  string // element name
}

// AttrStart is an attribute-start token: it names an attribute and may carry
// the first part of its value.
type AttrStart struct {
	Page   byte   // code page
	Token  byte   // 0x05–0x3F or 0x45–0x7F
	Name   string // attribute name
	Prefix string // value prefix carried by the token; "" for none
}

// AttrValue is an attribute-value token: a well-known piece of text that may
// occur anywhere in an attribute value.
type AttrValue struct {
	Page  byte   // code page
	Token byte   // 0x85–0xBF or 0xC5–0xFF
	Value string // the text the token stands for
}

// TokenTable describes one document type: its public identifier and tokens.
// Tables are read-only once built and may be shared by any number of
// goroutines.
type TokenTable struct {
	// PublicID is the well-known WBXML public identifier (5 for SI 1.0);
	// 0 if the document type has none, in which case FPI is sent through
	// the string table.
	PublicID uint32
	// FPI is the formal public identifier of the DTD, as in the XML
	// DOCTYPE ("-//WAPFORUM//DTD SI 1.0//EN").
	FPI string
	// SystemID is the DTD's URL written in the XML DOCTYPE.
	SystemID string

	Tags       []Tag
	AttrStarts []AttrStart
	AttrValues []AttrValue
}

// Public identifiers registered in WAP-192-WBXML section 7.2 and the WINA
// registry for the document types of this module.
const (
	PublicIDString  = 0x00 // the identifier is a string in the string table
	PublicIDUnknown = 0x01
	PublicIDSI10    = 0x05 // -//WAPFORUM//DTD SI 1.0//EN
	PublicIDSL10    = 0x06 // -//WAPFORUM//DTD SL 1.0//EN
	PublicIDCO10    = 0x07 // -//WAPFORUM//DTD CO 1.0//EN
)

// WBXML version octets: the high nibble is the major version minus one,
// the low nibble the minor version.
const (
	Version10 byte = 0x00
	Version11 byte = 0x01
	Version12 byte = 0x02
	Version13 byte = 0x03
)

// IANA MIBenum values of the character sets the decoder understands.
const (
	CharsetUnknown  = 0
	CharsetUSASCII  = 3
	CharsetISO88591 = 4
	CharsetUTF8     = 106
)

func (t *TokenTable) tagByToken(page, token byte) (string, bool) {
	if t == nil {
		return "", false
	}
	for i := range t.Tags {
		if tg := &t.Tags[i]; tg.Page == page && tg.Token == token {
			return tg.Name, true
		}
	}
	return "", false
}

func (t *TokenTable) tagByName(name string) (Tag, bool) {
	for _, tg := range t.Tags {
		if tg.Name == name {
			return tg, true
		}
	}
	return Tag{}, false
}

func (t *TokenTable) attrStartByToken(page, token byte) (*AttrStart, bool) {
	if t == nil {
		return nil, false
	}
	for i := range t.AttrStarts {
		if as := &t.AttrStarts[i]; as.Page == page && as.Token == token {
			return as, true
		}
	}
	return nil, false
}

func (t *TokenTable) attrValueByToken(page, token byte) (string, bool) {
	if t == nil {
		return "", false
	}
	for i := range t.AttrValues {
		if av := &t.AttrValues[i]; av.Page == page && av.Token == token {
			return av.Value, true
		}
	}
	return "", false
}

// longestAttrStart returns the attribute-start token for name whose prefix
// is the longest one that value begins with.
func (t *TokenTable) longestAttrStart(name, value string) (*AttrStart, bool) {
	var best *AttrStart
	for i := range t.AttrStarts {
		as := &t.AttrStarts[i]
		if as.Name != name || len(as.Prefix) > len(value) || value[:len(as.Prefix)] != as.Prefix {
			continue
		}
		if best == nil || len(as.Prefix) > len(best.Prefix) {
			best = as
		}
	}
	return best, best != nil
}

func isTagToken(b byte) bool { return b >= 0x05 && b <= 0x3F }

func isAttrStartToken(b byte) bool { return (b >= 0x05 && b <= 0x3F) || (b >= 0x45 && b <= 0x7F) }

func isAttrValueToken(b byte) bool { return (b >= 0x85 && b <= 0xBF) || b >= 0xC5 }
