package wapgw

import (
	"bufio"
	"errors"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// FuzzGateway sends arbitrary requests (those net/http can parse) through
// ServeHTTP. Besides not panicking, the gateway must never be an open
// proxy: the content server is reached only for a URL Allows accepts, and
// every answer is one of the statuses the gateway gives or passes back.
func FuzzGateway(f *testing.F) {
	f.Add("GET", "http://content.example/news?id=1", "Accept: text/vnd.wap.wml\r\n", "")
	f.Add("GET", "http://evil.example/", "", "")
	f.Add("CONNECT", "content.example:443", "", "")
	f.Add("GET", "/relative", "", "")
	f.Add("POST", "http://content.example:8080/mms", "Content-Length: 4\r\n", "\x8c\x83\x98\x00")
	f.Add("HEAD", "http://sub.apps.example/x", "Connection: X-A\r\nX-A: 1\r\n", "")
	f.Add("GET", "https://content.example/", "", "")
	f.Add("GET", "http://[::1]:80/", "Via: 1.0 other\r\n", "")
	f.Add("GET", "http://CONTENT.EXAMPLE./#frag", "", "")
	f.Add("PUT", "http://content.example/", "Transfer-Encoding: chunked\r\n", "0\r\n\r\n")
	// The URLs pushed in the golden vectors, fetched as a handset would;
	// their hosts are allowed, so they are forwarded.
	allow := []string{"content.example", "content.example:8080", "*.apps.example"}
	for _, href := range vectorHrefs(f) {
		f.Add("GET", href, "Accept: */*\r\n", "")
		if u, err := url.Parse(href); err == nil {
			allow = append(allow, u.Host)
		}
	}

	f.Fuzz(func(t *testing.T, method, target, headers, body string) {
		raw := method + " " + target + " HTTP/1.1\r\nHost: content.example\r\n" + headers + "\r\n" + body
		req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
		if err != nil {
			return
		}
		req.RemoteAddr = "192.0.2.1:1234"
		var reached []string
		upstream := transportFunc(func(r *http.Request) (*http.Response, error) {
			reached = append(reached, r.URL.String())
			if r.Body != nil {
				io.Copy(io.Discard, r.Body)
			}
			return &http.Response{StatusCode: http.StatusOK, ProtoMajor: 1, ProtoMinor: 1,
				Header: http.Header{"Connection": {"X-B"}, "X-B": {"2"}}, ContentLength: 4,
				Body: io.NopCloser(strings.NewReader("page")), Request: r}, nil
		})
		g, err := New(Config{Allow: allow, AllowHTTPS: true, Transport: upstream, MaxRequestBody: 16})
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		g.ServeHTTP(rec, req)

		switch rec.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusForbidden, http.StatusMethodNotAllowed,
			http.StatusRequestEntityTooLarge, http.StatusBadGateway:
		default:
			t.Fatalf("status %d for %q", rec.Code, raw)
		}
		if len(reached) > 1 {
			t.Fatalf("one request reached the content server %d times", len(reached))
		}
		if len(reached) == 1 {
			if !g.Allows(reached[0]) {
				t.Fatalf("%q reached %s, which is not allowed", raw, reached[0])
			}
			if rec.Code == http.StatusOK && (rec.Body.String() != "page" && req.Method != http.MethodHead || rec.Header().Get("X-B") != "") {
				t.Fatalf("%q: response %q, headers %v", raw, rec.Body.String(), rec.Header())
			}
		} else if rec.Code == http.StatusOK {
			t.Fatalf("%q answered 200 without a fetch", raw)
		}
		if st := g.Stats(); st.Requests != 1 || st.Forwarded+st.Refused+st.Errors != 1 {
			t.Fatalf("stats %+v", st)
		}
	})
}

// vectorHrefs returns the href attributes of the SI and SL documents of
// the golden vectors.
func vectorHrefs(tb testing.TB) []string {
	tb.Helper()
	files, err := filepath.Glob("../testdata/vectors/*/*.xml")
	if err != nil || len(files) == 0 {
		tb.Fatalf("no golden vectors: %v", err)
	}
	hrefAttr := regexp.MustCompile(`href="([^"]*)"`)
	var hrefs []string
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			tb.Fatal(err)
		}
		for _, m := range hrefAttr.FindAllSubmatch(b, -1) {
			hrefs = append(hrefs, html.UnescapeString(string(m[1])))
		}
	}
	if len(hrefs) == 0 {
		tb.Fatal("no href in the golden vectors")
	}
	return hrefs
}

// FuzzAllowPattern checks that any pattern either is refused with a
// PatternError or, when it names one host and port, allows exactly that
// destination.
func FuzzAllowPattern(f *testing.F) {
	for _, p := range []string{"content.example.com", "*.example.com", "127.0.0.1:8080", "[2001:db8::1]:80",
		"host:*", "*", "*:*", "a.*.b", "::1", "HOST.example.", "[::1]", "x:0"} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, pattern string) {
		g, err := New(Config{Allow: []string{pattern}, Transport: transportFunc(nil)})
		if err != nil {
			var pe *PatternError
			if !errors.As(err, &pe) || pe.Pattern != pattern {
				t.Fatalf("%q: error %v is not its PatternError", pattern, err)
			}
			return
		}
		p := g.allow[0]
		if p.host == "" || p.host == "." {
			t.Fatalf("%q: allows every host", pattern)
		}
		if p.wildcard || p.port == "*" || p.port == "" {
			return
		}
		target := "http://" + net.JoinHostPort(p.host, p.port) + "/"
		if !g.Allows(target) {
			t.Fatalf("%q does not allow %s", pattern, target)
		}
		if g.Allows("http://other.invalid:" + p.port + "/") {
			t.Fatalf("%q allows another host", pattern)
		}
	})
}
