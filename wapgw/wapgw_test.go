package wapgw

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// contentServer is a content server that records what it was sent.
type contentServer struct {
	*httptest.Server
	hits atomic.Int64

	mu   sync.Mutex
	last *http.Request // the last request, its body read into lastBody
	body []byte
}

func newContentServer(t *testing.T, h http.HandlerFunc) *contentServer {
	t.Helper()
	cs := &contentServer{}
	cs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cs.hits.Add(1)
		body, _ := io.ReadAll(r.Body)
		cs.mu.Lock()
		cs.last, cs.body = r, body
		cs.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(cs.Close)
	return cs
}

// lastRequest returns the last request the server got and its body.
func (cs *contentServer) lastRequest() (*http.Request, []byte) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return cs.last, cs.body
}

// hostPort is the server's host:port.
func (cs *contentServer) hostPort() string { return cs.Listener.Addr().String() }

// startGateway serves a Gateway made from cfg over HTTP.
func startGateway(t *testing.T, cfg Config) (*Gateway, *httptest.Server) {
	t.Helper()
	g, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	return g, srv
}

// proxyClient is an HTTP client that uses the gateway as its proxy, as a
// handset does, and does not follow redirects.
func proxyClient(t testing.TB, gateway *httptest.Server) *http.Client {
	t.Helper()
	u, err := url.Parse(gateway.URL)
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{Proxy: http.ProxyURL(u)}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// get fetches rawURL with c and returns the response with its body read.
func get(t *testing.T, c *http.Client, method, rawURL string, body io.Reader) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, rawURL, body)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// rawExchange sends raw request bytes to addr and reads one response.
func rawExchange(t *testing.T, addr, raw string) (*http.Response, string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	method, _, _ := strings.Cut(raw, " ")
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: method})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func TestForwardsToAllowedHost(t *testing.T) {
	const page = "<wml><card><p>news</p></card></wml>"
	content := newContentServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/vnd.wap.wml")
		w.Header().Set("X-Content-Id", "42")
		io.WriteString(w, page)
	})
	_, gw := startGateway(t, Config{Allow: []string{content.hostPort()}})
	client := proxyClient(t, gw)

	target := content.URL + "/news?id=1&lang=fi"
	req, _ := http.NewRequest(http.MethodGet, target, nil)
	req.Header.Set("User-Agent", "handset/1.0")
	req.Header.Set("Accept", "text/vnd.wap.wml")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != page {
		t.Fatalf("got %d %q, want 200 %q", resp.StatusCode, body, page)
	}
	if got := resp.Header.Get("Content-Type"); got != "text/vnd.wap.wml" {
		t.Errorf("Content-Type %q", got)
	}
	if got := resp.Header.Get("X-Content-Id"); got != "42" {
		t.Errorf("X-Content-Id %q: end-to-end response headers must pass", got)
	}
	if got := resp.Header.Get("Via"); got != "1.1 txpush-wapgw" {
		t.Errorf("response Via %q", got)
	}
	if resp.ContentLength != int64(len(page)) {
		t.Errorf("Content-Length %d, want %d", resp.ContentLength, len(page))
	}

	up, _ := content.lastRequest()
	if up.RequestURI != "/news?id=1&lang=fi" {
		t.Errorf("the content server got request target %q, want the origin form", up.RequestURI)
	}
	if up.Host != content.hostPort() {
		t.Errorf("the content server got Host %q, want %q", up.Host, content.hostPort())
	}
	if got := up.Header.Get("Via"); got != "1.1 txpush-wapgw" {
		t.Errorf("request Via %q", got)
	}
	if got := up.Header.Get("X-Forwarded-For"); got != "127.0.0.1" {
		t.Errorf("X-Forwarded-For %q", got)
	}
	if got := up.Header.Get("User-Agent"); got != "handset/1.0" {
		t.Errorf("User-Agent %q", got)
	}
	if got := up.Header.Get("Accept"); got != "text/vnd.wap.wml" {
		t.Errorf("Accept %q", got)
	}
}

