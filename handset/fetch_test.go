package handset_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/txpush/txpush/handset"
	"github.com/txpush/txpush/internal/testvec"
	"github.com/txpush/txpush/wap/wdp"
)

// gateway is an HTTP proxy standing for the WAP gateway: it records each
// request it gets (absolute-URI, as a client sends to a proxy) and answers
// with answer.
type gateway struct {
	*httptest.Server
	mu       sync.Mutex
	requests []*http.Request
	arrived  chan struct{}
}

func newGateway(t testing.TB, answer http.HandlerFunc) *gateway {
	g := &gateway{arrived: make(chan struct{}, 16)}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		g.requests = append(g.requests, r.Clone(r.Context()))
		g.mu.Unlock()
		g.arrived <- struct{}{}
		answer(w, r)
	}))
	t.Cleanup(g.Close)
	return g
}

func (g *gateway) seen() []*http.Request {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]*http.Request(nil), g.requests...)
}

// body answers with status and n octets.
func body(status, n int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/vnd.wap.wml")
		w.WriteHeader(status)
		w.Write(bytes.Repeat([]byte{'w'}, n))
	}
}

func TestFetchThroughGateway(t *testing.T) {
	gw := newGateway(t, body(http.StatusOK, 1234))
	a := newAir(t)
	log := newEventLog()
	h := a.newHandset(t, handset.Config{Fetch: true, Proxy: gw.URL, OnEvent: log.add})
	seg1, seg2, doc := v11(t)
	a.send(t, seg1)
	a.send(t, seg2)

	push := log.wait(t, handset.EventPush)
	f := log.wait(t, handset.EventFetch)
	if f.URL != doc.Href || f.Status != http.StatusOK || f.Size != 1234 || f.Err != "" {
		t.Errorf("fetch %s: status %d size %d err %q; want %s 200 1234", f.URL, f.Status, f.Size, f.Err, doc.Href)
	}
	if f.ContentType != "text/vnd.wap.wml" || f.MSISDN != testMSISDN || f.Originator != push.Originator || f.Duration <= 0 {
		t.Errorf("fetch event %+v", f)
	}
	if !f.At.Equal(a.clk.Now()) {
		t.Errorf("fetch at %v, want the handset's clock %v", f.At, a.clk.Now())
	}
	reqs := gw.seen()
	if len(reqs) != 1 {
		t.Fatalf("the gateway got %d requests, want 1", len(reqs))
	}
	if r := reqs[0]; r.Method != http.MethodGet || r.RequestURI != doc.Href || r.Header.Get("User-Agent") == "" {
		t.Errorf("the gateway got %s %s (User-Agent %q); want GET of the absolute URL %s", r.Method, r.RequestURI, r.Header.Get("User-Agent"), doc.Href)
	}
	h.Close()
	if st := h.Stats(); st.Fetches != 1 || st.FetchFailures != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestFetchMMS(t *testing.T) {
	gw := newGateway(t, body(http.StatusOK, 300))
	a := newAir(t)
	log := newEventLog()
	a.newHandset(t, handset.Config{Fetch: true, Proxy: gw.URL, OnEvent: log.add})
	a.send(t, segment(t, testvec.Read(t, "v09-wsp-push-mms/push.bin"), wdp.SegmentOptions{})[0])
	f := log.wait(t, handset.EventFetch)
	// The content location of the worked example, mms-notification.md §3.
	const location = "http://mmsc.example.com/mms?id=AB12"
	if f.URL != location || f.Status != http.StatusOK || f.Size != 300 {
		t.Errorf("fetch %+v", f)
	}
	if r := gw.seen()[0]; r.RequestURI != location || r.Header.Get("Accept") != "application/vnd.wap.mms-message" {
		t.Errorf("the gateway got %s with Accept %q", r.RequestURI, r.Header.Get("Accept"))
	}
}

func TestFetchFailures(t *testing.T) {
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL
	down.Close() // nothing listens there now
	tests := []struct {
		name   string
		proxy  string
		status int
	}{
		{"gateway error", newGateway(t, body(http.StatusBadGateway, 10)).URL, http.StatusBadGateway},
		{"gateway down", downURL, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAir(t)
			log := newEventLog()
			h := a.newHandset(t, handset.Config{Fetch: true, Proxy: tt.proxy, OnEvent: log.add})
			a.send(t, segment(t, testvec.Read(t, "v07-wsp-push-si/push.bin"), wdp.SegmentOptions{})[0])
			f := log.wait(t, handset.EventFetch)
			if f.Status != tt.status || (tt.status == 0 && f.Err == "") {
				t.Errorf("fetch status %d err %q; want status %d", f.Status, f.Err, tt.status)
			}
			h.Close()
			if st := h.Stats(); st.Fetches != 1 || st.FetchFailures != 1 {
				t.Errorf("stats %+v, want one failed fetch", st)
			}
		})
	}
}

// TestNoFetch: an expired SI and a handset with Fetch off fetch nothing.
func TestNoFetch(t *testing.T) {
	seg1, seg2, doc := v11(t)
	for _, tt := range []struct {
		name        string
		fetch       bool
		wantExpired bool
	}{
		{"expired", true, true},
		{"fetch off", false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			gw := newGateway(t, body(http.StatusOK, 1))
			a := newAir(t)
			if tt.wantExpired {
				a.clk.AdvanceTo(doc.Expires)
			}
			h := a.newHandset(t, handset.Config{Fetch: tt.fetch, Proxy: gw.URL})
			a.send(t, seg1)
			a.send(t, seg2)
			h.Close() // waits for any fetch
			p := h.Pushes()
			if len(p) != 1 || p[0].Expired != tt.wantExpired {
				t.Fatalf("pushes %+v, want one with expired %v", p, tt.wantExpired)
			}
			if n := len(gw.seen()); n != 0 {
				t.Errorf("the gateway got %d requests", n)
			}
		})
	}
}

// TestCloseCancelsFetches: Close returns while the gateway is still
// thinking, and the cancelled fetch is not reported.
func TestCloseCancelsFetches(t *testing.T) {
	release := make(chan struct{})
	gw := newGateway(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release)
	a := newAir(t)
	log := newEventLog()
	h := a.newHandset(t, handset.Config{Fetch: true, Proxy: gw.URL, OnEvent: log.add})
	a.send(t, segment(t, testvec.Read(t, "v07-wsp-push-si/push.bin"), wdp.SegmentOptions{})[0])
	select {
	case <-gw.arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("the fetch never reached the gateway")
	}
	h.Close()
	for _, e := range h.Events() {
		if e.Kind == handset.EventFetch {
			t.Errorf("a fetch event after Close: %+v", e)
		}
	}
}

func TestFetchWithOwnClient(t *testing.T) {
	var got string
	client := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		got = r.URL.String()
		return &http.Response{StatusCode: http.StatusNoContent, Body: io.NopCloser(bytes.NewReader(nil)), Request: r}, nil
	})}
	a := newAir(t)
	log := newEventLog()
	h := a.newHandset(t, handset.Config{Fetch: true, HTTPClient: client, OnEvent: log.add})
	seg1, seg2, doc := v11(t)
	a.send(t, seg1)
	a.send(t, seg2)
	f := log.wait(t, handset.EventFetch)
	h.Close()
	if got != doc.Href || f.Status != http.StatusNoContent {
		t.Errorf("client got %q, event status %d", got, f.Status)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
