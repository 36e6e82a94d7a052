package ppg

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/txpush/txpush/clock"
	"github.com/txpush/txpush/smpp"
)

// Defaults of LegacyConfig.
const (
	// DefaultReceiptTimeout is how long a legacy push waits for the
	// receipts of its parts before its outcome is Unknown.
	DefaultReceiptTimeout = 10 * time.Minute
	// DefaultLegacyResponseTimeout is the submit_sm_resp timer: a
	// store-and-forward SMSC answers once the part is stored, which takes
	// milliseconds, so this only catches a stuck SMSC.
	DefaultLegacyResponseTimeout = 30 * time.Second
	// DefaultUnmatchedReceiptTTL is how long a receipt that came before
	// its part's submit_sm_resp is kept for the id to arrive.
	DefaultUnmatchedReceiptTTL = time.Minute
	// DefaultMaxUnmatchedReceipts bounds the receipts so kept.
	DefaultMaxUnmatchedReceipts = 10000
	// DefaultMaxLegacyPending bounds the pushes waiting for receipts.
	DefaultMaxLegacyPending = 100000
	// DefaultRefHold is how long a concatenation reference stays reserved
	// for a handset after the receipt timeout, for a handset that may still
	// hold some of the parts.
	DefaultRefHold = time.Hour
)

// Submit fields of a store-and-forward part (smpp34.md §5, §6).
const (
	esmStoreForwardUDHI  = 0x43 // messaging mode 11 (store and forward) + UDHI
	esmMessageTypeMask   = 0x3C // esm_class bits 5-2: the message type
	esmDeliveryReceipt   = 0x04 // message type 0001 in deliver_sm: SMSC delivery receipt
	registeredReceiptAll = 0x01 // a receipt on success or failure
)

// ErrNoReceipt is the Err of a legacy push whose parts were not all
// accounted for by receipts within the receipt timeout.
var ErrNoReceipt = errors.New("ppg: no delivery receipt before the receipt timeout (outcome unknown)")

// LegacyConfig says where a LegacyDispatcher sends pushes and how.
type LegacyConfig struct {
	// Addrs are the SMSCs' SMPP addresses (host:port).
	Addrs []string
	// BindsPerAddr is the number of transceiver binds to each address;
	// default 1. Receipts may arrive on any bind to the same address.
	BindsPerAddr int
	// Bind is what each bind request carries; InterfaceVersion defaults to
	// 0x34, as store-and-forward SMSCs expect.
	Bind      smpp.BindParams
	TLSConfig *tls.Config
	// SourceAddr is the originator shown to the handset; default "PPG"
	// (alphanumeric).
	SourceAddr string
	// Window is the number of submits each bind may have outstanding;
	// default DefaultWindow. A full window makes a push Busy at once.
	Window int
	// ResponseTimeout is how long each part waits for its submit_sm_resp;
	// default DefaultLegacyResponseTimeout.
	ResponseTimeout time.Duration
	// ReceiptTimeout is how long a push waits for the receipts of all its
	// parts; default DefaultReceiptTimeout. Its expiry makes the outcome
	// Unknown.
	ReceiptTimeout time.Duration
	// UnmatchedReceiptTTL and MaxUnmatchedReceipts bound the receipts
	// kept because their message_id is not known yet; defaults
	// DefaultUnmatchedReceiptTTL and DefaultMaxUnmatchedReceipts.
	UnmatchedReceiptTTL  time.Duration
	MaxUnmatchedReceipts int
	// MaxPending bounds the pushes waiting for receipts; a push over it is
	// Busy. Default DefaultMaxLegacyPending.
	MaxPending int
	// RefHold is how long a concatenation reference stays reserved for a
	// handset after the receipt timeout of the push that used it;
	// default DefaultRefHold.
	RefHold time.Duration
	// EnquireLinkInterval is passed on to the sessions; 0 takes the smpp
	// package's default.
	EnquireLinkInterval time.Duration
	// KeepPartsOnFailure leaves at the SMSC the parts of a failed push
	// that it still holds, as Kannel's PPG does. By default they are
	// cancelled (cancel_sm by message_id): the handset cannot reassemble
	// the push without the failed part, so sending them is only spent air
	// and, if the push is tried again, a second copy in flight.
	KeepPartsOnFailure bool
	// MinBackoff and MaxBackoff bound the wait between bind attempts.
	MinBackoff, MaxBackoff time.Duration
	Clock                  clock.Clock
	// Logger receives failed binds and receipts that match nothing;
	// default: discarded.
	Logger *slog.Logger
	// OnResponse, if set, is told how long each SMPP request took to be
	// answered; it must not block.
	OnResponse func(id smpp.CommandID, took time.Duration)
}

