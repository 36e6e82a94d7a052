package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestPPGStatusPageInBrowser pushes through `txpush smsc` and `txpush ppg`
// and then has a real headless browser load the PPG's status page: what it
// shows must name the pushes, their delivery and the counts.
func TestPPGStatusPageInBrowser(t *testing.T) {
	browser, err := exec.LookPath("chromium")
	if err != nil {
		if testing.Short() {
			t.Skip("chromium is not installed")
		}
		t.Fatal("chromium is not installed: run ./test.sh, which installs it (Debian package chromium)")
	}
	dir := t.TempDir()
	sc := startDaemon(t, "smsc", "--smpp", "127.0.0.1:0", "--store", filepath.Join(dir, "smsc.db"), "--log-level", "warn")
	smscAddr := sc.waitLine(t, "smsc: SMPP on ")
	pg := startDaemon(t, "ppg", "--pap", "127.0.0.1:0", "--smsc", smscAddr, "--store", filepath.Join(dir, "ppg.db"), "--log-level", "warn")
	papURL := strings.TrimSuffix(pg.waitLine(t, "ppg: PAP on "), " (and /wappush)")

	ids := []string{"status-1@browser.test", "status-2@browser.test", "status-3@browser.test"}
	for i, id := range ids {
		var out, errb bytes.Buffer
		code := pushMain(context.Background(), []string{"--ppg", papURL, "--push-id", id,
			"--to", fmt.Sprintf("+35840123456%d", i),
			"--si-href", "http://content.example.com/" + id, "--si-text", "hello",
			"--wait", "--wait-timeout", "30s"}, &out, &errb)
		if code != 0 || !strings.Contains(out.String(), "message-state=delivered") {
			t.Fatalf("txpush push %s: exit %d\n%s%s\nppg:\n%s\nsmsc:\n%s", id, code, out.String(), errb.String(), pg.logs(), sc.logs())
		}
	}

	statusURL := strings.TrimSuffix(papURL, "/pap") + "/status"
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	profile := t.TempDir()
	cmd := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu",
		"--disable-quic", "--no-first-run", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--user-data-dir="+profile,
		"--dump-dom", statusURL)
	// Keep the browser's caches and crash reports out of the user's home.
	cmd.Env = append(os.Environ(), "HOME="+profile, "XDG_CONFIG_HOME="+profile, "XDG_CACHE_HOME="+profile)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	dom, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium --dump-dom %s: %v\n%s", statusURL, err, stderr.String())
	}
	page := string(dom)
	if !strings.Contains(page, "<title>txpush PPG status</title>") {
		t.Fatalf("chromium did not show the status page:\n%s\nstderr:\n%s", page, stderr.String())
	}

	for _, id := range ids {
		row := regexp.MustCompile(`<tr class="final"><td class="push-id">` + regexp.QuoteMeta(id) +
			`</td>.*?<td class="state">delivered 1</td><td class="n">[0-9.]+(ms|s|µs)</td></tr>`)
		if !row.MatchString(page) {
			t.Errorf("the browser shows no delivered row for %s", id)
		}
	}
	for _, want := range []string{
		`id="accepted">3<`, `id="open">0<`, `id="parked">0<`, `id="final-delivered">3<`, `id="final-undeliverable">0<`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the browser's page lacks %s", want)
		}
	}
	window := regexp.MustCompile(`<tr id="window-15m"><td>15 min</td><td class="n">3</td><td class="n">3</td><td class="n">0</td><td class="n">0</td><td class="n">100.0 %</td>`)
	if !window.MatchString(page) {
		t.Error("the browser's page lacks the 15 min window: 3 accepted, 3 delivered, 100.0 %")
	}
	if t.Failed() {
		t.Logf("DOM:\n%s", page)
	}
}
