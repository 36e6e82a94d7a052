package smpp

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/txpush/txpush/clock"
)

// Errors reported by a Session.
var (
	// ErrWindowFull is returned by a send under the FailFast policy when
	// the window of outstanding requests is full.
	ErrWindowFull = errors.New("smpp: window of outstanding requests is full")
	// ErrNoResponse is reported when a request's response timer expires.
	// The request may or may not have been acted on by the peer: the
	// outcome is unknown, and the session never resends.
	ErrNoResponse = errors.New("smpp: no response before the response timer expired (outcome unknown)")
	// ErrClosed is reported for requests that were outstanding, or sent,
	// when the session closed.
	ErrClosed = errors.New("smpp: session closed")
	// ErrNotBound is returned when a PDU is sent in a state that does not
	// allow it (for example a submit_sm on a receiver bind).
	ErrNotBound = errors.New("smpp: session is not bound for this operation")
)

// Role says which end of the protocol a session plays.
type Role int

const (
	// RoleESME is the client end: it binds and submits.
	RoleESME Role = iota
	// RoleSMSC is the server end: it accepts binds and delivers.
	RoleSMSC
)

// State is a session state of SMPP 3.4 section 2.2.
type State int32

// The session states.
const (
	StateOpen State = iota // connected, not bound
	StateBoundTX
	StateBoundRX
	StateBoundTRX
	StateUnbinding // unbind sent or received; no new requests
	StateClosed
)

var stateNames = [...]string{"OPEN", "BOUND_TX", "BOUND_RX", "BOUND_TRX", "UNBINDING", "CLOSED"}

func (s State) String() string {
	if s >= 0 && int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("State(%d)", int32(s))
}

// Bound reports whether s is one of the bound states.
func (s State) Bound() bool { return s == StateBoundTX || s == StateBoundRX || s == StateBoundTRX }

// WindowPolicy says what a send does when the window is full.
type WindowPolicy int

const (
	// Block waits for a free slot (or the context's end).
	Block WindowPolicy = iota
	// FailFast returns ErrWindowFull at once.
	FailFast
)

// SessionConfig holds a session's settings. The zero value is usable: each
// zero field takes the default named in its comment.
type SessionConfig struct {
	// Clock drives every timer; default the real clock.
	Clock clock.Clock
	// Window is the maximum number of outstanding requests this end may
	// have sent; default 1024.
	Window int
	// WindowPolicy applies when the window is full; default Block.
	WindowPolicy WindowPolicy
	// ResponseTimeout is the response_timer: how long a request waits for
	// its response; default 60 s. A negative value disables it.
	ResponseTimeout time.Duration
	// EnquireLinkInterval is the enquire_link_timer: after this long with
	// nothing received, an enquire_link is sent; default 30 s, negative
	// disables.
	EnquireLinkInterval time.Duration
	// InactivityTimeout is the inactivity_timer: after this long with
	// nothing received the session is unbound and closed; default
	// disabled (0 or negative).
	InactivityTimeout time.Duration
	// UnbindTimeout bounds the wait for unbind_resp on a graceful close;
	// default 5 s.
	UnbindTimeout time.Duration
	// MaxBody is the largest PDU body accepted; default DefaultMaxBody.
	MaxBody int
	// Handler serves requests the peer sends (submit_sm at an SMSC,
	// deliver_sm at an ESME). The session itself answers binds,
	// enquire_link and unbind.
	Handler Handler
	// HandlerWorkers is the number of goroutines per session that run
	// Handler, in arrival order when 1; default 1. Handlers that take time
	// should call ResponseWriter.Defer and answer later instead.
	HandlerWorkers int
	// OnClose, if set, is called once when the session has closed, with
	// the reason.
	OnClose func(s *Session, err error)
	// OnResponse, if set, is told how long each answered request took,
	// from its queueing to its response, on the session's clock: what a
	// response-time histogram needs. It runs on the reader and must not
	// block.
	OnResponse func(id CommandID, took time.Duration)
}

