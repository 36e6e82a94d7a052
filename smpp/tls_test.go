package smpp

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"sync/atomic"
	"testing"
	"time"
)

// selfSigned returns a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "txpush test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

func TestTLSBothEnds(t *testing.T) {
	cert, pool := selfSigned(t)
	var sawTLS atomic.Bool
	srv := &Server{
		Session: SessionConfig{Handler: echoSubmit()},
		Authenticate: func(b *BindRequest) BindDecision {
			sawTLS.Store(b.TLS != nil && b.TLS.HandshakeComplete)
			return BindDecision{}
		},
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(tls.NewListener(l, &tls.Config{Certificates: []tls.Certificate{cert}}))
	defer srv.Close()

	s, err := Dial(context.Background(), l.Addr().String(), DialConfig{
		Mode: Transceiver, Params: BindParams{SystemID: "tls"},
		TLSConfig: &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !sawTLS.Load() {
		t.Fatal("the bind hook did not see the TLS state")
	}
	if _, ok := s.TLSConnectionState(); !ok {
		t.Fatal("client session is not TLS")
	}
	if resp, err := s.Send(context.Background(), submit("358401234567")); err != nil || resp.(*SubmitSMResp).MessageID != "1" {
		t.Fatalf("submit over TLS: %v %v", resp, err)
	}
	// A client that does not trust the certificate does not bind.
	if _, err := Dial(context.Background(), l.Addr().String(), DialConfig{
		Mode: Transceiver, TLSConfig: &tls.Config{RootCAs: x509.NewCertPool(), ServerName: "127.0.0.1"},
	}); err == nil {
		t.Fatal("bound over TLS to an untrusted server")
	}
}
