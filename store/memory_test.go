package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// The tests below run against Memory and against SQLite, so that they
// check the promise that Memory behaves as the durable store does.

var confEpoch = time.Date(2026, 3, 5, 12, 30, 0, 0, time.UTC)

func confEachStore(t *testing.T, test func(t *testing.T, s MessageStore)) {
	t.Run("Memory", func(t *testing.T) { test(t, NewMemory()) })
	t.Run("MemoryZero", func(t *testing.T) { test(t, new(Memory)) })
	t.Run("SQLite", func(t *testing.T) {
		s, err := OpenSQLite(filepath.Join(t.TempDir(), "smsc.db"), Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Error(err)
			}
		})
		test(t, s)
	})
}

func confMessage(id string, next time.Time) *Message {
	return &Message{
		ID:                 id,
		Account:            "esme1",
		Source:             Address{TON: 5, NPI: 0, Addr: "PPG"},
		Dest:               Address{TON: 1, NPI: 1, Addr: "358401234567"},
		ServiceType:        "WAP",
		ESMClass:           0x40,
		DataCoding:         0x04,
		RegisteredDelivery: 1,
		UserData:           []byte{0x06, 0x05, 0x04, 0x0B, 0x84, 0x23, 0xF0, 0x01},
		TLVs:               []byte{0x02, 0x0B, 0x00, 0x02, 0x0B, 0x84},
		SubmittedAt:        confEpoch,
		ExpiresAt:          confEpoch.Add(72 * time.Hour),
		State:              Enroute,
		NextAttempt:        next,
	}
}

func confSame(a, b *Message) bool {
	return a.ID == b.ID && a.Account == b.Account && a.Source == b.Source && a.Dest == b.Dest &&
		a.ServiceType == b.ServiceType && a.ESMClass == b.ESMClass && a.ProtocolID == b.ProtocolID &&
		a.PriorityFlag == b.PriorityFlag && a.DataCoding == b.DataCoding &&
		a.RegisteredDelivery == b.RegisteredDelivery &&
		bytes.Equal(a.UserData, b.UserData) && bytes.Equal(a.TLVs, b.TLVs) &&
		a.SubmittedAt.Equal(b.SubmittedAt) && a.NotBefore.Equal(b.NotBefore) &&
		a.ExpiresAt.Equal(b.ExpiresAt) && a.State == b.State && a.Attempts == b.Attempts &&
		a.NextAttempt.Equal(b.NextAttempt) && a.LastError == b.LastError && a.DoneAt.Equal(b.DoneAt)
}

func confInsert(t *testing.T, s MessageStore, m *Message) {
	t.Helper()
	if err := s.Insert(context.Background(), m); err != nil {
		t.Fatalf("Insert(%s): %v", m.ID, err)
	}
}

func confGet(t *testing.T, s MessageStore, id string) *Message {
	t.Helper()
	m, err := s.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("Get(%s): %v", id, err)
	}
	return m
}

func TestStoreInsertGet(t *testing.T) {
	confEachStore(t, func(t *testing.T, s MessageStore) {
		ctx := context.Background()
		m := confMessage("00000001", confEpoch)
		// A time with nanoseconds and a zone: stores keep microseconds, UTC.
		m.NotBefore = time.Date(2026, 3, 5, 14, 30, 0, 123456789, time.FixedZone("EET", 2*3600))
		confInsert(t, s, m)

		got := confGet(t, s, m.ID)
		want := *m
		want.NotBefore = time.Date(2026, 3, 5, 12, 30, 0, 123456000, time.UTC)
		if !confSame(got, &want) {
			t.Errorf("Get = %+v\nwant %+v", got, want)
		}
		if got.NotBefore.Location() != time.UTC {
			t.Errorf("NotBefore in %v, want UTC", got.NotBefore.Location())
		}

		// What was inserted, or read, is a copy.
		m.UserData[0] = 0xFF
		got.TLVs[0] = 0xFF
		if again := confGet(t, s, m.ID); again.UserData[0] != 0x06 || again.TLVs[0] != 0x02 {
			t.Errorf("stored message changed through a caller's slice: %x %x", again.UserData, again.TLVs)
		}

		if err := s.Insert(ctx, confMessage(m.ID, confEpoch)); !errors.Is(err, ErrDuplicate) {
			t.Errorf("Insert of a taken id: %v, want ErrDuplicate", err)
		}
		if _, err := s.Get(ctx, "0000dead"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get of an unknown id: %v, want ErrNotFound", err)
		}
	})
}

