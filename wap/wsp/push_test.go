package wsp

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"reflect"
	"strconv"
	"testing"

	"github.com/txpush/txpush/internal/testvec"
)

// pushVectors matches the golden WSP pushes, v07 to v10.
const pushVectors = "v*-wsp-push-*/push.bin"

// kannelPush returns the WSP push that Kannel's PPG sent in the v16 run,
// joined from the short_message of each submit_sm after its UDH.
func kannelPush(t testing.TB, files ...string) []byte {
	t.Helper()
	var push []byte
	for _, f := range files {
		pdu := testvec.Read(t, "v16-kannel-e2e/smpp-rx/"+f)
		// The UDH always starts with the 16-bit port IE to 2948 from 9200;
		// the octet before the UDH is sm_length.
		i := bytes.Index(pdu, []byte{0x05, 0x04, 0x0B, 0x84, 0x23, 0xF0})
		if i < 2 {
			t.Fatalf("%s: no port UDH", f)
		}
		udhl := int(pdu[i-1])
		smLen := int(pdu[i-2])
		start := i - 1 + 1 + udhl
		push = append(push, pdu[start:i-1+smLen]...)
	}
	return push
}

func TestGoldenVectors(t *testing.T) {
	si := testvec.Read(t, "v01-si-dates/si.xml2wbxml.wbxml")
	sl := testvec.Read(t, "v04-sl-cache-https-www/sl.xml2wbxml.wbxml")
	mms := testvec.Read(t, "v06-mms-notification-ind/m-notification-ind.bin")
	tests := []struct {
		file string
		want Push
	}{
		{"v07-wsp-push-si/push.bin", Push{TID: 1,
			ContentType: ContentType{Value: "application/vnd.wap.sic"}, Body: si}},
		{"v08-wsp-push-sl/push.bin", Push{TID: 2,
			ContentType: ContentType{Value: "application/vnd.wap.slc"}, Body: sl}},
		{"v09-wsp-push-mms/push.bin", Push{TID: 3,
			ContentType: ContentType{Value: "application/vnd.wap.mms-message"},
			Headers:     []Header{{Name: HeaderAppID, Value: "x-wap-application:mms.ua"}},
			Body:        mms}},
		{"v10-wsp-push-si-charset-appid/push.bin", Push{TID: 4,
			ContentType: ContentType{Value: "application/vnd.wap.sic",
				Params: []Param{{Name: "charset", Value: "utf-8"}}},
			Headers: []Header{{Name: HeaderAppID, Value: "x-wap-application:wml.ua"}},
			Body:    si}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			want := testvec.Read(t, tt.file)
			got, err := tt.want.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("Marshal:\n got %x\nwant %x", got, want)
			}
			p, err := Parse(want)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*p, tt.want) {
				t.Errorf("Parse:\n got %+v\nwant %+v", *p, tt.want)
			}
		})
	}
}

// TestEncodeNamesAndNumbers checks that an application id given as a
// number or short name and a MIME type in another case are sent in
// compact form, as in v09.
func TestEncodeNamesAndNumbers(t *testing.T) {
	want := testvec.Read(t, "v09-wsp-push-mms/push.bin")
	mms := testvec.Read(t, "v06-mms-notification-ind/m-notification-ind.bin")
	for _, id := range []string{"4", "0x04", "mms.ua", "X-WAP-Application:MMS.UA"} {
		p := Push{TID: 3, ContentType: ContentType{Value: "Application/Vnd.Wap.Mms-Message"},
			Headers: []Header{{Name: "x-wap-application-id", Value: id}}, Body: mms}
		got, err := p.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("app id %q: got %x, want %x", id, got[:8], want[:8])
		}
	}
}

