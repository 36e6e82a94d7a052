package content

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/txpush/txpush/wap/wdp"
	"github.com/txpush/txpush/wap/wsp"
)

const vectorDir = "../../testdata/vectors"

func readVector(t testing.TB, dir, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(vectorDir, dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// compileBytes compiles c and marshals the push.
func compileBytes(t *testing.T, c Content, opts Options) []byte {
	t.Helper()
	p, err := Compile(c, opts)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	b, err := p.Marshal()
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	return b
}

// TestVectorPushes compiles the source documents of the golden vectors and
// compares the pushes with the ones the vectors hold.
func TestVectorPushes(t *testing.T) {
	tests := []struct {
		name    string
		content Content
		tid     byte
		want    [2]string // vector folder and file of the expected push
	}{
		{
			name:    "v07 SI from v01",
			content: Content{Type: "text/vnd.wap.si", Body: readVector(t, "v01-si-dates", "si.xml")},
			tid:     1,
			want:    [2]string{"v07-wsp-push-si", "push.bin"},
		},
		{
			name:    "v08 SL from v04",
			content: Content{Type: "text/vnd.wap.sl", Body: readVector(t, "v04-sl-cache-https-www", "sl.xml")},
			tid:     2,
			want:    [2]string{"v08-wsp-push-sl", "push.bin"},
		},
		{
			name:    "v09 MMS from v06",
			content: Content{Type: "application/vnd.wap.mms-message", Body: readVector(t, "v06-mms-notification-ind", "m-notification-ind.bin")},
			tid:     3,
			want:    [2]string{"v09-wsp-push-mms", "push.bin"},
		},
		{
			name: "v10 SI with charset and application id from v01",
			content: Content{
				Type:    "text/vnd.wap.si; charset=utf-8",
				Headers: []Header{{Name: "X-Wap-Application-Id", Value: "x-wap-application:wml.ua"}},
				Body:    readVector(t, "v01-si-dates", "si.xml"),
			},
			tid:  4,
			want: [2]string{"v10-wsp-push-si-charset-appid", "push.bin"},
		},
		{
			name:    "v11 long SI",
			content: Content{Type: "text/vnd.wap.si", Body: readVector(t, "v11-udh-2seg-8bit", "si.xml")},
			tid:     0x11,
			want:    [2]string{"v11-udh-2seg-8bit", "push.bin"},
		},
		{
			name:    "v12 longer SI",
			content: Content{Type: "text/vnd.wap.si", Body: readVector(t, "v12-udh-3seg-16bit", "si.xml")},
			tid:     0x12,
			want:    [2]string{"v12-udh-3seg-16bit", "push.bin"},
		},
		{
			name:    "v07 from v01 compiled by Kannel, passed through",
			content: Content{Type: "application/vnd.wap.sic", Body: readVector(t, "v01-si-dates", "si.kannel.wbxml")},
			tid:     1,
			want:    [2]string{"v07-wsp-push-si", "push.bin"},
		},
		{
			name:    "v08 from v04 compiled by xml2wbxml, passed through",
			content: Content{Type: "application/vnd.wap.slc", Body: readVector(t, "v04-sl-cache-https-www", "sl.xml2wbxml.wbxml")},
			tid:     2,
			want:    [2]string{"v08-wsp-push-sl", "push.bin"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := compileBytes(t, tt.content, Options{TID: tt.tid})
			if want := readVector(t, tt.want[0], tt.want[1]); !bytes.Equal(got, want) {
				t.Errorf("push differs from %s/%s:\n got % X\nwant % X", tt.want[0], tt.want[1], got, want)
			}
		})
	}
}

// TestVectorDocuments checks that every SI and SL source compiles to the
// body the encoders made (for SL, the form without the content flag that
// Kannel writes; see D2), in a push that carries nothing else.
func TestVectorDocuments(t *testing.T) {
	tests := []struct {
		dir, xml, typ, wbxml string
		wantType             string
	}{
		{"v01-si-dates", "si.xml", "text/vnd.wap.si", "si.xml2wbxml.wbxml", "application/vnd.wap.sic"},
		{"v02-si-kannel-sample", "si.xml", "text/vnd.wap.si", "si.xml2wbxml.wbxml", "application/vnd.wap.sic"},
		{"v03-si-delete-info", "si.xml", "text/vnd.wap.si", "si.kannel.wbxml", "application/vnd.wap.sic"},
		{"v04-sl-cache-https-www", "sl.xml", "text/vnd.wap.sl", "sl.xml2wbxml.wbxml", "application/vnd.wap.slc"},
		{"v05-sl-kannel-sample", "sl.xml", "text/vnd.wap.sl", "sl.kannel.wbxml", "application/vnd.wap.slc"},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			p, err := Compile(Content{Type: tt.typ, Body: readVector(t, tt.dir, tt.xml)}, Options{TID: 7})
			if err != nil {
				t.Fatal(err)
			}
			if want := readVector(t, tt.dir, tt.wbxml); !bytes.Equal(p.Body, want) {
				t.Errorf("body differs from %s:\n got % X\nwant % X", tt.wbxml, p.Body, want)
			}
			if p.ContentType.Value != tt.wantType || len(p.ContentType.Params) != 0 || len(p.Headers) != 0 {
				t.Errorf("content type %+v, headers %+v; want %s alone", p.ContentType, p.Headers, tt.wantType)
			}
			b, err := p.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			code, _ := wsp.ContentTypeCode(tt.wantType)
			if head := []byte{7, wsp.PDUTypePush, 1, 0x80 | code}; !bytes.HasPrefix(b, head) || !bytes.Equal(b[len(head):], p.Body) {
				t.Errorf("push % X, want % X + body", b, head)
			}
		})
	}
}

