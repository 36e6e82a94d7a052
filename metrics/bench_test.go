package metrics_test

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/txpush/txpush/metrics"
	"github.com/txpush/txpush/store"
)

// BenchmarkGatherSMSC measures one scrape of an SMSC's collectors (Go
// and process collectors left out) with ten bound sessions: the cost a
// Prometheus server puts on the daemon at each scrape.
func BenchmarkGatherSMSC(b *testing.B) {
	sc, addr := startSMSC(b, store.NewMemory())
	for range 10 {
		bind(b, addr, nil)
	}
	reg := prometheus.NewRegistry()
	if err := metrics.RegisterSMSC(reg, sc, func() store.Stats { return store.Stats{} }, nil); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := reg.Gather(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGatherRegistry measures one scrape of a full SMSC registry,
// Go runtime and process collectors included.
func BenchmarkGatherRegistry(b *testing.B) {
	sc, _ := startSMSC(b, store.NewMemory())
	reg := metrics.NewRegistry()
	if err := metrics.RegisterSMSC(reg, sc, nil, nil); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := reg.Gather(); err != nil {
			b.Fatal(err)
		}
	}
}
