package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/txpush/txpush/internal/testvec"
	"github.com/txpush/txpush/pap"
)

// TestPPGDaemonEndToEnd runs `txpush smsc` and `txpush ppg` as separate
// processes and pushes through them with `txpush push --wait`: the PI gets
// 1001, then the result notification saying delivered.
func TestPPGDaemonEndToEnd(t *testing.T) {
	dir := t.TempDir()
	sc := startDaemon(t, "smsc", "--smpp", "127.0.0.1:0", "--store", filepath.Join(dir, "smsc.db"), "--log-level", "warn")
	smscAddr := sc.waitLine(t, "smsc: SMPP on ")
	pg := startDaemon(t, "ppg", "--pap", "127.0.0.1:0", "--smsc", smscAddr, "--store", filepath.Join(dir, "ppg.db"), "--log-level", "warn")
	papURL := pg.waitLine(t, "ppg: PAP on ")
	papURL = strings.TrimSuffix(papURL, " (and /wappush)")

	var out, errb bytes.Buffer
	code := pushMain(context.Background(), []string{"--ppg", papURL, "--to", "+358401234567",
		"--si-href", "http://content.example.com/a", "--si-text", "hello", "--wait", "--wait-timeout", "30s"}, &out, &errb)
	if code != 0 {
		t.Fatalf("txpush push: exit %d\n%s%s\nppg:\n%s\nsmsc:\n%s", code, out.String(), errb.String(), pg.logs(), sc.logs())
	}
	if !strings.Contains(out.String(), "code=1001") || !strings.Contains(out.String(), "message-state=delivered") {
		t.Fatalf("output:\n%s", out.String())
	}

	// The PPG's metrics count the push. The PPG records the notification
	// as sent once the PI's answer is back, which may be just after
	// txpush push has its notification: scrape until it shows.
	wants := []string{
		"txpush_ppg_pushes_accepted_total 1",
		`txpush_ppg_deliveries_total{state="delivered"} 1`,
		"txpush_ppg_notifications_sent_total 1",
		`txpush_ppg_smpp_sessions{state="bound_trx"} 1`,
		"txpush_store_commits_total",
		`txpush_ppg_smpp_response_seconds_count{command="submit_sm"} 1`,
		"txpush_store_commit_seconds_count",
		// The push came on the fast path; /metrics is net/http's.
		"txpush_ppg_pap_fast_requests_total 1",
		"txpush_ppg_pap_connections_handed_over_total",
	}
	var missing []string
	for deadline := time.Now().Add(10 * time.Second); ; {
		mresp, err := http.Get(strings.TrimSuffix(papURL, "/pap") + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		mbody, _ := io.ReadAll(mresp.Body)
		mresp.Body.Close()
		missing = missing[:0]
		for _, want := range wants {
			if !strings.Contains(string(mbody), want) {
				missing = append(missing, want)
			}
		}
		if len(missing) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(missing) > 0 {
		t.Errorf("/metrics lacks %q", missing)
	}

	// A PI written for Kannel: PAP 1.0, posted to /wappush (vector v17).
	body := testvec.Read(t, "v17-pap/kannel-test_ppg-request.pap10.multipart")
	ct := "multipart/related; boundary=asdlfkjiurwghasf; type=\"application/xml\""
	resp, err := http.Post(strings.TrimSuffix(papURL, "/pap")+"/wappush", ct, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	m, err := pap.ParseMessage(answer)
	if err != nil {
		t.Fatalf("answer to Kannel's PAP 1.0 request: %v\n%s", err, answer)
	}
	pr, ok := m.(*pap.PushResponse)
	if !ok || pap.HeaderOf(m).Version != pap.PAP10 || !pr.Result.Code.Success() {
		t.Fatalf("answer to Kannel's PAP 1.0 request:\n%s", answer)
	}
}

// TestPPGDaemonLegacyMode: the same push through the classic path — the PPG
// splits it and submits each part store-and-forward; the SMSC's receipts
// conclude it.
func TestPPGDaemonLegacyMode(t *testing.T) {
	dir := t.TempDir()
	sc := startDaemon(t, "smsc", "--smpp", "127.0.0.1:0", "--store", filepath.Join(dir, "smsc.db"), "--log-level", "warn")
	smscAddr := sc.waitLine(t, "smsc: SMPP on ")
	pg := startDaemon(t, "ppg", "--mode", "legacy", "--pap", "127.0.0.1:0", "--smsc", smscAddr, "--store", filepath.Join(dir, "ppg.db"), "--log-level", "warn")
	papURL := strings.TrimSuffix(pg.waitLine(t, "ppg: PAP on "), " (and /wappush)")
	var out, errb bytes.Buffer
	code := pushMain(context.Background(), []string{"--ppg", papURL, "--to", "+358401234567",
		"--si-href", "http://content.example.com/a", "--si-text", strings.Repeat("long text ", 20), "--wait", "--wait-timeout", "30s"}, &out, &errb)
	if code != 0 || !strings.Contains(out.String(), "message-state=delivered") {
		t.Fatalf("txpush push: exit %d\n%s%s\nppg:\n%s", code, out.String(), errb.String(), pg.logs())
	}
}

// TestPPGDeviceProfiles: `txpush ppg --device-profiles DIR` answers a
// client capabilities query from the profile file of the MSISDN, 3008 for
// a handset without one, and matches a push's capabilities entity against
// the profile.
func TestPPGDeviceProfiles(t *testing.T) {
	dir := t.TempDir()
	profiles := filepath.Join(dir, "profiles")
	const profile = `<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:prf="http://www.wapforum.org/profiles/UAPROF/ccppschema-20010430#"><rdf:Description><prf:WapVersion>2.0</prf:WapVersion></rdf:Description></rdf:RDF>`
	if err := os.MkdirAll(profiles, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"358401234567.rdf": profile, "README": "not a profile"} {
		if err := os.WriteFile(filepath.Join(profiles, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The PPG needs an SMSC address to start; nothing is pushed to it.
	pg := startDaemon(t, "ppg", "--pap", "127.0.0.1:0", "--smsc", "127.0.0.1:1", "--store", filepath.Join(dir, "ppg.db"),
		"--device-profiles", profiles, "--log-level", "warn")
	papURL := strings.TrimSuffix(pg.waitLine(t, "ppg: PAP on "), " (and /wappush)")
	client := &pap.Client{URL: papURL}

	addr := func(n string) pap.Address { return pap.Address{Value: n, Type: pap.TypePLMN, Host: "ppg"} }
	resp, caps, err := client.CCQ(t.Context(), &pap.CCQMessage{QueryID: "q1@pi", Address: addr("+358401234567")})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Code != pap.CodeOK || caps == nil || string(caps.Body) != profile {
		t.Errorf("ccq of a profiled handset: %v, capabilities %v", resp.Code, caps)
	}
	resp, _, err = client.CCQ(t.Context(), &pap.CCQMessage{QueryID: "q2@pi", Address: addr("+358409999999")})
	if err != nil || resp.Code != pap.CodeCapabilitiesNotAvailable {
		t.Errorf("ccq of an unknown handset: %v %v", resp, err)
	}

	m := &pap.PushMessage{PushID: "caps@pi", Addresses: []pap.Address{addr("+358401234567")}}
	ct, body, err := pap.WriteRequest(m, pap.NewEntity("text/vnd.wap.sl", []byte(`<sl href="http://a.example/"/>`)),
		pap.NewEntity("application/xml", []byte(strings.Replace(profile, "2.0", "1.2", 1))))
	if err != nil {
		t.Fatal(err)
	}
	hresp, err := http.Post(papURL, ct, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer hresp.Body.Close()
	answer, _ := io.ReadAll(hresp.Body)
	pm, err := pap.ParseMessage(answer)
	if pr, ok := pm.(*pap.PushResponse); err != nil || !ok || pr.Result.Code != pap.CodeCapabilitiesMismatch {
		t.Errorf("push assuming another WapVersion: %s (%v)", answer, err)
	}
}

// A PI whose request body stops coming is answered 408 with a PAP
// badmessage-response once --read-timeout has passed since its first octet,
// and its connection closed: on the fast path (Content-Length) and on
// net/http's (chunked) alike. Without the limit the connection, and the
// goroutine reading it, would wait for the rest for ever.
func TestPPGReadTimeout(t *testing.T) {
	dir := t.TempDir()
	sc := startDaemon(t, "smsc", "--smpp", "127.0.0.1:0", "--store", filepath.Join(dir, "smsc.db"), "--log-level", "warn")
	smscAddr := sc.waitLine(t, "smsc: SMPP on ")
	pg := startDaemon(t, "ppg", "--pap", "127.0.0.1:0", "--smsc", smscAddr, "--store", filepath.Join(dir, "ppg.db"),
		"--log-level", "warn", "--header-timeout", "200ms", "--read-timeout", "400ms")
	papURL := strings.TrimSuffix(pg.waitLine(t, "ppg: PAP on "), " (and /wappush)")
	addr := strings.TrimSuffix(strings.TrimPrefix(papURL, "http://"), "/pap")
	for _, tc := range []struct{ name, head, part string }{
		{"fast path", "POST /pap HTTP/1.1\r\nHost: ppg\r\nContent-Type: multipart/related; boundary=b\r\nContent-Length: 1000\r\n\r\n", "--b\r\n"},
		{"net/http", "POST /pap HTTP/1.1\r\nHost: ppg\r\nContent-Type: multipart/related; boundary=b\r\nTransfer-Encoding: chunked\r\n\r\n", "3e8\r\n--b\r\n"},
	} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(10 * time.Second)) // fail, not hang
		start := time.Now()
		if _, err := io.WriteString(c, tc.head+tc.part); err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(c)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("%s: no answer to a stalled body: %v\nppg:\n%s", tc.name, err, pg.logs())
		}
		answer, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		took := time.Since(start)
		m, err := pap.ParseMessage(answer)
		bad, ok := m.(*pap.BadMessageResponse)
		if resp.StatusCode != http.StatusRequestTimeout || err != nil || !ok || bad.Code != pap.CodeBadRequest ||
			!strings.Contains(bad.Desc, "read timeout") || !resp.Close {
			t.Errorf("%s: HTTP %d, Close %v, %v:\n%s\nwant 408, a badmessage-response 2000 naming the read timeout, Connection: close", tc.name, resp.StatusCode, resp.Close, err, answer)
		}
		if took < 400*time.Millisecond {
			t.Errorf("%s: answered after %v, before the 400 ms read timeout", tc.name, took)
		}
		if n, err := br.Read(make([]byte, 1)); n != 0 || err != io.EOF {
			t.Errorf("%s: after the answer %d octets, %v; want the connection closed", tc.name, n, err)
		}
	}
}