func TestRefusesDestinationsOffTheAllowList(t *testing.T) {
	allowed := newContentServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "allowed") })
	other := newContentServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "secret") })
	g, gw := startGateway(t, Config{Allow: []string{allowed.hostPort()}})
	client := proxyClient(t, gw)
	_, allowedPort, _ := net.SplitHostPort(allowed.hostPort())

	for _, target := range []string{
		other.URL + "/",                                              // same host, another port
		"http://localhost:" + allowedPort + "/",                      // the allowed server under another name
		"http://[::1]:" + allowedPort + "/",                          // and another address
		"http://127.0.0.2:" + allowedPort + "/x",                     // a neighbour
		"http://127.0.0.1/",                                          // the allowed host on the default port
		"http://127.0.0.1:" + allowedPort[:len(allowedPort)-1] + "/", // a port that is a prefix of the allowed one
		"http://metadata.internal:" + allowedPort,                    // a name
	} {
		resp, body := get(t, client, http.MethodGet, target, nil)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", target, resp.StatusCode)
		}
		if !strings.Contains(body, "not on the gateway's allow list") || strings.Contains(body, "secret") {
			t.Errorf("%s: body %q", target, body)
		}
	}
	if n := other.hits.Load() + allowed.hits.Load(); n != 0 {
		t.Errorf("content servers were reached %d times", n)
	}
	if st := g.Stats(); st.Refused != 7 || st.Forwarded != 0 || st.Requests != 7 {
		t.Errorf("stats %+v", st)
	}

	// The allowed one is fetched, so the refusals were not for another reason.
	if resp, body := get(t, client, http.MethodGet, allowed.URL+"/", nil); resp.StatusCode != http.StatusOK || body != "allowed" {
		t.Errorf("allowed: %d %q", resp.StatusCode, body)
	}
}

func TestEmptyAllowListRefusesAll(t *testing.T) {
	content := newContentServer(t, func(w http.ResponseWriter, r *http.Request) {})
	g, gw := startGateway(t, Config{})
	client := proxyClient(t, gw)
	if resp, _ := get(t, client, http.MethodGet, content.URL+"/", nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("status %d, want 403", resp.StatusCode)
	}
	// The PPG adds content hosts as it learns them.
	if err := g.AllowDestinations(content.hostPort()); err != nil {
		t.Fatal(err)
	}
	if resp, _ := get(t, client, http.MethodGet, content.URL+"/", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("after AllowDestinations: status %d, want 200", resp.StatusCode)
	}
	if content.hits.Load() != 1 {
		t.Errorf("content server hit %d times, want 1", content.hits.Load())
	}
}

func TestRefusesWhatIsNotAProxyFetch(t *testing.T) {
	content := newContentServer(t, func(w http.ResponseWriter, r *http.Request) {})
	_, gw := startGateway(t, Config{Allow: []string{content.hostPort(), "content.example"}})
	addr := gw.Listener.Addr().String()
	cs := content.hostPort()

	tests := []struct {
		name, raw string
		status    int
		text      string
	}{
		{"CONNECT", "CONNECT " + cs + " HTTP/1.1\r\nHost: " + cs + "\r\n\r\n", http.StatusMethodNotAllowed, "CONNECT"},
		{"relative URI", "GET /news HTTP/1.1\r\nHost: " + cs + "\r\n\r\n", http.StatusBadRequest, "not a proxy request"},
		{"PUT", "PUT http://" + cs + "/x HTTP/1.1\r\nHost: " + cs + "\r\nContent-Length: 0\r\n\r\n", http.StatusMethodNotAllowed, "PUT"},
		{"DELETE", "DELETE http://" + cs + "/x HTTP/1.1\r\nHost: " + cs + "\r\n\r\n", http.StatusMethodNotAllowed, "DELETE"},
		{"https", "GET https://" + cs + "/ HTTP/1.1\r\nHost: " + cs + "\r\n\r\n", http.StatusForbidden, "https"},
		{"ftp", "GET ftp://" + cs + "/ HTTP/1.1\r\nHost: " + cs + "\r\n\r\n", http.StatusBadRequest, "scheme"},
		{"no host", "GET http:///x HTTP/1.1\r\nHost: " + cs + "\r\n\r\n", http.StatusBadRequest, "no host"},
		{"bad port", "GET http://content.example:99999/ HTTP/1.1\r\nHost: content.example\r\n\r\n", http.StatusBadRequest, "port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := rawExchange(t, addr, tt.raw)
			if resp.StatusCode != tt.status || !strings.Contains(body, tt.text) {
				t.Errorf("got %d %q, want %d with %q", resp.StatusCode, body, tt.status, tt.text)
			}
			if tt.status == http.StatusMethodNotAllowed && resp.Header.Get("Allow") != "GET, HEAD, POST" {
				t.Errorf("Allow %q", resp.Header.Get("Allow"))
			}
		})
	}
	if n := content.hits.Load(); n != 0 {
		t.Errorf("the content server was reached %d times", n)
	}
}