// LegacyDispatcher is a Dispatcher for SMSCs without transaction mode, and
// the baseline that transaction mode is measured against: what Kannel's PPG
// does. It splits each push into concatenated SMS itself, submits each part
// as its own submit_sm in store-and-forward mode asking for a delivery
// receipt, and concludes from the parts' receipts: Delivered when every
// part was delivered, Failed as soon as one part failed, Unknown when the
// receipts do not all come within the receipt timeout.
//
// A push's parts all go on one bound session, chosen round-robin, so that
// the SMSC stores them in order. Receipts are matched by message_id
// against every push sent to the same address, whichever bind they arrive
// on; a receipt that arrives before its part's submit_sm_resp is kept
// briefly until the id is known. Pushes wait in a table and on one clock
// timer each, not in goroutines.
//
// The MessageID of a result is the parts' message ids in order, joined
// with ","; a part that has none (refused, or not answered) leaves its
// place empty.
type LegacyDispatcher struct {
	cfg   LegacyConfig
	log   *slog.Logger
	binds *binds
	split *PushSplitter

	mu        sync.Mutex
	closed    bool
	pushes    map[*legacyPush]struct{}
	byID      map[receiptKey]partRef
	unmatched unmatchedReceipts
}

var _ Dispatcher = (*LegacyDispatcher)(nil)

// legacyPush is one push in flight: its parts' ids and what has been
// learnt of them. It is guarded by the dispatcher's mutex.
type legacyPush struct {
	done  func(SubmitResult)
	addr  int // index of the SMSC address the parts went to
	split SplitPush

	ids       []string // per part, "" until its submit_sm_resp
	delivered []bool   // per part
	nDone     int      // parts known to be delivered
	answered  int      // parts whose submit_sm has been answered (or given up)
	accepted  int      // parts the SMSC accepted
	// submitFailure is the first refusal of a part; the push ends with it
	// once every part has been answered, when it is known whether the
	// SMSC took anything (Busy) or not.
	submitFailure *SubmitResult
	allBusy       bool  // every refusal so far means "try again later"
	lost          error // a part whose submit_sm got no answer
	timer         clock.Timer
	finished      bool
	// cancelLate: the push failed and its parts are to be cancelled, so
	// that a part the SMSC accepts after the push ended (a receipt of
	// another part decided it first) is cancelled when its answer comes.
	cancelLate bool
}

// receiptKey identifies a part to receipts: message ids are unique only
// per SMSC.
type receiptKey struct {
	addr int
	id   string
}

type partRef struct {
	push *legacyPush
	part int
}

