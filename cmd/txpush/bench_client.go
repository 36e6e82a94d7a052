package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/txpush/txpush/pap"
)

// papPoster posts the PAP requests of one bench worker on a keep-alive
// connection of its own, writing each request and reading its answer in
// the worker's goroutine. net/http's client hands every request to two
// goroutines of its connection; the load generator shares the machine's
// two cores with the PPG, and that handing over was CPU taken from the
// PPG (the PPG's own notification client avoids it for the same reason).
// The answer is read by net/http's response parser.
type papPoster struct {
	addr        string // host:port
	head        []byte // the request up to the Content-Length value
	conn        net.Conn
	br          *bufio.Reader
	buf         []byte // the request being written
	stopOnClose func() bool
}

// errNoPAPAnswer marks a post that got no byte of an answer: on a kept
// connection it means the PPG had closed it, and the post is made again on
// a new one.
var errNoPAPAnswer = errors.New("no answer")

func newPAPPoster(rawURL, contentType string) (*papPoster, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" {
		return nil, fmt.Errorf("%s: the bench posts over plain HTTP", rawURL)
	}
	head := "POST " + u.RequestURI() + " HTTP/1.1\r\nHost: " + u.Host +
		"\r\nUser-Agent: txpush-bench\r\nContent-Type: " + contentType + "\r\nContent-Length: "
	return &papPoster{addr: u.Host, head: []byte(head)}, nil
}

// post sends body and returns the answer's status and body.
func (p *papPoster) post(ctx context.Context, body []byte) (int, []byte, error) {
	p.buf = append(append(append(append(p.buf[:0], p.head...), strconv.Itoa(len(body))...), "\r\n\r\n"...), body...)
	for attempt := 0; ; attempt++ {
		reused := p.conn != nil
		if !reused {
			if err := p.dial(ctx); err != nil {
				return 0, nil, err
			}
		}
		status, answer, err := p.exchange()
		if err == nil {
			return status, answer, nil
		}
		p.close()
		if !reused || attempt > 0 || !errors.Is(err, errNoPAPAnswer) {
			return 0, nil, err
		}
	}
}

func (p *papPoster) dial(ctx context.Context) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", p.addr)
	if err != nil {
		return err
	}
	// The run's end (a signal) ends an exchange at once.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	p.conn, p.br, p.stopOnClose = conn, bufio.NewReaderSize(conn, 4096), stop
	return nil
}

func (p *papPoster) exchange() (int, []byte, error) {
	p.conn.SetDeadline(time.Now().Add(time.Minute))
	if _, err := p.conn.Write(p.buf); err != nil {
		return 0, nil, fmt.Errorf("%w: %w", errNoPAPAnswer, err)
	}
	if _, err := p.br.Peek(1); err != nil {
		return 0, nil, fmt.Errorf("%w: %w", errNoPAPAnswer, err)
	}
	resp, err := http.ReadResponse(p.br, nil)
	if err != nil {
		return 0, nil, err
	}
	answer, err := io.ReadAll(io.LimitReader(resp.Body, pap.DefaultRequestLimit))
	resp.Body.Close()
	if err != nil {
		return 0, nil, err
	}
	if resp.Close {
		p.close()
	}
	return resp.StatusCode, answer, nil
}

func (p *papPoster) close() {
	if p.conn != nil {
		p.stopOnClose()
		p.conn.Close()
		p.conn = nil
	}
}
