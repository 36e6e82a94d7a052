package store

import (
	"context"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// benchPush is a push as the PPG stores one for a single address: an SI
// compiled to about 150 octets of WSP push PDU.
func benchPush(n uint64) *Push {
	id := strconv.FormatUint(n, 10)
	content := make([]byte, 150)
	copy(content, "\x01\x06\x04\x03\xae\x81\xea\x02\x05\x6a\x00\x45\xc6\x0c\x03push.example/")
	copy(content[40:], id)
	return &Push{
		PI:          "pi-bench",
		PushID:      id + "@pi.example",
		ReceivedAt:  epoch.Add(time.Duration(n) * time.Millisecond),
		Control:     []byte(`<pap><push-message push-id="` + id + `@pi.example"><address address-value="WAPPUSH=+358401234567/TYPE=PLMN@ppg"/></push-message></pap>`),
		ContentType: "text/vnd.wap.si",
		Content:     content,
		NotifyTo:    "http://pi.example/notify",
		Deliveries: []Delivery{{
			Address: "WAPPUSH=+358401234567/TYPE=PLMN@ppg", MSISDN: "358401234567",
			State: DeliveryPending, UpdatedAt: epoch,
		}},
	}
}

// runPushesParallel runs op from 64 goroutines at once, as a PPG serving
// many PIs would, and reports ops per second and writes per commit.
func runPushesParallel(b *testing.B, s *SQLite, unit string, op func(n uint64) error) {
	var next atomic.Uint64
	before := s.Stats()
	b.SetParallelism((64 + 1) / 2) // 64 goroutines on a 2-core machine
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := op(next.Add(1)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	st := s.Stats()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), unit)
	if commits := st.Commits - before.Commits; commits > 0 {
		b.ReportMetric(float64(st.Writes-before.Writes)/float64(commits), "writes/commit")
	}
}

// BenchmarkInsertPushGroupCommit measures durable push inserts (one address,
// about 150 octets of content) from 64 goroutines: what the PPG waits for
// before it answers 1001.
func BenchmarkInsertPushGroupCommit(b *testing.B) {
	s, _ := openTestStore(b, Options{})
	ctx := context.Background()
	runPushesParallel(b, s, "inserts/s", func(n uint64) error {
		return s.InsertPush(ctx, benchPush(n))
	})
}

// BenchmarkPushLifeCycle measures every write one push to one address
// makes: insert, handed to the SMSC, delivered with its notification, and
// the notification answered.
func BenchmarkPushLifeCycle(b *testing.B) {
	s, _ := openTestStore(b, Options{})
	ctx := context.Background()
	runPushesParallel(b, s, "pushes/s", func(n uint64) error {
		p := benchPush(n)
		if err := s.InsertPush(ctx, p); err != nil {
			return err
		}
		d := p.Deliveries[0]
		d.State, d.Attempts, d.Ref, d.MessageID = DeliveryInFlight, 1, uint16(n), strconv.FormatUint(n, 16)
		if err := s.UpdateDelivery(ctx, DeliveryUpdate{PI: p.PI, PushID: p.PushID, Delivery: d}); err != nil {
			return err
		}
		u := finalUpdate(p, 0, DeliveryDelivered, epoch, p.NotifyTo)
		if err := s.UpdateDelivery(ctx, u); err != nil {
			return err
		}
		return s.UpdateNotification(ctx, NotificationUpdate{PI: p.PI, PushID: p.PushID, Done: true})
	})
}

// BenchmarkPushLifeCycleAsync measures the writes the PPG makes for one push
// to one address, through the Async methods it uses, with many pushes in
// flight: the insert, the final update with its notification, and the
// notification's removal once the PI answered ("final"); and the same with
// the in-flight update before the final one ("in-flight,final"). Each step
// is submitted from the previous one's done, on the committer, as the PPG
// does. It reports the process's CPU time per push life cycle (user and
// system, every goroutine, the flushes' system calls included) and pushes
// per second.
//
// The journal variants put a PushJournal in front of the SQLite store, as
// txpush ppg does by default; their CPU time includes the checkpoints.
func BenchmarkPushLifeCycleAsync(b *testing.B) {
	b.Run("final", func(b *testing.B) { benchmarkPushLifeCycleAsync(b, false, false) })
	b.Run("in-flight,final", func(b *testing.B) { benchmarkPushLifeCycleAsync(b, true, false) })
	b.Run("journal,final", func(b *testing.B) { benchmarkPushLifeCycleAsync(b, false, true) })
	b.Run("journal,in-flight,final", func(b *testing.B) { benchmarkPushLifeCycleAsync(b, true, true) })
}

