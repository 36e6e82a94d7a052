package ppg

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/txpush/txpush/clock"
	"github.com/txpush/txpush/pap"
)

// BenchmarkPushAccept measures a PAP push from request to 1001: parse,
// checks, compile, store (in memory) and answer, with a dispatcher that
// answers at once.
func BenchmarkPushAccept(b *testing.B) {
	disp := &fakeDispatcher{answer: func(SubmitRequest) SubmitResult { return SubmitResult{Outcome: Delivered} }}
	p, err := New(Config{Clock: clock.NewVirtual(epoch)}, newMemStore(), disp)
	if err != nil {
		b.Fatal(err)
	}
	if err := p.Start(b.Context()); err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	ct, body, err := pap.WriteRequest(pushMessage("PUSHID-000000000@pi.test", "+358401234567"), siEntity(b, "si-short.xml"), nil)
	if err != nil {
		b.Fatal(err)
	}
	at := bytes.Index(body, []byte("PUSHID-"))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		// A fresh push id each time: the same one would be a duplicate.
		req := bytes.Clone(body)
		copy(req[at:at+16], fmt.Appendf(nil, "PUSHID-%09d", i))
		r := httptest.NewRequest(http.MethodPost, "http://ppg.test/pap", bytes.NewReader(req))
		r.RemoteAddr = "127.0.0.1:40000"
		r.Header.Set("Content-Type", ct)
		rec := httptest.NewRecorder()
		p.ServeHTTP(rec, r)
		if rec.Code != http.StatusAccepted {
			b.Fatalf("HTTP %d: %s", rec.Code, rec.Body)
		}
	}
}