// NewLegacyDispatcher returns a dispatcher for cfg; Start binds it.
func NewLegacyDispatcher(cfg LegacyConfig) *LegacyDispatcher {
	if cfg.BindsPerAddr <= 0 {
		cfg.BindsPerAddr = 1
	}
	if cfg.Bind.InterfaceVersion == 0 {
		cfg.Bind.InterfaceVersion = 0x34
	}
	if cfg.SourceAddr == "" {
		cfg.SourceAddr = "PPG"
	}
	if cfg.Window <= 0 {
		cfg.Window = DefaultWindow
	}
	if cfg.ResponseTimeout <= 0 {
		cfg.ResponseTimeout = DefaultLegacyResponseTimeout
	}
	if cfg.ReceiptTimeout <= 0 {
		cfg.ReceiptTimeout = DefaultReceiptTimeout
	}
	if cfg.UnmatchedReceiptTTL <= 0 {
		cfg.UnmatchedReceiptTTL = DefaultUnmatchedReceiptTTL
	}
	if cfg.MaxUnmatchedReceipts <= 0 {
		cfg.MaxUnmatchedReceipts = DefaultMaxUnmatchedReceipts
	}
	if cfg.MaxPending <= 0 {
		cfg.MaxPending = DefaultMaxLegacyPending
	}
	if cfg.RefHold <= 0 {
		cfg.RefHold = DefaultRefHold
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real()
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	d := &LegacyDispatcher{
		cfg:    cfg,
		log:    log,
		split:  NewPushSplitter(cfg.Clock),
		pushes: make(map[*legacyPush]struct{}),
		byID:   make(map[receiptKey]partRef),
		unmatched: unmatchedReceipts{
			ttl: cfg.UnmatchedReceiptTTL,
			max: cfg.MaxUnmatchedReceipts,
			m:   make(map[receiptKey]heldReceipt),
		},
	}
	d.binds = newBinds(bindOptions{
		addrs: cfg.Addrs, perAddr: cfg.BindsPerAddr, params: cfg.Bind, tls: cfg.TLSConfig,
		clock: cfg.Clock, window: cfg.Window, responseTimeout: cfg.ResponseTimeout,
		enquireLink: cfg.EnquireLinkInterval, minBackoff: cfg.MinBackoff, maxBackoff: cfg.MaxBackoff,
		handler: func(i int) smpp.Handler {
			return smpp.HandlerFunc(func(w smpp.ResponseWriter, r *smpp.Request) { d.serve(i, w, r) })
		},
		onError:    func(addr string, err error) { log.Warn("legacy SMPP bind", "addr", addr, "err", err) },
		onResponse: cfg.OnResponse,
	})
	return d
}

// Start begins binding every session, and keeps them bound until Close.
func (d *LegacyDispatcher) Start(ctx context.Context) { d.binds.start(ctx) }

// WaitBound waits until every session is bound, or ctx ends.
func (d *LegacyDispatcher) WaitBound(ctx context.Context) error { return d.binds.waitBound(ctx) }

// Close unbinds every session, giving outstanding submits until ctx ends
// to be answered. Pushes still waiting for receipts then end Unknown: no
// receipt can reach them any more.
func (d *LegacyDispatcher) Close(ctx context.Context) error {
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()
	err := d.binds.close(ctx)
	var finish []func()
	d.mu.Lock()
	for p := range d.pushes {
		finish = append(finish, d.finishLocked(p, SubmitResult{Outcome: Unknown, Err: smpp.ErrClosed}))
	}
	d.mu.Unlock()
	for _, f := range finish {
		f()
	}
	return err
}

// Pending returns the number of pushes waiting for their outcome and the
// number of receipts kept because their message_id is not known yet.
func (d *LegacyDispatcher) Pending() (pushes, unmatchedReceipts int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.pushes), len(d.unmatched.m)
}

// Submit implements Dispatcher.
func (d *LegacyDispatcher) Submit(req SubmitRequest, done func(SubmitResult)) {
	s, addr := d.binds.session()
	if s == nil {
		done(SubmitResult{Outcome: Busy, Err: smpp.ErrNotBound})
		return
	}
	p := &legacyPush{done: done, addr: addr, allBusy: true}
	// The reference stays reserved while the handset may still be
	// reassembling: until the receipts are given up on, and then as long
	// again as a handset keeps parts.
	var err error
	p.split, err = d.split.Split(req.MSISDN, req.Payload, d.cfg.Clock.Now().Add(d.cfg.ReceiptTimeout+d.cfg.RefHold))
	if err != nil {
		done(SplitFailure(err))
		return
	}
	uds := p.split.Parts
	p.ids = make([]string, len(uds))
	p.delivered = make([]bool, len(uds))

	if err := d.track(p); err != nil {
		d.releaseRef(p)
		done(SubmitResult{Outcome: Busy, Err: err})
		return
	}

	for i, ud := range uds {
		err := s.SendAsync(context.Background(), d.partPDU(req, ud), func(resp smpp.PDU, err error) {
			d.answered(p, i, resp, err)
		})
		if err != nil {
			// Nothing of this part or the ones after it was sent.
			d.notSent(p, i, len(uds), err)
			return
		}
	}
}

var errTooManyPending = errors.New("ppg: too many legacy pushes waiting for receipts")

