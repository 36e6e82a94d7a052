// Package accept takes connections from a listener the way a server
// should: a temporary failure is waited out, not taken for the end.
package accept

import (
	"errors"
	"net"
	"time"
)

// Retrying returns l's next connection. A temporary failure (a net.Error
// that times out, such as the process running out of file descriptors) is
// waited out and tried again, with a pause doubling from 5 ms to 1 s, as
// net/http's server does; any other error, such as the listener's
// closing, is returned.
func Retrying(l net.Listener) (net.Conn, error) {
	var delay time.Duration
	for {
		c, err := l.Accept()
		var ne net.Error
		if err == nil || !errors.As(err, &ne) || !ne.Timeout() {
			return c, err
		}
		delay = min(max(2*delay, 5*time.Millisecond), time.Second)
		time.Sleep(delay)
	}
}
