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

// JournalCollector collects the statistics of a PPG's push journal.
type JournalCollector struct {
	stats                                                 func() store.JournalStats
	all                                                   descs
	appended, flushes, checkpoints, pushes, owed, dropped *prometheus.Desc
}

// NewJournalCollector returns a collector of the snapshots stats returns
// (a store.PushJournal's Stats method), with metrics named
// txpush_store_journal_….
func NewJournalCollector(stats func() store.JournalStats) *JournalCollector {
	c := &JournalCollector{stats: stats}
	d := &c.all
	c.appended = d.add("store", "journal_records_total", "Records appended to the push journal.")
	c.flushes = d.add("store", "journal_flushes_total", "Flushes of the push journal to stable storage, each making a group of records durable.")
	c.checkpoints = d.add("store", "journal_checkpoints_total", "Checkpoints: the push journal's changes written to SQLite in one transaction.")
	c.pushes = d.add("store", "journal_pushes", "Pushes held in memory: the open ones and those changed since the last checkpoint.")
	c.owed = d.add("store", "journal_notifications_owed", "Result notifications owed to PIs.")
	c.dropped = d.add("store", "journal_dropped_octets", "Octets of torn journal frames skipped when the journal was opened.")
	return c
}

// Describe implements prometheus.Collector.
func (c *JournalCollector) Describe(ch chan<- *prometheus.Desc) { c.all.describe(ch) }

// Collect implements prometheus.Collector.
func (c *JournalCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stats()
	counter(ch, c.appended, s.Appended)
	counter(ch, c.flushes, s.Flushes)
	counter(ch, c.checkpoints, s.Checkpoints)
	gauge(ch, c.pushes, float64(s.Pushes))
	gauge(ch, c.owed, float64(s.Owed))
	gauge(ch, c.dropped, float64(s.Dropped))
}