// TestKannelForms parses the pushes Kannel 1.4.5 sent in the v16 run
// (Content-Length and Encoding-Version added, the MMS content type as
// text, see D3 and D4) and checks what our encoder makes of them.
func TestKannelForms(t *testing.T) {
	mms := testvec.Read(t, "v06-mms-notification-ind/m-notification-ind.bin")
	tests := []struct {
		files    []string
		tid      byte
		ct       string
		headers  []Header
		bodyLen  int
		shrinkBy int // octets our encoding saves over Kannel's
	}{
		{[]string{"rx-002-submit_sm.bin"}, 0, "application/vnd.wap.sic",
			[]Header{{Name: HeaderContentLength, Value: "97"}, {Name: HeaderEncodingVersion, Value: "1.3"}}, 97, 0},
		{[]string{"rx-004-submit_sm.bin", "rx-005-submit_sm.bin"}, 1, "application/vnd.wap.sic",
			[]Header{{Name: HeaderContentLength, Value: "203"}, {Name: HeaderEncodingVersion, Value: "1.3"}}, 203, 0},
		{[]string{"rx-006-submit_sm.bin", "rx-007-submit_sm.bin", "rx-008-submit_sm.bin"}, 2, "application/vnd.wap.sic",
			[]Header{{Name: HeaderContentLength, Value: "360"}, {Name: HeaderEncodingVersion, Value: "1.3"}}, 360, 0},
		{[]string{"rx-009-submit_sm.bin"}, 3, "application/vnd.wap.slc",
			[]Header{{Name: HeaderContentLength, Value: "39"}, {Name: HeaderEncodingVersion, Value: "1.3"}}, 39, 0},
		{[]string{"rx-010-submit_sm.bin", "rx-011-submit_sm.bin"}, 4, "application/vnd.wap.mms-message",
			[]Header{{Name: HeaderAppID, Value: "x-wap-application:mms.ua"},
				{Name: HeaderContentLength, Value: "104"}, {Name: HeaderEncodingVersion, Value: "1.3"}}, 104, 31},
	}
	for _, tt := range tests {
		t.Run(tt.files[0], func(t *testing.T) {
			b := kannelPush(t, tt.files...)
			p, err := Parse(b)
			if err != nil {
				t.Fatal(err)
			}
			if p.TID != tt.tid || p.ContentType.Value != tt.ct || len(p.ContentType.Params) != 0 {
				t.Errorf("got TID %d content type %+v", p.TID, p.ContentType)
			}
			if !reflect.DeepEqual(p.Headers, tt.headers) {
				t.Errorf("headers %+v, want %+v", p.Headers, tt.headers)
			}
			if len(p.Body) != tt.bodyLen {
				t.Errorf("body %d octets, want %d", len(p.Body), tt.bodyLen)
			}
			if tt.ct == "application/vnd.wap.mms-message" && !bytes.Equal(p.Body, mms) {
				t.Error("MMS body differs from v06")
			}
			again, err := p.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			if len(b)-len(again) != tt.shrinkBy {
				t.Errorf("re-encoded %d octets, Kannel %d; want %d fewer", len(again), len(b), tt.shrinkBy)
			}
			if tt.shrinkBy == 0 && !bytes.Equal(again, b) {
				t.Errorf("re-encoded\n %x\nKannel\n %x", again, b)
			}
		})
	}
}

func TestApplicationID(t *testing.T) {
	tests := []struct {
		headers    []Header
		id         uint64
		uri        string
		registered bool
	}{
		{nil, AppIDWMLUA, "x-wap-application:wml.ua", true},
		{[]Header{{Name: HeaderAppID, Value: "x-wap-application:mms.ua"}}, AppIDMMSUA, "x-wap-application:mms.ua", true},
		{[]Header{{Name: HeaderAppID, Value: "http://example.com/app"}}, 0, "http://example.com/app", false},
	}
	for _, tt := range tests {
		p := Push{Headers: tt.headers}
		id, uri, reg := p.ApplicationID()
		if id != tt.id || uri != tt.uri || reg != tt.registered {
			t.Errorf("%v: got %d %q %v", tt.headers, id, uri, reg)
		}
	}
	if _, ok := AppIDByName("x-wap-application:nosuch.ua"); ok {
		t.Error("unregistered application id found")
	}
	if name, ok := AppIDName(0x8000); ok {
		t.Errorf("vendor id has name %q", name)
	}
}