func TestConnectThroughClientRefused(t *testing.T) {
	// An https URL through the proxy makes the client open a CONNECT
	// tunnel, which the gateway does not offer.
	_, gw := startGateway(t, Config{Allow: []string{"content.example:443"}})
	_, err := proxyClient(t, gw).Get("https://content.example/")
	if err == nil || !strings.Contains(err.Error(), "Method Not Allowed") {
		t.Errorf("err %v, want the CONNECT refused with 405", err)
	}
}

func TestHopByHopHeadersStrippedOnRequest(t *testing.T) {
	content := newContentServer(t, func(w http.ResponseWriter, r *http.Request) {})
	_, gw := startGateway(t, Config{Allow: []string{content.hostPort()}})
	cs := content.hostPort()
	raw := "GET http://" + cs + "/p HTTP/1.1\r\n" +
		"Host: " + cs + "\r\n" +
		"Connection: keep-alive, X-Hop-Secret\r\n" +
		"X-Hop-Secret: s3\r\n" +
		"Keep-Alive: timeout=5\r\n" +
		"Proxy-Connection: keep-alive\r\n" +
		"Proxy-Authorization: Basic aGFuZHNldDpwdw==\r\n" +
		"TE: trailers\r\n" +
		"Trailer: X-Checksum\r\n" +
		"Upgrade: websocket\r\n" +
		"Via: 1.0 wap-proxy-upstream\r\n" +
		"X-Forwarded-For: 10.1.2.3\r\n" +
		"X-End-To-End: kept\r\n" +
		"\r\n"
	resp, _ := rawExchange(t, gw.Listener.Addr().String(), raw)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	up, _ := content.lastRequest()
	for _, name := range []string{"X-Hop-Secret", "Keep-Alive", "Proxy-Connection", "Proxy-Authorization", "Te", "Trailer", "Upgrade"} {
		if v, ok := up.Header[name]; ok {
			t.Errorf("the content server got %s: %q", name, v)
		}
	}
	// Go's client sends its own Connection header; ours must not be it.
	if c := up.Header.Get("Connection"); strings.Contains(strings.ToLower(c), "x-hop-secret") {
		t.Errorf("the content server got Connection %q", c)
	}
	if ua, ok := up.Header["User-Agent"]; ok {
		t.Errorf("the content server got User-Agent %q, which the client did not send", ua)
	}
	if got := up.Header.Get("X-End-To-End"); got != "kept" {
		t.Errorf("X-End-To-End %q", got)
	}
	if got := up.Header.Values("Via"); len(got) != 2 || got[0] != "1.0 wap-proxy-upstream" || got[1] != "1.1 txpush-wapgw" {
		t.Errorf("Via %q, want the earlier hop then ours", got)
	}
	if got := up.Header.Get("X-Forwarded-For"); got != "10.1.2.3, 127.0.0.1" {
		t.Errorf("X-Forwarded-For %q", got)
	}
}

// transportFunc is a RoundTripper made of a function.
type transportFunc func(*http.Request) (*http.Response, error)

