package smpp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/txpush/txpush/internal/accept"
)

// BindRequest is what the Server's Authenticate hook decides on.
type BindRequest struct {
	ID         CommandID // bind_transmitter, bind_receiver or bind_transceiver
	Params     BindParams
	RemoteAddr net.Addr
	TLS        *tls.ConnectionState // nil on a plain TCP connection
}

// BindDecision is the Authenticate hook's answer.
type BindDecision struct {
	// Status is ESME_ROK to accept; otherwise the bind_resp's status
	// (ESME_RINVPASWD, ESME_RINVSYSID, ESME_RBINDFAIL ...).
	Status Status
	// Throughput limits message submits per second on this session;
	// those over it are answered ESME_RTHROTTLED. 0 means no limit.
	Throughput float64
	// Account is attached to the session (Session.Account).
	Account any
}

// Server accepts SMPP connections and binds: the SMSC end. The zero value
// of each field takes the default its comment names.
type Server struct {
	// Addr is the TCP address for ListenAndServe; default ":2775".
	Addr string
	// SystemID is returned in bind responses; default "txpush".
	SystemID string
	// Authenticate decides on each bind. When nil, binds are accepted from
	// loopback addresses only.
	Authenticate func(*BindRequest) BindDecision
	// TLSConfig, when set, makes ListenAndServe serve TLS.
	TLSConfig *tls.Config
	// Session configures each accepted session (Handler, Clock, Window,
	// timers).
	Session SessionConfig
	// SessionInitTimeout is the session_init_timer: a connection that has
	// not bound within it is closed; default 10 s.
	SessionInitTimeout time.Duration
	// OnBound, when set, is called after a session binds.
	OnBound func(*Session)

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	sessions  map[*Session]struct{}
	shutdown  bool
	wg        sync.WaitGroup
}

// ErrServerClosed is returned by Serve after Shutdown or Close.
var ErrServerClosed = errors.New("smpp: server closed")

// ListenAndServe listens on s.Addr (TLS when TLSConfig is set) and serves.
func (s *Server) ListenAndServe() error {
	addr := s.Addr
	if addr == "" {
		addr = ":2775"
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	if s.TLSConfig != nil {
		l = tls.NewListener(l, s.TLSConfig)
	}
	return s.Serve(l)
}

// Serve accepts connections on l until it fails or the server shuts down.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.shutdown {
		s.mu.Unlock()
		l.Close()
		return ErrServerClosed
	}
	if s.listeners == nil {
		s.listeners = make(map[net.Listener]struct{})
	}
	s.listeners[l] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, l)
		s.mu.Unlock()
	}()
	for {
		conn, err := accept.Retrying(l)
		if err != nil {
			s.mu.Lock()
			down := s.shutdown
			s.mu.Unlock()
			if down {
				return ErrServerClosed
			}
			return err
		}
		s.startSession(conn)
	}
}

func (s *Server) startSession(conn net.Conn) {
	cfg := s.Session
	userClose := cfg.OnClose
	var sess *Session
	cfg.OnClose = func(ss *Session, err error) {
		s.mu.Lock()
		delete(s.sessions, ss)
		s.mu.Unlock()
		if userClose != nil {
			userClose(ss, err)
		}
		s.wg.Done()
	}
	s.mu.Lock()
	if s.sessions == nil {
		s.sessions = make(map[*Session]struct{})
	}
	s.wg.Add(1)
	sess = newSession(conn, RoleSMSC, cfg, s)
	s.sessions[sess] = struct{}{}
	s.mu.Unlock()
}

