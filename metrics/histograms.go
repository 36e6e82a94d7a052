package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/txpush/txpush/smpp"
)

// latencyBuckets span a loopback round trip to a transaction-mode submit
// that waits out a 30 s deadline.
var latencyBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}

// SMPPResponseTimes is a histogram of how long SMPP requests took to be
// answered, by command; Observe fits smpp.SessionConfig.OnResponse.
type SMPPResponseTimes struct{ h *prometheus.HistogramVec }

// NewSMPPResponseTimes returns the histogram txpush_<subsystem>_response_seconds.
func NewSMPPResponseTimes(subsystem string) *SMPPResponseTimes {
	return &SMPPResponseTimes{h: prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace, Subsystem: subsystem, Name: "response_seconds",
		Help:    "Time from sending an SMPP request to its response, by command.",
		Buckets: latencyBuckets,
	}, []string{"command"})}
}

// Observe records one answered request.
func (m *SMPPResponseTimes) Observe(id smpp.CommandID, took time.Duration) {
	m.h.WithLabelValues(id.String()).Observe(took.Seconds())
}

// Collector returns what to register.
func (m *SMPPResponseTimes) Collector() prometheus.Collector { return m.h }

// StoreCommitTimes is a histogram of the store's commits (statements and
// flush of one batch); Observe fits store.Options.OnCommit.
type StoreCommitTimes struct{ h prometheus.Histogram }

// NewStoreCommitTimes returns the histogram txpush_store_commit_seconds.
func NewStoreCommitTimes() *StoreCommitTimes {
	return &StoreCommitTimes{h: prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace: namespace, Subsystem: "store", Name: "commit_seconds",
		Help:    "Time one group commit took, statements and flush to stable storage.",
		Buckets: latencyBuckets,
	})}
}

// NewJournalFlushTimes returns the histogram
// txpush_store_journal_flush_seconds; Observe fits
// store.JournalOptions.OnFlush.
func NewJournalFlushTimes() *StoreCommitTimes {
	return &StoreCommitTimes{h: prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace: namespace, Subsystem: "store", Name: "journal_flush_seconds",
		Help:    "Time one flush of the push journal took, writes and flush to stable storage.",
		Buckets: latencyBuckets,
	})}
}

// Observe records one commit.
func (m *StoreCommitTimes) Observe(took time.Duration, _ int) { m.h.Observe(took.Seconds()) }

// Collector returns what to register.
func (m *StoreCommitTimes) Collector() prometheus.Collector { return m.h }