func (c *SessionConfig) withDefaults() SessionConfig {
	d := *c
	if d.Clock == nil {
		d.Clock = clock.Real()
	}
	if d.Window <= 0 {
		d.Window = 1024
	}
	if d.ResponseTimeout == 0 {
		d.ResponseTimeout = 60 * time.Second
	}
	if d.EnquireLinkInterval == 0 {
		d.EnquireLinkInterval = 30 * time.Second
	}
	if d.UnbindTimeout <= 0 {
		d.UnbindTimeout = 5 * time.Second
	}
	if d.MaxBody <= 0 {
		d.MaxBody = DefaultMaxBody
	}
	if d.HandlerWorkers <= 0 {
		d.HandlerWorkers = 1
	}
	return d
}

// SessionStats counts what happened on a session.
type SessionStats struct {
	Sent, Received   uint64 // PDUs
	Timeouts         uint64 // requests whose response timer expired
	LateResponses    uint64 // responses with no outstanding request (late or unknown)
	Throttled        uint64 // requests answered ESME_RTHROTTLED
	DecodeErrors     uint64 // PDUs that did not decode
	Outstanding      int    // requests waiting for a response now
	EnquireLinksSent uint64
}

// call is one outstanding request.
type call struct {
	seq     uint32
	id      CommandID
	sent    time.Time // when queued, for OnResponse
	done    func(PDU, error)
	timer   clock.Timer
	counted bool // holds a window slot
}

// outgoing is one PDU queued for the writer.
type outgoing struct {
	pdu     PDU
	call    *call         // for requests: failed if the PDU cannot be encoded
	flushed chan struct{} // instead of a PDU: closed once all before it is written
}

// Session is one SMPP connection, either end. It is safe for concurrent
// use: any goroutine may send; one goroutine reads and matches responses,
// one goroutine owns the writes.
type Session struct {
	conn   net.Conn
	role   Role
	cfg    SessionConfig
	clock  clock.Clock
	state  atomic.Int32
	window chan struct{}

	mu       sync.Mutex
	pending  map[uint32]*call
	lastSeq  uint32
	bind     BindParams // what the ESME bound with
	peerVer  byte       // the peer's interface version (0x34 unless known)
	account  any
	throttle *tokenBucket
	drained  chan struct{} // closed when pending becomes empty, if someone waits

	// the writer's queue
	qmu    sync.Mutex
	queue  []outgoing
	spare  []outgoing
	wake   chan struct{}
	qclose bool

	work chan *inbound // requests for the handler workers

	lastRecv    atomic.Int64 // clock.Now().UnixNano() of the last PDU received
	enquireT    clock.Timer  // guarded by mu
	inactivityT clock.Timer  // guarded by mu
	initT       clock.Timer  // guarded by mu

	stats struct {
		sent, received, timeouts, late, throttled, decodeErrs, enquires atomic.Uint64
	}

	peerUnbound atomic.Bool // the peer sent unbind
	closeOnce   sync.Once
	closed      chan struct{}
	closeErr    error
	wg          sync.WaitGroup

	server *Server // at the SMSC end: decides binds
}

