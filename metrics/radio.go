package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/txpush/txpush/radio"
)

// RadioCollector collects the statistics of a simulated mobile network.
type RadioCollector struct {
	stats func() radio.Stats
	all   descs

	attempts, delivered, failures, inFlight, continued, alerts, handsets *prometheus.Desc
}

// NewRadioCollector returns a collector of the snapshots stats returns
// (such as a radio.Network's Stats method), with metrics named
// txpush_radio_….
func NewRadioCollector(stats func() radio.Stats) *RadioCollector {
	c := &RadioCollector{stats: stats}
	d := &c.all
	c.attempts = d.add("radio", "attempts_total", "SMS delivery attempts made on the simulated network.")
	c.delivered = d.add("radio", "delivered_total", "SMS delivered by the simulated network.")
	c.failures = d.add("radio", "failures_total", "SMS delivery attempts that failed, by MAP error.", "error")
	c.inFlight = d.add("radio", "attempts_in_flight", "SMS delivery attempts whose result is not yet known.")
	c.continued = d.add("radio", "continued_attempts_total", "SMS delivery attempts sent in an open dialogue, without a routing lookup.")
	c.alerts = d.add("radio", "alerts_total", "Alert-SC notices sent for returning subscribers.")
	c.handsets = d.add("radio", "handsets", "Distinct MSISDNs the simulated network keeps state for.")
	return c
}

// Describe implements prometheus.Collector.
func (c *RadioCollector) Describe(ch chan<- *prometheus.Desc) { c.all.describe(ch) }

// Collect implements prometheus.Collector.
func (c *RadioCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stats()
	counter(ch, c.attempts, s.Attempts)
	counter(ch, c.delivered, s.Delivered)
	for e, n := range s.Failures {
		counter(ch, c.failures, n, e.Name())
	}
	gauge(ch, c.inFlight, float64(s.InFlight))
	counter(ch, c.continued, s.Continued)
	counter(ch, c.alerts, s.Alerts)
	gauge(ch, c.handsets, float64(s.Handsets))
}