// track adds p to the pushes in flight and arms its receipt timer; it
// fails when the table is full or the dispatcher closed.
func (d *LegacyDispatcher) track(p *legacyPush) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return smpp.ErrClosed
	}
	if len(d.pushes) >= d.cfg.MaxPending {
		return errTooManyPending
	}
	d.pushes[p] = struct{}{}
	p.timer = d.cfg.Clock.AfterFunc(d.cfg.ReceiptTimeout, func() { d.receiptTimeout(p) })
	return nil
}

// The addressing of the parts: the PPG's alphanumeric name to an
// international number.
const (
	tonAlphanumeric  = 5
	tonInternational = 1
	npiISDN          = 1
)

// partCancel builds the cancel_sm of the part with message id id, with the
// addresses its submit_sm carried, as the SMSC checks them.
func (d *LegacyDispatcher) partCancel(msisdn, id string) *smpp.CancelSM {
	return &smpp.CancelSM{
		MessageID:     id,
		SourceAddrTON: tonAlphanumeric, SourceAddr: d.cfg.SourceAddr,
		DestAddrTON: tonInternational, DestAddrNPI: npiISDN, DestinationAddr: msisdn,
	}
}

// partPDU builds the submit_sm of one part: its user data (UDH and
// payload) in short_message, store-and-forward with UDHI, 8-bit data, a
// receipt asked for.
func (d *LegacyDispatcher) partPDU(req SubmitRequest, ud []byte) *smpp.SubmitSM {
	sm := &smpp.SubmitSM{ShortMessage: smpp.ShortMessage{
		SourceAddrTON:      tonAlphanumeric,
		SourceAddr:         d.cfg.SourceAddr,
		DestAddrTON:        tonInternational,
		DestAddrNPI:        npiISDN,
		DestinationAddr:    req.MSISDN,
		ESMClass:           esmStoreForwardUDHI,
		PriorityFlag:       smppPriority(req.Priority),
		RegisteredDelivery: registeredReceiptAll,
		DataCoding:         dcs8Bit,
		ShortMessage:       ud,
	}}
	// Echoed in the receipts, which helps whoever reads the SMSC's logs.
	sm.TLVs.SetUserMessageReference(req.Ref)
	return sm
}

// notSent records that parts first..total-1 were never sent because
// SendAsync refused part first.
func (d *LegacyDispatcher) notSent(p *legacyPush, first, total int, err error) {
	res := SubmitResult{Outcome: Failed, Err: err}
	var enc *smpp.EncodeError
	busy := !errors.As(err, &enc)
	if !busy {
		res.Permanent = true
	}
	d.mu.Lock()
	p.answered += total - first
	d.recordFailureLocked(p, res, busy)
	f := d.concludeSubmitsLocked(p)
	d.mu.Unlock()
	if f != nil {
		f()
	}
}

// answered takes the submit_sm_resp of part i, or the reason none came.
func (d *LegacyDispatcher) answered(p *legacyPush, i int, resp smpp.PDU, err error) {
	var status smpp.Status
	var id string
	switch r := resp.(type) {
	case *smpp.SubmitSMResp:
		status, id = r.Status, r.MessageID
	case *smpp.GenericNack:
		status = r.Status
	default:
		// An error that is a Status is a refusal; any other means no
		// answer came.
		errors.As(err, &status)
	}
	d.mu.Lock()
	p.answered++
	var f func()
	switch {
	case resp == nil && status == smpp.StatusOK:
		// No answer (response timer, closed session): the part may have
		// been stored, and its receipt can never be matched.
		var enc *smpp.EncodeError
		if errors.As(err, &enc) {
			d.recordFailureLocked(p, SubmitResult{Outcome: Failed, Permanent: true, Err: err}, false)
		} else if p.lost == nil {
			p.lost = err
		}
	case status != smpp.StatusOK:
		d.recordFailureLocked(p, SubmitResult{Outcome: Failed, Status: status}, busyStatus(status))
	default:
		p.accepted++
		if p.finished && p.cancelLate {
			late := id
			f = func() { d.cancelParts(p, []string{late}) }
		}
		if !p.finished {
			p.ids[i] = id
			key := receiptKey{p.addr, id}
			if ri, ok := d.unmatched.take(key, d.cfg.Clock.Now()); ok {
				f = d.applyLocked(p, i, ri)
			} else {
				d.byID[key] = partRef{p, i}
			}
		}
	}
	if f == nil {
		f = d.concludeSubmitsLocked(p)
	}
	d.mu.Unlock()
	if f != nil {
		f()
	}
}