func TestStoreInsertRejects(t *testing.T) {
	tests := []struct {
		name   string
		change func(m *Message)
	}{
		{"nil", nil},
		{"no id", func(m *Message) { m.ID = "" }},
		{"invalid state", func(m *Message) { m.State = 9 }},
		{"negative attempts", func(m *Message) { m.Attempts = -1 }},
		{"final without done time", func(m *Message) { m.State = Delivered }},
	}
	confEachStore(t, func(t *testing.T, s MessageStore) {
		for _, tt := range tests {
			var m *Message
			if tt.change != nil {
				m = confMessage("00000001", confEpoch)
				tt.change(m)
			}
			if err := s.Insert(context.Background(), m); err == nil {
				t.Errorf("%s: Insert accepted it", tt.name)
			}
			result := make(chan error, 1)
			s.InsertAsync(m, func(err error) { result <- err })
			if err := <-result; err == nil {
				t.Errorf("%s: InsertAsync accepted it", tt.name)
			}
		}
		if err := s.Pending(context.Background(), func(m *Message) error {
			return fmt.Errorf("%s stored", m.ID)
		}); err != nil {
			t.Error(err)
		}
	})
}

func TestStoreUpdate(t *testing.T) {
	confEachStore(t, func(t *testing.T, s MessageStore) {
		ctx := context.Background()
		m := confMessage("00000001", confEpoch)
		confInsert(t, s, m)

		retry := Update{ID: m.ID, State: Enroute, Attempts: 1, NextAttempt: confEpoch.Add(300 * time.Second), LastError: 6}
		if err := s.Update(ctx, retry); err != nil {
			t.Fatal(err)
		}
		got := confGet(t, s, m.ID)
		if got.State != Enroute || got.Attempts != 1 || !got.NextAttempt.Equal(retry.NextAttempt) || got.LastError != 6 {
			t.Errorf("after a retry update: %+v", got)
		}

		done := confEpoch.Add(301 * time.Second)
		if err := s.Update(ctx, Update{ID: m.ID, State: Delivered, Attempts: 2, NextAttempt: retry.NextAttempt, DoneAt: done}); err != nil {
			t.Fatal(err)
		}
		// A final message never changes again.
		if err := s.Update(ctx, Update{ID: m.ID, State: Deleted, Attempts: 2, DoneAt: done}); !errors.Is(err, ErrFinal) {
			t.Errorf("Update of a final message: %v, want ErrFinal", err)
		}
		if err := s.Update(ctx, Update{ID: m.ID, State: Enroute, Attempts: 3}); !errors.Is(err, ErrFinal) {
			t.Errorf("Update of a final message back to Enroute: %v, want ErrFinal", err)
		}
		if got := confGet(t, s, m.ID); got.State != Delivered || got.Attempts != 2 || !got.DoneAt.Equal(done) || got.LastError != 0 {
			t.Errorf("after delivery: %+v", got)
		}

		if err := s.Update(ctx, Update{ID: "0000dead", State: Enroute}); !errors.Is(err, ErrNotFound) {
			t.Errorf("Update of an unknown id: %v, want ErrNotFound", err)
		}
		if err := s.Update(ctx, Update{ID: m.ID, State: Expired}); err == nil || errors.Is(err, ErrFinal) {
			t.Errorf("Update to a final state without a done time: %v, want a validation error", err)
		}

		result := make(chan error, 1)
		s.UpdateAsync(Update{ID: m.ID, State: Deleted, DoneAt: done}, func(err error) { result <- err })
		if err := <-result; !errors.Is(err, ErrFinal) {
			t.Errorf("UpdateAsync of a final message: %v, want ErrFinal", err)
		}
	})
}