// TestVectorPassThroughEveryEncoder checks that the compiled documents of
// both encoders, which differ for SL (D1, D2), pass the check and go out
// unchanged.
func TestVectorPassThroughEveryEncoder(t *testing.T) {
	for _, v := range []struct{ dir, prefix, typ string }{
		{"v01-si-dates", "si", "application/vnd.wap.sic"},
		{"v02-si-kannel-sample", "si", "application/vnd.wap.sic"},
		{"v03-si-delete-info", "si", "application/vnd.wap.sic"},
		{"v04-sl-cache-https-www", "sl", "application/vnd.wap.slc"},
		{"v05-sl-kannel-sample", "sl", "application/vnd.wap.slc"},
	} {
		for _, enc := range []string{"kannel", "xml2wbxml"} {
			name := v.prefix + "." + enc + ".wbxml"
			t.Run(v.dir+"/"+name, func(t *testing.T) {
				body := readVector(t, v.dir, name)
				p, err := Compile(Content{Type: v.typ, Body: body}, Options{})
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(p.Body, body) || p.ContentType.Value != v.typ {
					t.Errorf("got %s % X, want %s and the body unchanged", p.ContentType.Value, p.Body, v.typ)
				}
			})
		}
	}
}

// TestVectorSegments cuts the pushes of v11 and v12 into SMS user data.
func TestVectorSegments(t *testing.T) {
	tests := []struct {
		dir   string
		tid   byte
		opt   wdp.SegmentOptions
		parts []string
	}{
		{"v11-udh-2seg-8bit", 0x11, wdp.SegmentOptions{Ref: 0x2A}, []string{"seg1.ud.bin", "seg2.ud.bin"}},
		{"v12-udh-3seg-16bit", 0x12, wdp.SegmentOptions{Ref: 0x1234, Wide: true, ConcatFirst: true},
			[]string{"seg1.ud.bin", "seg2.ud.bin", "seg3.ud.bin"}},
		{"v12-udh-3seg-16bit", 0x12, wdp.SegmentOptions{Ref: 0x2B},
			[]string{"alt-8bit-ref/seg1.ud.bin", "alt-8bit-ref/seg2.ud.bin", "alt-8bit-ref/seg3.ud.bin"}},
	}
	for _, tt := range tests {
		t.Run(tt.dir+"/"+tt.parts[0], func(t *testing.T) {
			pdu := compileBytes(t, Content{Type: "text/vnd.wap.si", Body: readVector(t, tt.dir, "si.xml")}, Options{TID: tt.tid})
			uds, err := Segments(pdu, tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			if len(uds) != len(tt.parts) {
				t.Fatalf("%d segments, want %d", len(uds), len(tt.parts))
			}
			for i, name := range tt.parts {
				if want := readVector(t, tt.dir, name); !bytes.Equal(uds[i], want) {
					t.Errorf("segment %d differs from %s:\n got % X\nwant % X", i+1, name, uds[i], want)
				}
			}
		})
	}
}

func TestSegmentsSingleSMS(t *testing.T) {
	pdu := readVector(t, "v09-wsp-push-mms", "push.bin")
	uds, err := Segments(pdu, wdp.SegmentOptions{Ref: 9})
	if err != nil {
		t.Fatal(err)
	}
	want := append([]byte{0x06, 0x05, 0x04, 0x0B, 0x84, 0x23, 0xF0}, pdu...)
	if len(uds) != 1 || !bytes.Equal(uds[0], want) {
		t.Errorf("got % X, want one SMS % X", uds, want)
	}
}
