package ppg

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/txpush/txpush/clock"
	"github.com/txpush/txpush/internal/keepalive"
	"github.com/txpush/txpush/pap"
	"github.com/txpush/txpush/store"
)

// Defaults of Config.
const (
	DefaultMaxBody           = 1 << 20
	DefaultMaxSegments       = 10
	DefaultRetryInterval     = time.Minute
	DefaultBusyRetryDelay    = time.Second
	DefaultMaxInFlight       = 100_000
	DefaultNotifyMinBackoff  = time.Second
	DefaultNotifyMaxBackoff  = 10 * time.Minute
	DefaultNotifyConcurrency = 64
	DefaultNotifyTimeout     = 30 * time.Second
	DefaultRetention         = 7 * 24 * time.Hour
	// purgeEvery is how often finished pushes older than the retention
	// are purged (or the retention, when it is shorter).
	purgeEvery = time.Hour
)

// PIAccount is a push initiator allowed to use the PPG.
type PIAccount struct {
	Name     string // the HTTP Basic user name; push ids are unique per PI
	Password string
	// AllowedNets are the CIDRs the PI may connect from; none means any.
	AllowedNets []string
	// AllowedPrefixes are the MSISDN prefixes (digits, an optional "+"
	// ignored) the PI may push to; none means any.
	AllowedPrefixes []string
	// NotifyURLs are where the PI may have result notifications posted:
	// a ppg-notify-requested-to must have the scheme, host and port of
	// one of them and a path at or below its path. None means any URL,
	// which lets the PI make the PPG post to any host it can reach.
	NotifyURLs []string
}

// Config holds a PPG's settings. Zero fields take the defaults named.
type Config struct {
	// PIs may push. With none, requests are served from loopback
	// addresses only, as one anonymous PI.
	PIs []PIAccount
	// SenderAddress is the PPG's URL, put in push responses and result
	// notifications; default the URL the request was sent to.
	SenderAddress string
	SenderName    string
	// MaxBody bounds a request's body; default DefaultMaxBody.
	MaxBody int64
	// MaxSegments is the most SMS one push may need; a larger push is
	// refused with 3003. Default DefaultMaxSegments, what handsets are
	// known to reassemble.
	MaxSegments int
	// RetryUntilDeliverBefore makes a push whose delivery failed for a
	// temporary cause pending again after RetryInterval (default
	// DefaultRetryInterval), as long as that is before its
	// deliver-before-timestamp. Off, such a failure is final.
	RetryUntilDeliverBefore bool
	RetryInterval           time.Duration
	// BusyRetryDelay is how long a push waits when nothing could take it
	// (Busy); default DefaultBusyRetryDelay.
	BusyRetryDelay time.Duration
	// MaxInFlight bounds the submits waiting for their outcome; further
	// pushes wait in priority order. Default DefaultMaxInFlight.
	MaxInFlight int
	// NotifyMinBackoff and NotifyMaxBackoff bound the wait between
	// attempts to post a result notification: it doubles from the first
	// to the second. Defaults 1 s and 10 min.
	NotifyMinBackoff, NotifyMaxBackoff time.Duration
	// NotifyConcurrency bounds the notification posts in flight; default
	// DefaultNotifyConcurrency.
	NotifyConcurrency int
	// NotifyTimeout bounds one notification post; default
	// DefaultNotifyTimeout.
	NotifyTimeout time.Duration
	// HTTPClient, when set, posts the notifications. By default the PPG
	// posts them itself over up to NotifyConcurrency kept-alive
	// connections per PI host (net/http's client where a proxy from the
	// environment applies).
	HTTPClient *http.Client
	// Retention is how long a push stays in the store once every
	// delivery is final and its notifications are taken: status queries
	// answer for it, and its push-id counts as used, until then. Default
	// DefaultRetention; negative keeps every push for ever. The purge
	// runs every hour (or every Retention, if shorter).
	Retention time.Duration
	// DeviceProfiles answers client capabilities queries: MSISDN (digits)
	// to the capabilities document (UAProf RDF). An MSISDN without one
	// is answered 3008.
	DeviceProfiles map[string]string
	Clock          clock.Clock
	Logger         *slog.Logger
}

