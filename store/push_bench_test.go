package store

import (
	"context"
	"strconv"
	"sync/atomic"
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
