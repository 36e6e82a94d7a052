package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// PushMemory is a PushStore that keeps its pushes and notifications in
// memory only: nothing survives the process. The simulator uses it to run
// the PPG without disk I/O, and tests use it where durability is beside the
// point.
//
// It behaves as SQLite's push store does in every other respect: the same
// errors (ErrNotFound, ErrFinal, ErrDuplicate, wrapped), the same guard that
// a final delivery never changes, the same one-notification-per-index
// outbox, the same orders, the same purge, and times kept to the
// microsecond in UTC. Stored pushes and notifications are copies: changing
// one after it was stored, or one that a method returned, changes nothing
// in the store.
//
// Like Memory, its Async methods apply the write and call done before they
// return, on the caller's goroutine. A caller must therefore not hold, while
// calling them, a lock that done takes.
//
// A PushMemory is safe for concurrent use. The zero value is not usable;
// call NewPushMemory.
type PushMemory struct {
	mu            sync.Mutex
	pushes        map[pushRef]*Push
	notifications map[notificationRef]*Notification
}

var _ PushStore = (*PushMemory)(nil)

// pushRef is how a push is known: push ids are unique per PI.
type pushRef struct{ pi, pushID string }

// notificationRef is how a notification is known: by its push and the
// delivery it reports (-1 for the whole push).
type notificationRef struct {
	pushRef
	index int
}

// NewPushMemory returns an empty in-memory push store.
func NewPushMemory() *PushMemory {
	return &PushMemory{
		pushes:        make(map[pushRef]*Push),
		notifications: make(map[notificationRef]*Notification),
	}
}

// InsertPushAsync implements PushStore; done is called before it returns.
func (s *PushMemory) InsertPushAsync(p *Push, done func(error)) {
	err := s.insertPush(p)
	if done != nil {
		done(err)
	}
}

// InsertPush implements PushStore.
func (s *PushMemory) InsertPush(ctx context.Context, p *Push) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.insertPush(p)
}

func (s *PushMemory) insertPush(p *Push) error {
	if err := checkPush(p); err != nil {
		return err
	}
	c := storedPush(p)
	ref := pushRef{c.PI, c.PushID}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, taken := s.pushes[ref]; taken {
		return fmt.Errorf("store: inserting %s: %w", pushName(c.PI, c.PushID), ErrDuplicate)
	}
	s.pushes[ref] = c
	return nil
}

// UpdateDeliveryAsync implements PushStore as SQLite.UpdateDeliveryAsync
// does; done is called before it returns.
func (s *PushMemory) UpdateDeliveryAsync(u DeliveryUpdate, done func(error)) {
	err := s.updateDelivery(u)
	if done != nil {
		done(err)
	}
}

// UpdateDelivery implements PushStore as SQLite.UpdateDelivery does.
func (s *PushMemory) UpdateDelivery(ctx context.Context, u DeliveryUpdate) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.updateDelivery(u)
}

func (s *PushMemory) updateDelivery(u DeliveryUpdate) error {
	if err := checkDeliveryUpdate(&u); err != nil {
		return err
	}
	var notification *Notification
	if u.Notify != nil {
		notification = storedNotification(u.Notify)
	}
	ref := pushRef{u.PI, u.PushID}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pushes[ref]
	var nref notificationRef
	owed := false
	if notification != nil {
		nref = notificationRef{ref, notification.Index}
		_, owed = s.notifications[nref]
	}
	if err := refuseDeliveryUpdate(p, &u, owed); err != nil {
		return err
	}
	if notification != nil {
		s.notifications[nref] = notification
	}
	setDelivery(&p.Deliveries[u.Index], u.Delivery)
	return nil
}

// UpdateNotificationAsync implements PushStore as
// SQLite.UpdateNotificationAsync does; done is called before it returns.
func (s *PushMemory) UpdateNotificationAsync(u NotificationUpdate, done func(error)) {
	err := s.updateNotification(u)
	if done != nil {
		done(err)
	}
}

// UpdateNotification is the blocking form of UpdateNotificationAsync.
func (s *PushMemory) UpdateNotification(ctx context.Context, u NotificationUpdate) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.updateNotification(u)
}

func (s *PushMemory) updateNotification(u NotificationUpdate) error {
	if err := checkNotificationUpdate(&u); err != nil {
		return err
	}
	ref := notificationRef{pushRef{u.PI, u.PushID}, u.Index}
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.notifications[ref]
	switch {
	case !ok:
		return errNotificationNotOwed(&u)
	case u.Done:
		delete(s.notifications, ref)
	default:
		n.Attempts = u.Attempts
		n.NextAttempt = storedTime(u.NextAttempt)
	}
	return nil
}

