package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/txpush/txpush/internal/testcert"
	"github.com/txpush/txpush/pap"
)

// TestPPGOverHTTPSWithAccounts: PAP over HTTPS with a configured
// certificate, PI accounts with HTTP Basic, and the SMSC over SMPP/TLS.
func TestPPGOverHTTPSWithAccounts(t *testing.T) {
	dir := t.TempDir()
	cert := testcert.New(t)
	certFile, keyFile := cert.WriteFiles(t, dir)
	sc := startDaemon(t, "smsc", "--smpp", "127.0.0.1:0", "--store", filepath.Join(dir, "smsc.db"), "--log-level", "warn",
		"--tls-cert", certFile, "--tls-key", keyFile, "--account", "ppg:smpppw:push")
	smscAddr := sc.waitLine(t, "smsc: SMPP on ")
	pg := startDaemon(t, "ppg", "--pap", "127.0.0.1:0", "--smsc", smscAddr, "--store", filepath.Join(dir, "ppg.db"), "--log-level", "warn",
		"--tls-cert", certFile, "--tls-key", keyFile, "--pi", "news:newspw", "--system-id", "ppg", "--password", "smpppw",
		"--smsc-tls-ca", certFile)
	url := strings.TrimSuffix(pg.waitLine(t, "ppg: PAP on "), " (and /wappush)")
	if !strings.HasPrefix(url, "https://") {
		t.Fatalf("PAP URL %s", url)
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: cert.Pool}}, Timeout: 30 * time.Second}
	ctx := context.Background()
	m := &pap.PushMessage{PushID: "tls-1@news"}
	a, _ := pap.ParseAddress("WAPPUSH=+358401234567/TYPE=PLMN")
	m.Addresses = []pap.Address{a}
	si := pap.NewEntity("text/vnd.wap.si", []byte(`<si><indication href="http://x.example/" si-id="1">hi</indication></si>`))

	// Without the PI's password: refused.
	if resp, err := (&pap.Client{URL: url, HTTPClient: hc}).Push(ctx, m, si); err == nil && resp.Result.Code != pap.CodeForbidden {
		t.Fatalf("push without credentials answered %d, want 2001", resp.Result.Code)
	}
	client := &pap.Client{URL: url, HTTPClient: hc, Username: "news", Password: "newspw"}
	resp, err := client.Push(ctx, m, si)
	if err != nil || resp.Result.Code != pap.CodeAccepted {
		t.Fatalf("push over HTTPS: %v %v\n%s", resp, err, pg.logs())
	}
	// The outcome travels over SMPP/TLS: wait for delivered.
	deadline := time.Now().Add(20 * time.Second)
	for {
		sq, err := client.StatusQuery(ctx, &pap.StatusQueryMessage{PushID: "tls-1@news"})
		if err == nil && sq.Results[0].State == pap.StateDelivered {
			break
		}
		if time.Now().After(deadline) {
			var b bytes.Buffer
			b.WriteString(pg.logs())
			t.Fatalf("not delivered over SMPP/TLS: %v %v\n%s", sq, err, b.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