// TestHeaderEncodings checks each header's binary form against the
// examples of wsp-push.md.
func TestHeaderEncodings(t *testing.T) {
	tests := []struct {
		h    Header
		want []byte
	}{
		{Header{Name: "Content-Length", Value: "97"}, []byte{0x8D, 0xE1}},
		{Header{Name: "Content-Length", Value: "203"}, []byte{0x8D, 0x01, 0xCB}},
		{Header{Name: "Encoding-Version", Value: "1.3"}, []byte{0xC3, 0x93}},
		{Header{Name: "X-Wap-Application-Id", Value: "0x8000"}, []byte{0xAF, 0x02, 0x80, 0x00}},
		{Header{Name: "X-Wap-Application-Id", Value: "urn:x-example"}, append([]byte{0xAF}, "urn:x-example\x00"...)},
		{Header{Name: "X-Wap-Initiator-URI", Value: "http://pi.example.com/"}, append([]byte{0xB1}, "http://pi.example.com/\x00"...)},
		{Header{Name: "X-Wap-Content-URI", Value: "http://c/"}, append([]byte{0xB0}, "http://c/\x00"...)},
		{Header{Name: "Content-Location", Value: "http://c/"}, append([]byte{0x8E}, "http://c/\x00"...)},
		{Header{Name: "Push-Flag", Value: "3"}, []byte{0xB4, 0x83}},
		{Header{Name: "X-Custom", Value: "yes"}, []byte("X-Custom\x00yes\x00")},
		{Header{Name: "X-Custom", Value: "\xC3\xA9t\xC3\xA9"}, []byte("X-Custom\x00\x7F\xC3\xA9t\xC3\xA9\x00")},
		// Values the binary form cannot carry go as text rather than fail.
		{Header{Name: "Content-Length", Value: "many"}, []byte("Content-Length\x00many\x00")},
		{Header{Name: "User-Agent", Raw: []byte{0x03, 'a', 'b', 0}}, []byte{0xA9, 0x03, 'a', 'b', 0}},
	}
	for _, tt := range tests {
		p := Push{ContentType: ContentType{Value: "application/vnd.wap.sic"}, Headers: []Header{tt.h}}
		b, err := p.Marshal()
		if err != nil {
			t.Errorf("%+v: %v", tt.h, err)
			continue
		}
		if got := b[4:]; !bytes.Equal(got, tt.want) {
			t.Errorf("%+v: got %x, want %x", tt.h, got, tt.want)
		}
		back, err := Parse(b)
		if err != nil {
			t.Errorf("%+v: parse: %v", tt.h, err)
			continue
		}
		if len(back.Headers) != 1 {
			t.Errorf("%+v: parsed %+v", tt.h, back.Headers)
		}
	}
}

func TestContentTypeParams(t *testing.T) {
	tests := []struct {
		ct   ContentType
		want []byte
	}{
		{ContentType{Value: "application/vnd.wap.sic", Params: []Param{{"charset", "utf-8"}}}, []byte{0x03, 0xAE, 0x81, 0xEA}},
		{ContentType{Value: "application/vnd.wap.sic", Params: []Param{{"charset", "iso-10646-ucs-2"}}}, []byte{0x05, 0xAE, 0x81, 0x02, 0x03, 0xE8}},
		{ContentType{Value: "text/vnd.wap.si", Params: []Param{{"level", "1.2"}}}, []byte{0x03, 0xAD, 0x82, 0x92}},
		{ContentType{Value: "application/x-own"}, []byte("application/x-own\x00")},
		{ContentType{Value: "application/x-own", Params: []Param{{"mode", "fast"}, {"empty", ""}, {"odd", "\"q"}}},
			append([]byte{0x1F, 0x2B}, "application/x-own\x00mode\x00fast\x00empty\x00\x00odd\x00\x22\"q\x00"...)},
	}
	for _, tt := range tests {
		b, err := tt.ct.append(nil)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, tt.want) {
			t.Errorf("%+v: got %x, want %x", tt.ct, b, tt.want)
		}
		got, n, err := ParseContentType(b)
		if err != nil || n != len(b) || !reflect.DeepEqual(got, tt.ct) {
			t.Errorf("%x: got %+v, %d, %v", b, got, n, err)
		}
	}
}

