package main

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// The poster keeps its connection, posts again on a new one when the PPG
// has closed the kept one, and follows Connection: close.
func TestPAPPosterKeepsAndRedials(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || r.URL.Path != "/pap" || r.Header.Get("Content-Type") != "multipart/related; boundary=b" {
			http.Error(w, "wrong request", http.StatusBadRequest)
			return
		}
		if string(body) == "close" {
			w.Header().Set("Connection", "close")
		}
		w.WriteHeader(http.StatusAccepted)
		w.Write(append([]byte("got "), body...))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()

	p, err := newPAPPoster(srv.URL+"/pap", "multipart/related; boundary=b")
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	post := func(body string) {
		t.Helper()
		status, answer, err := p.post(t.Context(), []byte(body))
		if err != nil || status != http.StatusAccepted || string(answer) != "got "+body {
			t.Fatalf("post %q: %d %q %v", body, status, answer, err)
		}
	}
	post("one")
	post("two")
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections for two posts, want 1", n)
	}
	srv.CloseClientConnections()
	post("three")
	if n := conns.Load(); n != 2 {
		t.Errorf("%d connections after the PPG closed the first, want 2", n)
	}
	post("close")
	post("four")
	if n := conns.Load(); n != 3 {
		t.Errorf("%d connections after Connection: close, want 3", n)
	}

	if _, err := newPAPPoster("https://"+strings.TrimPrefix(srv.URL, "http://")+"/pap", "x"); err == nil {
		t.Error("an https URL: no error")
	}
}
