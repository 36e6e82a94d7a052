package wbxml

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/txpush/txpush/wap/internal/uintvar"
)

// Global tokens (WAP-192-WBXML section 7.1), valid in every code page.
const (
	tokSwitchPage = 0x00
	tokEnd        = 0x01
	tokEntity     = 0x02
	tokStrI       = 0x03
	tokLiteral    = 0x04
	tokExtI0      = 0x40
	tokExtI1      = 0x41
	tokExtI2      = 0x42
	tokPI         = 0x43
	tokLiteralC   = 0x44
	tokExtT0      = 0x80
	tokExtT1      = 0x81
	tokExtT2      = 0x82
	tokStrT       = 0x83
	tokLiteralA   = 0x84
	tokExt0       = 0xC0
	tokExt1       = 0xC1
	tokExt2       = 0xC2
	tokOpaque     = 0xC3
	tokLiteralAC  = 0xC4

	flagAttrs   = 0x80
	flagContent = 0x40
)

// maxDepth bounds element nesting. The WAP document types nest three or
// four levels; the bound keeps hostile input from exhausting the stack.
const maxDepth = 64

// Decode decodes the WBXML document b. The token table is chosen among
// tables by the document's public identifier (numeric, or the string in the
// string table); a document whose identifier is "unknown" (1) is decoded
// with the only table when exactly one is given. Strings in US-ASCII or
// ISO-8859-1 documents are converted to UTF-8.
func Decode(b []byte, tables ...*TokenTable) (*Document, error) {
	d := decoder{b: b}
	return d.document(tables)
}

type decoder struct {
	b        []byte
	s        string // b as a string, so that inline strings need no copies
	pos      int
	strtbl   string
	strtblAt int // offset of the string table in b
	latin1   bool
	table    *TokenTable
	tagPage  byte
	attrPage byte
}

func (d *decoder) errorf(offset int, format string, args ...any) *DecodeError {
	return &DecodeError{Offset: offset, Reason: fmt.Sprintf(format, args...)}
}

func (d *decoder) byte(expected string) (byte, error) {
	if d.pos >= len(d.b) {
		return 0, truncated(d.pos, expected)
	}
	c := d.b[d.pos]
	d.pos++
	return c, nil
}

// mbUint32 reads a multi-byte unsigned integer (section 5.1): big-endian
// groups of 7 bits, the high bit set on every octet but the last.
func (d *decoder) mbUint32(what string) (uint32, error) {
	v, n, err := uintvar.Decode(d.b[d.pos:])
	switch {
	case errors.Is(err, uintvar.ErrTruncated):
		return 0, truncated(len(d.b), what+" (multi-byte integer)")
	case err != nil:
		return 0, d.errorf(d.pos, "%s does not fit in 32 bits", what)
	}
	d.pos += n
	return v, nil
}

// length reads a multi-byte length and checks that that many octets follow.
func (d *decoder) length(what string) (int, error) {
	at := d.pos
	n, err := d.mbUint32(what + " length")
	if err != nil {
		return 0, err
	}
	if uint64(n) > uint64(len(d.b)-d.pos) {
		return 0, &DecodeError{Offset: at, Reason: fmt.Sprintf("%s length %d exceeds the %d octets left", what, n, len(d.b)-d.pos), Err: io.ErrUnexpectedEOF}
	}
	return int(n), nil
}

func (d *decoder) document(tables []*TokenTable) (*Document, error) {
	doc := &Document{}
	v, err := d.byte("version")
	if err != nil {
		return nil, err
	}
	if v > Version13 {
		return nil, d.errorf(0, "version octet 0x%02X is not a WBXML version (want 0x00–0x03)", v)
	}
	doc.Version = v
	if doc.PublicID, err = d.mbUint32("public identifier"); err != nil {
		return nil, err
	}
	fpiIndex, fpiAt := uint32(0), d.pos
	if doc.PublicID == PublicIDString {
		if fpiIndex, err = d.mbUint32("public identifier string table index"); err != nil {
			return nil, err
		}
	}
	if v >= Version11 {
		at := d.pos
		cs, err := d.mbUint32("charset")
		if err != nil {
			return nil, err
		}
		switch cs {
		case CharsetUnknown, CharsetUSASCII, CharsetUTF8:
		case CharsetISO88591:
			d.latin1 = true
		default:
			return nil, d.errorf(at, "charset MIBenum %d is not supported (want 106 utf-8, 3 us-ascii or 4 iso-8859-1)", cs)
		}
	}
	n, err := d.length("string table")
	if err != nil {
		return nil, err
	}
	d.s = string(d.b)
	d.strtblAt = d.pos
	d.strtbl = d.s[d.pos : d.pos+n]
	d.pos += n

	if doc.PublicID == PublicIDString {
		if doc.FPI, err = d.tableString(fpiIndex, fpiAt); err != nil {
			return nil, err
		}
	}
	for _, t := range tables {
		if t == nil {
			continue
		}
		if doc.PublicID != PublicIDString && t.PublicID == doc.PublicID ||
			doc.PublicID == PublicIDString && doc.FPI != "" && t.FPI == doc.FPI {
			d.table = t
			break
		}
	}
	if d.table == nil && doc.PublicID == PublicIDUnknown && len(tables) == 1 {
		d.table = tables[0]
	}
	if d.table == nil && len(tables) > 0 {
		id := strconv.Itoa(int(doc.PublicID))
		if doc.PublicID == PublicIDString {
			id = strconv.Quote(doc.FPI)
		}
		return nil, d.errorf(1, "public identifier %s matches none of the given token tables", id)
	}
	if d.table != nil {
		if doc.FPI == "" {
			doc.FPI = d.table.FPI
		}
		doc.SystemID = d.table.SystemID
	}

	if err := d.skipPIs(); err != nil {
		return nil, err
	}
	if doc.Root, err = d.element(0); err != nil {
		return nil, err
	}
	if err := d.skipPIs(); err != nil {
		return nil, err
	}
	if d.pos != len(d.b) {
		return nil, d.errorf(d.pos, "unexpected token 0x%02X after the root element (want end of document)", d.b[d.pos])
	}
	return doc, nil
}

