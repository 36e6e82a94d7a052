package ppg

import (
	"bytes"
	"html/template"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/txpush/txpush/store"
)

// StatusRecentPushes is how many of the most recent pushes the status page
// lists; StatusMinutes how many minutes its rates and latencies cover.
const (
	StatusRecentPushes = 200
	StatusMinutes      = 15
)

// statusLog keeps what the status page shows that Stats does not: the
// most recent pushes and per-minute outcomes. Its memory is fixed; the hot
// path only appends to a ring under its own mutex, which is never held
// while taking p.mu (the PPG calls it with p.mu held).
type statusLog struct {
	mu      sync.Mutex
	recent  [StatusRecentPushes]pushRecord
	next    int // the slot the next push goes to
	n       int // slots in use
	index   map[pushKey]int
	minutes [StatusMinutes]minuteTally
}

// pushRecord is the status of one recent push.
type pushRecord struct {
	key        pushKey
	addresses  int
	receivedAt time.Time
	final      [store.DeliveryAborted + 1]int // deliveries per final state
	finishedAt time.Time                      // when the last delivery became final
}

// minuteTally counts what happened within one minute of the PPG's clock;
// a delivery counts in the minute it became final.
type minuteTally struct {
	minute     int64 // Unix minute; tallies of another minute are stale
	accepted   int
	delivered  int
	failed     int // final but neither delivered nor cancelled
	cancelled  int
	latency    time.Duration // sum, from reception to final state
	latencyN   int
	latencyMax time.Duration
	// latencies counts the latencies by bucket of latencyBounds (the
	// last, those above all bounds): a p90 to the bucket, in fixed memory.
	latencies [len(latencyBounds) + 1]int
}

// latencyBounds are the upper bounds of the latency buckets, 1-2-5 steps
// from what a local SMSC answers in to what only a deliver-after makes.
var latencyBounds = [...]time.Duration{
	time.Millisecond, 2 * time.Millisecond, 5 * time.Millisecond,
	10 * time.Millisecond, 20 * time.Millisecond, 50 * time.Millisecond,
	100 * time.Millisecond, 200 * time.Millisecond, 500 * time.Millisecond,
	time.Second, 2 * time.Second, 5 * time.Second,
	10 * time.Second, 20 * time.Second, 50 * time.Second,
	2 * time.Minute, 5 * time.Minute, 10 * time.Minute,
}

// latencyBucket returns the index of the bucket d counts in.
func latencyBucket(d time.Duration) int {
	for i, b := range latencyBounds {
		if d <= b {
			return i
		}
	}
	return len(latencyBounds)
}

// percentile says which bucket the q-quantile (0 < q ≤ 1) of the
// latencies falls in: "≤ 20ms", or "> 10m0s" past the last bound.
func percentile(buckets []int, q float64) string {
	total := 0
	for _, c := range buckets {
		total += c
	}
	if total == 0 {
		return "–"
	}
	rank := int(math.Ceil(q * float64(total)))
	seen := 0
	for i, c := range buckets {
		seen += c
		if seen >= rank && i < len(latencyBounds) {
			return "≤ " + latencyBounds[i].String()
		}
	}
	return "> " + latencyBounds[len(latencyBounds)-1].String()
}

// accepted records a push the PPG answered 1001.
func (s *statusLog) accepted(key pushKey, addresses int, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.index == nil {
		s.index = make(map[pushKey]int, StatusRecentPushes)
	}
	slot := &s.recent[s.next]
	if s.n == StatusRecentPushes {
		if i, ok := s.index[slot.key]; ok && i == s.next {
			delete(s.index, slot.key)
		}
	} else {
		s.n++
	}
	*slot = pushRecord{key: key, addresses: addresses, receivedAt: at}
	s.index[key] = s.next
	s.next = (s.next + 1) % StatusRecentPushes
	s.tallyLocked(at).accepted++
}

// final records a delivery of the push key, received at receivedAt,
// reaching state at the time at.
func (s *statusLog) final(key pushKey, receivedAt time.Time, state store.DeliveryState, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tallyLocked(at)
	switch state {
	case store.DeliveryDelivered:
		t.delivered++
	case store.DeliveryCancelled:
		t.cancelled++
	default:
		t.failed++
	}
	if lat := at.Sub(receivedAt); lat >= 0 {
		t.latency += lat
		t.latencyN++
		t.latencyMax = max(t.latencyMax, lat)
		t.latencies[latencyBucket(lat)]++
	}
	if i, ok := s.index[key]; ok && state.Final() {
		r := &s.recent[i]
		r.final[state]++
		if r.finals() == r.addresses {
			r.finishedAt = at
		}
	}
}

