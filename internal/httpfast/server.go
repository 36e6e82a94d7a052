// Package httpfast serves the plain common case of HTTP/1.1 — a POST with a
// Content-Length body to one of a few paths, on a keep-alive connection —
// without net/http's machinery around each request, and hands a connection
// that sends anything else to a net/http Server, with the octets it has
// read, for the rest of its life.
//
// The PPG takes its PAP posts this way: net/http spends about 7–9 µs of CPU
// per request on this project's machines beyond reading and writing the
// socket (a context, a goroutine that reads ahead, a buffered writer and a
// flush per answer), a tenth of what a whole push costs the PPG. The fast
// path reads a request head only when every line of it is in the strict
// form it knows; a method, version, header or framing it does not take —
// GET, HTTP/1.0, Transfer-Encoding, Expect, a folded or malformed line, a
// head larger than its buffer — goes to net/http untouched, which then
// answers it or refuses it as it always would. So the fast path never
// answers a request net/http would refuse, and what it does not know is
// net/http's.
package httpfast

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/txpush/txpush/internal/accept"
	"github.com/txpush/txpush/internal/ascii"
)

// headBuffer is the read buffer of a connection, and so the largest request
// head the fast path takes; a larger one goes to net/http, whose limit is
// the Fallback server's MaxHeaderBytes.
const headBuffer = 8 << 10

// maxDrain is how much of a body its handler left unread is read and thrown
// away so that the connection can take its next request (net/http's figure);
// with more left, the connection is closed after the answer.
const maxDrain = 256 << 10

// Server serves HTTP/1.1 on a listener: the POSTs to Fast's paths itself,
// every other request through Fallback. Set its fields before Serve.
type Server struct {
	// Fast maps a path (exact, without a query) to the handler of POSTs to
	// it. A handler gets a Request whose Context is the server's, not
	// cancelled when the client goes; its ResponseWriter buffers the answer
	// and sends it whole, with a Content-Length, once the handler returns.
	// The Request, its URL and its Body are the connection's and serve its
	// next request too: a handler must not keep them once it has returned
	// (its Header, a map of its own, it may).
	Fast map[string]http.Handler
	// Fallback serves the connections the fast path hands over. Its
	// Handler must serve Fast's paths too (a request to them in a form the
	// fast path does not take goes there); its ReadHeaderTimeout,
	// ReadTimeout and IdleTimeout apply to the fast path's connections as
	// well, as net/http applies them (ReadTimeout bounds a request's head
	// and body together, from its first octet; a body read past it fails),
	// and its ErrorLog, if set, is where a handler's panic is reported.
	Fallback *http.Server

	paths    []string // Fast's keys
	handoff  *connListener
	mu       sync.Mutex
	conns    map[*conn]bool // true while a request is being served
	closing  bool
	listener net.Listener
	served   atomic.Uint64
	date     atomic.Pointer[dateValue] // the Date field's value, formatted at most once a second
}

// Stats counts a Server's work since it started.
type Stats struct {
	Served     uint64 // requests answered on the fast path
	HandedOver uint64 // connections handed to Fallback
}

// Stats returns the server's counts so far.
func (s *Server) Stats() Stats {
	st := Stats{Served: s.served.Load()}
	s.mu.Lock()
	if s.handoff != nil {
		// Counted as net/http accepts them, before it reads a request.
		st.HandedOver = s.handoff.accepted.Load()
	}
	s.mu.Unlock()
	return st
}

// ErrServerClosed is what Serve returns after Shutdown.
var ErrServerClosed = http.ErrServerClosed

// Serve accepts connections on l until Shutdown, serving each in a
// goroutine of its own, and runs Fallback on the connections it hands
// over. It returns ErrServerClosed after Shutdown, or the listener's
// error.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return ErrServerClosed
	}
	s.listener = l
	s.conns = make(map[*conn]bool)
	s.paths = s.paths[:0]
	for p := range s.Fast {
		s.paths = append(s.paths, p)
	}
	s.handoff = newConnListener(l.Addr())
	s.mu.Unlock()
	fallbackDone := make(chan error, 1)
	go func() { fallbackDone <- s.Fallback.Serve(s.handoff) }()
	for {
		c, err := accept.Retrying(l)
		if err != nil {
			if s.isClosing() {
				return ErrServerClosed
			}
			s.handoff.Close()
			<-fallbackDone
			return err
		}
		fc := &conn{srv: s, c: c}
		if !s.track(fc, false) {
			c.Close()
			return ErrServerClosed
		}
		go fc.serve()
	}
}

