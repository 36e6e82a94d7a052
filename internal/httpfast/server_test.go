package httpfast

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// testServer runs a Server on a loopback port: POSTs to /pap on the fast
// path answer "fast ...", everything net/http serves answers "fallback
// ...", so that each test can tell which side answered.
type testServer struct {
	srv    *Server
	addr   string
	served chan error
	logs   *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func echo(side string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, side+" "+err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprintf(w, "%s %s %s host=%s type=%s auth=%s body=%q close=%v",
			side, r.Method, r.URL.Path, r.Host, r.Header.Get("Content-Type"), r.Header.Get("Authorization"), body, r.Close)
	}
}

func startServer(t *testing.T, fast http.Handler, configure func(*http.Server)) *testServer {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/pap", echo("fallback"))
	mux.Handle("/status", echo("fallback"))
	logs := &syncBuffer{}
	fb := &http.Server{Handler: mux, ErrorLog: log.New(logs, "", 0)}
	if configure != nil {
		configure(fb)
	}
	if fast == nil {
		fast = echo("fast")
	}
	ts := &testServer{srv: &Server{Fast: map[string]http.Handler{"/pap": fast}, Fallback: fb}, served: make(chan error, 1), logs: logs}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts.addr = l.Addr().String()
	go func() { ts.served <- ts.srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		ts.srv.Shutdown(ctx)
		if err := <-ts.served; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve: %v, want ErrServerClosed", err)
		}
	})
	return ts
}

func (ts *testServer) dial(t *testing.T) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, bufio.NewReader(c)
}

func post(body string, extra ...string) string {
	return "POST /pap HTTP/1.1\r\nHost: ppg.example\r\nContent-Type: application/xml\r\n" +
		strings.Join(extra, "") + fmt.Sprintf("Content-Length: %d\r\n\r\n", len(body)) + body
}

// exchange writes req and reads one answer.
func exchange(t *testing.T, c net.Conn, br *bufio.Reader, req string) (*http.Response, string) {
	t.Helper()
	if req != "" {
		if _, err := io.WriteString(c, req); err != nil {
			t.Fatal(err)
		}
	}
	return readAnswer(t, br)
}

func readAnswer(t *testing.T, br *bufio.Reader) (*http.Response, string) {
	t.Helper()
	resp, err := http.ReadResponse(br, nil)
	for err == nil && resp.StatusCode < 200 { // 100 Continue, from net/http
		resp, err = http.ReadResponse(br, nil)
	}
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the answer's body: %v", err)
	}
	return resp, string(body)
}

func TestFastPathKeepAlive(t *testing.T) {
	ts := startServer(t, nil, nil)
	c, br := ts.dial(t)
	for i := range 3 {
		body := fmt.Sprintf("<pap>%d</pap>", i)
		resp, got := exchange(t, c, br, post(body, "authorization: Basic cGk6cHc=\r\n"))
		want := fmt.Sprintf(`fast POST /pap host=ppg.example type=application/xml auth=Basic cGk6cHc= body=%q close=false`, body)
		if resp.StatusCode != http.StatusAccepted || got != want {
			t.Fatalf("answer %d: %d %q, want 202 %q", i, resp.StatusCode, got, want)
		}
		if resp.ContentLength != int64(len(want)) || resp.Header.Get("Date") == "" || resp.Header.Get("Content-Type") != "text/plain" || resp.Close {
			t.Errorf("answer %d: Content-Length %d, header %v, close %v", i, resp.ContentLength, resp.Header, resp.Close)
		}
	}
	if st := ts.srv.Stats(); st != (Stats{Served: 3}) {
		t.Errorf("stats %+v, want 3 served and none handed over", st)
	}
}

// An answer has the fields its handler set and no other: the connection's
// earlier answers leave none behind.
func TestAnswerFieldsAreEachAnswers(t *testing.T) {
	n := 0
	ts := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n++ // one connection: the requests come one after another
		w.Header().Set(fmt.Sprintf("X-Answer-%d", n), "yes")
		w.WriteHeader(http.StatusAccepted)
	}), nil)
	c, br := ts.dial(t)
	for i := 1; i <= 3; i++ {
		resp, _ := exchange(t, c, br, post("x"))
		for j := 1; j <= 3; j++ {
			if got, want := resp.Header.Get(fmt.Sprintf("X-Answer-%d", j)), map[bool]string{true: "yes"}[i == j]; got != want {
				t.Errorf("answer %d: X-Answer-%d %q, want %q", i, j, got, want)
			}
		}
	}
}

