package main

import (
	"bytes"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/txpush/txpush/mms"
	"github.com/txpush/txpush/wap/co"
	"github.com/txpush/txpush/wap/content"
	"github.com/txpush/txpush/wap/si"
	"github.com/txpush/txpush/wap/sl"
	"github.com/txpush/txpush/wap/wbxml"
	"github.com/txpush/txpush/wap/wdp"
	"github.com/txpush/txpush/wap/wsp"
)

// maxWapInput bounds what txpush wap reads: a push over SMS is at most 255
// parts of 128 octets, and a segments file in hex about three times that.
const maxWapInput = 1 << 20

const wapUsage = `usage: txpush wap COMMAND [flags] FILE

Encode, wrap and decode WAP push content. FILE may be - for standard input.

commands:
  encode --type si|sl|co [--hex] FILE
        compile an SI, SL or CO document from XML to WBXML
  push --type TYPE [--tid N] [--app-id ID] [--hex] [--segments [--ref N] [--wide-ref] [--concat-first]] FILE
        the WSP push PDU that carries FILE, as the PPG builds it; with
        --segments, the user data of each SMS, one line of hex each
  decode [--type TYPE] FILE
        dump a WBXML document, a WSP push PDU, an MMS notification or the
        SMS user data of a push (hex lines, as push --segments prints them)

Run 'txpush wap COMMAND -h' for a command's flags.
`

// usageError is a mistake in the command line; it exits with status 2.
// When printed is set, the flag package has already reported it.
type usageError struct {
	msg     string
	printed bool
}

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// wapCommand holds what a txpush wap subcommand reads and writes.
type wapCommand struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

func runWap(args []string, stdout, stderr io.Writer) int {
	return wapCommand{stdin: os.Stdin, stdout: stdout, stderr: stderr}.run(args)
}

func (c wapCommand) run(args []string) int {
	if len(args) == 0 {
		fmt.Fprint(c.stderr, wapUsage)
		return 2
	}
	subcommands := map[string]func([]string) error{
		"encode": c.encode,
		"push":   c.push,
		"decode": c.decode,
	}
	name := args[0]
	if name == "-h" || name == "--help" || name == "help" {
		fmt.Fprint(c.stderr, wapUsage)
		return 0
	}
	sub, ok := subcommands[name]
	if !ok {
		fmt.Fprintf(c.stderr, "txpush wap: unknown command %q\n\n%s", name, wapUsage)
		return 2
	}
	err := sub(args[1:])
	var ue *usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		if ue.printed {
			return 2
		}
		fmt.Fprintf(c.stderr, "txpush wap %s: %v\nRun 'txpush wap %s -h' for usage.\n", name, err, name)
		return 2
	default:
		fmt.Fprintf(c.stderr, "txpush wap %s: %v\n", name, err)
		return 1
	}
}