func (s *Server) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

// track records c's state; false if the server is shutting down and c
// should close instead.
func (s *Server) track(c *conn, active bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.conns[c] = active
	return true
}

func (s *Server) forget(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// Shutdown stops the server as net/http's Shutdown does: it closes the
// listener and the idle connections, then waits until every request being
// served has been answered (or ctx ends), and shuts Fallback down.
func (s *Server) Shutdown(ctx context.Context) error {
	var errs []error
	if err := s.stop(false); err != nil {
		errs = append(errs, err)
	}
	fallback := make(chan error, 1)
	go func() { fallback <- s.Fallback.Shutdown(ctx) }()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	// stop closed the idle connections, and a closing server lets none
	// become idle again: what is left ends with the request it serves.
	for {
		s.mu.Lock()
		left := len(s.conns)
		s.mu.Unlock()
		if left == 0 {
			break
		}
		select {
		case <-ctx.Done():
			errs = append(errs, ctx.Err())
			return errors.Join(append(errs, <-fallback)...)
		case <-tick.C:
		}
	}
	if err := <-fallback; err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Close closes the listener and every connection at once, requests being
// served or not, and closes Fallback, as net/http's Close does.
func (s *Server) Close() error {
	return errors.Join(s.stop(true), s.Fallback.Close())
}

// stop marks the server closing, closes its listener, and closes its idle
// connections, or all of them if busyToo.
func (s *Server) stop(busyToo bool) error {
	s.mu.Lock()
	s.closing = true
	l := s.listener
	var conns []*conn
	for c, active := range s.conns {
		if busyToo || !active {
			conns = append(conns, c)
		}
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.c.Close()
	}
	if l == nil {
		return nil
	}
	if err := l.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		return err
	}
	return nil
}

// conn is one connection on the fast path.
type conn struct {
	srv    *Server
	c      net.Conn
	br     *bufio.Reader
	remote string
	resp   response
	out    []byte
	// The request being served, filled again for each: three allocations
	// a request fewer.
	req  http.Request
	url  url.URL
	body body
}

func (c *conn) logf(format string, args ...any) {
	if l := c.srv.Fallback.ErrorLog; l != nil {
		l.Printf(format, args...)
		return
	}
	log.Printf(format, args...)
}

// serve reads requests until the connection ends, is handed over, or is
// closed.
func (c *conn) serve() {
	handedOver := false
	defer func() {
		if v := recover(); v != nil {
			if v != http.ErrAbortHandler {
				c.logf("httpfast: panic serving %s: %v\n%s", c.remote, v, debug.Stack())
			}
			handedOver = false
		}
		c.srv.forget(c)
		if !handedOver {
			c.c.Close()
		}
	}()
	c.br = bufio.NewReaderSize(c.c, headBuffer)
	c.remote = c.c.RemoteAddr().String()
	fb := c.srv.Fallback
	for {
		if !c.srv.track(c, false) {
			return
		}
		if idle := cmp.Or(fb.IdleTimeout, fb.ReadTimeout); idle > 0 { // as net/http
			c.c.SetReadDeadline(time.Now().Add(idle))
		}
		if _, err := c.br.Peek(1); err != nil {
			return
		}
		if !c.srv.track(c, true) {
			return
		}
		// As net/http: the head's deadline, or the whole request's when no
		// head timeout is set, counted from the request's first octet.
		var bodyDeadline time.Time
		if fb.ReadHeaderTimeout > 0 || fb.ReadTimeout > 0 {
			start := time.Now()
			if fb.ReadTimeout > 0 {
				bodyDeadline = start.Add(fb.ReadTimeout)
			}
			if fb.ReadHeaderTimeout > 0 {
				c.c.SetReadDeadline(start.Add(fb.ReadHeaderTimeout))
			} else {
				c.c.SetReadDeadline(bodyDeadline)
			}
		}
		head, n, st := c.readHead()
		switch st {
		case headIncomplete:
			return // the connection failed or timed out within the head
		case headDeclined:
			// Not a request the fast path takes: net/http's from here.
			c.c.SetReadDeadline(time.Time{})
			if c.srv.handoff.give(&bufferedConn{Conn: c.c, r: c.br}) {
				handedOver = true
			}
			return
		}
		c.br.Discard(n)
		c.c.SetReadDeadline(bodyDeadline) // none when zero
		if !c.serveRequest(&head) {
			return
		}
	}
}

// readHead peeks at the request head in the buffer, reading more as it
// needs, and parses it: headComplete with its length, headDeclined if it is
// not one the fast path takes (nothing consumed), headIncomplete if the
// connection failed or the header timeout passed before its end.
func (c *conn) readHead() (requestHead, int, headStatus) {
	for from := 0; ; {
		buf, _ := c.br.Peek(c.br.Buffered())
		// The head is parsed once its blank line is in, so that one sent
		// an octet at a time is parsed once, not once per octet.
		if headEnds(buf, from) {
			if h, n, st := parseHead(buf, c.srv.paths); st != headIncomplete {
				return h, n, st
			}
		}
		if len(buf) == headBuffer {
			return requestHead{}, 0, headDeclined // larger than the fast path takes
		}
		from = max(0, len(buf)-2) // a blank line may straddle two reads
		// More of the head is to come: wait for at least one more octet.
		if _, err := c.br.Peek(len(buf) + 1); err != nil {
			return requestHead{}, 0, headIncomplete
		}
	}
}

// headEnds reports whether b holds, from offset from on, the LF LF or
// LF CR LF that ends a request head.
func headEnds(b []byte, from int) bool {
	for {
		i := bytes.IndexByte(b[from:], '\n')
		if i < 0 {
			return false
		}
		i += from
		rest := b[i+1:]
		if len(rest) > 0 && (rest[0] == '\n' || (rest[0] == '\r' && len(rest) > 1 && rest[1] == '\n')) {
			return true
		}
		from = i + 1
	}
}

// serveRequest runs the handler and writes its answer; false when the
// connection is to be closed.
func (c *conn) serveRequest(h *requestHead) bool {
	c.body = body{r: c.br, left: h.contentLength}
	body := &c.body
	c.url = url.URL{Path: h.path}
	c.req = http.Request{
		Method:        http.MethodPost,
		URL:           &c.url,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        h.header,
		Body:          body,
		ContentLength: h.contentLength,
		Close:         h.close,
		Host:          h.host,
		RemoteAddr:    c.remote,
		RequestURI:    h.path,
	}
	r := &c.req
	w := &c.resp
	w.reset()
	c.srv.Fast[h.path].ServeHTTP(w, r)
	// A handler may close the connection, as with net/http, by saying so
	// (Header().Set keys it canonically: no Get, which would canonicalize
	// the name again at every request).
	closeAsked := false
	if vs := w.header["Connection"]; len(vs) > 0 {
		closeAsked = ascii.EqualFold(vs[0], "close")
	}
	keep := !h.close && !c.srv.isClosing() && !closeAsked
	if body.left > 0 {
		if body.left > maxDrain {
			keep = false
		} else if _, err := io.Copy(io.Discard, body); err != nil {
			keep = false
		}
	}
	c.out = w.appendTo(c.out[:0], keep, c.srv.httpDate())
	c.srv.served.Add(1)
	if _, err := c.c.Write(c.out); err != nil {
		return false
	}
	if cap(c.out) > 64<<10 {
		c.out = nil // a rare large answer: do not hold its buffer
	}
	return keep
}

// body is a request body: the next left octets of the connection.
type body struct {
	r    *bufio.Reader
	left int64
	err  error
}

func (b *body) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.left == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	if err == io.EOF {
		// The connection ended before the Content-Length did.
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		b.err = err
	}
	return n, err
}

