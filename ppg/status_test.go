package ppg

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/txpush/txpush/clock"
	"github.com/txpush/txpush/store"
)

// statusPageOf renders the status page of h's PPG.
func statusPageOf(t *testing.T, h *harness) string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ppg.StatusHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://ppg.test/status", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("HTTP %d", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Fatalf("Content-Type %q", ct)
	}
	b, err := io.ReadAll(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// pushRow returns the recent pushes table's row of push id, failing the
// test if there is none.
func pushRow(t *testing.T, page, id string) string {
	t.Helper()
	i := strings.Index(page, `<td class="push-id">`+id+`</td>`)
	if i < 0 {
		t.Fatalf("no row for %s in\n%s", id, page)
	}
	start := strings.LastIndex(page[:i], "<tr")
	end := strings.Index(page[i:], "</tr>")
	return page[start : i+end]
}

// cell returns the text of the element with the given id attribute.
func cell(t *testing.T, page, id string) string {
	t.Helper()
	i := strings.Index(page, `id="`+id+`"`)
	if i < 0 {
		t.Fatalf("no element %s in\n%s", id, page)
	}
	i += strings.Index(page[i:], ">") + 1
	return page[i : i+strings.Index(page[i:], "<")]
}

// windowCells returns the cells of the table row for the last minutes.
func windowCells(t *testing.T, page string, minutes int) []string {
	t.Helper()
	row := pushRowByID(t, page, "window-"+strconv.Itoa(minutes)+"m")
	var cells []string
	for _, part := range strings.Split(row, "<td")[1:] {
		part = part[strings.Index(part, ">")+1:]
		cells = append(cells, part[:strings.Index(part, "<")])
	}
	return cells
}

func pushRowByID(t *testing.T, page, id string) string {
	t.Helper()
	i := strings.Index(page, `<tr id="`+id+`">`)
	if i < 0 {
		t.Fatalf("no row %s in\n%s", id, page)
	}
	return page[i : i+strings.Index(page[i:], "</tr>")]
}

func TestStatusPage(t *testing.T) {
	h := newHarness(t, Config{}).start()
	h.push(pushMessage("two@pi.test", "+358401111111", "+358402222222"))
	h.push(pushMessage("fails@pi.test", "+358403333333"))
	h.push(pushMessage("open@pi.test", "+358404444444"))
	subs := map[string]submission{}
	for range 4 {
		s := h.disp.next(t)
		subs[s.req.MSISDN] = s
	}
	h.clk.Advance(3 * time.Second)
	subs["358401111111"].done(SubmitResult{Outcome: Delivered})
	h.clk.Advance(time.Second)
	subs["358402222222"].done(SubmitResult{Outcome: Delivered})
	subs["358403333333"].done(SubmitResult{Outcome: Failed, Permanent: true, FailureReason: 1})

	page := statusPageOf(t, h)
	for id, want := range map[string]string{
		"accepted": "3", "open": "1", "parked": "1", "ready": "0",
		"final-delivered": "2", "final-undeliverable": "1", "final-expired": "0",
	} {
		if got := cell(t, page, id); got != want {
			t.Errorf("%s: %q, want %q", id, got, want)
		}
	}

	// Newest first; a push's latency is to its last final delivery.
	if a, b, c := strings.Index(page, "open@pi.test"), strings.Index(page, "fails@pi.test"), strings.Index(page, "two@pi.test"); a >= b || b >= c {
		t.Errorf("pushes not newest first: offsets %d %d %d", a, b, c)
	}
	for id, want := range map[string][]string{
		"two@pi.test":   {`class="final"`, ">(no account)<", ">2<", ">delivered 2<", ">4s<", ">2026-03-01 12:00:00.000<"},
		"fails@pi.test": {`class="final"`, ">1<", ">undeliverable 1<", ">4s<"},
		"open@pi.test":  {`class="open"`, ">open 1<", `<td class="n"></td>`},
	} {
		row := pushRow(t, page, id)
		for _, w := range want {
			if !strings.Contains(row, w) {
				t.Errorf("row of %s lacks %s:\n%s", id, w, row)
			}
		}
	}

	// Three deliveries final at 3, 4 and 4 s: the mean is 3.667 s. The
	// success rate leaves the open one out.
	wantWindow := []string{"", "3", "2", "1", "0", "66.7 %", "3.667s", "≤ 5s", "4s"}
	for _, m := range []int{1, 5, 15} {
		wantWindow[0] = strconv.Itoa(m) + " min"
		if got := windowCells(t, page, m); strings.Join(got, "|") != strings.Join(wantWindow, "|") {
			t.Errorf("%d min window %q, want %q", m, got, wantWindow)
		}
	}

	// Two minutes later the last minute is empty, the others are not.
	h.clk.Advance(2 * time.Minute)
	page = statusPageOf(t, h)
	if got, want := windowCells(t, page, 1), []string{"1 min", "0", "0", "0", "0", "–", "–", "–", "–"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("1 min window after 2 min: %q, want %q", got, want)
	}
	if got := windowCells(t, page, 5); got[1] != "3" || got[5] != "66.7 %" {
		t.Errorf("5 min window after 2 min: %q", got)
	}
	subs["358404444444"].done(SubmitResult{Outcome: Delivered})
	page = statusPageOf(t, h)
	if got := windowCells(t, page, 1); got[2] != "1" || got[6] != "2m4s" || got[7] != "≤ 5m0s" {
		t.Errorf("1 min window after the late delivery: %q", got)
	}
	if row := pushRow(t, page, "open@pi.test"); !strings.Contains(row, ">delivered 1<") || !strings.Contains(row, ">2m4s<") {
		t.Errorf("late delivered push: %s", row)
	}

	// After a quarter of an hour only the live counts and the pushes remain.
	h.clk.Advance(StatusMinutes * time.Minute)
	page = statusPageOf(t, h)
	if got := windowCells(t, page, 15); got[1] != "0" || got[2] != "0" || got[5] != "–" {
		t.Errorf("15 min window after 15 min: %q", got)
	}
	if cell(t, page, "accepted") != "3" || cell(t, page, "open") != "0" || !strings.Contains(page, "two@pi.test") {
		t.Errorf("counts or pushes lost with the minutes:\n%s", page)
	}
}

func TestStatusPageIsSelfContainedAndEscaped(t *testing.T) {
	h := newHarness(t, Config{})
	h.ppg.status.accepted(pushKey{"pi<1>", `<script>alert("x")</script>`}, 1, epoch)
	page := statusPageOf(t, h)
	for _, bad := range []string{"<script", "src=", "<link", "@import", "url("} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q:\n%s", bad, page)
		}
	}
	if !strings.Contains(page, "&lt;script&gt;") || !strings.Contains(page, "pi&lt;1&gt;") {
		t.Errorf("push-id and PI not escaped:\n%s", page)
	}
	if !strings.Contains(page, `<meta http-equiv="refresh" content="5">`) {
		t.Error("page does not refresh itself")
	}
}

