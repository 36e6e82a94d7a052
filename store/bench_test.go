package store

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
)

// benchmarkInsert runs Insert (durable: synchronous=FULL) from 64 goroutines
// at once, as an SMSC serving many binds would, and reports inserts per
// second and messages per commit.
func benchmarkInsert(b *testing.B, opts Options) {
	s, _ := openTestStore(b, opts)
	ctx := context.Background()
	var next atomic.Uint64
	before := s.Stats()
	b.SetParallelism((64 + 1) / 2) // 64 goroutines on a 2-core machine
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := next.Add(1)
			m := testMessage(FormatMessageID(n), int(n))
			if err := s.Insert(ctx, m); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	st := s.Stats()
	commits, writes := st.Commits-before.Commits, st.Writes-before.Writes
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "inserts/s")
	if commits > 0 {
		b.ReportMetric(float64(writes)/float64(commits), "inserts/commit")
	}
}

// BenchmarkInsertGroupCommit measures the store as configured by default.
func BenchmarkInsertGroupCommit(b *testing.B) { benchmarkInsert(b, Options{}) }

// BenchmarkInsertUnbatched is the same load with one commit (one flush) per
// insert, for comparison.
func BenchmarkInsertUnbatched(b *testing.B) { benchmarkInsert(b, Options{BatchMax: 1}) }

// BenchmarkGet reads one message back through the read pool.
func BenchmarkGet(b *testing.B) {
	s, _ := openTestStore(b, Options{})
	ids := make([]string, 1000)
	var wg sync.WaitGroup
	wg.Add(len(ids))
	for i := range ids {
		ids[i] = FormatMessageID(uint64(i))
		s.InsertAsync(testMessage(ids[i], i), func(err error) {
			defer wg.Done()
			if err != nil {
				b.Error(err)
			}
		})
	}
	wg.Wait()
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := s.Get(ctx, ids[i%len(ids)]); err != nil {
			b.Fatal(err)
		}
	}
}