// newFlagSet returns a flag set for a subcommand whose usage line is
// synopsis.
func (c wapCommand) newFlagSet(name, synopsis, about string) *flag.FlagSet {
	fs := flag.NewFlagSet("txpush wap "+name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() {
		fmt.Fprintf(c.stderr, "usage: txpush wap %s %s\n\n%s\nflags:\n", name, synopsis, about)
		fs.PrintDefaults()
	}
	return fs
}

// parseArgs parses flags that may come before or after the one FILE
// argument, and returns FILE.
func parseArgs(fs *flag.FlagSet, args []string) (string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return "", err
			}
			return "", &usageError{msg: err.Error(), printed: true}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if consumed := args[:len(args)-len(rest)]; len(consumed) > 0 && consumed[len(consumed)-1] == "--" {
			positional = append(positional, rest...)
			break
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
	switch len(positional) {
	case 0:
		return "", usagef("missing FILE (use - for standard input)")
	case 1:
		return positional[0], nil
	default:
		return "", usagef("one FILE expected, got %d: %q", len(positional), positional)
	}
}

// readInput reads FILE, or standard input for "-", and returns it with the
// name to use in messages.
func (c wapCommand) readInput(file string) ([]byte, string, error) {
	var r io.Reader
	name := file
	if file == "-" {
		r, name = c.stdin, "stdin"
	} else {
		f, err := os.Open(file)
		if err != nil {
			return nil, name, err
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxWapInput+1))
	if err != nil {
		return nil, name, fmt.Errorf("%s: %w", name, err)
	}
	if len(b) > maxWapInput {
		return nil, name, fmt.Errorf("%s: larger than %d octets, more than any push", name, maxWapInput)
	}
	if len(b) == 0 {
		return nil, name, fmt.Errorf("%s: empty input", name)
	}
	return b, name, nil
}

// mediaTypeByName returns the media type that a short name given to --type
// stands for.
func mediaTypeByName(name string) (mediaType string, ok bool) {
	switch strings.ToLower(name) {
	case "si":
		return si.ContentType, true
	case "sl":
		return sl.ContentType, true
	case "co":
		return co.ContentType, true
	case "sic":
		return si.ContentTypeWBXML, true
	case "slc":
		return sl.ContentTypeWBXML, true
	case "coc":
		return co.ContentTypeWBXML, true
	case "mms":
		return content.MMSContentType, true
	}
	return "", false
}

func (c wapCommand) encode(args []string) error {
	fs := c.newFlagSet("encode", "--type si|sl|co [--hex] FILE",
		"Compiles the XML document in FILE to WBXML, as the PPG does, and writes\nthe WBXML (raw, or as one line of hex).\n")
	typ := fs.String("type", "", "document type: si, sl or co (required)")
	asHex := fs.Bool("hex", false, "write hex instead of raw octets")
	file, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	var mediaType string
	switch strings.ToLower(*typ) {
	case "si", "sl", "co":
		mediaType, _ = mediaTypeByName(*typ)
	case "":
		return usagef("--type is required: si, sl or co")
	default:
		return usagef("--type %q: want si, sl or co", *typ)
	}
	body, name, err := c.readInput(file)
	if err != nil {
		return err
	}
	p, err := content.Compile(content.Content{Type: mediaType, Body: body}, content.Options{})
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return c.writeOctets(p.Body, *asHex)
}

func (c wapCommand) push(args []string) error {
	fs := c.newFlagSet("push", "--type TYPE [flags] FILE",
		"Builds the WSP push PDU that carries the content in FILE, as the PPG\n"+
			"does: XML documents are compiled, binary ones checked. TYPE is si, sl\n"+
			"or co (XML), sic, slc or coc (WBXML), mms (an m-notification-ind), or\n"+
			"any media type with parameters, e.g. 'text/vnd.wap.si; charset=utf-8'.\n"+
			"Binary content may be given as hex text.\n")
	typ := fs.String("type", "", "content type (required)")
	tid := fs.Uint("tid", 0, "WSP transaction id, 0..255")
	appID := fs.String("app-id", "", "X-Wap-Application-Id: a number, x-wap-application:NAME, NAME or a URI\n(default: mms.ua for MMS, none otherwise, meaning wml.ua)")
	asHex := fs.Bool("hex", false, "write hex instead of raw octets")
	segments := fs.Bool("segments", false, "write the SMS user data of each segment (UDH + payload, ports\n9200 -> 2948), one line of hex each")
	ref := fs.Uint("ref", 0, "concatenation reference of the segments, 0..255 (0..65535 with --wide-ref)")
	wide := fs.Bool("wide-ref", false, "use a 16-bit concatenation reference (127 octets per segment)")
	concatFirst := fs.Bool("concat-first", false, "write the concatenation IE before the port IE")
	file, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	mediaType, short := mediaTypeByName(*typ)
	switch {
	case *typ == "":
		return usagef("--type is required: si, sl, co, sic, slc, coc, mms or a media type")
	case !short && !strings.Contains(*typ, "/"):
		return usagef("--type %q: want si, sl, co, sic, slc, coc, mms or a media type such as text/vnd.wap.si", *typ)
	case !short:
		mediaType = *typ
	}
	if *tid > 0xFF {
		return usagef("--tid %d: want 0..255", *tid)
	}
	if !*segments && (set["ref"] || set["wide-ref"] || set["concat-first"]) {
		return usagef("--ref, --wide-ref and --concat-first need --segments")
	}
	maxRef := uint(0xFF)
	if *wide {
		maxRef = 0xFFFF
	}
	if *ref > maxRef {
		return usagef("--ref %d: want 0..%d", *ref, maxRef)
	}

	body, name, err := c.readInput(file)
	if err != nil {
		return err
	}
	if isBinaryType(mediaType) && isText(body) {
		if body, err = parseHex(body); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	ct := content.Content{Type: mediaType, Body: body}
	if set["app-id"] {
		ct.Headers = []content.Header{{Name: wsp.HeaderAppID, Value: *appID}}
	}
	p, err := content.Compile(ct, content.Options{TID: byte(*tid)})
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	pdu, err := p.Marshal()
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if !*segments {
		return c.writeOctets(pdu, *asHex)
	}
	uds, err := content.Segments(pdu, wdp.SegmentOptions{Ref: uint16(*ref), Wide: *wide, ConcatFirst: *concatFirst})
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	var out []byte
	for _, ud := range uds {
		out = hex.AppendEncode(out, ud)
		out = append(out, '\n')
	}
	_, err = c.stdout.Write(out)
	return err
}

// isBinaryType reports whether content of mediaType is binary, so that
// text input must be hex.
func isBinaryType(mediaType string) bool {
	base, _, _ := strings.Cut(mediaType, ";")
	switch strings.ToLower(strings.TrimSpace(base)) {
	case si.ContentTypeWBXML, sl.ContentTypeWBXML, co.ContentTypeWBXML, content.MMSContentType:
		return true
	}
	return false
}

func (c wapCommand) writeOctets(b []byte, asHex bool) error {
	if asHex {
		b = append(hex.AppendEncode(nil, b), '\n')
	}
	_, err := c.stdout.Write(b)
	return err
}

// What decode can be told (or works out) its input is.
const (
	kindAuto     = "auto"
	kindWBXML    = "wbxml"
	kindSI       = "si"
	kindSL       = "sl"
	kindCO       = "co"
	kindMMS      = "mms"
	kindPush     = "push"
	kindSegments = "segments"
)

func (c wapCommand) decode(args []string) error {
	fs := c.newFlagSet("decode", "[--type TYPE] FILE",
		"Decodes FILE and writes a readable dump: the SMS segments' headers, the\n"+
			"WSP push headers, and the document as XML (SI, SL, CO) or the MMS\n"+
			"notification's fields. FILE is binary or hex text; a text file with\n"+
			"several lines of hex is taken as the user data of SMS segments, one\n"+
			"per line. What FILE holds is worked out from its first octets unless\n"+
			"--type says it.\n")
	typ := fs.String("type", kindAuto, "what FILE holds: auto, wbxml, si, sl, co (WBXML), mms (an MMS PDU),\npush (a WSP push PDU) or segments (SMS user data)")
	file, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	kind := strings.ToLower(*typ)
	switch kind {
	case kindAuto, kindWBXML, kindSI, kindSL, kindCO, kindMMS, kindPush, kindSegments:
	default:
		return usagef("--type %q: want auto, wbxml, si, sl, co, mms, push or segments", *typ)
	}
	data, name, err := c.readInput(file)
	if err != nil {
		return err
	}
	d := &dumper{}
	if err := d.input(data, kind); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	_, err = c.stdout.Write(d.out.Bytes())
	return err
}

// dumper writes the readable form of what decode reads.
type dumper struct {
	out bytes.Buffer
}

func (d *dumper) printf(format string, args ...any) {
	fmt.Fprintf(&d.out, format, args...)
}

// input decodes data as kind, working the kind out when it is kindAuto.
func (d *dumper) input(data []byte, kind string) error {
	if !isText(data) {
		if kind == kindSegments {
			return d.segments([][]byte{data})
		}
		return d.octets(data, kind)
	}
	lines, err := parseHexLines(data)
	if err != nil {
		return err
	}
	if kind == kindSegments || kind == kindAuto && len(lines) > 1 && isUserData(lines[0]) {
		return d.segments(lines)
	}
	// One unit of hex, perhaps wrapped over several lines.
	return d.octets(bytes.Join(lines, nil), kind)
}

// octets decodes b as kind, working the kind out when it is kindAuto.
func (d *dumper) octets(b []byte, kind string) error {
	if kind == kindAuto {
		var err error
		if kind, err = sniff(b); err != nil {
			return err
		}
	}
	switch kind {
	case kindPush:
		return d.push(b, false)
	case kindMMS:
		return d.mms(b, span{})
	case kindSegments:
		return d.segments([][]byte{b})
	default:
		return d.wbxml(b, kind, span{})
	}
}

// sniff works out what b is from its first octets: a WSP push has the PDU
// type 0x06 after the TID, WBXML starts with a version 0x01..0x03, an MMS
// PDU with X-Mms-Message-Type (0x8C), SMS user data with a UDH length and
// a well-formed UDH. An SL document (version, public id 0x06) looks like a
// push at first sight; only a push that decodes is taken for one then.
func sniff(b []byte) (string, error) {
	if len(b) < 2 {
		return "", fmt.Errorf("only %d octet(s): too short to be WBXML, a push, an MMS PDU or SMS user data", len(b))
	}
	isWBXML := b[0] >= wbxml.Version11 && b[0] <= wbxml.Version13
	switch {
	case b[1] == wsp.PDUTypePush:
		if _, err := wsp.Parse(b); err != nil && isWBXML {
			return kindWBXML, nil
		}
		return kindPush, nil
	case isWBXML:
		return kindWBXML, nil
	case b[0] == 0x8C:
		return kindMMS, nil
	}
	if h, _, err := wdp.ParseUDH(b); err == nil && len(h) > 0 {
		return kindSegments, nil
	}
	return "", fmt.Errorf("cannot tell what the input is from its first octets % X: "+
		"expected WBXML (version 0x01..0x03), a WSP push (PDU type 0x06 at offset 1), "+
		"an MMS PDU (0x8C) or SMS user data with a UDH; use --type to say which", b[:min(len(b), 4)])
}

// isUserData reports whether ud is SMS user data with a UDH that carries
// ports or concatenation.
func isUserData(ud []byte) bool {
	h, _, err := wdp.ParseUDH(ud)
	if err != nil {
		return false
	}
	_, hasPorts := h.Ports()
	_, hasConcat := h.Concat()
	return hasPorts || hasConcat
}

// segments dumps the SMS user data of one message and the push it
// carries. The parts are checked first, so that a fault is reported with
// the number of the segment (its line) that has it.
func (d *dumper) segments(uds [][]byte) error {
	var first wdp.Concat
	seen := make(map[byte]bool)
	for i, ud := range uds {
		h, _, err := wdp.ParseUDH(ud)
		if err != nil {
			return fmt.Errorf("segment %d: %w", i+1, positioned(span{}, "UDH", err))
		}
		cc, ok := h.Concat()
		switch {
		case !ok && len(uds) > 1:
			return fmt.Errorf("segment %d: no concatenation IE, but %d segments were given", i+1, len(uds))
		case !ok:
			continue
		case i == 0:
			first = cc
		case cc.Ref != first.Ref || cc.Total != first.Total || cc.Wide != first.Wide:
			return fmt.Errorf("segment %d: reference %d of %d parts, but segment 1 has reference %d of %d parts: not the same message",
				i+1, cc.Ref, cc.Total, first.Ref, first.Total)
		}
		if seen[cc.Seq] {
			return fmt.Errorf("segment %d: part %d given twice", i+1, cc.Seq)
		}
		seen[cc.Seq] = true
	}
	if len(seen) > 0 && int(first.Total) != len(uds) {
		var missing []string
		for seq := 1; seq <= int(first.Total); seq++ {
			if !seen[byte(seq)] {
				missing = append(missing, strconv.Itoa(seq))
			}
		}
		return fmt.Errorf("the message has %d parts but only %d were given: part %s missing",
			first.Total, len(uds), strings.Join(missing, ", "))
	}
	dg, err := wdp.Join(uds)
	if err != nil {
		return err
	}
	d.printf("SMS user data: %d segment(s), ports %d -> %d\n", len(uds), dg.SrcPort, dg.DstPort)
	for i, ud := range uds {
		h, payload, _ := wdp.ParseUDH(ud)
		d.printf("  segment %d: %d octets: UDH %d octets", i+1, len(ud), h.Len())
		if cc, ok := h.Concat(); ok {
			bits := 8
			if cc.Wide {
				bits = 16
			}
			d.printf(" (part %d of %d, %d-bit reference %d)", cc.Seq, cc.Total, bits, cc.Ref)
		}
		d.printf(", payload %d octets\n", len(payload))
	}
	if dg.DstPort != wdp.PortPush && dg.DstPort != wdp.PortPushSecure {
		d.printf("  (destination port %d is not a push port; decoding the payload as a push anyway)\n", dg.DstPort)
	}
	return d.push(dg.Payload, true)
}

// push dumps a WSP push PDU, the input or one reassembled from segments.
func (d *dumper) push(b []byte, reassembled bool) error {
	p, err := wsp.Parse(b)
	if err != nil {
		return positioned(span{reassembled: reassembled}, "WSP push", err)
	}
	d.printf("WSP push: %d octets, TID %d\n", len(b), p.TID)
	d.printf("  Content-Type: %s", p.ContentType.Value)
	for _, prm := range p.ContentType.Params {
		d.printf("; %s=%s", prm.Name, prm.Value)
	}
	d.printf("\n")
	for _, h := range p.Headers {
		if h.Raw != nil {
			d.printf("  %s: (binary) % X\n", h.Name, h.Raw)
			continue
		}
		d.printf("  %s: %s\n", h.Name, h.Value)
	}
	if _, ok := p.Header(wsp.HeaderAppID); !ok {
		name, _ := wsp.AppIDName(wsp.AppIDWMLUA)
		d.printf("  (no X-Wap-Application-Id: the handset dispatches to %s)\n", name)
	}
	d.printf("  body: %d octets\n", len(p.Body))
	body := span{base: len(b) - len(p.Body), reassembled: reassembled, part: "push body"}
	switch strings.ToLower(p.ContentType.Value) {
	case si.ContentTypeWBXML:
		return d.wbxml(p.Body, kindSI, body)
	case sl.ContentTypeWBXML:
		return d.wbxml(p.Body, kindSL, body)
	case co.ContentTypeWBXML:
		return d.wbxml(p.Body, kindCO, body)
	case "application/vnd.wap.wbxml":
		return d.wbxml(p.Body, kindWBXML, body)
	case content.MMSContentType:
		return d.mms(p.Body, body)
	}
	d.printf("%s\n", hex.EncodeToString(p.Body))
	return nil
}

// wbxml dumps a WBXML document; kind says which document type it must be,
// or kindWBXML for any of SI, SL and CO.
func (d *dumper) wbxml(b []byte, kind string, at span) error {
	doc, err := wbxml.Decode(b, si.Table, sl.Table, co.Table)
	if err != nil {
		return positioned(at, "WBXML", err)
	}
	if kind == kindWBXML {
		switch doc.PublicID {
		case si.PublicID:
			kind = kindSI
		case sl.PublicID:
			kind = kindSL
		case co.PublicID:
			kind = kindCO
		default:
			switch doc.FPI {
			case si.FPI:
				kind = kindSI
			case sl.FPI:
				kind = kindSL
			case co.FPI:
				kind = kindCO
			}
		}
	}
	d.printf("WBXML %d.%d, public id 0x%02X", doc.Version>>4+1, doc.Version&0x0F, doc.PublicID)
	if doc.FPI != "" {
		d.printf(" (%s)", doc.FPI)
	}
	if cs, ok := wbxmlCharset(b); ok {
		d.printf(", charset %s", wsp.CharsetName(uint64(cs)))
	}
	d.printf(", %d octets\n", len(b))

	var xml []byte
	switch kind {
	case kindSI:
		var s *si.SI
		if s, err = si.DecodeWBXML(b); err == nil {
			xml, err = s.XML()
		}
	case kindSL:
		var s *sl.SL
		if s, err = sl.DecodeWBXML(b); err == nil {
			xml, err = s.XML()
		}
	case kindCO:
		var c *co.CO
		if c, err = co.DecodeWBXML(b); err == nil {
			xml, err = c.XML()
		}
	default:
		d.printf("(not an SI, SL or CO document; as decoded:)\n")
		xml = doc.AppendXML(nil)
	}
	if err != nil {
		return positioned(at, "WBXML", err)
	}
	d.out.Write(xml)
	if len(xml) > 0 && xml[len(xml)-1] != '\n' {
		d.out.WriteByte('\n')
	}
	return nil
}

// wbxmlCharset reads the charset of a WBXML 1.1 or later document header.
func wbxmlCharset(b []byte) (uint32, bool) {
	if len(b) == 0 || b[0] == wbxml.Version10 {
		return 0, false
	}
	r := wsp.NewReader(b[1:])
	id, err := r.Uintvar("public id")
	if err != nil {
		return 0, false
	}
	if id == wbxml.PublicIDString {
		if _, err := r.Uintvar("public id index"); err != nil {
			return 0, false
		}
	}
	cs, err := r.Uintvar("charset")
	return cs, err == nil
}

func (d *dumper) mms(b []byte, at span) error {
	pdu, err := mms.Parse(b)
	if err != nil {
		return positioned(at, "MMS PDU", err)
	}
	switch n := pdu.(type) {
	case *mms.NotificationInd:
		d.printf("MMS m-notification-ind, %d octets\n", len(b))
		d.printf("  X-Mms-Transaction-ID: %s\n", n.TransactionID)
		d.printf("  X-Mms-MMS-Version: %s\n", n.Version)
		if n.From != nil {
			if n.From.Insert {
				d.printf("  From: (inserted by the MMSC)\n")
			} else {
				d.printf("  From: %s\n", encodedString(n.From.Address))
			}
		}
		if n.Subject != nil {
			d.printf("  Subject: %s\n", encodedString(*n.Subject))
		}
		d.printf("  X-Mms-Message-Class: %s\n", n.Class)
		d.printf("  X-Mms-Message-Size: %d\n", n.Size)
		if n.Expiry.Absolute {
			d.printf("  X-Mms-Expiry: at %s\n", n.Expiry.At.UTC().Format(time.RFC3339))
		} else {
			d.printf("  X-Mms-Expiry: after %d s (%s)\n", int64(n.Expiry.After/time.Second), n.Expiry.After)
		}
		d.printf("  X-Mms-Content-Location: %s\n", n.ContentLocation)
		if n.DeliveryReport != nil {
			d.printf("  X-Mms-Delivery-Report: %s\n", yesNo(*n.DeliveryReport))
		}
		if n.Priority != 0 {
			d.printf("  X-Mms-Priority: %s\n", priorityName(n.Priority))
		}
		d.otherFields(n.Other)
	case *mms.NotifyRespInd:
		d.printf("MMS m-notifyresp-ind, %d octets\n", len(b))
		d.printf("  X-Mms-Transaction-ID: %s\n", n.TransactionID)
		d.printf("  X-Mms-MMS-Version: %s\n", n.Version)
		d.printf("  X-Mms-Status: 0x%02X\n", byte(n.Status))
		if n.ReportAllowed != nil {
			d.printf("  X-Mms-Report-Allowed: %s\n", yesNo(*n.ReportAllowed))
		}
		d.otherFields(n.Other)
	}
	return nil
}

func (d *dumper) otherFields(fields []mms.Field) {
	for _, f := range fields {
		d.printf("  field 0x%02X: % X\n", 0x80|f.Code, f.Value)
	}
}

func encodedString(s mms.EncodedString) string {
	if s.Charset == 0 {
		return s.Text
	}
	return s.Text + " (charset " + wsp.CharsetName(s.Charset) + ")"
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func priorityName(p mms.Priority) string {
	switch p {
	case mms.PriorityLow:
		return "low"
	case mms.PriorityNormal:
		return "normal"
	case mms.PriorityHigh:
		return "high"
	}
	return fmt.Sprintf("0x%02X", byte(p))
}

// span says where a decoded part lies, for error messages.
type span struct {
	base        int    // offset of the part in the input, or in the reassembled push
	reassembled bool   // offsets count in a push reassembled from segments
	part        string // what the part is, e.g. "push body"; "" for the whole
}

// at describes offset off of the part.
func (s span) at(off int) string {
	msg := "offset " + strconv.Itoa(s.base+off)
	if s.reassembled {
		msg += " of the reassembled push"
	}
	if s.part != "" {
		msg += " (" + strconv.Itoa(off) + " into the " + s.part + ")"
	}
	return msg
}

// positioned rewrites the error of the decoder of what so that its message
// starts with the offset of the fault and says what was being decoded.
// Invalid documents, which the decoders name by element and attribute
// rather than offset, are placed at the start of the document.
func positioned(at span, what string, err error) error {
	var (
		wb      *wbxml.DecodeError
		ws      *wsp.DecodeError
		mm      *mms.DecodeError
		wd      *wdp.DecodeError
		invalid *wbxml.ValidityError
	)
	switch {
	case errors.As(err, &wb):
		return fmt.Errorf("%s: %s: %s", at.at(wb.Offset), what, wb.Reason)
	case errors.As(err, &ws):
		return fmt.Errorf("%s: %s: %s: %s", at.at(ws.Offset), what, ws.Field, ws.Reason)
	case errors.As(err, &mm):
		return fmt.Errorf("%s: %s: %s: %s", at.at(mm.Offset), what, mm.Field, mm.Reason)
	case errors.As(err, &wd):
		return fmt.Errorf("%s: %s: %s: %s", at.at(wd.Offset), what, wd.Field, wd.Reason)
	case errors.As(err, &invalid):
		return fmt.Errorf("%s: %s: invalid document: %v", at.at(0), what, invalid)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// isText reports whether b is printable US-ASCII text, which none of the
// binary formats decode reads can be: each starts with an octet below 0x20
// or above 0x7E in its first two.
func isText(b []byte) bool {
	for _, c := range b {
		if (c < 0x20 || c > 0x7E) && c != '\n' && c != '\r' && c != '\t' {
			return false
		}
	}
	return true
}

// parseHexLines decodes hex text: one unit of octets per non-blank line;
// white space between digits is ignored.
func parseHexLines(text []byte) ([][]byte, error) {
	var units [][]byte
	for i, line := range bytes.Split(text, []byte{'\n'}) {
		var digits []byte
		for col, c := range line {
			switch {
			case c == ' ' || c == '\t' || c == '\r':
			case c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F':
				digits = append(digits, c)
			default:
				return nil, fmt.Errorf("line %d, column %d: %q is not a hexadecimal digit", i+1, col+1, c)
			}
		}
		if len(digits) == 0 {
			continue
		}
		if len(digits)%2 != 0 {
			return nil, fmt.Errorf("line %d: odd number of hexadecimal digits (%d): an octet is cut in half", i+1, len(digits))
		}
		unit := make([]byte, len(digits)/2)
		hex.Decode(unit, digits) // cannot fail: the digits were checked
		units = append(units, unit)
	}
	if len(units) == 0 {
		return nil, errors.New("no hexadecimal digits")
	}
	return units, nil
}

// parseHex decodes hex text, which may be spread over several lines, into
// one octet string.
func parseHex(text []byte) ([]byte, error) {
	units, err := parseHexLines(text)
	if err != nil {
		return nil, err
	}
	return bytes.Join(units, nil), nil
}
