package ppg

import (
	"context"
	"crypto/tls"
	"errors"
	"time"

	"github.com/txpush/txpush/clock"
	"github.com/txpush/txpush/smpp"
	"github.com/txpush/txpush/wap/wdp"
)

// Defaults of SMPPConfig.
const (
	// DefaultResponseTimeout must exceed the push SMSC's group deadline
	// (30 s by default): the SMSC answers a transaction only once its
	// outcome is known.
	DefaultResponseTimeout = 45 * time.Second
	// DefaultWindow lets thousands of transactions wait for their outcome
	// on one bind: throughput is binds × window ÷ response time, and a
	// transaction's response takes seconds.
	DefaultWindow = 5000
)

// Submit fields of a transaction-mode WAP push.
const (
	esmTransaction = 0x02 // esm_class messaging mode 10: transaction
	dcs8Bit        = 0x04 // data_coding: 8-bit data

	// delivery_failure_reason values that no retry can cure.
	dfrAddressInvalid   = 1
	dfrPermanentNetwork = 2
)

// SMPPConfig says where an SMPPDispatcher sends pushes and how.
type SMPPConfig struct {
	// Addrs are the push SMSCs' SMPP addresses (host:port).
	Addrs []string
	// BindsPerAddr is the number of transceiver binds to each address;
	// default 1.
	BindsPerAddr int
	// Bind is what each bind request carries; InterfaceVersion defaults to
	// 0x50 so that failure responses may carry delivery_failure_reason
	// and network_error_code.
	Bind      smpp.BindParams
	TLSConfig *tls.Config
	// UseDataSM sends data_sm instead of submit_sm.
	UseDataSM bool
	// SourceAddr is the originator shown to the handset; default "PPG"
	// (alphanumeric).
	SourceAddr string
	// ResponseTimeout is how long a submit waits for its outcome; default
	// DefaultResponseTimeout. Its expiry makes the outcome Unknown: the
	// submit is never sent again as a new message.
	ResponseTimeout time.Duration
	// Window is the number of submits each bind may have outstanding;
	// default DefaultWindow. A full window makes a submit Busy at once.
	Window int
	// EnquireLinkInterval is passed on to the sessions; 0 takes the smpp
	// package's default.
	EnquireLinkInterval time.Duration
	// MinBackoff and MaxBackoff bound the wait between bind attempts.
	MinBackoff, MaxBackoff time.Duration
	Clock                  clock.Clock
	// OnError, if set, is told of every failed bind and lost session.
	OnError func(error)
	// OnResponse, if set, is told how long each SMPP request took to be
	// answered (submits, binds, enquire_links); it must not block.
	OnResponse func(id smpp.CommandID, took time.Duration)
}

// SMPPDispatcher is a Dispatcher that submits pushes to push SMSCs over
// SMPP in transaction mode: each push is one submit_sm (or data_sm) that
// carries the whole WSP push in message_payload, and whose response is the
// delivery's outcome. Submits are spread round-robin over the bound
// sessions; a session that is not bound is skipped. Submits wait for their
// responses in the sessions' windows, not in goroutines.
type SMPPDispatcher struct {
	cfg   SMPPConfig
	binds *binds
}

// NewSMPPDispatcher returns a dispatcher for cfg; Start binds it.
func NewSMPPDispatcher(cfg SMPPConfig) *SMPPDispatcher {
	if cfg.BindsPerAddr <= 0 {
		cfg.BindsPerAddr = 1
	}
	if cfg.Bind.InterfaceVersion == 0 {
		cfg.Bind.InterfaceVersion = 0x50
	}
	if cfg.SourceAddr == "" {
		cfg.SourceAddr = "PPG"
	}
	if cfg.ResponseTimeout <= 0 {
		cfg.ResponseTimeout = DefaultResponseTimeout
	}
	if cfg.Window <= 0 {
		cfg.Window = DefaultWindow
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real()
	}
	var onError func(string, error)
	if cfg.OnError != nil {
		onError = func(_ string, err error) { cfg.OnError(err) }
	}
	return &SMPPDispatcher{cfg: cfg, binds: newBinds(bindOptions{
		addrs: cfg.Addrs, perAddr: cfg.BindsPerAddr, params: cfg.Bind, tls: cfg.TLSConfig,
		clock: cfg.Clock, window: cfg.Window, responseTimeout: cfg.ResponseTimeout,
		enquireLink: cfg.EnquireLinkInterval, minBackoff: cfg.MinBackoff, maxBackoff: cfg.MaxBackoff,
		onError: onError, onResponse: cfg.OnResponse,
	})}
}

// Start begins binding every session, and keeps them bound until Close.
func (d *SMPPDispatcher) Start(ctx context.Context) { d.binds.start(ctx) }

// WaitBound waits until every session is bound, or ctx ends.
func (d *SMPPDispatcher) WaitBound(ctx context.Context) error { return d.binds.waitBound(ctx) }

