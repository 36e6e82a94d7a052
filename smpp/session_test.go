package smpp

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/txpush/txpush/clock"
)

var epoch = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// testServer starts a Server on 127.0.0.1:0 and returns its address.
func testServer(t *testing.T, srv *Server) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return l.Addr().String()
}

// echoSubmit answers every submit_sm with a message_id counting from 1.
func echoSubmit() Handler {
	var n atomic.Uint64
	return HandlerFunc(func(w ResponseWriter, r *Request) {
		switch r.PDU.(type) {
		case *SubmitSM:
			w.Respond(&SubmitSMResp{MessageID: strconv.FormatUint(n.Add(1), 10)})
		case *DataSM:
			w.Respond(&DataSMResp{MessageID: strconv.FormatUint(n.Add(1), 10)})
		case *QuerySM:
			w.Respond(&QuerySMResp{MessageID: r.PDU.(*QuerySM).MessageID, MessageState: 2})
		default:
			w.Respond(NewResponse(r.PDU.CommandID(), r.PDU.Hdr().Seq, StatusOK))
		}
	})
}

func dial(t *testing.T, addr string, cfg DialConfig) *Session {
	t.Helper()
	if cfg.Params.SystemID == "" {
		cfg.Params.SystemID = "ppg"
		cfg.Params.Password = "secret"
	}
	s, err := Dial(context.Background(), addr, cfg)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { s.Close(); s.Wait() })
	return s
}

func submit(dest string) *SubmitSM {
	return &SubmitSM{ShortMessage: ShortMessage{
		SourceAddrTON: 5, SourceAddr: "PPG",
		DestAddrTON: 1, DestAddrNPI: 1, DestinationAddr: dest,
		ESMClass: 0x02, DataCoding: 0x04,
	}}
}

func TestBindSubmitUnbind(t *testing.T) {
	for _, mode := range []BindMode{Transmitter, Transceiver} {
		t.Run(mode.String(), func(t *testing.T) {
			var bound atomic.Pointer[BindRequest]
			srv := &Server{
				Session: SessionConfig{Handler: echoSubmit()},
				Authenticate: func(b *BindRequest) BindDecision {
					bound.Store(b)
					if b.Params.Password != "secret" {
						return BindDecision{Status: StatusInvPaswd}
					}
					return BindDecision{}
				},
			}
			addr := testServer(t, srv)
			s := dial(t, addr, DialConfig{Mode: mode})
			if s.State() != mode.state() {
				t.Fatalf("state %v, want %v", s.State(), mode.state())
			}
			if b := bound.Load(); b.Params.SystemID != "ppg" || b.Params.InterfaceVersion != 0x34 {
				t.Fatalf("server saw bind %+v", b.Params)
			}
			for i := 1; i <= 3; i++ {
				resp, err := s.Send(context.Background(), submit("358401234567"))
				if err != nil {
					t.Fatal(err)
				}
				if id := resp.(*SubmitSMResp).MessageID; id != strconv.Itoa(i) {
					t.Fatalf("message_id %q, want %d", id, i)
				}
			}
			if err := s.Unbind(context.Background()); err != nil {
				t.Fatal(err)
			}
			<-s.Done()
			waitFor(t, func() bool { return len(srv.Sessions()) == 0 })
		})
	}
}

func TestBindRefused(t *testing.T) {
	srv := &Server{Authenticate: func(b *BindRequest) BindDecision {
		return BindDecision{Status: StatusInvPaswd}
	}}
	addr := testServer(t, srv)
	_, err := Dial(context.Background(), addr, DialConfig{Params: BindParams{SystemID: "x", Password: "bad"}})
	var be *BindError
	if !errors.As(err, &be) || be.Status != StatusInvPaswd || !errors.Is(err, StatusInvPaswd) {
		t.Fatalf("err = %v, want a BindError with ESME_RINVPASWD", err)
	}
}

func TestReceiverCannotSubmit(t *testing.T) {
	addr := testServer(t, &Server{Session: SessionConfig{Handler: echoSubmit()}})
	s := dial(t, addr, DialConfig{Mode: Receiver})
	// The session refuses to send it ...
	if _, err := s.Send(context.Background(), submit("1")); !errors.Is(err, ErrNotBound) {
		t.Fatalf("send on receiver: %v, want ErrNotBound", err)
	}
	// ... and the server refuses it when it comes anyway.
	p := rawBind(t, addr, &BindReceiver{BindParams: BindParams{SystemID: "a", InterfaceVersion: 0x34}})
	p.send(submit("1"), 7)
	resp := p.recv()
	if resp.CommandID() != SubmitSMRespID || resp.Hdr().Status != StatusInvBndSts || resp.Hdr().Seq != 7 {
		t.Fatalf("got %v status %v seq %d, want submit_sm_resp ESME_RINVBNDSTS seq 7", resp.CommandID(), resp.Hdr().Status, resp.Hdr().Seq)
	}
}

