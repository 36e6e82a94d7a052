package pap

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The scanner reads a PAP document from its root element to its end, in
// UTF-8: elements, attributes in either quote, the predefined entities and
// character references, comments, processing instructions, CDATA sections
// and white space. It reads them exactly as encoding/xml's strict
// Decoder.RawToken does, which was the reader before it and still reads
// what the scanner leaves to it: the same markup is accepted, it means the
// same, and a fault is reported with the same reason at the same offset
// (where the decoder stands when it gives up), so that a sender sees no
// difference but the time taken. It reports what it reads to a treeBuilder,
// as encoding/xml's reader does.
//
// What no PAP document holds, and what the decoder reads in ways the
// scanner would have to copy at length, is left to encoding/xml: a
// declaration (<!ELEMENT ...>) after the root has started, an XML
// declaration there, and names with octets beyond ASCII.

// scanner is the state of one reading.
type scanner struct {
	doc      []byte
	text     string // doc as a string
	pos      int    // the next octet to read
	from     int    // where reading started, the decoder's line 1
	b        treeBuilder
	attrs    []attr // the attributes of every element, in one array
	buf      []byte // a value whose references or line ends are being replaced
	deferred bool   // the document holds markup left to encoding/xml
}

// maxAttrsGuess bounds the attribute array allocated at the start, which
// is sized by the "=" in the document (as the first chunk of nodes is by
// the "<"): enough for any PAP document.
const maxAttrsGuess = 64

// treeScan reads the document from offset from, its root element, into
// nodes. It returns read false, with nothing recorded, when the document
// holds markup the scanner leaves to encoding/xml.
func (p *parser) treeScan(from int, pro prolog) (root *node, read bool) {
	s := scanner{doc: p.doc, text: p.text, pos: from, from: from, b: treeBuilder{p: p, pro: pro}}
	rest := p.doc[from:]
	s.attrs = make([]attr, 0, min(bytes.Count(rest, []byte("=")), maxAttrsGuess))
	s.b.nodes = make([]node, 0, min(bytes.Count(rest, []byte("<")), nodeChunk))
	for s.pos < len(s.doc) {
		if !s.markup() {
			return nil, !s.deferred
		}
	}
	return s.b.finish(), true
}

// markup reads the markup or text at s.pos and reports it.
func (s *scanner) markup() bool {
	doc, from := s.doc, s.pos
	if doc[from] != '<' {
		_, space, ok := s.charData(0, false)
		return ok && s.b.text(space, int64(from), int64(s.pos))
	}
	if from+1 == len(doc) {
		return s.fail(len(doc), "unexpected EOF")
	}
	switch doc[from+1] {
	case '/':
		return s.endTag()
	case '?':
		return s.procInst()
	case '!':
		return s.bang()
	}
	return s.startTag()
}

// startTag reads a start tag or an empty-element tag.
func (s *scanner) startTag() bool {
	doc, from := s.doc, s.pos
	name, i, ok := s.qname(from+1, "expected element name after <")
	if !ok {
		return false
	}
	mark := len(s.attrs)
	empty := false
	for {
		i = s.space(i)
		if i == len(doc) {
			return s.fail(i, "unexpected EOF")
		}
		if c := doc[i]; c == '>' {
			i++
			break
		} else if c == '/' {
			i++
			if i == len(doc) {
				return s.fail(i, "unexpected EOF")
			}
			if doc[i] != '>' {
				return s.fail(i+1, "expected /> in element")
			}
			i++
			empty = true
			break
		}
		var a attr
		if a.name, i, ok = s.qname(i, "expected attribute name in element"); !ok {
			return false
		}
		i = s.space(i)
		if i == len(doc) {
			return s.fail(i, "unexpected EOF")
		}
		if doc[i] != '=' {
			return s.fail(i+1, "attribute name without = in element")
		}
		i = s.space(i + 1)
		if i == len(doc) {
			return s.fail(i, "unexpected EOF")
		}
		quote := doc[i]
		i++
		if quote != '"' && quote != '\'' {
			return s.fail(i, "unquoted or missing attribute value in element")
		}
		s.pos = i
		if a.value, _, ok = s.charData(quote, true); !ok {
			return false
		}
		i = s.pos
		s.attrs = append(s.attrs, a)
	}
	s.pos = i
	attrs := s.attrs[mark:len(s.attrs):len(s.attrs)]
	if !s.b.startElement(name, attrs, int64(from), int64(i)) {
		return false
	}
	// The decoder reports an empty element as a start and an end tag, the
	// end tag empty at the end of the element.
	return !empty || s.b.endElement(name, int64(i), int64(i))
}

