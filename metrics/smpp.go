package metrics

import (
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/txpush/txpush/smpp"
)

// sessionStates are the states an open session can be in, each a value
// of the state label even when no session is in it.
var sessionStates = [...]smpp.State{
	smpp.StateOpen, smpp.StateBoundTX, smpp.StateBoundRX, smpp.StateBoundTRX, smpp.StateUnbinding,
}

// SessionCollector collects the statistics of a set of SMPP sessions,
// summed over them.
//
// Sessions keep their counters only while they live, yet a counter must
// never go down. So the collector remembers the sessions it saw at the
// previous scrape and, when one of them is gone, adds its final counts to
// a total of closed sessions. A session that opens and closes between two
// scrapes is never seen and is not counted.
type SessionCollector struct {
	sessions func() []*smpp.Session
	all      descs

	byState, outstanding, sent, received, timeouts, late, throttled,
	decodeErrors, enquireLinks *prometheus.Desc

	mu     sync.Mutex
	seen   map[*smpp.Session]struct{}
	closed smpp.SessionStats // counters of the sessions gone since
}

// NewSessionCollector returns a collector of the sessions that sessions
// returns (such as an smpp.Server's Sessions method), with metrics named
// txpush_<subsystem>_….
func NewSessionCollector(subsystem string, sessions func() []*smpp.Session) *SessionCollector {
	c := &SessionCollector{sessions: sessions, seen: map[*smpp.Session]struct{}{}}
	d := &c.all
	c.byState = d.add(subsystem, "sessions", "Open SMPP sessions by state.", "state")
	c.outstanding = d.add(subsystem, "outstanding_requests", "Requests sent and waiting for a response (window in use), over all sessions.")
	c.sent = d.add(subsystem, "pdus_sent_total", "PDUs sent, over all sessions.")
	c.received = d.add(subsystem, "pdus_received_total", "PDUs received, over all sessions.")
	c.timeouts = d.add(subsystem, "response_timeouts_total", "Requests whose response did not come in time.")
	c.late = d.add(subsystem, "late_responses_total", "Responses matching no outstanding request: late or unknown.")
	c.throttled = d.add(subsystem, "requests_throttled_total", "Requests answered ESME_RTHROTTLED.")
	c.decodeErrors = d.add(subsystem, "decode_errors_total", "PDUs received that did not decode.")
	c.enquireLinks = d.add(subsystem, "enquire_links_sent_total", "enquire_link requests sent to check idle links.")
	return c
}

// Describe implements prometheus.Collector.
func (c *SessionCollector) Describe(ch chan<- *prometheus.Desc) { c.all.describe(ch) }

// Collect implements prometheus.Collector.
func (c *SessionCollector) Collect(ch chan<- prometheus.Metric) {
	open := c.sessions()
	byState := make(map[smpp.State]int, len(sessionStates))
	var outstanding int

	c.mu.Lock()
	total := c.closed
	now := make(map[*smpp.Session]struct{}, len(open))
	for _, s := range open {
		now[s] = struct{}{}
		st := s.Stats()
		addSessionStats(&total, st)
		outstanding += st.Outstanding
		byState[s.State()]++
	}
	for s := range c.seen {
		if _, ok := now[s]; !ok {
			st := s.Stats()
			addSessionStats(&c.closed, st)
			addSessionStats(&total, st)
		}
	}
	c.seen = now
	c.mu.Unlock()

	for _, st := range sessionStates {
		gauge(ch, c.byState, float64(byState[st]), strings.ToLower(st.String()))
	}
	gauge(ch, c.outstanding, float64(outstanding))
	counter(ch, c.sent, total.Sent)
	counter(ch, c.received, total.Received)
	counter(ch, c.timeouts, total.Timeouts)
	counter(ch, c.late, total.LateResponses)
	counter(ch, c.throttled, total.Throttled)
	counter(ch, c.decodeErrors, total.DecodeErrors)
	counter(ch, c.enquireLinks, total.EnquireLinksSent)
}

// addSessionStats adds the counters of s to sum; Outstanding, a level
// rather than a count, is left alone.
func addSessionStats(sum *smpp.SessionStats, s smpp.SessionStats) {
	sum.Sent += s.Sent
	sum.Received += s.Received
	sum.Timeouts += s.Timeouts
	sum.LateResponses += s.LateResponses
	sum.Throttled += s.Throttled
	sum.DecodeErrors += s.DecodeErrors
	sum.EnquireLinksSent += s.EnquireLinksSent
}