func TestStatusPageEmpty(t *testing.T) {
	page := statusPageOf(t, newHarness(t, Config{}))
	if !strings.Contains(page, "no pushes yet") || cell(t, page, "accepted") != "0" {
		t.Errorf("empty page:\n%s", page)
	}
}

// TestStatusLogBounded: the ring keeps the newest pushes only, and a
// delivery of a push it dropped changes no other push.
func TestStatusLogBounded(t *testing.T) {
	var s statusLog
	key := func(i int) pushKey { return pushKey{"pi", "p" + strconv.Itoa(i)} }
	const extra = 5
	for i := range StatusRecentPushes + extra {
		s.accepted(key(i), 1, epoch.Add(time.Duration(i)*time.Millisecond))
	}
	s.final(key(0), epoch, store.DeliveryDelivered, epoch.Add(time.Second))
	s.final(key(extra), epoch.Add(extra*time.Millisecond), store.DeliveryExpired, epoch.Add(time.Second))
	rows := s.rows()
	if len(rows) != StatusRecentPushes {
		t.Fatalf("%d rows, want %d", len(rows), StatusRecentPushes)
	}
	if len(s.index) != StatusRecentPushes {
		t.Errorf("index holds %d pushes, want %d", len(s.index), StatusRecentPushes)
	}
	if rows[0].PushID != key(StatusRecentPushes+extra-1).id || rows[len(rows)-1].PushID != key(extra).id {
		t.Fatalf("rows from %s to %s", rows[0].PushID, rows[len(rows)-1].PushID)
	}
	for _, r := range rows[:len(rows)-1] {
		if r.Final || r.State != "open 1" {
			t.Fatalf("%s: %q final %v after a dropped push's delivery", r.PushID, r.State, r.Final)
		}
	}
	if last := rows[len(rows)-1]; !last.Final || last.State != "expired 1" || last.Latency != "995ms" {
		t.Errorf("oldest kept push: %+v", last)
	}
	// Both finals count in their minute, kept in the ring or not.
	if w := s.window(1, epoch.Add(time.Second)); w.Accepted != StatusRecentPushes+extra || w.Delivered != 1 || w.Failed != 1 || w.SuccessRate != "50.0 %" {
		t.Errorf("window %+v", w)
	}
}

