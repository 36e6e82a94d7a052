package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/txpush/txpush/wap/si"
	"github.com/txpush/txpush/wap/sl"
)

const vectorDir = "../../testdata/vectors"

func vectorPath(dir, name string) string { return filepath.Join(vectorDir, dir, name) }

func readVector(t *testing.T, dir, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(vectorPath(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// runTxpush runs txpush with args and returns the exit status and output.
func runTxpush(t *testing.T, args ...string) (status int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	status = run(args, &out, &errOut)
	return status, out.String(), errOut.String()
}

// runWapStdin runs txpush wap with args and stdin.
func runWapStdin(args []string, stdin []byte) (status int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	status = wapCommand{stdin: bytes.NewReader(stdin), stdout: &out, stderr: &errOut}.run(args)
	return status, out.String(), errOut.String()
}

// writeTemp writes b to a file in a fresh temporary directory.
func writeTemp(t *testing.T, name string, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestWapEncodeVectors(t *testing.T) {
	tests := []struct {
		typ, dir, xml, want string
	}{
		{"si", "v01-si-dates", "si.xml", "si.xml2wbxml"},
		{"si", "v02-si-kannel-sample", "si.xml", "si.xml2wbxml"},
		{"si", "v03-si-delete-info", "si.xml", "si.kannel"},
		{"sl", "v04-sl-cache-https-www", "sl.xml", "sl.xml2wbxml"}, // longest prefix, D1
		{"sl", "v05-sl-kannel-sample", "sl.xml", "sl.kannel"},      // no content flag, D2
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			status, out, errOut := runTxpush(t, "wap", "encode", "--type", tt.typ, vectorPath(tt.dir, tt.xml))
			if status != 0 {
				t.Fatalf("status %d: %s", status, errOut)
			}
			if want := readVector(t, tt.dir, tt.want+".wbxml"); out != string(want) {
				t.Errorf("got % X\nwant % X", out, want)
			}
			status, out, errOut = runTxpush(t, "wap", "encode", "--hex", "--type", tt.typ, vectorPath(tt.dir, tt.xml))
			if status != 0 {
				t.Fatalf("--hex: status %d: %s", status, errOut)
			}
			if want := readVector(t, tt.dir, tt.want+".hex"); out != string(want) {
				t.Errorf("--hex: got %q\nwant %q", out, want)
			}
		})
	}
}

func TestWapPushVectors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want [2]string
	}{
		{"v07", []string{"--type", "si", "--tid", "1", vectorPath("v01-si-dates", "si.xml")}, [2]string{"v07-wsp-push-si", "push"}},
		{"v08", []string{"--type", "sl", "--tid", "2", vectorPath("v04-sl-cache-https-www", "sl.xml")}, [2]string{"v08-wsp-push-sl", "push"}},
		{"v09", []string{"--type", "mms", "--tid", "3", vectorPath("v06-mms-notification-ind", "m-notification-ind.bin")}, [2]string{"v09-wsp-push-mms", "push"}},
		{"v09 from hex", []string{"--type", "mms", "--tid", "3", vectorPath("v06-mms-notification-ind", "m-notification-ind.hex")}, [2]string{"v09-wsp-push-mms", "push"}},
		{"v10", []string{"--type", "text/vnd.wap.si; charset=utf-8", "--tid", "4", "--app-id", "x-wap-application:wml.ua",
			vectorPath("v01-si-dates", "si.xml")}, [2]string{"v10-wsp-push-si-charset-appid", "push"}},
		{"v11", []string{"--type", "si", "--tid", "0x11", vectorPath("v11-udh-2seg-8bit", "si.xml")}, [2]string{"v11-udh-2seg-8bit", "push"}},
		{"v12", []string{"--type", "si", "--tid", "18", vectorPath("v12-udh-3seg-16bit", "si.xml")}, [2]string{"v12-udh-3seg-16bit", "push"}},
		{"v07 from compiled SI", []string{"--type", "sic", "--tid", "1", vectorPath("v01-si-dates", "si.kannel.wbxml")}, [2]string{"v07-wsp-push-si", "push"}},
		{"flags after FILE", []string{vectorPath("v04-sl-cache-https-www", "sl.xml"), "--type", "sl", "--tid", "2"}, [2]string{"v08-wsp-push-sl", "push"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"wap", "push"}, tt.args...)
			status, out, errOut := runTxpush(t, args...)
			if status != 0 {
				t.Fatalf("status %d: %s", status, errOut)
			}
			if want := readVector(t, tt.want[0], tt.want[1]+".bin"); out != string(want) {
				t.Errorf("got % X\nwant % X", out, want)
			}
			status, out, errOut = runTxpush(t, append(args, "--hex")...)
			if status != 0 {
				t.Fatalf("--hex: status %d: %s", status, errOut)
			}
			if want := readVector(t, tt.want[0], tt.want[1]+".hex"); out != string(want) {
				t.Errorf("--hex: got %q\nwant %q", out, want)
			}
		})
	}
}

