package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/txpush/txpush/smpp"
)

// scrape fetches url and returns its samples, keyed by the metric name
// with its labels as written ("name{label=\"v\"}").
func scrape(t *testing.T, url string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("GET %s: Content-Type %q", url, ct)
	}
	samples := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if i < 0 || err != nil {
			t.Fatalf("bad sample line %q", line)
		}
		samples[line[:i]] = v
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return samples
}

func TestSMSCServesMetrics(t *testing.T) {
	db := filepath.Join(t.TempDir(), "smsc.db")
	d := startDaemon(t, "smsc", "--smpp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--store", db, "--log-level", "warn")
	addr := d.waitLine(t, "smsc: SMPP on ")
	url := d.waitLine(t, "smsc: metrics on ")
	if !strings.HasPrefix(url, "http://127.0.0.1:") || !strings.HasSuffix(url, "/metrics") {
		t.Fatalf("metrics URL %q", url)
	}

	ctx := context.Background()
	s, err := smpp.Dial(ctx, addr, smpp.DialConfig{Mode: smpp.Transceiver, Params: smpp.BindParams{SystemID: "esme"}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// A transaction-mode push of three segments over the ideal network.
	sm := &smpp.SubmitSM{ShortMessage: smpp.ShortMessage{DestAddrTON: 1, DestinationAddr: "358401234567", ESMClass: 0x02, DataCoding: 4}}
	sm.TLVs.SetMessagePayload(make([]byte, 300))
	sm.TLVs.SetSourcePort(9200)
	sm.TLVs.SetDestinationPort(2948)
	if _, err := s.Send(ctx, sm); err != nil {
		t.Fatalf("transaction-mode submit: %v\n%s", err, d.logs())
	}

	got := scrape(t, url)
	want := map[string]float64{
		"txpush_smsc_transactions_delivered_total":                  1,
		`txpush_smsc_transactions_failed_total{reason="permanent"}`: 0,
		"txpush_smsc_transaction_segment_attempts_total":            3,
		"txpush_smsc_saf_messages_submitted_total":                  0,
		`txpush_smsc_smpp_sessions{state="bound_trx"}`:              1,
		"txpush_radio_attempts_total":                               3,
		"txpush_radio_delivered_total":                              3,
		"txpush_smsc_transactions_in_flight":                        0,
		"txpush_smsc_smpp_outstanding_requests":                     0,
		`promhttp_metric_handler_requests_total{code="200"}`:        0,
	}
	for name, v := range want {
		if g, ok := got[name]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", name, g, ok, v)
		}
	}
	// The Go runtime, the process and the store are there too.
	for _, name := range []string{"go_goroutines", "process_start_time_seconds", "txpush_store_commits_total", "txpush_smsc_smpp_pdus_received_total"} {
		if _, ok := got[name]; !ok {
			t.Errorf("no %s", name)
		}
	}
	if t.Failed() {
		t.Logf("daemon logs:\n%s", d.logs())
	}

	// The metrics server stops with the SMSC.
	d.cmd.Process.Signal(syscall.SIGTERM)
	if err := d.cmd.Wait(); err != nil {
		t.Fatalf("smsc exit: %v\n%s", err, d.logs())
	}
	if resp, err := http.Get(url); err == nil {
		resp.Body.Close()
		t.Fatal("metrics still served after the SMSC stopped")
	}
}

func TestSMSCMetricsAddressFromConfigFile(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "smsc.yaml")
	if err := os.WriteFile(cfg, []byte("http: \"127.0.0.1:9102\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	set := defaultSMSCSettings()
	if set.HTTP != "" {
		t.Fatalf("metrics on by default, at %q", set.HTTP)
	}
	if _, err := parseWithConfig("smsc", []string{"--config", cfg}, io.Discard, &set, bindSMSCFlags); err != nil {
		t.Fatal(err)
	}
	if set.HTTP != "127.0.0.1:9102" {
		t.Fatalf("http from the file: %q", set.HTTP)
	}
	// A flag wins over the file.
	set = defaultSMSCSettings()
	if _, err := parseWithConfig("smsc", []string{"--config", cfg, "--http", "127.0.0.1:9103"}, io.Discard, &set, bindSMSCFlags); err != nil {
		t.Fatal(err)
	}
	if set.HTTP != "127.0.0.1:9103" {
		t.Fatalf("http from the flag: %q", set.HTTP)
	}
}