// PPG is a Push Proxy Gateway. It serves PAP over HTTP (ServeHTTP) and
// runs the life cycle of every accepted push. It is safe for concurrent use.
type PPG struct {
	cfg   Config
	pis   map[string]*piAccount
	store store.PushStore
	disp  Dispatcher
	clk   clock.Clock
	log   *slog.Logger
	notes *notifier

	counters counters
	status   statusLog // what the status page shows
	// answers holds buffers for PAP answers (*[]byte), written into the
	// HTTP answer and reused: one per push otherwise.
	answers sync.Pool
	// ref numbers the submits (user_message_reference): each delivery
	// gets one when it is accepted and a new one when it is retried, and
	// the store holds it before it can be used.
	ref atomic.Uint32

	mu        sync.Mutex
	open      map[pushKey]*openPush // pushes with a delivery not yet final
	ready     readyQueue
	seq       uint64 // arrival order in ready
	inFlight  int
	pumping   bool
	pumpAgain bool
	purge     clock.Timer
	started   bool
	closed    bool
}

type piAccount struct {
	PIAccount
	nets     []netip.Prefix
	prefixes []string
	notify   []*url.URL
}

type pushKey struct{ pi, id string }

// openPush is the in-memory state of a push that is not finished.
type openPush struct {
	key        pushKey
	version    pap.Version
	qos        pap.QualityOfService // as used: what a notification reports
	priority   Priority
	receivedAt time.Time
	notifyTo   string
	before     time.Time // deliver-before; zero when not given
	payload    []byte
	expiry     clock.Timer
	deliveries []*delivery
	open       int // deliveries not final
}

// delivery is the in-memory state of one address of an open push.
type delivery struct {
	push  *openPush
	index int
	addr  pap.Address
	state store.Delivery
	// inFlight: a submit is outstanding.
	inFlight bool
	// cancelling: a cancel-message's write of the cancelled state is
	// under way; the delivery is not dispatched meanwhile, and goes on
	// as before if the write fails.
	cancelling bool
	timer      clock.Timer // deliver-after or retry
	queued     bool        // in ready
	qindex     int
	seq        uint64
}

// New returns a PPG that keeps its pushes in st and sends them with d.
// It serves requests at once but dispatches nothing before Start.
func New(cfg Config, st store.PushStore, d Dispatcher) (*PPG, error) {
	if st == nil || d == nil {
		return nil, errors.New("ppg: a store and a dispatcher are required")
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.MaxSegments <= 0 {
		cfg.MaxSegments = DefaultMaxSegments
	}
	if cfg.RetryInterval <= 0 {
		cfg.RetryInterval = DefaultRetryInterval
	}
	if cfg.BusyRetryDelay <= 0 {
		cfg.BusyRetryDelay = DefaultBusyRetryDelay
	}
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = DefaultMaxInFlight
	}
	if cfg.NotifyMinBackoff <= 0 {
		cfg.NotifyMinBackoff = DefaultNotifyMinBackoff
	}
	if cfg.NotifyMaxBackoff < cfg.NotifyMinBackoff {
		cfg.NotifyMaxBackoff = max(DefaultNotifyMaxBackoff, cfg.NotifyMinBackoff)
	}
	if cfg.NotifyConcurrency <= 0 {
		cfg.NotifyConcurrency = DefaultNotifyConcurrency
	}
	if cfg.NotifyTimeout <= 0 {
		cfg.NotifyTimeout = DefaultNotifyTimeout
	}
	if cfg.Retention == 0 {
		cfg.Retention = DefaultRetention
	}
	direct := cfg.HTTPClient == nil
	if cfg.HTTPClient == nil {
		// Keep as many idle connections per PI as posts may be in
		// flight: the default of two made most notifications dial a new
		// TCP connection, an eighth of the PPG's CPU under load.
		cfg.HTTPClient = &http.Client{Transport: &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			MaxIdleConnsPerHost: cfg.NotifyConcurrency,
			IdleConnTimeout:     90 * time.Second,
		}}
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	p := &PPG{
		cfg:   cfg,
		pis:   make(map[string]*piAccount, len(cfg.PIs)),
		store: st,
		disp:  d,
		clk:   cfg.Clock,
		log:   cfg.Logger,
		open:  make(map[pushKey]*openPush),
	}
	// A random first reference makes it unlikely that a push after a
	// restart reuses the reference of one the SMSC still remembers for
	// the same handset.
	p.ref.Store(rand.Uint32())
	for _, a := range cfg.PIs {
		if _, dup := p.pis[a.Name]; dup {
			return nil, fmt.Errorf("ppg: PI %q configured twice", a.Name)
		}
		acct := &piAccount{PIAccount: a}
		for _, n := range a.AllowedNets {
			pfx, err := netip.ParsePrefix(n)
			if err != nil {
				return nil, fmt.Errorf("ppg: PI %q: allowed net: %w", a.Name, err)
			}
			acct.nets = append(acct.nets, pfx.Masked())
		}
		for _, pre := range a.AllowedPrefixes {
			acct.prefixes = append(acct.prefixes, strings.TrimPrefix(pre, "+"))
		}
		for _, n := range a.NotifyURLs {
			u, err := url.Parse(n)
			if err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
				return nil, fmt.Errorf("ppg: PI %q: notify URL %q: want an absolute http or https URL", a.Name, n)
			}
			acct.notify = append(acct.notify, u)
		}
		p.pis[a.Name] = acct
	}
	p.notes = newNotifier(p)
	if direct {
		p.notes.direct = keepalive.NewClient("txpush-ppg", cfg.NotifyConcurrency)
		p.notes.direct.Timeout = cfg.NotifyTimeout
	}
	return p, nil
}

