package wapgw

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
)

// page is the content fetched in the benchmarks: the size of a WML deck.
var page = bytes.Repeat([]byte("<p>news</p>"), 100)

// BenchmarkServeHTTP is the gateway's own work for one fetch: checking,
// header handling and buffering, with the content server's answer made in
// memory.
func BenchmarkServeHTTP(b *testing.B) {
	upstream := transportFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: http.StatusOK, ProtoMajor: 1, ProtoMinor: 1,
			Header:        http.Header{"Content-Type": {"text/vnd.wap.wml"}, "Content-Length": {strconv.Itoa(len(page))}},
			ContentLength: int64(len(page)), Body: io.NopCloser(bytes.NewReader(page)), Request: r}, nil
	})
	g, err := New(Config{Allow: []string{"content.example", "*.apps.example", "127.0.0.1:8080"}, Transport: upstream})
	if err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, "http://content.example/news?id=1", nil)
	req.Header.Set("User-Agent", "handset/1.0")
	req.Header.Set("Accept", "text/vnd.wap.wml")
	b.ReportAllocs()
	b.SetBytes(int64(len(page)))
	for b.Loop() {
		rec := httptest.NewRecorder()
		g.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code)
		}
	}
}

// BenchmarkRefused is the cost of refusing a destination off the allow list.
func BenchmarkRefused(b *testing.B) {
	g, err := New(Config{Allow: []string{"content.example", "*.apps.example", "127.0.0.1:8080"}, Transport: transportFunc(nil)})
	if err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, "http://evil.example/", nil)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		g.ServeHTTP(rec, req)
		if rec.Code != http.StatusForbidden {
			b.Fatal(rec.Code)
		}
	}
}

// BenchmarkLoopback is one fetch as a handset makes it: a client using the
// gateway as its proxy, the gateway and a content server, over loopback
// TCP with keep-alive connections.
func BenchmarkLoopback(b *testing.B) {
	content := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/vnd.wap.wml")
		w.Write(page)
	}))
	defer content.Close()
	g, err := New(Config{Allow: []string{content.Listener.Addr().String()}})
	if err != nil {
		b.Fatal(err)
	}
	gw := httptest.NewServer(g)
	defer gw.Close()
	client := proxyClient(b, gw)
	target := content.URL + "/news"
	b.ReportAllocs()
	b.SetBytes(int64(len(page)))
	for b.Loop() {
		resp, err := client.Get(target)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || n != int64(len(page)) {
			b.Fatal(resp.StatusCode, n)
		}
	}
}