func TestPrimitives(t *testing.T) {
	uintvars := []struct {
		v    uint32
		wire string
	}{
		{0, "00"}, {127, "7f"}, {128, "8100"}, {203, "814b"}, {16383, "ff7f"},
		{16384, "818000"}, {MaxUintvar, "8fffffff7f"},
	}
	for _, tt := range uintvars {
		b := AppendUintvar(nil, tt.v)
		if hexs(b) != tt.wire || UintvarLen(tt.v) != len(b) {
			t.Errorf("uintvar %d: got %x", tt.v, b)
		}
		got, err := NewReader(b).Uintvar("x")
		if err != nil || got != tt.v {
			t.Errorf("uintvar %x: got %d, %v", b, got, err)
		}
	}
	longs := []struct {
		v    uint64
		wire string
	}{{0, "0100"}, {203, "01cb"}, {360, "020168"}, {12345, "023039"}, {1 << 63, "088000000000000000"}}
	for _, tt := range longs {
		b := AppendLongInteger(nil, tt.v)
		if hexs(b) != tt.wire {
			t.Errorf("long %d: got %x", tt.v, b)
		}
		got, err := NewReader(b).IntegerValue("x")
		if err != nil || got != tt.v {
			t.Errorf("long %x: got %d, %v", b, got, err)
		}
	}
	if b := AppendIntegerValue(nil, 97); hexs(b) != "e1" {
		t.Errorf("integer 97: %x", b)
	}
	for _, tt := range []struct {
		n    int
		wire string
	}{{5, "05"}, {30, "1e"}, {31, "1f1f"}, {40, "1f28"}, {200, "1f8148"}} {
		b := AppendValueLength(nil, tt.n)
		if hexs(b) != tt.wire || ValueLengthLen(tt.n) != len(b) {
			t.Errorf("value-length %d: got %x", tt.n, b)
		}
		full := append(b, make([]byte, tt.n)...)
		got, err := NewReader(full).ValueLength("x")
		if err != nil || got != tt.n {
			t.Errorf("value-length %x: got %d, %v", b, got, err)
		}
	}
	for _, tt := range []struct{ s, wire string }{{"abc", "61626300"}, {"", "00"}, {"\x80x", "7f807800"}} {
		b, err := AppendTextString(nil, tt.s)
		if err != nil || hexs(b) != tt.wire || TextStringLen(tt.s) != len(b) {
			t.Errorf("text %q: got %x, %v", tt.s, b, err)
		}
		got, err := NewReader(b).TextString("x")
		if err != nil || got != tt.s {
			t.Errorf("text %x: got %q, %v", b, got, err)
		}
	}
	if _, err := AppendTextString(nil, "a\x00b"); err == nil {
		t.Error("NUL in Text-string accepted")
	}
	for _, tt := range []struct {
		s string
		v byte
	}{{"1.3", 0x93}, {"1.2", 0x92}, {"1.4", 0x94}, {"2", 0xAF}} {
		v, ok := parseVersion(tt.s)
		if !ok || v != tt.v || FormatVersion(v) != tt.s {
			t.Errorf("version %q: got %x %v %q", tt.s, v, ok, FormatVersion(v))
		}
	}
}

func hexs(b []byte) string {
	const digits = "0123456789abcdef"
	s := make([]byte, 0, 2*len(b))
	for _, c := range b {
		s = append(s, digits[c>>4], digits[c&15])
	}
	return string(s)
}