// segmentLines returns the user data hex files of a vector as the lines
// push --segments prints.
func segmentLines(t *testing.T, dir string, names ...string) string {
	var b strings.Builder
	for _, n := range names {
		b.Write(readVector(t, dir, n))
	}
	return b.String()
}

func TestWapPushSegments(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"v11: 2 segments, 8-bit reference",
			[]string{"--type", "si", "--tid", "17", "--segments", "--ref", "42", vectorPath("v11-udh-2seg-8bit", "si.xml")},
			segmentLines(t, "v11-udh-2seg-8bit", "seg1.ud.hex", "seg2.ud.hex")},
		{"v12: 3 segments, 16-bit reference, concatenation IE first",
			[]string{"--type", "si", "--tid", "18", "--segments", "--ref", "0x1234", "--wide-ref", "--concat-first", vectorPath("v12-udh-3seg-16bit", "si.xml")},
			segmentLines(t, "v12-udh-3seg-16bit", "seg1.ud.hex", "seg2.ud.hex", "seg3.ud.hex")},
		{"v12: 8-bit reference",
			[]string{"--type", "si", "--tid", "18", "--segments", "--ref", "43", vectorPath("v12-udh-3seg-16bit", "si.xml")},
			segmentLines(t, "v12-udh-3seg-16bit", "alt-8bit-ref/seg1.ud.hex", "alt-8bit-ref/seg2.ud.hex", "alt-8bit-ref/seg3.ud.hex")},
		{"v09: one SMS, ports only",
			[]string{"--type", "mms", "--tid", "3", "--segments", vectorPath("v06-mms-notification-ind", "m-notification-ind.bin")},
			"0605040b8423f0" + string(readVector(t, "v09-wsp-push-mms", "push.hex"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out, errOut := runTxpush(t, append([]string{"wap", "push"}, tt.args...)...)
			if status != 0 {
				t.Fatalf("status %d: %s", status, errOut)
			}
			if out != tt.want {
				t.Errorf("got\n%s\nwant\n%s", out, tt.want)
			}
		})
	}
}

