package smpp

import (
	"errors"
	"sync"
	"time"
)

// A Handler serves the requests a peer sends on a session: submit_sm,
// data_sm, query_sm ... at an SMSC; deliver_sm, data_sm,
// alert_notification at an ESME. Binds, enquire_link and unbind are
// answered by the session itself.
//
// ServeSMPP answers through w. Unlike net/http, the answer may come after
// ServeSMPP returns, which is how an SMSC in transaction mode parks a
// submit until the delivery outcome is known: the handler calls w.Defer,
// returns, and calls w.Respond later from any goroutine. A handler that
// returns without answering or deferring has its request answered with
// ESME_RSYSERR, so the peer is never left waiting.
type Handler interface {
	ServeSMPP(w ResponseWriter, r *Request)
}

// HandlerFunc adapts a function to a Handler.
type HandlerFunc func(w ResponseWriter, r *Request)

// ServeSMPP calls f(w, r).
func (f HandlerFunc) ServeSMPP(w ResponseWriter, r *Request) { f(w, r) }

// Request is one request received from the peer.
type Request struct {
	PDU      PDU
	Session  *Session
	Received time.Time // on the session's clock
}

// ResponseWriter answers one request.
type ResponseWriter interface {
	// Respond sends resp as the answer: its sequence number is set to the
	// request's. Only the first call has effect; later calls return
	// ErrAlreadyAnswered. For requests without a response
	// (alert_notification, outbind) Respond is a no-op.
	Respond(resp PDU) error
	// Defer says the handler will call Respond after ServeSMPP returns.
	Defer()
}

// ErrAlreadyAnswered is returned by a second Respond for one request.
var ErrAlreadyAnswered = errors.New("smpp: request already answered")

// inbound is a request in the session's hands; it is the ResponseWriter
// handed to the Handler.
type inbound struct {
	s        *Session
	req      PDU
	received time.Time

	mu       sync.Mutex
	answered bool
	deferred bool
}

func (in *inbound) Defer() {
	in.mu.Lock()
	in.deferred = true
	in.mu.Unlock()
}

func (in *inbound) Respond(resp PDU) error {
	in.mu.Lock()
	if in.answered {
		in.mu.Unlock()
		return ErrAlreadyAnswered
	}
	in.answered = true
	in.mu.Unlock()
	if _, ok := in.req.CommandID().Response(); !ok {
		return nil
	}
	resp.Hdr().Seq = in.req.Hdr().Seq
	resp = in.s.fitResponse(resp)
	if !in.s.enqueue(outgoing{pdu: resp}) {
		return ErrClosed
	}
	return nil
}

// fitResponse removes TLVs that the peer's SMPP version does not allow in
// a response: SMPP 3.4 defines none on submit_sm_resp, deliver_sm_resp
// and submit_multi_resp; 5.0 added delivery_failure_reason and friends.
// data_sm_resp carries them in both.
func (s *Session) fitResponse(resp PDU) PDU {
	if s.PeerInterfaceVersion() >= 0x50 {
		return resp
	}
	switch r := resp.(type) {
	case *SubmitSMResp:
		if len(r.TLVs) > 0 {
			c := *r
			c.TLVs = nil
			return &c
		}
	case *DeliverSMResp:
		if len(r.TLVs) > 0 {
			c := *r
			c.TLVs = nil
			return &c
		}
	}
	return resp
}

// defaultHandler serves a session that has no Handler: it refuses each
// operation with that operation's own failure status (ESME_RSUBMITFAIL,
// ESME_RQUERYFAIL, ...), which tells the peer the operation is not served
// rather than that something broke.
type defaultHandler struct{}

func (defaultHandler) ServeSMPP(w ResponseWriter, r *Request) {
	id := r.PDU.CommandID()
	status := StatusInvCmdID
	switch id {
	case SubmitSMID, SubmitMultiID, DataSMID:
		status = StatusSubmitFail
	case QuerySMID:
		status = StatusQueryFail
	case CancelSMID:
		status = StatusCancelFail
	case ReplaceSMID:
		status = StatusReplaceFail
	case DeliverSMID:
		status = StatusRxRAppn
	}
	w.Respond(NewResponse(id, r.PDU.Hdr().Seq, status))
}

// tokenBucket limits a session's message submits per second.
type tokenBucket struct {
	mu     sync.Mutex
	rate   float64 // tokens per second
	burst  float64
	tokens float64
	last   time.Time
}

func newTokenBucket(rate float64, now time.Time) *tokenBucket {
	burst := rate
	if burst < 1 {
		burst = 1
	}
	return &tokenBucket{rate: rate, burst: burst, tokens: burst, last: now}
}

// take removes one token if there is one.
func (b *tokenBucket) take(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if el := now.Sub(b.last); el > 0 {
		b.tokens += el.Seconds() * b.rate
		if b.tokens > b.burst {
			b.tokens = b.burst
		}
		b.last = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