// Start recovers the work the store holds and begins dispatching: every
// delivery not final is scheduled under the reference the store holds for
// it, which is the reference of any submit of it that may have reached
// the SMSC before the restart (the SMSC answers a repeat with the first
// submit's outcome), and owed notifications are posted.
func (p *PPG) Start(ctx context.Context) error {
	var restored []*openPush
	err := p.store.OpenPushes(ctx, func(sp *store.Push) error {
		restored = append(restored, restorePush(sp))
		return nil
	})
	if err != nil {
		return fmt.Errorf("ppg: recovering pushes: %w", err)
	}
	var owed []*store.Notification
	err = p.store.PendingNotifications(ctx, func(n *store.Notification) error {
		owed = append(owed, n)
		return nil
	})
	if err != nil {
		return fmt.Errorf("ppg: recovering notifications: %w", err)
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return errors.New("ppg: closed")
	}
	now := p.clk.Now()
	for _, op := range restored {
		if _, dup := p.open[op.key]; !dup {
			p.registerLocked(op, now)
		}
	}
	p.started = true
	if p.cfg.Retention > 0 {
		p.purge = p.clk.AfterFunc(min(purgeEvery, p.cfg.Retention), p.purgeOld)
	}
	p.mu.Unlock()
	for _, n := range owed {
		p.notes.add(n)
	}
	p.pump()
	return nil
}

// Close stops dispatching and posting notifications. Submits still
// outstanding are left in flight in the store; the next Start resolves
// them. Close does not close the store or the dispatcher.
func (p *PPG) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	if p.purge != nil {
		p.purge.Stop()
	}
	for _, op := range p.open {
		if op.expiry != nil {
			op.expiry.Stop()
		}
		for _, d := range op.deliveries {
			if d.timer != nil {
				d.timer.Stop()
			}
		}
	}
	p.mu.Unlock()
	p.notes.close()
	return nil
}

// mayNotify reports whether the account lets its PI have notifications
// posted to u.
func (a *piAccount) mayNotify(u *url.URL) bool {
	if len(a.notify) == 0 {
		return true
	}
	for _, allowed := range a.notify {
		if !strings.EqualFold(u.Scheme, allowed.Scheme) || !strings.EqualFold(u.Host, allowed.Host) {
			continue
		}
		base := strings.TrimSuffix(allowed.Path, "/")
		if base == "" || u.Path == base || strings.HasPrefix(u.Path, base+"/") {
			return true
		}
	}
	return false
}

