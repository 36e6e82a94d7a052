package smsc

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/txpush/txpush/clock"
	"github.com/txpush/txpush/radio"
	"github.com/txpush/txpush/smpp"
	"github.com/txpush/txpush/store"
	"github.com/txpush/txpush/wap/wdp"
)

// Account is an ESME allowed to bind.
type Account struct {
	SystemID string `yaml:"system_id"`
	Password string `yaml:"password"`
	// BindTypes lists the binds allowed: transmitter, receiver,
	// transceiver; empty allows all three.
	BindTypes []string `yaml:"bind_types"`
	// Throughput limits message submits per second on each of the
	// account's sessions (ESME_RTHROTTLED beyond); 0 means no limit.
	Throughput float64 `yaml:"throughput"`
	// Push marks an account that carries WAP push traffic: its messages
	// may use the air capacity reserved for push.
	Push bool `yaml:"push"`
}

// Config holds the SMSC's settings. Zero fields take the defaults named.
type Config struct {
	// SystemID is what bind responses carry; default "txpush-smsc".
	SystemID string
	// Accounts may bind. With none, binds are accepted from loopback
	// addresses only, each session its own push account.
	Accounts []Account
	Txn      TxnConfig
	SAF      SAFConfig
	Gate     GateConfig
	// MaxSegments bounds the segments of one message; a longer one is
	// refused (ESME_RINVMSGLEN), never truncated. Default 255, the most a
	// concatenation IE can number.
	MaxSegments int
	// RefHold is how long a concatenation reference stays reserved for a
	// handset after it is allocated; default 1 h.
	RefHold time.Duration
	// Session configures SMPP sessions (window, timers); its Handler and
	// Clock are set by the SMSC.
	Session smpp.SessionConfig
	// SessionInitTimeout is the session_init_timer; default 10 s.
	SessionInitTimeout time.Duration
	// ReceiptQueue bounds the receipts kept per account while none of
	// its sessions can take them; default 10,000 (the oldest are dropped).
	ReceiptQueue int
	Clock        clock.Clock
	Logger       *slog.Logger
}

// SMSC is the push SMSC: the SMPP front and its engines.
type SMSC struct {
	cfg    Config
	clock  clock.Clock
	log    *slog.Logger
	txn    *TxnEngine
	saf    *SAFEngine
	store  store.MessageStore
	router *router
	split  splitter
	srv    *smpp.Server
	ids    atomic.Uint64 // for transaction and datagram message ids

	mu       sync.Mutex
	receipts map[string][]*smpp.DeliverSM // per account, waiting for a session

	stats struct {
		datagrams, datagramsFailed, receiptsSent, receiptsDropped atomic.Uint64
	}
}