// tableString returns the NUL-terminated string at offset i of the string
// table; at is the offset of the reference, for errors.
func (d *decoder) tableString(i uint32, at int) (string, error) {
	if uint64(i) >= uint64(len(d.strtbl)) {
		return "", d.errorf(at, "string table index %d outside the %d-octet string table", i, len(d.strtbl))
	}
	rest := d.strtbl[i:]
	for j := 0; j < len(rest); j++ {
		if rest[j] == 0 {
			return d.text(rest[:j]), nil
		}
	}
	return "", d.errorf(d.strtblAt+int(i), "string at string table index %d has no terminating NUL", i)
}

// inlineString reads a NUL-terminated string at the current position.
func (d *decoder) inlineString() (string, error) {
	start := d.pos
	for i := start; i < len(d.b); i++ {
		if d.b[i] == 0 {
			d.pos = i + 1
			return d.text(d.s[start:i]), nil
		}
	}
	return "", truncated(len(d.b), "NUL terminating the inline string at offset "+strconv.Itoa(start))
}

// text converts a string of the document's charset to UTF-8.
func (d *decoder) text(s string) string {
	if !d.latin1 {
		return s
	}
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	buf := make([]byte, 0, len(s)*2)
	for i := 0; i < len(s); i++ {
		buf = utf8.AppendRune(buf, rune(s[i]))
	}
	return string(buf)
}

