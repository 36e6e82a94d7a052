package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/txpush/txpush/store"
)

// StoreCollector collects the statistics of a store's committer, which
// groups writes into transactions, each one flush to stable storage.
type StoreCollector struct {
	stats                   func() store.Stats
	all                     descs
	commits, writes, queued *prometheus.Desc
}

// NewStoreCollector returns a collector of the snapshots stats returns
// (such as a store.SQLite's Stats method), with metrics named
// txpush_store_….
func NewStoreCollector(stats func() store.Stats) *StoreCollector {
	c := &StoreCollector{stats: stats}
	d := &c.all
	c.commits = d.add("store", "commits_total", "Store transactions committed, each one flush to stable storage.")
	c.writes = d.add("store", "writes_total", "Writes committed in the store's transactions.")
	c.queued = d.add("store", "queued_writes", "Writes waiting for the store's next commit.")
	return c
}

// Describe implements prometheus.Collector.
func (c *StoreCollector) Describe(ch chan<- *prometheus.Desc) { c.all.describe(ch) }

// Collect implements prometheus.Collector.
func (c *StoreCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stats()
	counter(ch, c.commits, s.Commits)
	counter(ch, c.writes, s.Writes)
	gauge(ch, c.queued, float64(s.Queued))
}
