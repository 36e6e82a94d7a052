package radio

import (
	"errors"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/txpush/txpush/clock"
)

// Limits on what a network will carry.
const (
	maxMSISDNDigits = 15  // E.164
	maxUserData     = 140 // octets of TP-UD
	maxUserData7bit = 160 // septets of TP-UD when they are given one per octet
	maxCells        = 1 << 20
)

// Network is a simulated mobile network: an Air that decides each
// delivery's fate from the Config's models and reports it through the
// clock. It is safe for concurrent use and starts no goroutines.
//
// The network keeps a small state for every MSISDN it has been asked to
// deliver to (about 200 bytes), so its memory grows with the number of
// distinct subscribers, never with the number of deliveries.
//
// Handset and cell states (absence, congestion) are taken as they are when
// an attempt starts. They are functions of the seed, the MSISDN or cell, and
// the time since the network was made, and so do not depend on the traffic.
// Everything else an attempt needs is drawn from the destination's own
// random stream, a fixed number of draws per attempt, so two runs with the
// same seed and the same attempts per handset give the same results.
type Network struct {
	clock clock.Clock
	cfg   Config
	epoch time.Time // time zero of the handset and cell processes

	absence, congestion            spells
	routing, firstSegment, nextSeg lognormal
	transientWeight, permWeight    float64 // sums of the mixes' weights

	mu        sync.Mutex
	handsets  map[string]*handset
	cells     []onOff
	receivers map[string]Receiver
	catchAll  Receiver
	alerted   []func(msisdn string)
	stats     counters
}

var (
	_ Air     = (*Network)(nil)
	_ Alerter = (*Network)(nil)
)

// handset is what the network remembers of one MSISDN.
type handset struct {
	msisdn   string
	attempts rand.PCG // per-attempt draws
	presence onOff    // absent when on
	cell     uint32

	permanent    bool  // every attempt fails with permErr
	permErr      Error //
	alertArmed   bool  // an Alert-SC is scheduled
	dialogue     bool  // the last message asked to keep the dialogue open
	inFlight     int32
	lastEnd      time.Duration // when the last attempt ended, from epoch
	alertedUntil time.Duration // end of the last absence an alert was armed for
}

type counters struct {
	attempts, delivered, continued, alerts uint64
	failures                               map[Error]uint64
}

// New returns a network that runs on clk. Its handset and cell processes
// start at clk.Now().
func New(clk clock.Clock, cfg Config) (*Network, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if clk == nil {
		return nil, errors.New("radio: New: no clock")
	}
	// Keep the caller's slices out of reach of later changes.
	cfg.TransientErrors = append([]WeightedError(nil), cfg.TransientErrors...)
	cfg.PermanentErrors = append([]WeightedError(nil), cfg.PermanentErrors...)
	n := &Network{
		clock:        clk,
		cfg:          cfg,
		epoch:        clk.Now(),
		absence:      newSpells(cfg.AbsentShare, cfg.AbsenceMean),
		congestion:   newSpells(cfg.CongestionShare, cfg.CongestionSpell),
		routing:      newLognormal(cfg.RoutingLookup),
		firstSegment: newLognormal(cfg.FirstSegment),
		nextSeg:      newLognormal(cfg.NextSegment),
		handsets:     make(map[string]*handset),
		cells:        make([]onOff, cfg.Cells),
		receivers:    make(map[string]Receiver),
		stats:        counters{failures: make(map[Error]uint64)},
	}
	for _, w := range cfg.TransientErrors {
		n.transientWeight += w.Weight
	}
	for _, w := range cfg.PermanentErrors {
		n.permWeight += w.Weight
	}
	for i := range n.cells {
		n.cells[i] = newOnOff(streamSeed(cfg.Seed, tagCell, uint64(i)))
	}
	return n, nil
}

