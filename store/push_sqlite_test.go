package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Tests of what only the SQLite push store has: the shared committer, the
// schema, the query plans, damaged rows.

// Pushes and SMSC messages share one committer: many writers at once make
// few commits.
func TestPushGroupCommitSharedWithMessages(t *testing.T) {
	s, _ := openTestStore(t, Options{})
	const goroutines, each = 64, 40
	before := s.Stats()
	var wg sync.WaitGroup
	wg.Add(goroutines * each * 2)
	for g := range goroutines {
		go func() {
			for i := range each {
				n := g*each + i
				s.InsertPushAsync(testPush(fmt.Sprint("pi-", g), fmt.Sprint(i), n, 1), func(err error) {
					defer wg.Done()
					if err != nil {
						t.Errorf("push %d/%d: %v", g, i, err)
					}
				})
				s.InsertAsync(testMessage(FormatMessageID(uint64(n)), n), func(err error) {
					defer wg.Done()
					if err != nil {
						t.Errorf("message %d: %v", n, err)
					}
				})
			}
		}()
	}
	wg.Wait()
	st := s.Stats()
	commits, writes := st.Commits-before.Commits, st.Writes-before.Writes
	t.Logf("%d writes in %d commits", writes, commits)
	if writes != goroutines*each*2 {
		t.Errorf("%d writes committed, want %d", writes, goroutines*each*2)
	}
	if commits > writes/10 {
		t.Errorf("%d writes took %d commits; group commit should need far fewer", writes, commits)
	}
	pushes, messages := 0, 0
	if err := s.OpenPushes(context.Background(), func(*Push) error { pushes++; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := s.Pending(context.Background(), func(*Message) error { messages++; return nil }); err != nil {
		t.Fatal(err)
	}
	if pushes != goroutines*each || messages != goroutines*each {
		t.Errorf("%d pushes and %d messages stored, want %d of each", pushes, messages, goroutines*each)
	}
}

// A refused push write (a duplicate) does not spoil the batch it is in.
func TestPushRejectionStaysLocal(t *testing.T) {
	s, _ := openTestStore(t, Options{})
	mustInsertPush(t, s, testPush("pi", "taken", 1, 1))
	release := blockCommitter(t, s)
	var o outcomes
	s.InsertPushAsync(testPush("pi", "a", 2, 2), o.done("a"))
	s.InsertPushAsync(testPush("pi", "taken", 3, 1), o.done("taken"))
	s.UpdateDeliveryAsync(finalUpdate(testPush("pi", "gone", 4, 1), 0, DeliveryDelivered, epoch, ""), o.done("gone"))
	s.InsertPushAsync(testPush("pi", "b", 5, 1), o.done("b"))
	release()
	got := o.wait()
	if got["a"] != nil || got["b"] != nil || !errors.Is(got["taken"], ErrDuplicate) || !errors.Is(got["gone"], ErrNotFound) {
		t.Fatalf("outcomes %v; want a and b stored, taken ErrDuplicate, gone ErrNotFound", got)
	}
	for _, p := range []*Push{testPush("pi", "taken", 1, 1), testPush("pi", "a", 2, 2), testPush("pi", "b", 5, 1)} {
		checkStoredPush(t, s, p)
	}
}

func TestPushSurvivesReopen(t *testing.T) {
	s, path := openTestStore(t, Options{})
	p := testPush("pi", "kept", 1, 2)
	mustInsertPush(t, s, p)
	u := finalUpdate(p, 1, DeliveryDelivered, epoch.Add(time.Minute), "http://pi.example/n")
	mustUpdateDelivery(t, s, u)
	p.Deliveries[1] = u.Delivery
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := OpenSQLite(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	checkStoredPush(t, s2, p)
	if open := openPushes(t, s2); len(open) != 1 || open[0].PushID != "kept" {
		t.Errorf("OpenPushes after reopening = %+v, want the one push", open)
	}
	if n := pendingNotifications(t, s2); len(n) != 1 || n[0].Index != 1 {
		t.Errorf("PendingNotifications after reopening = %+v, want delivery 1's", n)
	}
	// The open count survived too: finishing delivery 0 closes the push.
	mustUpdateDelivery(t, s2, finalUpdate(p, 0, DeliveryDelivered, epoch.Add(time.Minute), ""))
	if open := openPushes(t, s2); len(open) != 0 {
		t.Errorf("OpenPushes after the last final update = %d pushes, want none", len(open))
	}
}

// A database made by a program that knew only the SMSC's tables gains the
// PPG's on opening, and keeps its messages.
func TestPushMigrationFromVersion1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v1.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := db.Exec(`CREATE TABLE schema_version (version INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	if err := applyMigration(ctx, db, 0); err != nil {
		t.Fatal(err)
	}
	var tables int
	if err := db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE name LIKE 'ppg_%'`).Scan(&tables); err != nil || tables != 0 {
		t.Fatalf("version 1 has %d ppg tables, %v", tables, err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := OpenSQLite(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Insert(ctx, testMessage("m", 1)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Migrated once; opening again finds the current version.
	s, err = OpenSQLite(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, err := schemaVersion(ctx, s.writer); err != nil || v != len(migrations) {
		t.Fatalf("schema version %d, %v; want %d", v, err, len(migrations))
	}
	checkStored(t, s, testMessage("m", 1))
	p := testPush("pi", "p", 1, 1)
	mustInsertPush(t, s, p)
	checkStoredPush(t, s, p)
}

// The reads that can meet many rows go through their indexes, in order,
// without sorting.
func TestPushQueryPlans(t *testing.T) {
	s, _ := openTestStore(t, Options{})
	for _, c := range []struct {
		name, query, index string
		args               []any
	}{
		{"OpenPushes", selectOpenPushes, "ppg_push_open", nil},
		{"PendingNotifications", selectNotifications, "ppg_notification_due", nil},
		{"PurgePushes", purgePushes, "ppg_push_done", []any{0}},
		{"PurgePushes' deliveries", purgeDeliveries, "ppg_push_done", []any{0}},
		{"PurgePushes' checkpoint lists", selectDueFinalBatches, "ppg_push_final_batch_done", []any{0, 0, 0, 1}},
		{"GetPush", selectPush, "sqlite_autoindex_ppg_push_1", []any{"pi", "id"}},
	} {
		plan := queryPlan(t, s, c.name, c.query, c.args...)
		text := strings.Join(plan, "; ")
		if !strings.Contains(text, "INDEX "+c.index) || strings.Contains(text, "TEMP B-TREE") {
			t.Errorf("%s's plan is %q; want it to use %s and no sort", c.name, text, c.index)
		}
	}
}

// queryPlan returns the steps of SQLite's plan for query.
func queryPlan(t *testing.T, s *SQLite, name, query string, args ...any) []string {
	t.Helper()
	rows, err := s.reader.Query(`EXPLAIN QUERY PLAN `+query, args...)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	return plan
}

// Each write of a push's life cycle finds its rows through a key, never by
// scanning a table.
func TestPushWritePlans(t *testing.T) {
	s, _ := openTestStore(t, Options{})
	for _, c := range []struct {
		name, query string
		args        []any
	}{
		{"updateDelivery", updateDelivery, []any{1, 0, 0, "", 0, "", 0, 0, "pi", "id", 0}},
		{"finishDelivery", finishDelivery, []any{0, "pi", "id"}},
		{"insertNotification", insertNotification, []any{"pi", "id", 0, "", []byte{}, 0, 0}},
		{"deleteNotification", deleteNotification, []any{"pi", "id", 0}},
		{"rescheduleNotification", rescheduleNotification, []any{0, 0, "pi", "id", 0}},
		{"selectDeliveryState", selectDeliveryState, []any{0, "pi", "id"}},
	} {
		plan := queryPlan(t, s, c.name, c.query, c.args...)
		text := strings.Join(plan, "; ")
		for _, step := range plan {
			if strings.HasPrefix(step, "SCAN") {
				t.Errorf("%s's plan is %q; want every table searched by a key", c.name, text)
				break
			}
		}
	}
}

// Rows changed behind the store's back, as a damaged file or a hand edit
// would, are reported, never truncated or wrapped into something valid.
func TestPushCorruptRows(t *testing.T) {
	for _, c := range []struct{ table, column, value string }{
		{"ppg_delivery", "state", "0"},
		{"ppg_delivery", "state", "9"},
		{"ppg_delivery", "state", "257"}, // would wrap to Pending in a byte
		{"ppg_delivery", "attempts", "-1"},
		{"ppg_delivery", "ref", "65536"},
		{"ppg_delivery", "ref", "-1"},
		{"ppg_delivery", "idx", "1"}, // delivery 0 missing
		{"ppg_delivery", "updated_at", "'yesterday'"},
		{"ppg_push", "received_at", "'now'"},
		{"ppg_push", "priority", "'high'"},
	} {
		t.Run(c.table+"."+c.column+"="+c.value, func(t *testing.T) {
			s, _ := openTestStore(t, Options{})
			ctx := context.Background()
			p := testPush("pi", "p", 1, 1)
			mustInsertPush(t, s, p)
			if _, err := s.writer.Exec(`UPDATE ` + c.table + ` SET ` + c.column + ` = ` + c.value); err != nil {
				t.Fatal(err)
			}
			if got, err := s.GetPush(ctx, "pi", "p"); err == nil {
				t.Errorf("GetPush returned %+v", got)
			}
			if err := s.OpenPushes(ctx, func(p *Push) error {
				t.Errorf("OpenPushes returned %+v", p)
				return nil
			}); err == nil {
				t.Error("OpenPushes succeeded")
			}
		})
	}
	t.Run("update of a corrupt state", func(t *testing.T) {
		s, _ := openTestStore(t, Options{})
		p := testPush("pi", "p", 1, 1)
		mustInsertPush(t, s, p)
		if _, err := s.writer.Exec(`UPDATE ppg_delivery SET state = 99`); err != nil {
			t.Fatal(err)
		}
		var corrupt *CorruptPushError
		err := s.UpdateDelivery(context.Background(), finalUpdate(p, 0, DeliveryDelivered, epoch, "http://pi.example/"))
		if !errors.As(err, &corrupt) || corrupt.Column != "state" || corrupt.Value != 99 {
			t.Errorf("UpdateDelivery over state 99: %v, want a CorruptPushError for the state", err)
		}
		if n := pendingNotifications(t, s); len(n) != 0 {
			t.Errorf("the refused update left a notification: %+v", n)
		}
	})
	for _, c := range []struct{ column, value string }{
		{"idx", "-2"},
		{"attempts", "-1"},
		{"next_attempt", "'soon'"},
	} {
		t.Run("ppg_notification."+c.column+"="+c.value, func(t *testing.T) {
			s, _ := openTestStore(t, Options{})
			p := testPush("pi", "p", 1, 1)
			mustInsertPush(t, s, p)
			mustUpdateDelivery(t, s, finalUpdate(p, 0, DeliveryDelivered, epoch, "http://pi.example/"))
			if _, err := s.writer.Exec(`UPDATE ppg_notification SET ` + c.column + ` = ` + c.value); err != nil {
				t.Fatal(err)
			}
			if err := s.PendingNotifications(context.Background(), func(n *Notification) error {
				t.Errorf("PendingNotifications returned %+v", n)
				return nil
			}); err == nil {
				t.Error("PendingNotifications succeeded")
			}
		})
	}
}

// pushRowValues is the row of pushDeliveryColumns that a push's delivery i
// is stored as, with the push's key.
func pushRowValues(key int64, p *Push, i int) rowValues {
	d := p.Deliveries[i]
	var control, content []byte // only delivery 0 carries them
	if i == 0 {
		control, content = nonNil(p.Control), nonNil(p.Content)
	}
	return rowValues{
		key, p.PI, p.PushID, micros(p.ReceivedAt), control, p.ContentType, content,
		p.NotifyTo, int64(p.Priority), micros(p.DeliverAfter), micros(p.DeliverBefore),
		int64(i), d.Address, d.MSISDN, int64(d.State), int64(d.Attempts), int64(d.Ref),
		d.MessageID, int64(d.Code), d.Desc, micros(d.NextAttempt), micros(d.UpdatedAt),
	}
}

// FuzzScanPushRow feeds scanPushRow rows with arbitrary numbers, as a damaged
// database file could: it must never panic, and a row it accepts must be
// exactly the row that the decoded push and delivery are stored as.
func FuzzScanPushRow(f *testing.F) {
	full := testPush("pi", "p", 7, 2)
	full.Deliveries[1] = finalUpdate(full, 1, DeliveryUndeliverable, epoch, "").Delivery
	full.Deliveries[1].Ref, full.Deliveries[1].Code = 0xFFFF, -5
	for i := range full.Deliveries {
		r := pushRowValues(int64(40+i), full, i)
		f.Add(r[0].(int64), r[3].(int64), r[8].(int64), r[11].(int64), r[14].(int64), r[15].(int64),
			r[16].(int64), r[18].(int64), r[21].(int64), []byte("control"))
	}
	f.Add(int64(-1), int64(0), int64(-1<<63), int64(-1), int64(0), int64(-1), int64(1<<16), int64(1<<62), int64(1<<63-1), []byte(nil))
	f.Fuzz(func(t *testing.T, key, received, priority, index, state, attempts, ref, code, updated int64, blob []byte) {
		row := rowValues{
			key, "pi", "p", received, blob, "text/plain", blob, "http://pi.example/", priority, received, updated,
			index, "WAPPUSH=+1/TYPE=PLMN@ppg", "1", state, attempts, ref, "m", code, "desc", updated, updated,
		}
		var r pushRow
		if err := scanPushRow(row, &r); err != nil {
			var corrupt *CorruptPushError
			if !errors.As(err, &corrupt) {
				t.Fatalf("scanPushRow: %v, want a CorruptPushError", err)
			}
			return
		}
		p := r.push
		p.Deliveries = make([]Delivery, r.index+1)
		p.Deliveries[r.index] = r.delivery
		again := pushRowValues(r.key, &p, r.index)
		if index != 0 {
			// Only delivery 0 carries the push's blobs.
			row[4], row[6] = []byte(nil), []byte(nil)
		} else if blob == nil {
			row[4], row[6] = []byte{}, []byte{}
		}
		for i := range row {
			if fmt.Sprint(row[i]) != fmt.Sprint(again[i]) {
				t.Fatalf("column %d: scanned %v, stored again as %v", i, row[i], again[i])
			}
		}
		if index != 0 && (p.Control != nil || p.Content != nil) {
			t.Fatalf("delivery %d came with the push's blobs", index)
		}
	})
}

// FuzzScanNotification does for notification rows what FuzzScanPushRow does
// for push rows.
func FuzzScanNotification(f *testing.F) {
	f.Add(int64(-1), int64(0), int64(0), []byte("<resultnotification-message/>"))
	f.Add(int64(3), int64(12), micros(epoch), []byte(nil))
	f.Fuzz(func(t *testing.T, index, attempts, next int64, body []byte) {
		row := rowValues{"pi", "p", index, "http://pi.example/", body, attempts, next}
		n, err := scanNotification(row)
		if err != nil {
			var corrupt *CorruptPushError
			if !errors.As(err, &corrupt) {
				t.Fatalf("scanNotification: %v, want a CorruptPushError", err)
			}
			return
		}
		again := rowValues{n.PI, n.PushID, int64(n.Index), n.URL, n.Body, int64(n.Attempts), micros(n.NextAttempt)}
		if body == nil {
			row[4] = []byte{}
		}
		for i := range row {
			if fmt.Sprint(row[i]) != fmt.Sprint(again[i]) {
				t.Fatalf("column %d: scanned %v, stored again as %v", i, row[i], again[i])
			}
		}
		if slices.Compare(n.Body, body) != 0 {
			t.Fatalf("body %q, want %q", n.Body, body)
		}
	})
}

// InsertPushAsync takes p's values when it is called: the caller may reuse
// p's scalar fields and Deliveries while the write waits in the queue.
func TestInsertPushAsyncBindsAtCall(t *testing.T) {
	s, _ := openTestStore(t, Options{})
	p := testPush("pi", "p", 1, 2)
	want := normalizedPush(p)
	release := blockCommitter(t, s)
	var o outcomes
	s.InsertPushAsync(p, o.done("p"))
	p.PI, p.ReceivedAt, p.Priority = "other", epoch.Add(time.Hour), 99
	p.Deliveries[1].MSISDN, p.Deliveries[1].State = "changed", DeliveryAborted
	p.Deliveries = p.Deliveries[:1]
	u := finalUpdate(want, 0, DeliveryDelivered, epoch, "http://pi.example/")
	s.UpdateDeliveryAsync(u, o.done("u"))
	u.Delivery.State, u.Notify.Body = DeliveryPending, []byte("changed")
	release()
	if got := o.wait(); got["p"] != nil || got["u"] != nil {
		t.Fatalf("outcomes %v", got)
	}
	want.Deliveries[0] = finalUpdate(want, 0, DeliveryDelivered, epoch, "").Delivery
	checkStoredPush(t, s, want)
	wantNote := normalizedNotification(finalUpdate(want, 0, DeliveryDelivered, epoch, "http://pi.example/").Notify)
	if got := pendingNotifications(t, s); len(got) != 1 || !reflect.DeepEqual(got[0], wantNote) {
		t.Errorf("outbox = %+v, want %+v", got, wantNote)
	}
}

// An update that carries a notification but is refused (unknown push or
// index, delivery already final) leaves no notification behind, even though
// the SQLite store puts the notification in before it tries the update.
func TestRefusedUpdateLeavesNoNotification(t *testing.T) {
	eachPushStore(t, func(t *testing.T, s pushTestStore) {
		ctx := context.Background()
		p := testPush("pi", "p", 1, 2)
		mustInsertPush(t, s, p)
		at := p.ReceivedAt.Add(time.Minute)
		// Delivery 0 goes final without a notification, so that a later
		// notification for it meets no duplicate, only the final state.
		silent := finalUpdate(p, 0, DeliveryDelivered, at, "")
		mustUpdateDelivery(t, s, silent)
		want := normalizedPush(p)
		want.Deliveries[0] = silent.Delivery

		late := finalUpdate(p, 0, DeliveryCancelled, at.Add(time.Second), "http://pi.example/n")
		unknownIndex := finalUpdate(p, 1, DeliveryDelivered, at, "http://pi.example/n")
		unknownIndex.Index, unknownIndex.Notify.Index = 5, -1
		unknownPush := finalUpdate(p, 1, DeliveryDelivered, at, "http://pi.example/n")
		unknownPush.PushID, unknownPush.Notify.PushID = "q", "q"
		for _, c := range []struct {
			name string
			u    DeliveryUpdate
			want error
		}{
			{"final delivery", late, ErrFinal},
			{"unknown index", unknownIndex, ErrNotFound},
			{"unknown push", unknownPush, ErrNotFound},
		} {
			if err := s.UpdateDelivery(ctx, c.u); !errors.Is(err, c.want) {
				t.Errorf("update of a %s with a notification: %v, want %v", c.name, err, c.want)
			}
			if got := pendingNotifications(t, s); len(got) != 0 {
				t.Errorf("update of a %s left notifications %+v", c.name, got)
			}
		}
		checkStoredPush(t, s, want)

		// The outbox still takes the notification that belongs there.
		ok := finalUpdate(p, 1, DeliveryDelivered, at, "http://pi.example/n")
		ok.Notify.Index = -1
		mustUpdateDelivery(t, s, ok)
		if got := pendingNotifications(t, s); len(got) != 1 || !reflect.DeepEqual(got[0], normalizedNotification(ok.Notify)) {
			t.Errorf("outbox = %+v, want just %+v", got, ok.Notify)
		}
	})
}

// openAtSchemaVersion creates a database at path with the schema as
// migrations up to version v left it, as an older txpush would have.
func openAtSchemaVersion(t *testing.T, path string, v int) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE schema_version (version INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for from := range v {
		if err := applyMigration(context.Background(), db, from); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// openMigrated opens the store at path, which must migrate it to the
// latest schema version; it is closed when the test ends.
func openMigrated(t *testing.T, path string) *SQLite {
	t.Helper()
	s, err := OpenSQLite(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if v, err := schemaVersion(context.Background(), s.writer); err != nil || v != len(migrations) {
		t.Fatalf("schema version %d, %v; want %d", v, err, len(migrations))
	}
	return s
}

// A database of schema version 2 keeps its pushes and owed notifications
// through migration 3, which rebuilds the outbox.
func TestPushMigrationFromVersion2(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v2.db")
	db := openAtSchemaVersion(t, path, 2)
	ctx := context.Background()
	// What version 2's store wrote for a push to two addresses, one of
	// them final with its notification owed.
	p := testPush("pi", "p", 1, 2)
	u := finalUpdate(p, 0, DeliveryDelivered, p.ReceivedAt.Add(time.Minute), "http://pi.example/n")
	for _, stmt := range []struct {
		query string
		args  []any
	}{
		{`INSERT INTO ppg_push VALUES (7, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)`, []any{
			p.PI, p.PushID, micros(p.ReceivedAt), p.Control, p.ContentType, p.Content, p.NotifyTo,
			p.Priority, micros(p.DeliverAfter), micros(p.DeliverBefore), micros(u.Delivery.UpdatedAt)}},
		{`INSERT INTO ppg_delivery VALUES (7, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, []any{
			p.Deliveries[0].Address, p.Deliveries[0].MSISDN, int(u.Delivery.State), u.Delivery.Attempts,
			int(u.Delivery.Ref), u.Delivery.MessageID, u.Delivery.Code, u.Delivery.Desc,
			micros(u.Delivery.NextAttempt), micros(u.Delivery.UpdatedAt)}},
		{`INSERT INTO ppg_delivery VALUES (7, 1, ?, ?, 1, 0, 0, '', 0, '', ?, ?)`, []any{
			p.Deliveries[1].Address, p.Deliveries[1].MSISDN, micros(p.Deliveries[1].NextAttempt),
			micros(p.Deliveries[1].UpdatedAt)}},
		{`INSERT INTO ppg_notification VALUES (?, ?, 0, ?, ?, ?, ?)`, []any{
			p.PI, p.PushID, u.Notify.URL, u.Notify.Body, u.Notify.Attempts, micros(u.Notify.NextAttempt)}},
	} {
		if _, err := db.Exec(stmt.query, stmt.args...); err != nil {
			t.Fatalf("%s: %v", stmt.query, err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s := openMigrated(t, path)
	want := normalizedPush(p)
	want.Deliveries[0] = u.Delivery
	checkStoredPush(t, s, want)
	if got := pendingNotifications(t, s); len(got) != 1 || !reflect.DeepEqual(got[0], normalizedNotification(u.Notify)) {
		t.Fatalf("outbox after migrating = %+v, want just %+v", got, u.Notify)
	}
	// The push's last open delivery goes final with a notification, both
	// notifications are answered, and the push, done, can be purged: its
	// count of open deliveries came through.
	again := finalUpdate(p, 1, DeliveryDelivered, p.ReceivedAt.Add(time.Hour), "http://pi.example/n")
	mustUpdateDelivery(t, s, again)
	if err := s.UpdateNotification(ctx, NotificationUpdate{PI: p.PI, PushID: p.PushID, Index: 0, Done: true}); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateNotification(ctx, NotificationUpdate{PI: p.PI, PushID: p.PushID, Index: 1, Done: true}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.PurgePushes(ctx, p.ReceivedAt.Add(2*time.Hour)); err != nil || n != 1 {
		t.Fatalf("PurgePushes = %d, %v; want the one finished push", n, err)
	}
}

// A database of schema version 4 keeps its finished pushes through
// migration 5, which lists them for the purge and drops their index on
// done_at; the purge then finds each when it should.
func TestPushMigrationFromVersion4(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v4.db")
	db := openAtSchemaVersion(t, path, 4)
	ctx := context.Background()
	// What version 4's checkpoints wrote: 2,500 finished pushes (three
	// lists), done a second apart from the epoch on, push 7 owing its
	// notification.
	const pushes = 2500
	cutoff := epoch.Add(2000 * time.Second)
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for i := range pushes {
		p := testPush("pi", strconv.Itoa(i), i, 1)
		done := epoch.Add(time.Duration(i) * time.Second)
		p.Deliveries[0] = finalUpdate(p, 0, DeliveryDelivered, done, "").Delivery
		if _, err := tx.Exec(`INSERT INTO ppg_push_final VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.PI, p.PushID, micros(p.ReceivedAt), p.ContentType, p.NotifyTo, p.Priority,
			micros(p.DeliverAfter), micros(p.DeliverBefore), micros(done), appendJournalDeliveries(nil, p.Deliveries)); err != nil {
			t.Fatal(err)
		}
	}
	owed := finalUpdate(testPush("pi", "7", 7, 1), 0, DeliveryDelivered, epoch, "http://pi.example/n").Notify
	if _, err := tx.Exec(`INSERT INTO ppg_notification VALUES ('pi', '7', 0, ?, ?, 0, 0)`, owed.URL, owed.Body); err != nil {
		t.Fatal(err)
	}
	if err := errors.Join(tx.Commit(), db.Close()); err != nil {
		t.Fatal(err)
	}

	s := openMigrated(t, path)
	var indexes int
	if err := s.reader.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE name = 'ppg_push_final_done'`).Scan(&indexes); err != nil || indexes != 0 {
		t.Fatalf("ppg_push_final_done after the migration: %d, %v; want it gone", indexes, err)
	}
	if n := finalBatchCount(t, s); n != 3 {
		t.Fatalf("%d ppg_push_final_batch rows, want 3 for %d pushes", n, pushes)
	}
	if _, f := tableCounts(t, s); f != pushes {
		t.Fatalf("%d pushes in ppg_push_final, want %d", f, pushes)
	}
	if n, err := s.PurgePushes(ctx, cutoff); err != nil || n != 1999 {
		t.Fatalf("PurgePushes = %d, %v; want the 1,999 done before the cutoff but push 7", n, err)
	}
	if _, err := s.GetPush(ctx, "pi", "7"); err != nil {
		t.Fatalf("push 7, owing its notification: %v", err)
	}
	if n, err := s.PurgePushes(ctx, epoch.Add(time.Hour)); err != nil || n != pushes-2000 {
		t.Fatalf("PurgePushes = %d, %v; want the %d left but push 7", n, err, pushes-2000)
	}
	if _, f := tableCounts(t, s); f != 1 {
		t.Fatalf("%d pushes in ppg_push_final, want push 7 alone", f)
	}
}

// FuzzPushStoresAgree runs the same writes, decoded from the input, on the
// memory store, one at a time, and on the SQLite store, all queued at once so
// that they share batches, and fails unless every write has the same outcome
// and the stores end up holding the same pushes and notifications. Each write
// takes four octets: what it is, which push, which delivery or
// notification, and the new state and kind of notification.
func FuzzPushStoresAgree(f *testing.F) {
	f.Add([]byte{
		0, 0, 0, 0, // insert push 0, one address
		1, 0, 0, 0x13, // delivery 0 delivered, notification for it
		1, 0, 0, 0x16, // cancelled too late, with a notification: ErrFinal
		2, 0, 1, 0, // the notification answered
	})
	f.Add([]byte{
		0, 1, 1, 0, // insert push 1, two addresses
		1, 1, 0, 0x02, // delivery 0 in flight
		1, 1, 0, 0x24, // undeliverable, notification for the push
		1, 1, 1, 0x25, // delivery 1 expired, a second one for the push: ErrDuplicate
		1, 1, 1, 0x03, // delivered, without one
		3, 1, 0, 2, // the push's notification rescheduled
		1, 2, 0, 0x13, // unknown push
		0, 1, 0, 0, // duplicate push
	})
	// One database for every input, each input with a PI of its own and
	// cleaned away at its end: opening a database for each input would
	// leave little time for the writes.
	s, err := OpenSQLite(filepath.Join(f.TempDir(), "fuzz.db"), Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() {
		if err := s.Close(); err != nil {
			f.Error(err)
		}
	})
	var inputs atomic.Uint64
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) > 4*32 {
			ops = ops[:4*32]
		}
		memory := NewPushMemory()
		ctx := context.Background()
		pi := "pi-" + strconv.FormatUint(inputs.Add(1), 10)
		pushes := make([]*Push, 3)
		for i := range pushes {
			pushes[i] = testPush(pi, strconv.Itoa(i), i, 2)
		}
		defer removePushes(t, s, pushes)
		var (
			want    []error
			got     = make([]error, 0, len(ops)/4)
			results = make([]chan error, 0, len(ops)/4)
		)
		for n := 0; n+4 <= len(ops); n += 4 {
			op, p, index, arg := ops[n], pushes[int(ops[n+1])%len(pushes)], int(ops[n+2]%4), ops[n+3]
			at := epoch.Add(time.Duration(n) * time.Second)
			result := make(chan error, 1)
			done := func(err error) { result <- err }
			results = append(results, result)
			switch op % 4 {
			case 0:
				c := *p
				c.Deliveries = p.Deliveries[:1+index%2]
				want = append(want, memory.InsertPush(ctx, &c))
				s.InsertPushAsync(&c, done)
			case 1:
				u := finalUpdate(p, 0, DeliveryState(arg&0xf%9), at, "")
				u.Index = index
				switch arg >> 4 & 3 {
				case 1:
					u.Notify = &Notification{PI: p.PI, PushID: p.PushID, Index: index, URL: "http://pi.example/n",
						Body: []byte{byte(n)}, NextAttempt: at}
				case 2:
					u.Notify = &Notification{PI: p.PI, PushID: p.PushID, Index: -1, URL: "http://pi.example/all",
						Body: []byte{byte(n)}, NextAttempt: at}
				}
				want = append(want, memory.UpdateDelivery(ctx, u))
				s.UpdateDeliveryAsync(u, done)
			default:
				u := NotificationUpdate{PI: p.PI, PushID: p.PushID, Index: index - 1, Done: op%4 == 2,
					Attempts: int(arg), NextAttempt: at}
				want = append(want, memory.UpdateNotification(ctx, u))
				s.UpdateNotificationAsync(u, done)
			}
		}
		for _, r := range results {
			got = append(got, <-r)
		}
		for i := range want {
			if g, w := outcome(got[i]), outcome(want[i]); g != w {
				t.Errorf("write %d (% x): SQLite %s (%v), memory %s (%v)", i, ops[4*i:4*i+4], g, got[i], w, want[i])
			}
		}
		for _, p := range pushes {
			g, gErr := s.GetPush(ctx, p.PI, p.PushID)
			w, wErr := memory.GetPush(ctx, p.PI, p.PushID)
			if outcome(gErr) != outcome(wErr) || !reflect.DeepEqual(g, w) {
				t.Errorf("push %s: SQLite holds %+v (%v), memory %+v (%v)", p.PushID, g, gErr, w, wErr)
			}
		}
		if g, w := pendingNotifications(t, s), pendingNotifications(t, memory); (len(g) > 0 || len(w) > 0) && !reflect.DeepEqual(g, w) {
			t.Errorf("outbox: SQLite holds %+v, memory %+v", g, w)
		}
		if g, w := openPushes(t, s), openPushes(t, memory); (len(g) > 0 || len(w) > 0) && !reflect.DeepEqual(g, w) {
			t.Errorf("open pushes: SQLite %+v, memory %+v", g, w)
		}
		later := epoch.Add(time.Duration(len(ops)+1) * time.Second)
		g, gErr := s.PurgePushes(ctx, later)
		w, wErr := memory.PurgePushes(ctx, later)
		if g != w || gErr != nil || wErr != nil {
			t.Errorf("PurgePushes: SQLite %d (%v), memory %d (%v)", g, gErr, w, wErr)
		}
	})
}

// removePushes finishes and purges pushes and their notifications, and
// fails unless they are gone.
func removePushes(t *testing.T, s *SQLite, pushes []*Push) {
	ctx := context.Background()
	for _, p := range pushes {
		for i := range p.Deliveries {
			// Most of them are unknown or final already.
			_ = s.UpdateDelivery(ctx, finalUpdate(p, i, DeliveryAborted, epoch, ""))
		}
		for i := -1; i < len(p.Deliveries); i++ {
			_ = s.UpdateNotification(ctx, NotificationUpdate{PI: p.PI, PushID: p.PushID, Index: i, Done: true})
		}
	}
	if _, err := s.PurgePushes(ctx, epoch.Add(1000*time.Hour)); err != nil {
		t.Fatal(err)
	}
	for _, p := range pushes {
		if _, err := s.GetPush(ctx, p.PI, p.PushID); !errors.Is(err, ErrNotFound) {
			t.Errorf("push %s/%s after removing it: %v", p.PI, p.PushID, err)
		}
	}
}

// outcome names the kind of a write's result, which both stores must agree
// on; their messages may differ.
func outcome(err error) string {
	switch {
	case err == nil:
		return "stored"
	case errors.Is(err, ErrNotFound):
		return "ErrNotFound"
	case errors.Is(err, ErrFinal):
		return "ErrFinal"
	case errors.Is(err, ErrDuplicate):
		return "ErrDuplicate"
	}
	return "refused"
}
