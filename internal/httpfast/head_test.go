package httpfast

import (
	"bufio"
	"bytes"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"testing"
)

var testPaths = []string{"/pap", "/wappush"}

const validHead = "POST /pap HTTP/1.1\r\nHost: ppg.example:8080\r\ncontent-type: multipart/related; boundary=x\r\n" +
	"Authorization: Basic cGk6cHc=\r\nX-Wap-Application-Id: x-wap-application:wml.ua\r\nConnection: keep-alive\r\n" +
	"Content-Length: 1200\r\n\r\n"

// Every proper prefix of a head is incomplete, the whole head complete, and
// what follows it is not part of it.
func TestParseHeadPrefixes(t *testing.T) {
	full := validHead + "<body>"
	for i := range len(validHead) {
		if _, _, st := parseHead([]byte(full[:i]), testPaths); st != headIncomplete {
			t.Fatalf("the first %d octets: status %d, want incomplete", i, st)
		}
	}
	h, n, st := parseHead([]byte(full), testPaths)
	if st != headComplete || n != len(validHead) {
		t.Fatalf("status %d, length %d; want complete, %d", st, n, len(validHead))
	}
	want := http.Header{
		"Content-Type":         {"multipart/related; boundary=x"},
		"Authorization":        {"Basic cGk6cHc="},
		"X-Wap-Application-Id": {"x-wap-application:wml.ua"},
		"Connection":           {"keep-alive"},
		"Content-Length":       {"1200"},
	}
	if h.path != "/pap" || h.host != "ppg.example:8080" || h.contentLength != 1200 || h.close || !maps.EqualFunc(h.header, want, func(a, b []string) bool {
		return len(a) == len(b) && (len(a) == 0 || a[0] == b[0])
	}) {
		t.Errorf("parsed %+v", h)
	}
}

// A departure from the form is declined at once, before the head's end.
func TestParseHeadDeclinesEarly(t *testing.T) {
	for _, b := range []string{
		"GET ",
		"POST /other HTTP/1.1\r\n",
		"POST /pap HTTP/1.0\r\n",
		"POST /pap HTTP/1.1\r\nTransfer-Encoding: chunked\r\n",
		"POST /pap HTTP/1.1\r\n folded\r\n",
		"POST /pap HTTP/1.1\nHost: h\n",
	} {
		if _, _, st := parseHead([]byte(b), testPaths); st != headDeclined {
			t.Errorf("%q: status %d, want declined", b, st)
		}
	}
}

// FuzzParseHead checks the fast path against net/http: a head it takes is
// one net/http's ReadRequest reads the same way (method, path, host,
// length, close, every field); and it never panics.
func FuzzParseHead(f *testing.F) {
	f.Add([]byte(validHead))
	f.Add([]byte("POST /wappush HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"))
	f.Add([]byte("POST /pap HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nX-A: \t a b \t\r\nX-A: second\r\n\r\n"))
	f.Add([]byte("POST /pap HTTP/1.1\r\nHost: h\r\nContent-Length: 01\r\nX-Obs: caf\xe9\r\n\r\n"))
	f.Add([]byte("POST /pap HTTP/1.1\r\nX-Empty:\r\nHost: h\r\nX-Spaces: \t  \r\nContent-Length: 0\r\n\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, n, st := parseHead(b, testPaths)
		// As the server gives it: a buffer with room after the octets read.
		roomy := append(make([]byte, 0, len(b)+64), b...)
		if h2, n2, st2 := parseHead(roomy, testPaths); st2 != st || n2 != n || !reflect.DeepEqual(h2, h) {
			t.Fatalf("%q parses as %+v %d %v, but with room after it as %+v %d %v", b, h, n, st, h2, n2, st2)
		}
		if st != headComplete {
			return
		}
		if n <= 0 || n > len(b) || !bytes.HasSuffix(b[:n], []byte("\r\n\r\n")) {
			t.Fatalf("length %d of %q", n, b)
		}
		r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(b[:n])))
		if err != nil {
			t.Fatalf("the fast path took %q, which net/http refuses: %v", b[:n], err)
		}
		if r.Method != http.MethodPost || r.URL.Path != h.path || r.URL.RawQuery != "" || r.Host != h.host ||
			r.ContentLength != h.contentLength || r.Close != h.close || r.ProtoMinor != 1 {
			t.Fatalf("%q:\nfast path %+v\nnet/http  %s %s host %q length %d close %v", b[:n], h, r.Method, r.URL, r.Host, r.ContentLength, r.Close)
		}
		if !maps.EqualFunc(r.Header, h.header, slices.Equal) {
			t.Fatalf("%q: fields\nfast path %q\nnet/http  %q", b[:n], h.header, r.Header)
		}
	})
}

func TestHeadEnds(t *testing.T) {
	for _, c := range []struct {
		b    string
		from int
		want bool
	}{
		{"POST / HTTP/1.1\r\nHost: h\r\n", 0, false},
		{"POST / HTTP/1.1\r\nHost: h\r\n\r\n", 0, true},
		{"POST / HTTP/1.1\r\nHost: h\r\n\r\n", 24, true}, // the last read ended after "Host: h\r\n"
		{"POST / HTTP/1.1\nHost: h\n\n", 0, true},
		{"POST / HTTP/1.1\r\nHost: h\r\n\r", 0, false},
		{"\n\r\n", 0, true},
		{"", 0, false},
	} {
		if got := headEnds([]byte(c.b), c.from); got != c.want {
			t.Errorf("headEnds(%q, %d) = %v, want %v", c.b, c.from, got, c.want)
		}
	}
}

// BenchmarkParseHead parses the head of a typical PAP post.
func BenchmarkParseHead(b *testing.B) {
	head := []byte(validHead)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, st := parseHead(head, testPaths); st != headComplete {
			b.Fatal(st)
		}
	}
}