// tallyLocked returns the tally of at's minute, reset if it held an older one.
func (s *statusLog) tallyLocked(at time.Time) *minuteTally {
	m := at.Unix() / 60
	t := &s.minutes[int(m%StatusMinutes+StatusMinutes)%StatusMinutes]
	if t.minute != m {
		*t = minuteTally{minute: m}
	}
	return t
}

func (r *pushRecord) finals() int {
	n := 0
	for _, c := range r.final {
		n += c
	}
	return n
}

// summary says where the push's deliveries stand, e.g. "delivered 2, open 1".
func (r *pushRecord) summary() string {
	var parts []string
	for st := store.DeliveryDelivered; st <= store.DeliveryAborted; st++ {
		if c := r.final[st]; c > 0 {
			parts = append(parts, st.String()+" "+strconv.Itoa(c))
		}
	}
	if open := r.addresses - r.finals(); open > 0 {
		parts = append(parts, "open "+strconv.Itoa(open))
	}
	return strings.Join(parts, ", ")
}

// statusWindow is the outcome over the last few minutes.
type statusWindow struct {
	Minutes                        int
	Accepted, Delivered, Cancelled int
	Failed                         int
	SuccessRate                    string // delivered of delivered+failed, or "–"
	MeanLatency, P90Latency        string
	MaxLatency                     string
}

// window sums the tallies of the minutes minutes up to now.
func (s *statusLog) window(minutes int, now time.Time) statusWindow {
	last := now.Unix() / 60
	var sum minuteTally
	s.mu.Lock()
	for _, t := range s.minutes {
		if t.minute > last-int64(minutes) && t.minute <= last {
			sum.accepted += t.accepted
			sum.delivered += t.delivered
			sum.failed += t.failed
			sum.cancelled += t.cancelled
			sum.latency += t.latency
			sum.latencyN += t.latencyN
			sum.latencyMax = max(sum.latencyMax, t.latencyMax)
			for i, c := range t.latencies {
				sum.latencies[i] += c
			}
		}
	}
	s.mu.Unlock()
	w := statusWindow{
		Minutes: minutes, Accepted: sum.accepted, Delivered: sum.delivered,
		Cancelled: sum.cancelled, Failed: sum.failed,
		SuccessRate: "–", MeanLatency: "–", MaxLatency: "–",
		P90Latency: percentile(sum.latencies[:], 0.9),
	}
	if n := sum.delivered + sum.failed; n > 0 {
		w.SuccessRate = strconv.FormatFloat(100*float64(sum.delivered)/float64(n), 'f', 1, 64) + " %"
	}
	if sum.latencyN > 0 {
		w.MeanLatency = roundDuration(sum.latency / time.Duration(sum.latencyN)).String()
		w.MaxLatency = roundDuration(sum.latencyMax).String()
	}
	return w
}

// statusRow is one line of the recent pushes table.
type statusRow struct {
	PushID, PI string
	Addresses  int
	Received   string
	State      string
	Final      bool
	Latency    string // reception to the last final state; empty while open
}

// rows returns the recent pushes, newest first.
func (s *statusLog) rows() []statusRow {
	s.mu.Lock()
	defer s.mu.Unlock()
	rows := make([]statusRow, 0, s.n)
	for k := 1; k <= s.n; k++ {
		r := &s.recent[(s.next-k+StatusRecentPushes)%StatusRecentPushes]
		row := statusRow{
			PushID: r.key.id, PI: r.key.pi, Addresses: r.addresses,
			Received: r.receivedAt.UTC().Format("2006-01-02 15:04:05.000"),
			State:    r.summary(),
		}
		if !r.finishedAt.IsZero() {
			row.Final = true
			row.Latency = roundDuration(r.finishedAt.Sub(r.receivedAt)).String()
		}
		rows = append(rows, row)
	}
	return rows
}

// roundDuration keeps a latency readable: milliseconds below a minute.
func roundDuration(d time.Duration) time.Duration {
	if d < time.Millisecond {
		return d.Round(time.Microsecond)
	}
	return d.Round(time.Millisecond)
}

