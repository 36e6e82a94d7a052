// Package netsmpp runs the Net::SMPP programs of testdata/netsmpp — an
// SMPP implementation we did not write (Debian's libnet-smpp-perl) — as
// peers for tests. It is for tests only.
package netsmpp

import (
	"bufio"
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Require fails the test when Net::SMPP is not installed (./test.sh
// installs it); under -short it skips instead.
func Require(t testing.TB) {
	t.Helper()
	if err := exec.Command("perl", "-MNet::SMPP", "-e", "1").Run(); err != nil {
		if testing.Short() {
			t.Skip("Net::SMPP not installed (-short)")
		}
		t.Fatalf("Net::SMPP is not installed (run ./test.sh, which installs libnet-smpp-perl): %v", err)
	}
}

// Script returns the path of a program in testdata/netsmpp.
func Script(name string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "netsmpp", name)
}

// SMSC is testdata/netsmpp/smsc.pl running: an SMSC written with Net::SMPP
// that prints a line per PDU it receives.
type SMSC struct {
	Addr  string         // 127.0.0.1:port
	Lines *bufio.Scanner // what it prints after its port line
	cmd   *exec.Cmd
	mu    sync.Mutex
	err   bytes.Buffer
}

// StartSMSC runs smsc.pl for conns connections; it is killed when the test
// ends or ctx does.
func StartSMSC(t testing.TB, ctx context.Context, conns int) *SMSC {
	t.Helper()
	Require(t)
	s := &SMSC{}
	s.cmd = exec.CommandContext(ctx, "perl", Script("smsc.pl"), strconv.Itoa(conns))
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s.cmd.Stderr = lockedBuffer{&s.mu, &s.err}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.cmd.Process.Kill(); s.cmd.Wait() })
	s.Lines = bufio.NewScanner(stdout)
	s.Lines.Buffer(make([]byte, 1<<20), 1<<20)
	if !s.Lines.Scan() {
		t.Fatalf("smsc.pl did not start: %s", s.Stderr())
	}
	s.Addr = "127.0.0.1:" + strings.TrimPrefix(s.Lines.Text(), "port ")
	return s
}

// Stderr returns what the program wrote to its standard error so far.
func (s *SMSC) Stderr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err.String()
}

// Wait waits for the program to end.
func (s *SMSC) Wait() error { return s.cmd.Wait() }

type lockedBuffer struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}