// purgeOld deletes the finished pushes older than the retention, then
// arms itself again.
func (p *PPG) purgeOld() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	before := p.clk.Now().Add(-p.cfg.Retention)
	n, err := p.store.PurgePushes(ctx, before)
	if err != nil {
		p.log.Error("ppg: purging finished pushes", "before", before, "err", err)
	} else if n > 0 {
		p.log.Info("ppg: purged finished pushes", "pushes", n, "before", before)
	}
	p.counters.purged.Add(uint64(n))
	p.mu.Lock()
	if !p.closed {
		p.purge = p.clk.AfterFunc(min(purgeEvery, p.cfg.Retention), p.purgeOld)
	}
	p.mu.Unlock()
}

// restorePush rebuilds the in-memory state of a stored push.
func restorePush(sp *store.Push) *openPush {
	op := &openPush{
		key:        pushKey{sp.PI, sp.PushID},
		priority:   Priority(sp.Priority),
		receivedAt: sp.ReceivedAt,
		notifyTo:   sp.NotifyTo,
		before:     sp.DeliverBefore,
		payload:    sp.Content,
		qos:        usedQoS(nil),
	}
	if m, err := pap.ParseMessage(sp.Control); err == nil {
		op.version = pap.HeaderOf(m).Version
		if pm, ok := m.(*pap.PushMessage); ok {
			op.qos = usedQoS(pm.QoS)
		}
	}
	for i, sd := range sp.Deliveries {
		addr, err := pap.ParseAddress(sd.Address)
		if err != nil {
			addr = pap.Address{Value: "+" + sd.MSISDN, Type: pap.TypePLMN}
		}
		op.deliveries = append(op.deliveries, &delivery{push: op, index: i, addr: addr, state: sd})
	}
	return op
}

// usedQoS is the quality of service a push gets: connectionless SMS push
// over GSM, with the PI's priority.
func usedQoS(asked *pap.QualityOfService) pap.QualityOfService {
	q := pap.QualityOfService{
		Priority:       pap.PriorityMedium,
		DeliveryMethod: pap.DeliveryUnconfirmed,
		Network:        "GSM",
		Bearer:         "SMS",
	}
	if asked != nil && asked.Priority != "" {
		q.Priority = asked.Priority
	}
	return q
}

// effects are what a state change asks to be done once the lock is
// released: store writes, submits, notifications.
type effects []func()

func (fx effects) run() {
	for _, f := range fx {
		f()
	}
}

// registerLocked adds an accepted or recovered push and schedules each
// of its open deliveries.
func (p *PPG) registerLocked(op *openPush, now time.Time) {
	for _, d := range op.deliveries {
		if d.state.State.Final() {
			continue
		}
		op.open++
		if due := d.state.NextAttempt; due.After(now) {
			p.armLocked(d, due.Sub(now))
		} else {
			p.readyLocked(d)
		}
	}
	if op.open == 0 {
		return
	}
	p.open[op.key] = op
	if !op.before.IsZero() {
		op.expiry = p.clk.AfterFunc(op.before.Sub(now), func() { p.expire(op) })
	}
}

// armLocked makes d ready after delay.
func (p *PPG) armLocked(d *delivery, delay time.Duration) {
	if d.timer != nil {
		d.timer.Stop()
	}
	d.timer = p.clk.AfterFunc(delay, func() {
		p.mu.Lock()
		if !p.closed {
			p.readyLocked(d)
		}
		p.mu.Unlock()
		p.pump()
	})
}

// readyLocked queues d for dispatch.
func (p *PPG) readyLocked(d *delivery) {
	if d.queued || d.inFlight || d.cancelling || d.state.State != store.DeliveryPending && d.state.State != store.DeliveryInFlight {
		return
	}
	p.seq++
	d.seq = p.seq
	heap.Push(&p.ready, d)
}