// serveBind answers a bind request at the SMSC end.
func (sess *Session) serveBind(p PDU) {
	srv := sess.server
	id := p.CommandID()
	params := *bindParamsOf(p)
	req := &BindRequest{ID: id, Params: params, RemoteAddr: sess.conn.RemoteAddr()}
	if cs, ok := sess.TLSConnectionState(); ok {
		req.TLS = &cs
	}
	var dec BindDecision
	if srv != nil && srv.Authenticate != nil {
		dec = srv.Authenticate(req)
	} else if !isLoopback(req.RemoteAddr) {
		dec.Status = StatusBindFail
	}
	resp := NewResponse(id, p.Hdr().Seq, dec.Status)
	br := bindRespParamsOf(resp)
	if srv != nil && srv.SystemID != "" {
		br.SystemID = srv.SystemID
	} else {
		br.SystemID = "txpush"
	}
	if dec.Status != StatusOK {
		// 3.4: a failed bind_resp carries no body; some peers choke on
		// the TLVs of an error response.
		br.SystemID = ""
		sess.enqueue(outgoing{pdu: resp})
		return
	}
	if params.InterfaceVersion >= 0x34 {
		// sc_interface_version tells the ESME which version we speak
		// (3.4 section 4.1: only when the ESME says it supports 3.4).
		br.TLVs.SetSCInterfaceVersion(0x34)
	}
	sess.mu.Lock()
	sess.bind = params
	if params.InterfaceVersion != 0 {
		sess.peerVer = params.InterfaceVersion
	}
	sess.account = dec.Account
	if dec.Throughput > 0 {
		sess.throttle = newTokenBucket(dec.Throughput, sess.clock.Now())
	}
	sess.mu.Unlock()
	switch id {
	case BindTransmitterID:
		sess.setState(StateBoundTX)
	case BindReceiverID:
		sess.setState(StateBoundRX)
	default:
		sess.setState(StateBoundTRX)
	}
	sess.mu.Lock()
	if sess.initT != nil {
		sess.initT.Stop()
	}
	sess.mu.Unlock()
	sess.enqueue(outgoing{pdu: resp})
	if srv != nil && srv.OnBound != nil {
		srv.OnBound(sess)
	}
}

func isLoopback(a net.Addr) bool {
	switch v := a.(type) {
	case *net.TCPAddr:
		return v.IP.IsLoopback()
	case *net.UnixAddr:
		return true
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// bindParamsOf returns the bind fields of a bind request.
func bindParamsOf(p PDU) *BindParams {
	switch b := p.(type) {
	case *BindTransmitter:
		return b.Bind()
	case *BindReceiver:
		return b.Bind()
	case *BindTransceiver:
		return b.Bind()
	}
	return &BindParams{}
}

// bindRespParamsOf returns the fields of a bind response.
func bindRespParamsOf(p PDU) *BindRespParams {
	switch b := p.(type) {
	case *BindTransmitterResp:
		return b.BindResp()
	case *BindReceiverResp:
		return b.BindResp()
	case *BindTransceiverResp:
		return b.BindResp()
	}
	return &BindRespParams{}
}

// Sessions returns the server's open sessions.
func (s *Server) Sessions() []*Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*Session, 0, len(s.sessions))
	for ss := range s.sessions {
		out = append(out, ss)
	}
	return out
}

// Shutdown stops accepting, then unbinds every session gracefully: each is
// given until ctx ends for its outstanding requests, sends unbind and
// closes. Programs call it on SIGTERM.
func (s *Server) Shutdown(ctx context.Context) error {
	s.closeListeners()
	var wg sync.WaitGroup
	for _, ss := range s.Sessions() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ss.Unbind(ctx)
		}()
	}
	wg.Wait()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("smpp: shutdown: %w", ctx.Err())
	}
}

// Close stops accepting and closes every session at once.
func (s *Server) Close() error {
	s.closeListeners()
	for _, ss := range s.Sessions() {
		ss.Close()
	}
	return nil
}

func (s *Server) closeListeners() {
	s.mu.Lock()
	s.shutdown = true
	ls := s.listeners
	s.listeners = nil
	s.mu.Unlock()
	for l := range ls {
		l.Close()
	}
}
