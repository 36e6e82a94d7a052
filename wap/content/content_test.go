package content

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/txpush/txpush/mms"
	"github.com/txpush/txpush/wap/co"
	"github.com/txpush/txpush/wap/si"
	"github.com/txpush/txpush/wap/wbxml"
	"github.com/txpush/txpush/wap/wsp"
)

func TestCompileCO(t *testing.T) {
	xml := `<co><invalidate-object uri="http://www.example.com/a"/><invalidate-service uri="https://example.org/"/></co>`
	p, err := Compile(Content{Type: "text/vnd.wap.co", Body: []byte(xml)}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p.ContentType.Value != co.ContentTypeWBXML {
		t.Errorf("content type %q, want %q", p.ContentType.Value, co.ContentTypeWBXML)
	}
	// WAP-175 tokens: invalidate-object 06, invalidate-service 07 (with
	// attributes: 86, 87); uri with the prefixes "http://www." 07 and
	// "https://" 08; ".com/" 85 and ".org/" 88.
	want := []byte{0x02, 0x07, 0x6A, 0x00, 0x45,
		0x86, 0x07, 0x03, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0x00, 0x85, 0x03, 'a', 0x00, 0x01,
		0x87, 0x08, 0x03, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0x00, 0x88, 0x01,
		0x01}
	if !bytes.Equal(p.Body, want) {
		t.Errorf("body\n got % X\nwant % X", p.Body, want)
	}
	// The compiled form passes the check and goes out unchanged.
	q, err := Compile(Content{Type: co.ContentTypeWBXML, Body: p.Body}, Options{})
	if err != nil || !bytes.Equal(q.Body, p.Body) {
		t.Errorf("pass-through of the compiled CO: %v, % X", err, q.Body)
	}
}

// TestCompileHeaders checks what goes into the WSP headers: the push
// headers the initiator gave and the implied application id, nothing else.
func TestCompileHeaders(t *testing.T) {
	siXML := []byte(`<si><indication href="http://example.com/">hi</indication></si>`)
	mmsBody := readVector(t, "v06-mms-notification-ind", "m-notification-ind.bin")
	tests := []struct {
		name    string
		content Content
		want    []wsp.Header
	}{
		{
			name: "HTTP and MIME headers are not copied",
			content: Content{Type: "text/vnd.wap.si", Body: siXML, Headers: []Header{
				{"User-Agent", "curl/8.0"}, {"Accept", "*/*"}, {"Content-Transfer-Encoding", "binary"},
				{"Content-Length", "62"}, {"Content-Type", "text/plain"}, {"X-Custom", "1"},
			}},
		},
		{
			name:    "SI without an application id goes without one",
			content: Content{Type: "text/vnd.wap.si", Body: siXML},
		},
		{
			name:    "an explicit wml.ua is kept",
			content: Content{Type: "text/vnd.wap.si", Body: siXML, Headers: []Header{{"x-wap-application-id", " wml.ua "}}},
			want:    []wsp.Header{{Name: wsp.HeaderAppID, Value: "wml.ua"}},
		},
		{
			name:    "a URI ending in a registered name is the registered id",
			content: Content{Type: "text/vnd.wap.si", Body: siXML, Headers: []Header{{"X-WAP-Application-Id", "http://www.wiral.com:wml.ua"}}},
			want:    []wsp.Header{{Name: wsp.HeaderAppID, Value: "x-wap-application:wml.ua"}},
		},
		{
			name:    "a URI ending in a port stays text",
			content: Content{Type: "text/vnd.wap.si", Body: siXML, Headers: []Header{{"X-Wap-Application-Id", "http://apps.example.com:8080"}}},
			want:    []wsp.Header{{Name: wsp.HeaderAppID, Value: "http://apps.example.com:8080"}},
		},
		{
			name:    "MMS implies mms.ua",
			content: Content{Type: "application/vnd.wap.mms-message", Body: mmsBody},
			want:    []wsp.Header{{Name: wsp.HeaderAppID, Value: "x-wap-application:mms.ua"}},
		},
		{
			name:    "MMS with a numeric id",
			content: Content{Type: "application/vnd.wap.mms-message", Body: mmsBody, Headers: []Header{{"X-Wap-Application-Id", "4"}}},
			want:    []wsp.Header{{Name: wsp.HeaderAppID, Value: "4"}},
		},
		{
			name: "initiator and content URIs, in a fixed order",
			content: Content{Type: "text/vnd.wap.si", Body: siXML, Headers: []Header{
				{"X-Wap-Content-URI", "http://pi.example.com/c"},
				{"X-Wap-Initiator-URI", "http://pi.example.com/"},
			}},
			want: []wsp.Header{
				{Name: wsp.HeaderInitiatorURI, Value: "http://pi.example.com/"},
				{Name: wsp.HeaderContentURI, Value: "http://pi.example.com/c"},
			},
		},
		{
			name: "MMS with an initiator: implied id first",
			content: Content{Type: "application/vnd.wap.mms-message", Body: mmsBody, Headers: []Header{
				{"X-Wap-Initiator-URI", "http://mmsc.example.com/"},
			}},
			want: []wsp.Header{
				{Name: wsp.HeaderAppID, Value: "x-wap-application:mms.ua"},
				{Name: wsp.HeaderInitiatorURI, Value: "http://mmsc.example.com/"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Compile(tt.content, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(p.Headers, tt.want) {
				t.Errorf("headers %+v, want %+v", p.Headers, tt.want)
			}
		})
	}
}

// TestCompileApplicationIDOnTheWire checks the octets each way of naming
// an application gives.
func TestCompileApplicationIDOnTheWire(t *testing.T) {
	body := []byte("x")
	for _, tt := range []struct {
		appID string
		want  []byte // the header octets after the content type
	}{
		{"x-wap-application:mms.ua", []byte{0xAF, 0x84}},
		{"mms.ua", []byte{0xAF, 0x84}},
		{"4", []byte{0xAF, 0x84}},
		{"0x8000", []byte{0xAF, 0x02, 0x80, 0x00}},
		{"http://www.wiral.com:wml.ua", []byte{0xAF, 0x82}},
		{"urn:example:app", append([]byte{0xAF}, "urn:example:app\x00"...)},
	} {
		t.Run(tt.appID, func(t *testing.T) {
			got := compileBytes(t, Content{Type: "text/plain", Body: body,
				Headers: []Header{{Name: "X-Wap-Application-Id", Value: tt.appID}}}, Options{})
			// TID, PDU type, HeadersLen, text/plain (0x83), headers, body
			want := append([]byte{0x00, 0x06, byte(1 + len(tt.want)), 0x83}, tt.want...)
			want = append(want, body...)
			if !bytes.Equal(got, want) {
				t.Errorf("got % X, want % X", got, want)
			}
		})
	}
}

func TestCompileContentTypeParameters(t *testing.T) {
	siXML := []byte(`<si><indication href="http://example.com/">hi</indication></si>`)
	tests := []struct {
		typ  string
		want wsp.ContentType
	}{
		{"text/vnd.wap.si", wsp.ContentType{Value: "application/vnd.wap.sic"}},
		{"Text/VND.WAP.SI ; Charset=\"UTF-8\"", wsp.ContentType{Value: "application/vnd.wap.sic", Params: []wsp.Param{{Name: "charset", Value: "utf-8"}}}},
		{"text/vnd.wap.si; charset=us-ascii", wsp.ContentType{Value: "application/vnd.wap.sic", Params: []wsp.Param{{Name: "charset", Value: "utf-8"}}}},
		{"text/vnd.wap.si; format=flowed;", wsp.ContentType{Value: "application/vnd.wap.sic"}},
	}
	for _, tt := range tests {
		t.Run(tt.typ, func(t *testing.T) {
			p, err := Compile(Content{Type: tt.typ, Body: siXML}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(p.ContentType, tt.want) {
				t.Errorf("content type %+v, want %+v", p.ContentType, tt.want)
			}
		})
	}
}

// TestCompileOtherTypes checks that content of other types goes out as
// given, parameters included.
func TestCompileOtherTypes(t *testing.T) {
	body := []byte{0x00, 0xFF, 0x10}
	tests := []struct {
		typ  string
		want wsp.ContentType
	}{
		{"application/vnd.syncml.notification", wsp.ContentType{Value: "application/vnd.syncml.notification"}},
		{"application/x-example; level=2; name=\"a b\"", wsp.ContentType{Value: "application/x-example",
			Params: []wsp.Param{{Name: "level", Value: "2"}, {Name: "name", Value: "a b"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.typ, func(t *testing.T) {
			p, err := Compile(Content{Type: tt.typ, Body: body}, Options{TID: 9})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(p.ContentType, tt.want) || !bytes.Equal(p.Body, body) || p.TID != 9 || p.Headers != nil {
				t.Errorf("got %+v, want %+v and the body unchanged", p, tt.want)
			}
		})
	}
}

// inBody, as the expected offset of a CompileError, means any offset in
// the body: where exactly a decoder notices a fault is its own business.
const inBody = -2

// TestCompileErrors checks that bad content gives a CompileError that
// says where the fault is and what it is.
func TestCompileErrors(t *testing.T) {
	goodSI := []byte(`<si><indication href="http://example.com/">hi</indication></si>`)
	v01 := readVector(t, "v01-si-dates", "si.xml2wbxml.wbxml")
	v06 := readVector(t, "v06-mms-notification-ind", "m-notification-ind.bin")
	badDate := "<?xml version=\"1.0\"?>\n<si>\n  <indication href=\"http://a.example/\"\n      created=\"2024-13-05T12:30:00Z\">x</indication>\n</si>\n"
	tests := []struct {
		name       string
		content    Content
		line, off  int
		underlying any // pointer to the expected type of Err
		message    []string
	}{
		{
			name:       "bad date",
			content:    Content{Type: "text/vnd.wap.si", Body: []byte(badDate)},
			line:       4,
			off:        strings.Index(badDate, "created="),
			underlying: new(*wbxml.ValidityError),
			message:    []string{"line 4", `"created"`, "out of range"},
		},
		{
			name: "missing attribute",
			content: Content{Type: "text/vnd.wap.sl",
				Body: []byte("<?xml version=\"1.0\"?>\n<!-- <sl> in a comment -->\n<sl action=\"cache\"/>\n")},
			line:       3,
			off:        len("<?xml version=\"1.0\"?>\n<!-- <sl> in a comment -->\n"),
			underlying: new(*wbxml.ValidityError),
			message:    []string{"line 3", `"href"`, "required attribute missing"},
		},
		{
			name:       "bad action in a US-ASCII document",
			content:    Content{Type: "text/vnd.wap.si", Body: []byte("<?xml version=\"1.0\" encoding=\"US-ASCII\"?>\n<si><indication action=\"loud\">x</indication></si>")},
			line:       2,
			off:        len("<?xml version=\"1.0\" encoding=\"US-ASCII\"?>\n<si><indication "),
			underlying: new(*wbxml.ValidityError),
			message:    []string{`"loud"`},
		},
		{
			name:       "missing class on the second item",
			content:    Content{Type: "text/vnd.wap.si", Body: []byte(`<si><indication>x</indication><info><item class="a">1</item><item>2</item></info></si>`)},
			line:       1,
			off:        strings.Index(`<si><indication>x</indication><info><item class="a">1</item><item>2</item></info></si>`, "<item>"),
			underlying: new(*wbxml.ValidityError),
			message:    []string{`"class"`},
		},
		{
			name: "bad class on the second item",
			content: Content{Type: "text/vnd.wap.si",
				Body: []byte(`<si><indication>x</indication><info><item class="a">1</item><item class="b c">2</item></info></si>`)},
			line:       1,
			off:        strings.Index(`<si><indication>x</indication><info><item class="a">1</item><item class="b c">2</item></info></si>`, `class="b c"`),
			underlying: new(*wbxml.ValidityError),
			message:    []string{`"class"`},
		},
		{
			name:       "malformed XML",
			content:    Content{Type: "text/vnd.wap.si", Body: []byte("<si>\n<indication>\n</si>")},
			line:       3,
			off:        inBody,
			underlying: new(*wbxml.XMLSyntaxError),
			message:    []string{"line 3", "malformed XML", "</si>"},
		},
		{
			name:       "truncated WBXML",
			content:    Content{Type: "application/vnd.wap.sic", Body: v01[:20]},
			off:        20,
			underlying: new(*wbxml.DecodeError),
			message:    []string{"offset 20", "malformed WBXML"},
		},
		{
			name:       "WBXML of another document type",
			content:    Content{Type: "application/vnd.wap.slc", Body: v01},
			off:        1,
			underlying: new(*wbxml.DecodeError),
		},
		{
			name:       "truncated MMS notification",
			content:    Content{Type: "application/vnd.wap.mms-message", Body: v06[:40]},
			off:        inBody,
			underlying: new(*mms.DecodeError),
			message:    []string{"malformed MMS notification"},
		},
		{
			name:    "no content type",
			content: Content{Body: goodSI},
			off:     -1,
			message: []string{"no media type"},
		},
		{
			name:    "content type without subtype",
			content: Content{Type: "text", Body: goodSI},
			off:     -1,
			message: []string{"index 4", `"/"`},
		},
		{
			name:    "parameter without value",
			content: Content{Type: "text/vnd.wap.si; charset", Body: goodSI},
			off:     -1,
			message: []string{"index 24", "charset"},
		},
		{
			name:    "unterminated quoted string",
			content: Content{Type: `text/vnd.wap.si; charset="utf-8`, Body: goodSI},
			off:     -1,
			message: []string{"closing"},
		},
		{
			name:    "charset that cannot be compiled",
			content: Content{Type: "text/vnd.wap.si; charset=iso-8859-1", Body: goodSI},
			off:     -1,
			message: []string{"iso-8859-1"},
		},
		{
			name:    "application id given twice",
			content: Content{Type: "text/vnd.wap.si", Body: goodSI, Headers: []Header{{"X-Wap-Application-Id", "2"}, {"x-wap-application-id", "4"}}},
			off:     -1,
			message: []string{"twice"},
		},
		{
			name:    "empty application id",
			content: Content{Type: "text/vnd.wap.si", Body: goodSI, Headers: []Header{{"X-Wap-Application-Id", "  "}}},
			off:     -1,
			message: []string{"empty"},
		},
		{
			name:    "control character in a URI",
			content: Content{Type: "text/vnd.wap.si", Body: goodSI, Headers: []Header{{"X-Wap-Initiator-URI", "http://a\x00b"}}},
			off:     -1,
			message: []string{"control character 0x00 at index 8"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Compile(tt.content, Options{})
			if err == nil {
				t.Fatalf("Compile succeeded: %+v", p)
			}
			var ce *CompileError
			if !errors.As(err, &ce) {
				t.Fatalf("error %T %v, want *CompileError", err, err)
			}
			if ce.Line != tt.line {
				t.Errorf("Line %d, want %d (%v)", ce.Line, tt.line, err)
			}
			switch {
			case tt.off == inBody:
				if ce.Offset < 0 || ce.Offset > len(tt.content.Body) {
					t.Errorf("Offset %d, want one in the body (%v)", ce.Offset, err)
				}
			case ce.Offset != tt.off:
				t.Errorf("Offset %d, want %d (%v)", ce.Offset, tt.off, err)
			}
			if tt.underlying != nil && !errors.As(err, tt.underlying) {
				t.Errorf("error %v does not wrap a %T", err, tt.underlying)
			}
			for _, m := range tt.message {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("message %q does not mention %q", err, m)
				}
			}
		})
	}
}

func TestCompileErrorTruncatedWBXMLIsUnexpectedEOF(t *testing.T) {
	v01 := readVector(t, "v01-si-dates", "si.xml2wbxml.wbxml")
	_, err := Compile(Content{Type: si.ContentTypeWBXML, Body: v01[:len(v01)-1]}, Options{})
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("error %v is not io.ErrUnexpectedEOF", err)
	}
}

func TestCompileErrorMessage(t *testing.T) {
	tests := []struct {
		err  *CompileError
		want string
	}{
		{&CompileError{Type: "text/vnd.wap.si", Line: 2, Offset: 30, Err: &wbxml.XMLSyntaxError{Line: 2, Offset: 30, Reason: "unexpected end"}},
			"text/vnd.wap.si: line 2, offset 30: malformed XML: unexpected end"},
		{&CompileError{Type: "application/vnd.wap.sic", Offset: 17, Err: &wbxml.DecodeError{Offset: 17, Reason: "input ends"}},
			"application/vnd.wap.sic: offset 17: malformed WBXML: input ends"},
		{&CompileError{Type: "text/vnd.wap.si", Offset: -1, Err: errors.New("header X given twice")},
			"text/vnd.wap.si: header X given twice"},
		{&CompileError{Offset: -1, Err: errors.New("content type: no media type")},
			"content type: no media type"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}

func TestCompileDoesNotModifyContent(t *testing.T) {
	body := readVector(t, "v01-si-dates", "si.xml")
	orig := bytes.Clone(body)
	headers := []Header{{"X-Wap-Application-Id", " wml.ua "}}
	if _, err := Compile(Content{Type: "text/vnd.wap.si", Headers: headers, Body: body}, Options{}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(body, orig) || headers[0].Value != " wml.ua " {
		t.Error("Compile modified its input")
	}
}

func TestParseMediaType(t *testing.T) {
	tests := []struct {
		in   string
		want mediaType
		err  string
	}{
		{in: "text/vnd.wap.si", want: mediaType{value: "text/vnd.wap.si"}},
		{in: "  TEXT/Plain  ", want: mediaType{value: "text/plain"}},
		{in: `a/b; x="q\"uo;te"; Y=z`, want: mediaType{value: "a/b", params: []wsp.Param{{Name: "x", Value: `q"uo;te`}, {Name: "y", Value: "z"}}}},
		{in: "a/b;;c=d", want: mediaType{value: "a/b", params: []wsp.Param{{Name: "c", Value: "d"}}}},
		{in: "a/b; c = d", want: mediaType{value: "a/b", params: []wsp.Param{{Name: "c", Value: "d"}}}},
		{in: "", err: "no media type"},
		{in: "/b", err: "index 0"},
		{in: "a/", err: "index 2"},
		{in: "a/b c", err: "index 4"},
		{in: "a/b; c=d; c=e", err: "twice"},
		{in: "a/b; =d", err: "parameter name"},
		{in: "a/b; c=", err: "value for parameter c"},
		{in: "a/b; c=\"\x01\"", err: "index 8"},
	}
	for _, tt := range tests {
		got, err := parseMediaType(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("parseMediaType(%q): error %v, want one mentioning %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parseMediaType(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}