// newSession starts the reader and writer goroutines on conn. At the SMSC
// end srv decides binds and sets the session_init_timer.
func newSession(conn net.Conn, role Role, cfg SessionConfig, srv *Server) *Session {
	c := cfg.withDefaults()
	s := &Session{
		conn:    conn,
		role:    role,
		cfg:     c,
		clock:   c.Clock,
		window:  make(chan struct{}, c.Window),
		pending: make(map[uint32]*call),
		peerVer: 0x34,
		wake:    make(chan struct{}, 1),
		work:    make(chan *inbound, c.Window),
		closed:  make(chan struct{}),
		server:  srv,
	}
	s.lastRecv.Store(s.clock.Now().UnixNano())
	s.wg.Add(2 + c.HandlerWorkers)
	if srv != nil {
		init := srv.SessionInitTimeout
		if init <= 0 {
			init = 10 * time.Second
		}
		t := s.clock.AfterFunc(init, func() {
			if s.State() == StateOpen {
				s.close(errors.New("smpp: no bind within the session_init_timer"))
			}
		})
		s.mu.Lock()
		s.initT = t
		s.mu.Unlock()
	}
	// The timer fields are guarded by mu: a virtual clock may fire a
	// timer before AfterFunc has returned.
	if c.EnquireLinkInterval > 0 {
		t := s.clock.AfterFunc(c.EnquireLinkInterval, s.enquireTick)
		s.mu.Lock()
		s.enquireT = t
		s.mu.Unlock()
	}
	if c.InactivityTimeout > 0 {
		t := s.clock.AfterFunc(c.InactivityTimeout, s.inactivityTick)
		s.mu.Lock()
		s.inactivityT = t
		s.mu.Unlock()
	}
	go s.readLoop()
	go s.writeLoop()
	for i := 0; i < c.HandlerWorkers; i++ {
		go s.handlerLoop()
	}
	return s
}

// State returns the session state.
func (s *Session) State() State { return State(s.state.Load()) }

func (s *Session) setState(st State) { s.state.Store(int32(st)) }

// Role returns which end this session plays.
func (s *Session) Role() Role { return s.role }

// RemoteAddr returns the peer's network address.
func (s *Session) RemoteAddr() net.Addr { return s.conn.RemoteAddr() }

// BindParams returns what the ESME sent in its bind request (at the SMSC
// end) or what this end bound with (at the ESME end).
func (s *Session) BindParams() BindParams {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bind
}

// PeerInterfaceVersion returns the peer's SMPP version: the bind's
// interface_version at the SMSC end, sc_interface_version from the
// bind response at the ESME end (0x34 when the peer did not say).
func (s *Session) PeerInterfaceVersion() byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peerVer
}

// Account returns the value the server's Authenticate hook attached to
// this session (nil at the ESME end).
func (s *Session) Account() any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.account
}

// TLSConnectionState returns the TLS state when the connection is TLS.
func (s *Session) TLSConnectionState() (tls.ConnectionState, bool) {
	if tc, ok := s.conn.(*tls.Conn); ok {
		return tc.ConnectionState(), true
	}
	return tls.ConnectionState{}, false
}

// Stats returns the session's counters.
func (s *Session) Stats() SessionStats {
	s.mu.Lock()
	out := len(s.pending)
	s.mu.Unlock()
	return SessionStats{
		Sent:             s.stats.sent.Load(),
		Received:         s.stats.received.Load(),
		Timeouts:         s.stats.timeouts.Load(),
		LateResponses:    s.stats.late.Load(),
		Throttled:        s.stats.throttled.Load(),
		DecodeErrors:     s.stats.decodeErrs.Load(),
		Outstanding:      out,
		EnquireLinksSent: s.stats.enquires.Load(),
	}
}

// Done returns a channel closed when the session has closed.
func (s *Session) Done() <-chan struct{} { return s.closed }

// Err returns why the session closed, once Done is closed.
func (s *Session) Err() error {
	select {
	case <-s.closed:
		return s.closeErr
	default:
		return nil
	}
}