// pump dispatches ready deliveries, highest priority first, while fewer
// than MaxInFlight submits are outstanding. One goroutine pumps at a time,
// so that dispatch follows the queue's order; a call that finds another
// pumping asks it to go round again.
func (p *PPG) pump() {
	p.mu.Lock()
	if p.pumping {
		p.pumpAgain = true
		p.mu.Unlock()
		return
	}
	p.pumping = true
	for {
		p.pumpAgain = false
		var fx effects
		now := p.clk.Now()
		for p.started && !p.closed && p.inFlight < p.cfg.MaxInFlight && p.ready.Len() > 0 {
			d := heap.Pop(&p.ready).(*delivery)
			fx = append(fx, p.attemptLocked(d, now)...)
		}
		if len(fx) == 0 && !p.pumpAgain {
			p.pumping = false
			p.mu.Unlock()
			return
		}
		p.mu.Unlock()
		fx.run()
		p.mu.Lock()
	}
}

// nextRef returns a new submit reference.
func (p *PPG) nextRef() uint16 { return uint16(p.ref.Add(1)) }

// attemptLocked starts a submit of d. Nothing is written first: the
// store already holds the reference the submit carries (written with the
// push, or with the retry that made d pending again), so after a crash
// the delivery, still pending in the store, is submitted again under the
// same reference and the SMSC recognises a repeat of a submit it has
// seen. This saves a durable write per push.
func (p *PPG) attemptLocked(d *delivery, now time.Time) effects {
	op := d.push
	if !op.before.IsZero() && !now.Before(op.before) {
		return p.finishLocked(d, now, store.DeliveryExpired, pap.CodeServiceFailure,
			"deliver-before-timestamp passed before the push could be sent")
	}
	d.inFlight = true
	p.inFlight++
	d.state.State = store.DeliveryInFlight
	d.state.Attempts++
	d.state.NextAttempt = time.Time{}
	d.state.UpdatedAt = now
	req := SubmitRequest{MSISDN: d.state.MSISDN, Payload: op.payload, Ref: d.state.Ref, Priority: op.priority}
	return effects{func() {
		p.disp.Submit(req, func(r SubmitResult) { p.outcome(d, r) })
	}}
}

// outcome applies the result of a submit of d.
func (p *PPG) outcome(d *delivery, r SubmitResult) {
	p.mu.Lock()
	p.inFlight--
	d.inFlight = false
	if p.closed {
		// The store still says in flight; the next Start resolves it.
		p.mu.Unlock()
		return
	}
	now := p.clk.Now()
	if r.MessageID != "" {
		d.state.MessageID = r.MessageID
	}
	var fx effects
	switch r.Outcome {
	case Delivered:
		fx = p.finishLocked(d, now, store.DeliveryDelivered, pap.CodeOK, "delivered to the handset")
	case Failed:
		desc := failureDesc(r)
		switch {
		case r.Permanent:
			fx = p.finishLocked(d, now, store.DeliveryUndeliverable, pap.CodeAddressError, desc)
		case p.cfg.RetryUntilDeliverBefore && !d.push.before.IsZero() && now.Add(p.cfg.RetryInterval).Before(d.push.before):
			fx = p.retryLocked(d, now, p.cfg.RetryInterval, desc, true)
		default:
			fx = p.finishLocked(d, now, store.DeliveryUndeliverable, pap.CodeServiceFailure, desc)
		}
	case Unknown:
		fx = p.finishLocked(d, now, store.DeliveryUnknown, pap.CodeServiceFailure,
			"the SMSC did not answer in time: the outcome is unknown")
	default: // Busy: nothing was delivered
		// Nothing took this submit, so its reference is not spent: a
		// submit under it before a restart may still be at the SMSC,
		// and the next attempt must be recognised as its repeat.
		fx = p.retryLocked(d, now, p.cfg.BusyRetryDelay, "", false)
	}
	p.mu.Unlock()
	fx.run()
	p.pump()
}

func failureDesc(r SubmitResult) string {
	var b strings.Builder
	b.WriteString("delivery failed")
	if r.Permanent {
		b.WriteString(" permanently")
	}
	if r.Status != 0 {
		fmt.Fprintf(&b, ": %v", r.Status)
	} else if r.Err != nil {
		fmt.Fprintf(&b, ": %v", r.Err)
	}
	if r.FailureReason != 0 || r.NetworkError != 0 {
		fmt.Fprintf(&b, " (delivery_failure_reason %d, network error %d)", r.FailureReason, r.NetworkError)
	}
	return b.String()
}

