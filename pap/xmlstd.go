package pap

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
)

// treeStd reads the document from offset from with encoding/xml into
// nodes. It reads what the scanner leaves to it: a document in a declared
// encoding other than UTF-8 (whole is then true and from is the start of
// the document), and the rare markup the scanner does not read itself.
// It is also the reference the scanner is tested against.
func (p *parser) treeStd(from int64, pro prolog, whole bool) *node {
	d := xml.NewDecoder(bytes.NewReader(p.doc[from:]))
	d.Strict = true
	d.CharsetReader = charsetReader
	b := treeBuilder{p: p, pro: pro, whole: whole}
	for first := true; ; first = false {
		off := p.inputOffset(from + d.InputOffset())
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			at := p.inputOffset(from + d.InputOffset())
			p.err = &Error{Code: CodeBadRequest, Offset: at, Reason: "not well-formed XML: " + syntaxReason(err),
				Fragment: fragment(p.around(at)), Err: err}
			return nil
		}
		end := p.inputOffset(from + d.InputOffset())
		ok := true
		switch t := tok.(type) {
		case xml.StartElement:
			attrs := make([]attr, len(t.Attr))
			for i, a := range t.Attr {
				attrs[i] = attr{name: joinName(a.Name), value: a.Value}
			}
			ok = b.startElement(joinName(t.Name), attrs, off, end)
		case xml.EndElement:
			ok = b.endElement(joinName(t.Name), off, end)
		case xml.CharData:
			ok = b.text(len(bytes.TrimLeft(t, " \t\r\n")) == 0, off, end)
		case xml.Directive:
			ok = b.directive(string(t), off, end)
		case xml.ProcInst:
			ok = b.procInst(t.Target, string(t.Inst), first, off, end)
		}
		if !ok {
			return nil
		}
	}
	return b.finish()
}

// joinName returns a name as it was written.
func joinName(n xml.Name) string {
	if n.Space != "" {
		return n.Space + ":" + n.Local
	}
	return n.Local
}

func syntaxReason(err error) string {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return xmlText([]byte(se.Msg))
	}
	return xmlText([]byte(err.Error()))
}

// inputOffset turns an offset the decoder counts into one in the input.
func (p *parser) inputOffset(off int64) int64 {
	if p.expandFrom < 0 || off <= p.expandFrom {
		return off
	}
	// Each octet from 0x80 up became two in the converted text.
	in, out := p.expandFrom, p.expandFrom
	for out < off && in < int64(len(p.doc)) {
		out++
		if p.doc[in] >= 0x80 {
			out++
		}
		in++
	}
	return in
}
