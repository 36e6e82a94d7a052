package main

import (
	"net"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/txpush/txpush/smpp"
)

// answeringSMSC is the SMSC of the PPG's benchmark as issue 5 words it:
// "an SMSC that answers at once". It runs in the bench's process, accepts
// any bind from loopback, and answers each submit_sm and data_sm ESME_ROK
// with a fresh message_id, at once or after the hold, with no air
// interface, no store and no handsets behind it. To a PPG in transaction
// mode that answer is the delivery, so what the run costs is the PPG's own
// work; the full chain (txpush smsc, its store, the bench's handsets) is
// --smsc txpush.
//
// It sees each submit as it arrives, so the time from POST to submit_sm
// needs no relay in between.
type answeringSMSC struct {
	srv      *smpp.Server
	ln       net.Listener
	hold     time.Duration
	ids      atomic.Uint64
	onSubmit func(dest string) // called as each submit is read
}

func startAnsweringSMSC(hold time.Duration, onSubmit func(dest string)) (*answeringSMSC, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	a := &answeringSMSC{ln: ln, hold: hold, onSubmit: onSubmit}
	a.srv = &smpp.Server{SystemID: "bench-smsc", Session: smpp.SessionConfig{Handler: smpp.HandlerFunc(a.serve)}}
	go a.srv.Serve(ln)
	return a, nil
}

func (a *answeringSMSC) addr() string { return a.ln.Addr().String() }

func (a *answeringSMSC) close() { a.srv.Close() }

func (a *answeringSMSC) serve(w smpp.ResponseWriter, r *smpp.Request) {
	var resp smpp.PDU
	switch p := r.PDU.(type) {
	case *smpp.SubmitSM:
		a.onSubmit(p.DestinationAddr)
		resp = &smpp.SubmitSMResp{MessageID: a.nextID()}
	case *smpp.DataSM:
		a.onSubmit(p.DestinationAddr)
		resp = &smpp.DataSMResp{MessageID: a.nextID()}
	default:
		// The PPG's transaction mode sends nothing else; anything else
		// is answered as not supported rather than faked.
		w.Respond(smpp.NewResponse(r.PDU.CommandID(), 0, smpp.StatusInvCmdID))
		return
	}
	if a.hold <= 0 {
		w.Respond(resp)
		return
	}
	w.Defer()
	time.AfterFunc(a.hold, func() { w.Respond(resp) })
}

func (a *answeringSMSC) nextID() string {
	return strconv.FormatUint(a.ids.Add(1), 16)
}
