package smpp

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"sync"
	"time"
)

// BindMode is the kind of bind an ESME asks for.
type BindMode int

// The three binds.
const (
	Transmitter BindMode = iota
	Receiver
	Transceiver
)

func (m BindMode) String() string {
	switch m {
	case Transmitter:
		return "transmitter"
	case Receiver:
		return "receiver"
	case Transceiver:
		return "transceiver"
	}
	return fmt.Sprintf("BindMode(%d)", int(m))
}

// ParseBindMode reads "transmitter"/"tx", "receiver"/"rx",
// "transceiver"/"trx".
func ParseBindMode(s string) (BindMode, error) {
	switch s {
	case "transmitter", "tx":
		return Transmitter, nil
	case "receiver", "rx":
		return Receiver, nil
	case "transceiver", "trx":
		return Transceiver, nil
	}
	return 0, fmt.Errorf("smpp: unknown bind mode %q (want transmitter, receiver or transceiver)", s)
}

func (m BindMode) request(p BindParams) PDU {
	switch m {
	case Transmitter:
		return &BindTransmitter{BindParams: p}
	case Receiver:
		return &BindReceiver{BindParams: p}
	}
	return &BindTransceiver{BindParams: p}
}

func (m BindMode) state() State {
	switch m {
	case Transmitter:
		return StateBoundTX
	case Receiver:
		return StateBoundRX
	}
	return StateBoundTRX
}

// BindError is a bind refused by the SMSC.
type BindError struct {
	Mode   BindMode
	Status Status
}

func (e *BindError) Error() string {
	return fmt.Sprintf("smpp: bind %v refused: %v", e.Mode, e.Status)
}

// Unwrap lets errors.Is(err, StatusInvPaswd) work.
func (e *BindError) Unwrap() error { return e.Status }

// DialConfig says how to reach and bind to an SMSC.
type DialConfig struct {
	Mode   BindMode
	Params BindParams // InterfaceVersion defaults to 0x34
	// TLSConfig, when set, makes the connection TLS.
	TLSConfig *tls.Config
	// Session configures the session (Handler for deliver_sm, Window,
	// timers, Clock).
	Session SessionConfig
}

// Dial connects to addr and binds. On any failure nothing is left running.
func Dial(ctx context.Context, addr string, cfg DialConfig) (*Session, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	if cfg.TLSConfig != nil {
		tlsCfg := cfg.TLSConfig
		if tlsCfg.ServerName == "" && !tlsCfg.InsecureSkipVerify {
			// As tls.Dial does: verify the certificate against the host
			// dialled.
			tlsCfg = tlsCfg.Clone()
			if host, _, err := net.SplitHostPort(addr); err == nil {
				tlsCfg.ServerName = host
			}
		}
		tc := tls.Client(conn, tlsCfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, fmt.Errorf("smpp: TLS handshake with %s: %w", addr, err)
		}
		conn = tc
	}
	return BindConn(ctx, conn, cfg)
}

// BindConn binds over an established connection (TCP, TLS, or a pipe in
// tests). On failure it closes conn and waits for the session's goroutines.
func BindConn(ctx context.Context, conn net.Conn, cfg DialConfig) (*Session, error) {
	p := cfg.Params
	if p.InterfaceVersion == 0 {
		p.InterfaceVersion = 0x34
	}
	s := newSession(conn, RoleESME, cfg.Session, nil)
	s.mu.Lock()
	s.bind = p
	s.mu.Unlock()
	req := cfg.Mode.request(p)
	type result struct {
		resp PDU
		err  error
	}
	ch := make(chan result, 1)
	// The bound state is set in the response's callback, on the read
	// path, so that a deliver_sm the SMSC sends right behind its
	// bind_resp already finds the session bound.
	err := s.request(req, func(resp PDU, err error) {
		if err == nil && resp.Hdr().Status == StatusOK && resp.CommandID() == req.CommandID()|respBit {
			if v, ok := bindRespParamsOf(resp).TLVs.SCInterfaceVersion(); ok {
				s.mu.Lock()
				s.peerVer = v
				s.mu.Unlock()
			}
			s.setState(cfg.Mode.state())
		}
		ch <- result{resp, err}
	}, false)
	var r result
	if err == nil {
		select {
		case r = <-ch:
		case <-ctx.Done():
			// A bind answered by the time ctx ended is a bind: the
			// session may already have taken requests in it, and the
			// caller unbinds it rather than dropping the connection.
			select {
			case r = <-ch:
			default:
				r.err = ctx.Err()
			}
		}
	} else {
		r.err = err
	}
	fail := func(err error) (*Session, error) {
		s.Close()
		s.Wait()
		return nil, err
	}
	switch {
	case r.err != nil:
		return fail(fmt.Errorf("smpp: bind %v: %w", cfg.Mode, r.err))
	case r.resp.Hdr().Status != StatusOK:
		return fail(&BindError{Mode: cfg.Mode, Status: r.resp.Hdr().Status})
	case r.resp.CommandID() != req.CommandID()|respBit:
		return fail(fmt.Errorf("smpp: bind %v answered with %v", cfg.Mode, r.resp.CommandID()))
	}
	return s, nil
}