// New builds an SMSC delivering through air (the simulated network, or
// nil when every handset is an external SMPP receiver), told of returning
// subscribers by alerter (may be nil), keeping store-and-forward messages
// in st.
func New(cfg Config, air radio.Air, alerter radio.Alerter, st store.MessageStore) (*SMSC, error) {
	if st == nil {
		return nil, errors.New("smsc: a message store is required")
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.SystemID == "" {
		cfg.SystemID = "txpush-smsc"
	}
	if cfg.MaxSegments <= 0 || cfg.MaxSegments > 255 {
		cfg.MaxSegments = 255
	}
	if cfg.RefHold <= 0 {
		cfg.RefHold = time.Hour
	}
	if cfg.ReceiptQueue <= 0 {
		cfg.ReceiptQueue = 10000
	}
	seen := map[string]bool{}
	for _, a := range cfg.Accounts {
		if a.SystemID == "" {
			return nil, errors.New("smsc: an account has no system_id")
		}
		if seen[a.SystemID] {
			return nil, fmt.Errorf("smsc: account %q configured twice", a.SystemID)
		}
		seen[a.SystemID] = true
		for _, b := range a.BindTypes {
			if _, err := smpp.ParseBindMode(b); err != nil {
				return nil, fmt.Errorf("smsc: account %q: %w", a.SystemID, err)
			}
		}
	}
	s := &SMSC{
		cfg:      cfg,
		clock:    cfg.Clock,
		log:      cfg.Logger,
		store:    st,
		receipts: make(map[string][]*smpp.DeliverSM),
	}
	s.split = splitter{refs: wdp.NewRefAllocator(cfg.Clock, false), maxSegments: cfg.MaxSegments}
	s.router = &router{clock: cfg.Clock, fallback: air}
	var gate *Gate
	if cfg.Gate.Rate > 0 {
		gate = NewGate(cfg.Clock, cfg.Gate)
	}
	s.txn = NewTxnEngine(cfg.Clock, s.router, gate, cfg.Txn)
	s.saf = NewSAFEngine(cfg.Clock, s.router, alerter, gate, st, cfg.SAF, SAFEvents{
		OnFinal:  s.sendReceipt,
		Segments: s.storedSegments,
		Traffic:  s.trafficOf,
	})
	sc := cfg.Session
	sc.Clock = cfg.Clock
	sc.Handler = smpp.HandlerFunc(s.serve)
	s.srv = &smpp.Server{
		SystemID:           cfg.SystemID,
		Authenticate:       s.authenticate,
		Session:            sc,
		SessionInitTimeout: cfg.SessionInitTimeout,
		OnBound:            s.bound,
	}
	return s, nil
}

// Recover schedules the store-and-forward messages left in the store by
// an earlier run. Call it once before serving.
func (s *SMSC) Recover(ctx context.Context) error { return s.saf.Recover(ctx) }

// Serve accepts SMPP connections on l.
func (s *SMSC) Serve(l net.Listener) error { return s.srv.Serve(l) }

// SMPPServer returns the SMPP server, for its sessions.
func (s *SMSC) SMPPServer() *smpp.Server { return s.srv }

// Txn returns the transaction-mode engine (for its statistics).
func (s *SMSC) Txn() *TxnEngine { return s.txn }

// SAF returns the store-and-forward engine.
func (s *SMSC) SAF() *SAFEngine { return s.saf }

// Shutdown stops accepting binds, unbinds every session gracefully (each
// given until ctx ends for its outstanding requests) and stops the
// engines. Store-and-forward messages stay in the store for the next run.
func (s *SMSC) Shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	s.txn.Close()
	s.saf.Close()
	return err
}

// account returns the configured account named id.
func (s *SMSC) account(id string) (Account, bool) {
	for _, a := range s.cfg.Accounts {
		if a.SystemID == id {
			return a, true
		}
	}
	return Account{}, false
}

func (s *SMSC) authenticate(b *smpp.BindRequest) smpp.BindDecision {
	if len(s.cfg.Accounts) == 0 {
		if !isLoopback(b.RemoteAddr) {
			return smpp.BindDecision{Status: smpp.StatusBindFail}
		}
		return smpp.BindDecision{Account: Account{SystemID: b.Params.SystemID, Push: true}}
	}
	a, ok := s.account(b.Params.SystemID)
	if !ok {
		return smpp.BindDecision{Status: smpp.StatusInvSysID}
	}
	if a.Password != b.Params.Password {
		return smpp.BindDecision{Status: smpp.StatusInvPaswd}
	}
	if len(a.BindTypes) > 0 {
		allowed := false
		for _, t := range a.BindTypes {
			if m, _ := smpp.ParseBindMode(t); bindID(m) == b.ID {
				allowed = true
			}
		}
		if !allowed {
			return smpp.BindDecision{Status: smpp.StatusBindFail}
		}
	}
	return smpp.BindDecision{Throughput: a.Throughput, Account: a}
}

func bindID(m smpp.BindMode) smpp.CommandID {
	switch m {
	case smpp.Transmitter:
		return smpp.BindTransmitterID
	case smpp.Receiver:
		return smpp.BindReceiverID
	}
	return smpp.BindTransceiverID
}

