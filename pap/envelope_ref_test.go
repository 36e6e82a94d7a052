package pap

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/textproto"
	"reflect"
	"strings"
	"testing"

	"github.com/txpush/txpush/internal/testvec"
)

// The envelope was first read by the functions below, simpler and slower;
// the tests hold them as the reference the faster ones must agree with.

// findDelimiterReference finds the first delimiter line at or after from: dash at
// the start of a line, followed by "--" (the close delimiter) or by white
// space to the end of the line. It returns its offset, whether it closes
// the body, and the offset after its line, or -1.
func findDelimiterReference(data []byte, from int, dash string) (at int, closing bool, next int) {
	for from <= len(data) {
		i := bytes.Index(data[from:], []byte(dash))
		if i < 0 {
			return -1, false, 0
		}
		at = from + i
		from = at + len(dash)
		if at > 0 && data[at-1] != '\n' {
			continue
		}
		rest := data[from:]
		if bytes.HasPrefix(rest, []byte("--")) {
			return at, true, len(data)
		}
		j := 0
		for j < len(rest) && (rest[j] == ' ' || rest[j] == '\t') {
			j++
		}
		switch {
		case j < len(rest) && rest[j] == '\n':
			return at, false, from + j + 1
		case j+1 < len(rest) && rest[j] == '\r' && rest[j+1] == '\n':
			return at, false, from + j + 2
		}
		// The boundary is only the start of a longer line: not a delimiter.
	}
	return -1, false, 0
}

// parsePartReference reads the headers and body of the entity data[start:end],
// decoding its Content-Transfer-Encoding.
func parsePartReference(data []byte, start, end int) (part, error) {
	p := part{Entity: Entity{Header: textproto.MIMEHeader{}}}
	pos := start
	var (
		name  string // the header being read
		value []byte // its value, continuation lines joined
	)
	flush := func() {
		if name != "" {
			p.Header[name] = append(p.Header[name], string(value))
		}
	}
	for {
		if pos >= end {
			return p, envelopeError(start, "an entity without the empty line that ends its headers", data[start:end])
		}
		nl := bytes.IndexByte(data[pos:end], '\n')
		lineEnd := end
		if nl >= 0 {
			lineEnd = pos + nl
		}
		line := bytes.TrimSuffix(data[pos:lineEnd], []byte("\r"))
		lineStart := pos
		pos = lineEnd + 1
		if len(line) == 0 {
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			// A folded header line continues the previous header.
			if name == "" {
				return p, envelopeError(lineStart, "a continuation line before any header", line)
			}
			if more := bytes.TrimSpace(line); len(more) > 0 {
				value = append(append(value, ' '), more...)
			}
			continue
		}
		flush()
		n, v, ok := bytes.Cut(line, []byte(":"))
		n = bytes.TrimSpace(n)
		if !ok || len(n) == 0 || bytes.ContainsAny(n, " \t") {
			return p, envelopeError(lineStart, "malformed header line in an entity", line)
		}
		name = textproto.CanonicalMIMEHeaderKey(string(n))
		value = append(value[:0], bytes.TrimSpace(v)...)
	}
	flush()
	for _, k := range [...]string{"Content-Type", "Content-Transfer-Encoding"} {
		if len(p.Header[k]) > 1 {
			return p, envelopeError(start, "an entity with two "+k+" headers", data[start:min(pos, end)])
		}
	}
	p.offset = min(pos, end)
	p.Body = data[p.offset:end]
	switch cte := strings.ToLower(p.Header.Get("Content-Transfer-Encoding")); cte {
	case "", "binary", "8bit", "7bit":
	case "base64":
		clean := bytes.Map(func(r rune) rune {
			if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
				return -1
			}
			return r
		}, p.Body)
		b := make([]byte, base64.StdEncoding.DecodedLen(len(clean)))
		n, err := base64.StdEncoding.Decode(b, clean)
		if err != nil {
			return p, envelopeError(p.offset, "the base64 body does not decode: "+err.Error(), nil)
		}
		p.Body = b[:n]
	case "quoted-printable":
		b, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(p.Body)))
		if err != nil {
			return p, envelopeError(p.offset, "the quoted-printable body does not decode: "+err.Error(), nil)
		}
		p.Body = b
	default:
		return p, envelopeError(start, "unknown Content-Transfer-Encoding "+quote(cte), nil)
	}
	p.Header.Del("Content-Transfer-Encoding")
	return p, nil
}

// checkEnvelopeAsReference compares the reading of data, delimited by
// boundary, with that of the reference functions.
func checkEnvelopeAsReference(t *testing.T, data []byte, boundary string) {
	t.Helper()
	dash := "--" + boundary
	for from := 0; from <= len(data); {
		at, closing, next := findDelimiter(data, from, dash)
		wantAt, wantClosing, wantNext := findDelimiterReference(data, from, dash)
		if at != wantAt || closing != wantClosing || next != wantNext {
			t.Fatalf("findDelimiter(%q, %d, %q) = %d %v %d, want %d %v %d",
				data, from, dash, at, closing, next, wantAt, wantClosing, wantNext)
		}
		if at < 0 || closing {
			break
		}
		from = next
	}
	got, err := parsePart(data, 0, len(data))
	want, wantErr := parsePartReference(data, 0, len(data))
	if (err == nil) != (wantErr == nil) || err != nil && !reflect.DeepEqual(err, wantErr) {
		t.Fatalf("parsePart(%q): %v, want %v", data, err, wantErr)
	}
	if err == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("parsePart(%q) = %#v, want %#v", data, got, want)
	}
}

