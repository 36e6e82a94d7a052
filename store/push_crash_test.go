package store

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// pushCrashDBEnv tells TestPushHelperProcess, run in a child process, which
// database to write to.
const pushCrashDBEnv = "TXPUSH_STORE_PUSH_CRASH_DB"

// pushCrashJournal is the file prefix of the push journal the crash writer
// puts in front of its database, when the database's name says so.
func pushCrashJournal(path string) string {
	if strings.HasSuffix(path, "journal.db") {
		return path + "-pushes"
	}
	return ""
}

// crashJournalOptions makes the journal checkpoint often, so that the
// writer is killed with several checkpoints behind it and likely in one.
var crashJournalOptions = JournalOptions{CheckpointBytes: 64 << 10}

// crashPush is the push the crash writer stores as number n: derived from n
// alone, so the parent can check every stored byte.
func crashPush(n int) *Push {
	p := testPush(fmt.Sprint("pi-", n%4), strconv.Itoa(n), n, 1+n%2)
	p.Content = bytes.Repeat([]byte{byte(n)}, 100+n%100)
	return p
}

// crashFinal is the final update, with its notification, that the crash
// writer records for every third push.
func crashFinal(n int) DeliveryUpdate {
	return finalUpdate(crashPush(n), 0, DeliveryDelivered, epoch.Add(time.Duration(n)*time.Second), "http://pi.example/notify")
}

// crashReschedule is the failed notification POST that the crash writer
// records for every ninth push.
func crashReschedule(n int) NotificationUpdate {
	p := crashPush(n)
	return NotificationUpdate{PI: p.PI, PushID: p.PushID, Attempts: 1, NextAttempt: epoch.Add(time.Hour)}
}

