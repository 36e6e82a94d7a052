package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// journalWorkload writes to s what a PPG would for n pushes: every push
// inserted; every second one delivered with a notification; every fourth
// one's notification answered, every sixth one's rescheduled; every third
// one put in flight; the second delivery of every tenth one failed. It
// waits until every write is acknowledged.
func journalWorkload(t *testing.T, s pushTestStore, pi string, n int) {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		p := testPush(pi, strconv.Itoa(i), i, 1+i%2)
		mustInsertPush(t, s, p)
		if i%3 == 0 {
			d := p.Deliveries[0]
			d.State, d.Attempts, d.Ref, d.MessageID = DeliveryInFlight, 1, uint16(i), "m"+strconv.Itoa(i)
			mustUpdateDelivery(t, s, DeliveryUpdate{PI: p.PI, PushID: p.PushID, Index: 0, Delivery: d})
		}
		if i%2 == 0 {
			mustUpdateDelivery(t, s, finalUpdate(p, 0, DeliveryDelivered, epoch.Add(time.Duration(i)*time.Minute), "http://pi.example/n"))
		}
		if i%10 == 1 { // a push to two addresses: the second one fails
			mustUpdateDelivery(t, s, finalUpdate(p, 1, DeliveryUndeliverable, epoch.Add(time.Duration(i)*time.Minute), "http://pi.example/n"))
		}
		switch {
		case i%4 == 0:
			if err := s.UpdateNotification(ctx, NotificationUpdate{PI: p.PI, PushID: p.PushID, Done: true}); err != nil {
				t.Fatal(err)
			}
		case i%6 == 2:
			if err := s.UpdateNotification(ctx, NotificationUpdate{PI: p.PI, PushID: p.PushID, Attempts: 2, NextAttempt: epoch.Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// storeContents is everything a push store shows of the pushes of pi.
type storeContents struct {
	pushes []*Push
	open   []*Push
	owed   []*Notification
}

func contentsOf(t *testing.T, s PushStore, pi string, n int) storeContents {
	t.Helper()
	var c storeContents
	for i := range n {
		p, err := s.GetPush(context.Background(), pi, strconv.Itoa(i))
		if err != nil {
			t.Fatalf("push %d: %v", i, err)
		}
		c.pushes = append(c.pushes, p)
	}
	c.open = openPushes(t, s)
	c.owed = pendingNotifications(t, s)
	return c
}

func checkSameContents(t *testing.T, what string, got, want storeContents) {
	t.Helper()
	for i := range want.pushes {
		if w := keptOf(got.pushes[i], want.pushes[i]); !reflect.DeepEqual(got.pushes[i], w) {
			t.Fatalf("%s: push %d\n got %+v\nwant %+v", what, i, got.pushes[i], w)
		}
	}
	if !reflect.DeepEqual(got.open, want.open) {
		t.Errorf("%s: %d open pushes, want %d", what, len(got.open), len(want.open))
	}
	if !reflect.DeepEqual(got.owed, want.owed) {
		t.Errorf("%s: notifications owed\n got %v\nwant %v", what, got.owed, want.owed)
	}
}

// The journal, checkpointing all along, shows what the memory store shows;
// after a checkpoint SQLite holds the same, and the final pushes are out of
// memory but still refuse a second final state and a second insert.
func TestJournalCheckpointsAgree(t *testing.T) {
	const n = 300
	memory := NewPushMemory()
	journalWorkload(t, memory, "pi", n)
	want := contentsOf(t, memory, "pi", n)

	j := openTestJournal(t, t.TempDir(), JournalOptions{CheckpointBytes: 8 << 10})
	journalWorkload(t, j, "pi", n)
	checkSameContents(t, "journal", contentsOf(t, j, "pi", n), want)
	if err := j.Checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	checkSameContents(t, "journal after a checkpoint", contentsOf(t, j, "pi", n), want)
	checkSameContents(t, "its SQLite store", contentsOf(t, j.db, "pi", n), want)
	st := j.Stats()
	if st.Checkpoints < 3 || st.Pushes != len(want.open) {
		t.Errorf("stats %+v: want several checkpoints and only the %d open pushes in memory", st, len(want.open))
	}

	p := testPush("pi", "0", 0, 1) // delivered, notified, evicted
	if err := j.InsertPush(context.Background(), p); !errors.Is(err, ErrDuplicate) {
		t.Errorf("insert of an evicted push: %v, want ErrDuplicate", err)
	}
	if err := j.UpdateDelivery(context.Background(), finalUpdate(p, 0, DeliveryCancelled, epoch, "")); !errors.Is(err, ErrFinal) {
		t.Errorf("update of an evicted final push: %v, want ErrFinal", err)
	}
	if err := j.UpdateDelivery(context.Background(), finalUpdate(testPush("pi", "none", 0, 1), 0, DeliveryCancelled, epoch, "")); !errors.Is(err, ErrNotFound) {
		t.Errorf("update of an unknown push: %v, want ErrNotFound", err)
	}
	u := finalUpdate(p, 0, DeliveryCancelled, epoch, "")
	u.Index = 5
	if err := j.UpdateDelivery(context.Background(), u); !errors.Is(err, ErrNotFound) {
		t.Errorf("update of an evicted push's unknown delivery: %v, want ErrNotFound", err)
	}
}

// journalEnd returns where the records in journal file name end: the
// file may go on with the zeros it was prepared with.
func journalEnd(t *testing.T, name string) int64 {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	off := 0
	for {
		_, n, err := splitJournalFrame(data[off:], int64(off))
		if err != nil {
			return int64(off)
		}
		off += n
	}
}

// stopWithoutCheckpoint stops j as a crash would: its files stay as they
// are, nothing more reaches SQLite.
func stopWithoutCheckpoint(j *PushJournal) {
	j.cpMu.Lock()
	j.mu.Lock()
	j.closed = true
	j.mu.Unlock()
	j.cpMu.Unlock()
	signal(j.wake)
	close(j.cpWake)
	<-j.flusherDone
	<-j.cpDone
	j.lock.Close() // as the process's end would
}

// copyJournal copies the journal files with prefix into dir, where a
// journal with prefix "ppg.db-pushes" finds them, and returns the path of
// the newest copy.
func copyJournal(t *testing.T, prefix, dir string) string {
	t.Helper()
	gens, err := journalFiles(prefix)
	if err != nil || len(gens) == 0 {
		t.Fatalf("journal files: %v, %v", gens, err)
	}
	var last string
	for _, gen := range gens {
		data, err := os.ReadFile(fmt.Sprintf("%s.%d", prefix, gen))
		if err != nil {
			t.Fatal(err)
		}
		last = filepath.Join(dir, fmt.Sprintf("ppg.db-pushes.%d", gen))
		if err := os.WriteFile(last, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return last
}

// Replaying the journal files alone, onto an empty database, gives back
// every acknowledged write; a torn frame at the end is dropped.
func TestJournalReplay(t *testing.T) {
	const n = 120
	memory := NewPushMemory()
	journalWorkload(t, memory, "pi", n)
	want := contentsOf(t, memory, "pi", n)

	dir := t.TempDir()
	db, err := OpenSQLite(filepath.Join(dir, "ppg.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	j, err := OpenPushJournal(db, filepath.Join(dir, "ppg.db-pushes"), JournalOptions{CheckpointBytes: 4 << 20})
	if err != nil {
		t.Fatal(err)
	}
	journalWorkload(t, j, "pi", n)
	stopWithoutCheckpoint(j)

	replayed := t.TempDir()
	last := copyJournal(t, filepath.Join(dir, "ppg.db-pushes"), replayed)
	// A crash in the middle of a write: half a frame after the last one.
	torn := appendJournalPush(nil, testPush("pi", "torn", 0, 1))
	f, err := os.OpenFile(last, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(torn[:len(torn)/2], journalEnd(t, last)); err != nil {
		t.Fatal(err)
	}
	f.Close()

	r := openTestJournal(t, replayed, JournalOptions{})
	checkSameContents(t, "replayed journal", contentsOf(t, r, "pi", n), want)
	checkSameContents(t, "its SQLite store", contentsOf(t, r.db, "pi", n), want)
	if _, err := r.GetPush(context.Background(), "pi", "torn"); !errors.Is(err, ErrNotFound) {
		t.Errorf("the torn push: %v, want ErrNotFound", err)
	}
	if st := r.Stats(); st.Dropped != int64(len(torn)/2) {
		t.Errorf("dropped %d octets, want %d", st.Dropped, len(torn)/2)
	}
	// What was replayed is in SQLite now: the replayed files are gone, and
	// the one new file, where writes go, holds no record.
	gens, _ := journalFiles(filepath.Join(replayed, "ppg.db-pushes"))
	if len(gens) != 1 || r.fileName(gens[0]) == last {
		t.Fatalf("journal files %v after the opening checkpoint, want one new one", gens)
	}
	if end := journalEnd(t, r.fileName(gens[0])); end != 0 {
		t.Errorf("the new journal file holds %d octets of records, want none", end)
	}
}

// A checkpoint that committed but whose files were not yet removed leaves
// records SQLite already holds: replaying them on top ends in the same
// state.
func TestJournalReplayOfCheckpointedFiles(t *testing.T) {
	const n = 90
	dir := t.TempDir()
	j := openTestJournal(t, dir, JournalOptions{CheckpointBytes: 4 << 20})
	journalWorkload(t, j, "pi", n)
	want := contentsOf(t, j, "pi", n)
	saved := t.TempDir()
	copyJournal(t, filepath.Join(dir, "ppg.db-pushes"), saved)
	if err := j.Checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	stopWithoutCheckpoint(j)
	copyJournal(t, filepath.Join(saved, "ppg.db-pushes"), dir)

	r, err := OpenPushJournal(j.db, filepath.Join(dir, "ppg.db-pushes"), JournalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	checkSameContents(t, "journal replayed over its checkpoint", contentsOf(t, r, "pi", n), want)
	checkSameContents(t, "its SQLite store", contentsOf(t, r.db, "pi", n), want)
	// The replayed pushes went back to the table they were in.
	if err := r.Checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	if open, final := tableCounts(t, r.db); open+final != n || final == 0 || open == 0 {
		t.Errorf("%d pushes in ppg_push and %d in ppg_push_final, want %d in all, some in each", open, final, n)
	}
}

// After a failed write to the journal, every later write fails too.
func TestJournalWriteFailureSticks(t *testing.T) {
	dir := t.TempDir()
	db, err := OpenSQLite(filepath.Join(dir, "ppg.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	j, err := OpenPushJournal(db, filepath.Join(dir, "ppg.db-pushes"), JournalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	mustInsertPush(t, j, testPush("pi", "1", 1, 1))
	// The next file cannot be created: its name is taken by a directory
	// that is not empty.
	j.mu.Lock()
	next := j.gen + 1
	j.mu.Unlock()
	if err := os.Mkdir(j.fileName(next), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(j.fileName(next), "x"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := j.Checkpoint(context.Background()); err == nil {
		t.Fatal("checkpoint into an unwritable file succeeded")
	}
	if err := j.InsertPush(context.Background(), testPush("pi", "2", 2, 1)); err == nil {
		t.Fatal("insert after a failed journal write succeeded")
	}
	if err := j.Close(); err == nil {
		t.Error("Close after a failed journal write reported no error")
	}
}

func FuzzJournalRecord(f *testing.F) {
	p := testPush("pi", "1", 1, 2)
	u := finalUpdate(p, 1, DeliveryUndeliverable, epoch, "http://pi.example/n")
	for _, frame := range [][]byte{
		appendJournalPush(nil, p),
		appendJournalDeliveryUpdate(nil, &u),
		appendJournalDeliveryUpdate(nil, &DeliveryUpdate{PI: "pi", PushID: "1", Delivery: p.Deliveries[0]}),
		appendJournalNotificationUpdate(nil, &NotificationUpdate{PI: "pi", PushID: "1", Index: -1, Attempts: 3, NextAttempt: epoch}),
		appendJournalNotificationUpdate(nil, &NotificationUpdate{PI: "pi", PushID: "1", Done: true}),
	} {
		f.Add(frame)
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		body, _, err := splitJournalFrame(frame, 0)
		if err != nil {
			var je *JournalError
			if !errors.As(err, &je) {
				t.Fatalf("error %T: %v", err, err)
			}
			body = frame // the body's decoder on its own, too
		}
		rec, err := decodeJournalRecord(body, 0)
		if err != nil {
			return
		}
		var again []byte
		switch rec.kind {
		case journalPushKind:
			again = appendJournalPush(nil, rec.push)
		case journalDeliveryKind:
			again = appendJournalDeliveryUpdate(nil, &rec.update)
		case journalNotificationKind:
			again = appendJournalNotificationUpdate(nil, &rec.notifyDone)
		}
		back, _, err := splitJournalFrame(again, 0)
		if err != nil {
			t.Fatal(err)
		}
		rec2, err := decodeJournalRecord(back, 0)
		if err != nil || !reflect.DeepEqual(rec, rec2) {
			t.Fatalf("record %+v re-encoded decodes to %+v, %v", rec, rec2, err)
		}
	})
}

// A push id stored before the journal was opened is still a duplicate.
func TestJournalDuplicateOfEarlierRun(t *testing.T) {
	dir := t.TempDir()
	db, err := OpenSQLite(filepath.Join(dir, "ppg.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p := testPush("pi", "earlier", 1, 1)
	mustInsertPush(t, db, p)
	mustUpdateDelivery(t, db, finalUpdate(p, 0, DeliveryDelivered, epoch, ""))
	j, err := OpenPushJournal(db, filepath.Join(dir, "ppg.db-pushes"), JournalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if err := j.InsertPush(context.Background(), p); !errors.Is(err, ErrDuplicate) {
		t.Errorf("insert of a push stored by an earlier run: %v, want ErrDuplicate", err)
	}
	if err := j.InsertPush(context.Background(), testPush("pi", "new", 2, 1)); err != nil {
		t.Errorf("insert of a new push: %v", err)
	}
}

func TestKeyFilter(t *testing.T) {
	const n = 10000
	f := newKeyFilter(n)
	for i := range n {
		f.add("pi", strconv.Itoa(i))
	}
	for i := range n {
		if !f.mayContain("pi", strconv.Itoa(i)) {
			t.Fatalf("key %d added but not found", i)
		}
	}
	maybe := 0
	for i := n; i < 2*n; i++ {
		if f.mayContain("pi", strconv.Itoa(i)) {
			maybe++
		}
	}
	// About 1 % by design; 3 % would mean the probes are not independent.
	if maybe > n*3/100 {
		t.Errorf("%d of %d keys never added answered maybe", maybe, n)
	}
	if f.mayContain("p", "i0") && f.mayContain("pi0", "") {
		t.Error("the PI and the push id are not kept apart")
	}
}

// A notification's removal does not flush on its own, but it is flushed,
// and acknowledged, within LazyFlush even when nothing else is written.
func TestJournalLazyNotificationUpdate(t *testing.T) {
	j := openTestJournal(t, t.TempDir(), JournalOptions{LazyFlush: 20 * time.Millisecond})
	p := testPush("pi", "1", 1, 1)
	mustInsertPush(t, j, p)
	mustUpdateDelivery(t, j, finalUpdate(p, 0, DeliveryDelivered, epoch, "http://pi.example/n"))
	flushes := j.Stats().Flushes
	done := make(chan error, 1)
	j.UpdateNotificationAsync(NotificationUpdate{PI: p.PI, PushID: p.PushID, Done: true}, func(err error) { done <- err })
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a lazy notification update was never flushed")
	}
	if got := j.Stats().Flushes; got != flushes+1 {
		t.Errorf("%d flushes for the update, want 1", got-flushes)
	}
	if owed := pendingNotifications(t, j); len(owed) != 0 {
		t.Errorf("notifications owed after the removal: %v", owed)
	}
}

// A file left where the next journal file goes (of a generation no record
// has gone to) is replaced, not appended to: records after its contents
// would read as a torn frame.
func TestJournalReplacesLeftoverFile(t *testing.T) {
	dir := t.TempDir()
	db, err := OpenSQLite(filepath.Join(dir, "ppg.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	prefix := filepath.Join(dir, "ppg.db-pushes")
	j, err := OpenPushJournal(db, prefix, JournalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	before := testPush("pi", "before", 1, 1)
	mustInsertPush(t, j, before)
	j.mu.Lock()
	next := j.gen + 1
	j.mu.Unlock()
	if err := os.WriteFile(j.fileName(next), make([]byte, 4096), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := j.Checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	p := testPush("pi", "after", 2, 1)
	mustInsertPush(t, j, p)
	stopWithoutCheckpoint(j)

	r, err := OpenPushJournal(db, prefix, JournalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if st := r.Stats(); st.Dropped != 0 {
		t.Errorf("%d octets dropped", st.Dropped)
	}
	checkStoredPush(t, r, before)
	checkStoredPush(t, r, p)
}

// A journal is one process's: a second open of it fails, and saying so,
// until the first is closed.
func TestJournalOpenedOnce(t *testing.T) {
	dir := t.TempDir()
	j := openTestJournal(t, dir, JournalOptions{})
	db2, err := OpenSQLite(filepath.Join(dir, "ppg.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	prefix := filepath.Join(dir, "ppg.db-pushes")
	if j2, err := OpenPushJournal(db2, prefix, JournalOptions{}); err == nil || !strings.Contains(err.Error(), "another process") {
		if j2 != nil {
			j2.Close()
		}
		t.Fatalf("second open: %v, want refused as in use", err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	j2, err := OpenPushJournal(db2, prefix, JournalOptions{})
	if err != nil {
		t.Fatalf("open after the first closed: %v", err)
	}
	j2.Close()
}

// tableCounts returns how many pushes of db are in ppg_push and in
// ppg_push_final, and fails if one is in both.
func tableCounts(t *testing.T, db *SQLite) (open, final int) {
	t.Helper()
	var both int
	err := db.reader.QueryRow(`SELECT (SELECT count(*) FROM ppg_push), (SELECT count(*) FROM ppg_push_final),
		(SELECT count(*) FROM ppg_push JOIN ppg_push_final USING (pi, push_id))`).Scan(&open, &final, &both)
	if err != nil {
		t.Fatal(err)
	}
	if both != 0 {
		t.Fatalf("%d pushes in both ppg_push and ppg_push_final", both)
	}
	checkFinalListed(t, db)
	return open, final
}

// checkFinalListed fails t unless every ppg_push_final row is listed by a
// ppg_push_final_batch row whose done_min is not after the row's done_at:
// what the purge relies on to find it.
func checkFinalListed(t *testing.T, db *SQLite) {
	t.Helper()
	type key struct{ pi, pushID string }
	listedFrom := map[key]int64{} // the earliest done_min listing each key
	rows, err := db.reader.Query(`SELECT batch, done_min, keys FROM ppg_push_final_batch`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var batch, doneMin int64
		var keys []byte
		if err := rows.Scan(&batch, &doneMin, &keys); err != nil {
			t.Fatal(err)
		}
		err := eachFinalBatchKey(batch, keys, func(pi, pushID string) error {
			if from, ok := listedFrom[key{pi, pushID}]; !ok || doneMin < from {
				listedFrom[key{pi, pushID}] = doneMin
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	final, err := db.reader.Query(`SELECT pi, push_id, done_at FROM ppg_push_final`)
	if err != nil {
		t.Fatal(err)
	}
	defer final.Close()
	for final.Next() {
		var k key
		var doneAt int64
		if err := final.Scan(&k.pi, &k.pushID, &doneAt); err != nil {
			t.Fatal(err)
		}
		if from, ok := listedFrom[k]; !ok || from > doneAt {
			t.Fatalf("%s in ppg_push_final (done_at %d) is listed from %d (listed: %v): the purge would miss it",
				pushName(k.pi, k.pushID), doneAt, from, ok)
		}
	}
	if err := final.Err(); err != nil {
		t.Fatal(err)
	}
}

// A checkpoint writes a push that was received and finished since the
// previous one as one ppg_push_final row, without its documents; a push
// that is open, or was written while open, keeps its ppg_push rows. The
// SQLite store's own methods see both tables: GetPush, the duplicate
// check, a refused update, and the purge.
func TestCheckpointWritesFinishedPushesCompactly(t *testing.T) {
	ctx := context.Background()
	j := openTestJournal(t, t.TempDir(), JournalOptions{})
	finished, open, late := testPush("pi", "finished", 1, 2), testPush("pi", "open", 2, 1), testPush("pi", "late", 3, 1)
	for _, p := range []*Push{finished, open, late} {
		mustInsertPush(t, j, p)
	}
	mustUpdateDelivery(t, j, finalUpdate(finished, 0, DeliveryDelivered, epoch.Add(time.Minute), "http://pi.example/n"))
	mustUpdateDelivery(t, j, finalUpdate(finished, 1, DeliveryUndeliverable, epoch.Add(2*time.Minute), ""))
	if err := j.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	if o, f := tableCounts(t, j.db); o != 2 || f != 1 {
		t.Fatalf("after the first checkpoint: %d pushes in ppg_push, %d in ppg_push_final; want 2 and 1", o, f)
	}
	got, err := j.db.GetPush(ctx, "pi", "finished")
	if err != nil {
		t.Fatal(err)
	}
	want := *finished
	want.Control, want.Content = nil, nil
	want.Deliveries = []Delivery{
		finalUpdate(finished, 0, DeliveryDelivered, epoch.Add(time.Minute), "").Delivery,
		finalUpdate(finished, 1, DeliveryUndeliverable, epoch.Add(2*time.Minute), "").Delivery,
	}
	for i, d := range finished.Deliveries {
		want.Deliveries[i].Address, want.Deliveries[i].MSISDN = d.Address, d.MSISDN
	}
	if w := normalizedPush(&want); !reflect.DeepEqual(got, withoutDocuments(w)) {
		t.Fatalf("the finished push from SQLite\n got %+v\nwant %+v", got, withoutDocuments(w))
	}
	if got, err := j.db.GetPush(ctx, "pi", "open"); err != nil || len(got.Control) == 0 || len(got.Content) == 0 {
		t.Fatalf("the open push from SQLite: %+v, %v; want it with its documents", got, err)
	}

	// The push written while open stays in ppg_push once finished.
	mustUpdateDelivery(t, j, finalUpdate(late, 0, DeliveryExpired, epoch.Add(3*time.Minute), ""))
	if err := j.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	if o, f := tableCounts(t, j.db); o != 2 || f != 1 {
		t.Fatalf("after the second checkpoint: %d pushes in ppg_push, %d in ppg_push_final; want 2 and 1", o, f)
	}
	if got, err := j.GetPush(ctx, "pi", "late"); err != nil || got.Deliveries[0].State != DeliveryExpired {
		t.Fatalf("the late push: %+v, %v", got, err)
	}

	// The journal and SQLite alone refuse what they should for it.
	for name, s := range map[string]PushStore{"journal": j, "SQLite": j.db} {
		if err := s.InsertPush(ctx, testPush("pi", "finished", 9, 1)); !errors.Is(err, ErrDuplicate) {
			t.Errorf("%s: inserting the finished push again: %v, want ErrDuplicate", name, err)
		}
		u := finalUpdate(finished, 1, DeliveryDelivered, epoch.Add(time.Hour), "")
		if err := s.UpdateDelivery(ctx, u); !errors.Is(err, ErrFinal) {
			t.Errorf("%s: updating a final delivery of the finished push: %v, want ErrFinal", name, err)
		}
		u.Index = 2
		if err := s.UpdateDelivery(ctx, u); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: updating a third delivery of the finished push: %v, want ErrNotFound", name, err)
		}
	}

	// The purge keeps the finished push while its notification is owed.
	if n, err := j.db.PurgePushes(ctx, epoch.Add(24*time.Hour)); err != nil || n != 1 {
		t.Fatalf("purging: %d, %v; want 1 (the late push)", n, err)
	}
	if err := j.UpdateNotification(ctx, NotificationUpdate{PI: "pi", PushID: "finished", Done: true}); err != nil {
		t.Fatal(err)
	}
	if err := j.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := j.db.PurgePushes(ctx, epoch.Add(2*time.Minute)); err != nil || n != 0 {
		t.Fatalf("purging what was done before the last delivery: %d, %v; want 0", n, err)
	}
	if n, err := j.db.PurgePushes(ctx, epoch.Add(24*time.Hour)); err != nil || n != 1 {
		t.Fatalf("purging: %d, %v; want 1 (the finished push)", n, err)
	}
	if o, f := tableCounts(t, j.db); o != 1 || f != 0 {
		t.Fatalf("after the purge: %d pushes in ppg_push, %d in ppg_push_final; want 1 and 0", o, f)
	}
	if n := finalBatchCount(t, j.db); n != 0 {
		t.Fatalf("after the purge: %d ppg_push_final_batch rows, want none", n)
	}
}

func finalBatchCount(t *testing.T, db *SQLite) int {
	t.Helper()
	var n int
	if err := db.reader.QueryRow(`SELECT count(*) FROM ppg_push_final_batch`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// The purge of finished pushes goes through the checkpoints' lists a page
// at a time, purges each push exactly when a push kept in ppg_push would
// be (done before the limit, no notification owed), whatever else its
// checkpoint wrote, and keeps listing the pushes it keeps.
func TestPurgeFinishedPushesByCheckpoint(t *testing.T) {
	for _, keys := range []int{purgeFinalKeysPerPage, 5} {
		t.Run(fmt.Sprintf("%d keys a page", keys), func(t *testing.T) { testPurgeFinishedPushesByCheckpoint(t, keys) })
	}
}

func testPurgeFinishedPushesByCheckpoint(t *testing.T, keysPerPage int) {
	ctx := context.Background()
	j := openTestJournal(t, t.TempDir(), JournalOptions{})
	j.db.purgeKeysPerPage = keysPerPage
	cutoff := epoch.Add(24 * time.Hour)
	checkpoints := purgeFinalBatchesPerPage*2 + 3
	var early, late, owing int
	for c := range checkpoints {
		// Each checkpoint: a push done long before the cutoff, one done at
		// it (every third checkpoint), one owing its notification (every
		// fifth).
		for i, doneAt := range []time.Time{epoch, cutoff} {
			if i == 1 && c%3 != 0 {
				continue
			}
			p := testPush("pi", fmt.Sprintf("c%d-%d", c, i), 1, 1)
			mustInsertPush(t, j, p)
			notify := ""
			if i == 0 && c%5 == 0 {
				notify = "http://pi.example/n"
				owing++
			} else if i == 0 {
				early++
			} else {
				late++
			}
			mustUpdateDelivery(t, j, finalUpdate(p, 0, DeliveryDelivered, doneAt, notify))
		}
		if err := j.Checkpoint(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := finalBatchCount(t, j.db); n != checkpoints {
		t.Fatalf("%d ppg_push_final_batch rows after %d checkpoints", n, checkpoints)
	}
	if n, err := j.PurgePushes(ctx, cutoff); err != nil || n != early {
		t.Fatalf("PurgePushes = %d, %v; want %d", n, err, early)
	}
	if _, f := tableCounts(t, j.db); f != late+owing {
		t.Fatalf("%d pushes left in ppg_push_final, want %d", f, late+owing)
	}
	if n, err := j.PurgePushes(ctx, cutoff); err != nil || n != 0 {
		t.Fatalf("PurgePushes again = %d, %v; want 0", n, err)
	}
	if n, err := j.PurgePushes(ctx, cutoff.Add(time.Microsecond)); err != nil || n != late {
		t.Fatalf("PurgePushes a microsecond later = %d, %v; want %d", n, err, late)
	}
	for c := 0; c < checkpoints; c += 5 {
		if err := j.UpdateNotification(ctx, NotificationUpdate{PI: "pi", PushID: fmt.Sprintf("c%d-0", c), Done: true}); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := j.PurgePushes(ctx, cutoff); err != nil || n != owing {
		t.Fatalf("PurgePushes once notified = %d, %v; want %d", n, err, owing)
	}
	if o, f := tableCounts(t, j.db); o != 0 || f != 0 || finalBatchCount(t, j.db) != 0 {
		t.Fatalf("after the purges: %d pushes in ppg_push, %d in ppg_push_final, %d lists; want none",
			o, f, finalBatchCount(t, j.db))
	}
}

// journalWithAFinishedPush returns a journal that has checkpointed push
// "p" of PI "pi", delivered, into ppg_push_final.
func journalWithAFinishedPush(t *testing.T) *PushJournal {
	t.Helper()
	j := openTestJournal(t, t.TempDir(), JournalOptions{})
	p := testPush("pi", "p", 1, 1)
	mustInsertPush(t, j, p)
	mustUpdateDelivery(t, j, finalUpdate(p, 0, DeliveryDelivered, epoch, ""))
	if err := j.Checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	return j
}

// A checkpoint's list that cannot be read stops the purge with an error
// that says which, rather than leave its pushes unpurged for ever unsaid.
func TestPurgeStopsAtACorruptList(t *testing.T) {
	ctx := context.Background()
	j := journalWithAFinishedPush(t)
	if _, err := j.db.writer.Exec(`UPDATE ppg_push_final_batch SET keys = X'02706905'`); err != nil {
		t.Fatal(err)
	}
	_, err := j.PurgePushes(ctx, epoch.Add(time.Hour))
	var bad *FinalBatchError
	if !errors.As(err, &bad) || bad.Batch != 1 || !strings.Contains(err.Error(), "push-id") {
		t.Fatalf("PurgePushes over a corrupt list: %v, want a FinalBatchError for row 1 at the push-id", err)
	}
}

// A ppg_push_final row whose deliveries cannot be what they should is a
// CorruptPushError that says which and why.
func TestFinalPushCorruptDeliveries(t *testing.T) {
	ctx := context.Background()
	j := journalWithAFinishedPush(t)
	open := appendJournalDeliveries(nil, testPush("pi", "p", 1, 1).Deliveries)
	for _, c := range []struct {
		blob []byte
		want string
	}{
		{nil, "column deliveries: deliveries: not a uvarint"},
		{[]byte{1}, "column deliveries: deliveries: 1, want 1 to 0"},
		{append(slices.Clone(open), 0), "column deliveries: end: 1 octets after the last delivery"},
		{open, "index 0: column deliveries: state pending in a finished push"},
	} {
		if _, err := j.db.writer.Exec(`UPDATE ppg_push_final SET deliveries = ?`, nonNil(c.blob)); err != nil {
			t.Fatal(err)
		}
		_, err := j.db.GetPush(ctx, "pi", "p")
		var corrupt *CorruptPushError
		if !errors.As(err, &corrupt) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("deliveries %x: %v, want a CorruptPushError saying %q", c.blob, err, c.want)
		}
	}
}

// Records replayed over checkpoints that committed go back to the table the
// push is in: a push written while open and finished afterwards stays in
// ppg_push, one finished before its first checkpoint in ppg_push_final.
func TestJournalReplayKeepsTablesApart(t *testing.T) {
	ctx := context.Background()
	dir, saved := t.TempDir(), t.TempDir()
	j := openTestJournal(t, dir, JournalOptions{CheckpointBytes: 4 << 20})
	prefix := filepath.Join(dir, "ppg.db-pushes")
	early, late := testPush("pi", "early", 1, 1), testPush("pi", "late", 2, 1)
	mustInsertPush(t, j, early)
	mustInsertPush(t, j, late)
	mustUpdateDelivery(t, j, finalUpdate(early, 0, DeliveryDelivered, epoch, ""))
	copyJournal(t, prefix, saved)
	if err := j.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	mustUpdateDelivery(t, j, finalUpdate(late, 0, DeliveryUndeliverable, epoch.Add(time.Minute), ""))
	copyJournal(t, prefix, saved)
	if err := j.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	stopWithoutCheckpoint(j)
	copyJournal(t, filepath.Join(saved, "ppg.db-pushes"), dir)

	r, err := OpenPushJournal(j.db, prefix, JournalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, c := range []struct {
		p     *Push
		state DeliveryState
		in    pushRowAt
	}{{early, DeliveryDelivered, rowFinal}, {late, DeliveryUndeliverable, rowOpen}} {
		got, at, err := r.db.getPush(ctx, c.p.PI, c.p.PushID)
		if err != nil || got.Deliveries[0].State != c.state || at != c.in {
			t.Errorf("%s: %v in table %d, %v; want %v in %d", c.p.PushID, got, at, err, c.state, c.in)
		}
	}
	if open, final := tableCounts(t, r.db); open != 1 || final != 1 {
		t.Errorf("%d pushes in ppg_push, %d in ppg_push_final; want 1 and 1", open, final)
	}
}

// Once a flush has made GroupDelayWrites writes durable that came at
// GroupDelayRate or faster, the next waits GroupDelay for more writes to
// join it; after a smaller flush, or one whose writes came slowly, a write
// is flushed at once. On the synctest clock.
func TestJournalGroupDelay(t *testing.T) {
	for _, c := range []struct {
		name    string
		spacing time.Duration // between the writes of the large flush
		delayed bool          // the flush after it waits
	}{
		{"fast writes", 0, true},
		{"slow writes", 2 * time.Millisecond, false}, // 500 a second
	} {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) { testJournalGroupDelay(t, c.spacing, c.delayed) })
		})
	}
}

func testJournalGroupDelay(t *testing.T, spacing time.Duration, delayed bool) {
	var mu sync.Mutex
	var groups []int
	counting := false
	hold := make(chan struct{})
	j := openTestJournal(t, t.TempDir(), JournalOptions{
		GroupDelay: time.Millisecond,
		OnFlush: func(_ time.Duration, writes int) {
			mu.Lock()
			first := counting && len(groups) == 0
			if counting {
				groups = append(groups, writes)
			}
			mu.Unlock()
			if first {
				<-hold // while the test queues a large flush's writes
			}
		},
	})
	synctest.Wait() // what opening the journal flushed
	mu.Lock()
	counting = true
	mu.Unlock()
	n := 0
	insert := func() chan error {
		n++
		done := make(chan error, 1)
		j.InsertPushAsync(testPush("pi", strconv.Itoa(n), n, 1), func(err error) { done <- err })
		return done
	}
	wait := func(dones ...chan error) {
		t.Helper()
		for i, done := range dones {
			if err := <-done; err != nil {
				t.Fatalf("write %d: %v", i, err)
			}
		}
	}
	held := insert()
	synctest.Wait() // held in OnFlush
	var large []chan error
	for range GroupDelayWrites + 2 {
		large = append(large, insert())
		time.Sleep(spacing)
	}
	close(hold)
	wait(held)
	wait(large...)
	start := time.Now()
	var next []chan error
	for range 5 {
		next = append(next, insert())
		time.Sleep(100 * time.Microsecond)
	}
	wait(next...)
	want := []int{1, GroupDelayWrites + 2, 5}
	if waited := time.Since(start); delayed && waited != time.Millisecond {
		t.Errorf("the writes after a busy flush were durable after %v, want the group delay, 1 ms", waited)
	} else if !delayed && waited != 500*time.Microsecond { // the loop's own pauses
		t.Errorf("the writes after a flush of slow writes were durable after %v, want each at once", waited)
	}
	if !delayed {
		want = []int{1, GroupDelayWrites + 2, 1, 1, 1, 1, 1}
	}
	// After a flush of 5 writes, a write is flushed at once.
	start = time.Now()
	wait(insert())
	if waited := time.Since(start); waited != 0 {
		t.Errorf("a write after a small flush was durable after %v, want at once", waited)
	}
	want = append(want, 1)
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(groups, want) {
		t.Errorf("flushes of %v writes, want %v", groups, want)
	}
}

// A push's control document and content stay in memory while it is open
// (a checkpoint may write it to ppg_push, a restart send it) and go once
// every delivery is final: ppg_push_final keeps neither, and the push stays
// in memory until a checkpoint has written it.
func TestJournalDropsDocumentsOfFinishedPush(t *testing.T) {
	ctx := context.Background()
	j := openTestJournal(t, t.TempDir(), JournalOptions{})
	p := testPush("pi", "docs", 1, 2)
	if err := j.InsertPush(ctx, p); err != nil {
		t.Fatal(err)
	}
	held := func() (control, content []byte) {
		j.mu.Lock()
		defer j.mu.Unlock()
		jp := j.pushes[pushRef{p.PI, p.PushID}]
		return jp.p.Control, jp.p.Content
	}
	mustUpdateDelivery(t, j, finalUpdate(p, 0, DeliveryDelivered, epoch.Add(time.Minute), ""))
	if control, content := held(); !bytes.Equal(control, p.Control) || !bytes.Equal(content, p.Content) {
		t.Fatalf("open push holds control %q, content %q; want them as inserted", control, content)
	}
	mustUpdateDelivery(t, j, finalUpdate(p, 1, DeliveryExpired, epoch.Add(2*time.Minute), ""))
	if control, content := held(); control != nil || content != nil {
		t.Errorf("finished push still holds control %q, content %q", control, content)
	}
	got, err := j.GetPush(ctx, p.PI, p.PushID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Control != nil || got.Content != nil || got.Deliveries[1].State != DeliveryExpired {
		t.Errorf("GetPush of the finished push: control %q, content %q, deliveries %+v; want no documents, delivery 1 expired",
			got.Control, got.Content, got.Deliveries)
	}
	if err := j.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	fromSQLite, err := j.db.GetPush(ctx, p.PI, p.PushID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fromSQLite, got) {
		t.Errorf("after the checkpoint SQLite gives\n %+v\nwant what memory gave\n %+v", fromSQLite, got)
	}
}

// The journal's own checkpoints leave an open push inserted in the last
// youngFiles journal files to those files, which they keep: a push that
// finishes within them reaches SQLite once, finished; one still open after
// them is written open; a crash meanwhile loses nothing (the kept files are
// replayed); Checkpoint writes every push.
func TestJournalLeavesYoungOpenPushesToFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	prefix := filepath.Join(dir, "ppg.db-pushes")
	j := openTestJournal(t, dir, JournalOptions{})
	auto := func() {
		t.Helper()
		if err := j.checkpoint(ctx, false, false); err != nil {
			t.Fatal(err)
		}
	}
	files := func() int {
		t.Helper()
		gens, err := journalFiles(prefix)
		if err != nil {
			t.Fatal(err)
		}
		return len(gens)
	}
	quick, slow, held := testPush("pi", "quick", 1, 1), testPush("pi", "slow", 2, 1), testPush("pi", "held", 3, 1)
	for _, p := range []*Push{quick, slow, held} {
		mustInsertPush(t, j, p)
	}
	auto()
	if open, final := tableCounts(t, j.db); open != 0 || final != 0 {
		t.Fatalf("after a checkpoint of three open pushes: %d open and %d final rows, want none", open, final)
	}
	if n := files(); n != 2 {
		t.Errorf("%d journal files after the checkpoint, want the young pushes' and the new one", n)
	}
	mustUpdateDelivery(t, j, finalUpdate(quick, 0, DeliveryDelivered, epoch.Add(time.Minute), ""))
	auto()
	if _, at, err := j.db.getPush(ctx, quick.PI, quick.PushID); err != nil || at != rowFinal {
		t.Errorf("the push finished after one checkpoint: in table %d, %v; want ppg_push_final", at, err)
	}
	if open, _ := tableCounts(t, j.db); open != 0 {
		t.Errorf("%d open rows, want none: the other two are young", open)
	}

	// A crash now: the kept files give the young pushes back.
	stopWithoutCheckpoint(j)
	r, err := OpenPushJournal(j.db, prefix, JournalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var open []string
	for _, p := range openPushes(t, r) {
		open = append(open, p.PushID)
	}
	slices.Sort(open)
	if !slices.Equal(open, []string{"held", "slow"}) {
		t.Fatalf("open pushes after the crash: %v, want held and slow", open)
	}
	// Opening wrote them (open) and let the files go.
	if n, _ := tableCounts(t, r.db); n != 2 {
		t.Errorf("%d open rows after opening, want 2", n)
	}
	if n := files(); n != 1 {
		t.Errorf("%d journal files after opening, want 1", n)
	}

	// Without a crash: a push still open when its file is no longer among
	// the youngFiles newest a checkpoint covers is written open, and its
	// files go.
	j = r
	late := testPush("pi", "late", 4, 1)
	mustInsertPush(t, j, late)
	for i := range youngFiles {
		auto()
		if _, _, err := j.db.getPush(ctx, late.PI, late.PushID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("checkpoint %d: the young push is in SQLite (%v)", i+1, err)
		}
		if n := files(); n != i+2 {
			t.Errorf("checkpoint %d: %d journal files, want %d", i+1, n, i+2)
		}
	}
	auto()
	if _, at, err := j.db.getPush(ctx, late.PI, late.PushID); err != nil || at != rowOpen {
		t.Errorf("after %d checkpoints: in table %d, %v; want ppg_push", youngFiles+1, at, err)
	}
	if n := files(); n != 1 {
		t.Errorf("%d journal files, want 1", n)
	}

	// Checkpoint writes a young open push at once.
	now := testPush("pi", "now", 5, 1)
	mustInsertPush(t, j, now)
	if err := j.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	if _, at, err := j.db.getPush(ctx, now.PI, now.PushID); err != nil || at != rowOpen {
		t.Errorf("after Checkpoint: in table %d, %v; want ppg_push", at, err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
}
