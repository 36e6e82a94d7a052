package pap

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// The document type declarations Marshal writes.
const (
	doctype10 = `<!DOCTYPE pap PUBLIC "-//WAPFORUM//DTD PAP 1.0//EN" "http://www.wapforum.org/DTD/pap_1.0.dtd">`
	doctype20 = `<!DOCTYPE pap PUBLIC "-//WAPFORUM//DTD PAP 2.0//EN" "http://www.wapforum.org/DTD/pap_2.0.dtd"` +
		` [<?wap-pap-ver supported-versions="2.0,1.*"?>]>`
)

// versionHint is what one part of a document says about its version.
type versionHint int

const (
	hintNone        versionHint = iota // says nothing
	hint10                             // PAP 1.x
	hint20                             // PAP 2.x
	hintUnsupported                    // another major version
)

func (h versionHint) version() Version {
	if h == hint10 {
		return PAP10
	}
	return PAP20
}

// hintMajor returns the hint for a version number such as "1.0" or "2.*".
func hintMajor(v string) versionHint {
	major, _, _ := strings.Cut(strings.TrimSpace(v), ".")
	switch major {
	case "1":
		return hint10
	case "2":
		return hint20
	case "":
		return hintNone
	}
	return hintUnsupported
}

// doctype is what a document type declaration says.
type doctype struct {
	publicID, systemID string
	piVersion          versionHint // from a wap-pap-ver instruction in the internal subset
}

// publicVersion reads the version in a public identifier such as
// "-//WAPFORUM//DTD PAP 2.0//EN". The form without a version that Kannel's
// sample uses, and identifiers of other document types written by mistake,
// say nothing.
func (d doctype) publicVersion() versionHint {
	i := strings.Index(d.publicID, "DTD PAP ")
	if i < 0 {
		return hintNone
	}
	v, _, _ := strings.Cut(d.publicID[i+len("DTD PAP "):], "//")
	return hintMajor(v)
}

// systemVersion reads the version in a system identifier ending in
// pap_1.0.dtd or pap_2.0.dtd; other identifiers say nothing.
func (d doctype) systemVersion() versionHint {
	i := strings.LastIndex(d.systemID, "pap_")
	if i < 0 || !strings.HasSuffix(d.systemID, ".dtd") {
		return hintNone
	}
	return hintMajor(strings.TrimSuffix(d.systemID[i+len("pap_"):], ".dtd"))
}

// supportedVersions reads a wap-pap-ver instruction,
// supported-versions="2.0,1.*": the document is in the highest major
// version it lists that this package knows, or in an unsupported one when
// it lists none of them.
func supportedVersions(inst string) versionHint {
	_, v, ok := strings.Cut(inst, "supported-versions")
	if !ok {
		return hintNone
	}
	v = strings.TrimLeft(v, " \t\r\n=")
	if len(v) < 2 || (v[0] != '"' && v[0] != '\'') {
		return hintNone
	}
	v, _, _ = strings.Cut(v[1:], v[:1])
	best := hintNone
	for item := range strings.SplitSeq(v, ",") {
		switch h := hintMajor(item); {
		case h == hint20:
			best = hint20
		case h == hint10 && best != hint20:
			best = hint10
		case h == hintUnsupported && best == hintNone:
			best = hintUnsupported
		}
	}
	return best
}