// Send sends a request and waits for its response. A response with a
// non-zero command_status is returned together with that Status as the
// error; a generic_nack answer is returned the same way. When ctx ends
// first, Send returns ctx.Err(); the request may still be answered
// later, and that answer is dropped.
func (s *Session) Send(ctx context.Context, req PDU) (PDU, error) {
	type result struct {
		p   PDU
		err error
	}
	ch := make(chan result, 1)
	if err := s.SendAsync(ctx, req, func(p PDU, err error) { ch <- result{p, err} }); err != nil {
		return nil, err
	}
	select {
	case r := <-ch:
		if r.err == nil && r.p.Hdr().Status != StatusOK {
			r.err = r.p.Hdr().Status
		}
		return r.p, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// SendAsync sends a request without waiting: done is called exactly once,
// with the response or with an error (ErrNoResponse, ErrClosed, an
// *EncodeError). done runs on the session's reader goroutine or a timer
// and must not block. A nil error from SendAsync means the request is
// queued; ctx only bounds the wait for a window slot.
func (s *Session) SendAsync(ctx context.Context, req PDU, done func(PDU, error)) error {
	id := req.CommandID()
	if id.IsResponse() {
		return fmt.Errorf("smpp: %v is a response; requests only", id)
	}
	if err := s.mayRequest(id); err != nil {
		return err
	}
	if err := s.acquire(ctx); err != nil {
		return err
	}
	return s.request(req, done, true)
}

// request registers the call, arms its timer and queues the PDU.
func (s *Session) request(req PDU, done func(PDU, error), counted bool) error {
	id := req.CommandID()
	_, wantsResp := id.Response()
	s.mu.Lock()
	if s.State() == StateClosed {
		s.mu.Unlock()
		if counted {
			s.release()
		}
		return ErrClosed
	}
	seq := s.nextSeqLocked()
	req.Hdr().Seq = seq
	var c *call
	if wantsResp {
		c = &call{seq: seq, id: id, done: done, counted: counted}
		if s.cfg.OnResponse != nil {
			c.sent = s.clock.Now()
		}
		s.pending[seq] = c
		if s.cfg.ResponseTimeout > 0 {
			c.timer = s.clock.AfterFunc(s.cfg.ResponseTimeout, func() { s.expire(c) })
		}
	}
	s.mu.Unlock()
	if !wantsResp && counted {
		s.release()
	}
	if !s.enqueue(outgoing{pdu: req, call: c}) {
		if c != nil {
			s.finish(c, nil, ErrClosed)
		}
		return ErrClosed
	}
	return nil
}

// nextSeqLocked returns a sequence number not in flight (s.mu held).
func (s *Session) nextSeqLocked() uint32 {
	for {
		s.lastSeq++
		if s.lastSeq > 0x7FFFFFFF {
			s.lastSeq = 1
		}
		if _, busy := s.pending[s.lastSeq]; !busy {
			return s.lastSeq
		}
	}
}

func (s *Session) acquire(ctx context.Context) error {
	select {
	case s.window <- struct{}{}:
		return nil
	default:
	}
	if s.cfg.WindowPolicy == FailFast {
		return ErrWindowFull
	}
	select {
	case s.window <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-s.closed:
		return ErrClosed
	}
}

func (s *Session) release() { <-s.window }

// finish completes a call once: removes it from pending, stops its timer,
// frees its window slot and reports.
func (s *Session) finish(c *call, resp PDU, err error) {
	s.mu.Lock()
	if s.pending[c.seq] != c {
		s.mu.Unlock()
		return
	}
	delete(s.pending, c.seq)
	if len(s.pending) == 0 && s.drained != nil {
		close(s.drained)
		s.drained = nil
	}
	s.mu.Unlock()
	if c.timer != nil {
		c.timer.Stop()
	}
	if c.counted {
		s.release()
	}
	if resp != nil && s.cfg.OnResponse != nil {
		s.cfg.OnResponse(c.id, s.clock.Now().Sub(c.sent))
	}
	if c.done != nil {
		c.done(resp, err)
	}
}

func (s *Session) expire(c *call) {
	s.mu.Lock()
	live := s.pending[c.seq] == c
	s.mu.Unlock()
	if live {
		s.stats.timeouts.Add(1)
		s.finish(c, nil, ErrNoResponse)
	}
}

// mayRequest checks that this end may send id in the current state.
func (s *Session) mayRequest(id CommandID) error {
	st := s.State()
	switch id {
	case EnquireLinkID, UnbindID:
		if st.Bound() {
			return nil
		}
	case BindTransmitterID, BindReceiverID, BindTransceiverID:
		if s.role == RoleESME && st == StateOpen {
			return nil
		}
	case OutbindID:
		if s.role == RoleSMSC && st == StateOpen {
			return nil
		}
	case GenericNackID:
		return nil
	default:
		if allowed(s.role, st, id) {
			return nil
		}
	}
	if st == StateClosed {
		return ErrClosed
	}
	return fmt.Errorf("%w: %v in state %v", ErrNotBound, id, st)
}

// allowed reports whether the sender of role may send request id in state
// st (SMPP 3.4 section 2.3).
func allowed(sender Role, st State, id CommandID) bool {
	switch id {
	case SubmitSMID, SubmitMultiID, QuerySMID, CancelSMID, ReplaceSMID:
		return sender == RoleESME && (st == StateBoundTX || st == StateBoundTRX)
	case DeliverSMID, AlertNotificationID:
		return sender == RoleSMSC && (st == StateBoundRX || st == StateBoundTRX)
	case DataSMID:
		if sender == RoleESME {
			return st == StateBoundTX || st == StateBoundTRX
		}
		return st == StateBoundRX || st == StateBoundTRX
	case EnquireLinkID, UnbindID:
		return st.Bound() || st == StateUnbinding
	}
	return false
}

// enqueue hands a PDU to the writer; false when the session is closed.
func (s *Session) enqueue(o outgoing) bool {
	s.qmu.Lock()
	if s.qclose {
		s.qmu.Unlock()
		return false
	}
	s.queue = append(s.queue, o)
	n := len(s.queue)
	s.qmu.Unlock()
	if n == 1 {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
	return true
}

// writeLoop owns the connection's writes: it takes every queued PDU,
// encodes them into one buffer and writes them with one call.
func (s *Session) writeLoop() {
	defer s.wg.Done()
	bw := bufio.NewWriterSize(s.conn, 64*1024)
	var scratch []byte
	for {
		select {
		case <-s.wake:
		case <-s.closed:
			return
		}
		yielded := false
		for {
			s.qmu.Lock()
			if len(s.queue) == 0 {
				s.qmu.Unlock()
				if yielded || bw.Buffered() == 0 {
					break
				}
				// Before the write system call, let the goroutines that
				// are ready to run (under load, the senders woken with
				// this one) queue their PDUs, so that one write carries
				// them all. With nobody else ready this returns at once.
				runtime.Gosched()
				yielded = true
				continue
			}
			yielded = false
			// Swap buffers: producers append to the spare while this
			// batch is written.
			batch := s.queue
			s.queue = s.spare[:0]
			s.spare = nil
			s.qmu.Unlock()
			for i := range batch {
				o := batch[i]
				batch[i] = outgoing{}
				if o.flushed != nil {
					if err := bw.Flush(); err != nil {
						s.close(fmt.Errorf("smpp: write: %w", err))
						return
					}
					close(o.flushed)
					continue
				}
				var err error
				scratch, err = Append(scratch[:0], o.pdu)
				if err != nil {
					s.encodeFailed(o, err)
					continue
				}
				if _, err := bw.Write(scratch); err != nil {
					s.close(fmt.Errorf("smpp: write: %w", err))
					return
				}
				s.stats.sent.Add(1)
			}
			s.qmu.Lock()
			s.spare = batch[:0]
			s.qmu.Unlock()
		}
		if err := bw.Flush(); err != nil {
			s.close(fmt.Errorf("smpp: write: %w", err))
			return
		}
	}
}

// encodeFailed reports a PDU that could not be encoded: a request's caller
// gets the error; a response becomes ESME_RSYSERR so the peer is answered.
func (s *Session) encodeFailed(o outgoing, err error) {
	if o.call != nil {
		s.finish(o.call, nil, err)
		return
	}
	id := o.pdu.CommandID()
	if id.IsResponse() && o.pdu.Hdr().Status != StatusSysErr {
		s.enqueue(outgoing{pdu: NewResponse(id&^respBit, o.pdu.Hdr().Seq, StatusSysErr)})
	}
}

// readLoop reads PDUs, answers what the session answers itself, matches
// responses to outstanding requests and hands requests to the handler.
func (s *Session) readLoop() {
	defer s.wg.Done()
	br := bufio.NewReaderSize(s.conn, 64*1024)
	var hdr [HeaderLen]byte
	var frame []byte
	hardMax := s.cfg.MaxBody + HeaderLen
	for {
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			s.close(readErr(err))
			return
		}
		length := binary.BigEndian.Uint32(hdr[0:4])
		id := CommandID(binary.BigEndian.Uint32(hdr[4:8]))
		seq := binary.BigEndian.Uint32(hdr[12:16])
		s.lastRecv.Store(s.clock.Now().UnixNano())
		if length < HeaderLen {
			// The stream cannot be resynchronised: say why and close.
			s.stats.decodeErrs.Add(1)
			s.enqueue(outgoing{pdu: &GenericNack{Header: Header{Status: StatusInvCmdLen, Seq: seq}}})
			s.closeAfterFlush(fmt.Errorf("smpp: command_length %d is shorter than the header; cannot resynchronise", length))
			return
		}
		if int64(length) > int64(hardMax) {
			// Too long for us, but the length is known: skip the body and
			// go on, answering ESME_RINVCMDLEN.
			s.stats.decodeErrs.Add(1)
			s.answerFault(id, seq, StatusInvCmdLen)
			if _, err := io.CopyN(io.Discard, br, int64(length)-HeaderLen); err != nil {
				s.close(readErr(err))
				return
			}
			continue
		}
		if cap(frame) < int(length) {
			frame = make([]byte, length, max(int(length), 4096))
		}
		frame = frame[:length]
		copy(frame, hdr[:])
		if _, err := io.ReadFull(br, frame[HeaderLen:]); err != nil {
			s.close(readErr(err))
			return
		}
		s.stats.received.Add(1)
		p, err := Unmarshal(frame, s.cfg.MaxBody)
		if err != nil {
			s.stats.decodeErrs.Add(1)
			s.decodeFailed(id, seq, err)
			continue
		}
		s.dispatch(p)
	}
}

func readErr(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("smpp: connection closed by peer: %w", err)
	}
	return fmt.Errorf("smpp: read: %w", err)
}

// decodeFailed answers a PDU that did not decode: a request gets its own
// response with the error's status, an unknown command a generic_nack; a
// malformed response fails the request it answers.
func (s *Session) decodeFailed(id CommandID, seq uint32, err error) {
	status := StatusSysErr
	var de *DecodeError
	if errors.As(err, &de) {
		status = de.Status
	}
	if id.IsResponse() && id.Known() {
		s.mu.Lock()
		c := s.pending[seq]
		s.mu.Unlock()
		if c != nil {
			s.finish(c, nil, err)
		} else {
			s.stats.late.Add(1)
		}
		return
	}
	s.answerFault(id, seq, status)
}

// answerFault sends the response a faulty request gets.
func (s *Session) answerFault(id CommandID, seq uint32, status Status) {
	if id.IsResponse() {
		// Never answer a response; a bad one is dropped.
		return
	}
	if _, ok := id.Response(); !ok && id.Known() {
		// outbind and alert_notification have no response: generic_nack.
		s.enqueue(outgoing{pdu: &GenericNack{Header: Header{Status: status, Seq: seq}}})
		return
	}
	s.enqueue(outgoing{pdu: NewResponse(id, seq, status)})
}

// dispatch routes one decoded PDU.
func (s *Session) dispatch(p PDU) {
	id := p.CommandID()
	h := p.Hdr()
	if id.IsResponse() {
		s.mu.Lock()
		c := s.pending[h.Seq]
		s.mu.Unlock()
		if c == nil || (id != GenericNackID && id != c.id|respBit) {
			s.stats.late.Add(1)
			return
		}
		s.finish(c, p, nil)
		return
	}
	st := s.State()
	switch id {
	case EnquireLinkID:
		if !st.Bound() && st != StateUnbinding {
			s.answerFault(id, h.Seq, StatusInvBndSts)
			return
		}
		s.enqueue(outgoing{pdu: &EnquireLinkResp{Header: Header{Seq: h.Seq}}})
		return
	case UnbindID:
		if !st.Bound() && st != StateUnbinding {
			s.answerFault(id, h.Seq, StatusInvBndSts)
			return
		}
		s.setState(StateUnbinding)
		s.peerUnbound.Store(true)
		s.enqueue(outgoing{pdu: &UnbindResp{Header: Header{Seq: h.Seq}}})
		// Close once the writer has flushed the response.
		go s.closeAfterFlush(errPeerUnbound)
		return
	case BindTransmitterID, BindReceiverID, BindTransceiverID:
		if s.role != RoleSMSC {
			s.answerFault(id, h.Seq, StatusInvBndSts)
			return
		}
		if st != StateOpen {
			s.answerFault(id, h.Seq, StatusAlyBnd)
			return
		}
		s.serveBind(p)
		return
	}
	if id != OutbindID && !allowed(peerOf(s.role), st, id) {
		s.answerFault(id, h.Seq, StatusInvBndSts)
		return
	}
	if id == OutbindID && (s.role != RoleESME || st != StateOpen) {
		s.answerFault(id, h.Seq, StatusInvBndSts)
		return
	}
	if s.throttle != nil && isMessageSubmit(id) && !s.throttle.take(s.clock.Now()) {
		s.stats.throttled.Add(1)
		s.answerFault(id, h.Seq, StatusThrottled)
		return
	}
	in := &inbound{s: s, req: p, received: s.clock.Now()}
	select {
	case s.work <- in:
	case <-s.closed:
	}
}

var errPeerUnbound = errors.New("smpp: peer unbound")

func peerOf(r Role) Role {
	if r == RoleESME {
		return RoleSMSC
	}
	return RoleESME
}

func isMessageSubmit(id CommandID) bool {
	switch id {
	case SubmitSMID, SubmitMultiID, DataSMID, ReplaceSMID:
		return true
	}
	return false
}

// closeAfterFlush closes the session once everything queued so far has
// been written (an unbind_resp, typically), or after UnbindTimeout.
func (s *Session) closeAfterFlush(reason error) {
	done := make(chan struct{})
	if s.enqueue(outgoing{flushed: done}) {
		t := s.clock.NewTimer(s.cfg.UnbindTimeout)
		select {
		case <-done:
		case <-t.C():
		case <-s.closed:
		}
		t.Stop()
	}
	s.close(reason)
}

// handlerLoop runs the Handler for requests from the peer.
func (s *Session) handlerLoop() {
	defer s.wg.Done()
	for {
		select {
		case in := <-s.work:
			s.serve(in)
		case <-s.closed:
			return
		}
	}
}

func (s *Session) serve(in *inbound) {
	h := s.cfg.Handler
	if h == nil {
		h = defaultHandler{}
	}
	h.ServeSMPP(in, &Request{PDU: in.req, Session: s, Received: in.received})
	in.mu.Lock()
	answered, deferred := in.answered, in.deferred
	in.mu.Unlock()
	if !answered && !deferred {
		if _, ok := in.req.CommandID().Response(); ok {
			in.Respond(NewResponse(in.req.CommandID(), in.req.Hdr().Seq, StatusSysErr))
		}
	}
}

// enquireTick sends enquire_link when nothing has been received for the
// interval; a link that does not answer within the response timer is
// closed.
func (s *Session) enquireTick() {
	iv := s.cfg.EnquireLinkInterval
	if !s.idleFor(iv, &s.enquireT) {
		return
	}
	if s.State().Bound() {
		s.stats.enquires.Add(1)
		err := s.request(&EnquireLink{}, func(_ PDU, err error) {
			if errors.Is(err, ErrNoResponse) {
				s.close(errors.New("smpp: enquire_link not answered; link presumed dead"))
			}
		}, false)
		if err != nil {
			return
		}
	}
	s.resetTimer(&s.enquireT, iv)
}

// idleFor reports whether the open session has received nothing for iv;
// when it has, it re-arms t to fire when iv will have passed since then.
func (s *Session) idleFor(iv time.Duration, t *clock.Timer) bool {
	if s.State() == StateClosed {
		return false
	}
	idle := s.clock.Now().Sub(time.Unix(0, s.lastRecv.Load()))
	if idle < iv {
		s.resetTimer(t, iv-idle)
		return false
	}
	return true
}

// resetTimer re-arms one of the session's timers.
func (s *Session) resetTimer(t *clock.Timer, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if *t != nil && s.State() != StateClosed {
		(*t).Reset(d)
	}
}

// inactivityTick unbinds and closes a session that has received nothing
// for the inactivity timeout.
func (s *Session) inactivityTick() {
	if s.idleFor(s.cfg.InactivityTimeout, &s.inactivityT) {
		go s.Unbind(context.Background())
	}
}

// Unbind closes the session gracefully: no new requests are accepted,
// outstanding requests are given until ctx ends to be answered, then
// unbind is sent and unbind_resp awaited (UnbindTimeout at most), and the
// connection is closed.
func (s *Session) Unbind(ctx context.Context) error {
	st := s.State()
	if st == StateClosed {
		return nil
	}
	wasBound := st.Bound()
	s.setState(StateUnbinding)
	if wasBound {
		s.waitDrained(ctx)
		done := make(chan struct{})
		err := s.request(&Unbind{}, func(PDU, error) { close(done) }, false)
		if err == nil {
			t := s.clock.NewTimer(s.cfg.UnbindTimeout)
			select {
			case <-done:
			case <-t.C():
			case <-s.closed:
			}
			t.Stop()
		}
	}
	s.close(ErrClosed)
	return nil
}

// waitDrained waits until no request is outstanding, or ctx ends.
func (s *Session) waitDrained(ctx context.Context) {
	s.mu.Lock()
	if len(s.pending) == 0 {
		s.mu.Unlock()
		return
	}
	if s.drained == nil {
		s.drained = make(chan struct{})
	}
	ch := s.drained
	s.mu.Unlock()
	select {
	case <-ch:
	case <-ctx.Done():
	case <-s.closed:
	}
}

// Close closes the connection at once; outstanding requests fail with
// ErrClosed. Use Unbind for a graceful end.
func (s *Session) Close() error {
	s.close(ErrClosed)
	return nil
}

func (s *Session) close(reason error) {
	s.closeOnce.Do(func() {
		if s.peerUnbound.Load() {
			// The peer may close the connection as soon as it reads our
			// unbind_resp: the end is its unbind, not that EOF.
			reason = errPeerUnbound
		}
		s.setState(StateClosed)
		s.closeErr = reason
		s.qmu.Lock()
		s.qclose = true
		s.qmu.Unlock()
		close(s.closed)
		s.conn.Close()
		s.mu.Lock()
		for _, t := range []clock.Timer{s.enquireT, s.inactivityT, s.initT} {
			if t != nil {
				t.Stop()
			}
		}
		calls := make([]*call, 0, len(s.pending))
		for _, c := range s.pending {
			calls = append(calls, c)
		}
		s.mu.Unlock()
		for _, c := range calls {
			s.finish(c, nil, ErrClosed)
		}
		go func() {
			s.wg.Wait()
			if s.cfg.OnClose != nil {
				s.cfg.OnClose(s, reason)
			}
		}()
	})
}

// Wait blocks until the session's goroutines have ended.
func (s *Session) Wait() { <-s.closed; s.wg.Wait() }
