package handset

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/txpush/txpush/radio"
	"github.com/txpush/txpush/smpp"
)

// Handset is one emulated phone. Its Receive method is a radio.Receiver
// (for Network.Attach), and it is an smpp.Handler for a receiver bind to an
// SMSC (BindSMPP). It keeps its latest events (Config.History). It is safe
// for concurrent use.
type Handset struct {
	msisdn string
	pop    *Population

	mu      sync.Mutex
	limit   int
	history []Event // a ring of at most limit events; next is the oldest once full
	next    int
}

// New returns the handset with the given MSISDN.
func New(msisdn string, cfg Config) (*Handset, error) {
	if msisdn == "" {
		return nil, errors.New("handset: no MSISDN")
	}
	h := &Handset{msisdn: msisdn, limit: cfg.History}
	switch {
	case h.limit == 0:
		h.limit = DefaultHistory
	case h.limit < 0:
		h.limit = 0
	}
	onEvent := cfg.OnEvent
	cfg.OnEvent = func(e Event) {
		h.record(e)
		if onEvent != nil {
			onEvent(e)
		}
	}
	pop, err := NewPopulation(cfg)
	if err != nil {
		return nil, err
	}
	h.pop = pop
	return h, nil
}

// MSISDN returns the handset's number.
func (h *Handset) MSISDN() string { return h.msisdn }

// Receive takes one SMS delivered to the handset at time at, whatever its
// Destination says.
func (h *Handset) Receive(sms radio.SMS, at time.Time) {
	h.pop.receive(h.msisdn, airInbound(sms), at)
}

// ServeSMPP takes deliver_sm and data_sm as SMS for the handset. The
// answers are those described for Population.ServeSMPP, except that the
// destination_addr is not looked at.
func (h *Handset) ServeSMPP(w smpp.ResponseWriter, r *smpp.Request) {
	h.pop.serveSMPP(w, r, h.msisdn)
}

// ReceiverConfig returns cfg made into the handset's receiver bind: bind
// mode receiver, address_range the MSISDN unless cfg sets one, and the
// handset as the session's handler.
func (h *Handset) ReceiverConfig(cfg smpp.DialConfig) smpp.DialConfig {
	cfg.Mode = smpp.Receiver
	if cfg.Params.AddressRange == "" {
		cfg.Params.AddressRange = h.msisdn
	}
	cfg.Session.Handler = h
	return cfg
}

// BindSMPP connects to the SMSC at addr and binds as a receiver for the
// handset (see ReceiverConfig). The session ends when the SMSC or the
// caller closes it; smpp.Client with ReceiverConfig keeps a bind up
// instead.
func (h *Handset) BindSMPP(ctx context.Context, addr string, cfg smpp.DialConfig) (*smpp.Session, error) {
	return smpp.Dial(ctx, addr, h.ReceiverConfig(cfg))
}

// Stats returns the handset's counters.
func (h *Handset) Stats() Stats {
	s, _ := h.pop.Stats(h.msisdn)
	return s
}

// Pending returns the number of messages being reassembled and the payload
// octets they hold.
func (h *Handset) Pending() (messages, octets int) { return h.pop.Pending() }

// Events returns the latest events, oldest first.
func (h *Handset) Events() []Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]Event, 0, len(h.history))
	out = append(out, h.history[h.next:]...)
	return append(out, h.history[:h.next]...)
}

// Pushes returns the push events among the latest events, oldest first.
func (h *Handset) Pushes() []Event {
	var out []Event
	for _, e := range h.Events() {
		if e.Kind == EventPush {
			out = append(out, e)
		}
	}
	return out
}

// Close switches the handset off: fetches in flight are cancelled and
// waited for, later SMS are ignored and no event follows.
func (h *Handset) Close() { h.pop.Close() }

func (h *Handset) record(e Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case h.limit == 0:
	case len(h.history) < h.limit:
		h.history = append(h.history, e)
	default:
		h.history[h.next] = e
		h.next = (h.next + 1) % h.limit
	}
}
