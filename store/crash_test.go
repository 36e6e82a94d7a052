package store

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// crashDBEnv tells TestHelperProcess, run in a child process, which database
// to write to.
const crashDBEnv = "TXPUSH_STORE_CRASH_DB"

// crashMessage is the message the crash writer stores under id: derived from
// the id alone, so the parent can check every stored byte.
func crashMessage(id string) *Message {
	n, _ := strconv.ParseUint(id, 16, 64)
	m := testMessage(id, int(n))
	m.UserData = bytes.Repeat([]byte(id), 1+int(n%40)) // up to 320 octets
	return m
}

// crashUpdate is what the crash writer records for every fourth message.
func crashUpdate(id string) Update {
	return Update{ID: id, State: Enroute, Attempts: 1, NextAttempt: epoch.Add(time.Hour), LastError: 0x0d}
}

// TestHelperProcess is the child of TestCrashDurability, not a test of its
// own: it writes messages until it is killed, printing "I id" once an insert
// is acknowledged (its done got nil) and "U id" once an update is.
func TestHelperProcess(t *testing.T) {
	path := os.Getenv(crashDBEnv)
	if path == "" {
		t.Skip("run by TestCrashDurability")
	}
	s, err := OpenSQLite(path, Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	// One line per write call: a pipe write of at most PIPE_BUF octets is
	// atomic, so lines never interleave.
	acknowledge := func(kind, id string) {
		if _, err := os.Stdout.WriteString(kind + " " + id + "\n"); err != nil {
			os.Exit(4) // the parent is gone
		}
	}
	// Bound the writes in flight, as an SMSC's SMPP windows would, and the
	// run, in case the parent never kills us.
	inFlight := make(chan struct{}, 256)
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		id, err := s.NextID(context.Background())
		if err != nil {
			fail(err)
		}
		inFlight <- struct{}{}
		s.InsertAsync(crashMessage(id), func(err error) {
			if err != nil {
				fail(err)
			}
			acknowledge("I", id)
			if n, _ := strconv.ParseUint(id, 16, 64); n%4 != 0 {
				<-inFlight
				return
			}
			s.UpdateAsync(crashUpdate(id), func(err error) {
				if err != nil {
					fail(err)
				}
				acknowledge("U", id)
				<-inFlight
			})
		})
	}
	os.Exit(5)
}

// killWriter runs helper (a TestHelperProcess of this package) in a child
// process writing to a store at path, hands each line it prints to read,
// kills it with SIGKILL as soon as read says so, and reopens the store,
// checking its integrity. A line without its newline was cut by the kill
// and never fully acknowledged, so it is not handed on.
func killWriter(t *testing.T, helper, env, path string, read func(line string) (kill bool)) *SQLite {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+helper+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), env+"="+path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	defer func() {
		if !killed {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()
	r := bufio.NewReader(stdout)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			if err != io.EOF {
				t.Fatal(err)
			}
			break
		}
		if read(strings.TrimSuffix(line, "\n")) && !killed {
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			killed = true
		}
	}
	err = cmd.Wait()
	if !killed {
		t.Fatalf("writer ended before it was killed: %v\n%s", err, stderr.String())
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("writer ended with %v, want killed by SIGKILL\n%s", err, stderr.String())
	}
	s, err := OpenSQLite(path, Options{})
	if err != nil {
		t.Fatalf("reopening after the crash: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	var integrity string
	if err := s.reader.QueryRow(`PRAGMA integrity_check`).Scan(&integrity); err != nil || integrity != "ok" {
		t.Fatalf("integrity_check = %q, %v", integrity, err)
	}
	return s
}

func TestCrashDurability(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a writer process and kills it")
	}
	// Read acknowledgements; once a few hundred are in, kill the writer in
	// mid-stream, then take the lines it printed before dying.
	const killAfter = 300
	inserted, updated := map[string]bool{}, map[string]bool{}
	s := killWriter(t, "TestHelperProcess", crashDBEnv, filepath.Join(t.TempDir(), "crash.db"), func(line string) bool {
		kind, id, ok := strings.Cut(line, " ")
		switch {
		case ok && kind == "I":
			inserted[id] = true
		case ok && kind == "U" && inserted[id]:
			updated[id] = true
		default:
			t.Fatalf("writer printed %q", line)
		}
		return len(inserted) >= killAfter
	})
	t.Logf("writer killed after acknowledging %d inserts and %d updates", len(inserted), len(updated))
	for id := range inserted {
		want := crashMessage(id)
		u := crashUpdate(id)
		withUpdate := new(Message)
		*withUpdate = *want
		withUpdate.Attempts, withUpdate.NextAttempt, withUpdate.LastError = u.Attempts, u.NextAttempt, u.LastError
		if updated[id] {
			checkStored(t, s, withUpdate)
			continue
		}
		// An update the writer never acknowledged may still have been
		// committed just before the kill: either state is right, anything
		// else is not.
		if n, _ := strconv.ParseUint(id, 16, 64); n%4 == 0 {
			got, err := s.Get(context.Background(), id)
			if err == nil && got.Attempts == u.Attempts {
				want = withUpdate
			}
		}
		checkStored(t, s, want)
	}
	// Ids handed out before the crash are never handed out again.
	var highest uint64
	for id := range inserted {
		n, err := strconv.ParseUint(id, 16, 64)
		if err != nil {
			t.Fatalf("writer acknowledged id %q: %v", id, err)
		}
		highest = max(highest, n)
	}
	id, err := s.NextID(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n, err := strconv.ParseUint(id, 16, 64); err != nil || n <= highest {
		t.Errorf("NextID after the crash = %q, want above every id used before it (%x)", id, highest)
	}
}