func TestFastPathPipelined(t *testing.T) {
	ts := startServer(t, nil, nil)
	c, br := ts.dial(t)
	if _, err := io.WriteString(c, post("one")+post("two")+post("three")); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"one", "two", "three"} {
		if _, got := readAnswer(t, br); !strings.Contains(got, `body="`+want+`"`) {
			t.Fatalf("answer %q, want the body %q", got, want)
		}
	}
}

// Every request outside the fast path's form reaches net/http as sent, which
// serves it or refuses it as it would without the fast path in front.
func TestDeclinedRequestsGoToNetHTTP(t *testing.T) {
	big := strings.Repeat("x", headBuffer)
	for _, c := range []struct {
		name, req  string
		status     int
		answerFrom string // "fallback", or "" for net/http's own refusal
	}{
		{"GET", "GET /status HTTP/1.1\r\nHost: h\r\n\r\n", 202, "fallback GET /status"},
		{"HTTP/1.0", "POST /pap HTTP/1.0\r\nHost: h\r\nContent-Length: 2\r\n\r\nhi", 202, `fallback POST /pap host=h type= auth= body="hi"`},
		{"chunked", "POST /pap HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n", 202, `body="hi"`},
		{"Expect", "POST /pap HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi", 202, `fallback POST /pap`},
		{"no Content-Length", "POST /pap HTTP/1.1\r\nHost: h\r\n\r\n", 202, `fallback POST /pap host=h type= auth= body=""`},
		{"another path", "POST /status HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n", 202, "fallback POST /status"},
		{"a query", "POST /pap?x=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n", 202, "fallback POST /pap"},
		{"lower-case method", "post /pap HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n", 202, "fallback post /pap"},
		{"bare LF", "POST /pap HTTP/1.1\nHost: h\nContent-Length: 2\n\nhi", 202, `fallback POST /pap host=h type= auth= body="hi"`},
		{"no Host", "POST /pap HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 400, ""},
		{"a malformed Host", "POST /pap HTTP/1.1\r\nHost: a b\r\nContent-Length: 0\r\n\r\n", 400, ""},
		{"two Hosts", "POST /pap HTTP/1.1\r\nHost: a\r\nHost: b\r\nContent-Length: 0\r\n\r\n", 400, ""},
		{"two lengths", "POST /pap HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400, ""},
		{"a signed length", "POST /pap HTTP/1.1\r\nHost: h\r\nContent-Length: +2\r\n\r\nhi", 400, ""},
		{"a folded line", "POST /pap HTTP/1.1\r\nHost: h\r\nX-A: a\r\n b\r\nContent-Length: 0\r\n\r\n", 202, "fallback POST /pap"},
		{"a space before the colon", "POST /pap HTTP/1.1\r\nHost : h\r\nContent-Length: 0\r\n\r\n", 400, ""},
		{"a control character", "POST /pap HTTP/1.1\r\nHost: h\r\nX-A: a\x01b\r\nContent-Length: 0\r\n\r\n", 400, ""},
		{"Connection: upgrade", "POST /pap HTTP/1.1\r\nHost: h\r\nConnection: upgrade\r\nContent-Length: 0\r\n\r\n", 202, "fallback POST /pap"},
		{"a head larger than the buffer", "POST /pap HTTP/1.1\r\nHost: h\r\nX-Big: " + big + "\r\nContent-Length: 0\r\n\r\n", 202, "fallback POST /pap"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ts := startServer(t, nil, nil)
			conn, br := ts.dial(t)
			resp, got := exchange(t, conn, br, c.req)
			if resp.StatusCode != c.status || (c.answerFrom != "" && !strings.Contains(got, c.answerFrom)) ||
				(c.answerFrom == "" && strings.Contains(got, "fast")) {
				t.Errorf("%d %q, want %d from %q", resp.StatusCode, got, c.status, c.answerFrom)
			}
			if st := ts.srv.Stats(); st != (Stats{HandedOver: 1}) {
				t.Errorf("stats %+v, want none served and one connection handed over", st)
			}
		})
	}
}

// A connection that sends net/http's kind of request after fast ones goes on
// with net/http, keep-alive and all.
func TestHandOverInMidConnection(t *testing.T) {
	ts := startServer(t, nil, nil)
	c, br := ts.dial(t)
	for _, step := range []struct{ req, from string }{
		{post("a"), "fast"},
		{post("b"), "fast"},
		{"GET /status HTTP/1.1\r\nHost: h\r\n\r\n", "fallback GET"},
		{post("c"), "fallback POST"},
	} {
		if _, got := exchange(t, c, br, step.req); !strings.HasPrefix(got, step.from) {
			t.Fatalf("answer %q, want it from %q", got, step.from)
		}
	}
}

func TestConnectionClose(t *testing.T) {
	ts := startServer(t, nil, nil)
	c, br := ts.dial(t)
	resp, got := exchange(t, c, br, post("x", "Connection: close\r\n"))
	if !resp.Close || !strings.Contains(got, "close=true") {
		t.Errorf("answer %q, Close %v; want the request and the answer to say close", got, resp.Close)
	}
	if n, err := br.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Errorf("after the answer: %d octets, %v; want the connection closed", n, err)
	}
}

