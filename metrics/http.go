package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/txpush/txpush/internal/httpfast"
)

// PAPServerCollector collects how the PPG's PAP port served its requests:
// on the fast path, or handed with their connection to net/http.
type PAPServerCollector struct {
	stats          func() httpfast.Stats
	all            descs
	served, handed *prometheus.Desc
}

// NewPAPServerCollector returns a collector of the snapshots stats returns
// (an httpfast.Server's Stats method), with metrics named txpush_ppg_pap_….
func NewPAPServerCollector(stats func() httpfast.Stats) *PAPServerCollector {
	c := &PAPServerCollector{stats: stats}
	d := &c.all
	c.served = d.add("ppg", "pap_fast_requests_total", "PAP requests answered on the PPG's fast path (plain HTTP/1.1 posts).")
	c.handed = d.add("ppg", "pap_connections_handed_over_total", "Connections handed to net/http because a request on them was not in the fast path's form; net/http serves the rest of each.")
	return c
}

// Describe implements prometheus.Collector.
func (c *PAPServerCollector) Describe(ch chan<- *prometheus.Desc) { c.all.describe(ch) }

// Collect implements prometheus.Collector.
func (c *PAPServerCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stats()
	counter(ch, c.served, s.Served)
	counter(ch, c.handed, s.HandedOver)
}