func TestEnvelopeAsReference(t *testing.T) {
	for _, name := range []string{"v17-pap/push-si-short.multipart", "v17-pap/kannel-test_ppg-request.pap10.multipart"} {
		data := testvec.Read(t, name)
		checkEnvelopeAsReference(t, data, "asdlfkjiurwghasf")
		for n := range data {
			checkEnvelopeAsReference(t, data[:n], "asdlfkjiurwghasf")
		}
	}
	for _, c := range []struct{ data, boundary string }{
		{"Content-Type: a\r\n content-type: b\r\n\tc\r\nX-WAP-Application-ID: x\r\nx-wap-application-id: y\r\n\r\nbody", "b"},
		{"Content-Transfer-Encoding: base64\r\n\r\nAgVq\r\nAA==", "b"},
		{"Content-Tranſfer-Encoding: base64\r\n\r\nAgVqAA==", "b"},
		{"Content-Transfer-Encoding: quoted-printable\r\n\r\n=3D", "b"},
		{"content_type: a\r\nCONTENT-TYPE :b\r\n\r\n", "b"},
		{" x\r\n\r\n", "b"},
		{"x\r\n\r\n", "b"},
		{"--b\n--b-\n--b--", "b"},
		{"x--b\n--b\n", "b"},
		{"\n--a\nb\n--a\nb \n", "a\nb"},
		{"--a\n--a\n", "a\n--a"},
	} {
		checkEnvelopeAsReference(t, []byte(c.data), c.boundary)
	}
}

// checkContentTypeAsMime compares parseContentType with
// mime.ParseMediaType.
func checkContentTypeAsMime(t *testing.T, v string) {
	t.Helper()
	mt, boundary, err := parseContentType(v)
	wantMT, params, wantErr := mime.ParseMediaType(v)
	if (err == nil) != (wantErr == nil) || err == nil && (mt != wantMT || boundary != params["boundary"]) {
		t.Fatalf("parseContentType(%q) = %q, %q, %v; mime.ParseMediaType: %q, %q, %v",
			v, mt, boundary, err, wantMT, params["boundary"], wantErr)
	}
}

func TestContentTypeAsMime(t *testing.T) {
	for _, v := range []string{
		kannelRequestType, relatedB1, "multipart/related; boundary=b1", "Multipart/Related; BOUNDARY=b1",
		"application/xml", " text/xml ", "text/xml\t;\tcharset=utf-8 ", "multipart/related;boundary=\"a b\"",
		"multipart/related; boundary=\"\"", "multipart/related; boundary=", "multipart/related; boundary",
		"multipart/related; boundary=a; boundary=a", "multipart/related; boundary=a; BOUNDARY=b",
		"multipart/related; boundary*=utf-8''a", "multipart/related; boundary=\"a\\\"b\"", "multipart/related;",
		"multipart/related; ;", "multipart/related; boundary=a b", "multipart/related; boundary=a;", "multipart",
		"multipart/", "/related", "multipart /related", "multipart/related; bound\u017fary=x", "\u00a0text/xml",
		"multipart/related; a=1; b=2; c=3; d=4; e=5; f=6; g=7; h=8; boundary=x", "",
	} {
		checkContentTypeAsMime(t, v)
	}
}

// FuzzContentTypeAsMime checks that Content-Types are read as
// mime.ParseMediaType reads them.
func FuzzContentTypeAsMime(f *testing.F) {
	f.Add(kannelRequestType)
	f.Add(relatedB1)
	f.Fuzz(checkContentTypeAsMime)
}

func TestCommonHeaderKeysAreCanonical(t *testing.T) {
	for _, k := range commonHeaderKeys {
		if c := textproto.CanonicalMIMEHeaderKey(strings.ToLower(k)); c != k {
			t.Errorf("%s is canonically %s", k, c)
		}
	}
}

// FuzzEnvelopeAsReference checks that delimiters and headers are found
// as the reference functions find them.
func FuzzEnvelopeAsReference(f *testing.F) {
	for _, name := range []string{"v17-pap/push-si-short.multipart", "v17-pap/kannel-test_ppg-request.pap10.multipart"} {
		f.Add(testvec.Read(f, name), "asdlfkjiurwghasf")
	}
	f.Add([]byte("Content-Type: a\r\n b\r\nContent-Transfer-Encoding: base64\r\n\r\nAgVq\r\n--b--"), "b")
	f.Fuzz(func(t *testing.T, data []byte, boundary string) {
		if boundary == "" {
			return
		}
		checkEnvelopeAsReference(t, data, boundary)
	})
}