func benchmarkPushLifeCycleAsync(b *testing.B, inFlightUpdate, journal bool) {
	const inFlight = 512
	var (
		s  pushTestStore
		db *SQLite
		j  *PushJournal
	)
	if journal {
		j = openTestJournal(b, b.TempDir(), JournalOptions{})
		s, db = j, j.db
	} else {
		db, _ = openTestStore(b, Options{})
		s = db
	}
	pushes := make([]*Push, b.N)
	sent := make([]DeliveryUpdate, b.N)
	finals := make([]DeliveryUpdate, b.N)
	for i := range pushes {
		p := benchPush(uint64(i))
		d := p.Deliveries[0]
		d.State, d.Attempts, d.Ref, d.MessageID = DeliveryInFlight, 1, uint16(i), strconv.FormatUint(uint64(i), 16)
		pushes[i], sent[i] = p, DeliveryUpdate{PI: p.PI, PushID: p.PushID, Delivery: d}
		finals[i] = finalUpdate(p, 0, DeliveryDelivered, epoch, p.NotifyTo)
	}
	var (
		slots = make(chan struct{}, inFlight)
		wg    sync.WaitGroup
	)
	fail := func(err error) bool {
		if err != nil {
			b.Error(err)
			<-slots
			wg.Done()
			return true
		}
		return false
	}
	before := db.Stats()
	var journalBefore JournalStats
	if j != nil {
		journalBefore = j.Stats()
	}
	cpuBefore := cpuTime(b)
	b.ReportAllocs()
	b.ResetTimer()
	wg.Add(b.N)
	for i := range b.N {
		slots <- struct{}{}
		p, u := pushes[i], finals[i]
		final := func() {
			s.UpdateDeliveryAsync(u, func(err error) {
				if fail(err) {
					return
				}
				s.UpdateNotificationAsync(NotificationUpdate{PI: p.PI, PushID: p.PushID, Done: true}, func(err error) {
					if fail(err) {
						return
					}
					<-slots
					wg.Done()
				})
			})
		}
		s.InsertPushAsync(p, func(err error) {
			switch {
			case fail(err):
			case inFlightUpdate:
				s.UpdateDeliveryAsync(sent[i], func(err error) {
					if !fail(err) {
						final()
					}
				})
			default:
				final()
			}
		})
	}
	wg.Wait()
	if j != nil {
		// What the journal holds reaches SQLite within the measurement.
		if err := j.Checkpoint(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	cpu := cpuTime(b) - cpuBefore
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/push")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pushes/s")
	if j != nil {
		if st := j.Stats(); st.Flushes > journalBefore.Flushes {
			b.ReportMetric(float64(st.Appended-journalBefore.Appended)/float64(st.Flushes-journalBefore.Flushes), "records/flush")
		}
		return
	}
	if st := db.Stats(); st.Commits > before.Commits {
		b.ReportMetric(float64(st.Writes-before.Writes)/float64(st.Commits-before.Commits), "writes/commit")
	}
}

// cpuTime returns the CPU time the process has used so far, user and system.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkInsertPushMemory is the simulator's store, for comparison.
func BenchmarkInsertPushMemory(b *testing.B) {
	s := NewPushMemory()
	ctx := context.Background()
	var next atomic.Uint64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := s.InsertPush(ctx, benchPush(next.Add(1))); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// finishedPushes returns count pushes, numbered on from *n, as a journal
// checkpoint takes those received and finished since the previous one: one
// address each, delivered *n milliseconds after the epoch, with a control
// document of the size txpush bench posts (about 700 octets), in no order
// (a checkpoint takes them from a map).
func finishedPushes(n *uint64, count int) []checkpointPush {
	pushes := make([]checkpointPush, count)
	for i := range pushes {
		*n++
		p := benchPush(*n)
		p.Control = append(p.Control, make([]byte, 550)...)
		p.Deliveries[0] = finalUpdate(p, 0, DeliveryDelivered, epoch.Add(time.Duration(*n)*time.Millisecond), "").Delivery
		pushes[i] = checkpointPush{ref: pushRef{p.PI, p.PushID}, p: p}
	}
	rand.New(rand.NewPCG(*n, 0)).Shuffle(len(pushes), func(i, j int) { pushes[i], pushes[j] = pushes[j], pushes[i] })
	return pushes
}

// BenchmarkCheckpointFinishedPushes measures the SQLite side of a push
// journal checkpoint for what it mostly writes: pushes received and finished
// since the previous checkpoint, one address each, with a control document
// of the size txpush bench posts (about 700 octets), 1,000 per transaction.
// ns/op is per push.
func BenchmarkCheckpointFinishedPushes(b *testing.B) {
	db, _ := openTestStore(b, Options{})
	b.ReportAllocs()
	checkpointFinishedPushes(b, db, b.N)
}

// checkpointFinishedPushes writes count finished pushes to db as
// checkpoints write them, 1,000 to a transaction, the making of the pushes
// left out of b's time.
func checkpointFinishedPushes(b *testing.B, db *SQLite, count int) {
	b.Helper()
	var n uint64
	for done := 0; done < count; done += 1000 {
		b.StopTimer()
		pushes := finishedPushes(&n, min(1000, count-done))
		b.StartTimer()
		if err := db.commit.doConn(context.Background(), db.checkpointWrite(pushes, nil)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPurgeFinishedPushes measures PurgePushes over pushes received and
// finished between two journal checkpoints (most pushes), each written as a
// checkpoint writes it, 1,000 to a transaction: what purging a push costs
// at the end of its retention, the other half of what its row costs. ns/op
// is per push purged.
func BenchmarkPurgeFinishedPushes(b *testing.B) {
	db, _ := openTestStore(b, Options{})
	b.ReportAllocs()
	checkpointFinishedPushes(b, db, b.N)
	b.ResetTimer()
	purged, err := db.PurgePushes(context.Background(), epoch.Add(1000*time.Hour))
	if err != nil || purged != b.N {
		b.Fatalf("purged %d, %v; want %d", purged, err, b.N)
	}
}
