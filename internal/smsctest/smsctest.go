// Package smsctest serves a push SMSC on loopback for tests, as
// net/http/httptest serves a handler: on 127.0.0.1 at a free port, shut
// down when the test ends.
package smsctest

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/txpush/txpush/smsc"
)

// Serve serves sc's SMPP on a new loopback listener until the test ends,
// then shuts it down (unbinding its sessions), and returns the address.
// Cleanups the test registers after Serve run before the shutdown.
func Serve(t testing.TB, sc *smsc.SMSC) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go sc.Serve(l)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		sc.Shutdown(ctx)
	})
	return l.Addr().String()
}