// rawPeer speaks SMPP by hand, to send what a well-behaved session never
// would.
type rawPeer struct {
	t    *testing.T
	conn net.Conn
	br   *bufio.Reader
}

func rawConnect(t *testing.T, addr string) *rawPeer {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	return &rawPeer{t: t, conn: c, br: bufio.NewReader(c)}
}

func rawBind(t *testing.T, addr string, bind PDU) *rawPeer {
	p := rawConnect(t, addr)
	p.send(bind, 1)
	if r := p.recv(); r.Hdr().Status != StatusOK {
		t.Fatalf("bind: %v", r.Hdr().Status)
	}
	return p
}

func (p *rawPeer) send(pdu PDU, seq uint32) {
	p.t.Helper()
	pdu.Hdr().Seq = seq
	b, err := Append(nil, pdu)
	if err != nil {
		p.t.Fatal(err)
	}
	p.write(b)
}

func (p *rawPeer) write(b []byte) {
	p.t.Helper()
	if _, err := p.conn.Write(b); err != nil {
		p.t.Fatal(err)
	}
}

func (p *rawPeer) recv() PDU {
	p.t.Helper()
	pdu, err := p.tryRecv()
	if err != nil {
		p.t.Fatal(err)
	}
	return pdu
}

func (p *rawPeer) tryRecv() (PDU, error) {
	var h [HeaderLen]byte
	if _, err := io.ReadFull(p.br, h[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(h[:4])
	b := make([]byte, n)
	copy(b, h[:])
	if _, err := io.ReadFull(p.br, b[HeaderLen:]); err != nil {
		return nil, err
	}
	return Unmarshal(b, 0)
}

func header(length uint32, id CommandID, status Status, seq uint32) []byte {
	b := make([]byte, HeaderLen)
	binary.BigEndian.PutUint32(b[0:], length)
	binary.BigEndian.PutUint32(b[4:], uint32(id))
	binary.BigEndian.PutUint32(b[8:], uint32(status))
	binary.BigEndian.PutUint32(b[12:], seq)
	return b
}

func TestStateMachineAndFaults(t *testing.T) {
	addr := testServer(t, &Server{Session: SessionConfig{Handler: echoSubmit(), MaxBody: 1024}})
	bindTRX := &BindTransceiver{BindParams: BindParams{SystemID: "a", InterfaceVersion: 0x34}}

	t.Run("submit before bind", func(t *testing.T) {
		p := rawConnect(t, addr)
		p.send(submit("1"), 3)
		expect(t, p.recv(), SubmitSMRespID, StatusInvBndSts, 3)
	})
	t.Run("enquire_link before bind", func(t *testing.T) {
		p := rawConnect(t, addr)
		p.send(&EnquireLink{}, 4)
		expect(t, p.recv(), EnquireLinkRespID, StatusInvBndSts, 4)
	})
	t.Run("second bind", func(t *testing.T) {
		p := rawBind(t, addr, bindTRX)
		p.send(&BindTransmitter{BindParams: BindParams{SystemID: "a"}}, 2)
		expect(t, p.recv(), BindTransmitterRespID, StatusAlyBnd, 2)
	})
	t.Run("deliver_sm from an ESME", func(t *testing.T) {
		p := rawBind(t, addr, bindTRX)
		p.send(&DeliverSM{}, 2)
		expect(t, p.recv(), DeliverSMRespID, StatusInvBndSts, 2)
	})
	t.Run("unknown command_id then the session lives on", func(t *testing.T) {
		p := rawBind(t, addr, bindTRX)
		p.write(header(16, 0x00000777, 0, 9))
		expect(t, p.recv(), GenericNackID, StatusInvCmdID, 9)
		p.send(&EnquireLink{}, 10)
		expect(t, p.recv(), EnquireLinkRespID, StatusOK, 10)
	})
	t.Run("malformed body gets its own response", func(t *testing.T) {
		p := rawBind(t, addr, bindTRX)
		b, err := Append(nil, submit("358401234567"))
		if err != nil {
			t.Fatal(err)
		}
		binary.BigEndian.PutUint32(b[12:], 11)
		// sm_length says 200 octets but none follow.
		b[len(b)-1] = 200
		p.write(b)
		r := p.recv()
		if r.CommandID() != SubmitSMRespID || r.Hdr().Seq != 11 || r.Hdr().Status == StatusOK {
			t.Fatalf("got %v %v seq %d", r.CommandID(), r.Hdr().Status, r.Hdr().Seq)
		}
		p.send(submit("2"), 12)
		expect(t, p.recv(), SubmitSMRespID, StatusOK, 12)
	})
	t.Run("oversize command_length is skipped", func(t *testing.T) {
		p := rawBind(t, addr, bindTRX)
		big := append(header(16+2000, SubmitSMID, 0, 13), make([]byte, 2000)...)
		p.write(big)
		expect(t, p.recv(), SubmitSMRespID, StatusInvCmdLen, 13)
		p.send(&EnquireLink{}, 14)
		expect(t, p.recv(), EnquireLinkRespID, StatusOK, 14)
	})
	t.Run("command_length under 16 closes", func(t *testing.T) {
		p := rawBind(t, addr, bindTRX)
		p.write(header(8, SubmitSMID, 0, 15))
		expect(t, p.recv(), GenericNackID, StatusInvCmdLen, 15)
		if _, err := p.tryRecv(); err == nil {
			t.Fatal("session still open after an unreadable length")
		}
	})
	t.Run("late response is dropped", func(t *testing.T) {
		p := rawBind(t, addr, bindTRX)
		p.send(&SubmitSMResp{MessageID: "x"}, 99)
		p.send(&EnquireLink{}, 16)
		expect(t, p.recv(), EnquireLinkRespID, StatusOK, 16)
	})
	t.Run("peer unbind is answered and closes", func(t *testing.T) {
		p := rawBind(t, addr, bindTRX)
		p.send(&Unbind{}, 17)
		expect(t, p.recv(), UnbindRespID, StatusOK, 17)
		if _, err := p.tryRecv(); err == nil {
			t.Fatal("session still open after unbind")
		}
	})
}

func expect(t *testing.T, p PDU, id CommandID, status Status, seq uint32) {
	t.Helper()
	if p.CommandID() != id || p.Hdr().Status != status || p.Hdr().Seq != seq {
		t.Fatalf("got %v %v seq %d, want %v %v seq %d", p.CommandID(), p.Hdr().Status, p.Hdr().Seq, id, status, seq)
	}
}

// parked is a handler that keeps every submit unanswered until released.
type parked struct {
	mu   sync.Mutex
	ws   []ResponseWriter
	seen atomic.Int64
}

func (h *parked) ServeSMPP(w ResponseWriter, r *Request) {
	if _, ok := r.PDU.(*SubmitSM); !ok {
		w.Respond(NewResponse(r.PDU.CommandID(), 0, StatusOK))
		return
	}
	w.Defer()
	h.mu.Lock()
	h.ws = append(h.ws, w)
	h.mu.Unlock()
	h.seen.Add(1)
}

func (h *parked) releaseAll() int {
	h.mu.Lock()
	ws := h.ws
	h.ws = nil
	h.mu.Unlock()
	for i, w := range ws {
		w.Respond(&SubmitSMResp{MessageID: strconv.Itoa(i)})
	}
	return len(ws)
}

func TestResponseTimerNeverResends(t *testing.T) {
	vc := clock.NewVirtual(epoch)
	h := &parked{}
	addr := testServer(t, &Server{Session: SessionConfig{Handler: h}})
	s := dial(t, addr, DialConfig{Mode: Transceiver, Session: SessionConfig{
		Clock: vc, ResponseTimeout: 40 * time.Second, EnquireLinkInterval: -1,
	}})
	got := make(chan error, 1)
	if err := s.SendAsync(context.Background(), submit("1"), func(_ PDU, err error) { got <- err }); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return h.seen.Load() == 1 })
	vc.Advance(39 * time.Second)
	select {
	case err := <-got:
		t.Fatalf("finished early: %v", err)
	default:
	}
	vc.Advance(time.Second)
	if err := <-got; !errors.Is(err, ErrNoResponse) {
		t.Fatalf("err %v, want ErrNoResponse", err)
	}
	// The answer comes after all: it is counted and dropped, and the
	// request was sent exactly once.
	h.releaseAll()
	waitFor(t, func() bool { return s.Stats().LateResponses == 1 })
	if n := h.seen.Load(); n != 1 {
		t.Fatalf("server saw %d submits, want 1", n)
	}
	if st := s.Stats(); st.Timeouts != 1 || st.Outstanding != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestWindowPolicies(t *testing.T) {
	h := &parked{}
	addr := testServer(t, &Server{Session: SessionConfig{Handler: h}})
	for _, policy := range []WindowPolicy{FailFast, Block} {
		s := dial(t, addr, DialConfig{Mode: Transmitter, Session: SessionConfig{Window: 3, WindowPolicy: policy}})
		var answered atomic.Int64
		for i := 0; i < 3; i++ {
			if err := s.SendAsync(context.Background(), submit("1"), func(PDU, error) { answered.Add(1) }); err != nil {
				t.Fatal(err)
			}
		}
		if policy == FailFast {
			if err := s.SendAsync(context.Background(), submit("1"), nil); !errors.Is(err, ErrWindowFull) {
				t.Fatalf("fourth send: %v, want ErrWindowFull", err)
			}
		} else {
			ctx, cancel := context.WithCancel(context.Background())
			errc := make(chan error, 1)
			go func() { errc <- s.SendAsync(ctx, submit("1"), func(PDU, error) { answered.Add(1) }) }()
			select {
			case err := <-errc:
				t.Fatalf("fourth send returned %v while the window was full", err)
			case <-time.After(50 * time.Millisecond):
			}
			// Freeing one slot lets it through.
			waitFor(t, func() bool { return h.seen.Load() >= 3 })
			h.releaseAll()
			if err := <-errc; err != nil {
				t.Fatal(err)
			}
			cancel()
			waitFor(t, func() bool { return answered.Load() == 3 })
		}
		waitFor(t, func() bool { h.mu.Lock(); defer h.mu.Unlock(); return len(h.ws) > 0 })
		h.releaseAll()
		h.seen.Store(0)
		s.Close()
	}
}

func TestTenThousandOutstanding(t *testing.T) {
	const n = 10000
	h := &parked{}
	addr := testServer(t, &Server{Session: SessionConfig{Handler: h}})
	s := dial(t, addr, DialConfig{Mode: Transceiver, Session: SessionConfig{Window: n, WindowPolicy: FailFast}})
	var ok atomic.Int64
	var wg sync.WaitGroup
	wg.Add(n)
	for i := 0; i < n; i++ {
		err := s.SendAsync(context.Background(), submit("358401234567"), func(p PDU, err error) {
			if err == nil && p.Hdr().Status == StatusOK {
				ok.Add(1)
			}
			wg.Done()
		})
		if err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	waitFor(t, func() bool { return h.seen.Load() == n })
	if st := s.Stats(); st.Outstanding != n {
		t.Fatalf("outstanding %d, want %d", st.Outstanding, n)
	}
	if err := s.SendAsync(context.Background(), submit("1"), nil); !errors.Is(err, ErrWindowFull) {
		t.Fatalf("send past the window: %v", err)
	}
	h.releaseAll()
	wg.Wait()
	if ok.Load() != n {
		t.Fatalf("%d answered OK, want %d", ok.Load(), n)
	}
}

func TestEnquireLinkKeepalive(t *testing.T) {
	vc := clock.NewVirtual(epoch)
	addr := testServer(t, &Server{})
	s := dial(t, addr, DialConfig{Mode: Transceiver, Session: SessionConfig{
		Clock: vc, EnquireLinkInterval: 30 * time.Second, ResponseTimeout: 10 * time.Second,
	}})
	vc.Advance(30 * time.Second)
	waitFor(t, func() bool { return s.Stats().Outstanding == 0 && s.Stats().EnquireLinksSent == 1 })
	vc.Advance(30 * time.Second)
	waitFor(t, func() bool { return s.Stats().Outstanding == 0 && s.Stats().EnquireLinksSent == 2 })
	if s.State() != StateBoundTRX {
		t.Fatalf("state %v", s.State())
	}
}

func TestEnquireLinkUnansweredClosesTheLink(t *testing.T) {
	vc := clock.NewVirtual(epoch)
	// A peer that binds us and then says nothing more.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		p := &rawPeer{t: t, conn: c, br: bufio.NewReader(c)}
		b, err := p.tryRecv()
		if err != nil {
			return
		}
		resp := NewResponse(b.CommandID(), b.Hdr().Seq, StatusOK)
		out, _ := Append(nil, resp)
		c.Write(out)
		io.Copy(io.Discard, c)
	}()
	s := dial(t, l.Addr().String(), DialConfig{Mode: Transceiver, Session: SessionConfig{
		Clock: vc, EnquireLinkInterval: 30 * time.Second, ResponseTimeout: 10 * time.Second,
	}})
	vc.Advance(30 * time.Second)
	waitFor(t, func() bool { return s.Stats().EnquireLinksSent == 1 })
	vc.Advance(10 * time.Second)
	select {
	case <-s.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("session not closed after an unanswered enquire_link")
	}
}

func TestInactivityTimer(t *testing.T) {
	vc := clock.NewVirtual(epoch)
	var closed atomic.Int64
	srv := &Server{Session: SessionConfig{
		Clock: vc, InactivityTimeout: 5 * time.Minute, EnquireLinkInterval: -1,
		OnClose: func(*Session, error) { closed.Add(1) },
	}}
	addr := testServer(t, srv)
	s := dial(t, addr, DialConfig{Mode: Transceiver, Session: SessionConfig{EnquireLinkInterval: -1}})
	waitFor(t, func() bool { return len(srv.Sessions()) == 1 })
	vc.Advance(4 * time.Minute)
	if _, err := s.Send(context.Background(), submit("1")); err != nil && !errors.Is(err, StatusSubmitFail) {
		t.Fatal(err)
	}
	// Activity at 4 min pushes the deadline to 9 min.
	vc.Advance(4 * time.Minute)
	if s.State() == StateClosed {
		t.Fatal("closed while active")
	}
	vc.Advance(time.Minute + time.Second)
	select {
	case <-s.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("inactive session not closed")
	}
	waitFor(t, func() bool { return closed.Load() == 1 })
}

func TestSessionInitTimer(t *testing.T) {
	vc := clock.NewVirtual(epoch)
	addr := testServer(t, &Server{SessionInitTimeout: 10 * time.Second, Session: SessionConfig{Clock: vc}})
	p := rawConnect(t, addr)
	vc.WaitForTimers(1)
	vc.Advance(10 * time.Second)
	if _, err := p.tryRecv(); err == nil {
		t.Fatal("unbound connection not closed after session_init_timer")
	}
}

func TestThrottling(t *testing.T) {
	vc := clock.NewVirtual(epoch)
	srv := &Server{
		Session: SessionConfig{Clock: vc, Handler: echoSubmit(), EnquireLinkInterval: -1},
		Authenticate: func(*BindRequest) BindDecision {
			return BindDecision{Throughput: 2}
		},
	}
	addr := testServer(t, srv)
	s := dial(t, addr, DialConfig{Mode: Transmitter, Session: SessionConfig{EnquireLinkInterval: -1}})
	var throttled int
	for i := 0; i < 5; i++ {
		_, err := s.Send(context.Background(), submit("1"))
		if errors.Is(err, StatusThrottled) {
			throttled++
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if throttled != 3 {
		t.Fatalf("%d of 5 throttled at 2/s, want 3", throttled)
	}
	vc.Advance(time.Second)
	if _, err := s.Send(context.Background(), submit("1")); err != nil {
		t.Fatalf("after a second: %v", err)
	}
}

func TestLoopbackOnlyWithoutAccounts(t *testing.T) {
	if !isLoopback(&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}) || isLoopback(&net.TCPAddr{IP: net.IPv4(192, 0, 2, 1)}) {
		t.Fatal("isLoopback is wrong")
	}
}

func TestResponseTLVsFollowInterfaceVersion(t *testing.T) {
	h := HandlerFunc(func(w ResponseWriter, r *Request) {
		resp := &SubmitSMResp{}
		resp.Status = StatusDeliveryFailure
		resp.TLVs.SetDeliveryFailureReason(0)
		w.Respond(resp)
	})
	addr := testServer(t, &Server{Session: SessionConfig{Handler: h}})
	for _, v := range []byte{0x34, 0x50} {
		s := dial(t, addr, DialConfig{Mode: Transceiver, Params: BindParams{SystemID: "a", InterfaceVersion: v}})
		resp, err := s.Send(context.Background(), submit("1"))
		if !errors.Is(err, StatusDeliveryFailure) {
			t.Fatalf("v%x: %v", v, err)
		}
		_, has := resp.(*SubmitSMResp).TLVs.DeliveryFailureReason()
		if has != (v == 0x50) {
			t.Fatalf("interface_version 0x%x: delivery_failure_reason present = %v", v, has)
		}
	}
}

func TestServerShutdownUnbindsGracefully(t *testing.T) {
	srv := &Server{Session: SessionConfig{Handler: echoSubmit()}}
	addr := testServer(t, srv)
	s := dial(t, addr, DialConfig{Mode: Transceiver})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	<-s.Done()
	if !errors.Is(s.Err(), errPeerUnbound) {
		t.Fatalf("client closed with %v, want the peer's unbind", s.Err())
	}
}

func TestClientReconnectsWithBackoff(t *testing.T) {
	vc := clock.NewVirtual(epoch)
	var binds atomic.Int64
	srv := &Server{Authenticate: func(*BindRequest) BindDecision { binds.Add(1); return BindDecision{} }}
	addr := testServer(t, srv)
	c := &Client{Addr: addr, DialConfig: DialConfig{Mode: Transceiver, Session: SessionConfig{Clock: vc, EnquireLinkInterval: -1}},
		MinBackoff: time.Second, MaxBackoff: 4 * time.Second}
	c.Start(context.Background())
	defer c.Close(context.Background())
	first, err := c.WaitBound(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, ss := range srv.Sessions() {
		ss.Close()
	}
	<-first.Done()
	// The client waits its backoff on the clock before dialling again.
	vc.WaitForTimers(1)
	if binds.Load() != 1 {
		t.Fatalf("redialled before the backoff: %d binds", binds.Load())
	}
	vc.Advance(time.Second)
	waitFor(t, func() bool { s := c.Current(); return s != nil && s != first })
	if binds.Load() != 2 {
		t.Fatalf("%d binds, want 2", binds.Load())
	}
}

// waitFor polls cond: for effects of goroutines on real sockets, never
// for time to pass on a clock.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10 s")
		}
		time.Sleep(time.Millisecond)
	}
}

