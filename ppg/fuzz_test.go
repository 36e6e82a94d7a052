package ppg

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/txpush/txpush/clock"
	"github.com/txpush/txpush/pap"
)

// FuzzServeHTTP feeds arbitrary bodies and content types to ServeHTTP: it
// must never panic, and must always answer, with a PAP document whenever
// the status says it did.
func FuzzServeHTTP(f *testing.F) {
	const multipart = `multipart/related; boundary=asdlfkjiurwghasf; type="application/xml"`
	f.Add(multipart, readVector(f, "kannel-test_ppg-request.pap10.multipart"))
	f.Add(multipart, readVector(f, "push-si-short.multipart"))
	examples, err := filepath.Glob(filepath.Join(vectors, "examples", "*.xml"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range examples {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add("application/xml", b)
	}
	f.Add("text/plain", []byte("hello"))

	disp := &fakeDispatcher{answer: func(SubmitRequest) SubmitResult { return SubmitResult{Outcome: Delivered} }}
	p, err := New(Config{Clock: clock.NewVirtual(epoch), MaxBody: 64 << 10, MaxSegments: 3,
		DeviceProfiles: map[string]string{"358401234567": "<rdf/>"},
		// Fuzzed pushes name arbitrary notification URLs: post nowhere.
		HTTPClient: &http.Client{Transport: noNetwork{}},
	}, newMemStore(), disp)
	if err != nil {
		f.Fatal(err)
	}
	if err := p.Start(f.Context()); err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { p.Close() })

	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "http://ppg.test/pap", bytes.NewReader(body))
		r.RemoteAddr = "127.0.0.1:40000"
		r.Header.Set("Content-Type", contentType)
		rec := httptest.NewRecorder()
		p.ServeHTTP(rec, r)
		if rec.Body.Len() == 0 {
			t.Fatalf("HTTP %d without a body", rec.Code)
		}
		if _, err := pap.ReadRequest(rec.Header().Get("Content-Type"), rec.Body, 0); err != nil {
			t.Fatalf("HTTP %d answer does not parse: %v\n%s", rec.Code, err, rec.Body)
		}
	})
}

type noNetwork struct{}

func (noNetwork) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("no network while fuzzing")
}