// parseDoctype reads the text of a document type declaration after "<!".
// It returns a reason when the declaration is not one this package
// accepts: a root other than pap, or an internal subset that declares
// anything. Only processing instructions, comments and white space may
// stand in the subset; refusing declarations there is what keeps entity
// expansion and external entities out.
func parseDoctype(s string) (doctype, string) {
	var d doctype
	s = strings.TrimPrefix(s, "DOCTYPE")
	rest := trimSpaceLeft(s)
	if len(rest) == len(s) {
		return d, "malformed DOCTYPE"
	}
	name := rest
	if i := strings.IndexAny(rest, " \t\r\n["); i >= 0 {
		name, rest = rest[:i], rest[i:]
	} else {
		rest = ""
	}
	if name != "pap" {
		return d, "the document type must be pap, not " + quote(name)
	}
	rest = trimSpaceLeft(rest)
	var ok bool
	switch {
	case strings.HasPrefix(rest, "PUBLIC"):
		if d.publicID, rest, ok = quoted(rest[len("PUBLIC"):]); !ok {
			return d, "malformed public identifier"
		}
		if r := trimSpaceLeft(rest); r != "" && (r[0] == '"' || r[0] == '\'') {
			if d.systemID, rest, ok = quoted(r); !ok {
				return d, "malformed system identifier"
			}
		}
	case strings.HasPrefix(rest, "SYSTEM"):
		if d.systemID, rest, ok = quoted(rest[len("SYSTEM"):]); !ok {
			return d, "malformed system identifier"
		}
	}
	rest = trimSpaceLeft(rest)
	if rest == "" {
		return d, ""
	}
	if rest[0] != '[' || !strings.HasSuffix(strings.TrimRight(rest, " \t\r\n"), "]") {
		return d, "malformed DOCTYPE"
	}
	subset := strings.TrimRight(rest, " \t\r\n")
	subset = subset[1 : len(subset)-1]
	for {
		subset = trimSpaceLeft(subset)
		switch {
		case subset == "":
			return d, ""
		case strings.HasPrefix(subset, "<!--"):
			_, after, found := strings.Cut(subset[4:], "-->")
			if !found {
				return d, "unterminated comment in DOCTYPE"
			}
			subset = after
		case strings.HasPrefix(subset, "<?"):
			inst, after, found := strings.Cut(subset[2:], "?>")
			if !found {
				return d, "unterminated processing instruction in DOCTYPE"
			}
			if target, body, _ := strings.Cut(inst, " "); target == "wap-pap-ver" {
				d.piVersion = supportedVersions(body)
			}
			subset = after
		default:
			return d, "declarations in the internal DTD subset are not accepted"
		}
	}
}

// quoted reads a quoted literal after optional white space.
func quoted(s string) (lit, rest string, ok bool) {
	s = trimSpaceLeft(s)
	if s == "" || (s[0] != '"' && s[0] != '\'') {
		return "", s, false
	}
	lit, rest, ok = strings.Cut(s[1:], s[:1])
	return lit, rest, ok
}

// charsetReader lets the XML decoder read the encodings PIs declare besides
// UTF-8: US-ASCII, and ISO-8859-1, which it maps to UTF-8.
func charsetReader(charset string, r io.Reader) (io.Reader, error) {
	switch {
	case isLatin1(charset):
		return &latin1Reader{r: r}, nil
	case strings.EqualFold(charset, "us-ascii"), strings.EqualFold(charset, "ascii"), strings.EqualFold(charset, "utf8"):
		return r, nil
	}
	return nil, fmt.Errorf("unsupported encoding %q", charset)
}

func isLatin1(charset string) bool {
	switch strings.ToLower(charset) {
	case "iso-8859-1", "iso_8859-1", "iso8859-1", "latin1", "l1":
		return true
	}
	return false
}

// latin1Reader turns ISO-8859-1 into UTF-8.
type latin1Reader struct {
	r   io.Reader
	buf []byte
	out []byte
}

func (l *latin1Reader) Read(p []byte) (int, error) {
	if len(l.out) == 0 {
		if cap(l.buf) == 0 {
			l.buf = make([]byte, 1024)
		}
		n, err := l.r.Read(l.buf)
		l.out = l.out[:0]
		for _, c := range l.buf[:n] {
			l.out = utf8.AppendRune(l.out, rune(c))
		}
		if n == 0 {
			return 0, err
		}
	}
	n := copy(p, l.out)
	l.out = l.out[n:]
	return n, nil
}

// prolog is what the prolog of a document says about its version.
type prolog struct {
	doctype      bool        // a DOCTYPE was read
	pub, pi, sys versionHint // from the public id, a wap-pap-ver instruction, the system id
}

