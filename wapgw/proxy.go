package wapgw

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// allowedMethods is the Allow header of a 405.
const allowedMethods = "GET, HEAD, POST"

// hopByHop are the headers that describe one connection, not the message
// (RFC 9110 §7.6.1), so a proxy must not forward them; the headers the
// Connection header names are removed as well. Proxy-Connection is not
// standard but clients still send it.
var hopByHop = []string{
	"Connection",
	"Keep-Alive",
	"Proxy-Connection",
	"Proxy-Authenticate",
	"Proxy-Authorization",
	"Te",
	"Trailer",
	"Transfer-Encoding",
	"Upgrade",
}

// failure is the gateway's own answer to a request it does not forward,
// or whose fetch failed.
type failure struct {
	status int
	msg    string
}

func fail(status int, format string, args ...any) *failure {
	return &failure{status: status, msg: fmt.Sprintf(format, args...)}
}

// ServeHTTP answers one proxy request: it checks it, fetches the URL from
// the content server and passes the response back, or answers with an
// error of its own.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	g.requests.Add(1)
	status, size, f := g.serve(w, r)
	switch {
	case f == nil:
		g.forwarded.Add(1)
		g.bytes.Add(uint64(size))
	case f.status < 500:
		g.refused.Add(1)
	default:
		g.errs.Add(1)
	}
	if f != nil {
		status, size = f.status, writeFailure(w, f)
	}
	if g.log == nil {
		return
	}
	attrs := []slog.Attr{
		slog.String("client", r.RemoteAddr),
		slog.String("method", r.Method),
		slog.String("url", requestTarget(r)),
		slog.Int("status", status),
		slog.Int64("size", size),
		slog.Duration("duration", time.Since(start)),
	}
	if f != nil {
		attrs = append(attrs, slog.String("error", f.msg))
	}
	g.log.LogAttrs(context.Background(), slog.LevelInfo, "request", attrs...)
}

// requestTarget is the URL of r for the access log, without a password.
func requestTarget(r *http.Request) string {
	if r.URL == nil {
		return r.RequestURI
	}
	if r.URL.User != nil {
		return r.URL.Redacted()
	}
	if r.Method == http.MethodConnect {
		return r.RequestURI
	}
	return r.URL.String()
}

// writeFailure sends f as a short text and returns the body's length.
func writeFailure(w http.ResponseWriter, f *failure) int64 {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	if f.status == http.StatusMethodNotAllowed {
		h.Set("Allow", allowedMethods)
	}
	body := "wapgw: " + f.msg + "\n"
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(f.status)
	n, _ := io.WriteString(w, body)
	return int64(n)
}