// endTag reads an end tag.
func (s *scanner) endTag() bool {
	doc, from := s.doc, s.pos
	name, i, ok := s.qname(from+2, "expected element name after </")
	if !ok {
		return false
	}
	i = s.space(i)
	if i == len(doc) {
		return s.fail(i, "unexpected EOF")
	}
	if doc[i] != '>' {
		return s.fail(i+1, "invalid characters between </"+localName(name)+" and >")
	}
	s.pos = i + 1
	return s.b.endElement(name, int64(from), int64(s.pos))
}

// procInst reads a processing instruction.
func (s *scanner) procInst() bool {
	doc, from := s.doc, s.pos
	target, i, none, ok := s.name(from + 2)
	if none {
		return s.fail(i, "expected target name after <?")
	}
	if !ok {
		return false
	}
	if target == "xml" {
		// Refused here whatever it says, but the decoder reads its
		// version and encoding first and refuses some in its own words.
		return s.leave()
	}
	i = s.space(i)
	end := bytes.Index(doc[i:], []byte("?>"))
	if end < 0 {
		return s.fail(len(doc), "unexpected EOF")
	}
	s.pos = i + end + 2
	return s.b.procInst(target, s.text[i:i+end], from == s.from, int64(from), int64(s.pos))
}

// bang reads what starts with "<!": a comment or a CDATA section.
func (s *scanner) bang() bool {
	doc, from := s.doc, s.pos
	i := from + 2
	if i == len(doc) {
		return s.fail(i, "unexpected EOF")
	}
	switch doc[i] {
	case '-':
		i++
		if i == len(doc) {
			return s.fail(i, "unexpected EOF")
		}
		if doc[i] != '-' {
			return s.fail(i+1, "invalid sequence <!- not part of <!--")
		}
		i++
		// The first "--" must end the comment.
		end := bytes.Index(doc[i:], []byte("--"))
		if end < 0 || i+end+2 == len(doc) {
			return s.fail(len(doc), "unexpected EOF")
		}
		i += end + 2
		if doc[i] != '>' {
			return s.fail(i+1, `invalid sequence "--" not allowed in comments`)
		}
		s.pos = i + 1
		return true
	case '[':
		for _, c := range []byte("CDATA[") {
			i++
			if i == len(doc) {
				return s.fail(i, "unexpected EOF")
			}
			if doc[i] != c {
				return s.fail(i+1, "invalid <![ sequence")
			}
		}
		i++
		end := bytes.Index(doc[i:], []byte("]]>"))
		if end < 0 {
			return s.fail(len(doc), "unexpected EOF in CDATA section")
		}
		s.pos = i + end + 3
		fault, space := checkChars(doc[i : i+end])
		if fault != "" {
			return s.fail(s.pos, fault)
		}
		return s.b.text(space, int64(from), int64(s.pos))
	}
	// A declaration, never right here: the decoder's reading of where it
	// ends (quotes, nested brackets, comments) decides the fragment.
	return s.leave()
}

