package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/txpush/txpush/pap"
)

// TestPPGSurvivesKill9 pushes to `txpush ppg` under load, kills it with
// SIGKILL mid-stream, starts it again on the same store, and checks that
// every push answered 1001 reaches the handset exactly once and its
// result notification reaches the PI.
func TestPPGSurvivesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("runs and kills daemons")
	}
	dir := t.TempDir()
	const msisdn = "358401230000"
	sc := startDaemon(t, "smsc", "--smpp", "127.0.0.1:0", "--store", filepath.Join(dir, "smsc.db"), "--log-level", "warn")
	smscAddr := sc.waitLine(t, "smsc: SMPP on ")

	// The handset counts every SI it receives, by si-id.
	hs := startDaemon(t, "handset", "--smsc", smscAddr, "--msisdn", msisdn, "--log-level", "info")
	var hmu sync.Mutex
	received := map[string]int{}
	go func() {
		sc := bufio.NewScanner(hs.stdout)
		for sc.Scan() {
			var ev struct {
				Kind string `json:"kind"`
				SIID string `json:"si_id"`
			}
			if json.Unmarshal(sc.Bytes(), &ev) == nil && ev.Kind == "push" {
				hmu.Lock()
				received[ev.SIID]++
				hmu.Unlock()
			}
		}
	}()
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(hs.logs(), "bound as receiver"); {
		if time.Now().After(deadline) {
			t.Fatalf("handset did not bind:\n%s", hs.logs())
		}
		time.Sleep(10 * time.Millisecond)
	}

	// The PI's notification endpoint.
	var nmu sync.Mutex
	notified := map[string]pap.MessageState{}
	pi := httptest.NewServer(pap.NotificationHandler(func(_ context.Context, n *pap.ResultNotification) error {
		nmu.Lock()
		notified[n.PushID] = n.State
		nmu.Unlock()
		return nil
	}))
	defer pi.Close()

	db := filepath.Join(dir, "ppg.db")
	first := startDaemon(t, "ppg", "--pap", "127.0.0.1:0", "--smsc", smscAddr, "--store", db, "--log-level", "warn")
	url := strings.TrimSuffix(first.waitLine(t, "ppg: PAP on "), " (and /wappush)")

	// Eight PIs push until the PPG dies under them; the test kills it
	// once 150 pushes were accepted.
	client := &pap.Client{URL: url, HTTPClient: &http.Client{Timeout: 5 * time.Second}}
	var amu sync.Mutex
	var accepted []string
	var killOnce sync.Once
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				id := fmt.Sprintf("k%d-%d@pi.example", w, i)
				si := `<si><indication href="http://content.example/` + id + `" si-id="` + id + `">x</indication></si>`
				addr, _ := pap.ParseAddress("WAPPUSH=+" + msisdn + "/TYPE=PLMN")
				resp, err := client.Push(context.Background(), &pap.PushMessage{
					PushID: id, Addresses: []pap.Address{addr}, NotifyTo: pi.URL,
				}, pap.NewEntity("text/vnd.wap.si", []byte(si)))
				if err != nil {
					return // the PPG is gone
				}
				if resp.Result.Code != pap.CodeAccepted {
					t.Errorf("push %s: %d %s", id, resp.Result.Code, resp.Result.Desc)
					return
				}
				amu.Lock()
				accepted = append(accepted, id)
				n := len(accepted)
				amu.Unlock()
				if n >= 150 {
					killOnce.Do(func() { first.cmd.Process.Signal(syscall.SIGKILL) })
				}
			}
		}()
	}
	wg.Wait()
	killOnce.Do(func() { first.cmd.Process.Signal(syscall.SIGKILL) })
	first.cmd.Wait()
	nmu.Lock()
	before := len(notified)
	nmu.Unlock()
	hmu.Lock()
	atHandset := len(received)
	hmu.Unlock()
	t.Logf("%d pushes accepted before the kill; %d notified and %d at the handset by then", len(accepted), before, atHandset)

	second := startDaemon(t, "ppg", "--pap", "127.0.0.1:0", "--smsc", smscAddr, "--store", db, "--log-level", "warn")
	second.waitLine(t, "ppg: PAP on ")

	deadline := time.Now().Add(60 * time.Second)
	for {
		nmu.Lock()
		missing := 0
		for _, id := range accepted {
			if _, ok := notified[id]; !ok {
				missing++
			}
		}
		nmu.Unlock()
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d accepted pushes have no result notification\nppg:\n%s", missing, len(accepted), second.logs())
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Every accepted push reached the handset exactly once.
	deadline = time.Now().Add(10 * time.Second)
	for {
		hmu.Lock()
		short := 0
		for _, id := range accepted {
			if received[id] == 0 {
				short++
			}
		}
		hmu.Unlock()
		if short == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	hmu.Lock()
	defer hmu.Unlock()
	nmu.Lock()
	defer nmu.Unlock()
	for _, id := range accepted {
		if received[id] != 1 {
			t.Errorf("push %s reached the handset %d times", id, received[id])
		}
		if notified[id] != pap.StateDelivered {
			t.Errorf("push %s notified as %s", id, notified[id])
		}
	}
	for id, n := range received {
		if n > 1 {
			t.Errorf("push %s (accepted or not) reached the handset %d times", id, n)
		}
	}
}
