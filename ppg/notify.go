package ppg

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/txpush/txpush/internal/keepalive"
	"github.com/txpush/txpush/pap"
	"github.com/txpush/txpush/store"
)

// notifyResponseLimit bounds the PI's answer to a notification, a short
// resultnotification-response.
const notifyResponseLimit = 64 << 10

// notifier posts owed result notifications to the PIs, a bounded number at
// a time, and retries each with a doubling backoff until the PI answers it
// with a success code.
type notifier struct {
	p *PPG
	// direct posts to PIs without a proxy, cheaper than net/http's
	// transport; nil when Config.HTTPClient was given.
	direct *keepalive.Client
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	urls   urlCache

	mu     sync.Mutex
	queue  []*store.Notification // due, waiting for a free slot
	active int
	closed bool
}

// urlCache keeps the notification URLs the direct client posted to,
// parsed: a PI names the same one in push after push, and parsing it for
// every post was 2 % of the PPG's CPU with notifications. It forgets all
// once it holds urlCacheSize, so that PIs naming ever new URLs cannot grow
// it.
type urlCache struct {
	mu sync.Mutex
	m  map[string]*url.URL
}

const urlCacheSize = 1024

// parse returns s parsed; the URL is shared and must not be changed.
func (c *urlCache) parse(s string) (*url.URL, error) {
	c.mu.Lock()
	u, ok := c.m[s]
	c.mu.Unlock()
	if ok {
		return u, nil
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= urlCacheSize {
		c.m = make(map[string]*url.URL)
	}
	c.m[s] = u
	c.mu.Unlock()
	return u, nil
}

func newNotifier(p *PPG) *notifier {
	ctx, cancel := context.WithCancel(context.Background())
	return &notifier{p: p, ctx: ctx, cancel: cancel}
}

// add takes an owed notification; it is posted when due.
func (n *notifier) add(x *store.Notification) {
	n.p.counters.owed.Add(1)
	now := n.p.clk.Now()
	if x.NextAttempt.After(now) {
		n.p.clk.AfterFunc(x.NextAttempt.Sub(now), func() { n.due(x) })
		return
	}
	n.due(x)
}

func (n *notifier) due(x *store.Notification) {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return
	}
	n.queue = append(n.queue, x)
	n.startLocked()
	n.mu.Unlock()
}

// startLocked starts posts while there are free slots.
func (n *notifier) startLocked() {
	for n.active < n.p.cfg.NotifyConcurrency && len(n.queue) > 0 {
		x := n.queue[0]
		n.queue[0] = nil
		n.queue = n.queue[1:]
		n.active++
		n.wg.Add(1)
		go n.post(x)
	}
}

func (n *notifier) post(x *store.Notification) {
	defer n.wg.Done()
	err := n.send(x)
	n.mu.Lock()
	n.active--
	closed := n.closed
	if !closed {
		n.startLocked()
	}
	n.mu.Unlock()
	if closed {
		return
	}
	u := store.NotificationUpdate{PI: x.PI, PushID: x.PushID, Index: x.Index}
	if err == nil {
		n.p.counters.owed.Add(-1)
		n.p.counters.sent.Add(1)
		u.Done = true
		n.p.store.UpdateNotificationAsync(u, func(err error) {
			if err != nil {
				n.p.log.Error("ppg: recording a notification as sent", "push_id", x.PushID, "err", err)
			}
		})
		return
	}
	n.p.counters.retries.Add(1)
	x.Attempts++
	delay := n.backoff(x.Attempts)
	x.NextAttempt = n.p.clk.Now().Add(delay)
	u.Attempts, u.NextAttempt = x.Attempts, x.NextAttempt
	n.p.log.Warn("ppg: result notification not taken", "push_id", x.PushID, "url", x.URL,
		"attempts", x.Attempts, "retry_in", delay, "err", err)
	n.p.store.UpdateNotificationAsync(u, func(err error) {
		if err != nil {
			n.p.log.Error("ppg: rescheduling a notification", "push_id", x.PushID, "err", err)
		}
	})
	n.p.clk.AfterFunc(delay, func() { n.due(x) })
}

// backoff is the wait after the given number of failed attempts.
func (n *notifier) backoff(attempts int) time.Duration {
	d := n.p.cfg.NotifyMinBackoff
	for i := 1; i < attempts && d < n.p.cfg.NotifyMaxBackoff; i++ {
		d *= 2
	}
	return min(d, n.p.cfg.NotifyMaxBackoff)
}

// send posts x and reports whether the PI took it: a
// resultnotification-response with a success code.
func (n *notifier) send(x *store.Notification) error {
	if n.direct != nil {
		if u, err := n.urls.parse(x.URL); err == nil && n.direct.Usable(u) {
			// The client bounds the exchange by NotifyTimeout itself.
			status, body, err := n.direct.Post(n.ctx, u, "application/xml", x.Body, notifyResponseLimit)
			if err != nil {
				return err
			}
			return takenBy(status, body)
		}
	}
	ctx, cancel := context.WithTimeout(n.ctx, n.p.cfg.NotifyTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, x.URL, bytes.NewReader(x.Body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/xml")
	resp, err := n.p.cfg.HTTPClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, notifyResponseLimit))
	if err != nil {
		return err
	}
	return takenBy(resp.StatusCode, body)
}

// takenBy reports whether the PI's answer (HTTP status and body) takes the
// notification: a resultnotification-response with a success code.
func takenBy(status int, body []byte) error {
	m, err := pap.ParseMessage(body)
	if err != nil {
		return fmt.Errorf("HTTP %d: %w", status, err)
	}
	r, ok := m.(*pap.ResultNotificationResponse)
	if !ok {
		return fmt.Errorf("HTTP %d: answered with %s", status, m.Kind())
	}
	if !r.Code.Success() {
		return fmt.Errorf("PI answered %v", r.Code)
	}
	return nil
}

// close stops posting and waits for the posts in flight to end.
func (n *notifier) close() {
	n.mu.Lock()
	n.closed = true
	n.queue = nil
	n.mu.Unlock()
	n.cancel()
	n.wg.Wait()
	if n.direct != nil {
		n.direct.CloseIdle()
	}
}