func ExampleServer() {
	srv := &Server{Session: SessionConfig{Handler: HandlerFunc(func(w ResponseWriter, r *Request) {
		if _, ok := r.PDU.(*SubmitSM); ok {
			w.Respond(&SubmitSMResp{MessageID: "1"})
		}
	})}}
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	go srv.Serve(l)
	defer srv.Close()
	s, err := Dial(context.Background(), l.Addr().String(), DialConfig{Mode: Transceiver, Params: BindParams{SystemID: "ppg"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	resp, err := s.Send(context.Background(), submit("358401234567"))
	fmt.Println(resp.(*SubmitSMResp).MessageID, err)
	s.Unbind(context.Background())
	// Output: 1 <nil>
}

func TestOnResponseTimesAnsweredRequests(t *testing.T) {
	vc := clock.NewVirtual(epoch)
	h := &parked{}
	addr := testServer(t, &Server{Session: SessionConfig{Handler: h}})
	type obs struct {
		id   CommandID
		took time.Duration
	}
	got := make(chan obs, 4)
	s := dial(t, addr, DialConfig{Mode: Transceiver, Session: SessionConfig{
		Clock: vc, EnquireLinkInterval: -1, ResponseTimeout: -1,
		OnResponse: func(id CommandID, took time.Duration) { got <- obs{id, took} },
	}})
	done := make(chan error, 1)
	if err := s.SendAsync(context.Background(), submit("1"), func(_ PDU, err error) { done <- err }); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return h.seen.Load() == 1 })
	vc.Advance(1500 * time.Millisecond)
	h.releaseAll()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if o := <-got; o.id != BindTransceiverID {
		t.Fatalf("first OnResponse for %v, want the bind", o.id)
	}
	if o := <-got; o.id != SubmitSMID || o.took != 1500*time.Millisecond {
		t.Fatalf("OnResponse(%v, %v), want submit_sm after 1.5 s", o.id, o.took)
	}
}

// A Close that comes while a bind is completing must still unbind it: the
// bind answered by the server must not outlive the client. The window is
// narrow, so the race is run many times.
func TestClientCloseDuringBindUnbinds(t *testing.T) {
	bound := make(chan *Session, 1)
	srv := &Server{OnBound: func(s *Session) { bound <- s }}
	addr := testServer(t, srv)
	for i := range 200 {
		c := &Client{Addr: addr, DialConfig: DialConfig{Mode: Receiver, Session: SessionConfig{EnquireLinkInterval: -1}}}
		c.Start(context.Background())
		server := <-bound
		c.Close(context.Background())
		select {
		case <-server.Done():
		case <-time.After(5 * time.Second):
			t.Fatalf("try %d: the server's session is still open after the client closed", i)
		}
	}
}