// charData reads character data from s.pos: text up to the next "<" when
// quote is 0, else an attribute value up to the closing quote, which s.pos
// is left after. It replaces references and line ends as the decoder does,
// building the value only when keep is set, and reports whether the
// result is white space only. Like the decoder it checks the characters of
// the result once the whole is read, so that a malformed reference or a
// stray "<" after a bad character is the fault reported.
func (s *scanner) charData(quote byte, keep bool) (value string, space bool, ok bool) {
	doc := s.doc
	start, i := s.pos, s.pos
	if quote != 0 {
		// The common value: no references, line ends or characters to
		// check, sliced from the document as it is.
		if end := bytes.IndexByte(doc[i:], quote); end >= 0 && plainValue(doc[i:i+end]) {
			s.pos = i + end + 1
			return s.text[i : i+end], false, true
		}
	}
	var (
		fault  string // the first character the result may not hold
		copied bool   // the value is built in s.buf, not sliced from the document
		b0, b1 byte   // the last two octets read, to find "]]>" and CR LF
		closed bool   // the closing quote was read
	)
	space = true
	// emit adds the raw octets doc[i:j] to the value being built.
	emit := func(j int) {
		if copied {
			s.buf = append(s.buf, doc[i:j]...)
		}
	}
	// replace makes the value a copy, from here on replaced text.
	replace := func() {
		if keep && !copied {
			s.buf = append(s.buf[:0], doc[start:i]...)
			copied = true
		}
	}
scan:
	for i < len(doc) {
		c := doc[i]
		switch {
		case c == '<':
			if quote != 0 {
				return "", false, s.fail(i+1, "unescaped < inside quoted string")
			}
			break scan
		case c == quote && quote != 0:
			closed = true
			break scan
		case c == '>' && quote == 0 && b0 == ']' && b1 == ']':
			return "", false, s.fail(i+1, "unescaped ]]> not in CDATA section")
		case c == '&':
			r, next, ok := s.reference(i)
			if !ok {
				return "", false, false
			}
			replace()
			if copied {
				s.buf = utf8.AppendRune(s.buf, r)
			}
			if fault == "" && !isXMLChar(r) {
				fault = illegalChar(r)
			}
			space = space && (r == ' ' || r == '\t' || r == '\r' || r == '\n')
			i, b0, b1 = next, 0, 0
			continue
		case c == '\r':
			// CR and CR LF become LF.
			replace()
			if copied {
				s.buf = append(s.buf, '\n')
			}
		case c == '\n' && b1 == '\r':
			// The LF of a CR LF, already replaced.
		case c < utf8.RuneSelf:
			if c < ' ' && c != '\t' && c != '\n' && fault == "" {
				fault = illegalChar(rune(c))
			}
			space = space && (c == ' ' || c == '\t' || c == '\n')
			emit(i + 1)
		default:
			r, size := utf8.DecodeRune(doc[i:])
			if fault == "" {
				if r == utf8.RuneError && size == 1 {
					fault = "invalid UTF-8"
				} else if !isXMLChar(r) {
					fault = illegalChar(r)
				}
			}
			space = false
			emit(i + size)
			if size == 1 {
				b0, b1 = b1, c
			} else {
				b0, b1 = doc[i+size-2], doc[i+size-1]
			}
			i += size
			continue
		}
		b0, b1 = b1, c
		i++
	}
	if quote != 0 && !closed {
		// The decoder returns the value at the end of the input, checks
		// it, and only then finds that the tag is unfinished.
		if fault == "" {
			fault = "unexpected EOF"
		}
		return "", false, s.fail(len(doc), fault)
	}
	s.pos = i
	if closed {
		s.pos++
	}
	if fault != "" {
		return "", false, s.fail(s.pos, fault)
	}
	switch {
	case !keep:
	case copied:
		value = string(s.buf)
	default:
		value = s.text[start:i]
	}
	return value, space, true
}

// plainValue reports whether an attribute value is to be taken as written:
// no references, no CR, no "<", and only characters XML allows (ASCII, to
// keep this quick; other values take the long way).
func plainValue(v []byte) bool {
	for _, c := range v {
		if c < ' ' && c != '\t' && c != '\n' || c >= utf8.RuneSelf || c == '&' || c == '<' {
			return false
		}
	}
	return true
}

// checkChars returns the fault of the first character XML does not allow
// in b, or "", and whether b is white space only.
func checkChars(b []byte) (fault string, space bool) {
	space = true
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			if c < ' ' && c != '\t' && c != '\n' && c != '\r' {
				return illegalChar(rune(c)), false
			}
			space = space && (c == ' ' || c == '\t' || c == '\n' || c == '\r')
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return "invalid UTF-8", false
		}
		if !isXMLChar(r) {
			return illegalChar(r), false
		}
		space = false
		i += size
	}
	return "", space
}

// illegalChar is the decoder's reason for a character XML does not allow.
func illegalChar(r rune) string {
	return fmt.Sprintf("illegal character code %U", r)
}