// Close unbinds every session, giving outstanding submits until ctx ends
// to be answered.
func (d *SMPPDispatcher) Close(ctx context.Context) error { return d.binds.close(ctx) }

// Submit implements Dispatcher.
func (d *SMPPDispatcher) Submit(req SubmitRequest, done func(SubmitResult)) {
	s, _ := d.binds.session()
	if s == nil {
		done(SubmitResult{Outcome: Busy, Err: smpp.ErrNotBound})
		return
	}
	pdu, err := d.pdu(req)
	if err != nil {
		done(SubmitResult{Outcome: Failed, Permanent: true, Err: err})
		return
	}
	err = s.SendAsync(context.Background(), pdu, func(resp smpp.PDU, err error) {
		done(resultOf(resp, err))
	})
	if err != nil {
		// Nothing was sent: the window was full, or the session went
		// away between the choice and the send.
		var enc *smpp.EncodeError
		if errors.As(err, &enc) {
			done(SubmitResult{Outcome: Failed, Permanent: true, Err: err})
			return
		}
		done(SubmitResult{Outcome: Busy, Err: err})
	}
}

func (d *SMPPDispatcher) pdu(req SubmitRequest) (smpp.PDU, error) {
	// Room for the four TLVs below (a 4-octet header each), so that they
	// are one allocation, not one per TLV.
	tlvs := make(smpp.TLVs, 0, 4*4+2+2+2+len(req.Payload))
	tlvs.SetSourcePort(wdp.PortWSP)
	tlvs.SetDestinationPort(wdp.PortPush)
	tlvs.SetUserMessageReference(req.Ref)
	if err := tlvs.SetMessagePayload(req.Payload); err != nil {
		return nil, err // longer than any SMSC takes in one submit
	}
	const (
		tonAlphanumeric  = 5
		tonInternational = 1
		npiISDN          = 1
	)
	if d.cfg.UseDataSM {
		return &smpp.DataSM{
			SourceAddrTON:   tonAlphanumeric,
			SourceAddr:      d.cfg.SourceAddr,
			DestAddrTON:     tonInternational,
			DestAddrNPI:     npiISDN,
			DestinationAddr: req.MSISDN,
			ESMClass:        esmTransaction,
			DataCoding:      dcs8Bit,
			TLVs:            tlvs,
		}, nil
	}
	return &smpp.SubmitSM{ShortMessage: smpp.ShortMessage{
		SourceAddrTON:   tonAlphanumeric,
		SourceAddr:      d.cfg.SourceAddr,
		DestAddrTON:     tonInternational,
		DestAddrNPI:     npiISDN,
		DestinationAddr: req.MSISDN,
		ESMClass:        esmTransaction,
		PriorityFlag:    smppPriority(req.Priority),
		DataCoding:      dcs8Bit,
		TLVs:            tlvs,
	}}, nil
}

// smppPriority maps a push priority to priority_flag (GSM: 0 non-priority,
// 1 priority).
func smppPriority(p Priority) byte {
	if p == PriorityHigh {
		return 1
	}
	return 0
}

// resultOf maps a submit's response (or the reason there is none) to its
// outcome.
func resultOf(resp smpp.PDU, err error) SubmitResult {
	var status smpp.Status
	var tlvs smpp.TLVs
	var id string
	switch r := resp.(type) {
	case *smpp.SubmitSMResp:
		status, tlvs, id = r.Status, r.TLVs, r.MessageID
	case *smpp.DataSMResp:
		status, tlvs, id = r.Status, r.TLVs, r.MessageID
	case *smpp.GenericNack:
		status = r.Status
	default:
		// A variable of its own: taking status's address would put it on
		// the heap for every submit's outcome, not just this rare one.
		var refused smpp.Status
		if !errors.As(err, &refused) {
			// No response: the submit timed out or the session
			// closed while it was outstanding. It may have been
			// delivered.
			var enc *smpp.EncodeError
			if errors.As(err, &enc) {
				return SubmitResult{Outcome: Failed, Permanent: true, Err: err}
			}
			return SubmitResult{Outcome: Unknown, Err: err}
		}
		status = refused
	}
	res := SubmitResult{Status: status, MessageID: id}
	if v, ok := tlvs.DeliveryFailureReason(); ok {
		res.FailureReason = v
	}
	if v, ok := tlvs.NetworkErrorCode(); ok {
		res.NetworkError = v.Code
	}
	switch status {
	case smpp.StatusOK:
		res.Outcome = Delivered
	case smpp.StatusMsgQFul, smpp.StatusThrottled:
		res.Outcome = Busy
	case smpp.StatusDeliveryFailure:
		res.Outcome = Failed
		res.Permanent = res.FailureReason == dfrAddressInvalid || res.FailureReason == dfrPermanentNetwork
	default:
		res.Outcome = Failed
		res.Err = status
	}
	return res
}
