// Package keepalive is an HTTP/1.1 client for many small posts: it keeps
// connections alive, writes each request and reads its answer in the
// calling goroutine, and so spares the two goroutines per connection that
// net/http's transport hands every request to. The PPG posts its result
// notifications with it, and txpush bench its PAP pushes.
package keepalive

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// Client posts over HTTP/1.1 keep-alive connections it holds itself,
// writing each request and reading its answer in the calling goroutine.
// net/http's transport hands every request to two goroutines of its
// connection; for the PPG, which posts a notification for every push, that
// handing over cost more CPU than the rest of the post. It speaks HTTP and
// HTTPS (certificates checked against the system's roots), with the answer
// read from the connection's buffer (net/http's parser for the unusual
// ones). It is safe for concurrent use.
type Client struct {
	// Timeout bounds each exchange whose context has no earlier
	// deadline; zero means a minute. A fixed bound spares the caller a
	// context with a timer for every post.
	Timeout time.Duration

	dialer    net.Dialer
	userAgent string
	maxIdle   int // idle connections kept per host

	mu   sync.Mutex
	idle map[string][]*conn // by scheme and host:port
}

type conn struct {
	net.Conn
	br *bufio.Reader
	bw *bufio.Writer
}

// errNoAnswer marks an exchange that got no byte of an answer: on a
// connection taken from the idle pool it means the server had closed it, and
// the post is made again on a new one.
var errNoAnswer = errors.New("no answer")

// NewClient returns a client that names itself userAgent and keeps up to
// maxIdle idle connections per host.
func NewClient(userAgent string, maxIdle int) *Client {
	return &Client{
		dialer:    net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second},
		userAgent: userAgent,
		maxIdle:   maxIdle,
		idle:      make(map[string][]*conn),
	}
}

// Usable reports whether u can be posted to by the client: HTTP or HTTPS
// with no proxy configured for it in the environment.
func (c *Client) Usable(u *url.URL) bool {
	if u.Scheme != "http" && u.Scheme != "https" {
		return false
	}
	proxy, err := http.ProxyFromEnvironment(&http.Request{URL: u})
	return err == nil && proxy == nil
}

// Post sends body to u and returns the answer's status and up to limit
// octets of its body; a longer body is an error. A post on a kept
// connection that the server had closed is made again on a new one.
func (c *Client) Post(ctx context.Context, u *url.URL, contentType string, body []byte, limit int64) (int, []byte, error) {
	key := u.Scheme + "://" + hostPort(u)
	for attempt := 0; ; attempt++ {
		conn, reused, err := c.get(ctx, key, u)
		if err != nil {
			return 0, nil, err
		}
		status, answer, keep, err := conn.exchange(ctx, c.timeout(), u, c.userAgent, contentType, body, limit)
		if err == nil {
			if keep {
				c.put(key, conn)
			} else {
				conn.Close()
			}
			return status, answer, nil
		}
		conn.Close()
		if !reused || attempt > 0 || !errors.Is(err, errNoAnswer) {
			return 0, nil, err
		}
	}
}

func (c *Client) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return time.Minute
}

// get takes an idle connection to key, or dials one.
func (c *Client) get(ctx context.Context, key string, u *url.URL) (*conn, bool, error) {
	c.mu.Lock()
	if conns := c.idle[key]; len(conns) > 0 {
		conn := conns[len(conns)-1]
		conns[len(conns)-1] = nil
		c.idle[key] = conns[:len(conns)-1]
		c.mu.Unlock()
		return conn, true, nil
	}
	c.mu.Unlock()
	var nc net.Conn
	var err error
	if u.Scheme == "https" {
		d := tls.Dialer{NetDialer: &c.dialer, Config: &tls.Config{ServerName: u.Hostname(), MinVersion: tls.VersionTLS12}}
		nc, err = d.DialContext(ctx, "tcp", hostPort(u))
	} else {
		nc, err = c.dialer.DialContext(ctx, "tcp", hostPort(u))
	}
	if err != nil {
		return nil, false, err
	}
	return &conn{Conn: nc, br: bufio.NewReaderSize(nc, 4096), bw: bufio.NewWriterSize(nc, 4096)}, false, nil
}

// put keeps conn for the next post to key, or closes it when enough are
// kept.
func (c *Client) put(key string, conn *conn) {
	c.mu.Lock()
	if len(c.idle[key]) < c.maxIdle {
		c.idle[key] = append(c.idle[key], conn)
		conn = nil
	}
	c.mu.Unlock()
	if conn != nil {
		conn.Close()
	}
}

// CloseIdle closes every idle connection.
func (c *Client) CloseIdle() {
	c.mu.Lock()
	idle := c.idle
	c.idle = make(map[string][]*conn)
	c.mu.Unlock()
	for _, conns := range idle {
		for _, conn := range conns {
			conn.Close()
		}
	}
}

// exchange writes one request and reads its answer; keep says the
// connection may serve another.
func (conn *conn) exchange(ctx context.Context, timeout time.Duration, u *url.URL, userAgent, contentType string, body []byte, limit int64) (status int, answer []byte, keep bool, err error) {
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	conn.SetDeadline(deadline)
	// The context's end (the PPG closing) ends the exchange at once.
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	w := conn.bw
	w.WriteString("POST ")
	w.WriteString(u.RequestURI())
	w.WriteString(" HTTP/1.1\r\nHost: ")
	w.WriteString(u.Host)
	w.WriteString("\r\nUser-Agent: ")
	w.WriteString(userAgent)
	w.WriteString("\r\nContent-Type: ")
	w.WriteString(contentType)
	w.WriteString("\r\nContent-Length: ")
	w.WriteString(strconv.Itoa(len(body)))
	if u.User != nil {
		pw, _ := u.User.Password()
		w.WriteString("\r\nAuthorization: Basic ")
		w.WriteString(base64.StdEncoding.EncodeToString([]byte(u.User.Username() + ":" + pw)))
	}
	w.WriteString("\r\n\r\n")
	w.Write(body)
	if err := w.Flush(); err != nil {
		return 0, nil, false, fmt.Errorf("%w: %w", errNoAnswer, err)
	}
	if _, err := conn.br.Peek(1); err != nil {
		return 0, nil, false, fmt.Errorf("%w: %w", errNoAnswer, err)
	}
	return readAnswer(conn.br, u, limit)
}

// hostPort is u's host with the scheme's port when it names none.
func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	if u.Scheme == "https" {
		return net.JoinHostPort(u.Hostname(), "443")
	}
	return net.JoinHostPort(u.Hostname(), "80")
}