// A body its handler leaves unread is read away, up to a limit past which
// the connection closes after the answer.
func TestUnreadBody(t *testing.T) {
	ignore := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ignored")) })
	ts := startServer(t, ignore, nil)
	c, br := ts.dial(t)
	for range 2 {
		if resp, got := exchange(t, c, br, post(strings.Repeat("b", 1000))); got != "ignored" || resp.Close {
			t.Fatalf("answer %q, Close %v", got, resp.Close)
		}
	}
	if _, err := io.WriteString(c, post(strings.Repeat("b", maxDrain+1))); err != nil {
		t.Fatal(err)
	}
	if resp, _ := readAnswer(t, br); !resp.Close || resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Errorf("answer to a large unread body: Close %v, header %v; want Connection: close and a sniffed type", resp.Close, resp.Header)
	}
}

// The header timeout and the idle timeout of the Fallback server hold on the
// fast path: a connection that sends half a head, or nothing after an
// answer, is closed.
func TestTimeouts(t *testing.T) {
	ts := startServer(t, nil, func(s *http.Server) {
		s.ReadHeaderTimeout = 100 * time.Millisecond
		s.IdleTimeout = 100 * time.Millisecond
	})
	c, br := ts.dial(t)
	start := time.Now()
	io.WriteString(c, "POST /pap HTTP/1.1\r\nHost: h\r\n")
	if n, err := br.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Errorf("half a head: %d octets, %v; want the connection closed", n, err)
	}
	c2, br2 := ts.dial(t)
	exchange(t, c2, br2, post("x"))
	if n, err := br2.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Errorf("idle: %d octets, %v; want the connection closed", n, err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("the timeouts took %v", took)
	}
}

// The Fallback server's ReadTimeout bounds a request's head and body
// together on the fast path, as on net/http's: a body that stops coming
// fails its handler's read once it passes, the handler answers, and the
// connection closes. The same request sent chunked (net/http's) goes the
// same way.
func TestReadTimeoutStalledBody(t *testing.T) {
	ts := startServer(t, nil, func(s *http.Server) { s.ReadTimeout = 200 * time.Millisecond })
	for _, tc := range []struct {
		name, req, side string // side: whose handler answers, in the error text
	}{
		{"fast", "POST /pap HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc", "fast"},
		{"net/http", "POST /pap HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\na\r\nabc", "fallback"},
	} {
		c, br := ts.dial(t)
		c.SetReadDeadline(time.Now().Add(5 * time.Second)) // fail, not hang, without the timeout
		start := time.Now()
		resp, got := exchange(t, c, br, tc.req)
		took := time.Since(start)
		if resp.StatusCode != http.StatusBadRequest || !strings.HasPrefix(got, tc.side+" ") || !strings.Contains(got, "timeout") || !resp.Close {
			t.Errorf("%s: %d %q, Close %v; want the handler's 400 naming the timeout, and Connection: close", tc.name, resp.StatusCode, got, resp.Close)
		}
		if took < 200*time.Millisecond || took > 5*time.Second {
			t.Errorf("%s: answered after %v; want after the 200 ms read timeout", tc.name, took)
		}
		if n, err := br.Read(make([]byte, 1)); n != 0 || err != io.EOF {
			t.Errorf("%s: after the answer %d octets, %v; want the connection closed", tc.name, n, err)
		}
	}
	// A request that comes whole in time is served as ever, on a
	// connection that stays open.
	c, br := ts.dial(t)
	for range 2 {
		if resp, got := exchange(t, c, br, post("in time")); resp.StatusCode != http.StatusAccepted || resp.Close || !strings.HasPrefix(got, "fast") {
			t.Fatalf("%d %q, Close %v", resp.StatusCode, got, resp.Close)
		}
	}
}

