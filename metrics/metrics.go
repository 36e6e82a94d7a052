// Package metrics exposes the statistics of txpush components to
// Prometheus.
//
// Every component already keeps its own counters and hands out snapshots
// of them (smsc.TxnStats, smsc.SAFStats, smpp.SessionStats, store.Stats,
// radio.Stats …). The collectors here read those snapshots when
// Prometheus scrapes, so exposing metrics adds no work to the paths that
// move messages. Metric names carry the txpush_ prefix and their unit;
// counters end in _total.
package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/txpush/txpush/radio"
	"github.com/txpush/txpush/smsc"
	"github.com/txpush/txpush/store"
)

// namespace prefixes every txpush metric name.
const namespace = "txpush"

// NewRegistry returns a registry holding the Go runtime and process
// collectors, to which a daemon adds its components' collectors.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return reg
}

// RegisterSMSC registers the collectors of a push SMSC daemon: the SMSC
// (its engines, gate and SMPP sessions), its store's committer when
// storeStats is not nil (pass the store's Stats method), and the
// simulated network when network is not nil.
func RegisterSMSC(reg prometheus.Registerer, sc *smsc.SMSC, storeStats func() store.Stats, network *radio.Network) error {
	cs := []prometheus.Collector{NewSMSCCollector(sc)}
	if storeStats != nil {
		cs = append(cs, NewStoreCollector(storeStats))
	}
	if network != nil {
		cs = append(cs, NewRadioCollector(network.Stats))
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// counter sends a counter sample of v.
func counter(ch chan<- prometheus.Metric, d *prometheus.Desc, v uint64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
}

// gauge sends a gauge sample of v.
func gauge(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
}

// descs is a collector's set of metric descriptions, kept for Describe.
type descs []*prometheus.Desc

// add makes a description named txpush_<subsystem>_<name> and keeps it.
func (ds *descs) add(subsystem, name, help string, labels ...string) *prometheus.Desc {
	d := prometheus.NewDesc(prometheus.BuildFQName(namespace, subsystem, name), help, labels, nil)
	*ds = append(*ds, d)
	return d
}

func (ds descs) describe(ch chan<- *prometheus.Desc) {
	for _, d := range ds {
		ch <- d
	}
}
