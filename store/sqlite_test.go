package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var epoch = time.Date(2026, 3, 5, 12, 30, 0, 0, time.UTC)

func openTestStore(t testing.TB, opts Options) (*SQLite, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "store.db")
	s, err := OpenSQLite(path, opts)
	if err != nil {
		t.Fatalf("OpenSQLite: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s, path
}

// testMessage returns a message whose every field depends on id and n, so
// that a mix-up between two stored messages shows.
func testMessage(id string, n int) *Message {
	at := epoch.Add(time.Duration(n) * time.Second)
	return &Message{
		ID:          id,
		Account:     fmt.Sprintf("esme%d", n%7),
		Source:      Address{TON: 5, NPI: 0, Addr: "PPG"},
		Dest:        Address{TON: 1, NPI: 1, Addr: fmt.Sprintf("3584012%05d", n)},
		ServiceType: "WAP",
		ESMClass:    0x43, ProtocolID: byte(n), PriorityFlag: byte(n % 4), DataCoding: 0x04, RegisteredDelivery: 0x01,
		UserData:    []byte(fmt.Sprintf("\x06\x05\x04\x0b\x84\x23\xf0payload %s/%d", id, n)),
		TLVs:        []byte{0x02, 0x04, 0x00, 0x02, byte(n >> 8), byte(n)},
		SubmittedAt: at,
		NotBefore:   at.Add(time.Minute),
		ExpiresAt:   at.Add(48 * time.Hour),
		State:       Enroute,
		NextAttempt: at.Add(time.Minute),
	}
}

// normalized returns a copy of m in the form the store returns it: empty
// slices rather than nil, times in UTC truncated to the microsecond.
func normalized(m *Message) Message {
	c := *m
	for _, b := range []*[]byte{&c.UserData, &c.TLVs} {
		if *b == nil {
			*b = []byte{}
		}
	}
	for _, tp := range []*time.Time{&c.SubmittedAt, &c.NotBefore, &c.ExpiresAt, &c.NextAttempt, &c.DoneAt} {
		*tp = tp.UTC().Truncate(time.Microsecond)
	}
	return c
}

func checkStored(t testing.TB, s *SQLite, want *Message) {
	t.Helper()
	got, err := s.Get(context.Background(), want.ID)
	if err != nil {
		t.Fatalf("Get(%q): %v", want.ID, err)
	}
	if g, w := normalized(got), normalized(want); !reflect.DeepEqual(g, w) {
		t.Fatalf("Get(%q):\n got %+v\nwant %+v", want.ID, g, w)
	}
}

func TestInsertGet(t *testing.T) {
	s, _ := openTestStore(t, Options{})
	ctx := context.Background()

	full := testMessage("00000001", 1)
	full.SubmittedAt = time.Date(2026, 3, 5, 12, 30, 1, 123456789, time.FixedZone("EET", 2*3600))
	full.Attempts, full.LastError = 3, 0xFFFFFFFF
	full.Source = Address{TON: 0xFF, NPI: 0xFF, Addr: "x"}
	bare := &Message{ID: "00000002", State: Enroute} // zero times, nil slices
	final := testMessage("00000003", 3)
	final.State, final.DoneAt = Rejected, epoch

	for _, m := range []*Message{full, bare, final} {
		if err := s.Insert(ctx, m); err != nil {
			t.Fatalf("Insert(%q): %v", m.ID, err)
		}
	}
	for _, m := range []*Message{full, bare, final} {
		checkStored(t, s, m)
	}
	got, err := s.Get(ctx, bare.ID)
	if err != nil {
		t.Fatal(err)
	}
	for name, tm := range map[string]time.Time{"SubmittedAt": got.SubmittedAt, "NotBefore": got.NotBefore, "DoneAt": got.DoneAt} {
		if !tm.IsZero() {
			t.Errorf("zero %s came back as %v", name, tm)
		}
	}

	if _, err := s.Get(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get(unknown) = %v, want ErrNotFound", err)
	}
}

func TestInsertRefused(t *testing.T) {
	s, _ := openTestStore(t, Options{})
	ctx := context.Background()
	orig := testMessage("a", 1)
	if err := s.Insert(ctx, orig); err != nil {
		t.Fatal(err)
	}
	if err := s.Insert(ctx, testMessage("a", 2)); !errors.Is(err, ErrDuplicate) {
		t.Errorf("duplicate Insert = %v, want ErrDuplicate", err)
	}
	checkStored(t, s, orig)

	finalWithoutDone := testMessage("c", 3)
	finalWithoutDone.State = Delivered
	negative := testMessage("d", 4)
	negative.Attempts = -1
	for name, m := range map[string]*Message{
		"nil":                  nil,
		"no id":                testMessage("", 1),
		"state 0":              {ID: "b"},
		"state 9":              {ID: "b", State: 9},
		"final without DoneAt": finalWithoutDone,
		"negative attempts":    negative,
	} {
		if err := s.Insert(ctx, m); err == nil {
			t.Errorf("Insert(%s) succeeded", name)
		}
		done := make(chan error, 1)
		s.InsertAsync(m, func(err error) { done <- err })
		if err := <-done; err == nil {
			t.Errorf("InsertAsync(%s) succeeded", name)
		}
	}
	n := 0
	if err := s.Pending(ctx, func(*Message) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d messages stored, want only the first", n)
	}
}

func TestUpdateStates(t *testing.T) {
	s, _ := openTestStore(t, Options{})
	ctx := context.Background()
	m := testMessage("m1", 1)
	if err := s.Insert(ctx, m); err != nil {
		t.Fatal(err)
	}

	// A failed attempt: still en route, rescheduled.
	retry := Update{ID: m.ID, State: Enroute, Attempts: 1, NextAttempt: epoch.Add(time.Hour), LastError: 27}
	if err := s.Update(ctx, retry); err != nil {
		t.Fatalf("Update(retry): %v", err)
	}
	m.Attempts, m.NextAttempt, m.LastError = 1, retry.NextAttempt, 27
	checkStored(t, s, m)

	// Delivered: final.
	delivered := Update{ID: m.ID, State: Delivered, Attempts: 2, NextAttempt: retry.NextAttempt, DoneAt: epoch.Add(2 * time.Hour)}
	if err := s.Update(ctx, delivered); err != nil {
		t.Fatalf("Update(delivered): %v", err)
	}
	m.State, m.Attempts, m.LastError, m.DoneAt = Delivered, 2, 0, delivered.DoneAt
	checkStored(t, s, m)

	// A cancel_sm arriving now loses the race: the message stays delivered.
	cancel := Update{ID: m.ID, State: Deleted, Attempts: 2, DoneAt: epoch.Add(3 * time.Hour)}
	if err := s.Update(ctx, cancel); !errors.Is(err, ErrFinal) {
		t.Errorf("Update of a final message = %v, want ErrFinal", err)
	}
	checkStored(t, s, m)

	if err := s.Update(ctx, Update{ID: "nope", State: Enroute}); !errors.Is(err, ErrNotFound) {
		t.Errorf("Update(unknown) = %v, want ErrNotFound", err)
	}
	if err := s.Update(ctx, Update{ID: m.ID, State: Expired}); err == nil {
		t.Error("Update to a final state without DoneAt succeeded")
	}

	// Updates queued together apply in call order.
	m2 := testMessage("m2", 2)
	if err := s.Insert(ctx, m2); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 1; i <= 20; i++ {
		wg.Add(1)
		s.UpdateAsync(Update{ID: m2.ID, State: Enroute, Attempts: i}, func(err error) {
			defer wg.Done()
			if err != nil {
				t.Errorf("UpdateAsync: %v", err)
			}
		})
	}
	wg.Wait()
	got, err := s.Get(ctx, m2.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Attempts != 20 {
		t.Errorf("after 20 queued updates Attempts = %d, want the last one, 20", got.Attempts)
	}
}

func TestPendingOrder(t *testing.T) {
	s, _ := openTestStore(t, Options{})
	ctx := context.Background()
	var want []string
	// Next attempts out of insertion order, with ties broken by id.
	offsets := []int{5, 3, 9, 3, 0, 7, 1, 8, 2, 6}
	for i, off := range offsets {
		m := testMessage(fmt.Sprintf("id%02d", i), i)
		m.NextAttempt = epoch.Add(time.Duration(off) * time.Minute)
		if i%3 == 2 {
			m.State, m.DoneAt = State(2+i%7), epoch
		} else {
			want = append(want, m.ID)
		}
		if err := s.Insert(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	slices.SortFunc(want, func(a, b string) int {
		var ia, ib int
		fmt.Sscanf(a, "id%d", &ia)
		fmt.Sscanf(b, "id%d", &ib)
		if c := offsets[ia] - offsets[ib]; c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})

	var got []string
	err := s.Pending(ctx, func(m *Message) error {
		if m.State.Final() {
			t.Errorf("Pending returned %q in final state %v", m.ID, m.State)
		}
		got = append(got, m.ID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("Pending order\n got %v\nwant %v", got, want)
	}

	stop := errors.New("stop")
	calls := 0
	err = s.Pending(ctx, func(*Message) error { calls++; return stop })
	if err != stop || calls != 1 {
		t.Errorf("Pending with a failing fn = %v after %d calls, want fn's error after 1", err, calls)
	}
}

func TestReplace(t *testing.T) {
	s, _ := openTestStore(t, Options{})
	ctx := context.Background()
	m := testMessage("r1", 1)
	if err := s.Insert(ctx, m); err != nil {
		t.Fatal(err)
	}

	// Zero times keep the stored ones.
	if err := s.Replace(ctx, m.ID, Replacement{UserData: []byte("new text"), RegisteredDelivery: 0}); err != nil {
		t.Fatalf("Replace: %v", err)
	}
	m.UserData, m.RegisteredDelivery = []byte("new text"), 0
	checkStored(t, s, m)

	r := Replacement{
		UserData:           nil,
		RegisteredDelivery: 1,
		NotBefore:          epoch.Add(10 * time.Minute),
		ExpiresAt:          epoch.Add(time.Hour),
		NextAttempt:        epoch.Add(10 * time.Minute),
	}
	if err := s.Replace(ctx, m.ID, r); err != nil {
		t.Fatalf("Replace: %v", err)
	}
	m.UserData, m.RegisteredDelivery = nil, 1
	m.NotBefore, m.ExpiresAt, m.NextAttempt = r.NotBefore, r.ExpiresAt, r.NextAttempt
	checkStored(t, s, m)

	if err := s.Update(ctx, Update{ID: m.ID, State: Expired, DoneAt: epoch.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	before, err := s.Get(ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Replace(ctx, m.ID, Replacement{UserData: []byte("too late")}); !errors.Is(err, ErrFinal) {
		t.Errorf("Replace of an expired message = %v, want ErrFinal", err)
	}
	checkStored(t, s, before)
	if err := s.Replace(ctx, "nope", Replacement{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("Replace(unknown) = %v, want ErrNotFound", err)
	}
}

func TestPurge(t *testing.T) {
	s, _ := openTestStore(t, Options{})
	ctx := context.Background()
	type row struct {
		id     string
		state  State
		doneAt time.Time
		purged bool
	}
	rows := []row{
		{"old-delivered", Delivered, epoch.Add(-2 * time.Hour), true},
		{"old-expired", Expired, epoch.Add(-time.Microsecond), true},
		{"at-cutoff", Undeliverable, epoch, false}, // strictly before only
		{"new-deleted", Deleted, epoch.Add(time.Hour), false},
		{"enroute", Enroute, time.Time{}, false},
		{"enroute-odd-done", Enroute, epoch.Add(-3 * time.Hour), false}, // not final: kept whatever its DoneAt
	}
	for i, r := range rows {
		m := testMessage(r.id, i)
		m.State, m.DoneAt = r.state, r.doneAt
		if err := s.Insert(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.Purge(ctx, epoch)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("Purge = %d, want 2", n)
	}
	for _, r := range rows {
		_, err := s.Get(ctx, r.id)
		if gone := errors.Is(err, ErrNotFound); gone != r.purged {
			t.Errorf("%s: purged %v, want %v (Get: %v)", r.id, gone, r.purged, err)
		}
	}
	if n, err := s.Purge(ctx, epoch); err != nil || n != 0 {
		t.Errorf("second Purge = %d, %v; want 0, nil", n, err)
	}
}

func TestFormatMessageID(t *testing.T) {
	for _, c := range []struct {
		n    uint64
		want string
	}{
		{0, "00000000"},
		{1, "00000001"},
		{0x5f3a0001, "5f3a0001"},
		{0xffffffff, "ffffffff"},
		{1 << 32, "100000000"},
		{1<<40 - 1, "ffffffffff"},
		{1<<64 - 1, "ffffffffffffffff"},
	} {
		if got := FormatMessageID(c.n); got != c.want {
			t.Errorf("FormatMessageID(%#x) = %q, want %q", c.n, got, c.want)
		}
	}
}

func TestNextIDNeverReused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ids.db")
	ctx := context.Background()
	seen := map[string]bool{}
	last := ""
	for round := 0; round < 3; round++ {
		s, err := OpenSQLite(path, Options{IDBlock: 4})
		if err != nil {
			t.Fatal(err)
		}
		// Concurrent callers across several block reservations.
		var mu sync.Mutex
		var roundIDs []string
		var wg sync.WaitGroup
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 5; i++ {
					id, err := s.NextID(ctx)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					roundIDs = append(roundIDs, id)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		slices.Sort(roundIDs)
		for _, id := range roundIDs {
			if seen[id] {
				t.Fatalf("round %d: id %q handed out twice", round, id)
			}
			seen[id] = true
		}
		if roundIDs[0] <= last {
			t.Errorf("round %d starts at %q, not after the previous round's %q", round, roundIDs[0], last)
		}
		last = roundIDs[len(roundIDs)-1]
	}
	if len(seen) != 60 {
		t.Errorf("%d distinct ids, want 60", len(seen))
	}
}

// blockCommitter holds the committer inside a batch until release is called,
// so that the writes submitted meanwhile are known to form the next batch.
func blockCommitter(t *testing.T, s *SQLite) (release func()) {
	t.Helper()
	entered, gate := make(chan struct{}), make(chan struct{})
	s.commit.submit(write{
		apply: func(context.Context, *sql.Tx) error { close(entered); <-gate; return nil },
	})
	<-entered
	return func() { close(gate) }
}

// outcomes collects done results by name.
type outcomes struct {
	wg sync.WaitGroup
	mu sync.Mutex
	m  map[string]error
}

func (o *outcomes) done(name string) func(error) {
	o.wg.Add(1)
	return func(err error) {
		o.mu.Lock()
		defer o.mu.Unlock()
		if o.m == nil {
			o.m = map[string]error{}
		}
		if _, dup := o.m[name]; dup {
			panic("done called twice for " + name)
		}
		o.m[name] = err
		o.wg.Done()
	}
}

func (o *outcomes) wait() map[string]error { o.wg.Wait(); return o.m }

func TestGroupCommit(t *testing.T) {
	s, _ := openTestStore(t, Options{})
	const goroutines, each = 64, 40
	before := s.Stats()
	var calls [goroutines * each]atomic.Int32
	var wg sync.WaitGroup
	wg.Add(goroutines * each)
	for g := 0; g < goroutines; g++ {
		go func() {
			for i := 0; i < each; i++ {
				n := g*each + i
				s.InsertAsync(testMessage(FormatMessageID(uint64(n)), n), func(err error) {
					defer wg.Done()
					if err != nil {
						t.Errorf("insert %d: %v", n, err)
					}
					calls[n].Add(1)
				})
			}
		}()
	}
	wg.Wait()
	for n := range calls {
		if c := calls[n].Load(); c != 1 {
			t.Fatalf("done for insert %d called %d times", n, c)
		}
	}
	st := s.Stats()
	commits, writes := st.Commits-before.Commits, st.Writes-before.Writes
	t.Logf("%d inserts in %d commits", writes, commits)
	if commits > writes/10 {
		t.Errorf("%d inserts took %d commits; group commit should need far fewer", writes, commits)
	}
	stored := 0
	if err := s.Pending(context.Background(), func(*Message) error { stored++; return nil }); err != nil {
		t.Fatal(err)
	}
	if stored != goroutines*each {
		t.Errorf("%d messages stored, want %d", stored, goroutines*each)
	}
}

func TestBatchMax(t *testing.T) {
	for _, batchMax := range []int{1, 8} {
		t.Run(fmt.Sprint(batchMax), func(t *testing.T) {
			s, _ := openTestStore(t, Options{BatchMax: batchMax})
			release := blockCommitter(t, s)
			before := s.Stats()
			var o outcomes
			const writes = 40
			for i := 0; i < writes; i++ {
				id := fmt.Sprint(i)
				s.InsertAsync(testMessage(id, i), o.done(id))
			}
			if q := s.Stats().Queued; q != writes {
				t.Errorf("Stats().Queued = %d while the committer is held, want %d", q, writes)
			}
			release()
			for id, err := range o.wait() {
				if err != nil {
					t.Errorf("insert %s: %v", id, err)
				}
			}
			// The blocking write's own batch, then the 40 in batches of batchMax.
			st := s.Stats()
			if st.Queued != 0 {
				t.Errorf("Stats().Queued = %d after every write was done, want 0", st.Queued)
			}
			if got, want := st.Commits-before.Commits, uint64(1+(writes+batchMax-1)/batchMax); got != want {
				t.Errorf("%d commits, want %d", got, want)
			}
		})
	}
}

func TestBatchRejectionsStayLocal(t *testing.T) {
	s, _ := openTestStore(t, Options{})
	ctx := context.Background()
	final := testMessage("final", 0)
	final.State, final.DoneAt = Delivered, epoch
	if err := s.Insert(ctx, final); err != nil {
		t.Fatal(err)
	}

	release := blockCommitter(t, s)
	before := s.Stats()
	var o outcomes
	a, b := testMessage("a", 1), testMessage("b", 2)
	s.InsertAsync(a, o.done("insert a"))
	s.UpdateAsync(Update{ID: "missing", State: Enroute}, o.done("update missing"))
	s.InsertAsync(testMessage("a", 3), o.done("insert a again"))
	s.UpdateAsync(Update{ID: "final", State: Deleted, DoneAt: epoch}, o.done("cancel final"))
	s.UpdateAsync(Update{ID: "a", State: Enroute, Attempts: 1}, o.done("update a")) // sees the insert before it
	s.InsertAsync(b, o.done("insert b"))
	release()
	got := o.wait()

	for name, want := range map[string]error{
		"insert a": nil, "update missing": ErrNotFound, "insert a again": ErrDuplicate,
		"cancel final": ErrFinal, "update a": nil, "insert b": nil,
	} {
		if err := got[name]; !errors.Is(err, want) || (want == nil && err != nil) {
			t.Errorf("%s: %v, want %v", name, err, want)
		}
	}
	a.Attempts, a.NextAttempt = 1, time.Time{} // an Update writes every field it has
	checkStored(t, s, a)
	checkStored(t, s, b)
	checkStored(t, s, final)
	// The blocking write's batch, then one batch in which three writes took
	// effect.
	if st := s.Stats(); st.Commits-before.Commits != 2 || st.Writes-before.Writes != 1+3 {
		t.Errorf("%d commits of %d writes, want 2 of 4", st.Commits-before.Commits, st.Writes-before.Writes)
	}
}

func TestBatchFailureRollsBackAll(t *testing.T) {
	s, _ := openTestStore(t, Options{})
	release := blockCommitter(t, s)
	var o outcomes
	s.InsertAsync(testMessage("a", 1), o.done("a"))
	s.commit.submit(write{
		apply: func(ctx context.Context, tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO no_such_table VALUES (1)`)
			return err
		},
		done: o.done("broken"),
	})
	s.InsertAsync(testMessage("b", 2), o.done("b"))
	release()
	for name, err := range o.wait() {
		if err == nil || !strings.Contains(err.Error(), "rolled back") {
			t.Errorf("%s: %v, want the batch's failure", name, err)
		}
	}
	for _, id := range []string{"a", "b"} {
		if _, err := s.Get(context.Background(), id); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get(%q) after a failed batch: %v, want ErrNotFound", id, err)
		}
	}
	// The store carries on.
	if err := s.Insert(context.Background(), testMessage("c", 3)); err != nil {
		t.Errorf("Insert after a failed batch: %v", err)
	}
}

func TestCanceledWriteNotStored(t *testing.T) {
	s, _ := openTestStore(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Insert(ctx, testMessage("early", 1)); !errors.Is(err, context.Canceled) {
		t.Errorf("Insert with a canceled context = %v", err)
	}

	// Canceled while queued: the committer skips it.
	ctx, cancel = context.WithCancel(context.Background())
	release := blockCommitter(t, s)
	apply, err := s.insertWrite(testMessage("queued", 2))
	if err != nil {
		t.Fatal(err)
	}
	var o outcomes
	s.commit.submit(write{ctx: ctx, apply: apply, done: o.done("queued")})
	s.InsertAsync(testMessage("other", 3), o.done("other"))
	cancel()
	release()
	got := o.wait()
	if !errors.Is(got["queued"], context.Canceled) || got["other"] != nil {
		t.Errorf("outcomes %v, want queued canceled and other stored", got)
	}
	for id, want := range map[string]error{"early": ErrNotFound, "queued": ErrNotFound, "other": nil} {
		if _, err := s.Get(context.Background(), id); !errors.Is(err, want) || (want == nil && err != nil) {
			t.Errorf("Get(%q) = %v, want %v", id, err, want)
		}
	}
}

func TestCloseDrainsQueue(t *testing.T) {
	path := filepath.Join(t.TempDir(), "close.db")
	s, err := OpenSQLite(path, Options{BatchMax: 16})
	if err != nil {
		t.Fatal(err)
	}
	var o outcomes
	const n = 300
	for i := 0; i < n; i++ {
		id := fmt.Sprint(i)
		s.InsertAsync(testMessage(id, i), o.done(id))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for id, err := range o.wait() {
		if err != nil {
			t.Errorf("insert %s: %v", id, err)
		}
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	late := make(chan error, 1)
	s.InsertAsync(testMessage("late", 0), func(err error) { late <- err })
	if err := <-late; !errors.Is(err, ErrClosed) {
		t.Errorf("InsertAsync after Close: %v, want ErrClosed", err)
	}
	if err := s.Insert(context.Background(), testMessage("late", 0)); !errors.Is(err, ErrClosed) {
		t.Errorf("Insert after Close: %v, want ErrClosed", err)
	}

	s, err = OpenSQLite(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := 0; i < n; i++ {
		checkStored(t, s, testMessage(fmt.Sprint(i), i))
	}
}

func TestSchemaVersion(t *testing.T) {
	s, path := openTestStore(t, Options{})
	ctx := context.Background()
	v, err := schemaVersion(ctx, s.writer)
	if err != nil || v != len(migrations) {
		t.Fatalf("schema version %d, %v; want %d", v, err, len(migrations))
	}
	if err := s.Insert(ctx, testMessage("kept", 1)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// Reopening an up-to-date database changes nothing.
	s2, err := OpenSQLite(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkStored(t, s2, testMessage("kept", 1))
	if _, err := s2.writer.Exec(`UPDATE schema_version SET version = 99`); err != nil {
		t.Fatal(err)
	}
	if err := s2.Close(); err != nil {
		t.Fatal(err)
	}

	if s3, err := OpenSQLite(path, Options{}); err == nil {
		s3.Close()
		t.Fatal("opened a database from a newer program")
	} else if !strings.Contains(err.Error(), "newer") {
		t.Errorf("error %q does not say the schema is newer", err)
	}
}

func TestOpenRefusesBadPath(t *testing.T) {
	for _, p := range []string{"", filepath.Join(t.TempDir(), "a?mode=memory"), filepath.Join(t.TempDir(), "no-such-dir", "x.db")} {
		if s, err := OpenSQLite(p, Options{}); err == nil {
			s.Close()
			t.Errorf("OpenSQLite(%q) succeeded", p)
		}
	}
}

func TestCorruptRows(t *testing.T) {
	for _, c := range []struct{ column, value string }{
		{"source_ton", "256"},
		{"dest_npi", "-1"},
		{"esm_class", "1000"},
		{"state", "0"},
		{"state", "257"}, // would wrap to Enroute in a byte
		{"state", "'x'"},
		{"attempts", "-3"},
		{"last_error", "4294967296"},
		{"submitted_at", "'yesterday'"},
	} {
		t.Run(c.column+"="+c.value, func(t *testing.T) {
			s, _ := openTestStore(t, Options{})
			ctx := context.Background()
			if err := s.Insert(ctx, testMessage("m", 1)); err != nil {
				t.Fatal(err)
			}
			// Change the row behind the store's back, as a damaged file or a
			// hand edit would.
			if _, err := s.writer.Exec(`UPDATE smsc_message SET ` + c.column + ` = ` + c.value); err != nil {
				t.Fatal(err)
			}
			if m, err := s.Get(ctx, "m"); err == nil {
				t.Errorf("Get returned %+v", m)
			}
			err := s.Pending(ctx, func(m *Message) error {
				t.Errorf("Pending returned %+v", m)
				return nil
			})
			if err == nil && c.column != "state" {
				t.Error("Pending succeeded")
			}
		})
	}
}

// The durability argument rests on these settings of the writer connection.
func TestDurabilitySettings(t *testing.T) {
	s, _ := openTestStore(t, Options{})
	var mode string
	var synchronous int
	if err := s.writer.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
	if err := s.writer.QueryRow(`PRAGMA synchronous`).Scan(&synchronous); err != nil || synchronous != 2 {
		t.Errorf("synchronous = %d, %v; want 2 (FULL)", synchronous, err)
	}
	if _, err := s.reader.Exec(`DELETE FROM smsc_message`); err == nil {
		t.Error("the read pool accepted a write")
	}
	// Not durability, but the writer's: its cache holds a checkpoint's
	// pages without spilling them to the log twice.
	var cache int
	if err := s.writer.QueryRow(`PRAGMA cache_size`).Scan(&cache); err != nil || cache != -16384 {
		t.Errorf("cache_size = %d, %v; want -16384 (16 MiB)", cache, err)
	}
}

func TestOnCommitReportsEveryBatch(t *testing.T) {
	var mu sync.Mutex
	batches, writes := 0, 0
	s, err := OpenSQLite(filepath.Join(t.TempDir(), "oncommit.db"), Options{OnCommit: func(took time.Duration, n int) {
		mu.Lock()
		defer mu.Unlock()
		if took <= 0 || n <= 0 {
			t.Errorf("OnCommit(%v, %d)", took, n)
		}
		batches++
		writes += n
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range 20 {
		if err := s.Insert(context.Background(), testMessage(FormatMessageID(uint64(1000+i)), i)); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if st := s.Stats(); uint64(batches) != st.Commits || uint64(writes) != st.Writes || writes < 20 {
		t.Fatalf("OnCommit saw %d batches of %d writes; the store counts %d commits of %d writes", batches, writes, st.Commits, st.Writes)
	}
}