// GetPush implements PushStore.
func (s *PushMemory) GetPush(ctx context.Context, pi, pushID string) (*Push, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: getting %s: %w", pushName(pi, pushID), err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.pushes[pushRef{pi, pushID}]
	if !ok {
		return nil, fmt.Errorf("store: getting %s: %w", pushName(pi, pushID), ErrNotFound)
	}
	return storedPush(p), nil
}

// OpenPushes implements PushStore: in ReceivedAt order, then by PI and push
// id. Like SQLite's, it works on a snapshot taken when it is called, so fn
// may call the store's methods, writes included. It stops at the first
// error fn returns and returns that error.
func (s *PushMemory) OpenPushes(ctx context.Context, fn func(*Push) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: listing open pushes: %w", err)
	}
	s.mu.Lock()
	var open []*Push
	for _, p := range s.pushes {
		if !pushFinished(p) {
			open = append(open, storedPush(p))
		}
	}
	s.mu.Unlock()
	return eachOpenPush(open, fn)
}

// eachOpenPush calls fn with each push of open, in the order OpenPushes
// promises, until fn fails.
func eachOpenPush(open []*Push, fn func(*Push) error) error {
	slices.SortFunc(open, func(a, b *Push) int {
		return cmp.Or(a.ReceivedAt.Compare(b.ReceivedAt), cmp.Compare(a.PI, b.PI), cmp.Compare(a.PushID, b.PushID))
	})
	for _, p := range open {
		if err := fn(p); err != nil {
			return err
		}
	}
	return nil
}

// PendingNotifications implements PushStore: in NextAttempt order, then by
// PI, push id and index, on a snapshot as OpenPushes.
func (s *PushMemory) PendingNotifications(ctx context.Context, fn func(*Notification) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: listing pending notifications: %w", err)
	}
	s.mu.Lock()
	pending := make([]*Notification, 0, len(s.notifications))
	for _, n := range s.notifications {
		pending = append(pending, storedNotification(n))
	}
	s.mu.Unlock()
	return eachNotification(pending, fn)
}

// eachNotification calls fn with each notification of pending, in the
// order PendingNotifications promises, until fn fails.
func eachNotification(pending []*Notification, fn func(*Notification) error) error {
	slices.SortFunc(pending, func(a, b *Notification) int {
		return cmp.Or(a.NextAttempt.Compare(b.NextAttempt),
			cmp.Compare(a.PI, b.PI), cmp.Compare(a.PushID, b.PushID), cmp.Compare(a.Index, b.Index))
	})
	for _, n := range pending {
		if err := fn(n); err != nil {
			return err
		}
	}
	return nil
}

// PurgePushes implements PushStore as SQLite.PurgePushes does: a push that
// still owes a notification is kept.
func (s *PushMemory) PurgePushes(ctx context.Context, before time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	// Compared as SQLite compares them: in whole microseconds.
	limit := micros(before)
	s.mu.Lock()
	defer s.mu.Unlock()
	purged := 0
	for ref, p := range s.pushes {
		if !pushFinished(p) || s.owesNotification(ref, len(p.Deliveries)) {
			continue
		}
		if _, doneAt := pushProgress(p.Deliveries); micros(doneAt) < limit {
			delete(s.pushes, ref)
			purged++
		}
	}
	return purged, nil
}

// owesNotification reports whether the outbox holds a notification for the
// push ref with the given number of deliveries. It must be called with s.mu
// held.
func (s *PushMemory) owesNotification(ref pushRef, deliveries int) bool {
	for i := -1; i < deliveries; i++ {
		if _, owed := s.notifications[notificationRef{ref, i}]; owed {
			return true
		}
	}
	return false
}

// pushFinished reports whether every delivery of p is final.
func pushFinished(p *Push) bool {
	open, _ := pushProgress(p.Deliveries)
	return open == 0
}

// storedPush returns a copy of p that shares no memory with it, as SQLite
// would give it back: times in UTC to the microsecond, empty rather than nil
// byte slices.
func storedPush(p *Push) *Push {
	c := *p
	c.Control = storedBytes(p.Control)
	c.Content = storedBytes(p.Content)
	c.ReceivedAt = storedTime(p.ReceivedAt)
	c.DeliverAfter = storedTime(p.DeliverAfter)
	c.DeliverBefore = storedTime(p.DeliverBefore)
	c.Deliveries = make([]Delivery, len(p.Deliveries))
	for i, d := range p.Deliveries {
		c.Deliveries[i] = storedDelivery(d)
	}
	return &c
}

func storedDelivery(d Delivery) Delivery {
	d.NextAttempt = storedTime(d.NextAttempt)
	d.UpdatedAt = storedTime(d.UpdatedAt)
	return d
}

func storedNotification(n *Notification) *Notification {
	c := *n
	c.Body = storedBytes(n.Body)
	c.NextAttempt = storedTime(n.NextAttempt)
	return &c
}

func storedBytes(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return slices.Clone(b)
}