func TestPrimitiveErrors(t *testing.T) {
	tests := []struct {
		name      string
		in        []byte
		read      func(*Reader) error
		truncated bool
	}{
		{"uintvar too long", []byte{0x81, 0x81, 0x81, 0x81, 0x81, 0x01}, func(r *Reader) error { _, err := r.Uintvar("f"); return err }, false},
		{"uintvar over 32 bits", []byte{0x90, 0x80, 0x80, 0x80, 0x00}, func(r *Reader) error { _, err := r.Uintvar("f"); return err }, false},
		{"uintvar cut", []byte{0x81}, func(r *Reader) error { _, err := r.Uintvar("f"); return err }, true},
		{"long length 0", []byte{0x00}, func(r *Reader) error { _, err := r.LongInteger("f"); return err }, false},
		{"long length 31", []byte{0x1F}, func(r *Reader) error { _, err := r.LongInteger("f"); return err }, false},
		{"long over 64 bits", append([]byte{9, 1}, make([]byte, 8)...), func(r *Reader) error { _, err := r.LongInteger("f"); return err }, false},
		{"long cut", []byte{0x02, 0x01}, func(r *Reader) error { _, err := r.LongInteger("f"); return err }, true},
		{"short not high", []byte{0x10}, func(r *Reader) error { _, err := r.ShortInteger("f"); return err }, false},
		{"value-length not a length", []byte{0x20}, func(r *Reader) error { _, err := r.ValueLength("f"); return err }, false},
		{"value-length beyond input", []byte{0x05, 1, 2}, func(r *Reader) error { _, err := r.ValueLength("f"); return err }, true},
		{"text without NUL", []byte("abc"), func(r *Reader) error { _, err := r.TextString("f"); return err }, true},
	}
	for _, tt := range tests {
		r := NewReader(tt.in)
		err := tt.read(r)
		var de *DecodeError
		if !errors.As(err, &de) {
			t.Errorf("%s: got %v, want *DecodeError", tt.name, err)
			continue
		}
		if de.Field != "f" || de.Offset != 0 || de.Reason == "" {
			t.Errorf("%s: got %+v", tt.name, de)
		}
		if errors.Is(err, ErrTruncated) != tt.truncated {
			t.Errorf("%s: truncated = %v, want %v", tt.name, !tt.truncated, tt.truncated)
		}
		if r.Offset() != 0 {
			t.Errorf("%s: a failed read moved the reader to %d", tt.name, r.Offset())
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name   string
		in     []byte
		field  string
		offset int
	}{
		{"empty", nil, "TID", 0},
		{"confirmed push", []byte{1, 0x07, 1, 0xAE}, "PDU type", 1},
		{"headers beyond input", []byte{1, 6, 5, 0xAE}, "HeadersLen", 2},
		{"unknown content type", []byte{1, 6, 1, 0xFF}, "Content-Type", 3},
		{"no content type", []byte{1, 6, 0}, "Content-Type", 3},
		{"quoted media", []byte{1, 6, 3, 0x7F, 'a', 0}, "Content-Type", 3},
		{"code page shift", []byte{1, 6, 3, 0xAE, 0x7F, 0x02}, "header", 4},
		{"short cut shift", []byte{1, 6, 2, 0xAE, 0x02}, "header", 4},
		{"unknown field", []byte{1, 6, 3, 0xAE, 0xFF, 0x80}, "header", 4},
		{"content length cut", []byte{1, 6, 3, 0xAE, 0x8D, 0x02}, "header Content-Length", 5},
		{"header text cut", []byte{1, 6, 4, 0xAE, 'X', 0, 'y'}, "header X", 6},
		{"unknown parameter", []byte{1, 6, 4, 0x03, 0xAE, 0xFF, 0x80}, "Content-Type parameter", 5},
		{"general form cut", []byte{1, 6, 2, 0x05, 0xAE}, "Content-Type", 3},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in)
		var de *DecodeError
		if !errors.As(err, &de) {
			t.Errorf("%s: got %v, want *DecodeError", tt.name, err)
			continue
		}
		if de.Field != tt.field || de.Offset != tt.offset {
			t.Errorf("%s: got field %q offset %d (%v), want %q at %d", tt.name, de.Field, de.Offset, err, tt.field, tt.offset)
		}
	}
}