// A handler that sets Connection: close has the connection closed after
// its answer, as net/http does.
func TestHandlerClosesConnection(t *testing.T) {
	closing := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		w.Write([]byte("bye"))
	})
	ts := startServer(t, closing, nil)
	c, br := ts.dial(t)
	if resp, got := exchange(t, c, br, post("x")); got != "bye" || !resp.Close {
		t.Errorf("answer %q, Close %v; want Connection: close", got, resp.Close)
	}
	if n, err := br.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Errorf("after the answer: %d octets, %v; want the connection closed", n, err)
	}
}

// Shutdown waits for the request being served, answers it with Connection:
// close, and closes the idle connections.
func TestShutdown(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		w.Write([]byte("late"))
	})
	ts := startServer(t, slow, nil)
	idle, idleBr := ts.dial(t)
	io.WriteString(idle, "GET /status HTTP/1.1\r\nHost: h\r\n\r\n")
	readAnswer(t, idleBr) // idle now, on net/http's side
	idleFast, idleFastBr := ts.dial(t)
	busy, busyBr := ts.dial(t)
	io.WriteString(busy, post("x"))
	<-entered
	done := make(chan error, 1)
	go func() { done <- ts.srv.Shutdown(context.Background()) }()
	for _, c := range []*bufio.Reader{idleBr, idleFastBr} {
		if n, err := c.Read(make([]byte, 1)); n != 0 || err == nil {
			t.Errorf("an idle connection: %d octets, %v; want it closed", n, err)
		}
	}
	select {
	case err := <-done:
		t.Fatalf("Shutdown returned %v while a request was being served", err)
	default:
	}
	close(release)
	if resp, got := readAnswer(t, busyBr); got != "late" || !resp.Close {
		t.Errorf("the answer during shutdown: %q, Close %v", got, resp.Close)
	}
	if err := <-done; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	_, _ = idle, idleFast
	if _, err := net.Dial("tcp", ts.addr); err == nil {
		t.Error("the listener still accepts after Shutdown")
	}
}

func TestHandlerPanic(t *testing.T) {
	ts := startServer(t, http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("the handler's bug") }), nil)
	_, br := ts.dial(t)
	c, _ := net.Dial("tcp", ts.addr)
	defer c.Close()
	io.WriteString(c, post("x"))
	if n, err := bufio.NewReader(c).Read(make([]byte, 1)); n != 0 || err == nil {
		t.Errorf("after the panic: %d octets, %v; want the connection closed", n, err)
	}
	if !strings.Contains(ts.logs.String(), "the handler's bug") {
		t.Errorf("the error log says %q, want the panic", ts.logs.String())
	}
	// The server goes on serving.
	c2, br2 := ts.dial(t)
	io.WriteString(c2, "GET /status HTTP/1.1\r\nHost: h\r\n\r\n")
	if _, got := readAnswer(t, br2); !strings.HasPrefix(got, "fallback GET") {
		t.Errorf("after the panic: %q", got)
	}
	_ = br
}

// A handler can size its buffer from the body's Len.
func TestBodyLen(t *testing.T) {
	lens := make(chan []int, 1)
	ts := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l := r.Body.(interface{ Len() int })
		before := l.Len()
		io.ReadFull(r.Body, make([]byte, 3))
		lens <- []int{before, l.Len()}
	}), nil)
	c, br := ts.dial(t)
	exchange(t, c, br, post("12345"))
	if got := <-lens; !slices.Equal(got, []int{5, 2}) {
		t.Errorf("Len before and after reading 3 octets: %v, want [5 2]", got)
	}
}

// Close ends every connection at once, a request being served included.
func TestClose(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	block := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
	})
	ts := startServer(t, block, nil)
	busy, busyBr := ts.dial(t)
	io.WriteString(busy, post("x"))
	<-entered
	_, idleBr := ts.dial(t)
	if err := ts.srv.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	for _, br := range []*bufio.Reader{busyBr, idleBr} {
		if n, err := br.Read(make([]byte, 1)); n != 0 || err == nil {
			t.Errorf("after Close: %d octets, %v; want the connection closed", n, err)
		}
	}
	close(release)
}

// A head sent an octet at a time is served all the same.
func TestTrickledHead(t *testing.T) {
	ts := startServer(t, nil, nil)
	c, br := ts.dial(t)
	for _, b := range []byte(post("slow")) {
		if _, err := c.Write([]byte{b}); err != nil {
			t.Fatal(err)
		}
	}
	if _, got := readAnswer(t, br); !strings.HasPrefix(got, "fast") || !strings.Contains(got, `body="slow"`) {
		t.Errorf("answer %q", got)
	}
}