func (b *body) Close() error { return nil }

// Len is how many octets of the body are left to read, so that a reader
// can size its buffer (pap.ReadRequest does).
func (b *body) Len() int { return int(b.left) }

// response is the ResponseWriter of the fast path: it keeps the answer and
// sends it whole once the handler returns.
type response struct {
	header http.Header
	status int
	body   []byte
}

func (w *response) reset() {
	// A handler may not use its ResponseWriter once it has returned, so
	// that the connection's next answer can have the same map.
	if w.header == nil {
		w.header = make(http.Header, 4)
	}
	clear(w.header)
	w.status = 0
	w.body = w.body[:0]
}

func (w *response) Header() http.Header { return w.header }

func (w *response) WriteHeader(status int) {
	if w.status != 0 {
		return
	}
	if status < 200 || status > 999 {
		// 1xx answers are not sent on the fast path; a status out of
		// range is a handler's bug, which net/http answers with a panic.
		panic(fmt.Sprintf("httpfast: WriteHeader(%d)", status))
	}
	w.status = status
}

func (w *response) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	w.body = append(w.body, p...)
	return len(p), nil
}

// appendTo appends the whole answer: status line, the handler's header
// fields, Date, Content-Type if the handler set none (sniffed, as net/http
// does), Content-Length, Connection: close when the connection closes
// after it, and the body.
func (w *response) appendTo(dst []byte, keep bool, date string) []byte {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	// RFC 9110: no body with 204 or 304.
	withBody := w.status != http.StatusNoContent && w.status != http.StatusNotModified
	dst = append(dst, "HTTP/1.1 "...)
	dst = strconv.AppendInt(dst, int64(w.status), 10)
	dst = append(dst, ' ')
	dst = append(dst, http.StatusText(w.status)...)
	dst = append(dst, "\r\n"...)
	hasType := false
	for k, vs := range w.header {
		switch k {
		case "Content-Length", "Connection", "Transfer-Encoding", "Date":
			continue // the server's to set
		case "Content-Type":
			hasType = true
		}
		for _, v := range vs {
			dst = appendField(dst, k, v)
		}
	}
	dst = appendField(dst, "Date", date)
	if !hasType && len(w.body) > 0 && withBody {
		dst = appendField(dst, "Content-Type", http.DetectContentType(w.body))
	}
	if withBody {
		dst = append(dst, "Content-Length: "...)
		dst = strconv.AppendInt(dst, int64(len(w.body)), 10)
		dst = append(dst, "\r\n"...)
	}
	if !keep {
		dst = append(dst, "Connection: close\r\n"...)
	}
	dst = append(dst, "\r\n"...)
	if withBody {
		dst = append(dst, w.body...)
	}
	return dst
}