func TestEncodeErrors(t *testing.T) {
	tests := []Push{
		{},
		{ContentType: ContentType{Value: "\x01bad"}},
		{ContentType: ContentType{Value: "a/b", Params: []Param{{"", "x"}}}},
		{ContentType: ContentType{Value: "a/b", Params: []Param{{"p", "x\x00"}}}},
		{ContentType: ContentType{Value: "a/b"}, Headers: []Header{{Name: "\x80", Value: "x"}}},
		{ContentType: ContentType{Value: "a/b"}, Headers: []Header{{Name: "X-A", Value: "x\x00y"}}},
		{ContentType: ContentType{Value: "a/b"}, Headers: []Header{{Name: "X-Wap-Initiator-URI", Value: "x\x00y"}}},
		{ContentType: ContentType{Value: "a/b"}, Headers: []Header{{Name: "X-A", Raw: []byte{0x80}}}},
		{ContentType: ContentType{Value: "a/b"}, Headers: []Header{{Name: "User-Agent", Raw: []byte{0x80, 0x80}}}},
	}
	for _, p := range tests {
		dst := []byte("keep")
		out, err := p.Append(dst)
		var ee *EncodeError
		if !errors.As(err, &ee) {
			t.Errorf("%+v: got %v, want *EncodeError", p, err)
		}
		if string(out) != "keep" {
			t.Errorf("%+v: dst changed to %q", p, out)
		}
	}
}

// TestTruncatedVectors cuts every vector at every length: a cut inside
// the headers is a truncation error, a cut inside the body leaves a shorter
// body.
func TestTruncatedVectors(t *testing.T) {
	for _, f := range testvec.Glob(t, pushVectors) {
		b := testvec.Read(t, f)
		bodyStart := 3 + int(b[2]) // every vector's HeadersLen fits in one octet
		for i := range len(b) {
			p, err := Parse(b[:i])
			if i < bodyStart {
				if !errors.Is(err, ErrTruncated) {
					t.Errorf("%s[:%d]: got %v, want truncation", f, i, err)
				}
				var de *DecodeError
				if errors.As(err, &de) && (de.Offset < 0 || de.Offset > i) {
					t.Errorf("%s[:%d]: offset %d outside the input", f, i, de.Offset)
				}
				continue
			}
			if err != nil || len(p.Body) != i-bodyStart {
				t.Errorf("%s[:%d]: got %v", f, i, err)
			}
		}
	}
}

func TestGarbage(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			b[i] = byte(rng.UintN(256))
		}
		if rng.IntN(2) == 0 && len(b) > 2 {
			b[1] = PDUTypePush // reach the header decoder more often
			b[2] = byte(rng.IntN(len(b)))
		}
		p, err := Parse(b)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("%x: error %T %v is not a *DecodeError", b, err, err)
			}
			continue
		}
		checkStable(t, p)
	}
}

// checkStable checks that a parsed push can be encoded and that encoding
// reaches a fixed point: Marshal(Parse(Marshal(p))) == Marshal(p).
func checkStable(t testing.TB, p *Push) {
	t.Helper()
	b2, err := p.Marshal()
	if err != nil {
		t.Fatalf("%+v: re-encode: %v", p, err)
	}
	p2, err := Parse(b2)
	if err != nil {
		t.Fatalf("%x: parse of own encoding: %v", b2, err)
	}
	b3, err := p2.Marshal()
	if err != nil {
		t.Fatalf("%+v: second re-encode: %v", p2, err)
	}
	if !bytes.Equal(b2, b3) {
		t.Fatalf("encoding not stable:\n%x\n%x", b2, b3)
	}
}