func TestStoreReplace(t *testing.T) {
	confEachStore(t, func(t *testing.T, s MessageStore) {
		ctx := context.Background()
		m := confMessage("00000001", confEpoch)
		m.NotBefore = confEpoch.Add(time.Minute)
		confInsert(t, s, m)

		// Zero times keep the stored ones.
		r := Replacement{UserData: []byte("new text"), RegisteredDelivery: 0}
		if err := s.Replace(ctx, m.ID, r); err != nil {
			t.Fatal(err)
		}
		want := *m
		want.UserData, want.RegisteredDelivery = []byte("new text"), 0
		if got := confGet(t, s, m.ID); !confSame(got, &want) {
			t.Errorf("after Replace keeping times: %+v\nwant %+v", got, want)
		}

		r = Replacement{
			UserData:    []byte("newer"),
			NotBefore:   confEpoch.Add(2 * time.Hour),
			ExpiresAt:   confEpoch.Add(3 * time.Hour),
			NextAttempt: confEpoch.Add(2 * time.Hour),
		}
		if err := s.Replace(ctx, m.ID, r); err != nil {
			t.Fatal(err)
		}
		want.UserData, want.NotBefore, want.ExpiresAt, want.NextAttempt = r.UserData, r.NotBefore, r.ExpiresAt, r.NextAttempt
		if got := confGet(t, s, m.ID); !confSame(got, &want) {
			t.Errorf("after Replace of times: %+v\nwant %+v", got, want)
		}
		r.UserData[0] = 'X'
		if got := confGet(t, s, m.ID); string(got.UserData) != "newer" {
			t.Errorf("stored user data changed through the caller's slice: %q", got.UserData)
		}

		if err := s.Update(ctx, Update{ID: m.ID, State: Deleted, DoneAt: confEpoch}); err != nil {
			t.Fatal(err)
		}
		if err := s.Replace(ctx, m.ID, r); !errors.Is(err, ErrFinal) {
			t.Errorf("Replace of a final message: %v, want ErrFinal", err)
		}
		if err := s.Replace(ctx, "0000dead", r); !errors.Is(err, ErrNotFound) {
			t.Errorf("Replace of an unknown id: %v, want ErrNotFound", err)
		}
		if err := s.Replace(ctx, "", r); err == nil {
			t.Error("Replace without an id accepted")
		}
	})
}