// retryLocked makes d pending again after delay. After a known outcome
// (newRef) the next attempt is a new submit under a new reference,
// recorded with it: a repeat of the old one would only fetch the old
// outcome from the SMSC. After a busy answer the reference stays.
func (p *PPG) retryLocked(d *delivery, now time.Time, delay time.Duration, desc string, newRef bool) effects {
	op := d.push
	if !op.before.IsZero() && !now.Add(delay).Before(op.before) {
		return p.finishLocked(d, now, store.DeliveryExpired, pap.CodeServiceFailure,
			"deliver-before-timestamp passed before the push could be delivered")
	}
	d.state.State = store.DeliveryPending
	if newRef {
		d.state.Ref = p.nextRef()
	}
	d.state.NextAttempt = now.Add(delay)
	d.state.UpdatedAt = now
	d.state.Desc = desc
	if d.timer != nil {
		d.timer.Stop()
		d.timer = nil
	}
	u := store.DeliveryUpdate{PI: op.key.pi, PushID: op.key.id, Index: d.index, Delivery: d.state}
	due := d.state.NextAttempt
	// The retry is armed once its reference is stored, never before: a
	// submit under a reference the store does not hold could, after a
	// crash, be followed by another under the old one and deliver twice.
	return effects{func() {
		p.store.UpdateDeliveryAsync(u, func(err error) {
			if err != nil {
				p.log.Error("ppg: recording a retry", "pi", u.PI, "push_id", u.PushID, "index", u.Index, "err", err)
			}
			p.mu.Lock()
			if !p.closed && d.state.State == store.DeliveryPending && d.state.Ref == u.Delivery.Ref && !d.queued {
				p.armLocked(d, due.Sub(p.clk.Now()))
			}
			p.mu.Unlock()
		})
	}}
}

// finishLocked puts d in a final state and returns the durable write of
// it, with its result notification when one is owed.
func (p *PPG) finishLocked(d *delivery, now time.Time, state store.DeliveryState, code pap.Code, desc string) effects {
	u := p.finalLocked(d, now, state, code, desc)
	return effects{func() { p.record(u) }}
}

// finalLocked is finishLocked for a caller that writes the update itself.
func (p *PPG) finalLocked(d *delivery, now time.Time, state store.DeliveryState, code pap.Code, desc string) store.DeliveryUpdate {
	st := d.finalState(now, state, code, desc)
	u := p.finalUpdateLocked(d, st, now)
	p.applyFinalLocked(d, st, now)
	return u
}

// finalState is d's state once final in state.
func (d *delivery) finalState(now time.Time, state store.DeliveryState, code pap.Code, desc string) store.Delivery {
	st := d.state
	st.State, st.Code, st.Desc = state, int(code), desc
	st.NextAttempt, st.UpdatedAt = time.Time{}, now
	return st
}

// finalUpdateLocked is the durable write of d's final state st, with the
// result notification it owes.
func (p *PPG) finalUpdateLocked(d *delivery, st store.Delivery, now time.Time) store.DeliveryUpdate {
	op := d.push
	u := store.DeliveryUpdate{PI: op.key.pi, PushID: op.key.id, Index: d.index, Delivery: st}
	if op.notifyTo != "" {
		u.Notify = p.notificationLocked(d, st, now)
	}
	return u
}

// applyFinalLocked makes d final in memory: no timer, out of the ready
// queue, counted, logged, and its push closed once all its deliveries are.
func (p *PPG) applyFinalLocked(d *delivery, st store.Delivery, now time.Time) {
	op := d.push
	if d.timer != nil {
		d.timer.Stop()
		d.timer = nil
	}
	if d.queued {
		heap.Remove(&p.ready, d.qindex)
	}
	p.counters.final[st.State].Add(1)
	// One line per outcome, as operators grep for them; its fields are
	// not even formatted when the level leaves it out (measured: a
	// microsecond of a push's CPU at 20,000 pushes/s).
	if p.log.Enabled(context.Background(), slog.LevelInfo) {
		p.log.Info("push outcome", "pi", op.key.pi, "push_id", op.key.id, "address", d.addr.String(),
			"state", st.State.String(), "code", st.Code, "desc", st.Desc, "attempts", d.state.Attempts,
			"took", now.Sub(op.receivedAt))
	}
	p.status.final(op.key, op.receivedAt, st.State, now)
	d.state = st
	op.open--
	if op.open == 0 {
		delete(p.open, op.key)
		if op.expiry != nil {
			op.expiry.Stop()
		}
	}
}