// randomPush returns a push whose every field survives a round trip as
// given (canonical names and forms).
func randomPush(rng *rand.Rand) Push {
	p := Push{TID: byte(rng.UintN(256))}
	if rng.IntN(3) == 0 {
		p.ContentType.Value = "application/x-test-" + strconv.Itoa(rng.IntN(1000))
	} else {
		p.ContentType.Value = contentTypes[rng.IntN(len(contentTypes))]
	}
	for range rng.IntN(3) {
		switch rng.IntN(3) {
		case 0:
			p.ContentType.Params = append(p.ContentType.Params, Param{"charset", charsets[rng.IntN(len(charsets))].name})
		case 1:
			p.ContentType.Params = append(p.ContentType.Params, Param{"level", strconv.Itoa(rng.IntN(8)) + "." + strconv.Itoa(rng.IntN(15))})
		default:
			p.ContentType.Params = append(p.ContentType.Params, Param{"p" + strconv.Itoa(rng.IntN(99)), randomText(rng, 50)})
		}
	}
	for range rng.IntN(5) {
		var h Header
		switch rng.IntN(6) {
		case 0:
			name, _ := AppIDName(uint64(rng.IntN(len(appIDs))))
			h = Header{Name: HeaderAppID, Value: name}
		case 1:
			h = Header{Name: HeaderContentLength, Value: strconv.FormatUint(rng.Uint64N(1<<40), 10)}
		case 2:
			h = Header{Name: HeaderInitiatorURI, Value: "http://" + randomText(rng, 200)}
		case 3:
			h = Header{Name: HeaderEncodingVersion, Value: "1." + strconv.Itoa(rng.IntN(15))}
		case 4:
			h = Header{Name: HeaderPushFlag, Value: strconv.Itoa(rng.IntN(128))}
		default:
			h = Header{Name: "X-Test-" + strconv.Itoa(rng.IntN(99)), Value: randomText(rng, 300)}
		}
		p.Headers = append(p.Headers, h)
	}
	if n := rng.IntN(400); n > 0 {
		p.Body = make([]byte, n)
		for i := range p.Body {
			p.Body[i] = byte(rng.UintN(256))
		}
	}
	return p
}

// randomText returns up to n non-NUL octets that do not start with a
// quote character, so that the text comes back unchanged.
func randomText(rng *rand.Rand, n int) string {
	b := make([]byte, rng.IntN(n+1))
	for i := range b {
		b[i] = byte(0x20 + rng.UintN(0x5F))
	}
	return string(b)
}

func TestRoundTripRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for range 3000 {
		p := randomPush(rng)
		b, err := p.Marshal()
		if err != nil {
			t.Fatalf("%+v: %v", p, err)
		}
		got, err := Parse(b)
		if err != nil {
			t.Fatalf("%x: %v", b, err)
		}
		// Text "" and a quoted text both decode to the same value; the
		// generator only makes values that come back as given.
		if !reflect.DeepEqual(*got, p) {
			t.Fatalf("round trip:\n got %+v\nwant %+v", *got, p)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, v := range testvec.Glob(f, pushVectors) {
		f.Add(testvec.Read(f, v))
	}
	f.Add(kannelPush(f, "rx-010-submit_sm.bin", "rx-011-submit_sm.bin"))
	f.Add(kannelPush(f, "rx-002-submit_sm.bin"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Parse(b)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %T %v is not a *DecodeError", err, err)
			}
			return
		}
		checkStable(t, p)
	})
}

func BenchmarkPushAppend(b *testing.B) {
	p := Push{TID: 3, ContentType: ContentType{Value: "application/vnd.wap.mms-message"},
		Headers: []Header{{Name: HeaderAppID, Value: "x-wap-application:mms.ua"}},
		Body:    testvec.Read(b, "v06-mms-notification-ind/m-notification-ind.bin")}
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = p.Append(buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
}
