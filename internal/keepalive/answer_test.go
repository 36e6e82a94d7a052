package keepalive

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

var answerSeeds = []string{
	"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: 5\r\n\r\nhello",
	"HTTP/1.1 202 Accepted\r\ncontent-length:0\r\n\r\n",
	"HTTP/1.1 200 OK\r\nContent-Length:  3 \r\nConnection: keep-alive, Close\r\n\r\nbye",
	"HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok",
	"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found",
	"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
	"HTTP/1.1 204 No Content\r\nContent-Length: 4\r\n\r\n",
	"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx",
	"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
	"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok",
	"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n folded\r\n\r\nok",
	"HTTP/1.1 200 OK\r\nBad Name: x\r\nContent-Length: 2\r\n\r\nok",
	"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
	"HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\nhello",
	"HTTP/1.1 200 OK\nContent-Length: 2\n\nok",
	"HTTP/1.1 200 OK\r\n\r\nuntil the end",
	"HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n",
	"HTTP/1.1 200 O\x01K\r\nContent-Length: 0\r\n\r\n",
	"HTTP/1.1 200 OK\r\nX: a\x7fb\r\nContent-Length: 0\r\n\r\n",
	"",
}

// referenceAnswer reads an answer with net/http's parser alone, as the
// client did before it had a fast path.
func referenceAnswer(br *bufio.Reader, u *url.URL, limit int64) (int, []byte, bool, error) {
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodPost, URL: u})
	if err != nil {
		return 0, nil, false, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil || int64(len(body)) > limit {
		return 0, nil, false, io.ErrShortBuffer
	}
	return resp.StatusCode, body, !resp.Close, nil
}

// FuzzReadAnswer: for any octets a server may send, readAnswer gives what
// net/http's parser gives (status, body, whether the connection may be
// kept, or an error), whichever path it takes.
func FuzzReadAnswer(f *testing.F) {
	for _, s := range answerSeeds {
		f.Add([]byte(s))
	}
	u := &url.URL{Scheme: "http", Host: "pi.example", Path: "/notify"}
	f.Fuzz(func(t *testing.T, data []byte) {
		const limit = 64
		status, body, keep, err := readAnswer(bufio.NewReaderSize(bytes.NewReader(data), 256), u, limit)
		wStatus, wBody, wKeep, wErr := referenceAnswer(bufio.NewReaderSize(bytes.NewReader(data), 256), u, limit)
		if (err != nil) != (wErr != nil) {
			t.Fatalf("%q: error %v, net/http's %v", data, err, wErr)
		}
		if err == nil && (status != wStatus || !bytes.Equal(body, wBody) || keep != wKeep) {
			t.Fatalf("%q: %d %q keep %v; net/http's %d %q keep %v", data, status, body, keep, wStatus, wBody, wKeep)
		}
	})
}

// The answers a PI usually sends take the fast path; the others go to
// net/http's parser (FuzzReadAnswer checks both give the same).
func TestParseAnswerHead(t *testing.T) {
	for _, c := range []struct {
		head   string
		ok     bool
		status int
		length int64
		keep   bool
	}{
		{"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: 5\r\n\r\n", true, 200, 5, true},
		{"HTTP/1.1 202\r\ncontent-length:0\r\n\r\n", true, 202, 0, true},
		{"HTTP/1.1 500 Oops\r\nCONTENT-LENGTH: \t12 \r\nConnection: keep-alive, close\r\n\r\n", true, 500, 12, false},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", false, 0, 0, false},
		{"HTTP/1.1 200 OK\r\nServer: x\r\n\r\n", false, 0, 0, false}, // no length: until the end
		{"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", false, 0, 0, false},
		{"HTTP/1.1 204 No Content\r\n\r\n", false, 0, 0, false},
		{"HTTP/1.1 101 Switching\r\n\r\n", false, 0, 0, false},
		{"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n", false, 0, 0, false},
		{"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n continued\r\n\r\n", false, 0, 0, false},
	} {
		a, ok := parseAnswerHead([]byte(c.head))
		if ok != c.ok || ok && (a.status != c.status || a.length != c.length || a.keep != c.keep) {
			t.Errorf("%q: %+v, %v; want %d %d keep %v, %v", c.head, a, ok, c.status, c.length, c.keep, c.ok)
		}
	}
}

// A head longer than the buffer, or cut by the connection's end, is left
// to net/http, which reads it (or fails) from its start.
func TestReadAnswerLongHead(t *testing.T) {
	u := &url.URL{Scheme: "http", Host: "pi.example", Path: "/"}
	long := "HTTP/1.1 200 OK\r\nX-Padding: " + strings.Repeat("p", 300) + "\r\nContent-Length: 2\r\n\r\nok"
	status, body, keep, err := readAnswer(bufio.NewReaderSize(strings.NewReader(long), 64), u, 10)
	if err != nil || status != 200 || string(body) != "ok" || !keep {
		t.Errorf("long head: %d %q %v %v", status, body, keep, err)
	}
	if _, _, _, err := readAnswer(bufio.NewReaderSize(strings.NewReader("HTTP/1.1 200 OK\r\nContent-Le"), 64), u, 10); err == nil {
		t.Error("a head cut short: no error")
	}
	if _, _, _, err := readAnswer(bufio.NewReaderSize(strings.NewReader("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n"+strings.Repeat("x", 11)), 64), u, 10); err == nil ||
		!strings.Contains(err.Error(), "longer than 10") {
		t.Errorf("an answer over the limit: %v", err)
	}
}
