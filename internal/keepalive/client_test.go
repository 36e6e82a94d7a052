package keepalive

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// countingServer is a PI endpoint on loopback that counts the connections
// made to it.
func countingServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &conns
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestClientKeepsConnections: posts reuse one connection; the
// request carries the body, its type and length, and the URL's user.
func TestClientKeepsConnections(t *testing.T) {
	var got atomic.Value
	srv, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		user, pw, _ := r.BasicAuth()
		got.Store(r.Method + " " + r.URL.RequestURI() + " " + r.Header.Get("Content-Type") + " " + user + ":" + pw + " " + string(b))
		io.WriteString(w, "answer")
	})
	c := NewClient("txpush-test", 4)
	u := mustURL(t, strings.Replace(srv.URL, "http://", "http://pi:secret@", 1)+"/notify?x=1")
	for i := range 20 {
		status, body, err := c.Post(t.Context(), u, "application/xml", []byte("<pap/>"), 100)
		if err != nil || status != 200 || string(body) != "answer" {
			t.Fatalf("post %d: %d %q %v", i, status, body, err)
		}
	}
	if want := "POST /notify?x=1 application/xml pi:secret <pap/>"; got.Load() != want {
		t.Errorf("the PI got %q, want %q", got.Load(), want)
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections for 20 posts, want 1", n)
	}
	c.CloseIdle()
}

// TestClientStaleConnection: a connection the PI closed while idle
// is replaced without the post failing.
func TestClientStaleConnection(t *testing.T) {
	srv, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	c := NewClient("txpush-test", 4)
	u := mustURL(t, srv.URL)
	if _, _, err := c.Post(t.Context(), u, "application/xml", nil, 100); err != nil {
		t.Fatal(err)
	}
	srv.CloseClientConnections()
	if status, _, err := c.Post(t.Context(), u, "application/xml", nil, 100); err != nil || status != 200 {
		t.Fatalf("after the PI closed the idle connection: %d %v", status, err)
	}
	if n := conns.Load(); n != 2 {
		t.Errorf("%d connections, want 2", n)
	}
}

// TestClientAnswers: chunked answers are read, a closing answer's
// connection is not kept, an answer over the limit is an error.
func TestClientAnswers(t *testing.T) {
	srv, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/chunked":
			w.Write([]byte("part one, "))
			w.(http.Flusher).Flush()
			w.Write([]byte("part two"))
		case "/close":
			w.Header().Set("Connection", "close")
			io.WriteString(w, "bye")
		case "/big":
			io.WriteString(w, strings.Repeat("x", 500))
		}
	})
	c := NewClient("txpush-test", 4)
	if _, body, err := c.Post(t.Context(), mustURL(t, srv.URL+"/chunked"), "application/xml", nil, 100); err != nil || string(body) != "part one, part two" {
		t.Errorf("chunked: %q %v", body, err)
	}
	before := conns.Load()
	for range 2 {
		if _, body, err := c.Post(t.Context(), mustURL(t, srv.URL+"/close"), "application/xml", nil, 100); err != nil || string(body) != "bye" {
			t.Errorf("close: %q %v", body, err)
		}
	}
	// The first reuses the connection of the chunked answer, the second
	// needs a new one, and neither is kept.
	if n := conns.Load() - before; n != 1 {
		t.Errorf("answers with Connection: close: %d new connections for 2 posts, want 1", n)
	}
	c.mu.Lock()
	kept := len(c.idle["http://"+mustURL(t, srv.URL).Host])
	c.mu.Unlock()
	if kept != 0 {
		t.Errorf("%d connections kept after answers that close them", kept)
	}
	if _, _, err := c.Post(t.Context(), mustURL(t, srv.URL+"/big"), "application/xml", nil, 100); err == nil {
		t.Error("an answer over the limit was taken")
	}
}

// TestClientCancel: the end of the context ends an exchange the PI
// never answers.
func TestClientCancel(t *testing.T) {
	block := make(chan struct{})
	srv, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) { <-block })
	defer close(block)
	c := NewClient("txpush-test", 4)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, _, err := c.Post(ctx, mustURL(t, srv.URL), "application/xml", nil, 100)
		done <- err
	}()
	cancel()
	select {
	case err := <-done:
		if err == nil {
			t.Error("a cancelled post succeeded")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the post did not end with its context")
	}
}

// TestClientTimeout: Timeout ends an exchange the PI never answers, and
// an earlier deadline of the context ends it sooner.
func TestClientTimeout(t *testing.T) {
	block := make(chan struct{})
	srv, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) { <-block })
	defer close(block)
	c := NewClient("txpush-test", 4)
	c.Timeout = 50 * time.Millisecond
	var ne net.Error
	if _, _, err := c.Post(t.Context(), mustURL(t, srv.URL), "application/xml", nil, 100); !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("a post the PI never answers: %v, want a timeout", err)
	}
	c.Timeout = time.Hour
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if _, _, err := c.Post(ctx, mustURL(t, srv.URL), "application/xml", nil, 100); !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("a post with the context's deadline first: %v, want a timeout", err)
	}
}

func TestClientUsable(t *testing.T) {
	c := NewClient("txpush-test", 1)
	if c.Usable(mustURL(t, "ftp://pi.example.com/")) {
		t.Error("ftp usable")
	}
	if got := hostPort(mustURL(t, "https://pi.example.com/n")); got != "pi.example.com:443" {
		t.Errorf("hostPort %q", got)
	}
	if got := hostPort(mustURL(t, "http://[::1]/n")); got != "[::1]:80" {
		t.Errorf("hostPort %q", got)
	}
}
