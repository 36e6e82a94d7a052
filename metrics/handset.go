package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/txpush/txpush/handset"
)

// HandsetCollector collects what a handset emulator (or a population of
// them) has received and fetched.
type HandsetCollector struct {
	stats func() handset.Stats
	all   descs

	sms, pushes, texts, timeouts, conflicts, evicted, errors, fetches, fetchFailures *prometheus.Desc
}

// NewHandsetCollector returns a collector of the snapshots stats returns
// (a handset's Stats method), with metrics named txpush_handset_….
func NewHandsetCollector(stats func() handset.Stats) *HandsetCollector {
	c := &HandsetCollector{stats: stats}
	d := &c.all
	c.sms = d.add("handset", "sms_total", "SMS received, each part counted.")
	c.pushes = d.add("handset", "pushes_total", "Pushes reassembled and decoded.")
	c.texts = d.add("handset", "texts_total", "Text messages received.")
	c.timeouts = d.add("handset", "reassembly_timeouts_total", "Messages whose reassembly timed out.")
	c.conflicts = d.add("handset", "reassembly_conflicts_total", "Messages dropped on a conflicting part.")
	c.evicted = d.add("handset", "reassembly_evicted_total", "Messages dropped to keep reassembly within its bounds.")
	c.errors = d.add("handset", "errors_total", "Messages that could not be decoded.")
	c.fetches = d.add("handset", "fetches_total", "Fetches of pushed URLs that ended.")
	c.fetchFailures = d.add("handset", "fetch_failures_total", "Fetches that failed or got an HTTP error status.")
	return c
}

// Describe implements prometheus.Collector.
func (c *HandsetCollector) Describe(ch chan<- *prometheus.Desc) { c.all.describe(ch) }

// Collect implements prometheus.Collector.
func (c *HandsetCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stats()
	counter(ch, c.sms, s.SMS)
	counter(ch, c.pushes, s.Pushes)
	counter(ch, c.texts, s.Texts)
	counter(ch, c.timeouts, s.Timeouts)
	counter(ch, c.conflicts, s.Conflicts)
	counter(ch, c.evicted, s.Evicted)
	counter(ch, c.errors, s.Errors)
	counter(ch, c.fetches, s.Fetches)
	counter(ch, c.fetchFailures, s.FetchFailures)
}