// serve forwards r and writes the response, returning its status and body
// size, or returns the failure to answer with instead, having written
// nothing.
func (g *Gateway) serve(w http.ResponseWriter, r *http.Request) (status int, size int64, f *failure) {
	if r.Method == http.MethodConnect {
		return 0, 0, fail(http.StatusMethodNotAllowed, "CONNECT tunnels are not offered; the gateway fetches the http URLs of absolute-URI requests (GET http://host/path)")
	}
	if r.URL == nil || !r.URL.IsAbs() {
		return 0, 0, fail(http.StatusBadRequest, "not a proxy request: the request target must be an absolute URI, as in GET http://host/path HTTP/1.1")
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodPost:
	default:
		return 0, 0, fail(http.StatusMethodNotAllowed, "method %s is not forwarded; only %s are", r.Method, allowedMethods)
	}
	dest, f := g.destination(r.URL)
	if f != nil {
		return 0, 0, f
	}

	var body io.Reader
	if r.Method == http.MethodPost {
		b, f := g.readRequestBody(r)
		if f != nil {
			return 0, 0, f
		}
		body = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(r.Context(), g.timeout)
	defer cancel()
	out, err := g.outgoing(ctx, r, body)
	if err != nil {
		return 0, 0, fail(http.StatusBadRequest, "cannot forward %s: %v", dest, err)
	}
	resp, err := g.transport.RoundTrip(out)
	if err != nil {
		return 0, 0, g.fetchFailure(ctx, r, dest, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusSwitchingProtocols {
		return 0, 0, fail(http.StatusBadGateway, "the content server at %s switched protocols, which the gateway does not relay", dest)
	}

	var content []byte
	if r.Method != http.MethodHead {
		if resp.ContentLength > g.maxBody {
			return 0, 0, fail(http.StatusBadGateway, "the content server at %s sent a body of %d octets; the gateway passes at most %d", dest, resp.ContentLength, g.maxBody)
		}
		content, err = readBody(resp.Body, resp.ContentLength, g.maxBody)
		if err != nil {
			return 0, 0, g.fetchFailure(ctx, r, dest, err)
		}
		if int64(len(content)) > g.maxBody {
			return 0, 0, fail(http.StatusBadGateway, "the content server at %s sent a body longer than the gateway's limit of %d octets", dest, g.maxBody)
		}
	}

	h := w.Header()
	for k, v := range resp.Header {
		h[k] = v
	}
	removeHopByHop(h)
	h.Add("Via", viaValue(resp.ProtoMajor, resp.ProtoMinor, g.via))
	if r.Method != http.MethodHead && bodyAllowed(resp.StatusCode) {
		// The whole body is here: say how long it is, whatever framing
		// the content server used.
		h.Set("Content-Length", strconv.Itoa(len(content)))
	}
	w.WriteHeader(resp.StatusCode)
	n, _ := w.Write(content)
	return resp.StatusCode, int64(n), nil
}

// destination checks the URL's scheme and host against what the gateway
// serves and its allow list.
func (g *Gateway) destination(u *url.URL) (destination, *failure) {
	var defaultPort string
	switch scheme := strings.ToLower(u.Scheme); scheme {
	case "http":
		defaultPort = "80"
	case "https":
		if !g.allowHTTPS {
			return destination{}, fail(http.StatusForbidden, "https URLs are not fetched by this gateway")
		}
		defaultPort = "443"
	default:
		return destination{}, fail(http.StatusBadRequest, "scheme %q is not served; the gateway fetches http URLs", scheme)
	}
	if u.Host == "" {
		return destination{}, fail(http.StatusBadRequest, "the URL names no host")
	}
	dest, err := parseDestination(u.Hostname(), u.Port(), defaultPort)
	if err != nil {
		return destination{}, fail(http.StatusBadRequest, "the URL's host %q: %v", u.Host, err)
	}
	if !g.allowed(dest) {
		return destination{}, fail(http.StatusForbidden, "destination %s is not on the gateway's allow list; it only fetches from the content servers it was given", dest)
	}
	return dest, nil
}

// readRequestBody reads the body of a POST, refusing one over the limit.
func (g *Gateway) readRequestBody(r *http.Request) ([]byte, *failure) {
	if r.ContentLength > g.maxRequestBody {
		return nil, fail(http.StatusRequestEntityTooLarge, "a request body of %d octets; the gateway forwards at most %d", r.ContentLength, g.maxRequestBody)
	}
	if r.Body == nil {
		return nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, g.maxRequestBody+1))
	if err != nil {
		return nil, fail(http.StatusBadRequest, "reading the request body: %v", err)
	}
	if int64(len(b)) > g.maxRequestBody {
		return nil, fail(http.StatusRequestEntityTooLarge, "a request body longer than %d octets, the most the gateway forwards", g.maxRequestBody)
	}
	return b, nil
}

// outgoing is the request to the content server: r's method, URL (less
// any fragment) and end-to-end headers, with Via and X-Forwarded-For.
func (g *Gateway) outgoing(ctx context.Context, r *http.Request, body io.Reader) (*http.Request, error) {
	target := *r.URL
	target.Scheme = strings.ToLower(target.Scheme)
	target.Fragment, target.RawFragment = "", ""
	out, err := http.NewRequestWithContext(ctx, r.Method, target.String(), body)
	if err != nil {
		return nil, err
	}
	h := r.Header.Clone()
	if h == nil {
		h = make(http.Header)
	}
	removeHopByHop(h)
	// The body is already read, so there is nothing for the content
	// server to let continue; asking would only delay the request.
	h.Del("Expect")
	h.Add("Via", viaValue(r.ProtoMajor, r.ProtoMinor, g.via))
	if client, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		if prior := h.Values("X-Forwarded-For"); len(prior) > 0 {
			client = strings.Join(prior, ", ") + ", " + client
		}
		h.Set("X-Forwarded-For", client)
	}
	if _, ok := h["User-Agent"]; !ok {
		// Otherwise the transport would name itself as the client.
		h["User-Agent"] = []string{""}
	}
	out.Header = h
	return out, nil
}

// fetchFailure classifies an error of the exchange with the content
// server: 504 when it took too long, 502 otherwise.
func (g *Gateway) fetchFailure(ctx context.Context, r *http.Request, dest destination, err error) *failure {
	if r.Context().Err() != nil {
		return fail(http.StatusBadGateway, "the client went away before %s answered", dest)
	}
	var ne net.Error
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
		return fail(http.StatusGatewayTimeout, "the content server at %s did not answer within %v", dest, g.timeout)
	}
	return fail(http.StatusBadGateway, "the content server at %s failed: %v", dest, err)
}

// readBody reads r to its end, or to one octet past limit, into a buffer
// sized for the announced length (-1 when unknown) so that a body of
// known length is read without growing it.
func readBody(r io.Reader, length, limit int64) ([]byte, error) {
	size := int64(512)
	if length >= 0 && length <= limit {
		size = length + 1 // room for the read that finds the end
	}
	buf := make([]byte, 0, size)
	r = io.LimitReader(r, limit+1)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// removeHopByHop deletes the hop-by-hop headers from h, those the
// Connection header names first.
func removeHopByHop(h http.Header) {
	for _, v := range h["Connection"] {
		for name := range strings.SplitSeq(v, ",") {
			if name = textproto.TrimString(name); name != "" {
				h.Del(name)
			}
		}
	}
	for _, name := range hopByHop {
		delete(h, name)
	}
}

// viaValue is the Via entry of a hop received with HTTP/major.minor
// (RFC 9110 §7.6.3: the protocol name is left out for HTTP).
func viaValue(major, minor int, pseudonym string) string {
	if major >= 2 {
		return strconv.Itoa(major) + " " + pseudonym
	}
	return strconv.Itoa(major) + "." + strconv.Itoa(minor) + " " + pseudonym
}

// bodyAllowed reports whether a response with this status has a body.
func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}
