package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Memory is a MessageStore that keeps its messages in memory only: nothing
// survives the process. The simulator uses it to hold hundreds of thousands
// of waiting messages without disk I/O, and tests use it where durability
// is beside the point.
//
// It behaves as SQLite does in every other respect: the same errors
// (ErrNotFound, ErrFinal, ErrDuplicate, wrapped), the same guard that a
// final message never changes, the same Pending order, the same Purge, ids
// from FormatMessageID that never repeat, and times kept to the microsecond
// in UTC. Stored messages are copies: changing a message after it was
// inserted, or one that Get returned, changes nothing in the store.
//
// Unlike SQLite, the Async methods apply the write and call done before they
// return, on the caller's goroutine. A caller must therefore not hold, while
// calling them, a lock that done takes.
//
// A Memory is safe for concurrent use. The zero value is an empty store
// ready to use.
type Memory struct {
	mu       sync.Mutex
	messages map[string]*Message
	lastID   uint64 // the last number NextID handed out
}

var _ MessageStore = (*Memory)(nil)

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory {
	return &Memory{messages: make(map[string]*Message)}
}

// NextID implements MessageStore: ids count up from 1, as SQLite's do.
func (s *Memory) NextID(ctx context.Context) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	s.mu.Lock()
	s.lastID++
	n := s.lastID
	s.mu.Unlock()
	return FormatMessageID(n), nil
}

// InsertAsync implements MessageStore; done is called before it returns.
func (s *Memory) InsertAsync(m *Message, done func(error)) {
	err := s.insert(m)
	if done != nil {
		done(err)
	}
}

// Insert implements MessageStore.
func (s *Memory) Insert(ctx context.Context, m *Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.insert(m)
}

func (s *Memory) insert(m *Message) error {
	if err := checkMessage(m); err != nil {
		return err
	}
	c := storedCopy(m)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, taken := s.messages[c.ID]; taken {
		return fmt.Errorf("store: inserting message %q: %w", c.ID, ErrDuplicate)
	}
	if s.messages == nil {
		s.messages = make(map[string]*Message)
	}
	s.messages[c.ID] = c
	return nil
}

// UpdateAsync implements MessageStore; done is called before it returns.
func (s *Memory) UpdateAsync(u Update, done func(error)) {
	err := s.update(u)
	if done != nil {
		done(err)
	}
}

// Update implements MessageStore.
func (s *Memory) Update(ctx context.Context, u Update) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.update(u)
}

func (s *Memory) update(u Update) error {
	if err := checkUpdate(&u); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.changeable("updating", u.ID)
	if err != nil {
		return err
	}
	m.State = u.State
	m.Attempts = u.Attempts
	m.NextAttempt = storedTime(u.NextAttempt)
	m.LastError = u.LastError
	m.DoneAt = storedTime(u.DoneAt)
	return nil
}

// Replace implements MessageStore.
func (s *Memory) Replace(ctx context.Context, id string, r Replacement) error {
	if id == "" {
		return errors.New("store: replace without a message id")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	userData := slices.Clone(r.UserData)
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.changeable("replacing", id)
	if err != nil {
		return err
	}
	m.UserData = userData
	m.RegisteredDelivery = r.RegisteredDelivery
	for _, f := range []struct{ to, from *time.Time }{
		{&m.NotBefore, &r.NotBefore},
		{&m.ExpiresAt, &r.ExpiresAt},
		{&m.NextAttempt, &r.NextAttempt},
	} {
		if !f.from.IsZero() {
			*f.to = storedTime(*f.from)
		}
	}
	return nil
}

// changeable returns the stored message id if it may still change. It must
// be called with s.mu held.
func (s *Memory) changeable(doing, id string) (*Message, error) {
	m, ok := s.messages[id]
	switch {
	case !ok:
		return nil, fmt.Errorf("store: %s message %q: %w", doing, id, ErrNotFound)
	case m.State.Final():
		return nil, fmt.Errorf("store: %s message %q (%v): %w", doing, id, m.State, ErrFinal)
	}
	return m, nil
}

// Get implements MessageStore.
func (s *Memory) Get(ctx context.Context, id string) (*Message, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: getting message %q: %w", id, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.messages[id]
	if !ok {
		return nil, fmt.Errorf("store: getting message %q: %w", id, ErrNotFound)
	}
	return storedCopy(m), nil
}

// Pending implements MessageStore. Like SQLite's, it works on a snapshot
// taken when it is called, so fn may call the store's methods, writes
// included.
func (s *Memory) Pending(ctx context.Context, fn func(*Message) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: listing pending messages: %w", err)
	}
	s.mu.Lock()
	var pending []*Message
	for _, m := range s.messages {
		if !m.State.Final() {
			pending = append(pending, storedCopy(m))
		}
	}
	s.mu.Unlock()
	slices.SortFunc(pending, func(a, b *Message) int {
		return cmp.Or(a.NextAttempt.Compare(b.NextAttempt), cmp.Compare(a.ID, b.ID))
	})
	for _, m := range pending {
		if err := fn(m); err != nil {
			return err
		}
	}
	return nil
}

// Purge implements MessageStore.
func (s *Memory) Purge(ctx context.Context, before time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	// Compared as SQLite compares them: in whole microseconds.
	limit := before.UnixMicro()
	s.mu.Lock()
	defer s.mu.Unlock()
	purged := 0
	for id, m := range s.messages {
		if m.State.Final() && m.DoneAt.UnixMicro() < limit {
			delete(s.messages, id)
			purged++
		}
	}
	return purged, nil
}

// storedCopy returns a copy of m that shares no memory with it, its times
// as SQLite would give them back.
func storedCopy(m *Message) *Message {
	c := *m
	c.UserData = slices.Clone(m.UserData)
	c.TLVs = slices.Clone(m.TLVs)
	c.SubmittedAt = storedTime(m.SubmittedAt)
	c.NotBefore = storedTime(m.NotBefore)
	c.ExpiresAt = storedTime(m.ExpiresAt)
	c.NextAttempt = storedTime(m.NextAttempt)
	c.DoneAt = storedTime(m.DoneAt)
	return &c
}

// storedTime is t as a store keeps it: microseconds, UTC, no monotonic
// reading. The zero time stays zero.
func storedTime(t time.Time) time.Time { return time.UnixMicro(t.UnixMicro()).UTC() }