// reference reads the reference at doc[i], "&", and returns the character
// it stands for and the offset after it. Only the five entities XML
// predefines are known: the document cannot declare others.
func (s *scanner) reference(i int) (r rune, next int, ok bool) {
	doc := s.doc
	j := i + 1
	if j == len(doc) {
		return 0, 0, s.fail(j, "unexpected EOF")
	}
	if doc[j] == '#' {
		j++
		if j == len(doc) {
			return 0, 0, s.fail(j, "unexpected EOF")
		}
		base := 10
		if doc[j] == 'x' {
			base = 16
			j++
		}
		digits := j
		for j < len(doc) && (doc[j] >= '0' && doc[j] <= '9' || base == 16 && isHex(doc[j])) {
			j++
		}
		if j == len(doc) {
			return 0, 0, s.fail(j, "unexpected EOF")
		}
		if doc[j] != ';' {
			return 0, 0, s.fail(j, "invalid character entity "+s.text[i:j]+" (no semicolon)")
		}
		n, err := strconv.ParseUint(s.text[digits:j], base, 64)
		j++
		if err != nil || n > utf8.MaxRune {
			return 0, 0, s.fail(j, "invalid character entity "+s.text[i:j])
		}
		r = rune(n)
		if !utf8.ValidRune(r) {
			// A surrogate, which the decoder turns into U+FFFD.
			r = utf8.RuneError
		}
		return r, j, true
	}
	if !nameOctet[doc[j]] {
		// No name: the decoder then wants the ";" right away.
		if doc[j] == ';' {
			return 0, 0, s.fail(j+1, "invalid character entity &;")
		}
		return 0, 0, s.fail(j, "invalid character entity & (no semicolon)")
	}
	// The name is read as any other, but not checked until the ";".
	k := j
	for k < len(doc) && nameOctet[doc[k]] {
		if doc[k] >= utf8.RuneSelf {
			return 0, 0, s.leave()
		}
		k++
	}
	if k == len(doc) {
		return 0, 0, s.fail(k, "unexpected EOF")
	}
	if doc[k] != ';' {
		return 0, 0, s.fail(k, "invalid character entity "+s.text[i:k]+" (no semicolon)")
	}
	k++
	switch s.text[j : k-1] {
	case "lt":
		return '<', k, true
	case "gt":
		return '>', k, true
	case "amp":
		return '&', k, true
	case "apos":
		return '\'', k, true
	case "quot":
		return '"', k, true
	}
	return 0, 0, s.fail(k, "invalid character entity "+s.text[i:k])
}

// name reads a name at doc[i] as the decoder does: the octets up to one
// that no name holds, which must then be a name. It returns none, with
// nothing read, when doc[i] cannot start one, and ok false when a fault is
// recorded or the name is left to encoding/xml. A name is always followed
// by another octet (ok is false at the end of the input), as the decoder
// reads one to find where the name ends.
func (s *scanner) name(i int) (name string, next int, none, ok bool) {
	doc := s.doc
	if i == len(doc) {
		return "", i, false, s.fail(i, "unexpected EOF")
	}
	if !nameOctet[doc[i]] {
		return "", i, true, false
	}
	j := i
	for j < len(doc) && nameOctet[doc[j]] {
		if doc[j] >= utf8.RuneSelf {
			// Which letters beyond ASCII a name may hold is the
			// decoder's table to apply.
			return "", j, false, s.leave()
		}
		j++
	}
	if j == len(doc) {
		return "", j, false, s.fail(j, "unexpected EOF")
	}
	name = s.text[i:j]
	if c := name[0]; c >= '0' && c <= '9' || c == '.' || c == '-' {
		return "", j, false, s.fail(j, "invalid XML name: "+name)
	}
	return name, j, false, true
}

// qname reads an element or attribute name, which may hold one colon
// between a prefix and the local name; missing is the fault when there is
// none.
func (s *scanner) qname(i int, missing string) (string, int, bool) {
	name, next, none, ok := s.name(i)
	if none {
		return "", next, s.fail(next, missing)
	}
	if i := strings.IndexByte(name, ':'); ok && i >= 0 && strings.IndexByte(name[i+1:], ':') >= 0 {
		return "", next, s.fail(next, missing)
	}
	return name, next, ok
}

// space returns the offset of the first octet from i on that is not white
// space.
func (s *scanner) space(i int) int {
	for i < len(s.doc) && isSpace(s.doc[i]) {
		i++
	}
	return i
}

// fail records a fault of the markup at offset at, as the decoder reports
// it, and returns false.
func (s *scanner) fail(at int, msg string) bool {
	p := s.b.p
	p.err = &Error{Code: CodeBadRequest, Offset: int64(at), Reason: "not well-formed XML: " + xmlText([]byte(msg)),
		Fragment: fragment(p.around(int64(at))),
		Err:      &xml.SyntaxError{Msg: msg, Line: 1 + bytes.Count(s.doc[s.from:at], []byte("\n"))}}
	return false
}

// leave gives the document up to encoding/xml, and returns false.
func (s *scanner) leave() bool {
	s.deferred = true
	return false
}

// nameOctet tells the octets the decoder reads as part of a name: the
// ASCII ones XML allows in names, and any beyond ASCII.
var nameOctet = func() (t [256]bool) {
	for c := range t {
		t[c] = c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ||
			c == '_' || c == ':' || c == '.' || c == '-' || c >= utf8.RuneSelf
	}
	return t
}()