// busyStatus reports whether a refusal means that the SMSC cannot take the
// message now but may later.
func busyStatus(s smpp.Status) bool {
	switch s {
	case smpp.StatusMsgQFul, smpp.StatusThrottled, smpp.StatusInvBndSts:
		return true
	}
	return false
}

func (d *LegacyDispatcher) recordFailureLocked(p *legacyPush, res SubmitResult, busy bool) {
	if p.submitFailure == nil {
		p.submitFailure = &res
	}
	p.allBusy = p.allBusy && busy
}

// concludeSubmitsLocked ends p once every part has been answered, when
// some part was refused or got no answer; otherwise the receipts decide.
// It returns the callback to run once the lock is released, or nil.
func (d *LegacyDispatcher) concludeSubmitsLocked(p *legacyPush) func() {
	if p.finished || p.answered < len(p.ids) {
		return nil
	}
	switch {
	case p.submitFailure != nil:
		res := *p.submitFailure
		if p.accepted == 0 && p.lost == nil && p.allBusy {
			// Nothing is at the SMSC: the push may be submitted again.
			res.Outcome, res.Permanent = Busy, false
		}
		return d.finishLocked(p, res)
	case p.lost != nil:
		return d.finishLocked(p, SubmitResult{Outcome: Unknown, MessageID: joinIDs(p.ids), Err: p.lost})
	}
	return nil
}

// receiptTimeout ends p as Unknown if its receipts have not decided it.
func (d *LegacyDispatcher) receiptTimeout(p *legacyPush) {
	d.mu.Lock()
	var f func()
	if !p.finished {
		f = d.finishLocked(p, SubmitResult{Outcome: Unknown, MessageID: joinIDs(p.ids), Err: ErrNoReceipt})
	}
	d.mu.Unlock()
	if f != nil {
		f()
	}
}

// finishLocked ends p with res and forgets it; it returns the call of p's
// done, to be made once the lock is released.
func (d *LegacyDispatcher) finishLocked(p *legacyPush, res SubmitResult) func() {
	p.finished = true
	p.cancelLate = res.Outcome == Failed && !d.cfg.KeepPartsOnFailure
	if p.timer != nil {
		p.timer.Stop()
	}
	delete(d.pushes, p)
	var waiting []string // parts the SMSC holds whose receipt has not come
	for _, id := range p.ids {
		if id != "" {
			key := receiptKey{p.addr, id}
			if r, ok := d.byID[key]; ok && r.push == p {
				delete(d.byID, key)
				waiting = append(waiting, id)
			}
		}
	}
	cancel := p.cancelLate
	return func() {
		if res.Outcome == Delivered {
			// The handset has the whole message: its reference is free.
			d.releaseRef(p)
		}
		if cancel {
			d.cancelParts(p, waiting)
		}
		p.done(res)
	}
}

// cancelParts asks the SMSC to drop the parts of a failed push that it may
// still hold. A part already delivered, or gone, is answered with an
// error, which changes nothing: the outcome is decided.
func (d *LegacyDispatcher) cancelParts(p *legacyPush, ids []string) {
	if len(ids) == 0 {
		return
	}
	s := d.binds.sessionTo(p.addr)
	if s == nil {
		d.log.Warn("ppg: cannot cancel the parts of a failed push: no bind to its SMSC", "msisdn", p.split.msisdn, "parts", ids)
		return
	}
	for _, id := range ids {
		c := d.partCancel(p.split.msisdn, id)
		err := s.SendAsync(context.Background(), c, func(_ smpp.PDU, err error) {
			if err != nil {
				d.log.Debug("ppg: cancel_sm of a failed push's part", "message_id", id, "err", err)
			}
		})
		if err != nil {
			d.log.Debug("ppg: cancel_sm of a failed push's part not sent", "message_id", id, "err", err)
		}
	}
}

func (d *LegacyDispatcher) releaseRef(p *legacyPush) { d.split.Release(p.split) }