func (f transportFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestHopByHopHeadersStrippedOnResponse(t *testing.T) {
	const body = "content"
	upstream := transportFunc(func(r *http.Request) (*http.Response, error) {
		h := http.Header{}
		h.Set("Connection", "X-Resp-Hop, close")
		h.Set("X-Resp-Hop", "private")
		h.Set("Keep-Alive", "timeout=5")
		h.Set("Proxy-Connection", "keep-alive")
		h.Set("Proxy-Authenticate", `Basic realm="upstream"`)
		h.Set("Te", "trailers")
		h.Set("Trailer", "X-Checksum")
		h.Set("Transfer-Encoding", "chunked")
		h.Set("Upgrade", "h2c")
		h.Set("Content-Type", "text/plain")
		h.Set("Cache-Control", "max-age=60")
		return &http.Response{StatusCode: 200, ProtoMajor: 1, ProtoMinor: 0, Header: h, ContentLength: -1,
			Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
	})
	g, err := New(Config{Allow: []string{"content.example"}, Transport: upstream})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://content.example/x", nil))
	if rec.Code != 200 || rec.Body.String() != body {
		t.Fatalf("got %d %q", rec.Code, rec.Body.String())
	}
	h := rec.Result().Header
	for _, name := range []string{"Connection", "X-Resp-Hop", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Te", "Trailer", "Transfer-Encoding", "Upgrade"} {
		if v, ok := h[name]; ok {
			t.Errorf("the client got %s: %q", name, v)
		}
	}
	if h.Get("Content-Type") != "text/plain" || h.Get("Cache-Control") != "max-age=60" {
		t.Errorf("end-to-end headers lost: %v", h)
	}
	if got := h.Get("Via"); got != "1.0 txpush-wapgw" {
		t.Errorf("Via %q, want the content server's protocol version", got)
	}
	if got := h.Get("Content-Length"); got != strconv.Itoa(len(body)) {
		t.Errorf("Content-Length %q", got)
	}
}

func TestOversizeBodyIsAnError(t *testing.T) {
	const limit = 1000
	for _, tt := range []struct {
		name    string
		size    int
		chunked bool
		status  int
	}{
		{"at the limit", limit, false, http.StatusOK},
		{"at the limit, chunked", limit, true, http.StatusOK},
		{"one over, with Content-Length", limit + 1, false, http.StatusBadGateway},
		{"one over, chunked", limit + 1, true, http.StatusBadGateway},
		{"far over, chunked", 50 * limit, true, http.StatusBadGateway},
	} {
		t.Run(tt.name, func(t *testing.T) {
			content := newContentServer(t, func(w http.ResponseWriter, r *http.Request) {
				page := bytes.Repeat([]byte("x"), tt.size)
				if !tt.chunked {
					w.Header().Set("Content-Length", strconv.Itoa(tt.size))
				}
				for len(page) > 0 {
					n := min(len(page), 100)
					w.Write(page[:n])
					page = page[n:]
					if tt.chunked {
						w.(http.Flusher).Flush()
					}
				}
			})
			g, gw := startGateway(t, Config{Allow: []string{content.hostPort()}, MaxBody: limit})
			resp, body := get(t, proxyClient(t, gw), http.MethodGet, content.URL+"/big", nil)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d; body %q", resp.StatusCode, tt.status, body)
			}
			if tt.status == http.StatusOK {
				if len(body) != tt.size {
					t.Errorf("body of %d octets, want %d", len(body), tt.size)
				}
				return
			}
			if strings.Contains(body, "xxx") || !strings.Contains(body, "1000") {
				t.Errorf("body %q: want a message naming the limit, no content", body)
			}
			if st := g.Stats(); st.Errors != 1 || st.Bytes != 0 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

func TestUpstreamDown(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := l.Addr().String()
	l.Close()
	g, gw := startGateway(t, Config{Allow: []string{down}})
	resp, body := get(t, proxyClient(t, gw), http.MethodGet, "http://"+down+"/", nil)
	if resp.StatusCode != http.StatusBadGateway || !strings.Contains(body, down) {
		t.Errorf("got %d %q, want 502 naming %s", resp.StatusCode, body, down)
	}
	if st := g.Stats(); st.Errors != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestSlowUpstreamTimesOut(t *testing.T) {
	for _, tt := range []struct {
		name        string
		headerFirst bool
	}{
		{"no answer", false},
		{"body stalls", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			release := make(chan struct{})
			content := newContentServer(t, func(w http.ResponseWriter, r *http.Request) {
				if tt.headerFirst {
					w.WriteHeader(http.StatusOK)
					io.WriteString(w, "partial")
					w.(http.Flusher).Flush()
				}
				select {
				case <-release:
				case <-r.Context().Done():
				}
			})
			defer close(release) // before the server's Close, which waits for the handler
			g, gw := startGateway(t, Config{Allow: []string{content.hostPort()}, Timeout: 50 * time.Millisecond})
			resp, body := get(t, proxyClient(t, gw), http.MethodGet, content.URL+"/slow", nil)
			if resp.StatusCode != http.StatusGatewayTimeout || !strings.Contains(body, "did not answer within 50ms") {
				t.Errorf("got %d %q, want 504", resp.StatusCode, body)
			}
			if strings.Contains(body, "partial") {
				t.Errorf("a part of the body was passed: %q", body)
			}
			if st := g.Stats(); st.Errors != 1 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

func TestRedirectPassedBack(t *testing.T) {
	elsewhere := newContentServer(t, func(w http.ResponseWriter, r *http.Request) {})
	content := newContentServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+"/moved", http.StatusFound)
	})
	_, gw := startGateway(t, Config{Allow: []string{content.hostPort(), elsewhere.hostPort()}})
	resp, _ := get(t, proxyClient(t, gw), http.MethodGet, content.URL+"/old", nil)
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != elsewhere.URL+"/moved" {
		t.Errorf("got %d Location %q, want the 302 itself", resp.StatusCode, resp.Header.Get("Location"))
	}
	if elsewhere.hits.Load() != 0 {
		t.Error("the gateway followed the redirect")
	}
}

func TestPostAndHead(t *testing.T) {
	const notifyResp = "\x8c\x83\x98tid-1\x8d\x90\x95\x81" // an m-notifyresp-ind
	content := newContentServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.Header().Set("Content-Length", "5")
		io.WriteString(w, "hello")
	})
	g, gw := startGateway(t, Config{Allow: []string{content.hostPort()}, MaxRequestBody: 100})
	client := proxyClient(t, gw)

	resp, _ := get(t, client, http.MethodPost, content.URL+"/mms", strings.NewReader(notifyResp))
	if resp.StatusCode != http.StatusNoContent {
		t.Errorf("POST: status %d", resp.StatusCode)
	}
	up, body := content.lastRequest()
	if up.Method != http.MethodPost || string(body) != notifyResp || up.ContentLength != int64(len(notifyResp)) {
		t.Errorf("the content server got %s %q (length %d)", up.Method, body, up.ContentLength)
	}

	resp, text := get(t, client, http.MethodPost, content.URL+"/mms", strings.NewReader(strings.Repeat("m", 101)))
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(text, "100") {
		t.Errorf("oversize POST: %d %q", resp.StatusCode, text)
	}

	resp, text = get(t, client, http.MethodHead, content.URL+"/page", nil)
	if resp.StatusCode != http.StatusOK || text != "" || resp.ContentLength != 5 {
		t.Errorf("HEAD: %d %q length %d", resp.StatusCode, text, resp.ContentLength)
	}
	if up, _ := content.lastRequest(); up.Method != http.MethodHead {
		t.Errorf("HEAD forwarded as %s", up.Method)
	}
	if n := content.hits.Load(); n != 2 {
		t.Errorf("content server hit %d times, want 2", n)
	}
	if st := g.Stats(); st != (Stats{Requests: 3, Forwarded: 2, Refused: 1}) {
		t.Errorf("stats %+v", st)
	}
}

func TestStatsCountBytes(t *testing.T) {
	content := newContentServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, "0123456789")
	})
	g, gw := startGateway(t, Config{Allow: []string{content.hostPort()}})
	client := proxyClient(t, gw)
	get(t, client, http.MethodGet, content.URL+"/a", nil)
	get(t, client, http.MethodGet, content.URL+"/b", nil)
	// A 404 from the content server is its answer, passed back.
	resp, body := get(t, client, http.MethodGet, content.URL+"/missing", nil)
	get(t, client, http.MethodGet, "http://refused.example/", nil)
	want := Stats{Requests: 4, Forwarded: 3, Refused: 1, Bytes: uint64(20 + len(body))}
	if resp.StatusCode != http.StatusNotFound || g.Stats() != want {
		t.Errorf("404 status %d; stats %+v, want %+v", resp.StatusCode, g.Stats(), want)
	}
}

func TestAccessLog(t *testing.T) {
	content := newContentServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "page!") })
	var logBuf syncBuffer
	_, gw := startGateway(t, Config{Allow: []string{content.hostPort()}, Logger: slog.New(slog.NewJSONHandler(&logBuf, nil))})
	client := proxyClient(t, gw)
	get(t, client, http.MethodGet, content.URL+"/ok", nil)
	rawExchange(t, gw.Listener.Addr().String(), "GET http://user:pw@refused.example/no HTTP/1.1\r\nHost: refused.example\r\n\r\n")

	var lines []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(logBuf.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		lines = append(lines, m)
	}
	if len(lines) != 2 {
		t.Fatalf("%d log lines, want 2:\n%s", len(lines), logBuf.String())
	}
	for i, want := range []struct {
		url    string
		status float64
		size   float64
	}{
		{content.URL + "/ok", 200, 5},
		{"http://user:xxxxx@refused.example/no", 403, -1},
	} {
		l := lines[i]
		if l["msg"] != "request" || l["method"] != "GET" || l["url"] != want.url || l["status"] != want.status {
			t.Errorf("line %d: %v", i, l)
		}
		if client, _ := l["client"].(string); !strings.HasPrefix(client, "127.0.0.1:") {
			t.Errorf("line %d: client %v", i, l["client"])
		}
		if d, ok := l["duration"].(float64); !ok || d <= 0 {
			t.Errorf("line %d: duration %v", i, l["duration"])
		}
		if size, _ := l["size"].(float64); want.size >= 0 && size != want.size || want.size < 0 && size <= 0 {
			t.Errorf("line %d: size %v", i, l["size"])
		}
	}
	if _, ok := lines[0]["error"]; ok {
		t.Errorf("error on a forwarded request: %v", lines[0])
	}
	if e, _ := lines[1]["error"].(string); !strings.Contains(e, "allow list") {
		t.Errorf("refusal logged without its reason: %v", lines[1])
	}
	if strings.Contains(logBuf.String(), "pw@") {
		t.Error("the log shows a password")
	}
}