// appendField appends one header field, with any CR or LF in the value
// replaced by a space (as net/http does), so that a value cannot end the
// head.
func appendField(dst []byte, k, v string) []byte {
	dst = append(dst, k...)
	dst = append(dst, ": "...)
	for i := 0; i < len(v); i++ {
		b := v[i]
		if b == '\r' || b == '\n' {
			b = ' '
		}
		dst = append(dst, b)
	}
	return append(dst, "\r\n"...)
}

type dateValue struct {
	sec   int64
	value string
}

// httpDate is the Date field's value now.
func (s *Server) httpDate() string {
	now := time.Now()
	if d := s.date.Load(); d != nil && d.sec == now.Unix() {
		return d.value
	}
	d := &dateValue{sec: now.Unix(), value: now.UTC().Format(http.TimeFormat)}
	s.date.Store(d)
	return d.value
}

// bufferedConn is a connection whose first octets were read into r.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufferedConn) Read(p []byte) (int, error) {
	if c.r.Buffered() > 0 {
		return c.r.Read(p)
	}
	return c.Conn.Read(p)
}

// connListener is the listener Fallback serves: the connections the fast
// path hands over.
type connListener struct {
	accepted atomic.Uint64
	addr     net.Addr
	conns    chan net.Conn
	done     chan struct{}
	closed   sync.Once
}

func newConnListener(addr net.Addr) *connListener {
	return &connListener{addr: addr, conns: make(chan net.Conn), done: make(chan struct{})}
}

// give hands c to the listener's Accept; false if the listener is closed.
func (l *connListener) give(c net.Conn) bool {
	select {
	case l.conns <- c:
		return true
	case <-l.done:
		return false
	}
}

func (l *connListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		l.accepted.Add(1)
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *connListener) Close() error {
	l.closed.Do(func() { close(l.done) })
	return nil
}

func (l *connListener) Addr() net.Addr { return l.addr }
