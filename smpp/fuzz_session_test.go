package smpp

import (
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/txpush/txpush/clock"
)

// FuzzSession feeds a byte stream from a peer into an SMSC-end session:
// whatever arrives, the session must not panic, must answer or close, and
// must end its goroutines when the peer goes away.
func FuzzSession(f *testing.F) {
	var bind, submits []byte
	for _, g := range []string{"../testdata/vectors/v16-kannel-e2e/smpp-rx/*.bin", "../testdata/vectors/v13-*/*.bin", "../testdata/vectors/v14-*/*.bin"} {
		files, _ := filepath.Glob(g)
		for _, name := range files {
			b, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
			if filepath.Base(name) == "rx-001-bind_transceiver.bin" {
				bind = b
			} else {
				submits = append(submits, b...)
			}
		}
	}
	f.Add(append(append([]byte{}, bind...), submits...))
	f.Add(append(append([]byte{}, bind...), header(16, 0x777, 0, 1)...))
	f.Add(append(append([]byte{}, bind...), header(8, SubmitSMID, 0, 2)...))
	f.Fuzz(func(t *testing.T, stream []byte) {
		vc := clock.NewVirtual(epoch)
		srv := &Server{
			Session:      SessionConfig{Handler: echoSubmit(), Clock: vc, MaxBody: 4096},
			Authenticate: func(*BindRequest) BindDecision { return BindDecision{} },
		}
		ours, peer := net.Pipe()
		srv.startSession(ours)
		sessions := srv.Sessions()
		drained := make(chan struct{})
		go func() { io.Copy(io.Discard, peer); close(drained) }()
		peer.SetWriteDeadline(time.Now().Add(5 * time.Second))
		peer.Write(stream)
		peer.Close()
		for _, s := range sessions {
			s.Wait()
		}
		<-drained
	})
}