// Client keeps one bind to an SMSC up: it dials, binds, and after a
// failure or a lost connection binds again with exponential backoff on the
// session clock.
type Client struct {
	Addr string
	DialConfig
	// MinBackoff and MaxBackoff bound the wait between attempts; defaults
	// 500 ms and 30 s.
	MinBackoff, MaxBackoff time.Duration
	// OnBound is called with each new session; OnError with each failed
	// attempt or lost session.
	OnBound func(*Session)
	OnError func(error)

	mu      sync.Mutex
	current *Session
	changed chan struct{} // closed and replaced when current changes
	cancel  context.CancelFunc
	done    chan struct{}
}

// Start begins keeping the bind up, until Close. It returns at once. When
// ctx ends the client stops binding again, and the session it holds stays
// open until Close unbinds it.
func (c *Client) Start(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	c.mu.Lock()
	c.cancel = cancel
	c.done = make(chan struct{})
	if c.changed == nil {
		c.changed = make(chan struct{})
	}
	c.mu.Unlock()
	go c.run(ctx)
}

func (c *Client) run(ctx context.Context) {
	defer close(c.done)
	clk := c.Session.withDefaults().Clock
	minB, maxB := c.MinBackoff, c.MaxBackoff
	if minB <= 0 {
		minB = 500 * time.Millisecond
	}
	if maxB <= 0 {
		maxB = 30 * time.Second
	}
	backoff := minB
	for ctx.Err() == nil {
		s, err := Dial(ctx, c.Addr, c.DialConfig)
		if err == nil {
			backoff = minB
			c.setCurrent(s)
			if c.OnBound != nil {
				c.OnBound(s)
			}
			select {
			case <-s.Done():
				err = s.Err()
			case <-ctx.Done():
				return
			}
			c.setCurrent(nil)
		}
		if ctx.Err() != nil {
			return
		}
		if c.OnError != nil && err != nil {
			c.OnError(err)
		}
		t := clk.NewTimer(backoff)
		select {
		case <-t.C():
		case <-ctx.Done():
			t.Stop()
			return
		}
		backoff = min(2*backoff, maxB)
	}
}

func (c *Client) setCurrent(s *Session) {
	c.mu.Lock()
	c.current = s
	close(c.changed)
	c.changed = make(chan struct{})
	c.mu.Unlock()
}

// Current returns the bound session, or nil while there is none.
func (c *Client) Current() *Session {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.current != nil && c.current.State() == StateClosed {
		return nil
	}
	return c.current
}

// WaitBound waits until a session is bound or ctx ends.
func (c *Client) WaitBound(ctx context.Context) (*Session, error) {
	for {
		c.mu.Lock()
		if c.changed == nil {
			c.changed = make(chan struct{})
		}
		cur, ch := c.current, c.changed
		c.mu.Unlock()
		if cur != nil && cur.State().Bound() {
			return cur, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Send sends req on the current session; ErrNotBound when there is none.
func (c *Client) Send(ctx context.Context, req PDU) (PDU, error) {
	s := c.Current()
	if s == nil {
		return nil, ErrNotBound
	}
	return s.Send(ctx, req)
}

// Close stops reconnecting and unbinds the current session gracefully,
// giving outstanding requests until ctx ends.
func (c *Client) Close(ctx context.Context) error {
	c.mu.Lock()
	cancel, done := c.cancel, c.done
	c.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	// The session is read only once the reconnect loop has stopped: a
	// bind that completes while Close runs would otherwise be left open.
	if done != nil {
		<-done
	}
	c.mu.Lock()
	cur := c.current
	c.mu.Unlock()
	if cur != nil {
		cur.Unbind(ctx)
	}
	return nil
}