// applyLocked applies a final receipt to part i of p and returns the call
// of p's done when that decides the push.
func (d *LegacyDispatcher) applyLocked(p *legacyPush, i int, ri receiptInfo) func() {
	if p.finished {
		return nil
	}
	delete(d.byID, receiptKey{p.addr, p.ids[i]})
	if ri.state == smpp.StateDelivered {
		if !p.delivered[i] {
			p.delivered[i] = true
			p.nDone++
		}
		if p.nDone == len(p.ids) {
			return d.finishLocked(p, SubmitResult{Outcome: Delivered, MessageID: joinIDs(p.ids)})
		}
		return nil
	}
	res := SubmitResult{
		Outcome:       Failed,
		Permanent:     ri.permanent(),
		MessageID:     joinIDs(p.ids),
		FailureReason: ri.reason,
		NetworkError:  ri.network.Code,
	}
	return d.finishLocked(p, res)
}

func joinIDs(ids []string) string { return strings.Join(ids, ",") }

// serve answers the requests an SMSC at address addr sends: delivery
// receipts, and anything else deliver_sm or data_sm brings. Every one is
// answered ESME_ROK, even a receipt that matches nothing: an error answer
// would only make the SMSC send it again (smpp34.md §10).
func (d *LegacyDispatcher) serve(addr int, w smpp.ResponseWriter, r *smpp.Request) {
	var ri receiptInfo
	var ok bool
	switch p := r.PDU.(type) {
	case *smpp.DeliverSM:
		ri, ok = readReceipt(p.ESMClass, p.ShortMessage.ShortMessage, p.TLVs)
		w.Respond(&smpp.DeliverSMResp{})
	case *smpp.DataSM:
		ri, ok = readReceipt(p.ESMClass, nil, p.TLVs)
		w.Respond(&smpp.DataSMResp{})
	default:
		// Not something an ESME takes (alert_notification, which has no
		// answer, is ignored by Respond).
		w.Respond(smpp.NewResponse(r.PDU.CommandID(), 0, smpp.StatusInvCmdID))
		return
	}
	if !ok || !finalState(ri.state) {
		return
	}
	d.receipt(receiptKey{addr, ri.id}, ri)
}

// receipt matches a final receipt to its part, or keeps it for a while in
// case its part's submit_sm_resp is still on its way.
func (d *LegacyDispatcher) receipt(key receiptKey, ri receiptInfo) {
	d.mu.Lock()
	ref, ok := d.byID[key]
	var f func()
	if ok {
		f = d.applyLocked(ref.push, ref.part, ri)
	} else {
		d.unmatched.put(key, ri, d.cfg.Clock.Now())
	}
	d.mu.Unlock()
	if !ok {
		d.log.Debug("legacy receipt matches no part yet", "message_id", key.id, "state", ri.state)
	}
	if f != nil {
		f()
	}
}

// receiptInfo is what a delivery receipt says about one message.
type receiptInfo struct {
	id         string
	state      smpp.MessageState
	network    smpp.NetworkErrorCode
	hasNetwork bool
	reason     byte // delivery_failure_reason
	hasReason  bool
	err        string // the text's err field
}

// readReceipt reads a delivery receipt from a deliver_sm's (or data_sm's)
// esm_class, short_message and TLVs. It prefers the TLVs to the text,
// whose layout is only informative; ok is false when the message is not a
// receipt or names no message id.
func readReceipt(esmClass byte, text []byte, tlvs smpp.TLVs) (ri receiptInfo, ok bool) {
	if esmClass&esmMessageTypeMask != esmDeliveryReceipt {
		return ri, false
	}
	ri.id, _ = tlvs.ReceiptedMessageID()
	ri.state, _ = tlvs.MessageState()
	ri.network, ri.hasNetwork = tlvs.NetworkErrorCode()
	ri.reason, ri.hasReason = tlvs.DeliveryFailureReason()
	if len(text) == 0 {
		text, _ = tlvs.MessagePayload()
	}
	if rc, err := smpp.ParseReceipt(text); err == nil {
		if ri.id == "" {
			ri.id = rc.ID
		}
		if ri.state == 0 {
			ri.state, _ = smpp.StateFromStat(rc.Stat)
		}
		ri.err = rc.Err
	}
	return ri, ri.id != ""
}