// TestStatusLatencyPercentile: the p90 names the bucket that the ninth
// tenth of the latencies reaches.
func TestStatusLatencyPercentile(t *testing.T) {
	for _, tc := range []struct {
		name      string
		latencies map[time.Duration]int
		want      string
	}{
		{"none", nil, "–"},
		{"on a bound", map[time.Duration]int{time.Millisecond: 1}, "≤ 1ms"},
		{"nine fast, one slow", map[time.Duration]int{3 * time.Millisecond: 9, 3 * time.Second: 1}, "≤ 5ms"},
		{"eight fast, two slow", map[time.Duration]int{3 * time.Millisecond: 8, 3 * time.Second: 2}, "≤ 5s"},
		{"past the last bound", map[time.Duration]int{time.Hour: 1}, "> 10m0s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s statusLog
			now := epoch.Add(time.Hour)
			for lat, n := range tc.latencies {
				for range n {
					s.final(pushKey{}, now.Add(-lat), store.DeliveryDelivered, now)
				}
			}
			if got := s.window(1, now).P90Latency; got != tc.want {
				t.Errorf("p90 %q, want %q", got, tc.want)
			}
		})
	}
}

// TestStatusPageWhilePushing renders the page while pushes are recorded,
// for the race detector.
func TestStatusPageWhilePushing(t *testing.T) {
	h := newHarness(t, Config{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 2 * StatusRecentPushes {
			k := pushKey{"pi", "p" + strconv.Itoa(i)}
			h.ppg.status.accepted(k, 1, epoch)
			h.ppg.status.final(k, epoch, store.DeliveryDelivered, epoch.Add(time.Second))
		}
	}()
	for range 20 {
		statusPageOf(t, h)
	}
	<-done
	if page := statusPageOf(t, h); !strings.Contains(page, `id="window-1m"><td>1 min</td><td class="n">400</td>`) {
		t.Errorf("after 400 pushes:\n%s", page)
	}
}

func BenchmarkStatusRecord(b *testing.B) {
	var s statusLog
	keys := make([]pushKey, 1024)
	for i := range keys {
		keys[i] = pushKey{"pi", "push-" + strconv.Itoa(i)}
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		k := keys[i%len(keys)]
		at := epoch.Add(time.Duration(i) * time.Millisecond)
		s.accepted(k, 1, at)
		s.final(k, at, store.DeliveryDelivered, at.Add(time.Second))
	}
}

func BenchmarkStatusPage(b *testing.B) {
	p, err := New(Config{Clock: clock.NewVirtual(epoch)}, newMemStore(), newFakeDispatcher())
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	for i := range StatusRecentPushes {
		k := pushKey{"pi", "push-" + strconv.Itoa(i)}
		p.status.accepted(k, 2, epoch)
		p.status.final(k, epoch, store.DeliveryDelivered, epoch.Add(time.Second))
	}
	handler := p.StatusHandler()
	req := httptest.NewRequest(http.MethodGet, "http://ppg.test/status", nil)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
	}
}