// Config returns the configuration the network runs with.
func (n *Network) Config() Config {
	c := n.cfg
	c.TransientErrors = append([]WeightedError(nil), c.TransientErrors...)
	c.PermanentErrors = append([]WeightedError(nil), c.PermanentErrors...)
	return c
}

// Attach makes r the handset for msisdn: it receives every SMS delivered
// there, at the delivery time, before the sender's done is called. A nil r
// detaches.
func (n *Network) Attach(msisdn string, r Receiver) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if r == nil {
		delete(n.receivers, msisdn)
		return
	}
	n.receivers[msisdn] = r
}

// AttachAll makes r receive every SMS delivered to an MSISDN that has no
// handset of its own; with Config.RequireReceiver it makes every MSISDN
// exist. A nil r removes the catch-all.
func (n *Network) AttachAll(r Receiver) {
	n.mu.Lock()
	n.catchAll = r
	n.mu.Unlock()
}

// OnAlert registers f to be called with the MSISDN of each subscriber the
// HLR alerts the service centre about. Every registered function is called,
// in order of registration.
func (n *Network) OnAlert(f func(msisdn string)) {
	if f == nil {
		return
	}
	n.mu.Lock()
	n.alerted = append(n.alerted, f)
	n.mu.Unlock()
}

// attempt is one delivery in flight.
type attempt struct {
	n          *Network
	h          *handset // nil when the destination was refused outright
	sms        SMS
	done       func(Result)
	start, end time.Time
	err        *Error
	alertAt    time.Duration // from epoch; when to alert if err asks for it
	absentTill time.Duration // end of the absence the attempt met, if any
}

// Deliver starts one delivery attempt and returns at once; done (which may
// be nil) is called exactly once, from the clock, when the result is known.
func (n *Network) Deliver(sms SMS, done func(Result)) {
	n.mu.Lock()
	now := n.clock.Now()
	a := &attempt{n: n, sms: sms, done: done, start: now}
	n.stats.attempts++
	d := n.decide(a, now.Sub(n.epoch))
	a.end = now.Add(d)
	n.mu.Unlock()
	n.clock.AfterFunc(d, a.complete)
}

// decide settles the attempt's fate and returns how long it takes. It must
// be called with n.mu held.
func (n *Network) decide(a *attempt, t time.Duration) time.Duration {
	if err := checkSMS(&a.sms); err != nil {
		a.err = err // refused by the MSC before anything is sent
		return 0
	}
	h := n.handset(a.sms.Destination)
	a.h = h

	// A fixed number of draws per attempt, used or not, keeps the stream
	// aligned: the k-th attempt to a handset always sees the same numbers.
	u1, u2 := unit(h.attempts.Uint64()), unit(h.attempts.Uint64())
	uNoAnswer := unit(h.attempts.Uint64())
	uMemory := unit(h.attempts.Uint64())
	uFail := unit(h.attempts.Uint64())
	uKind := unit(h.attempts.Uint64())
	uAlert := unit(h.attempts.Uint64())
	zRouting, zForward := boxMuller(u1, u2)

	continued := h.dialogue && h.inFlight == 0 && t-h.lastEnd <= n.cfg.DialogueIdle
	busy := h.inFlight > 0 && !n.cfg.AllowConcurrent
	h.inFlight++
	h.dialogue = false // reopened by a success that asks for it

	var d time.Duration
	forward := n.firstSegment
	if continued {
		n.stats.continued++
		forward = n.nextSeg
	} else {
		d = n.routing.delay(zRouting)
		// The HLR answers the routing lookup for subscriptions that can
		// never receive.
		if h.permanent {
			a.err = &Error{Code: h.permErr.Code, Cause: h.permErr.Cause}
			return d
		}
		if n.cfg.RequireReceiver && n.receiver(h.msisdn) == nil {
			a.err = &Error{Code: UnknownSubscriber}
			return d
		}
	}
	d += forward.delay(zForward)
	if uNoAnswer < n.cfg.NoAnswer || d > n.cfg.MAPTimeout {
		a.err = &Error{Code: Timeout}
		return n.cfg.MAPTimeout
	}
	if busy {
		a.err = &Error{Code: SubscriberBusyForMTSMS}
		return d
	}
	if absent, until := h.presence.at(t, &n.absence); absent {
		a.err = &Error{Code: AbsentSubscriberSM}
		a.absentTill = until
		a.alertAt = until + n.alertDelay(uAlert)
		return d
	}
	if uMemory < n.cfg.MemoryFull {
		a.err = &Error{Code: SMDeliveryFailure, Cause: MemoryCapacityExceeded}
		a.alertAt = t + d + n.alertDelay(uAlert)
		return d
	}
	rate := n.cfg.TransientFailure
	if congested, _ := n.cells[h.cell].at(t, &n.congestion); congested {
		rate = n.cfg.CongestedFailure
	}
	if continued {
		rate *= n.cfg.DialogueFailureFactor
	}
	if uFail < rate {
		e := draw(n.cfg.TransientErrors, n.transientWeight, uKind)
		a.err = &e
	}
	return d
}