// finalState reports whether a receipt in state s decides its part:
// delivered, or failed for good. ENROUTE is an intermediate notification;
// ACCEPTED and UNKNOWN say nothing of the delivery, so the push waits on.
func finalState(s smpp.MessageState) bool {
	switch s {
	case smpp.StateDelivered, smpp.StateExpired, smpp.StateDeleted, smpp.StateUndeliverable, smpp.StateRejected:
		return true
	}
	return false
}

// permanent reports whether the receipt names a cause that no retry can
// cure. When it cannot tell, it says no.
func (ri receiptInfo) permanent() bool {
	switch {
	case ri.hasNetwork:
		return ri.network.Type == smpp.NetworkGSM && gsmPermanent(ri.network.Code)
	case ri.hasReason:
		return ri.reason == dfrAddressInvalid || ri.reason == dfrPermanentNetwork
	}
	// The err field is "network or SMSC specific"; read it as a GSM MAP
	// error only when it is three decimal digits, as SMSCs commonly write
	// it.
	if len(ri.err) == 3 {
		if n, err := strconv.ParseUint(ri.err, 10, 16); err == nil {
			return gsmPermanent(uint16(n))
		}
	}
	return false
}

// gsmPermanent reports whether a GSM network_error_code is a MAP error
// that no retry can cure (gsm-sms.md §5). sm-DeliveryFailure travels as
// 0x2000 | its cause, as the push SMSC writes it (docs/SMSC.md).
func gsmPermanent(code uint16) bool {
	const smDeliveryFailure = 0x2000
	if code&0xFF00 == smDeliveryFailure {
		switch code & 0xFF {
		case 2, 3, 5, 6: // equipmentNotSM-Equipped, unknownServiceCentre, invalidSME-Address, subscriberNotSC-Subscriber
			return true
		}
		return false
	}
	switch code {
	case 1, 9, 11, 12, 13, 21, 35, 36: // unknownSubscriber, illegalSubscriber, teleserviceNotProvisioned, illegalEquipment, callBarred, facilityNotSupported, dataMissing, unexpectedDataValue
		return true
	}
	return false
}

// unmatchedReceipts holds final receipts whose message_id is not known
// yet, each until its expiry, at most max of them; the oldest go first.
type unmatchedReceipts struct {
	ttl   time.Duration
	max   int
	seq   uint64
	m     map[receiptKey]heldReceipt
	order []heldKey // in order of arrival; entries may be stale
}

type heldReceipt struct {
	info    receiptInfo
	expires time.Time
	seq     uint64
}

type heldKey struct {
	key receiptKey
	seq uint64
}

// put keeps ri under key, replacing any receipt kept for it.
func (u *unmatchedReceipts) put(key receiptKey, ri receiptInfo, now time.Time) {
	u.prune(now)
	for len(u.m) >= u.max && len(u.order) > 0 {
		u.dropOldest()
	}
	u.seq++
	u.m[key] = heldReceipt{info: ri, expires: now.Add(u.ttl), seq: u.seq}
	u.order = append(u.order, heldKey{key, u.seq})
	if len(u.order) > 2*u.max {
		// Receipts taken since leave stale entries: keep only live ones.
		live := make([]heldKey, 0, len(u.m))
		for _, k := range u.order {
			if h, ok := u.m[k.key]; ok && h.seq == k.seq {
				live = append(live, k)
			}
		}
		u.order = live
	}
}

// take returns and forgets the receipt kept under key, if it has not
// expired.
func (u *unmatchedReceipts) take(key receiptKey, now time.Time) (receiptInfo, bool) {
	h, ok := u.m[key]
	if !ok {
		return receiptInfo{}, false
	}
	delete(u.m, key)
	if !now.Before(h.expires) {
		return receiptInfo{}, false
	}
	return h.info, true
}

// prune drops the receipts that have expired.
func (u *unmatchedReceipts) prune(now time.Time) {
	for len(u.order) > 0 {
		k := u.order[0]
		h, ok := u.m[k.key]
		if ok && h.seq == k.seq && now.Before(h.expires) {
			return
		}
		u.dropOldest()
	}
}

// dropOldest removes the oldest entry of order and its receipt, if that
// is still the one kept.
func (u *unmatchedReceipts) dropOldest() {
	k := u.order[0]
	u.order = u.order[1:]
	if h, ok := u.m[k.key]; ok && h.seq == k.seq {
		delete(u.m, k.key)
	}
}
