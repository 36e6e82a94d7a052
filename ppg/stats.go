package ppg

import (
	"sync/atomic"

	"github.com/txpush/txpush/smpp"
	"github.com/txpush/txpush/store"
)

// Stats is a snapshot of what a PPG has done and holds.
type Stats struct {
	// Accepted counts pushes answered 1001.
	Accepted uint64
	// Final counts the deliveries (one per address) that reached each
	// final state.
	Final map[store.DeliveryState]uint64
	// Open counts pushes with a delivery not yet final; Ready the
	// deliveries waiting for a dispatch slot; Parked the submits handed to
	// the SMSC whose outcome is not known yet.
	Open, Ready, Parked int
	// NotificationsOwed counts result notifications not yet taken by their
	// PI; NotificationsSent those taken; NotificationRetries the posts that
	// failed and were rescheduled.
	NotificationsOwed                      int64
	NotificationsSent, NotificationRetries uint64
	// Purged counts the finished pushes deleted after the retention.
	Purged uint64
}

// counters are the PPG's running totals, updated where things happen.
type counters struct {
	accepted atomic.Uint64
	final    [store.DeliveryAborted + 1]atomic.Uint64
	owed     atomic.Int64
	sent     atomic.Uint64
	retries  atomic.Uint64
	purged   atomic.Uint64
}

// Stats returns the PPG's statistics.
func (p *PPG) Stats() Stats {
	s := Stats{
		Accepted:            p.counters.accepted.Load(),
		Final:               make(map[store.DeliveryState]uint64),
		NotificationsOwed:   p.counters.owed.Load(),
		NotificationsSent:   p.counters.sent.Load(),
		NotificationRetries: p.counters.retries.Load(),
		Purged:              p.counters.purged.Load(),
	}
	for st := store.DeliveryDelivered; st <= store.DeliveryAborted; st++ {
		if n := p.counters.final[st].Load(); n > 0 {
			s.Final[st] = n
		}
	}
	p.mu.Lock()
	s.Open, s.Ready, s.Parked = len(p.open), p.ready.Len(), p.inFlight
	p.mu.Unlock()
	return s
}

// Sessions returns the dispatcher's SMPP sessions that are up now.
func (d *SMPPDispatcher) Sessions() []*smpp.Session { return d.binds.sessions() }

// Sessions returns the dispatcher's SMPP sessions that are up now.
func (d *LegacyDispatcher) Sessions() []*smpp.Session { return d.binds.sessions() }

// sessions returns the clients' current sessions.
func (b *binds) sessions() []*smpp.Session {
	var out []*smpp.Session
	for _, c := range b.clients {
		if s := c.Current(); s != nil {
			out = append(out, s)
		}
	}
	return out
}
