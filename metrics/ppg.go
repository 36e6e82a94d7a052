package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/txpush/txpush/ppg"
	"github.com/txpush/txpush/store"
)

// PPGCollector collects a Push Proxy Gateway's statistics.
type PPGCollector struct {
	stats func() ppg.Stats
	all   descs

	accepted, final, open, ready, parked, owed, sent, retries, purged *prometheus.Desc
}

// NewPPGCollector returns a collector of the snapshots stats returns (a
// ppg.PPG's Stats method), with metrics named txpush_ppg_….
func NewPPGCollector(stats func() ppg.Stats) *PPGCollector {
	c := &PPGCollector{stats: stats}
	d := &c.all
	c.accepted = d.add("ppg", "pushes_accepted_total", "Pushes answered 1001.")
	c.final = d.add("ppg", "deliveries_total", "Deliveries (one per address) that reached a final state, by state.", "state")
	c.open = d.add("ppg", "pushes_open", "Pushes with a delivery not yet final.")
	c.ready = d.add("ppg", "deliveries_ready", "Deliveries waiting for a dispatch slot.")
	c.parked = d.add("ppg", "transactions_parked", "Submits handed to the SMSC whose outcome is not known yet.")
	c.owed = d.add("ppg", "notifications_owed", "Result notifications not yet taken by their PI.")
	c.sent = d.add("ppg", "notifications_sent_total", "Result notifications taken by their PI.")
	c.retries = d.add("ppg", "notification_retries_total", "Result notification posts that failed and were rescheduled.")
	c.purged = d.add("ppg", "pushes_purged_total", "Finished pushes deleted from the store after the retention.")
	return c
}

// Describe implements prometheus.Collector.
func (c *PPGCollector) Describe(ch chan<- *prometheus.Desc) { c.all.describe(ch) }

// Collect implements prometheus.Collector.
func (c *PPGCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stats()
	counter(ch, c.accepted, s.Accepted)
	for st := store.DeliveryDelivered; st <= store.DeliveryAborted; st++ {
		counter(ch, c.final, s.Final[st], st.String())
	}
	gauge(ch, c.open, float64(s.Open))
	gauge(ch, c.ready, float64(s.Ready))
	gauge(ch, c.parked, float64(s.Parked))
	gauge(ch, c.owed, float64(s.NotificationsOwed))
	counter(ch, c.sent, s.NotificationsSent)
	counter(ch, c.retries, s.NotificationRetries)
	counter(ch, c.purged, s.Purged)
}
