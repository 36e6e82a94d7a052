package ppg

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/txpush/txpush/store"
)

// memStore is an in-package PushStore for tests: the store package had no
// in-memory PushStore when this package was written. Like a real store it
// copies what it keeps and what it returns, guards final deliveries, and
// keeps notifications in an outbox written with the delivery update.
type memStore struct {
	mu     sync.Mutex
	pushes map[pushKey]*store.Push
	outbox map[noteKey]*store.Notification
	// commit, when set, is called before each push or delivery write is
	// applied; a test uses it to hold writes back or to fail them.
	commit func() error
	// noted, when set, receives every notification update.
	noted chan store.NotificationUpdate
}

type noteKey struct {
	pi, id string
	index  int
}

func newMemStore() *memStore {
	return &memStore{pushes: map[pushKey]*store.Push{}, outbox: map[noteKey]*store.Notification{}}
}

func clonePush(p *store.Push) *store.Push {
	c := *p
	c.Control = slices.Clone(p.Control)
	c.Content = slices.Clone(p.Content)
	c.Deliveries = slices.Clone(p.Deliveries)
	return &c
}

func (s *memStore) hold() error {
	s.mu.Lock()
	f := s.commit
	s.mu.Unlock()
	if f != nil {
		return f()
	}
	return nil
}

func (s *memStore) InsertPushAsync(p *store.Push, done func(error)) {
	done(s.InsertPush(context.Background(), p))
}

func (s *memStore) InsertPush(ctx context.Context, p *store.Push) error {
	if err := s.hold(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := pushKey{p.PI, p.PushID}
	if _, dup := s.pushes[k]; dup {
		return fmt.Errorf("insert push %q: %w", p.PushID, store.ErrDuplicate)
	}
	s.pushes[k] = clonePush(p)
	return nil
}

func (s *memStore) UpdateDeliveryAsync(u store.DeliveryUpdate, done func(error)) {
	done(s.UpdateDelivery(context.Background(), u))
}

func (s *memStore) UpdateDelivery(ctx context.Context, u store.DeliveryUpdate) error {
	if err := s.hold(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pushes[pushKey{u.PI, u.PushID}]
	if p == nil || u.Index < 0 || u.Index >= len(p.Deliveries) {
		return fmt.Errorf("update delivery: %w", store.ErrNotFound)
	}
	if p.Deliveries[u.Index].State.Final() {
		return fmt.Errorf("update delivery: %w", store.ErrFinal)
	}
	p.Deliveries[u.Index] = u.Delivery
	if u.Notify != nil {
		n := *u.Notify
		n.Body = slices.Clone(n.Body)
		s.outbox[noteKey{n.PI, n.PushID, n.Index}] = &n
	}
	return nil
}

func (s *memStore) GetPush(ctx context.Context, pi, pushID string) (*store.Push, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pushes[pushKey{pi, pushID}]
	if p == nil {
		return nil, fmt.Errorf("get push: %w", store.ErrNotFound)
	}
	return clonePush(p), nil
}

func (s *memStore) OpenPushes(ctx context.Context, fn func(*store.Push) error) error {
	s.mu.Lock()
	var open []*store.Push
	for _, p := range s.pushes {
		if slices.ContainsFunc(p.Deliveries, func(d store.Delivery) bool { return !d.State.Final() }) {
			open = append(open, clonePush(p))
		}
	}
	s.mu.Unlock()
	sort.Slice(open, func(i, j int) bool { return open[i].ReceivedAt.Before(open[j].ReceivedAt) })
	for _, p := range open {
		if err := fn(p); err != nil {
			return err
		}
	}
	return nil
}

func (s *memStore) UpdateNotificationAsync(u store.NotificationUpdate, done func(error)) {
	s.mu.Lock()
	k := noteKey{u.PI, u.PushID, u.Index}
	n := s.outbox[k]
	switch {
	case n == nil:
	case u.Done:
		delete(s.outbox, k)
	default:
		n.Attempts, n.NextAttempt = u.Attempts, u.NextAttempt
	}
	noted := s.noted
	s.mu.Unlock()
	if n == nil {
		done(fmt.Errorf("update notification: %w", store.ErrNotFound))
		return
	}
	done(nil)
	if noted != nil {
		noted <- u
	}
}

func (s *memStore) PendingNotifications(ctx context.Context, fn func(*store.Notification) error) error {
	s.mu.Lock()
	var owed []*store.Notification
	for _, n := range s.outbox {
		c := *n
		owed = append(owed, &c)
	}
	s.mu.Unlock()
	sort.Slice(owed, func(i, j int) bool { return owed[i].NextAttempt.Before(owed[j].NextAttempt) })
	for _, n := range owed {
		if err := fn(n); err != nil {
			return err
		}
	}
	return nil
}

func (s *memStore) PurgePushes(ctx context.Context, before time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, p := range s.pushes {
		if !slices.ContainsFunc(p.Deliveries, func(d store.Delivery) bool {
			return !d.State.Final() || !d.UpdatedAt.Before(before)
		}) {
			delete(s.pushes, k)
			n++
		}
	}
	return n, nil
}

// delivery returns the stored state of one delivery.
func (s *memStore) delivery(pi, id string, index int) store.Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pushes[pushKey{pi, id}]
	if p == nil || index >= len(p.Deliveries) {
		return store.Delivery{}
	}
	return p.Deliveries[index]
}

// owed returns the number of notifications in the outbox.
func (s *memStore) owed() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.outbox)
}

var _ store.PushStore = (*memStore)(nil)
