package metrics_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"

	"github.com/txpush/txpush/clock"
	"github.com/txpush/txpush/internal/httpfast"
	"github.com/txpush/txpush/internal/smsctest"
	"github.com/txpush/txpush/metrics"
	"github.com/txpush/txpush/radio"
	"github.com/txpush/txpush/smpp"
	"github.com/txpush/txpush/smsc"
	"github.com/txpush/txpush/store"
)

// Destinations of the test air, each with its fate.
const (
	toDelivered = "358400000001"
	toBarred    = "358400000002" // permanent error
	toAbsent    = "358400000003" // temporary error on every attempt
)

// fatedAir is an air on the real clock that decides each SMS's fate by
// its destination and answers from a clock timer, as an air must.
type fatedAir struct{ clk clock.Clock }

func (a fatedAir) Deliver(sms radio.SMS, done func(radio.Result)) {
	start := a.clk.Now()
	var err *radio.Error
	switch sms.Destination {
	case toBarred:
		err = &radio.Error{Code: radio.CallBarred}
	case toAbsent:
		err = &radio.Error{Code: radio.AbsentSubscriberSM}
	}
	a.clk.AfterFunc(time.Millisecond, func() {
		done(radio.Result{Err: err, Start: start, End: a.clk.Now()})
	})
}

// startSMSC serves an SMSC with one push account over loopback.
func startSMSC(t testing.TB, st store.MessageStore) (*smsc.SMSC, string) {
	t.Helper()
	clk := clock.Real()
	cfg := smsc.Config{
		Accounts: []smsc.Account{{SystemID: "ppg", Password: "pw", Push: true}},
		Txn:      smsc.TxnConfig{RetryInterval: 5 * time.Millisecond, MaxAttempts: 2, Deadline: 10 * time.Second},
		Gate:     smsc.GateConfig{Rate: 100000, PushShare: 0.5, Burst: 1000},
		Clock:    clk,
	}
	sc, err := smsc.New(cfg, fatedAir{clk}, nil, st)
	if err != nil {
		t.Fatal(err)
	}
	return sc, smsctest.Serve(t, sc)
}

