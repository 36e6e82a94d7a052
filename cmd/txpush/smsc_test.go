package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/txpush/txpush/smpp"
)

// The daemon tests run `txpush smsc` in a child process: the test binary
// re-executes itself with TXPUSH_TEST_MAIN set, and runs the command's
// real main path there, so that it can be killed with SIGKILL or stopped
// with SIGTERM like the real program.

func TestMain(m *testing.M) {
	if args := os.Getenv("TXPUSH_TEST_MAIN"); args != "" {
		var argv []string
		if err := json.Unmarshal([]byte(args), &argv); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		os.Exit(run(argv, os.Stdout, os.Stderr))
	}
	if kind := os.Getenv(floorServerEnv); kind != "" {
		os.Exit(runFloorServer(kind))
	}
	os.Exit(m.Run())
}

// daemon is a txpush command running in a child process.
type daemon struct {
	cmd    *exec.Cmd
	stdout *bufio.Reader
	stderr *strings.Builder
	mu     *sync.Mutex
}

func startDaemon(t *testing.T, args ...string) *daemon {
	t.Helper()
	argv, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "TXPUSH_TEST_MAIN="+string(argv))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	d := &daemon{cmd: cmd, stdout: bufio.NewReader(out), stderr: &strings.Builder{}, mu: &sync.Mutex{}}
	cmd.Stderr = lockedWriter{d.mu, d.stderr}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return d
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *strings.Builder
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (d *daemon) logs() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stderr.String()
}

// waitLine reads stdout until a line starts with prefix and returns the
// rest of it.
func (d *daemon) waitLine(t *testing.T, prefix string) string {
	t.Helper()
	type res struct {
		line string
		err  error
	}
	ch := make(chan res, 1)
	go func() {
		for {
			line, err := d.stdout.ReadString('\n')
			if err != nil {
				ch <- res{err: err}
				return
			}
			if strings.HasPrefix(line, prefix) {
				ch <- res{line: strings.TrimSpace(strings.TrimPrefix(line, prefix))}
				return
			}
		}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			t.Fatalf("daemon ended before %q: %v\n%s", prefix, r.err, d.logs())
		}
		return r.line
	case <-time.After(20 * time.Second):
		t.Fatalf("daemon did not print %q\n%s", prefix, d.logs())
	}
	return ""
}

// receipts is an ESME handler that collects delivery receipts by id.
type receipts struct {
	mu   sync.Mutex
	seen map[string]int
	stat map[string]string
}

func (r *receipts) ServeSMPP(w smpp.ResponseWriter, req *smpp.Request) {
	if d, ok := req.PDU.(*smpp.DeliverSM); ok && d.ESMClass&0x3C == 0x04 {
		id, _ := d.TLVs.ReceiptedMessageID()
		rc, _ := smpp.ParseReceipt(d.ShortMessage.ShortMessage)
		r.mu.Lock()
		r.seen[id]++
		r.stat[id] = rc.Stat
		r.mu.Unlock()
	}
	w.Respond(&smpp.DeliverSMResp{})
}

func TestSMSCStoreSurvivesKill9(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "smsc.db")
	// The first run holds every message 3 s before its first attempt, so
	// the queue is full when it is killed.
	first := startDaemon(t, "smsc", "--smpp", "127.0.0.1:0", "--store", db, "--first-attempt-delay", "3s", "--log-level", "warn")
	addr := first.waitLine(t, "smsc: SMPP on ")
	ctx := context.Background()
	s, err := smpp.Dial(ctx, addr, smpp.DialConfig{Mode: smpp.Transceiver, Params: smpp.BindParams{SystemID: "esme"}})
	if err != nil {
		t.Fatal(err)
	}
	const n = 50
	var ids []string
	for i := range n {
		resp, err := s.Send(ctx, &smpp.SubmitSM{ShortMessage: smpp.ShortMessage{
			SourceAddr: "4321", DestAddrTON: 1, DestinationAddr: fmt.Sprintf("3584012%05d", i),
			ESMClass: 0x03, RegisteredDelivery: 1, ShortMessage: []byte(fmt.Sprintf("message %d", i)),
		}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, resp.(*smpp.SubmitSMResp).MessageID)
	}
	// Every message was acknowledged, so it is on disk: kill -9 now.
	if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	first.cmd.Wait()
	s.Close()

	second := startDaemon(t, "smsc", "--smpp", "127.0.0.1:0", "--store", db, "--log-level", "warn")
	addr = second.waitLine(t, "smsc: SMPP on ")
	rc := &receipts{seen: map[string]int{}, stat: map[string]string{}}
	s2, err := smpp.Dial(ctx, addr, smpp.DialConfig{Mode: smpp.Transceiver, Params: smpp.BindParams{SystemID: "esme"},
		Session: smpp.SessionConfig{Handler: rc}})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		rc.mu.Lock()
		got := len(rc.seen)
		rc.mu.Unlock()
		if got == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d receipts after the restart\n%s", got, n, second.logs())
		}
		time.Sleep(20 * time.Millisecond)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, id := range ids {
		if rc.seen[id] != 1 || rc.stat[id] != "DELIVRD" {
			t.Errorf("message %s: %d receipts, stat %q", id, rc.seen[id], rc.stat[id])
		}
	}
}

func TestSMSCConfigFileAndSIGTERM(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "smsc.yaml")
	os.WriteFile(cfg, []byte(`
smpp: "127.0.0.1:0"
store: "`+filepath.Join(dir, "smsc.db")+`"
log_level: debug
accounts:
  - system_id: ppg
    password: secret
    push: true
    bind_types: [transceiver]
transaction:
  deadline: 5s
`), 0o600)
	d := startDaemon(t, "smsc", "--config", cfg)
	addr := d.waitLine(t, "smsc: SMPP on ")
	ctx := context.Background()
	if _, err := smpp.Dial(ctx, addr, smpp.DialConfig{Mode: smpp.Transceiver, Params: smpp.BindParams{SystemID: "ppg", Password: "wrong"}}); err == nil {
		t.Fatal("bound with a wrong password")
	}
	if _, err := smpp.Dial(ctx, addr, smpp.DialConfig{Mode: smpp.Transmitter, Params: smpp.BindParams{SystemID: "ppg", Password: "secret"}}); err == nil {
		t.Fatal("bound as transmitter though only transceiver is allowed")
	}
	s, err := smpp.Dial(ctx, addr, smpp.DialConfig{Mode: smpp.Transceiver, Params: smpp.BindParams{SystemID: "ppg", Password: "secret"}})
	if err != nil {
		t.Fatal(err)
	}
	sm := &smpp.SubmitSM{ShortMessage: smpp.ShortMessage{DestAddrTON: 1, DestinationAddr: "358401234567", ESMClass: 0x02, DataCoding: 4}}
	sm.TLVs.SetMessagePayload(make([]byte, 300))
	sm.TLVs.SetSourcePort(9200)
	sm.TLVs.SetDestinationPort(2948)
	if _, err := s.Send(ctx, sm); err != nil {
		t.Fatalf("transaction-mode submit: %v", err)
	}
	// SIGTERM: the SMSC unbinds its sessions before it exits.
	d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("session not closed after SIGTERM")
	}
	if err := s.Err(); err == nil || !strings.Contains(err.Error(), "unbound") {
		t.Fatalf("session ended with %v, want the SMSC's unbind\n%s", err, d.logs())
	}
	if err := d.cmd.Wait(); err != nil {
		t.Fatalf("smsc exit: %v\n%s", err, d.logs())
	}
}
