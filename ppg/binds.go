package ppg

import (
	"context"
	"crypto/tls"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/txpush/txpush/clock"
	"github.com/txpush/txpush/smpp"
)

// binds is the set of transceiver binds a dispatcher keeps to its SMSCs:
// an smpp.Client per bind, each binding again after a loss, and submits
// spread over the bound sessions in turn (a session that is not bound is
// skipped, which is the health check).
type binds struct {
	clients []*smpp.Client
	perAddr int
	next    atomic.Uint64

	mu      sync.Mutex
	started bool
	closed  bool
}

// bindOptions say how to reach the SMSCs.
type bindOptions struct {
	addrs           []string
	perAddr         int
	params          smpp.BindParams
	tls             *tls.Config
	clock           clock.Clock
	window          int
	responseTimeout time.Duration
	enquireLink     time.Duration
	minBackoff      time.Duration
	maxBackoff      time.Duration
	// handler, when set, serves what the SMSC at addrs[i] sends (receipts).
	handler func(i int) smpp.Handler
	// onResponse, when set, is told each request's response time.
	onResponse func(id smpp.CommandID, took time.Duration)
	onError    func(addr string, err error)
}

func newBinds(o bindOptions) *binds {
	b := &binds{perAddr: max(o.perAddr, 1)}
	for i, addr := range o.addrs {
		var h smpp.Handler
		if o.handler != nil {
			h = o.handler(i)
		}
		var onError func(error)
		if o.onError != nil {
			onError = func(err error) { o.onError(addr, err) }
		}
		for range b.perAddr {
			b.clients = append(b.clients, &smpp.Client{
				Addr: addr,
				DialConfig: smpp.DialConfig{
					Mode:      smpp.Transceiver,
					Params:    o.params,
					TLSConfig: o.tls,
					Session: smpp.SessionConfig{
						Clock:               o.clock,
						Window:              o.window,
						WindowPolicy:        smpp.FailFast,
						ResponseTimeout:     o.responseTimeout,
						EnquireLinkInterval: o.enquireLink,
						Handler:             h,
						OnResponse:          o.onResponse,
					},
				},
				MinBackoff: o.minBackoff,
				MaxBackoff: o.maxBackoff,
				OnError:    onError,
			})
		}
	}
	return b
}

// start begins binding every client, once, unless closed.
func (b *binds) start(ctx context.Context) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.started || b.closed {
		return
	}
	b.started = true
	for _, c := range b.clients {
		c.Start(ctx)
	}
}

// waitBound waits until every client is bound, or ctx ends.
func (b *binds) waitBound(ctx context.Context) error {
	for _, c := range b.clients {
		if _, err := c.WaitBound(ctx); err != nil {
			return err
		}
	}
	return nil
}

// close unbinds every session, giving outstanding submits until ctx ends.
func (b *binds) close(ctx context.Context) error {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	var errs []error
	for _, c := range b.clients {
		if err := c.Close(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// sessionTo returns a bound session to SMSC address addr, nil when none
// is bound.
func (b *binds) sessionTo(addr int) *smpp.Session {
	for k := addr * b.perAddr; k < (addr+1)*b.perAddr && k < len(b.clients); k++ {
		if s := b.clients[k].Current(); s != nil && s.State().Bound() {
			return s
		}
	}
	return nil
}

// session picks the next bound session, round-robin, with the index of its
// SMSC address; nil when none is bound.
func (b *binds) session() (*smpp.Session, int) {
	n := len(b.clients)
	start := b.next.Add(1)
	for i := range n {
		k := int((start + uint64(i)) % uint64(n))
		if s := b.clients[k].Current(); s != nil && s.State().Bound() {
			return s, k / b.perAddr
		}
	}
	return nil, 0
}