// statusPage is what the template renders.
type statusPage struct {
	Now                 string
	Accepted            uint64
	Open, Ready, Parked int
	NotificationsOwed   int64
	NotificationsSent   uint64
	Final               []statusCount
	Windows             []statusWindow
	Pushes              []statusRow
	RecentLimit         int
}

type statusCount struct {
	State string
	Count uint64
}

// StatusHandler returns a handler serving the PPG's status page: live
// counts, success rate and latency over the last 1, 5 and 15 minutes, and
// the most recent pushes. The page is self-contained HTML (no scripts, no
// external assets) that refreshes itself every five seconds.
func (p *PPG) StatusHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := p.clk.Now()
		st := p.Stats()
		page := statusPage{
			Now:               now.UTC().Format("2006-01-02 15:04:05 MST"),
			Accepted:          st.Accepted,
			Open:              st.Open,
			Ready:             st.Ready,
			Parked:            st.Parked,
			NotificationsOwed: st.NotificationsOwed,
			NotificationsSent: st.NotificationsSent,
			Pushes:            p.status.rows(),
			RecentLimit:       StatusRecentPushes,
		}
		for s := store.DeliveryDelivered; s <= store.DeliveryAborted; s++ {
			page.Final = append(page.Final, statusCount{s.String(), st.Final[s]})
		}
		for _, m := range []int{1, 5, 15} {
			page.Windows = append(page.Windows, p.status.window(m, now))
		}
		// Rendered whole before writing, so that a failure is a 500
		// rather than a truncated page that looks complete.
		var body bytes.Buffer
		if err := statusTemplate.Execute(&body, page); err != nil {
			http.Error(w, "rendering the status page: "+err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Write(body.Bytes())
	})
}

var statusTemplate = template.Must(template.New("status").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="5">
<title>txpush PPG status</title>
<style>
body { font-family: sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; margin-bottom: 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; }
th { background: #f0f0f0; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.open td { color: #a60; }
</style>
</head>
<body>
<h1>txpush PPG status</h1>
<p>As of <time id="now">{{.Now}}</time>.</p>

<h2>Now</h2>
<table id="counts">
<tr><th>accepted</th><td class="n" id="accepted">{{.Accepted}}</td></tr>
<tr><th>open</th><td class="n" id="open">{{.Open}}</td></tr>
<tr><th>ready</th><td class="n" id="ready">{{.Ready}}</td></tr>
<tr><th>parked</th><td class="n" id="parked">{{.Parked}}</td></tr>
<tr><th>notifications owed</th><td class="n" id="notifications-owed">{{.NotificationsOwed}}</td></tr>
<tr><th>notifications sent</th><td class="n" id="notifications-sent">{{.NotificationsSent}}</td></tr>
{{range .Final}}<tr><th>{{.State}}</th><td class="n" id="final-{{.State}}">{{.Count}}</td></tr>
{{end}}</table>

<h2>Last minutes</h2>
<table id="windows">
<tr><th>window</th><th>accepted</th><th>delivered</th><th>failed</th><th>cancelled</th><th>success rate</th><th>mean latency</th><th>p90 latency</th><th>max latency</th></tr>
{{range .Windows}}<tr id="window-{{.Minutes}}m"><td>{{.Minutes}} min</td><td class="n">{{.Accepted}}</td><td class="n">{{.Delivered}}</td><td class="n">{{.Failed}}</td><td class="n">{{.Cancelled}}</td><td class="n">{{.SuccessRate}}</td><td class="n">{{.MeanLatency}}</td><td class="n">{{.P90Latency}}</td><td class="n">{{.MaxLatency}}</td></tr>
{{end}}</table>

<h2>Recent pushes</h2>
<p>The last {{.RecentLimit}} accepted; newest first. Latency is from reception to the last delivery's final state.</p>
<table id="pushes">
<tr><th>push-id</th><th>PI</th><th>addresses</th><th>received (UTC)</th><th>state</th><th>latency</th></tr>
{{range .Pushes}}<tr class="{{if .Final}}final{{else}}open{{end}}"><td class="push-id">{{.PushID}}</td><td>{{with .PI}}{{.}}{{else}}(no account){{end}}</td><td class="n">{{.Addresses}}</td><td>{{.Received}}</td><td class="state">{{.State}}</td><td class="n">{{.Latency}}</td></tr>
{{else}}<tr><td colspan="6">no pushes yet</td></tr>
{{end}}</table>
</body>
</html>
`))