// handset returns the state of msisdn, making it on first use. It must be
// called with n.mu held.
func (n *Network) handset(msisdn string) *handset {
	if h, ok := n.handsets[msisdn]; ok {
		return h
	}
	key := hashString(msisdn)
	h := &handset{
		msisdn:   msisdn,
		presence: newOnOff(streamSeed(n.cfg.Seed, tagPresence, key)),
		cell:     uint32(mix(key^mix(n.cfg.Seed^tagCell)) % uint64(len(n.cells))),
	}
	h.attempts.Seed(streamSeed(n.cfg.Seed, tagAttempts, key))
	s1, s2 := streamSeed(n.cfg.Seed, tagPermanent, key)
	if unit(s1^s2) < n.cfg.PermanentShare {
		h.permanent = true
		h.permErr = draw(n.cfg.PermanentErrors, n.permWeight, unit(mix(s2)))
	}
	n.handsets[msisdn] = h
	return h
}

// receiver returns the handset that receives for msisdn, if any. It must be
// called with n.mu held.
func (n *Network) receiver(msisdn string) Receiver {
	if r, ok := n.receivers[msisdn]; ok {
		return r
	}
	return n.catchAll
}

// alertDelay maps a uniform draw to the configured alert delay range.
func (n *Network) alertDelay(u float64) time.Duration {
	span := n.cfg.AlertDelayMax - n.cfg.AlertDelayMin
	return n.cfg.AlertDelayMin + time.Duration(u*float64(span))
}

// complete runs on the clock when the attempt's result is due.
func (a *attempt) complete() {
	n := a.n
	n.mu.Lock()
	var alertIn time.Duration
	alert := false
	if h := a.h; h != nil {
		h.inFlight--
		h.lastEnd = a.end.Sub(n.epoch)
		h.dialogue = a.err == nil && a.sms.MoreMessagesToSend
		alert = n.armAlert(h, a)
		alertIn = a.alertAt - h.lastEnd
	}
	var r Receiver
	if a.err == nil {
		n.stats.delivered++
		r = n.receiver(a.sms.Destination)
	} else {
		n.stats.failures[*a.err]++
	}
	n.mu.Unlock()

	if alert {
		h := a.h
		n.clock.AfterFunc(alertIn, func() { n.alert(h) })
	}
	if r != nil {
		r(a.sms, a.end)
	}
	if a.done != nil {
		a.done(Result{Err: a.err, Start: a.start, End: a.end})
	}
}

// armAlert reports whether the failed attempt a should lead to an Alert-SC
// and records that one is due. An absence is alerted at most once, and a
// handset has at most one alert pending. It must be called with n.mu held.
func (n *Network) armAlert(h *handset, a *attempt) bool {
	if !n.cfg.AlertSC || a.err == nil || h.alertArmed {
		return false
	}
	switch {
	case a.err.Code == AbsentSubscriberSM:
		if h.alertedUntil == a.absentTill {
			return false // this absence has had its alert
		}
		h.alertedUntil = a.absentTill
	case a.err.Code == SMDeliveryFailure && a.err.Cause == MemoryCapacityExceeded:
	default:
		return false
	}
	h.alertArmed = true
	return true
}