func isLoopback(a net.Addr) bool {
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// bound registers a receiving session: as a route to the handsets its
// address_range names, and as a taker of its account's receipts.
func (s *SMSC) bound(sess *smpp.Session) {
	st := sess.State()
	if st != smpp.StateBoundRX && st != smpp.StateBoundTRX {
		return
	}
	s.router.add(sess)
	s.flushReceipts(accountOf(sess).SystemID)
}

func accountOf(sess *smpp.Session) Account {
	a, _ := sess.Account().(Account)
	return a
}

func (s *SMSC) trafficOf(accountID string) Traffic {
	if len(s.cfg.Accounts) == 0 {
		return Push
	}
	if a, ok := s.account(accountID); ok && a.Push {
		return Push
	}
	return PersonToPerson
}

// serve is the SMPP Handler.
func (s *SMSC) serve(w smpp.ResponseWriter, r *smpp.Request) {
	switch p := r.PDU.(type) {
	case *smpp.SubmitSM:
		s.submit(w, r.Session, p.CommandID(), &p.ShortMessage)
	case *smpp.DataSM:
		sm := smpp.ShortMessage{
			ServiceType:   p.ServiceType,
			SourceAddrTON: p.SourceAddrTON, SourceAddrNPI: p.SourceAddrNPI, SourceAddr: p.SourceAddr,
			DestAddrTON: p.DestAddrTON, DestAddrNPI: p.DestAddrNPI, DestinationAddr: p.DestinationAddr,
			ESMClass: p.ESMClass, RegisteredDelivery: p.RegisteredDelivery, DataCoding: p.DataCoding,
			TLVs: p.TLVs,
		}
		s.submit(w, r.Session, p.CommandID(), &sm)
	case *smpp.QuerySM:
		s.query(w, p)
	case *smpp.CancelSM:
		s.cancel(w, r.Session, p)
	case *smpp.ReplaceSM:
		s.replace(w, r.Session, p)
	default:
		// submit_multi and the rest: refused with the operation's own
		// failure status (documented in docs/SMSC.md).
		status := smpp.StatusInvCmdID
		if r.PDU.CommandID() == smpp.SubmitMultiID {
			status = smpp.StatusSubmitFail
		}
		w.Respond(smpp.NewResponse(r.PDU.CommandID(), 0, status))
	}
}

// refuse answers a submit with status.
func refuse(w smpp.ResponseWriter, id smpp.CommandID, status smpp.Status) {
	w.Respond(smpp.NewResponse(id, 0, status))
}

// validate checks a submit's mandatory fields and returns the message to
// split, or the status that refuses it.
func (s *SMSC) validate(sm *smpp.ShortMessage) (Message, smpp.Status) {
	dest := strings.TrimPrefix(sm.DestinationAddr, "+")
	if dest == "" || len(dest) > 15 || strings.Trim(dest, "0123456789") != "" || sm.DestAddrTON == 5 {
		return Message{}, smpp.StatusInvDstAdr
	}
	if sm.PriorityFlag > 3 {
		return Message{}, smpp.StatusInvPrtFlg
	}
	if sm.RegisteredDelivery&0x03 == 0x03 {
		return Message{}, smpp.StatusInvRegDlvFlg
	}
	if sm.ESMClass&0x3C != 0 {
		// Delivery and user acks from an ESME are not served here.
		return Message{}, smpp.StatusInvEsmClass
	}
	payload, hasPayload := sm.TLVs.MessagePayload()
	if hasPayload && len(sm.ShortMessage) > 0 {
		// 3.4 section 5.3.2.32: message_payload and short_message are
		// mutually exclusive.
		return Message{}, smpp.StatusOptParNotAllwd
	}
	if !hasPayload {
		payload = sm.ShortMessage
	}
	m := Message{
		Source: sm.SourceAddr, Dest: dest,
		ESMClass: sm.ESMClass, DataCoding: sm.DataCoding, ProtocolID: sm.ProtocolID,
		Payload: payload,
	}
	sp, okS := sm.TLVs.SourcePort()
	dp, okD := sm.TLVs.DestinationPort()
	if okS != okD {
		return Message{}, smpp.StatusMissingOptParam
	}
	if okS {
		m.SrcPort, m.DstPort, m.HasPorts = sp, dp, true
	}
	return m, smpp.StatusOK
}

func (s *SMSC) submit(w smpp.ResponseWriter, sess *smpp.Session, id smpp.CommandID, sm *smpp.ShortMessage) {
	m, status := s.validate(sm)
	if status != smpp.StatusOK {
		refuse(w, id, status)
		return
	}
	acct := accountOf(sess)
	switch sm.ESMClass & 0x03 {
	case 0x02:
		s.submitTransaction(w, id, acct, sm, m)
	case 0x01:
		s.submitDatagram(w, id, acct, m)
	default:
		s.submitStored(w, id, acct, sm, m)
	}
}

// segments splits m, allocating a concatenation reference towards its
// destination when it needs one.
func (s *SMSC) segments(m Message) ([]radio.SMS, error) {
	return s.split.split(m, func() (uint16, error) {
		return s.split.refs.Allocate(m.Dest, s.clock.Now().Add(s.cfg.RefHold))
	})
}

// splitStatus is the status that refuses a message that cannot be split.
func splitStatus(err error) smpp.Status {
	if errors.Is(err, ErrTooManySegments) {
		return smpp.StatusInvMsgLen
	}
	if errors.Is(err, wdp.ErrNoReference) {
		return smpp.StatusMsgQFul
	}
	return smpp.StatusSubmitFail
}

func (s *SMSC) nextID(prefix string) string {
	return prefix + strconv.FormatUint(s.ids.Add(1), 16)
}

// newResp builds submit_sm_resp or data_sm_resp.
func newResp(id smpp.CommandID, msgID string, status smpp.Status) (smpp.PDU, *smpp.TLVs) {
	if id == smpp.DataSMID {
		r := &smpp.DataSMResp{MessageID: msgID}
		r.Status = status
		return r, &r.TLVs
	}
	r := &smpp.SubmitSMResp{MessageID: msgID}
	r.Status = status
	return r, &r.TLVs
}

// submitTransaction hands the message to the transaction engine and
// answers only when its outcome is known.
func (s *SMSC) submitTransaction(w smpp.ResponseWriter, id smpp.CommandID, acct Account, sm *smpp.ShortMessage, m Message) {
	segs, err := s.segments(m)
	if err != nil {
		refuse(w, id, splitStatus(err))
		return
	}
	req := TxnRequest{Account: acct.SystemID, Traffic: s.trafficOf(acct.SystemID), Segments: segs}
	if umr, ok := sm.TLVs.UserMessageReference(); ok {
		req.Key = duplicateKey(acct.SystemID, m, umr)
	}
	msgID := s.nextID("T")
	w.Defer()
	s.txn.Submit(req, func(o TxnOutcome) {
		s.log.Debug("transaction", "message_id", msgID, "dest", m.Dest, "segments", len(segs),
			"ok", o.OK(), "failure", o.Failure, "attempts", o.Attempts, "took", o.End.Sub(o.Start))
		if o.OK() {
			resp, _ := newResp(id, msgID, smpp.StatusOK)
			w.Respond(resp)
			return
		}
		if o.Failure == TxnRejected {
			refuse(w, id, smpp.StatusMsgQFul)
			return
		}
		resp, tlvs := newResp(id, "", smpp.StatusDeliveryFailure)
		// The session strips these from submit_sm_resp for 3.4 peers.
		tlvs.SetDeliveryFailureReason(failureReason(o.Err))
		if o.Err != nil {
			tlvs.SetNetworkErrorCode(networkErrorCode(o.Err))
		}
		w.Respond(resp)
	})
}

// duplicateKey identifies a transaction-mode submit for duplicate
// detection: the same account, destination and user_message_reference,
// and the same payload. A 16-bit reference alone repeats too soon (an ESME
// that restarts its counter, 65,536 submits later) and would answer a new
// push with an old outcome; a resubmission of the same push carries the
// same octets.
func duplicateKey(account string, m Message, umr uint16) string {
	h := fnv.New64a()
	h.Write(m.Payload)
	return account + "\x00" + m.Dest + "\x00" + strconv.Itoa(int(umr)) + "\x00" + strconv.FormatUint(h.Sum64(), 16)
}

// submitDatagram makes one attempt and answers at once: nothing is stored
// and no outcome is reported.
func (s *SMSC) submitDatagram(w smpp.ResponseWriter, id smpp.CommandID, acct Account, m Message) {
	segs, err := s.segments(m)
	if err != nil {
		refuse(w, id, splitStatus(err))
		return
	}
	msgID := s.nextID("D")
	resp, _ := newResp(id, msgID, smpp.StatusOK)
	w.Respond(resp)
	s.stats.datagrams.Add(1)
	var send func(i int)
	send = func(i int) {
		sms := segs[i]
		sms.MoreMessagesToSend = i < len(segs)-1
		s.router.Deliver(sms, func(r radio.Result) {
			if r.Err != nil {
				s.stats.datagramsFailed.Add(1)
				return
			}
			if i+1 < len(segs) {
				send(i + 1)
			}
		})
	}
	send(0)
}

// submitStored stores the message durably, then answers with its id; the
// store-and-forward engine delivers it.
func (s *SMSC) submitStored(w smpp.ResponseWriter, id smpp.CommandID, acct Account, sm *smpp.ShortMessage, m Message) {
	now := s.clock.Now()
	msg := &store.Message{
		Account:            acct.SystemID,
		Source:             store.Address{TON: sm.SourceAddrTON, NPI: sm.SourceAddrNPI, Addr: sm.SourceAddr},
		Dest:               store.Address{TON: sm.DestAddrTON, NPI: sm.DestAddrNPI, Addr: m.Dest},
		ServiceType:        sm.ServiceType,
		ESMClass:           sm.ESMClass,
		ProtocolID:         sm.ProtocolID,
		PriorityFlag:       sm.PriorityFlag,
		DataCoding:         sm.DataCoding,
		RegisteredDelivery: sm.RegisteredDelivery,
		UserData:           append([]byte(nil), m.Payload...),
		TLVs:               append([]byte(nil), sm.TLVs...),
		SubmittedAt:        now,
	}
	if sm.ScheduleDeliveryTime != "" {
		t, err := smpp.ParseTime(sm.ScheduleDeliveryTime, now)
		if err != nil {
			refuse(w, id, smpp.StatusInvSched)
			return
		}
		msg.NotBefore = t
	}
	if sm.ValidityPeriod != "" {
		t, err := smpp.ParseTime(sm.ValidityPeriod, now)
		if err != nil || !t.After(now) {
			refuse(w, id, smpp.StatusInvExpiry)
			return
		}
		msg.ExpiresAt = t
	}
	// Check now that it can be split, rather than accept what can never
	// be delivered.
	if _, err := s.split.split(m, func() (uint16, error) { return 0, nil }); err != nil {
		refuse(w, id, splitStatus(err))
		return
	}
	w.Defer()
	ctx := context.Background()
	msgID, err := s.store.NextID(ctx)
	if err != nil {
		s.log.Error("message id", "err", err)
		refuse(w, id, smpp.StatusSysErr)
		return
	}
	msg.ID = msgID
	s.saf.Submit(msg, func(err error) {
		if err != nil {
			s.log.Error("store message", "err", err)
			refuse(w, id, smpp.StatusSysErr)
			return
		}
		resp, _ := newResp(id, msgID, smpp.StatusOK)
		w.Respond(resp)
	})
}

// storedSegments splits a stored message for the store-and-forward engine.
func (s *SMSC) storedSegments(sm *store.Message) ([]radio.SMS, error) {
	m := Message{
		Source: sm.Source.Addr, Dest: sm.Dest.Addr,
		ESMClass: sm.ESMClass, DataCoding: sm.DataCoding, ProtocolID: sm.ProtocolID,
		Payload: sm.UserData,
	}
	tlvs := smpp.TLVs(sm.TLVs)
	sp, okS := tlvs.SourcePort()
	dp, okD := tlvs.DestinationPort()
	if okS && okD {
		m.SrcPort, m.DstPort, m.HasPorts = sp, dp, true
	}
	return s.segments(m)
}

func (s *SMSC) query(w smpp.ResponseWriter, p *smpp.QuerySM) {
	m, err := s.saf.Query(context.Background(), p.MessageID)
	if err != nil {
		refuse(w, p.CommandID(), smpp.StatusQueryFail)
		return
	}
	resp := &smpp.QuerySMResp{MessageID: m.ID, MessageState: smpp.MessageState(m.State), ErrorCode: byte(min(m.LastError, 255))}
	if !m.DoneAt.IsZero() {
		resp.FinalDate = smpp.AbsoluteTime(m.DoneAt)
	}
	w.Respond(resp)
}

// owns reports whether sess's account submitted m (3.4: an ESME cancels
// and replaces only its own messages).
func owns(sess *smpp.Session, m *store.Message) bool {
	return accountOf(sess).SystemID == m.Account
}

func (s *SMSC) cancel(w smpp.ResponseWriter, sess *smpp.Session, p *smpp.CancelSM) {
	ctx := context.Background()
	m, err := s.saf.Query(ctx, p.MessageID)
	if err != nil || !owns(sess, m) {
		refuse(w, p.CommandID(), smpp.StatusCancelFail)
		return
	}
	if err := s.saf.Cancel(ctx, p.MessageID); err != nil {
		refuse(w, p.CommandID(), smpp.StatusCancelFail)
		return
	}
	w.Respond(&smpp.CancelSMResp{})
}

func (s *SMSC) replace(w smpp.ResponseWriter, sess *smpp.Session, p *smpp.ReplaceSM) {
	ctx := context.Background()
	m, err := s.saf.Query(ctx, p.MessageID)
	if err != nil || !owns(sess, m) {
		refuse(w, p.CommandID(), smpp.StatusReplaceFail)
		return
	}
	now := s.clock.Now()
	r := store.Replacement{UserData: append([]byte(nil), p.ShortMessage...), RegisteredDelivery: p.RegisteredDelivery}
	if p.ScheduleDeliveryTime != "" {
		t, err := smpp.ParseTime(p.ScheduleDeliveryTime, now)
		if err != nil {
			refuse(w, p.CommandID(), smpp.StatusInvSched)
			return
		}
		r.NotBefore = t
	}
	if p.ValidityPeriod != "" {
		t, err := smpp.ParseTime(p.ValidityPeriod, now)
		if err != nil {
			refuse(w, p.CommandID(), smpp.StatusInvExpiry)
			return
		}
		r.ExpiresAt = t
	}
	if err := s.saf.Replace(ctx, p.MessageID, r); err != nil {
		refuse(w, p.CommandID(), smpp.StatusReplaceFail)
		return
	}
	w.Respond(&smpp.ReplaceSMResp{})
}

// wantsReceipt reports whether registered_delivery asks for a receipt of
// a message that ended in state st.
func wantsReceipt(rd byte, st store.State) bool {
	switch rd & 0x03 {
	case 0x01:
		return true
	case 0x02:
		return st != store.Delivered
	}
	return false
}

// receiptFor builds the delivery receipt of a final message: a deliver_sm
// from the handset's number to the ESME's, esm_class 0x04, the standard
// text, and the receipted_message_id and message_state TLVs.
func receiptFor(m *store.Message) *smpp.DeliverSM {
	st := smpp.MessageState(m.State)
	rc := smpp.Receipt{
		ID: m.ID, Sub: 1, SubmitDate: m.SubmittedAt, DoneDate: m.DoneAt,
		Stat: st.Stat(), Err: receiptErr(m.LastError),
	}
	if m.State == store.Delivered {
		rc.Dlvrd = 1
	}
	if isText(m.DataCoding) && m.ESMClass&0x40 == 0 {
		if text, err := decodeSubmittedText(m.DataCoding, m.UserData); err == nil {
			rs := []rune(text)
			rc.Text = string(rs[:min(len(rs), 20)])
		}
	}
	d := &smpp.DeliverSM{ShortMessage: smpp.ShortMessage{
		SourceAddrTON: m.Dest.TON, SourceAddrNPI: m.Dest.NPI, SourceAddr: m.Dest.Addr,
		DestAddrTON: m.Source.TON, DestAddrNPI: m.Source.NPI, DestinationAddr: m.Source.Addr,
		ESMClass: 0x04, ShortMessage: rc.Append(nil),
	}}
	// Message ids are the store's: a few octets, never too long.
	_ = d.TLVs.SetReceiptedMessageID(m.ID)
	d.TLVs.SetMessageState(st)
	if m.State != store.Delivered && m.LastError != 0 {
		d.TLVs.SetNetworkErrorCode(smpp.NetworkErrorCode{Type: smpp.NetworkGSM, Code: uint16(m.LastError)})
	}
	if umr, ok := smpp.TLVs(m.TLVs).UserMessageReference(); ok {
		d.TLVs.SetUserMessageReference(umr)
	}
	return d
}

// sendReceipt is the store-and-forward engine's OnFinal: a receipt to a
// receiving session of the submitting account, or kept until one binds.
func (s *SMSC) sendReceipt(m *store.Message) {
	if !wantsReceipt(m.RegisteredDelivery, m.State) {
		return
	}
	d := receiptFor(m)
	s.mu.Lock()
	q := append(s.receipts[m.Account], d)
	if len(q) > s.cfg.ReceiptQueue {
		s.stats.receiptsDropped.Add(uint64(len(q) - s.cfg.ReceiptQueue))
		q = q[len(q)-s.cfg.ReceiptQueue:]
	}
	s.receipts[m.Account] = q
	s.mu.Unlock()
	s.flushReceipts(m.Account)
}

// flushReceipts sends the account's waiting receipts to one of its
// receiving sessions. A receipt the ESME does not accept is not sent
// again, except after ESME_RX_T_APPN or no answer, when it goes back to
// the queue.
func (s *SMSC) flushReceipts(account string) {
	sess := s.receiverOf(account)
	if sess == nil {
		return
	}
	s.mu.Lock()
	q := s.receipts[account]
	delete(s.receipts, account)
	s.mu.Unlock()
	for _, d := range q {
		err := sess.SendAsync(context.Background(), d, func(resp smpp.PDU, err error) {
			if err == nil && resp.Hdr().Status == smpp.StatusOK {
				s.stats.receiptsSent.Add(1)
				return
			}
			if err != nil || resp.Hdr().Status == smpp.StatusRxTAppn {
				s.requeue(account, d)
				return
			}
			s.stats.receiptsDropped.Add(1)
		})
		if err != nil {
			s.requeue(account, d)
		}
	}
}

func (s *SMSC) requeue(account string, d *smpp.DeliverSM) {
	s.mu.Lock()
	if len(s.receipts[account]) < s.cfg.ReceiptQueue {
		s.receipts[account] = append(s.receipts[account], d)
	} else {
		s.stats.receiptsDropped.Add(1)
	}
	s.mu.Unlock()
}

// receiverOf returns a bound receiver or transceiver session of account.
func (s *SMSC) receiverOf(account string) *smpp.Session {
	for _, sess := range s.srv.Sessions() {
		st := sess.State()
		if (st == smpp.StateBoundRX || st == smpp.StateBoundTRX) && accountOf(sess).SystemID == account {
			return sess
		}
	}
	return nil
}

// router is the SMSC's air: an SMS for an MSISDN that an ESME bound as a
// receiver claims through its address_range goes to that ESME as a
// deliver_sm (an external handset); anything else goes to the fallback air,
// or fails as an unknown subscriber when there is none.
type router struct {
	clock    clock.Clock
	fallback radio.Air

	mu     sync.Mutex
	routes []route
}

type route struct {
	sess  *smpp.Session
	match *regexp.Regexp
}

// add registers sess as the route for the MSISDNs its address_range
// matches (a regular expression, 3.4 section 5.2.7); an empty range
// routes nothing.
func (r *router) add(sess *smpp.Session) {
	ar := sess.BindParams().AddressRange
	if ar == "" {
		return
	}
	re, err := regexp.Compile("^(?:" + ar + ")$")
	if err != nil {
		re = regexp.MustCompile("^" + regexp.QuoteMeta(ar) + "$")
	}
	r.mu.Lock()
	r.routes = append(r.routes, route{sess: sess, match: re})
	r.mu.Unlock()
}

func (r *router) find(msisdn string) *smpp.Session {
	r.mu.Lock()
	defer r.mu.Unlock()
	live := r.routes[:0]
	var found *smpp.Session
	for _, rt := range r.routes {
		if rt.sess.State() == smpp.StateClosed {
			continue
		}
		live = append(live, rt)
		if found == nil && rt.match.MatchString(msisdn) {
			found = rt.sess
		}
	}
	clear(r.routes[len(live):])
	r.routes = live
	return found
}

// Deliver implements radio.Air.
func (r *router) Deliver(sms radio.SMS, done func(radio.Result)) {
	start := r.clock.Now()
	sess := r.find(sms.Destination)
	if sess == nil {
		if r.fallback != nil {
			r.fallback.Deliver(sms, done)
			return
		}
		done(radio.Result{Err: &radio.Error{Code: radio.UnknownSubscriber}, Start: start, End: start})
		return
	}
	d := &smpp.DeliverSM{ShortMessage: smpp.ShortMessage{
		SourceAddrTON: 5, SourceAddr: sms.Originator,
		DestAddrTON: 1, DestAddrNPI: 1, DestinationAddr: sms.Destination,
		ProtocolID: sms.ProtocolID, DataCoding: sms.DataCoding, ShortMessage: sms.UserData,
	}}
	if sms.UDHI {
		d.ESMClass = 0x40
	}
	if sms.MoreMessagesToSend {
		d.TLVs.SetMoreMessagesToSend(1)
	}
	err := sess.SendAsync(context.Background(), d, func(resp smpp.PDU, err error) {
		res := radio.Result{Start: start, End: r.clock.Now()}
		switch {
		case err != nil:
			// No answer (or the link went down): the outcome is unknown,
			// which the SMSC treats as a temporary failure.
			res.Err = &radio.Error{Code: radio.Timeout}
		case resp.Hdr().Status == smpp.StatusOK:
		case resp.Hdr().Status == smpp.StatusRxTAppn || resp.Hdr().Status == smpp.StatusThrottled || resp.Hdr().Status == smpp.StatusMsgQFul:
			res.Err = &radio.Error{Code: radio.SystemFailure}
		default:
			res.Err = &radio.Error{Code: radio.SMDeliveryFailure, Cause: radio.EquipmentNotSMEquipped}
		}
		done(res)
	})
	if err != nil {
		done(radio.Result{Err: &radio.Error{Code: radio.AbsentSubscriber}, Start: start, End: r.clock.Now()})
	}
}