// xmlOf returns the XML that the si or sl package writes for a vector's
// source document: what decode must print for its compiled forms.
func xmlOf(t *testing.T, dir, name string) string {
	t.Helper()
	src := readVector(t, dir, name)
	var (
		xml []byte
		err error
	)
	if strings.HasPrefix(name, "si") {
		var s *si.SI
		if s, err = si.Parse(src); err == nil {
			xml, err = s.XML()
		}
	} else {
		var s *sl.SL
		if s, err = sl.Parse(src); err == nil {
			xml, err = s.XML()
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(xml)
}

func TestWapDecodeVectors(t *testing.T) {
	mmsFields := []string{
		"m-notification-ind",
		"X-Mms-Transaction-ID: T0001",
		"X-Mms-MMS-Version: 1.2",
		"From: +358401234567/TYPE=PLMN",
		"Subject: Holiday photos",
		"X-Mms-Message-Class: personal",
		"X-Mms-Message-Size: 12345",
		"X-Mms-Expiry: after 604800 s",
		"X-Mms-Content-Location: http://mmsc.example.com/mms?id=AB12",
	}
	v01 := xmlOf(t, "v01-si-dates", "si.xml")
	tests := []struct {
		dir, file string
		want      []string
	}{
		{"v01-si-dates", "si.xml2wbxml.wbxml", []string{"WBXML 1.2, public id 0x05", "charset utf-8", v01}},
		{"v01-si-dates", "si.kannel.hex", []string{v01}},
		{"v02-si-kannel-sample", "si.kannel.wbxml", []string{xmlOf(t, "v02-si-kannel-sample", "si.xml")}},
		{"v03-si-delete-info", "si.xml2wbxml.wbxml", []string{xmlOf(t, "v03-si-delete-info", "si.xml")}},
		{"v04-sl-cache-https-www", "sl.kannel.wbxml", []string{xmlOf(t, "v04-sl-cache-https-www", "sl.xml")}},
		{"v04-sl-cache-https-www", "sl.xml2wbxml.wbxml", []string{xmlOf(t, "v04-sl-cache-https-www", "sl.xml")}},
		{"v05-sl-kannel-sample", "sl.xml2wbxml.wbxml", []string{xmlOf(t, "v05-sl-kannel-sample", "sl.xml")}},
		{"v05-sl-kannel-sample", "sl.kannel.wbxml", []string{xmlOf(t, "v05-sl-kannel-sample", "sl.xml")}},
		{"v06-mms-notification-ind", "m-notification-ind.bin", mmsFields},
		{"v06-mms-notification-ind", "m-notification-ind.hex", mmsFields},
		{"v07-wsp-push-si", "push.bin", []string{"WSP push: 101 octets, TID 1", "Content-Type: application/vnd.wap.sic\n",
			"no X-Wap-Application-Id", v01}},
		{"v08-wsp-push-sl", "push.hex", []string{"TID 2", "Content-Type: application/vnd.wap.slc\n",
			xmlOf(t, "v04-sl-cache-https-www", "sl.xml")}},
		{"v09-wsp-push-mms", "push.bin", append([]string{"TID 3", "Content-Type: application/vnd.wap.mms-message\n",
			"X-Wap-Application-Id: x-wap-application:mms.ua"}, mmsFields...)},
		{"v10-wsp-push-si-charset-appid", "push.bin", []string{"TID 4", "Content-Type: application/vnd.wap.sic; charset=utf-8\n",
			"X-Wap-Application-Id: x-wap-application:wml.ua", v01}},
		{"v11-udh-2seg-8bit", "push.bin", []string{"TID 17", xmlOf(t, "v11-udh-2seg-8bit", "si.xml")}},
		{"v12-udh-3seg-16bit", "si.wbxml", []string{xmlOf(t, "v12-udh-3seg-16bit", "si.xml")}},
	}
	for _, tt := range tests {
		t.Run(tt.dir+"/"+tt.file, func(t *testing.T) {
			status, out, errOut := runTxpush(t, "wap", "decode", vectorPath(tt.dir, tt.file))
			if status != 0 {
				t.Fatalf("status %d: %s", status, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestWapDecodeSegments(t *testing.T) {
	tests := []struct {
		name  string
		lines string
		want  []string
	}{
		{"v11", segmentLines(t, "v11-udh-2seg-8bit", "seg1.ud.hex", "seg2.ud.hex"),
			[]string{"2 segment(s), ports 9200 -> 2948", "part 1 of 2, 8-bit reference 42", "part 2 of 2",
				"WSP push: 207 octets, TID 17", xmlOf(t, "v11-udh-2seg-8bit", "si.xml")}},
		{"v12 out of order", segmentLines(t, "v12-udh-3seg-16bit", "seg3.ud.hex", "seg1.ud.hex", "seg2.ud.hex"),
			[]string{"3 segment(s)", "16-bit reference 4660", "WSP push: 364 octets, TID 18", xmlOf(t, "v12-udh-3seg-16bit", "si.xml")}},
		{"v12 8-bit, with blank lines and CRLF", "\r\n" + strings.ReplaceAll(segmentLines(t, "v12-udh-3seg-16bit",
			"alt-8bit-ref/seg1.ud.hex", "alt-8bit-ref/seg2.ud.hex", "alt-8bit-ref/seg3.ud.hex"), "\n", "\r\n\r\n"),
			[]string{"3 segment(s)", "8-bit reference 43", xmlOf(t, "v12-udh-3seg-16bit", "si.xml")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out, errOut := runTxpush(t, "wap", "decode", writeTemp(t, "segments.txt", []byte(tt.lines)))
			if status != 0 {
				t.Fatalf("status %d: %s", status, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

// TestWapPushThenDecode feeds what push --segments prints to decode on
// standard input.
func TestWapPushThenDecode(t *testing.T) {
	status, segments, errOut := runTxpush(t, "wap", "push", "--type", "si", "--segments", "--ref", "7",
		vectorPath("v12-udh-3seg-16bit", "si.xml"))
	if status != 0 {
		t.Fatalf("push: status %d: %s", status, errOut)
	}
	status, out, errOut := runWapStdin([]string{"decode", "-"}, []byte(segments))
	if status != 0 {
		t.Fatalf("decode: status %d: %s", status, errOut)
	}
	for _, w := range []string{"3 segment(s)", "8-bit reference 7", xmlOf(t, "v12-udh-3seg-16bit", "si.xml")} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}

func TestWapStdin(t *testing.T) {
	status, out, errOut := runWapStdin([]string{"encode", "--type", "sl", "-"}, readVector(t, "v04-sl-cache-https-www", "sl.xml"))
	if status != 0 {
		t.Fatalf("status %d: %s", status, errOut)
	}
	if want := readVector(t, "v04-sl-cache-https-www", "sl.xml2wbxml.wbxml"); out != string(want) {
		t.Errorf("got % X\nwant % X", out, want)
	}
}

func TestWapDecodeOtherContent(t *testing.T) {
	// A push of text/plain (0x83) carrying "hi": the body is shown in hex.
	status, out, errOut := runTxpush(t, "wap", "decode", writeTemp(t, "p.hex", []byte("05 06 01 83 68 69\n")))
	if status != 0 {
		t.Fatalf("status %d: %s", status, errOut)
	}
	for _, w := range []string{"TID 5", "Content-Type: text/plain\n", "body: 2 octets", "6869\n"} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}

// TestWapErrors checks that bad input ends with status 1 and a message
// that names the file, the position and the problem.
func TestWapErrors(t *testing.T) {
	v01 := readVector(t, "v01-si-dates", "si.kannel.wbxml")
	v09 := readVector(t, "v09-wsp-push-mms", "push.bin")
	seg1 := string(readVector(t, "v11-udh-2seg-8bit", "seg1.ud.hex"))
	seg2 := string(readVector(t, "v11-udh-2seg-8bit", "seg2.ud.hex"))
	badDate := "<si>\n  <indication href=\"http://a.example/\"\n    si-expires=\"2024-02-30T00:00:00Z\">x</indication>\n</si>\n"
	tests := []struct {
		name  string
		args  []string // FILE is appended
		input []byte
		want  []string
	}{
		{
			name:  "missing attribute",
			args:  []string{"encode", "--type", "sl"},
			input: []byte("<?xml version=\"1.0\"?>\n<sl action=\"cache\"/>\n"),
			want:  []string{"line 2, offset 22", `attribute "href": required attribute missing`},
		},
		{
			name:  "bad date",
			args:  []string{"push", "--type", "si"},
			input: []byte(badDate),
			want:  []string{fmt.Sprintf("line 3, offset %d", strings.Index(badDate, "si-expires")), `"si-expires"`, "no such day in that month"},
		},
		{
			name:  "malformed XML",
			args:  []string{"encode", "--type", "si"},
			input: []byte("<si>\n<indication>x</indication>\n"),
			want:  []string{"line 3", "malformed XML"},
		},
		{
			name:  "truncated WBXML",
			args:  []string{"decode"},
			input: v01[:17],
			want:  []string{"offset 17: WBXML: input ends"},
		},
		{
			name:  "truncated WBXML in a push",
			args:  []string{"decode"},
			input: readVector(t, "v07-wsp-push-si", "push.bin")[:30],
			want:  []string{"offset 30 (26 into the push body): WBXML: input ends"},
		},
		{
			name:  "truncated MMS notification in a push",
			args:  []string{"decode"},
			input: v09[:60],
			want:  []string{"offset 60 (54 into the push body): MMS PDU", "X-Mms-Message-Class"},
		},
		{
			name:  "bad MMS notification to push",
			args:  []string{"push", "--type", "mms"},
			input: []byte("8c82 98 5430 00\n"),
			want:  []string{"offset 6: malformed MMS notification: X-Mms-MMS-Version"},
		},
		{
			name:  "garbage hex",
			args:  []string{"decode"},
			input: []byte("01 06 01 ae\n02 0x 6a\n"),
			want:  []string{"line 2, column 5", `'x' is not a hexadecimal digit`},
		},
		{
			name:  "odd hex",
			args:  []string{"decode"},
			input: []byte("0106 01a\n"),
			want:  []string{"line 1", "odd number of hexadecimal digits"},
		},
		{
			name:  "unrecognised octets",
			args:  []string{"decode"},
			input: []byte{0xFF, 0xFE, 0x00, 0x01},
			want:  []string{"cannot tell what the input is", "FF FE 00 01", "--type"},
		},
		{
			name:  "a segment missing",
			args:  []string{"decode"},
			input: []byte(seg2),
			want:  []string{"the message has 2 parts but only 1 were given: part 1 missing"},
		},
		{
			name:  "one binary segment of two",
			args:  []string{"decode"},
			input: readVector(t, "v11-udh-2seg-8bit", "seg1.ud.bin"),
			want:  []string{"the message has 2 parts but only 1 were given: part 2 missing"},
		},
		{
			name:  "a segment twice",
			args:  []string{"decode"},
			input: []byte(seg1 + seg1),
			want:  []string{"segment 2: part 1 given twice"},
		},
		{
			name:  "a bad UDH",
			args:  []string{"decode"},
			input: []byte(seg1 + strings.Replace(seg2, "0b05040b8423f000032a0202", "0b05040b8423f000032a0203", 1)),
			want:  []string{"segment 2: offset 7: UDH", "part 3 of 2"},
		},
		{
			name:  "a truncated segment",
			args:  []string{"decode"},
			input: []byte(seg1 + seg2[:100] + "\n"),
			want:  []string{"of the reassembled push", "into the push body): WBXML"},
		},
		{
			name:  "forced type that does not fit",
			args:  []string{"decode", "--type", "sl"},
			input: v01,
			want:  []string{"WBXML"},
		},
		{
			name:  "forced push on WBXML",
			args:  []string{"decode", "--type", "push"},
			input: v01,
			want:  []string{"offset 1: WSP push: PDU type"},
		},
		{
			name:  "empty input",
			args:  []string{"decode"},
			input: []byte{},
			want:  []string{"empty input"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := writeTemp(t, "input", tt.input)
			status, out, errOut := runTxpush(t, append(append([]string{"wap"}, tt.args...), file)...)
			if status != 1 {
				t.Errorf("status %d, want 1; stdout %q", status, out)
			}
			prefix := "txpush wap " + tt.args[0] + ": " + file + ": "
			if !strings.HasPrefix(errOut, prefix) {
				t.Errorf("stderr %q does not start with %q", errOut, prefix)
			}
			for _, w := range tt.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr %q lacks %q", errOut, w)
				}
			}
		})
	}
}

func TestWapUsage(t *testing.T) {
	xml := vectorPath("v01-si-dates", "si.xml")
	tests := []struct {
		name   string
		args   []string
		status int
		want   string // in stderr
	}{
		{"no command", []string{"wap"}, 2, "usage: txpush wap COMMAND"},
		{"help", []string{"wap", "-h"}, 0, "usage: txpush wap COMMAND"},
		{"unknown command", []string{"wap", "frobnicate"}, 2, `unknown command "frobnicate"`},
		{"command help", []string{"wap", "push", "-h"}, 0, "usage: txpush wap push"},
		{"unknown flag", []string{"wap", "decode", "--bogus", xml}, 2, "flag provided but not defined: -bogus"},
		{"no file", []string{"wap", "encode", "--type", "si"}, 2, "missing FILE"},
		{"two files", []string{"wap", "encode", "--type", "si", xml, xml}, 2, "one FILE expected, got 2"},
		{"no type", []string{"wap", "encode", xml}, 2, "--type is required"},
		{"bad type", []string{"wap", "encode", "--type", "mms", xml}, 2, `--type "mms": want si, sl or co`},
		{"bad push type", []string{"wap", "push", "--type", "wml", xml}, 2, `--type "wml"`},
		{"bad decode type", []string{"wap", "decode", "--type", "xml", xml}, 2, `--type "xml"`},
		{"TID too big", []string{"wap", "push", "--type", "si", "--tid", "256", xml}, 2, "--tid 256: want 0..255"},
		{"reference too big", []string{"wap", "push", "--type", "si", "--segments", "--ref", "256", xml}, 2, "--ref 256: want 0..255"},
		{"wide reference too big", []string{"wap", "push", "--type", "si", "--segments", "--wide-ref", "--ref", "65536", xml}, 2, "--ref 65536: want 0..65535"},
		{"reference without segments", []string{"wap", "push", "--type", "si", "--ref", "1", xml}, 2, "need --segments"},
		{"missing file", []string{"wap", "decode", filepath.Join(t.TempDir(), "nonexistent")}, 1, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, errOut := runTxpush(t, tt.args...)
			if status != tt.status || !strings.Contains(errOut, tt.want) {
				t.Errorf("status %d, stderr %q; want %d and %q", status, errOut, tt.status, tt.want)
			}
		})
	}
}

func TestWapListedInUsage(t *testing.T) {
	_, _, errOut := runTxpush(t, "-h")
	if !strings.Contains(errOut, "wap ") {
		t.Errorf("txpush -h does not list wap:\n%s", errOut)
	}
}

// FuzzWapDecode feeds decode's input handling (hex detection, sniffing,
// segments, push, WBXML and MMS dumps) arbitrary input, seeded with the
// golden vectors: it must not panic, and it must either dump or fail with
// a message.
func FuzzWapDecode(f *testing.F) {
	for _, v := range [][2]string{
		{"v01-si-dates", "si.kannel.wbxml"},
		{"v03-si-delete-info", "si.xml2wbxml.hex"},
		{"v05-sl-kannel-sample", "sl.xml2wbxml.wbxml"},
		{"v06-mms-notification-ind", "m-notification-ind.bin"},
		{"v07-wsp-push-si", "push.bin"},
		{"v09-wsp-push-mms", "push.hex"},
		{"v10-wsp-push-si-charset-appid", "push.bin"},
		{"v11-udh-2seg-8bit", "seg1.ud.bin"},
	} {
		b, err := os.ReadFile(vectorPath(v[0], v[1]))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, dir := range []string{"v11-udh-2seg-8bit", "v12-udh-3seg-16bit"} {
		var lines []byte
		for _, n := range []string{"seg1.ud.hex", "seg2.ud.hex", "seg3.ud.hex"} {
			if b, err := os.ReadFile(vectorPath(dir, n)); err == nil {
				lines = append(lines, b...)
			}
		}
		f.Add(lines)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d := &dumper{}
		if err := d.input(data, kindAuto); err != nil {
			if err.Error() == "" {
				t.Fatal("error without a message")
			}
			return
		}
		if d.out.Len() == 0 {
			t.Fatal("no error and no output")
		}
	})
}