func bind(t testing.TB, addr string, h smpp.Handler) *smpp.Session {
	t.Helper()
	s, err := smpp.Dial(context.Background(), addr, smpp.DialConfig{
		Mode:    smpp.Transceiver,
		Params:  smpp.BindParams{SystemID: "ppg", Password: "pw"},
		Session: smpp.SessionConfig{Handler: h},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// submit makes a submit_sm of n octets to dest in messaging mode (the
// low bits of esm_class).
func submit(dest string, n int, mode byte) *smpp.SubmitSM {
	sm := &smpp.SubmitSM{ShortMessage: smpp.ShortMessage{
		SourceAddrTON: 5, SourceAddr: "PPG", DestAddrTON: 1, DestAddrNPI: 1, DestinationAddr: dest,
		ESMClass: mode, DataCoding: 0x04, RegisteredDelivery: 0x01,
	}}
	sm.TLVs.SetMessagePayload(make([]byte, n))
	sm.TLVs.SetSourcePort(9200)
	sm.TLVs.SetDestinationPort(2948)
	return sm
}

// receipts is an ESME handler that signals each delivery receipt.
type receipts chan string

func (r receipts) ServeSMPP(w smpp.ResponseWriter, req *smpp.Request) {
	if d, ok := req.PDU.(*smpp.DeliverSM); ok {
		id, _ := d.TLVs.ReceiptedMessageID()
		r <- id
	}
	w.Respond(&smpp.DeliverSMResp{})
}

// value returns the value of the sample of metric name whose labels are
// the name-value pairs given; the test fails if there is none.
func value(t *testing.T, g prometheus.Gatherer, name string, labelPairs ...string) float64 {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if hasLabels(m, labelPairs) {
				switch {
				case m.Counter != nil:
					return m.Counter.GetValue()
				case m.Gauge != nil:
					return m.Gauge.GetValue()
				}
			}
		}
	}
	t.Fatalf("no sample %s%v", name, labelPairs)
	return 0
}

func hasLabels(m *dto.Metric, pairs []string) bool {
	for i := 0; i+1 < len(pairs); i += 2 {
		found := false
		for _, l := range m.GetLabel() {
			if l.GetName() == pairs[i] && l.GetValue() == pairs[i+1] {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func TestSMSCMetricsAfterTraffic(t *testing.T) {
	st, err := store.OpenSQLite(filepath.Join(t.TempDir(), "smsc.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sc, addr := startSMSC(t, st)
	reg := metrics.NewRegistry()
	if err := metrics.RegisterSMSC(reg, sc, st.Stats, nil); err != nil {
		t.Fatal(err)
	}
	rc := make(receipts, 10)
	esme := bind(t, addr, rc)
	ctx := context.Background()

	// Transaction mode: one push of three segments delivered, one ended
	// by a permanent error, one by two temporary failures.
	if _, err := esme.Send(ctx, submit(toDelivered, 300, 0x02)); err != nil {
		t.Fatalf("push to %s: %v", toDelivered, err)
	}
	for _, dest := range []string{toBarred, toAbsent} {
		if _, err := esme.Send(ctx, submit(dest, 20, 0x02)); err == nil {
			t.Fatalf("push to %s succeeded", dest)
		}
	}
	// Store and forward: one message, delivered once its receipt comes.
	resp, err := esme.Send(ctx, submit(toDelivered, 20, 0x03))
	if err != nil {
		t.Fatal(err)
	}
	id := resp.(*smpp.SubmitSMResp).MessageID
	select {
	case got := <-rc:
		if got != id {
			t.Fatalf("receipt for %q, want %q", got, id)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no delivery receipt")
	}

	want := []struct {
		name   string
		labels []string
		value  float64
	}{
		{"txpush_smsc_transactions_in_flight", nil, 0},
		{"txpush_smsc_transactions_delivered_total", nil, 1},
		{"txpush_smsc_transactions_failed_total", []string{"reason", "permanent"}, 1},
		{"txpush_smsc_transactions_failed_total", []string{"reason", "attempts"}, 1},
		{"txpush_smsc_transactions_failed_total", []string{"reason", "deadline"}, 0},
		{"txpush_smsc_transactions_failed_total", []string{"reason", "rejected"}, 0},
		{"txpush_smsc_transaction_duplicates_total", nil, 0},
		{"txpush_smsc_transaction_segment_attempts_total", nil, 3 + 1 + 2},
		{"txpush_smsc_transaction_segment_retries_total", nil, 1},
		{"txpush_smsc_saf_messages_submitted_total", nil, 1},
		{"txpush_smsc_saf_messages_delivered_total", nil, 1},
		{"txpush_smsc_saf_messages_expired_total", nil, 0},
		{"txpush_smsc_saf_messages_waiting", nil, 0},
		{"txpush_smsc_saf_sms_sent_total", nil, 1},
		{"txpush_smsc_saf_store_errors_total", nil, 0},
		// Every SMS went through the gate, as push: the account is one.
		{"txpush_smsc_gate_sms_granted_total", []string{"class", "push"}, 3 + 1 + 2 + 1},
		{"txpush_smsc_gate_sms_granted_total", []string{"class", "p2p"}, 0},
		{"txpush_smsc_gate_sms_waiting", []string{"class", "push"}, 0},
		{"txpush_smsc_smpp_sessions", []string{"state", "bound_trx"}, 1},
		{"txpush_smsc_smpp_sessions", []string{"state", "open"}, 0},
		{"txpush_smsc_smpp_outstanding_requests", nil, 0},
		{"txpush_smsc_smpp_decode_errors_total", nil, 0},
		{"txpush_store_queued_writes", nil, 0},
	}
	for _, w := range want {
		if got := value(t, reg, w.name, w.labels...); got != w.value {
			t.Errorf("%s%v = %v, want %v", w.name, w.labels, got, w.value)
		}
	}
	// The server received at least the bind and the four submits.
	if got := value(t, reg, "txpush_smsc_smpp_pdus_received_total"); got < 5 {
		t.Errorf("pdus received %v, want at least 5", got)
	}
	if got := value(t, reg, "txpush_smsc_smpp_pdus_sent_total"); got < 5 {
		t.Errorf("pdus sent %v, want at least 5", got)
	}
	// The store wrote the message and its final state, and is quiet now
	// that the receipt, sent after the final write, has come.
	ss := st.Stats()
	if got := value(t, reg, "txpush_store_writes_total"); got != float64(ss.Writes) || got < 2 {
		t.Errorf("store writes %v, store says %d", got, ss.Writes)
	}
	if got := value(t, reg, "txpush_store_commits_total"); got != float64(ss.Commits) || got < 1 {
		t.Errorf("store commits %v, store says %d", got, ss.Commits)
	}

	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}

func TestGateMetricsAbsentWithoutCapacityLimit(t *testing.T) {
	sc, err := smsc.New(smsc.Config{}, fatedAir{clock.Real()}, nil, store.NewMemory())
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewPedanticRegistry()
	if err := metrics.RegisterSMSC(reg, sc, nil, nil); err != nil {
		t.Fatal(err)
	}
	n, err := testutil.GatherAndCount(reg, "txpush_smsc_gate_sms_granted_total", "txpush_store_commits_total")
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("%d gate or store samples from an SMSC with neither", n)
	}
	if n, _ := testutil.GatherAndCount(reg, "txpush_smsc_transactions_failed_total"); n != 4 {
		t.Fatalf("%d samples of failed transactions, want one per reason", n)
	}
}

func TestSessionCollectorKeepsCountsOfClosedSessions(t *testing.T) {
	_, addr := startSMSC(t, store.NewMemory())
	esme := bind(t, addr, nil)

	var mu sync.Mutex
	open := []*smpp.Session{esme}
	c := metrics.NewSessionCollector("esme", func() []*smpp.Session {
		mu.Lock()
		defer mu.Unlock()
		return open
	})
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)

	if _, err := esme.Send(context.Background(), &smpp.EnquireLink{}); err != nil {
		t.Fatal(err)
	}
	if got := value(t, reg, "txpush_esme_sessions", "state", "bound_trx"); got != 1 {
		t.Fatalf("bound_trx sessions %v, want 1", got)
	}
	before := value(t, reg, "txpush_esme_pdus_sent_total")
	if before < 2 { // the bind and the enquire_link
		t.Fatalf("pdus sent %v, want at least 2", before)
	}

	// Close the session (an unbind is sent) and let it vanish from the
	// list: its counts must stay, the unbind included.
	if err := esme.Unbind(context.Background()); err != nil {
		t.Fatal(err)
	}
	esme.Close()
	mu.Lock()
	open = nil
	mu.Unlock()
	final := esme.Stats()
	if got := value(t, reg, "txpush_esme_pdus_sent_total"); got != float64(final.Sent) || got <= before {
		t.Fatalf("pdus sent after close %v, session's final count %d, before %v", got, final.Sent, before)
	}
	if got := value(t, reg, "txpush_esme_pdus_received_total"); got != float64(final.Received) {
		t.Fatalf("pdus received after close %v, want %d", got, final.Received)
	}
	if got := value(t, reg, "txpush_esme_sessions", "state", "bound_trx"); got != 0 {
		t.Fatalf("bound_trx sessions %v after close", got)
	}
	// A later scrape counts the closed session once, not again.
	if got := value(t, reg, "txpush_esme_pdus_sent_total"); got != float64(final.Sent) {
		t.Fatalf("pdus sent on the next scrape %v, want %d", got, final.Sent)
	}
}

func TestPAPServerCollector(t *testing.T) {
	c := metrics.NewPAPServerCollector(func() httpfast.Stats { return httpfast.Stats{Served: 12, HandedOver: 3} })
	err := testutil.CollectAndCompare(c, strings.NewReader(`
# HELP txpush_ppg_pap_fast_requests_total PAP requests answered on the PPG's fast path (plain HTTP/1.1 posts).
# TYPE txpush_ppg_pap_fast_requests_total counter
txpush_ppg_pap_fast_requests_total 12
# HELP txpush_ppg_pap_connections_handed_over_total Connections handed to net/http because a request on them was not in the fast path's form; net/http serves the rest of each.
# TYPE txpush_ppg_pap_connections_handed_over_total counter
txpush_ppg_pap_connections_handed_over_total 3
`))
	if err != nil {
		t.Error(err)
	}
}

func TestStoreAndRadioCollectors(t *testing.T) {
	stats := store.Stats{Commits: 3, Writes: 10, Queued: 2}
	sc := metrics.NewStoreCollector(func() store.Stats { return stats })
	err := testutil.CollectAndCompare(sc, strings.NewReader(`
# HELP txpush_store_commits_total Store transactions committed, each one flush to stable storage.
# TYPE txpush_store_commits_total counter
txpush_store_commits_total 3
# HELP txpush_store_writes_total Writes committed in the store's transactions.
# TYPE txpush_store_writes_total counter
txpush_store_writes_total 10
# HELP txpush_store_queued_writes Writes waiting for the store's next commit.
# TYPE txpush_store_queued_writes gauge
txpush_store_queued_writes 2
`))
	if err != nil {
		t.Error(err)
	}

	rs := radio.Stats{
		Attempts: 7, Delivered: 4, Failed: 3,
		Failures: map[radio.Error]uint64{
			{Code: radio.AbsentSubscriberSM}: 2,
			{Code: radio.CallBarred}:         1,
		},
	}
	rc := metrics.NewRadioCollector(func() radio.Stats { return rs })
	err = testutil.CollectAndCompare(rc, strings.NewReader(`
# HELP txpush_radio_attempts_total SMS delivery attempts made on the simulated network.
# TYPE txpush_radio_attempts_total counter
txpush_radio_attempts_total 7
# HELP txpush_radio_delivered_total SMS delivered by the simulated network.
# TYPE txpush_radio_delivered_total counter
txpush_radio_delivered_total 4
# HELP txpush_radio_failures_total SMS delivery attempts that failed, by MAP error.
# TYPE txpush_radio_failures_total counter
txpush_radio_failures_total{error="absentSubscriberSM"} 2
txpush_radio_failures_total{error="callBarred"} 1
`), "txpush_radio_attempts_total", "txpush_radio_delivered_total", "txpush_radio_failures_total")
	if err != nil {
		t.Error(err)
	}
}

func TestRegisterSMSCWithNetwork(t *testing.T) {
	clk := clock.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	cfg, err := radio.Profile("ideal")
	if err != nil {
		t.Fatal(err)
	}
	network, err := radio.New(clk, cfg)
	if err != nil {
		t.Fatal(err)
	}
	network.AttachAll(func(radio.SMS, time.Time) {})
	sc, err := smsc.New(smsc.Config{Clock: clk}, network, network, store.NewMemory())
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewPedanticRegistry()
	if err := metrics.RegisterSMSC(reg, sc, nil, network); err != nil {
		t.Fatal(err)
	}
	var results []radio.Result
	network.Deliver(radio.SMS{Destination: toDelivered, UserData: []byte("x")}, func(r radio.Result) {
		results = append(results, r)
	})
	clk.Advance(time.Minute)
	if len(results) != 1 || results[0].Err != nil {
		t.Fatalf("delivery results %+v", results)
	}
	if got := value(t, reg, "txpush_radio_attempts_total"); got != 1 {
		t.Errorf("radio attempts %v, want 1", got)
	}
	if got := value(t, reg, "txpush_radio_delivered_total"); got != 1 {
		t.Errorf("radio delivered %v, want 1", got)
	}
	if got := value(t, reg, "txpush_radio_handsets"); got != 1 {
		t.Errorf("radio handsets %v, want 1", got)
	}
}
