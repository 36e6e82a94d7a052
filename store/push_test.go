package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"
)

// The tests below run against PushMemory and against SQLite, so that they
// check the promise that the memory store behaves as the durable one does.

// pushTestStore is PushStore with the blocking UpdateNotification that both
// stores add.
type pushTestStore interface {
	PushStore
	UpdateNotification(ctx context.Context, u NotificationUpdate) error
}

func eachPushStore(t *testing.T, test func(t *testing.T, s pushTestStore)) {
	t.Run("Memory", func(t *testing.T) { test(t, NewPushMemory()) })
	t.Run("SQLite", func(t *testing.T) {
		s, err := OpenSQLite(filepath.Join(t.TempDir(), "ppg.db"), Options{})
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
	// Checkpoints every 64 KiB: tests that write more see some.
	t.Run("Journal", func(t *testing.T) {
		test(t, openTestJournal(t, t.TempDir(), JournalOptions{CheckpointBytes: 64 << 10}))
	})
}

// openTestJournal opens a push journal and its SQLite store in dir, both
// closed when the test ends.
func openTestJournal(t testing.TB, dir string, opts JournalOptions) *PushJournal {
	t.Helper()
	db, err := OpenSQLite(filepath.Join(dir, "ppg.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	j, err := OpenPushJournal(db, filepath.Join(dir, "ppg.db-pushes"), opts)
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := errors.Join(j.Close(), db.Close()); err != nil {
			t.Error(err)
		}
	})
	return j
}

// testPush returns a push whose every field depends on pi, id and n, with
// the given number of pending deliveries, so that a mix-up between two
// stored pushes or deliveries shows.
func testPush(pi, id string, n, addresses int) *Push {
	at := epoch.Add(time.Duration(n) * time.Second)
	p := &Push{
		PI:            pi,
		PushID:        id,
		ReceivedAt:    at,
		Control:       []byte(fmt.Sprintf(`<pap><push-message push-id=%q/></pap>`, id)),
		ContentType:   "text/vnd.wap.si",
		Content:       []byte(fmt.Sprintf("\x01\x06\x04\x03\xae\x81\xea push %s/%s/%d", pi, id, n)),
		NotifyTo:      fmt.Sprintf("http://pi%d.example/notify", n%5),
		Priority:      n%3 - 1,
		DeliverAfter:  at.Add(time.Minute),
		DeliverBefore: at.Add(time.Hour),
	}
	for i := range addresses {
		msisdn := fmt.Sprintf("35840%03d%04d", n%1000, i)
		p.Deliveries = append(p.Deliveries, Delivery{
			Address:     "WAPPUSH=+" + msisdn + "/TYPE=PLMN@ppg.example",
			MSISDN:      msisdn,
			State:       DeliveryPending,
			NextAttempt: at.Add(time.Duration(i) * time.Second),
			UpdatedAt:   at,
		})
	}
	return p
}

// normalizedPush returns a copy of p in the form a store returns it: empty
// slices rather than nil, times in UTC truncated to the microsecond.
func normalizedPush(p *Push) *Push {
	c := *p
	for _, b := range []*[]byte{&c.Control, &c.Content} {
		if *b == nil {
			*b = []byte{}
		}
	}
	c.Deliveries = slices.Clone(p.Deliveries)
	times := []*time.Time{&c.ReceivedAt, &c.DeliverAfter, &c.DeliverBefore}
	for i := range c.Deliveries {
		times = append(times, &c.Deliveries[i].NextAttempt, &c.Deliveries[i].UpdatedAt)
	}
	for _, tp := range times {
		*tp = tp.UTC().Truncate(time.Microsecond)
	}
	return &c
}

// keptOf is want as a store may return it: without its control and
// content documents if it is finished and got lacks them (the final-push
// table does not keep them).
func keptOf(got, want *Push) *Push {
	if got == nil || got.Control != nil || got.Content != nil || !pushFinished(want) {
		return want
	}
	return withoutDocuments(want)
}

func withoutDocuments(p *Push) *Push {
	c := *p
	c.Control, c.Content = nil, nil
	return &c
}

func normalizedNotification(n *Notification) *Notification {
	c := *n
	if c.Body == nil {
		c.Body = []byte{}
	}
	c.NextAttempt = c.NextAttempt.UTC().Truncate(time.Microsecond)
	return &c
}

func mustInsertPush(t *testing.T, s PushStore, p *Push) {
	t.Helper()
	if err := s.InsertPush(context.Background(), p); err != nil {
		t.Fatalf("InsertPush(%s/%s): %v", p.PI, p.PushID, err)
	}
}

func mustUpdateDelivery(t *testing.T, s PushStore, u DeliveryUpdate) {
	t.Helper()
	if err := s.UpdateDelivery(context.Background(), u); err != nil {
		t.Fatalf("UpdateDelivery(%s/%s #%d to %v): %v", u.PI, u.PushID, u.Index, u.Delivery.State, err)
	}
}

// checkPush fails unless the store holds exactly want.
func checkStoredPush(t *testing.T, s PushStore, want *Push) {
	t.Helper()
	got, err := s.GetPush(context.Background(), want.PI, want.PushID)
	if err != nil {
		t.Fatalf("GetPush(%s/%s): %v", want.PI, want.PushID, err)
	}
	if w := keptOf(got, normalizedPush(want)); !reflect.DeepEqual(got, w) {
		t.Fatalf("GetPush(%s/%s):\n got %+v\nwant %+v", want.PI, want.PushID, got, w)
	}
}

func openPushes(t *testing.T, s PushStore) []*Push {
	t.Helper()
	var open []*Push
	if err := s.OpenPushes(context.Background(), func(p *Push) error { open = append(open, p); return nil }); err != nil {
		t.Fatalf("OpenPushes: %v", err)
	}
	return open
}

func pendingNotifications(t *testing.T, s PushStore) []*Notification {
	t.Helper()
	var pending []*Notification
	if err := s.PendingNotifications(context.Background(), func(n *Notification) error {
		pending = append(pending, n)
		return nil
	}); err != nil {
		t.Fatalf("PendingNotifications: %v", err)
	}
	return pending
}

// finalUpdate is delivery index of p reaching state at the given time,
// with a notification for it when url is not "".
func finalUpdate(p *Push, index int, state DeliveryState, at time.Time, url string) DeliveryUpdate {
	d := p.Deliveries[index]
	d.State, d.Attempts, d.Code, d.Desc, d.UpdatedAt = state, d.Attempts+1, 1000+int(state), state.String(), at
	d.NextAttempt = time.Time{}
	u := DeliveryUpdate{PI: p.PI, PushID: p.PushID, Index: index, Delivery: d}
	if url != "" {
		u.Notify = &Notification{
			PI: p.PI, PushID: p.PushID, Index: index, URL: url,
			Body:        []byte(fmt.Sprintf("<resultnotification-message push-id=%q code=%d/>", p.PushID, d.Code)),
			NextAttempt: at,
		}
	}
	return u
}

func TestPushRoundTrip(t *testing.T) {
	eachPushStore(t, func(t *testing.T, s pushTestStore) {
		helsinki := time.FixedZone("EET", 2*3600)
		at := time.Date(2026, 3, 5, 14, 30, 0, 123456789, helsinki) // sub-microsecond, not UTC
		full := &Push{
			PI: "pi-1", PushID: "full@pi.example",
			ReceivedAt:    at,
			Control:       []byte("<?xml version=\"1.0\"?>\x00\xff control"),
			ContentType:   "application/vnd.wap.sic",
			Content:       []byte{0x01, 0x06, 0x00, 0xff, 0x00},
			NotifyTo:      "https://pi.example/notify?x=1",
			Priority:      -7,
			DeliverAfter:  at.Add(time.Minute),
			DeliverBefore: at.Add(48 * time.Hour),
			Deliveries: []Delivery{
				{Address: "WAPPUSH=+358401234567/TYPE=PLMN@ppg", MSISDN: "358401234567", State: DeliveryPending,
					NextAttempt: at.Add(time.Second), UpdatedAt: at},
				{Address: "WAPPUSH=+358401234568/TYPE=PLMN@ppg", MSISDN: "358401234568", State: DeliveryInFlight,
					Attempts: 3, Ref: 0xFFFF, MessageID: "0000abcd 0000abce", UpdatedAt: at.Add(time.Millisecond)},
				{Address: "WAPPUSH=+358401234569/TYPE=PLMN@ppg", MSISDN: "358401234569", State: DeliveryUndeliverable,
					Attempts: 1, Ref: 1, MessageID: "x", Code: 2001, Desc: "réseau", UpdatedAt: at.Add(time.Hour)},
			},
		}
		// Zero times, nil slices, empty strings.
		bare := &Push{PI: "pi-1", PushID: "bare", Deliveries: []Delivery{{State: DeliveryAborted, Code: -1, UpdatedAt: at}}}
		for _, p := range []*Push{full, bare} {
			mustInsertPush(t, s, p)
			checkStoredPush(t, s, p)
		}

		// The store keeps its own copy.
		want := normalizedPush(full)
		want.Control, want.Content = slices.Clone(full.Control), slices.Clone(full.Content)
		full.Control[0], full.Content[0], full.Deliveries[0].MSISDN = 'X', 'X', "changed"
		checkStoredPush(t, s, want)
		got, err := s.GetPush(context.Background(), full.PI, full.PushID)
		if err != nil {
			t.Fatal(err)
		}
		got.Content[1], got.Deliveries[1].State = 'Y', DeliveryDelivered
		checkStoredPush(t, s, want)

		for _, key := range [][2]string{{"pi-1", "nothing"}, {"pi-2", "full@pi.example"}, {"", ""}} {
			if p, err := s.GetPush(context.Background(), key[0], key[1]); !errors.Is(err, ErrNotFound) {
				t.Errorf("GetPush(%q, %q) = %+v, %v; want ErrNotFound", key[0], key[1], p, err)
			}
		}
	})
}

func TestPushInsertRefused(t *testing.T) {
	eachPushStore(t, func(t *testing.T, s pushTestStore) {
		ctx := context.Background()
		orig := testPush("pi-a", "p1", 1, 2)
		mustInsertPush(t, s, orig)

		dup := testPush("pi-a", "p1", 2, 1)
		if err := s.InsertPush(ctx, dup); !errors.Is(err, ErrDuplicate) {
			t.Errorf("InsertPush of a taken push id: %v, want ErrDuplicate", err)
		}
		asyncErr := make(chan error, 1)
		s.InsertPushAsync(dup, func(err error) { asyncErr <- err })
		if err := <-asyncErr; !errors.Is(err, ErrDuplicate) {
			t.Errorf("InsertPushAsync of a taken push id: %v, want ErrDuplicate", err)
		}
		checkStoredPush(t, s, orig)
		// Push ids are unique per PI only.
		mustInsertPush(t, s, testPush("pi-b", "p1", 3, 1))
		checkStoredPush(t, s, testPush("pi-b", "p1", 3, 1))

		bad := map[string]*Push{
			"nil":   nil,
			"no id": testPush("pi-a", "", 4, 1),
			"no address": func() *Push {
				p := testPush("pi-a", "p2", 4, 1)
				p.Deliveries = nil
				return p
			}(),
		}
		for name, change := range map[string]func(*Delivery){
			"state 0":                   func(d *Delivery) { d.State = 0 },
			"state 9":                   func(d *Delivery) { d.State = DeliveryAborted + 1 },
			"negative attempts":         func(d *Delivery) { d.Attempts = -1 },
			"final without update time": func(d *Delivery) { d.State, d.UpdatedAt = DeliveryDelivered, time.Time{} },
		} {
			p := testPush("pi-a", "p2", 4, 3)
			change(&p.Deliveries[2])
			bad[name] = p
		}
		for name, p := range bad {
			if err := s.InsertPush(ctx, p); err == nil || errors.Is(err, ErrDuplicate) {
				t.Errorf("InsertPush of a push with %s: %v, want a validation error", name, err)
			}
			asyncErr := make(chan error, 1)
			s.InsertPushAsync(p, func(err error) { asyncErr <- err })
			if err := <-asyncErr; err == nil {
				t.Errorf("InsertPushAsync of a push with %s succeeded", name)
			}
		}
		if p, err := s.GetPush(ctx, "pi-a", "p2"); !errors.Is(err, ErrNotFound) {
			t.Errorf("a refused push was stored: %+v, %v", p, err)
		}

		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		if err := s.InsertPush(cancelled, testPush("pi-a", "p3", 5, 1)); !errors.Is(err, context.Canceled) {
			t.Errorf("InsertPush with an ended context: %v", err)
		}
		if _, err := s.GetPush(ctx, "pi-a", "p3"); !errors.Is(err, ErrNotFound) {
			t.Errorf("InsertPush with an ended context stored the push: %v", err)
		}
	})
}

func TestDeliveryUpdatesInOrder(t *testing.T) {
	eachPushStore(t, func(t *testing.T, s pushTestStore) {
		ctx := context.Background()
		p := testPush("pi", "life", 1, 2)
		mustInsertPush(t, s, p)
		want := normalizedPush(p)

		// A life: submitted, temporary failure, retried, delivered. The
		// updates are queued without waiting, as the PPG does, and must be
		// applied in call order.
		at := p.ReceivedAt
		steps := []Delivery{
			{State: DeliveryInFlight, Attempts: 1, Ref: 7, MessageID: "00000001", UpdatedAt: at.Add(1 * time.Second)},
			{State: DeliveryPending, Attempts: 1, Ref: 7, MessageID: "00000001", NextAttempt: at.Add(time.Minute),
				Desc: "temporary failure", UpdatedAt: at.Add(2 * time.Second)},
			{State: DeliveryInFlight, Attempts: 2, Ref: 8, MessageID: "00000002", UpdatedAt: at.Add(61 * time.Second)},
			{State: DeliveryDelivered, Attempts: 2, Ref: 8, MessageID: "00000002", Code: 1000, Desc: "OK",
				UpdatedAt: at.Add(62 * time.Second)},
		}
		var wg sync.WaitGroup
		errs := make([]error, len(steps))
		for i, d := range steps {
			// Address and MSISDN are the push's; an update cannot change them.
			d.Address, d.MSISDN = "other", "000"
			wg.Add(1)
			s.UpdateDeliveryAsync(DeliveryUpdate{PI: p.PI, PushID: p.PushID, Index: 1, Delivery: d},
				func(err error) { errs[i] = err; wg.Done() })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("update %d: %v", i, err)
			}
		}
		last := steps[len(steps)-1]
		last.Address, last.MSISDN = p.Deliveries[1].Address, p.Deliveries[1].MSISDN
		want.Deliveries[1] = last
		checkStoredPush(t, s, want)

		// The first final state wins: a later cancel is refused, as is any
		// other change.
		cancel := DeliveryUpdate{PI: p.PI, PushID: p.PushID, Index: 1,
			Delivery: Delivery{State: DeliveryCancelled, Code: 4000, UpdatedAt: at.Add(time.Hour)}}
		if err := s.UpdateDelivery(ctx, cancel); !errors.Is(err, ErrFinal) {
			t.Errorf("cancelling a delivered delivery: %v, want ErrFinal", err)
		}
		cancel.Delivery.State = DeliveryPending
		if err := s.UpdateDelivery(ctx, cancel); !errors.Is(err, ErrFinal) {
			t.Errorf("reopening a delivered delivery: %v, want ErrFinal", err)
		}
		checkStoredPush(t, s, want)

		// Delivery 0 is untouched by all of this and can still change.
		u := DeliveryUpdate{PI: p.PI, PushID: p.PushID, Index: 0,
			Delivery: Delivery{State: DeliveryExpired, Attempts: 0, Code: 2007, Desc: "expired", UpdatedAt: at.Add(time.Hour)}}
		mustUpdateDelivery(t, s, u)
		want.Deliveries[0] = u.Delivery
		want.Deliveries[0].Address, want.Deliveries[0].MSISDN = p.Deliveries[0].Address, p.Deliveries[0].MSISDN
		checkStoredPush(t, s, want)

		for name, u := range map[string]DeliveryUpdate{
			"unknown push id": {PI: p.PI, PushID: "nope", Index: 0, Delivery: steps[0]},
			"unknown PI":      {PI: "other", PushID: p.PushID, Index: 0, Delivery: steps[0]},
			"unknown index":   {PI: p.PI, PushID: p.PushID, Index: 2, Delivery: steps[0]},
		} {
			if err := s.UpdateDelivery(ctx, u); !errors.Is(err, ErrNotFound) {
				t.Errorf("update of an %s: %v, want ErrNotFound", name, err)
			}
			asyncErr := make(chan error, 1)
			s.UpdateDeliveryAsync(u, func(err error) { asyncErr <- err })
			if err := <-asyncErr; !errors.Is(err, ErrNotFound) {
				t.Errorf("async update of an %s: %v, want ErrNotFound", name, err)
			}
		}
		checkStoredPush(t, s, want)
	})
}

func TestDeliveryUpdateRefused(t *testing.T) {
	eachPushStore(t, func(t *testing.T, s pushTestStore) {
		ctx := context.Background()
		p := testPush("pi", "p", 1, 2)
		mustInsertPush(t, s, p)
		good := finalUpdate(p, 0, DeliveryDelivered, p.ReceivedAt.Add(time.Minute), "http://pi.example/n")
		for name, change := range map[string]func(u *DeliveryUpdate){
			"no push id":                     func(u *DeliveryUpdate) { u.PushID = "" },
			"negative index":                 func(u *DeliveryUpdate) { u.Index = -1 },
			"state 0":                        func(u *DeliveryUpdate) { u.Delivery.State = 0 },
			"state 9":                        func(u *DeliveryUpdate) { u.Delivery.State = 9 },
			"negative attempts":              func(u *DeliveryUpdate) { u.Delivery.Attempts = -2 },
			"final without update time":      func(u *DeliveryUpdate) { u.Delivery.UpdatedAt = time.Time{} },
			"notification for another push":  func(u *DeliveryUpdate) { u.Notify.PushID = "q" },
			"notification for another PI":    func(u *DeliveryUpdate) { u.Notify.PI = "other" },
			"notification for another index": func(u *DeliveryUpdate) { u.Notify.Index = 1 },
			"notification without URL":       func(u *DeliveryUpdate) { u.Notify.URL = "" },
			"notification, negative attempts": func(u *DeliveryUpdate) {
				u.Notify.Attempts = -1
			},
		} {
			u := good
			n := *good.Notify
			u.Notify = &n
			change(&u)
			if err := s.UpdateDelivery(ctx, u); err == nil || errors.Is(err, ErrNotFound) {
				t.Errorf("update with %s: %v, want a validation error", name, err)
			}
			asyncErr := make(chan error, 1)
			s.UpdateDeliveryAsync(u, func(err error) { asyncErr <- err })
			if err := <-asyncErr; err == nil {
				t.Errorf("async update with %s succeeded", name)
			}
		}
		checkStoredPush(t, s, p)
		if n := pendingNotifications(t, s); len(n) != 0 {
			t.Errorf("refused updates left notifications: %+v", n)
		}
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		if err := s.UpdateDelivery(cancelled, good); !errors.Is(err, context.Canceled) {
			t.Errorf("UpdateDelivery with an ended context: %v", err)
		}
		checkStoredPush(t, s, p)
		// The good one passes, which shows the refusals were for the change
		// each made.
		mustUpdateDelivery(t, s, good)
	})
}

func TestNotificationWithFinalUpdate(t *testing.T) {
	eachPushStore(t, func(t *testing.T, s pushTestStore) {
		ctx := context.Background()
		p := testPush("pi", "n", 1, 3)
		mustInsertPush(t, s, p)
		at := p.ReceivedAt.Add(time.Minute)

		u0 := finalUpdate(p, 0, DeliveryDelivered, at, "http://pi.example/n0")
		u0.Notify.Attempts = 2
		mustUpdateDelivery(t, s, u0)
		if got := pendingNotifications(t, s); len(got) != 1 || !reflect.DeepEqual(got[0], normalizedNotification(u0.Notify)) {
			t.Fatalf("outbox after a final update = %+v, want just %+v", got, u0.Notify)
		}

		// A whole-push notification (index -1) goes with delivery 1's final
		// state; a second one, with delivery 2's, is refused, and so is
		// the state change that carried it.
		u1 := finalUpdate(p, 1, DeliveryUndeliverable, at.Add(time.Second), "http://pi.example/all")
		u1.Notify.Index = -1
		mustUpdateDelivery(t, s, u1)
		u2 := finalUpdate(p, 2, DeliveryExpired, at.Add(2*time.Second), "http://pi.example/all")
		u2.Notify.Index = -1
		u2.Notify.Body = []byte("a different outcome")
		if err := s.UpdateDelivery(ctx, u2); !errors.Is(err, ErrDuplicate) {
			t.Fatalf("a second notification for the push: %v, want ErrDuplicate", err)
		}
		want := normalizedPush(p)
		for _, u := range []DeliveryUpdate{u0, u1} {
			want.Deliveries[u.Index] = u.Delivery
		}
		checkStoredPush(t, s, want)
		wantOutbox := []*Notification{normalizedNotification(u0.Notify), normalizedNotification(u1.Notify)}
		if got := pendingNotifications(t, s); !reflect.DeepEqual(got, wantOutbox) {
			t.Fatalf("outbox = %+v, want %+v", got, wantOutbox)
		}
		// Without the notification, delivery 2's final state goes in.
		u2.Notify = nil
		mustUpdateDelivery(t, s, u2)
		want.Deliveries[2] = u2.Delivery
		checkStoredPush(t, s, want)

		// A failed POST reschedules; the PI's answer removes.
		if err := s.UpdateNotification(ctx, NotificationUpdate{PI: p.PI, PushID: p.PushID, Index: 0,
			Attempts: 3, NextAttempt: at.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		resched := *wantOutbox[0]
		resched.Attempts, resched.NextAttempt = 3, at.Add(time.Hour).UTC()
		wantOutbox = []*Notification{wantOutbox[1], &resched}
		if got := pendingNotifications(t, s); !reflect.DeepEqual(got, wantOutbox) {
			t.Fatalf("outbox after rescheduling = %+v, want %+v", got, wantOutbox)
		}
		done := make(chan error, 1)
		s.UpdateNotificationAsync(NotificationUpdate{PI: p.PI, PushID: p.PushID, Index: -1, Done: true},
			func(err error) { done <- err })
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if got := pendingNotifications(t, s); !reflect.DeepEqual(got, wantOutbox[1:]) {
			t.Fatalf("outbox after removing = %+v, want %+v", got, wantOutbox[1:])
		}

		for name, u := range map[string]NotificationUpdate{
			"removed":      {PI: p.PI, PushID: p.PushID, Index: -1, Done: true},
			"never owed":   {PI: p.PI, PushID: p.PushID, Index: 2, Attempts: 1},
			"unknown push": {PI: p.PI, PushID: "zz", Index: 0, Done: true},
			"unknown PI":   {PI: "zz", PushID: p.PushID, Index: 0, Attempts: 1},
		} {
			if err := s.UpdateNotification(ctx, u); !errors.Is(err, ErrNotFound) {
				t.Errorf("updating a notification %s: %v, want ErrNotFound", name, err)
			}
		}
		for name, u := range map[string]NotificationUpdate{
			"no push id":        {PI: p.PI, Index: 0, Done: true},
			"index -2":          {PI: p.PI, PushID: p.PushID, Index: -2, Done: true},
			"negative attempts": {PI: p.PI, PushID: p.PushID, Index: 0, Attempts: -1},
		} {
			done := make(chan error, 1)
			s.UpdateNotificationAsync(u, func(err error) { done <- err })
			if err := <-done; err == nil || errors.Is(err, ErrNotFound) {
				t.Errorf("updating a notification with %s: %v, want a validation error", name, err)
			}
		}
		if got := pendingNotifications(t, s); !reflect.DeepEqual(got, wantOutbox[1:]) {
			t.Fatalf("outbox after refused updates = %+v, want %+v", got, wantOutbox[1:])
		}
	})
}

// A cancel racing a delivery outcome: whichever is applied first wins, and
// only the winner's notification is owed.
func TestFinalStateRace(t *testing.T) {
	eachPushStore(t, func(t *testing.T, s pushTestStore) {
		p := testPush("pi", "race", 1, 1)
		mustInsertPush(t, s, p)
		at := p.ReceivedAt.Add(time.Minute)
		delivered := finalUpdate(p, 0, DeliveryDelivered, at, "http://pi.example/n")
		cancelled := finalUpdate(p, 0, DeliveryCancelled, at, "http://pi.example/n")
		var results [2]error
		var wg sync.WaitGroup
		wg.Add(2)
		go s.UpdateDeliveryAsync(delivered, func(err error) { results[0] = err; wg.Done() })
		go s.UpdateDeliveryAsync(cancelled, func(err error) { results[1] = err; wg.Done() })
		wg.Wait()
		winner, loser := 0, 1
		if results[0] != nil {
			winner, loser = 1, 0
		}
		if results[winner] != nil || !errors.Is(results[loser], ErrFinal) {
			t.Fatalf("outcomes %v; want one nil and one ErrFinal", results)
		}
		w := []DeliveryUpdate{delivered, cancelled}[winner]
		want := normalizedPush(p)
		want.Deliveries[0] = w.Delivery
		checkStoredPush(t, s, want)
		if got := pendingNotifications(t, s); len(got) != 1 || !reflect.DeepEqual(got[0], normalizedNotification(w.Notify)) {
			t.Errorf("outbox = %+v, want only the winner's %+v", got, w.Notify)
		}
	})
}

func TestOpenPushes(t *testing.T) {
	eachPushStore(t, func(t *testing.T, s pushTestStore) {
		ctx := context.Background()
		at := epoch
		mk := func(pi, id string, receivedAfter time.Duration, addresses int) *Push {
			p := testPush(pi, id, int(receivedAfter/time.Second), addresses)
			p.ReceivedAt = at.Add(receivedAfter)
			return p
		}
		// Inserted out of order; ties on ReceivedAt are broken by PI, then
		// push id.
		pushes := []*Push{
			mk("pi-b", "late", 30*time.Second, 2),
			mk("pi-b", "tie-2", 10*time.Second, 1),
			mk("pi-a", "tie-3", 10*time.Second, 1),
			mk("pi-b", "tie-1", 10*time.Second, 3),
			mk("pi-a", "early", 1*time.Microsecond, 1),
			mk("pi-a", "finished", 5*time.Second, 2),
			mk("pi-a", "born-final", 6*time.Second, 1),
		}
		pushes[6].Deliveries[0].State = DeliveryExpired
		for _, p := range pushes {
			mustInsertPush(t, s, p)
		}
		byID := func(id string) *Push {
			for _, p := range pushes {
				if p.PushID == id {
					return p
				}
			}
			panic(id)
		}
		fin := byID("finished")
		for i := range fin.Deliveries {
			u := finalUpdate(fin, i, DeliveryDelivered, at.Add(time.Minute), "")
			mustUpdateDelivery(t, s, u)
			fin.Deliveries[i] = u.Delivery
		}
		// One of two deliveries final: the push is still open.
		late := byID("late")
		u := finalUpdate(late, 1, DeliveryUndeliverable, at.Add(time.Minute), "http://pi.example/n")
		mustUpdateDelivery(t, s, u)
		late.Deliveries[1] = u.Delivery

		check := func(ids ...string) {
			t.Helper()
			var want []*Push
			for _, id := range ids {
				want = append(want, normalizedPush(byID(id)))
			}
			if got := openPushes(t, s); !reflect.DeepEqual(got, want) {
				var gotIDs []string
				for _, p := range got {
					gotIDs = append(gotIDs, p.PI+"/"+p.PushID)
				}
				t.Fatalf("OpenPushes = %v (%d), want %v", gotIDs, len(got), ids)
			}
		}
		check("early", "tie-3", "tie-1", "tie-2", "late")

		// Finishing the last open delivery of a push takes it out; a
		// non-final change keeps it in.
		u = finalUpdate(late, 0, DeliveryCancelled, at.Add(2*time.Minute), "")
		mustUpdateDelivery(t, s, u)
		late.Deliveries[0] = u.Delivery
		tie1 := byID("tie-1")
		d := tie1.Deliveries[2]
		d.State, d.Attempts, d.UpdatedAt = DeliveryInFlight, 1, at.Add(time.Minute)
		mustUpdateDelivery(t, s, DeliveryUpdate{PI: tie1.PI, PushID: tie1.PushID, Index: 2, Delivery: d})
		tie1.Deliveries[2] = d
		check("early", "tie-3", "tie-1", "tie-2")

		// fn's error ends the walk and comes back as it is; fn may write.
		stop := errors.New("stop")
		seen := 0
		err := s.OpenPushes(ctx, func(p *Push) error {
			seen++
			if seen == 2 {
				return stop
			}
			u := finalUpdate(p, 0, DeliveryAborted, at.Add(time.Hour), "")
			if err := s.UpdateDelivery(ctx, u); err != nil {
				t.Errorf("UpdateDelivery from within OpenPushes: %v", err)
			}
			byID(p.PushID).Deliveries[0] = u.Delivery
			return nil
		})
		if err != stop || seen != 2 {
			t.Fatalf("OpenPushes returned %v after %d calls, want the callback's error after 2", err, seen)
		}
		check("tie-3", "tie-1", "tie-2")
	})
}

func TestPendingNotificationsOrder(t *testing.T) {
	eachPushStore(t, func(t *testing.T, s pushTestStore) {
		at := epoch.Add(time.Hour)
		type owed struct {
			pi, id string
			index  int
			due    time.Duration
		}
		// Ties on NextAttempt are broken by PI, push id, then index.
		in := []owed{
			{"pi-b", "p1", 0, 5 * time.Second},
			{"pi-a", "p2", 1, 5 * time.Second},
			{"pi-a", "p2", 0, 5 * time.Second},
			{"pi-a", "p1", 0, 5 * time.Second},
			{"pi-c", "p1", -1, time.Microsecond},
			{"pi-a", "p3", 0, time.Hour},
		}
		want := []owed{in[4], in[3], in[2], in[1], in[0], in[5]}
		wantNotes := map[owed]*Notification{}
		for i, o := range in {
			ref := pushRef{o.pi, o.id}
			p, err := s.GetPush(context.Background(), ref.pi, ref.pushID)
			if errors.Is(err, ErrNotFound) {
				p = testPush(o.pi, o.id, i, 2)
				mustInsertPush(t, s, p)
			} else if err != nil {
				t.Fatal(err)
			}
			idx := max(o.index, 0)
			if o.index == 0 && p.Deliveries[0].State.Final() {
				idx = 1
			}
			u := finalUpdate(p, idx, DeliveryDelivered, at, fmt.Sprintf("http://%s.example/", o.pi))
			u.Notify.Index, u.Notify.NextAttempt = o.index, at.Add(o.due)
			mustUpdateDelivery(t, s, u)
			wantNotes[o] = normalizedNotification(u.Notify)
		}
		got := pendingNotifications(t, s)
		if len(got) != len(want) {
			t.Fatalf("%d notifications pending, want %d", len(got), len(want))
		}
		for i, w := range want {
			if !reflect.DeepEqual(got[i], wantNotes[w]) {
				t.Errorf("pending[%d] = %+v, want %+v", i, got[i], wantNotes[w])
			}
		}
		// fn's error ends the walk and comes back as it is.
		stop := errors.New("stop")
		calls := 0
		if err := s.PendingNotifications(context.Background(), func(*Notification) error { calls++; return stop }); err != stop || calls != 1 {
			t.Errorf("PendingNotifications returned %v after %d calls, want the callback's error after 1", err, calls)
		}
	})
}

func TestPurgePushes(t *testing.T) {
	eachPushStore(t, func(t *testing.T, s pushTestStore) {
		ctx := context.Background()
		cutoff := epoch.Add(24 * time.Hour)
		old, recent := cutoff.Add(-time.Microsecond), cutoff

		open := testPush("pi", "open", 1, 2) // one delivery final long ago, one open
		oldDone := testPush("pi", "old", 2, 2)
		recentDone := testPush("pi", "recent", 3, 2) // its last update is not before the cutoff
		owing := testPush("pi", "owing", 4, 1)       // old, but its notification is owed
		bornFinal := testPush("pi", "born-final", 5, 1)
		bornFinal.Deliveries[0].State, bornFinal.Deliveries[0].UpdatedAt = DeliveryExpired, old
		for _, p := range []*Push{open, oldDone, recentDone, owing, bornFinal} {
			mustInsertPush(t, s, p)
		}
		mustUpdateDelivery(t, s, finalUpdate(open, 0, DeliveryDelivered, epoch, ""))
		mustUpdateDelivery(t, s, finalUpdate(oldDone, 0, DeliveryDelivered, epoch, ""))
		mustUpdateDelivery(t, s, finalUpdate(oldDone, 1, DeliveryDelivered, old, ""))
		mustUpdateDelivery(t, s, finalUpdate(recentDone, 1, DeliveryDelivered, epoch, ""))
		mustUpdateDelivery(t, s, finalUpdate(recentDone, 0, DeliveryDelivered, recent, ""))
		mustUpdateDelivery(t, s, finalUpdate(owing, 0, DeliveryDelivered, epoch, "http://pi.example/n"))

		exists := func(p *Push) bool {
			_, err := s.GetPush(ctx, p.PI, p.PushID)
			if err != nil && !errors.Is(err, ErrNotFound) {
				t.Fatal(err)
			}
			return err == nil
		}
		n, err := s.PurgePushes(ctx, cutoff)
		if err != nil || n != 2 {
			t.Fatalf("PurgePushes = %d, %v; want 2", n, err)
		}
		for p, kept := range map[*Push]bool{open: true, oldDone: false, recentDone: true, owing: true, bornFinal: false} {
			if exists(p) != kept {
				t.Errorf("after the purge, %s is there: %v, want %v", p.PushID, !kept, kept)
			}
		}
		// Once the PI has its notification, the push goes too.
		if err := s.UpdateNotification(ctx, NotificationUpdate{PI: owing.PI, PushID: owing.PushID, Index: 0, Done: true}); err != nil {
			t.Fatal(err)
		}
		if n, err := s.PurgePushes(ctx, cutoff); err != nil || n != 1 || exists(owing) {
			t.Fatalf("PurgePushes after the notification = %d, %v; want 1, with %s gone", n, err, owing.PushID)
		}
		if n, err := s.PurgePushes(ctx, cutoff); err != nil || n != 0 {
			t.Fatalf("PurgePushes again = %d, %v; want 0", n, err)
		}
		if n, err := s.PurgePushes(ctx, cutoff.Add(time.Microsecond)); err != nil || n != 1 || exists(recentDone) {
			t.Fatalf("PurgePushes a microsecond later = %d, %v; want 1, with %s gone", n, err, recentDone.PushID)
		}
		// A purged push id can be used again, deliveries and all.
		again := testPush("pi", "old", 9, 3)
		mustInsertPush(t, s, again)
		checkStoredPush(t, s, again)
		if got := openPushes(t, s); len(got) != 2 {
			t.Errorf("%d open pushes after the purges, want 2 (open and the new old)", len(got))
		}
	})
}

// TestPushStoreConcurrent exercises every method at once; run with -race.
func TestPushStoreConcurrent(t *testing.T) {
	eachPushStore(t, func(t *testing.T, s pushTestStore) {
		ctx := context.Background()
		const workers, each = 8, 25
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					p := testPush(fmt.Sprintf("pi-%d", w), fmt.Sprint(i), i, 1)
					if err := s.InsertPush(ctx, p); err != nil {
						t.Error(err)
						return
					}
					if err := s.UpdateDelivery(ctx, finalUpdate(p, 0, DeliveryDelivered, epoch, "http://pi.example/")); err != nil {
						t.Error(err)
						return
					}
					if err := s.UpdateNotification(ctx, NotificationUpdate{PI: p.PI, PushID: p.PushID, Done: true}); err != nil {
						t.Error(err)
						return
					}
					if _, err := s.GetPush(ctx, p.PI, p.PushID); err != nil {
						t.Error(err)
						return
					}
					_ = s.OpenPushes(ctx, func(*Push) error { return nil })
					_ = s.PendingNotifications(ctx, func(*Notification) error { return nil })
					if _, err := s.PurgePushes(ctx, epoch); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		if n, err := s.PurgePushes(ctx, epoch.Add(time.Microsecond)); err != nil || n != workers*each {
			t.Errorf("final PurgePushes = %d, %v; want %d", n, err, workers*each)
		}
	})
}

// TestPushMemoryAsyncIsSynchronous pins down what PushMemory documents: done
// has been called when the Async method returns.
func TestPushMemoryAsyncIsSynchronous(t *testing.T) {
	s := NewPushMemory()
	p := testPush("pi", "p", 1, 1)
	called := false
	s.InsertPushAsync(p, func(err error) { called = err == nil })
	if !called {
		t.Error("InsertPushAsync returned before calling done with nil")
	}
	called = false
	s.UpdateDeliveryAsync(finalUpdate(p, 0, DeliveryDelivered, epoch, "http://pi.example/"), func(err error) { called = err == nil })
	if !called {
		t.Error("UpdateDeliveryAsync returned before calling done with nil")
	}
	called = false
	s.UpdateNotificationAsync(NotificationUpdate{PI: "pi", PushID: "p", Done: true}, func(err error) { called = err == nil })
	if !called {
		t.Error("UpdateNotificationAsync returned before calling done with nil")
	}
	// A nil done is allowed.
	s.InsertPushAsync(testPush("pi", "q", 2, 1), nil)
	if _, err := s.GetPush(context.Background(), "pi", "q"); err != nil {
		t.Errorf("InsertPushAsync with a nil done: %v", err)
	}
}

// TestAnonymousPI: a PPG with no PI accounts keeps its pushes under the
// empty PI name.
func TestAnonymousPI(t *testing.T) {
	eachPushStore(t, func(t *testing.T, s pushTestStore) {
		p := testPush("", "anon-1", 1, 1)
		mustInsertPush(t, s, p)
		checkStoredPush(t, s, p)
		mustUpdateDelivery(t, s, finalUpdate(p, 0, DeliveryDelivered, p.ReceivedAt.Add(time.Second), "http://pi.example/notify"))
		if got := pendingNotifications(t, s); len(got) != 1 || got[0].PI != "" || got[0].PushID != "anon-1" {
			t.Fatalf("owed notifications %+v", got)
		}
	})
}