// notificationLocked builds the result notification of d in state st.
func (p *PPG) notificationLocked(d *delivery, st store.Delivery, now time.Time) *store.Notification {
	op := d.push
	qos := op.qos
	rn := &pap.ResultNotification{
		Header:        pap.Header{Version: op.version},
		PushID:        op.key.id,
		SenderAddress: p.cfg.SenderAddress,
		SenderName:    p.cfg.SenderName,
		ReceivedTime:  op.receivedAt.UTC().Truncate(time.Second),
		EventTime:     now.UTC().Truncate(time.Second),
		State:         messageState(st.State),
		Code:          pap.Code(st.Code),
		Desc:          st.Desc,
		Address:       d.addr,
		QoS:           &qos,
	}
	body, err := pap.Marshal(rn)
	if err != nil {
		// Only a field the PI gave could be at fault (an address that
		// no longer formats); report without it rather than never.
		p.log.Error("ppg: building a result notification", "push_id", op.key.id, "err", err)
		rn.Desc = ""
		body, _ = pap.Marshal(rn)
	}
	return &store.Notification{
		PI: op.key.pi, PushID: op.key.id, Index: d.index,
		URL: op.notifyTo, Body: body, NextAttempt: now,
	}
}

// record writes u and then hands its notification to the notifier.
func (p *PPG) record(u store.DeliveryUpdate) {
	p.store.UpdateDeliveryAsync(u, func(err error) {
		if err != nil {
			p.log.Error("ppg: recording a delivery", "pi", u.PI, "push_id", u.PushID, "index", u.Index, "err", err)
			return
		}
		if u.Notify != nil {
			p.notes.add(u.Notify)
		}
	})
}

// expire ends the deliveries of op that were not sent by its
// deliver-before-timestamp. Those in flight are left to their outcome.
func (p *PPG) expire(op *openPush) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	now := p.clk.Now()
	var fx effects
	for _, d := range op.deliveries {
		if d.state.State == store.DeliveryPending && !d.inFlight && !d.cancelling {
			fx = append(fx, p.finishLocked(d, now, store.DeliveryExpired, pap.CodeServiceFailure,
				"deliver-before-timestamp passed before the push could be sent")...)
		}
	}
	p.mu.Unlock()
	fx.run()
}

// messageState is the PAP message-state of a delivery state.
func messageState(s store.DeliveryState) pap.MessageState {
	switch s {
	case store.DeliveryPending, store.DeliveryInFlight:
		return pap.StatePending
	case store.DeliveryDelivered:
		return pap.StateDelivered
	case store.DeliveryUndeliverable:
		return pap.StateUndeliverable
	case store.DeliveryExpired:
		return pap.StateExpired
	case store.DeliveryCancelled:
		return pap.StateCancelled
	case store.DeliveryUnknown:
		return pap.StateTimeout
	case store.DeliveryAborted:
		return pap.StateAborted
	}
	return pap.StateUnknown
}

// readyQueue orders deliveries by priority, then arrival.
type readyQueue []*delivery

func (q readyQueue) Len() int { return len(q) }
func (q readyQueue) Less(i, j int) bool {
	if q[i].push.priority != q[j].push.priority {
		return q[i].push.priority > q[j].push.priority
	}
	return q[i].seq < q[j].seq
}
func (q readyQueue) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].qindex = i
	q[j].qindex = j
}
func (q *readyQueue) Push(x any) {
	d := x.(*delivery)
	d.qindex = len(*q)
	d.queued = true
	*q = append(*q, d)
}
func (q *readyQueue) Pop() any {
	old := *q
	d := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	d.queued = false
	return d
}
