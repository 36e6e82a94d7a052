package pap

import (
	"bytes"
	"testing"

	"github.com/txpush/txpush/internal/testvec"
)

// BenchmarkReadRequest reads a typical push: the v17 multipart body with a
// PAP 2.0 control document and a short SI, envelope and control document
// parsed.
func BenchmarkReadRequest(b *testing.B) {
	body := testvec.Read(b, "v17-pap/push-si-short.multipart")
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := ReadRequest(kannelRequestType, bytes.NewReader(body), 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseMessage parses the control document alone.
func BenchmarkParseMessage(b *testing.B) {
	doc := testvec.Read(b, "v17-pap/examples/01-push-message.xml")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseMessage(doc); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMarshalPushResponse writes the answer a PPG gives every push.
func BenchmarkMarshalPushResponse(b *testing.B) {
	m := &PushResponse{PushID: "si-short-001@pi.example.com", SenderAddress: "http://ppg.example.com:8080/pap",
		SenderName: "txpush", ReplyTime: utc("2026-11-26T12:16:52Z"), Result: Result{Code: CodeAccepted, Desc: CodeAccepted.Text()}}
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = Append(buf[:0], m); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMarshalResultNotification writes the notification a PPG posts
// for every push that asked for one.
func BenchmarkMarshalResultNotification(b *testing.B) {
	m, err := ParseMessage(testvec.Read(b, "v17-pap/examples/05-resultnotification-message-delivered.xml"))
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		if buf, err = Append(buf[:0], m); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseAddress(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseAddress("WAPPUSH=+358401234567/TYPE=PLMN@ppg.example.com"); err != nil {
			b.Fatal(err)
		}
	}
}