// TestPushHelperProcess is the child of TestPushCrashDurability, not a test
// of its own: it writes pushes until it is killed, printing "P n" once push
// n's insert is acknowledged (its done got nil), "F n" once its final update
// is, and "R n" once its notification's rescheduling is.
func TestPushHelperProcess(t *testing.T) {
	path := os.Getenv(pushCrashDBEnv)
	if path == "" {
		t.Skip("run by TestPushCrashDurability")
	}
	db, err := OpenSQLite(path, Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var s PushStore = db
	if prefix := pushCrashJournal(path); prefix != "" {
		if s, err = OpenPushJournal(db, prefix, crashJournalOptions); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	// One line per write call: a pipe write of at most PIPE_BUF octets is
	// atomic, so lines never interleave.
	acknowledge := func(kind string, n int) {
		if _, err := os.Stdout.WriteString(kind + " " + strconv.Itoa(n) + "\n"); err != nil {
			os.Exit(4) // the parent is gone
		}
	}
	// Bound the writes in flight, as the PPG's PAP connections would, and
	// the run, in case the parent never kills us.
	inFlight := make(chan struct{}, 256)
	deadline := time.Now().Add(2 * time.Minute)
	for n := 0; time.Now().Before(deadline); n++ {
		inFlight <- struct{}{}
		s.InsertPushAsync(crashPush(n), func(err error) {
			if err != nil {
				fail(err)
			}
			acknowledge("P", n)
			if n%3 != 0 {
				<-inFlight
				return
			}
			s.UpdateDeliveryAsync(crashFinal(n), func(err error) {
				if err != nil {
					fail(err)
				}
				acknowledge("F", n)
				if n%9 != 0 {
					<-inFlight
					return
				}
				s.UpdateNotificationAsync(crashReschedule(n), func(err error) {
					if err != nil {
						fail(err)
					}
					acknowledge("R", n)
					<-inFlight
				})
			})
		})
	}
	os.Exit(5)
}

func TestPushCrashDurability(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a writer process and kills it")
	}
	t.Run("SQLite", func(t *testing.T) { testPushCrashDurability(t, "crash.db") })
	t.Run("Journal", func(t *testing.T) { testPushCrashDurability(t, "crash-journal.db") })
}

func testPushCrashDurability(t *testing.T, name string) {
	// Read acknowledgements; once a few hundred pushes are in, and enough of
	// the later writes each needs, kill the writer in mid-stream, then take
	// the lines it printed before dying.
	const killAfter, killAfterReschedules = 300, 20
	acked := map[string]map[int]bool{"P": {}, "F": {}, "R": {}}
	prerequisite := map[string]string{"F": "P", "R": "F"}
	path := filepath.Join(t.TempDir(), name)
	db := killWriter(t, "TestPushHelperProcess", pushCrashDBEnv, path, func(line string) bool {
		kind, num, _ := strings.Cut(line, " ")
		n, err := strconv.Atoi(num)
		if acked[kind] == nil || err != nil || (prerequisite[kind] != "" && !acked[prerequisite[kind]][n]) {
			t.Fatalf("writer printed %q", line)
		}
		acked[kind][n] = true
		return len(acked["P"]) >= killAfter && len(acked["R"]) >= killAfterReschedules
	})
	t.Logf("writer killed after acknowledging %d pushes, %d final updates, %d reschedules",
		len(acked["P"]), len(acked["F"]), len(acked["R"]))
	var s PushStore = db
	if prefix := pushCrashJournal(path); prefix != "" {
		left, err := journalFiles(prefix)
		if err != nil {
			t.Fatal(err)
		}
		j, err := OpenPushJournal(db, prefix, crashJournalOptions)
		if err != nil {
			t.Fatalf("reopening the journal after the crash: %v", err)
		}
		t.Cleanup(func() { j.Close() })
		t.Logf("the journal replayed %d files (%d octets of a torn frame dropped)", len(left), j.Stats().Dropped)
		s = j
	}

	owed := map[pushRef]*Notification{}
	if err := s.PendingNotifications(context.Background(), func(n *Notification) error {
		owed[pushRef{n.PI, n.PushID}] = n
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// Every acknowledged write is there. A write that was not acknowledged
	// may or may not be, but a final state and its notification are there
	// together or not at all.
	for n := range acked["P"] {
		want := crashPush(n)
		got, err := s.GetPush(context.Background(), want.PI, want.PushID)
		if err != nil {
			t.Fatalf("acknowledged push %d: %v", n, err)
		}
		final := crashFinal(n)
		if acked["F"][n] || (n%3 == 0 && got.Deliveries[0].State.Final()) {
			want.Deliveries[0] = final.Delivery
		}
		if w := keptOf(got, normalizedPush(want)); !reflect.DeepEqual(got, w) {
			t.Fatalf("acknowledged push %d:\n got %+v\nwant %+v", n, got, w)
		}
		note := owed[pushRef{want.PI, want.PushID}]
		if !got.Deliveries[0].State.Final() {
			if note != nil {
				t.Fatalf("push %d owes a notification without a final delivery: %+v", n, note)
			}
			continue
		}
		wantNote := normalizedNotification(final.Notify)
		if r := crashReschedule(n); acked["R"][n] || (n%9 == 0 && note != nil && note.Attempts == r.Attempts) {
			wantNote.Attempts, wantNote.NextAttempt = r.Attempts, r.NextAttempt.UTC()
		}
		if !reflect.DeepEqual(note, wantNote) {
			t.Fatalf("push %d is final; its notification is %+v, want %+v", n, note, wantNote)
		}
	}
	// The same holds for the writes the writer had not yet heard back
	// about, and the push's open count agrees with its deliveries.
	for _, check := range []struct{ what, query string }{
		{"final deliveries without their notification", `SELECT count(*) FROM ppg_delivery d JOIN ppg_push p USING (push_key)
			WHERE d.state >= 3 AND NOT EXISTS (SELECT 1 FROM ppg_notification n WHERE n.pi = p.pi AND n.push_id = p.push_id)`},
		{"notifications without a final delivery", `SELECT count(*) FROM ppg_notification n JOIN ppg_push p USING (pi, push_id)
			JOIN ppg_delivery d ON d.push_key = p.push_key AND d.idx = n.idx WHERE d.state < 3`},
		{"pushes with a wrong open count", `SELECT count(*) FROM ppg_push p WHERE open_deliveries <>
			(SELECT count(*) FROM ppg_delivery d WHERE d.push_key = p.push_key AND d.state < 3)`},
		{"finished pushes without their notification", `SELECT count(*) FROM ppg_push_final f
			WHERE NOT EXISTS (SELECT 1 FROM ppg_notification n WHERE n.pi = f.pi AND n.push_id = f.push_id)`},
		{"pushes in both tables", `SELECT count(*) FROM ppg_push JOIN ppg_push_final USING (pi, push_id)`},
	} {
		var count int
		if err := db.reader.QueryRow(check.query).Scan(&count); err != nil {
			t.Fatal(err)
		}
		if count != 0 {
			t.Errorf("%d %s", count, check.what)
		}
	}
	open, final := tableCounts(t, db)
	t.Logf("SQLite holds %d pushes in ppg_push, %d in ppg_push_final", open, final)
}