// syncBuffer is a bytes.Buffer the gateway's handlers and the test may share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestNewRejectsBadPatterns(t *testing.T) {
	for _, p := range []string{"", "*", "*:*", "*:80", "a.*.example", "content.*", "host:0", "host:65536", "host:+1", "host:-1", "host: 80", "host:http", "[::1]", "exa mple.com", "a..b", "*."} {
		_, err := New(Config{Allow: []string{"ok.example", p}})
		var pe *PatternError
		if err == nil || !errors.As(err, &pe) || pe.Pattern != p {
			t.Errorf("pattern %q: err %v, want a PatternError", p, err)
		}
	}
}

func TestAllows(t *testing.T) {
	g, err := New(Config{Allow: []string{
		"content.example.com",
		"*.apps.example",
		"api.example:8080",
		"any-port.example:*",
		"192.0.2.10",
		"[2001:db8::1]:8000",
		"Mixed.Case.Example.",
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		url  string
		want bool
	}{
		{"http://content.example.com/x", true},
		{"http://CONTENT.example.com/x", true},
		{"http://content.example.com.:80/x", true},
		{"http://content.example.com:80/x", true},
		{"http://content.example.com:080/x", true},
		{"http://content.example.com:8080/x", false},
		{"http://evil-content.example.com/", false},
		{"http://content.example.com.evil/", false},
		{"http://sub.content.example.com/", false},
		{"http://a.apps.example/", true},
		{"http://a.b.apps.example/", true},
		{"http://apps.example/", false},
		{"http://xapps.example/", false},
		{"http://a.apps.example:81/", false},
		{"http://api.example:8080/", true},
		{"http://api.example/", false},
		{"http://any-port.example:1/", true},
		{"http://any-port.example:65535/", true},
		{"http://192.0.2.10/", true},
		{"http://192.0.2.10:81/", false},
		{"http://[::ffff:192.0.2.10]/", true},
		{"http://[2001:db8::1]:8000/", true},
		{"http://[2001:0db8:0::1]:8000/", true},
		{"http://[2001:db8::1]/", false},
		{"http://mixed.case.example/", true},
		{"https://content.example.com/", false}, // https is not allowed
		{"ftp://content.example.com/", false},
		{"/relative", false},
		{"http:///nohost", false},
		{"%zz", false},
	} {
		if got := g.Allows(tt.url); got != tt.want {
			t.Errorf("Allows(%q) = %v, want %v", tt.url, got, tt.want)
		}
	}

	https, err := New(Config{Allow: []string{"content.example.com", "tls.example:8443"}, AllowHTTPS: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		url  string
		want bool
	}{
		{"https://content.example.com/", true},
		{"https://content.example.com:443/", true},
		{"https://content.example.com:80/", false},
		{"http://content.example.com/", true},
		{"https://tls.example:8443/", true},
	} {
		if got := https.Allows(tt.url); got != tt.want {
			t.Errorf("AllowHTTPS: Allows(%q) = %v, want %v", tt.url, got, tt.want)
		}
	}
}

func TestHTTPSWhenAllowed(t *testing.T) {
	content := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "over TLS")
	}))
	defer content.Close()
	cs := content.Listener.Addr().String()
	// The content server's own client trusts its certificate.
	g, gw := startGateway(t, Config{Allow: []string{cs}, AllowHTTPS: true, Transport: content.Client().Transport})
	resp, body := rawExchange(t, gw.Listener.Addr().String(), "GET https://"+cs+"/secure HTTP/1.1\r\nHost: "+cs+"\r\n\r\n")
	if resp.StatusCode != http.StatusOK || body != "over TLS" {
		t.Errorf("got %d %q", resp.StatusCode, body)
	}
	// Still no tunnels.
	resp, _ = rawExchange(t, gw.Listener.Addr().String(), "CONNECT "+cs+" HTTP/1.1\r\nHost: "+cs+"\r\n\r\n")
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("CONNECT: %d", resp.StatusCode)
	}
	if st := g.Stats(); st.Forwarded != 1 || st.Refused != 1 {
		t.Errorf("stats %+v", st)
	}
}

// brokenReader returns some octets, then an error.
type brokenReader struct{ sent bool }

func (r *brokenReader) Read(p []byte) (int, error) {
	if !r.sent {
		r.sent = true
		return copy(p, "half a pa"), nil
	}
	return 0, io.ErrUnexpectedEOF
}

func TestBrokenUpstreamBody(t *testing.T) {
	upstream := transportFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: http.StatusOK, ProtoMajor: 1, ProtoMinor: 1, Header: http.Header{},
			ContentLength: 100, Body: io.NopCloser(&brokenReader{}), Request: r}, nil
	})
	g, err := New(Config{Allow: []string{"content.example"}, Transport: upstream})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://content.example/page", nil))
	if rec.Code != http.StatusBadGateway || strings.Contains(rec.Body.String(), "half a pa") || !strings.Contains(rec.Body.String(), "unexpected EOF") {
		t.Errorf("got %d %q, want 502 and no part of the body", rec.Code, rec.Body.String())
	}
}
