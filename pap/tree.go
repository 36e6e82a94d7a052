package pap

import "strings"

// node is an element of the document as read, before it is given a type.
type node struct {
	name       string
	attrs      []attr
	first      *node // the first child element
	next       *node // the next sibling element
	count      int   // the number of child elements
	start, end int64 // the span of its start tag in the document
}

// attr is an attribute as written: its name with any prefix, and its
// value with references replaced.
type attr struct {
	name, value string
}

// localName returns the part of a name after its prefix, as the XML
// decoder splits it: only a single colon with text on both sides
// separates a prefix.
func localName(name string) string {
	if space, local, ok := strings.Cut(name, ":"); ok && space != "" && local != "" {
		return local
	}
	return name
}

// nodeChunk is how many nodes are allocated at once: more than a PAP
// document usually holds, so that one allocation serves most documents.
const nodeChunk = 8

// treeBuilder assembles the element tree from the markup a reader reports
// in document order, and applies the rules of what a PAP document may hold
// besides its elements. Both readers of the document, the scanner and
// encoding/xml, report to it, so that they cannot differ in those rules.
// Each method returns false once a fault is recorded in p.err.
type treeBuilder struct {
	p        *parser
	pro      prolog // what the prolog said, updated by the markup that follows
	whole    bool   // the reader started at the document's first octet
	root     *node
	open     [maxDepth]*node // the elements whose end tag is still to come
	last     [maxDepth]*node // the last child of each, to which the next is linked
	depth    int
	rootDone bool
	nodes    []node // the chunk new nodes are taken from
}

func (b *treeBuilder) newNode(name string, attrs []attr, from, to int64) *node {
	if len(b.nodes) == cap(b.nodes) {
		// A new chunk: nodes already handed out keep their place.
		b.nodes = make([]node, 0, nodeChunk)
	}
	b.nodes = append(b.nodes, node{name: name, attrs: attrs, start: from, end: to})
	return &b.nodes[len(b.nodes)-1]
}

// startElement takes a start tag (of an empty element too) spanning
// [from, to).
func (b *treeBuilder) startElement(name string, attrs []attr, from, to int64) bool {
	p := b.p
	switch {
	case b.rootDone:
		p.fail(&node{name: name, start: from, end: to}, "", CodeBadRequest, "a second element after the root element")
		return false
	case b.depth >= maxDepth:
		p.fail(&node{name: name, start: from, end: to}, "", CodeBadRequest, "elements nested too deep")
		return false
	}
	if dup := duplicateAttr(attrs); dup != "" {
		p.fail(&node{name: name, start: from, end: to}, dup, CodeBadRequest, "attribute given twice")
		return false
	}
	n := b.newNode(name, attrs, from, to)
	if b.depth == 0 {
		b.root = n
		if name != "pap" {
			p.fail(n, "", CodeBadRequest, "the root element must be pap, not "+quote(name))
			return false
		}
	} else {
		parent := b.open[b.depth-1]
		if prev := b.last[b.depth-1]; prev == nil {
			parent.first = n
		} else {
			prev.next = n
		}
		b.last[b.depth-1] = n
		parent.count++
	}
	b.open[b.depth] = n
	b.last[b.depth] = nil
	b.depth++
	return true
}

// endElement takes an end tag spanning [from, to); an empty element's is
// empty, at the end of its tag.
func (b *treeBuilder) endElement(name string, from, to int64) bool {
	// The readers leave the matching of end tags to the builder.
	if b.depth == 0 || b.open[b.depth-1].name != name {
		p := b.p
		p.err = &Error{Code: CodeBadRequest, Offset: from, Reason: "unexpected end tag " + quote(name),
			Fragment: fragment(p.span(from, to))}
		return false
	}
	b.depth--
	b.open[b.depth], b.last[b.depth] = nil, nil
	b.rootDone = b.depth == 0
	return true
}

// text takes character data spanning [from, to), white space only or not.
func (b *treeBuilder) text(space bool, from, to int64) bool {
	if space {
		return true
	}
	where := "outside the root element"
	if b.depth > 0 {
		where = "in element " + b.open[b.depth-1].name + ", which holds only elements"
	}
	p := b.p
	p.err = &Error{Code: CodeBadRequest, Offset: from, Reason: "text " + where,
		Fragment: fragment(p.span(from, to))}
	return false
}

// directive takes a declaration such as <!DOCTYPE ...>; d is its text after
// "<!".
func (b *treeBuilder) directive(d string, from, to int64) bool {
	p := b.p
	if b.pro.doctype || b.root != nil || !strings.HasPrefix(d, "DOCTYPE") {
		p.err = &Error{Code: CodeBadRequest, Offset: from, Reason: "unexpected declaration",
			Fragment: fragment(p.span(from, to))}
		return false
	}
	return p.doctype(d, from, to, &b.pro)
}

// procInst takes a processing instruction; first tells whether it is the
// first markup the reader met.
func (b *treeBuilder) procInst(target, inst string, first bool, from, to int64) bool {
	switch {
	case target == "xml" && !(b.whole && first):
		p := b.p
		p.err = &Error{Code: CodeBadRequest, Offset: from, Reason: "an XML declaration not at the start",
			Fragment: fragment(p.span(from, to))}
		return false
	case target == "wap-pap-ver":
		b.pro.pi = supportedVersions(inst)
	}
	return true
}

// finish takes the end of the document and returns the root, once it is
// known to be whole and of a supported version.
func (b *treeBuilder) finish() *node {
	p := b.p
	if b.root == nil {
		p.err = &Error{Code: CodeBadRequest, Offset: int64(len(p.doc)), Reason: "no pap element",
			Fragment: fragment(p.doc)}
		return nil
	}
	if !b.rootDone {
		open := b.open[b.depth-1]
		p.err = &Error{Code: CodeBadRequest, Element: strings.Clone(open.name), Offset: int64(len(p.doc)),
			Reason: "the document ends inside the element", Fragment: fragment(p.span(open.start, open.end))}
		return nil
	}
	for _, h := range [...]versionHint{b.pro.pub, b.pro.pi, b.pro.sys} {
		if h == hintUnsupported {
			p.err = &Error{Code: CodeVersionNotSupported, Element: "DOCTYPE",
				Reason: "the document is in a PAP version other than 1.x and 2.x"}
			return nil
		}
		if h != hintNone {
			p.version = h.version()
			break
		}
	}
	return b.root
}

// duplicateAttr returns the local name of an attribute given twice, or "".
func duplicateAttr(attrs []attr) string {
	if len(attrs) > 16 {
		// Far more than any PAP element has: use a set, not n² compares.
		seen := make(map[string]bool, len(attrs))
		for _, a := range attrs {
			if seen[a.name] {
				return localName(a.name)
			}
			seen[a.name] = true
		}
		return ""
	}
	for i := 1; i < len(attrs); i++ {
		for j := 0; j < i; j++ {
			if attrs[i].name == attrs[j].name {
				return localName(attrs[i].name)
			}
		}
	}
	return ""
}
