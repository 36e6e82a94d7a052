package accept

import (
	"errors"
	"net"
	"testing"
	"testing/synctest"
	"time"
)

// scriptedListener fails its first Accepts with errs, then answers conn.
type scriptedListener struct {
	net.Listener
	errs []error
	conn net.Conn
}

func (l *scriptedListener) Accept() (net.Conn, error) {
	if len(l.errs) > 0 {
		err := l.errs[0]
		l.errs = l.errs[1:]
		return nil, err
	}
	return l.conn, nil
}

type timeoutError struct{}

func (timeoutError) Error() string   { return "accept: too many open files" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

func TestRetryingWaitsOutTemporaryFailures(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		want, other := net.Pipe()
		defer want.Close()
		defer other.Close()
		l := &scriptedListener{errs: []error{timeoutError{}, timeoutError{}, timeoutError{}}, conn: want}
		start := time.Now()
		c, err := Retrying(l)
		if err != nil || c != want {
			t.Fatalf("Retrying: %v, %v; want the connection", c, err)
		}
		// 5 + 10 + 20 ms of pauses, on the bubble's clock.
		if waited := time.Since(start); waited != 35*time.Millisecond {
			t.Errorf("waited %v, want 35ms", waited)
		}
	})
}

func TestRetryingReturnsOtherErrors(t *testing.T) {
	l := &scriptedListener{errs: []error{net.ErrClosed}}
	if _, err := Retrying(l); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Retrying: %v, want net.ErrClosed", err)
	}
}