// prolog reads the prolog of doc (offsets in the input start at base): an
// XML declaration, comments, processing instructions and the DOCTYPE, up
// to the root element, whose offset it returns. It returns whole when the
// document must instead be given whole to the XML decoder, because it
// declares an encoding other than UTF-8. Faults are recorded in p.err.
func (p *parser) prolog(doc []byte, base int64, pro *prolog) (rootAt int, whole bool) {
	fail := func(at, to int, reason string) (int, bool) {
		p.err = &Error{Code: CodeBadRequest, Offset: base + int64(at), Reason: reason,
			Fragment: fragment(doc[at:min(max(to, at), len(doc))])}
		return 0, false
	}
	i := 0
	if bytes.HasPrefix(doc, []byte("<?xml")) && len(doc) > 5 && (isSpace(doc[5]) || doc[5] == '?') {
		end := bytes.Index(doc, []byte("?>"))
		if end < 0 {
			return fail(0, len(doc), "unterminated XML declaration")
		}
		decl := string(doc[5:end])
		if v, ok := pseudoAttr(decl, "version"); ok && v != "1.0" {
			return fail(0, end+2, "unsupported XML version "+quote(v))
		}
		if enc, ok := pseudoAttr(decl, "encoding"); ok && !strings.EqualFold(enc, "utf-8") {
			if isLatin1(enc) {
				// The decoder converts what follows the declaration.
				p.expandFrom = base + int64(end+2)
			}
			return 0, true
		}
		i = end + 2
	}
	for {
		for i < len(doc) && isSpace(doc[i]) {
			i++
		}
		rest := doc[i:]
		switch {
		case len(rest) == 0:
			return fail(i, i, "no pap element")
		case bytes.HasPrefix(rest, []byte("<!--")):
			end := bytes.Index(rest[4:], []byte("-->"))
			if end < 0 {
				return fail(i, len(doc), "unterminated comment")
			}
			i += 4 + end + 3
		case bytes.HasPrefix(rest, []byte("<?")):
			end := bytes.Index(rest[2:], []byte("?>"))
			if end < 0 {
				return fail(i, len(doc), "unterminated processing instruction")
			}
			end += 2
			target, inst := string(rest[2:end]), ""
			if k := strings.IndexAny(target, " \t\r\n"); k >= 0 {
				target, inst = target[:k], target[k:]
			}
			if target == "" {
				return fail(i, i+end+2, "a processing instruction without a target")
			}
			if strings.EqualFold(target, "xml") {
				return fail(i, i+end+2, "an XML declaration not at the start")
			}
			if target == "wap-pap-ver" {
				pro.pi = supportedVersions(inst)
			}
			i += end + 2
		case bytes.HasPrefix(rest, []byte("<!DOCTYPE")):
			end := doctypeEnd(rest)
			if end < 0 {
				return fail(i, len(doc), "unterminated DOCTYPE")
			}
			if pro.doctype {
				return fail(i, i+end+1, "unexpected declaration")
			}
			at := int(base) + i
			if !p.doctype(p.text[at+2:at+end], base+int64(i), base+int64(i+end+1), pro) {
				return 0, false
			}
			i += end + 1
		case rest[0] == '<':
			return i, false
		default:
			return fail(i, i+maxFragment, "text outside the root element")
		}
	}
}

// doctype reads the text of a DOCTYPE (after "<!"), which spans
// [from, to) in the input, into pro; it reports whether it is acceptable.
func (p *parser) doctype(text string, from, to int64, pro *prolog) bool {
	dt, reason := parseDoctype(text)
	if reason != "" {
		p.err = &Error{Code: CodeBadRequest, Offset: from, Element: "DOCTYPE", Reason: reason,
			Fragment: fragment(p.span(from, to))}
		return false
	}
	pro.doctype = true
	pro.pub, pro.sys = dt.publicVersion(), dt.systemVersion()
	if dt.piVersion != hintNone {
		pro.pi = dt.piVersion
	}
	return true
}

// doctypeEnd returns the offset of the ">" that ends the DOCTYPE at the
// start of b, skipping quoted literals and the comments and processing
// instructions of an internal subset, or -1.
func doctypeEnd(b []byte) int {
	var quote byte
	depth := 0
	for j := 2; j < len(b); j++ {
		c := b[j]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '[':
			depth++
		case c == ']':
			depth--
		case c == '<' && depth > 0 && bytes.HasPrefix(b[j:], []byte("<!--")):
			k := bytes.Index(b[j+4:], []byte("-->"))
			if k < 0 {
				return -1
			}
			j += 4 + k + 2
		case c == '<' && depth > 0 && bytes.HasPrefix(b[j:], []byte("<?")):
			k := bytes.Index(b[j+2:], []byte("?>"))
			if k < 0 {
				return -1
			}
			j += 2 + k + 1
		case c == '>' && depth <= 0:
			return j
		}
	}
	return -1
}

// pseudoAttr returns the value of a pseudo-attribute of the XML
// declaration, such as encoding="ISO-8859-1".
func pseudoAttr(decl, name string) (string, bool) {
	i := strings.Index(decl, name)
	if i < 0 {
		return "", false
	}
	v := trimSpaceLeft(decl[i+len(name):])
	if !strings.HasPrefix(v, "=") {
		return "", false
	}
	lit, _, ok := quoted(v[1:])
	return lit, ok
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// trimSpaceLeft returns s without the XML white space it starts with.
func trimSpaceLeft(s string) string {
	for len(s) > 0 && isSpace(s[0]) {
		s = s[1:]
	}
	return s
}