func (d *decoder) entity() (string, error) {
	at := d.pos
	c, err := d.mbUint32("entity character code")
	if err != nil {
		return "", err
	}
	// Only characters XML can carry: no NUL or other C0 controls but
	// tab, LF and CR, no surrogates, nothing beyond U+10FFFF.
	r := rune(c)
	if c > utf8.MaxRune || (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || (r >= 0xD800 && r <= 0xDFFF) || r == 0xFFFE || r == 0xFFFF {
		return "", d.errorf(at, "entity U+%04X is not an XML character", c)
	}
	return string(r), nil
}

func (d *decoder) opaque() ([]byte, error) {
	n, err := d.length("OPAQUE")
	if err != nil {
		return nil, err
	}
	data := make([]byte, n)
	copy(data, d.b[d.pos:])
	d.pos += n
	return data, nil
}

func (d *decoder) switchPage(page *byte) error {
	p, err := d.byte("code page number after SWITCH_PAGE")
	if err != nil {
		return err
	}
	*page = p
	return nil
}

// skipPIs skips processing instructions, which carry nothing the document
// types of this module use.
func (d *decoder) skipPIs() error {
	for d.pos < len(d.b) && d.b[d.pos] == tokPI {
		d.pos++
		if _, err := d.attrs(); err != nil {
			return err
		}
	}
	return nil
}

func (d *decoder) element(depth int) (*Element, error) {
	if depth >= maxDepth {
		return nil, d.errorf(d.pos, "elements nested deeper than %d", maxDepth)
	}
	var (
		tag byte
		at  int
	)
	for {
		at = d.pos
		var err error
		if tag, err = d.byte("a tag"); err != nil {
			return nil, err
		}
		if tag != tokSwitchPage {
			break
		}
		if err := d.switchPage(&d.tagPage); err != nil {
			return nil, err
		}
	}
	e := &Element{}
	switch id := tag & 0x3F; {
	case id == tokLiteral:
		ref := d.pos
		i, err := d.mbUint32("LITERAL tag name index")
		if err != nil {
			return nil, err
		}
		if e.Name, err = d.tableString(i, ref); err != nil {
			return nil, err
		}
	case isTagToken(id):
		name, ok := d.table.tagByToken(d.tagPage, id)
		if !ok {
			return nil, d.errorf(at, "unknown tag token 0x%02X in code page %d", id, d.tagPage)
		}
		e.Name = name
	default:
		return nil, d.errorf(at, "global token 0x%02X where a tag was expected", tag)
	}
	if tag&flagAttrs != 0 {
		attrs, err := d.attrs()
		if err != nil {
			return nil, err
		}
		e.Attrs = attrs
	}
	if tag&flagContent != 0 {
		if err := d.content(e, depth); err != nil {
			return nil, err
		}
	}
	return e, nil
}

func (d *decoder) content(e *Element, depth int) error {
	var (
		text    string
		hasText bool
	)
	flush := func() {
		if hasText {
			e.Content = append(e.Content, Text(text))
			text, hasText = "", false
		}
	}
	addText := func(s string) {
		if hasText {
			text += s
		} else {
			text, hasText = s, true
		}
	}
	for {
		at := d.pos
		if at >= len(d.b) {
			return truncated(at, "content or END of <"+e.Name+">")
		}
		switch tok := d.b[at]; tok {
		case tokEnd:
			d.pos++
			flush()
			return nil
		case tokSwitchPage:
			d.pos++
			if err := d.switchPage(&d.tagPage); err != nil {
				return err
			}
		case tokStrI:
			d.pos++
			s, err := d.inlineString()
			if err != nil {
				return err
			}
			addText(s)
		case tokStrT:
			d.pos++
			i, err := d.mbUint32("STR_T index")
			if err != nil {
				return err
			}
			s, err := d.tableString(i, at+1)
			if err != nil {
				return err
			}
			addText(s)
		case tokEntity:
			d.pos++
			s, err := d.entity()
			if err != nil {
				return err
			}
			addText(s)
		case tokOpaque:
			d.pos++
			data, err := d.opaque()
			if err != nil {
				return err
			}
			flush()
			e.Content = append(e.Content, Opaque(data))
		case tokPI:
			d.pos++
			if _, err := d.attrs(); err != nil {
				return err
			}
		case tokExtI0, tokExtI1, tokExtI2, tokExtT0, tokExtT1, tokExtT2, tokExt0, tokExt1, tokExt2:
			return d.errorf(at, "extension token 0x%02X is not defined for this document type", tok)
		default:
			flush()
			child, err := d.element(depth + 1)
			if err != nil {
				return err
			}
			e.Content = append(e.Content, child)
		}
	}
}

// attrs reads an attribute list up to and including its END.
func (d *decoder) attrs() ([]Attr, error) {
	var (
		attrs []Attr
		cur   *Attr
	)
	for {
		at := d.pos
		tok, err := d.byte("an attribute or END")
		if err != nil {
			return nil, err
		}
		switch {
		case tok == tokEnd:
			return attrs, nil
		case tok == tokSwitchPage:
			if err := d.switchPage(&d.attrPage); err != nil {
				return nil, err
			}
		case tok == tokLiteral:
			i, err := d.mbUint32("LITERAL attribute name index")
			if err != nil {
				return nil, err
			}
			name, err := d.tableString(i, at+1)
			if err != nil {
				return nil, err
			}
			attrs = append(attrs, Attr{Name: name})
			cur = &attrs[len(attrs)-1]
		case isAttrStartToken(tok):
			as, ok := d.table.attrStartByToken(d.attrPage, tok)
			if !ok {
				return nil, d.errorf(at, "unknown attribute-start token 0x%02X in code page %d", tok, d.attrPage)
			}
			attrs = append(attrs, Attr{Name: as.Name, Value: as.Prefix})
			cur = &attrs[len(attrs)-1]
		case cur == nil:
			return nil, d.errorf(at, "token 0x%02X where an attribute-start token was expected", tok)
		case tok == tokStrI:
			s, err := d.inlineString()
			if err != nil {
				return nil, err
			}
			cur.Value += s
		case tok == tokStrT:
			i, err := d.mbUint32("STR_T index")
			if err != nil {
				return nil, err
			}
			s, err := d.tableString(i, at+1)
			if err != nil {
				return nil, err
			}
			cur.Value += s
		case tok == tokEntity:
			s, err := d.entity()
			if err != nil {
				return nil, err
			}
			cur.Value += s
		case tok == tokOpaque:
			data, err := d.opaque()
			if err != nil {
				return nil, err
			}
			cur.Opaque = append(cur.Opaque, data...)
		case isAttrValueToken(tok):
			v, ok := d.table.attrValueByToken(d.attrPage, tok)
			if !ok {
				return nil, d.errorf(at, "unknown attribute-value token 0x%02X in code page %d", tok, d.attrPage)
			}
			cur.Value += v
		default:
			return nil, d.errorf(at, "token 0x%02X is not allowed in an attribute list", tok)
		}
	}
}