// alert runs on the clock when the HLR alerts the service centre.
func (n *Network) alert(h *handset) {
	n.mu.Lock()
	h.alertArmed = false
	n.stats.alerts++
	subscribers := n.alerted
	n.mu.Unlock()
	for _, f := range subscribers {
		f(h.msisdn)
	}
}

// Stats counts what the network has done.
type Stats struct {
	Attempts  uint64 // Deliver calls
	Delivered uint64
	Failed    uint64           // attempts completed with an error
	Failures  map[Error]uint64 // failed attempts by error
	InFlight  uint64           // attempts whose result is not yet known
	// Continued counts attempts sent in an open dialogue, without a
	// routing lookup.
	Continued uint64
	Alerts    uint64 // Alert-SC sent
	Handsets  int    // distinct MSISDNs the network keeps state for
}

// Stats returns a snapshot of the counters.
func (n *Network) Stats() Stats {
	n.mu.Lock()
	defer n.mu.Unlock()
	s := Stats{
		Attempts:  n.stats.attempts,
		Delivered: n.stats.delivered,
		Failures:  make(map[Error]uint64, len(n.stats.failures)),
		Continued: n.stats.continued,
		Alerts:    n.stats.alerts,
		Handsets:  len(n.handsets),
	}
	for e, c := range n.stats.failures {
		s.Failures[e] = c
		s.Failed += c
	}
	s.InFlight = s.Attempts - s.Delivered - s.Failed
	return s
}

// checkSMS refuses what no MSC would carry.
func checkSMS(sms *SMS) *Error {
	dest := sms.Destination
	if dest == "" {
		return &Error{Code: DataMissing}
	}
	if len(dest) > maxMSISDNDigits {
		return &Error{Code: UnexpectedDataValue}
	}
	for i := 0; i < len(dest); i++ {
		if dest[i] < '0' || dest[i] > '9' {
			return &Error{Code: UnexpectedDataValue}
		}
	}
	limit := maxUserData
	if gsm7bit(sms.DataCoding) {
		limit = maxUserData7bit
	}
	if len(sms.UserData) > limit {
		return &Error{Code: UnexpectedDataValue}
	}
	return nil
}

// gsm7bit reports whether TP-DCS selects the GSM 7-bit default alphabet
// (3GPP TS 23.038 §4).
func gsm7bit(dcs byte) bool {
	switch dcs >> 4 {
	case 0x0, 0x1, 0x2, 0x3, 0x4, 0x5, 0x6, 0x7: // general data coding
		return dcs&0x0C == 0
	case 0xC, 0xD: // message waiting indication, GSM 7-bit
		return true
	case 0xF: // data coding / message class
		return dcs&0x04 == 0
	}
	return false
}

// draw picks the error of mix that u (uniform in [0, 1)) falls on.
func draw(mix []WeightedError, total, u float64) Error {
	x := u * total
	for _, w := range mix {
		if x < w.Weight {
			return w.Err
		}
		x -= w.Weight
	}
	// Rounding can leave x just above the last weight.
	for i := len(mix) - 1; i >= 0; i-- {
		if mix[i].Weight > 0 {
			return mix[i].Err
		}
	}
	return Error{Code: SystemFailure}
}

// boxMuller turns two uniform draws into two independent standard normal
// ones.
func boxMuller(u1, u2 float64) (float64, float64) {
	r := math.Sqrt(-2 * math.Log(1-u1)) // 1-u1 is in (0, 1]
	s, c := math.Sincos(2 * math.Pi * u2)
	return r * c, r * s
}
