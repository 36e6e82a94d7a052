package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/txpush/txpush/pap"
)

// writeCert writes a self-signed certificate for 127.0.0.1 and its key as
// PEM files in dir, and returns their paths and a pool that trusts it.
func writeCert(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "txpush test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:    x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// TestPPGOverHTTPSWithAccounts: PAP over HTTPS with a configured
// certificate, PI accounts with HTTP Basic, and the SMSC over SMPP/TLS.
func TestPPGOverHTTPSWithAccounts(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := writeCert(t, dir)
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
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 30 * time.Second}
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
