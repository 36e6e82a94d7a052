package smpp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"sync/atomic"
	"testing"

	"github.com/txpush/txpush/internal/testcert"
)

func TestTLSBothEnds(t *testing.T) {
	cert := testcert.New(t)
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
	go srv.Serve(tls.NewListener(l, &tls.Config{Certificates: []tls.Certificate{cert.TLS}}))
	defer srv.Close()

	s, err := Dial(context.Background(), l.Addr().String(), DialConfig{
		Mode: Transceiver, Params: BindParams{SystemID: "tls"},
		TLSConfig: &tls.Config{RootCAs: cert.Pool},
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
