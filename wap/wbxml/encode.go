package wbxml

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/txpush/txpush/wap/internal/uintvar"
)

// Encode returns the WBXML form of doc, tokenised with t. See Append.
func Encode(doc *Document, t *TokenTable) ([]byte, error) {
	return Append(nil, doc, t)
}

// Append appends the WBXML form of doc, tokenised with t, to dst.
//
// The header carries doc.Version, t's public identifier (through the string
// table when t has no numeric one) and charset UTF-8; strings are sent
// inline. Each attribute starts with the attribute-start token whose prefix
// is the longest one its value begins with, and every occurrence of a
// value token's text in the rest of the value is sent as that token. An
// element gets the content flag only when it has content. Names that t
// does not know are an error.
func Append(dst []byte, doc *Document, t *TokenTable) ([]byte, error) {
	if t == nil {
		return dst, encodeError("", "", "no token table")
	}
	if doc.Version > Version13 {
		return dst, encodeError("", "", fmt.Sprintf("version octet 0x%02X is not a WBXML version", doc.Version))
	}
	if doc.Root == nil {
		return dst, encodeError("", "", "document has no root element")
	}
	e := encoder{t: t}
	e.buf = slices.Grow(dst, 16+len(t.FPI)+sizeHint(doc.Root, 0))
	e.buf = append(e.buf, doc.Version)
	if t.PublicID != PublicIDString {
		e.buf = uintvar.Append(e.buf, t.PublicID)
	} else {
		e.buf = append(e.buf, PublicIDString, 0) // string table index 0
	}
	if doc.Version >= Version11 {
		e.buf = uintvar.Append(e.buf, CharsetUTF8)
	}
	if t.PublicID != PublicIDString {
		e.buf = append(e.buf, 0) // empty string table
	} else {
		if strings.IndexByte(t.FPI, 0) >= 0 {
			return dst, encodeError("", "", "public identifier contains NUL")
		}
		e.buf = uintvar.Append(e.buf, uint32(len(t.FPI)+1))
		e.buf = append(e.buf, t.FPI...)
		e.buf = append(e.buf, 0)
	}
	if err := e.element(doc.Root, 0); err != nil {
		return dst, err
	}
	return e.buf, nil
}

// sizeHint estimates the encoded size of e, to allocate the output once.
func sizeHint(e *Element, depth int) int {
	if depth >= maxDepth {
		return 0
	}
	n := 3
	for _, a := range e.Attrs {
		n += 4 + len(a.Value) + len(a.Opaque)
	}
	for _, c := range e.Content {
		switch c := c.(type) {
		case *Element:
			n += sizeHint(c, depth+1)
		case Text:
			n += 2 + len(c)
		case Opaque:
			n += 6 + len(c)
		}
	}
	return n
}

type encoder struct {
	buf      []byte
	t        *TokenTable
	tagPage  byte
	attrPage byte
}

func (e *encoder) setPage(cur *byte, page byte) {
	if *cur != page {
		e.buf = append(e.buf, tokSwitchPage, page)
		*cur = page
	}
}

func (e *encoder) element(el *Element, depth int) error {
	if depth >= maxDepth {
		return encodeError("", "", "elements nested deeper than "+strconv.Itoa(maxDepth))
	}
	tag, ok := e.t.tagByName(el.Name)
	if !ok {
		return encodeError(el.Name, "", "no tag token in the table")
	}
	if !isTagToken(tag.Token) {
		return encodeError(el.Name, "", fmt.Sprintf("the table gives token 0x%02X, outside 0x05–0x3F", tag.Token))
	}
	e.setPage(&e.tagPage, tag.Page)
	tok := tag.Token
	if len(el.Attrs) > 0 {
		tok |= flagAttrs
	}
	if len(el.Content) > 0 {
		tok |= flagContent
	}
	e.buf = append(e.buf, tok)
	if len(el.Attrs) > 0 {
		for i := range el.Attrs {
			if err := e.attr(el, &el.Attrs[i]); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, tokEnd)
	}
	if len(el.Content) == 0 {
		return nil
	}
	for _, c := range el.Content {
		switch c := c.(type) {
		case *Element:
			if err := e.element(c, depth+1); err != nil {
				return err
			}
		case Text:
			if err := e.inlineString(string(c), el.Name, ""); err != nil {
				return err
			}
		case Opaque:
			e.opaque(c)
		default:
			return encodeError(el.Name, "", "content that is not *Element, Text or Opaque")
		}
	}
	e.buf = append(e.buf, tokEnd)
	return nil
}

func (e *encoder) inlineString(s, element, attr string) error {
	if s == "" {
		return nil
	}
	if strings.IndexByte(s, 0) >= 0 {
		return encodeError(element, attr, "string contains NUL")
	}
	e.buf = append(e.buf, tokStrI)
	e.buf = append(e.buf, s...)
	e.buf = append(e.buf, 0)
	return nil
}

func (e *encoder) opaque(data []byte) {
	e.buf = append(e.buf, tokOpaque)
	e.buf = uintvar.Append(e.buf, uint32(len(data)))
	e.buf = append(e.buf, data...)
}

func (e *encoder) attr(el *Element, a *Attr) error {
	start, ok := e.t.longestAttrStart(a.Name, a.Value)
	if !ok {
		return encodeError(el.Name, a.Name, "no attribute-start token in the table")
	}
	if !isAttrStartToken(start.Token) {
		return encodeError(el.Name, a.Name, fmt.Sprintf("the table gives token 0x%02X, outside the attribute-start range", start.Token))
	}
	e.setPage(&e.attrPage, start.Page)
	e.buf = append(e.buf, start.Token)
	if err := e.attrValue(a.Value[len(start.Prefix):], el.Name, a.Name); err != nil {
		return err
	}
	if a.Opaque != nil {
		e.opaque(a.Opaque)
	}
	return nil
}

// attrValue writes v as inline strings and value tokens, taking at each
// position the longest value token whose text is found there.
func (e *encoder) attrValue(v, element, attr string) error {
	// The first octets of the value tokens' texts, to skip quickly over
	// positions where no token can start.
	var first [4]uint64
	for _, av := range e.t.AttrValues {
		if av.Value != "" {
			c := av.Value[0]
			first[c>>6] |= 1 << (c & 63)
		}
	}
	lit := 0 // start of the text not yet written
	for i := 0; i < len(v); {
		c := v[i]
		if first[c>>6]&(1<<(c&63)) == 0 {
			i++
			continue
		}
		var best *AttrValue
		for j := range e.t.AttrValues {
			av := &e.t.AttrValues[j]
			if av.Value != "" && strings.HasPrefix(v[i:], av.Value) && (best == nil || len(av.Value) > len(best.Value)) {
				best = av
			}
		}
		if best == nil || !isAttrValueToken(best.Token) {
			i++
			continue
		}
		if err := e.inlineString(v[lit:i], element, attr); err != nil {
			return err
		}
		e.setPage(&e.attrPage, best.Page)
		e.buf = append(e.buf, best.Token)
		i += len(best.Value)
		lit = i
	}
	return e.inlineString(v[lit:], element, attr)
}