func TestStorePendingOrder(t *testing.T) {
	confEachStore(t, func(t *testing.T, s MessageStore) {
		ctx := context.Background()
		// Inserted out of order; two share a NextAttempt and go by id.
		for _, m := range []*Message{
			confMessage("00000004", confEpoch.Add(time.Hour)),
			confMessage("00000003", confEpoch),
			confMessage("00000001", confEpoch.Add(time.Minute)),
			confMessage("00000002", confEpoch),
			confMessage("00000005", confEpoch.Add(-time.Hour)),
		} {
			confInsert(t, s, m)
		}
		if err := s.Update(ctx, Update{ID: "00000005", State: Expired, DoneAt: confEpoch}); err != nil {
			t.Fatal(err)
		}
		var got []string
		err := s.Pending(ctx, func(m *Message) error {
			got = append(got, m.ID)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if want := "[00000002 00000003 00000001 00000004]"; fmt.Sprint(got) != want {
			t.Errorf("Pending order %v, want %s", got, want)
		}

		// fn's error stops the walk and comes back as it is.
		stop := errors.New("stop")
		calls := 0
		err = s.Pending(ctx, func(*Message) error {
			calls++
			return stop
		})
		if err != stop || calls != 1 {
			t.Errorf("Pending with a failing fn: %v after %d calls, want stop after 1", err, calls)
		}

		// fn may write to the store, even to the message it was given.
		err = s.Pending(ctx, func(m *Message) error {
			return s.Update(ctx, Update{ID: m.ID, State: Deleted, DoneAt: confEpoch})
		})
		if err != nil {
			t.Fatal(err)
		}
		err = s.Pending(ctx, func(m *Message) error { return fmt.Errorf("%s still pending", m.ID) })
		if err != nil {
			t.Error(err)
		}
	})
}

func TestStorePurge(t *testing.T) {
	confEachStore(t, func(t *testing.T, s MessageStore) {
		ctx := context.Background()
		for i, doneAt := range []time.Duration{0, time.Hour, 2 * time.Hour} {
			m := confMessage(FormatMessageID(uint64(i+1)), confEpoch)
			confInsert(t, s, m)
			if err := s.Update(ctx, Update{ID: m.ID, State: Delivered, DoneAt: confEpoch.Add(doneAt)}); err != nil {
				t.Fatal(err)
			}
		}
		confInsert(t, s, confMessage("00000004", confEpoch)) // en route: never purged

		// Strictly before: the one done at +1h stays.
		n, err := s.Purge(ctx, confEpoch.Add(time.Hour))
		if err != nil || n != 1 {
			t.Fatalf("Purge = %d, %v; want 1", n, err)
		}
		for id, want := range map[string]error{"00000001": ErrNotFound, "00000002": nil, "00000003": nil, "00000004": nil} {
			if _, err := s.Get(ctx, id); !errors.Is(err, want) {
				t.Errorf("Get(%s) after Purge: %v, want %v", id, err, want)
			}
		}
		n, err = s.Purge(ctx, confEpoch.Add(100*time.Hour))
		if err != nil || n != 2 {
			t.Errorf("second Purge = %d, %v; want 2", n, err)
		}
		if _, err := s.Get(ctx, "00000004"); err != nil {
			t.Errorf("the message en route was purged: %v", err)
		}
	})
}

func TestStoreNextIDNeverRepeats(t *testing.T) {
	confEachStore(t, func(t *testing.T, s MessageStore) {
		const goroutines, each = 4, 300
		var (
			mu   sync.Mutex
			seen = make(map[string]bool)
			wg   sync.WaitGroup
		)
		for range goroutines {
			wg.Go(func() {
				for range each {
					id, err := s.NextID(context.Background())
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					if seen[id] {
						t.Errorf("NextID repeated %q", id)
					}
					seen[id] = true
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(seen) != goroutines*each {
			t.Errorf("%d distinct ids, want %d", len(seen), goroutines*each)
		}
		for id := range seen {
			if len(id) < 8 {
				t.Errorf("id %q is not FormatMessageID's", id)
				break
			}
		}
	})
}

func TestStoreCancelledContext(t *testing.T) {
	confEachStore(t, func(t *testing.T, s MessageStore) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := s.Insert(ctx, confMessage("00000001", confEpoch)); !errors.Is(err, context.Canceled) {
			t.Errorf("Insert with an ended context: %v", err)
		}
		if _, err := s.Get(context.Background(), "00000001"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Insert with an ended context stored the message: %v", err)
		}
	})
}

// TestMemoryAsyncIsSynchronous pins down what Memory documents: done has
// been called when the Async method returns.
func TestMemoryAsyncIsSynchronous(t *testing.T) {
	s := NewMemory()
	called := false
	s.InsertAsync(confMessage("00000001", confEpoch), func(err error) {
		if err != nil {
			t.Error(err)
		}
		called = true
	})
	if !called {
		t.Error("InsertAsync returned before calling done")
	}
	called = false
	s.UpdateAsync(Update{ID: "00000001", State: Enroute, Attempts: 1}, func(err error) {
		if err != nil {
			t.Error(err)
		}
		called = true
	})
	if !called {
		t.Error("UpdateAsync returned before calling done")
	}
	// A nil done is allowed.
	s.UpdateAsync(Update{ID: "00000001", State: Enroute, Attempts: 2}, nil)
	if got := confGet(t, s, "00000001"); got.Attempts != 2 {
		t.Errorf("Attempts = %d after UpdateAsync with nil done, want 2", got.Attempts)
	}
}

// TestMemoryConcurrent exercises every method at once; run with -race.
func TestMemoryConcurrent(t *testing.T) {
	s := NewMemory()
	ctx := context.Background()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 100 {
				id, err := s.NextID(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				m := confMessage(id, confEpoch.Add(time.Duration(i)*time.Second))
				s.InsertAsync(m, nil)
				switch (g + i) % 4 {
				case 0:
					s.UpdateAsync(Update{ID: id, State: Delivered, DoneAt: confEpoch}, nil)
				case 1:
					_ = s.Replace(ctx, id, Replacement{UserData: []byte{byte(i)}})
				case 2:
					_, _ = s.Purge(ctx, confEpoch.Add(time.Second))
				}
				_, _ = s.Get(ctx, id)
			}
		})
	}
	wg.Go(func() {
		for range 20 {
			_ = s.Pending(ctx, func(*Message) error { return nil })
		}
	})
	wg.Wait()
	pending := 0
	if err := s.Pending(ctx, func(*Message) error { pending++; return nil }); err != nil {
		t.Fatal(err)
	}
	// Messages cases 1 to 3 stay en route: three in four.
	if pending != 300 {
		t.Errorf("%d messages pending, want 300", pending)
	}
}
