package wbxml

import (
	"encoding/base64"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ParseXML reads a textual XML document into a Document.
//
// It is a small, strict reader for the flat documents WAP push carries, not
// a general XML processor: it accepts an optional XML declaration (UTF-8 or
// US-ASCII only), comments, processing instructions, a DOCTYPE without an
// internal subset (its public and system identifiers go to FPI and
// SystemID), elements, attributes, character and predefined entity
// references and CDATA sections, and rejects anything else that is not
// well-formed. Like xml2wbxml it drops whitespace-only text and trims
// leading and trailing whitespace from the rest; attribute values are
// normalised as XML 1.0 section 3.3.3 says for CDATA attributes.
func ParseXML(b []byte) (*Document, error) {
	p := xmlParser{s: string(b)}
	return p.document()
}

type xmlParser struct {
	s   string
	pos int
}

func (p *xmlParser) errorf(offset int, reason string) *XMLSyntaxError {
	if offset > len(p.s) {
		offset = len(p.s)
	}
	return &XMLSyntaxError{Line: 1 + strings.Count(p.s[:offset], "\n"), Offset: offset, Reason: reason}
}

func (p *xmlParser) eof(expected string) *XMLSyntaxError {
	return p.errorf(len(p.s), "document ends, expected "+expected)
}

// found describes the text at offset i for error messages.
func (p *xmlParser) found(i int) string {
	if i >= len(p.s) {
		return "end of document"
	}
	r, _ := utf8.DecodeRuneInString(p.s[i:])
	return strconv.QuoteRune(r)
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (p *xmlParser) skipSpace() bool {
	start := p.pos
	for p.pos < len(p.s) && isSpace(p.s[p.pos]) {
		p.pos++
	}
	return p.pos > start
}

func (p *xmlParser) consume(prefix string) bool {
	if strings.HasPrefix(p.s[p.pos:], prefix) {
		p.pos += len(prefix)
		return true
	}
	return false
}

// checkChars rejects invalid UTF-8 and the control characters XML forbids.
func (p *xmlParser) checkChars() error {
	if ValidText(p.s) {
		return nil
	}
	for i := 0; i < len(p.s); {
		r, n := utf8.DecodeRuneInString(p.s[i:])
		if !ValidText(p.s[i : i+n]) {
			if r == utf8.RuneError && n == 1 {
				return p.errorf(i, "invalid UTF-8")
			}
			if r < 0x20 {
				return p.errorf(i, "control character "+strconv.QuoteRune(r)+" is not allowed in XML")
			}
			return p.errorf(i, "character "+strconv.QuoteRune(r)+" is not allowed in XML")
		}
		i += n
	}
	return nil
}

func (p *xmlParser) document() (*Document, error) {
	if err := p.checkChars(); err != nil {
		return nil, err
	}
	p.consume("\uFEFF")
	doc := &Document{}
	doctypeName := ""
	if rest := p.s[p.pos:]; strings.HasPrefix(rest, "<?xml") && len(rest) > 5 && isSpace(rest[5]) {
		if err := p.xmlDecl(); err != nil {
			return nil, err
		}
	}
	for {
		p.skipSpace()
		switch {
		case p.pos >= len(p.s):
			return nil, p.eof("the root element")
		case strings.HasPrefix(p.s[p.pos:], "<!--"):
			if err := p.comment(); err != nil {
				return nil, err
			}
			continue
		case strings.HasPrefix(p.s[p.pos:], "<?"):
			if err := p.pi(); err != nil {
				return nil, err
			}
			continue
		case strings.HasPrefix(p.s[p.pos:], "<!DOCTYPE"):
			if doctypeName != "" {
				return nil, p.errorf(p.pos, "second DOCTYPE")
			}
			var err error
			if doctypeName, err = p.doctype(doc); err != nil {
				return nil, err
			}
			continue
		}
		break
	}
	if p.s[p.pos] != '<' {
		return nil, p.errorf(p.pos, "found "+p.found(p.pos)+", expected the root element")
	}
	root, err := p.element(0)
	if err != nil {
		return nil, err
	}
	if doctypeName != "" && doctypeName != root.Name {
		return nil, p.errorf(0, "DOCTYPE names <"+doctypeName+"> but the root element is <"+root.Name+">")
	}
	doc.Root = root
	for {
		p.skipSpace()
		switch {
		case p.pos >= len(p.s):
			return doc, nil
		case strings.HasPrefix(p.s[p.pos:], "<!--"):
			err = p.comment()
		case strings.HasPrefix(p.s[p.pos:], "<?"):
			err = p.pi()
		default:
			return nil, p.errorf(p.pos, "found "+p.found(p.pos)+" after the root element, expected end of document")
		}
		if err != nil {
			return nil, err
		}
	}
}

func (p *xmlParser) xmlDecl() error {
	start := p.pos
	end := strings.Index(p.s[p.pos+5:], "?>")
	if end < 0 {
		return p.eof("?> closing the XML declaration")
	}
	decl := p.s[p.pos+5 : p.pos+5+end]
	p.pos += 5 + end + 2
	// Only the encoding matters: the strings are taken as UTF-8.
	i := strings.Index(decl, "encoding")
	if i < 0 {
		return nil
	}
	rest := strings.TrimLeft(decl[i+len("encoding"):], " \t\r\n")
	if !strings.HasPrefix(rest, "=") {
		return p.errorf(start, "malformed encoding in the XML declaration")
	}
	rest = strings.TrimLeft(rest[1:], " \t\r\n")
	if rest == "" || (rest[0] != '"' && rest[0] != '\'') {
		return p.errorf(start, "malformed encoding in the XML declaration")
	}
	j := strings.IndexByte(rest[1:], rest[0])
	if j < 0 {
		return p.errorf(start, "malformed encoding in the XML declaration")
	}
	switch enc := strings.ToLower(rest[1 : 1+j]); enc {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return nil
	default:
		return p.errorf(start, "encoding "+strconv.Quote(enc)+" is not supported (convert the document to UTF-8)")
	}
}

func (p *xmlParser) comment() error {
	end := strings.Index(p.s[p.pos+4:], "--")
	if end < 0 {
		return p.eof("--> closing the comment")
	}
	at := p.pos + 4 + end
	if !strings.HasPrefix(p.s[at:], "-->") {
		return p.errorf(at, "\"--\" inside a comment")
	}
	p.pos = at + 3
	return nil
}

func (p *xmlParser) pi() error {
	end := strings.Index(p.s[p.pos+2:], "?>")
	if end < 0 {
		return p.eof("?> closing the processing instruction")
	}
	target := p.s[p.pos+2 : p.pos+2+end]
	if i := strings.IndexAny(target, " \t\r\n"); i >= 0 {
		target = target[:i]
	}
	if strings.EqualFold(target, "xml") {
		return p.errorf(p.pos, "XML declaration not at the start of the document")
	}
	if !isName(target) {
		return p.errorf(p.pos, "processing instruction without a valid target")
	}
	p.pos += 2 + end + 2
	return nil
}

// doctype reads <!DOCTYPE name (PUBLIC "fpi" "sys" | SYSTEM "sys")? >.
func (p *xmlParser) doctype(doc *Document) (string, error) {
	p.pos += len("<!DOCTYPE")
	if !p.skipSpace() {
		return "", p.errorf(p.pos, "found "+p.found(p.pos)+", expected space after <!DOCTYPE")
	}
	name, err := p.name()
	if err != nil {
		return "", err
	}
	p.skipSpace()
	switch {
	case p.consume("PUBLIC"):
		p.skipSpace()
		if doc.FPI, err = p.quoted("public identifier"); err != nil {
			return "", err
		}
		p.skipSpace()
		if p.pos < len(p.s) && (p.s[p.pos] == '"' || p.s[p.pos] == '\'') {
			if doc.SystemID, err = p.quoted("system identifier"); err != nil {
				return "", err
			}
		}
	case p.consume("SYSTEM"):
		p.skipSpace()
		if doc.SystemID, err = p.quoted("system identifier"); err != nil {
			return "", err
		}
	}
	p.skipSpace()
	if p.pos < len(p.s) && p.s[p.pos] == '[' {
		return "", p.errorf(p.pos, "DOCTYPE internal subsets are not supported")
	}
	if !p.consume(">") {
		return "", p.errorf(p.pos, "found "+p.found(p.pos)+", expected > closing the DOCTYPE")
	}
	return name, nil
}

func (p *xmlParser) quoted(what string) (string, error) {
	if p.pos >= len(p.s) || (p.s[p.pos] != '"' && p.s[p.pos] != '\'') {
		return "", p.errorf(p.pos, "found "+p.found(p.pos)+", expected the quoted "+what)
	}
	q := p.s[p.pos]
	end := strings.IndexByte(p.s[p.pos+1:], q)
	if end < 0 {
		return "", p.eof("closing quote of the " + what)
	}
	v := p.s[p.pos+1 : p.pos+1+end]
	p.pos += end + 2
	return v, nil
}

func isNameStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == ':' || c >= utf8.RuneSelf
}

func isNameChar(c byte) bool {
	return isNameStart(c) || c >= '0' && c <= '9' || c == '-' || c == '.'
}

func isName(s string) bool {
	if s == "" || !isNameStart(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isNameChar(s[i]) {
			return false
		}
	}
	return true
}

func (p *xmlParser) name() (string, error) {
	start := p.pos
	if p.pos >= len(p.s) || !isNameStart(p.s[p.pos]) {
		return "", p.errorf(p.pos, "found "+p.found(p.pos)+", expected a name")
	}
	for p.pos < len(p.s) && isNameChar(p.s[p.pos]) {
		p.pos++
	}
	return p.s[start:p.pos], nil
}

// element reads an element; p.pos is at its '<'.
func (p *xmlParser) element(depth int) (*Element, error) {
	if depth >= maxDepth {
		return nil, p.errorf(p.pos, "elements nested deeper than "+strconv.Itoa(maxDepth))
	}
	p.pos++ // '<'
	name, err := p.name()
	if err != nil {
		return nil, err
	}
	e := &Element{Name: name}
	// Attributes. A few slots on the stack spare the slice from growing
	// attribute by attribute.
	var (
		stack [6]Attr
		attrs = stack[:0]
	)
	for {
		spaced := p.skipSpace()
		if p.pos >= len(p.s) {
			return nil, p.eof("> closing the start tag of <" + name + ">")
		}
		if p.consume("/>") {
			e.Attrs = cloneAttrs(attrs)
			return e, nil
		}
		if p.consume(">") {
			break
		}
		if !spaced {
			return nil, p.errorf(p.pos, "found "+p.found(p.pos)+" in the start tag of <"+name+">, expected space, an attribute, > or />")
		}
		at := p.pos
		an, err := p.name()
		if err != nil {
			return nil, err
		}
		for _, a := range attrs {
			if a.Name == an {
				return nil, p.errorf(at, "attribute "+strconv.Quote(an)+" repeated in <"+name+">")
			}
		}
		p.skipSpace()
		if !p.consume("=") {
			return nil, p.errorf(p.pos, "found "+p.found(p.pos)+", expected = after attribute "+strconv.Quote(an))
		}
		p.skipSpace()
		v, err := p.attrValue(an)
		if err != nil {
			return nil, err
		}
		attrs = append(attrs, Attr{Name: an, Value: v})
	}
	e.Attrs = cloneAttrs(attrs)
	return e, p.content(e, depth)
}

func cloneAttrs(a []Attr) []Attr {
	if len(a) == 0 {
		return nil
	}
	return append([]Attr(nil), a...)
}

func (p *xmlParser) attrValue(name string) (string, error) {
	if p.pos >= len(p.s) || (p.s[p.pos] != '"' && p.s[p.pos] != '\'') {
		return "", p.errorf(p.pos, "found "+p.found(p.pos)+", expected the quoted value of attribute "+strconv.Quote(name))
	}
	q := p.s[p.pos]
	p.pos++
	start := p.pos
	plain := true // no references or whitespace to normalise
	for {
		if p.pos >= len(p.s) {
			return "", p.eof("closing quote of attribute " + strconv.Quote(name))
		}
		c := p.s[p.pos]
		if c == q {
			break
		}
		switch c {
		case '<':
			return "", p.errorf(p.pos, "'<' in the value of attribute "+strconv.Quote(name))
		case '&', '\t', '\n', '\r':
			plain = false
		}
		p.pos++
	}
	raw := p.s[start:p.pos]
	p.pos++
	if plain {
		return raw, nil
	}
	var b strings.Builder
	b.Grow(len(raw))
	for i := 0; i < len(raw); {
		switch c := raw[i]; c {
		case '&':
			r, n, err := p.reference(start + i)
			if err != nil {
				return "", err
			}
			b.WriteString(r)
			i += n
		case '\t', '\n', '\r':
			b.WriteByte(' ')
			i++
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String(), nil
}

// reference decodes the entity or character reference at offset i and
// returns its text and length.
func (p *xmlParser) reference(i int) (string, int, error) {
	end := strings.IndexByte(p.s[i:], ';')
	if end < 0 || end > 12 {
		return "", 0, p.errorf(i, "'&' not starting a reference (write &amp;)")
	}
	ref := p.s[i+1 : i+end]
	switch ref {
	case "lt":
		return "<", end + 1, nil
	case "gt":
		return ">", end + 1, nil
	case "amp":
		return "&", end + 1, nil
	case "quot":
		return "\"", end + 1, nil
	case "apos":
		return "'", end + 1, nil
	}
	if !strings.HasPrefix(ref, "#") {
		return "", 0, p.errorf(i, "unknown entity &"+ref+"; (only &lt; &gt; &amp; &quot; &apos; and character references)")
	}
	digits, base := ref[1:], 10
	if strings.HasPrefix(digits, "x") {
		digits, base = digits[1:], 16
	}
	n, err := strconv.ParseUint(digits, base, 32)
	r := rune(n)
	if err != nil || digits == "" || digits[0] == '+' || n > utf8.MaxRune ||
		(r < 0x20 && !isSpace(byte(r))) || (r >= 0xD800 && r <= 0xDFFF) || r == 0xFFFE || r == 0xFFFF {
		return "", 0, p.errorf(i, "&"+ref+"; is not a valid character reference")
	}
	return string(r), end + 1, nil
}

// content reads the content of e up to and including its end tag.
func (p *xmlParser) content(e *Element, depth int) error {
	var (
		text  strings.Builder
		piece string // the only text so far, while it needs no copying
		parts int    // pieces of text seen since the last child
	)
	addText := func(s string) {
		switch parts {
		case 0:
			piece = s
		case 1:
			text.Reset()
			text.WriteString(piece)
			text.WriteString(s)
		default:
			text.WriteString(s)
		}
		parts++
	}
	flush := func() {
		s := piece
		if parts > 1 {
			s = text.String()
		}
		if s = strings.Trim(s, " \t\r\n"); s != "" {
			e.Content = append(e.Content, Text(s))
		}
		piece, parts = "", 0
	}
	for {
		if p.pos >= len(p.s) {
			return p.eof("</" + e.Name + ">")
		}
		rest := p.s[p.pos:]
		if rest[0] != '<' && rest[0] != '&' {
			n := strings.IndexAny(rest, "<&")
			if n < 0 {
				n = len(rest)
			}
			if i := strings.Index(rest[:n], "]]>"); i >= 0 {
				return p.errorf(p.pos+i, "\"]]>\" in text")
			}
			addText(rest[:n])
			p.pos += n
			continue
		}
		switch {
		case rest[0] == '&':
			r, n, err := p.reference(p.pos)
			if err != nil {
				return err
			}
			addText(r)
			p.pos += n
		case strings.HasPrefix(rest, "</"):
			flush()
			p.pos += 2
			at := p.pos
			name, err := p.name()
			if err != nil {
				return err
			}
			if name != e.Name {
				return p.errorf(at, "end tag </"+name+"> does not match <"+e.Name+">")
			}
			p.skipSpace()
			if !p.consume(">") {
				return p.errorf(p.pos, "found "+p.found(p.pos)+", expected > closing </"+name+">")
			}
			return nil
		case strings.HasPrefix(rest, "<!--"):
			if err := p.comment(); err != nil {
				return err
			}
		case strings.HasPrefix(rest, "<![CDATA["):
			end := strings.Index(rest, "]]>")
			if end < 0 {
				return p.eof("]]> closing the CDATA section")
			}
			addText(rest[len("<![CDATA["):end])
			p.pos += end + 3
		case strings.HasPrefix(rest, "<?"):
			if err := p.pi(); err != nil {
				return err
			}
		case strings.HasPrefix(rest, "<!"):
			return p.errorf(p.pos, "markup declaration inside an element")
		default:
			flush()
			child, err := p.element(depth + 1)
			if err != nil {
				return err
			}
			e.Content = append(e.Content, child)
		}
	}
}

// AppendXML appends doc as an XML document, with the declaration and the
// DOCTYPE that doc.FPI and doc.SystemID give, to dst. Element-only content
// goes one element per line, indented; OPAQUE data, which XML cannot carry,
// is written as base64.
func (doc *Document) AppendXML(dst []byte) []byte {
	dst = append(dst, "<?xml version=\"1.0\"?>\n"...)
	if doc.Root == nil {
		return dst
	}
	if doc.FPI != "" || doc.SystemID != "" {
		dst = append(dst, "<!DOCTYPE "...)
		dst = append(dst, doc.Root.Name...)
		if doc.FPI != "" {
			dst = append(dst, " PUBLIC \""...)
			dst = append(dst, doc.FPI...)
			dst = append(dst, '"')
		} else {
			dst = append(dst, " SYSTEM"...)
		}
		if doc.SystemID != "" {
			dst = append(dst, " \""...)
			dst = append(dst, doc.SystemID...)
			dst = append(dst, '"')
		}
		dst = append(dst, ">\n"...)
	}
	dst = appendElementXML(dst, doc.Root, 0)
	return append(dst, '\n')
}

func appendElementXML(dst []byte, e *Element, depth int) []byte {
	dst = append(dst, '<')
	dst = append(dst, e.Name...)
	for _, a := range e.Attrs {
		dst = append(dst, ' ')
		dst = append(dst, a.Name...)
		dst = append(dst, "=\""...)
		dst = appendEscaped(dst, a.Value, true)
		if a.Opaque != nil {
			dst = base64.StdEncoding.AppendEncode(dst, a.Opaque)
		}
		dst = append(dst, '"')
	}
	if len(e.Content) == 0 {
		return append(dst, "/>"...)
	}
	dst = append(dst, '>')
	elementsOnly := true
	for _, c := range e.Content {
		if _, ok := c.(*Element); !ok {
			elementsOnly = false
		}
	}
	for _, c := range e.Content {
		switch c := c.(type) {
		case *Element:
			if elementsOnly {
				dst = appendIndent(dst, depth+1)
			}
			if depth+1 < maxDepth {
				dst = appendElementXML(dst, c, depth+1)
			}
		case Text:
			dst = appendEscaped(dst, string(c), false)
		case Opaque:
			dst = base64.StdEncoding.AppendEncode(dst, c)
		}
	}
	if elementsOnly {
		dst = appendIndent(dst, depth)
	}
	dst = append(dst, "</"...)
	dst = append(dst, e.Name...)
	return append(dst, '>')
}

func appendIndent(dst []byte, depth int) []byte {
	dst = append(dst, '\n')
	for range depth {
		dst = append(dst, "  "...)
	}
	return dst
}

// appendEscaped appends s with the characters XML gives meaning escaped;
// in attribute values also quotes and the whitespace that attribute-value
// normalisation would turn into spaces.
func appendEscaped(dst []byte, s string, attr bool) []byte {
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '"':
			if attr {
				esc = "&quot;"
			}
		case '\t':
			if attr {
				esc = "&#9;"
			}
		case '\n':
			if attr {
				esc = "&#10;"
			}
		case '\r':
			esc = "&#13;"
		}
		if esc != "" {
			dst = append(dst, s[last:i]...)
			dst = append(dst, esc...)
			last = i + 1
		}
	}
	return append(dst, s[last:]...)
}

// ValidText reports whether s is UTF-8 made only of characters XML 1.0
// allows, that is, whether an XML document can carry it.
func ValidText(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && !isSpace(c) {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || r == 0xFFFE || r == 0xFFFF {
			return false
		}
		i += n
	}
	return true
}
