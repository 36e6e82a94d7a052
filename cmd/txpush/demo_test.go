package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// runDemo runs `txpush demo` with args and returns its exit code and
// output, failing the test if it does not end within limit.
func runDemo(t *testing.T, limit time.Duration, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	var out, errb bytes.Buffer
	code := demoMain(ctx, args, &out, &errb)
	if ctx.Err() != nil {
		t.Fatalf("txpush demo %v did not finish within %v:\n%s%s", args, limit, out.String(), errb.String())
	}
	return code, out.String() + errb.String()
}

// summaryCount reads one row of the summary table.
func summaryCount(t *testing.T, out, name string) int {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` +(\d+)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no %q row in the summary:\n%s", name, out)
	}
	n, err := strconv.Atoi(m[1])
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// checkAccounted checks that every one of the pushes was posted, accepted
// and ended delivered or failed with a cause, and returns the number
// delivered.
func checkAccounted(t *testing.T, out string, pushes int) (delivered int) {
	t.Helper()
	accepted, failed := summaryCount(t, out, "accepted"), summaryCount(t, out, "failed")
	delivered = summaryCount(t, out, "delivered")
	if got := summaryCount(t, out, "posted"); got != pushes {
		t.Errorf("posted %d of %d pushes", got, pushes)
	}
	if accepted != pushes || summaryCount(t, out, "refused") != 0 {
		t.Errorf("accepted %d of %d pushes", accepted, pushes)
	}
	if delivered+failed != accepted || summaryCount(t, out, "no result") != 0 {
		t.Errorf("delivered %d + failed %d != accepted %d", delivered, failed, accepted)
	}
	if n := summaryCount(t, out, "notifications"); n != accepted {
		t.Errorf("%d result notifications for %d accepted pushes", n, accepted)
	}
	return delivered
}

// TestDemoIdeal: on the ideal network every push of the scripted load
// reaches its handset, is reported delivered to the PI and is fetched
// through the WAP gateway from the content server, in each way the PPG can
// reach the SMSC.
func TestDemoIdeal(t *testing.T) {
	const pushes = 200
	for _, mode := range [][]string{
		{"--mode", "transaction", "--smsc-mode", "integrated"},
		{"--mode", "transaction", "--smsc-mode", "separate"},
		{"--mode", "legacy"},
	} {
		t.Run(strings.Join(mode, " "), func(t *testing.T) {
			args := append([]string{"--pushes", strconv.Itoa(pushes), "--network", "ideal"}, mode...)
			code, out := runDemo(t, 20*time.Second, args...)
			if code != 0 {
				t.Fatalf("exit %d:\n%s", code, out)
			}
			if d := checkAccounted(t, out, pushes); d != pushes {
				t.Errorf("delivered %d of %d on the ideal network:\n%s", d, pushes, out)
			}
			for _, row := range []string{"at handsets", "handset fetches", "content served"} {
				if n := summaryCount(t, out, row); n != pushes {
					t.Errorf("%s: %d, want %d", row, n, pushes)
				}
			}
			if n := summaryCount(t, out, "fetch failures"); n != 0 {
				t.Errorf("%d fetches failed:\n%s", n, out)
			}
			if strings.Contains(mode[len(mode)-1], "integrated") == strings.Contains(out, "SMSC SMPP on ") {
				t.Errorf("the SMPP endpoint is printed exactly when the PPG reaches the SMSC over SMPP:\n%s", out)
			}
		})
	}
}

// TestDemoTypical: on the typical network some pushes may fail, but each
// ends delivered or failed with a cause, and the PI hears of each.
func TestDemoTypical(t *testing.T) {
	const pushes = 100
	code, out := runDemo(t, 50*time.Second, "--pushes", strconv.Itoa(pushes), "--network", "typical")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	delivered := checkAccounted(t, out, pushes)
	if delivered < pushes*9/10 {
		t.Errorf("delivered %d of %d on the typical network with no absent handsets:\n%s", delivered, pushes, out)
	}
	if !strings.Contains(out, "network typical with absent share 0 (the profile's 0.1: --absent)") {
		t.Errorf("the summary does not say the absent share:\n%s", out)
	}
}

// TestDemoServes: with no --pushes the demo runs as a daemon that any PI
// can push through.
func TestDemoServes(t *testing.T) {
	d := startDaemon(t, "demo", "--network", "ideal")
	papURL := strings.TrimSuffix(d.waitLine(t, "demo: PAP on "), " (and /wappush)")
	contentURL := d.waitLine(t, "demo: content server on ")
	var out, errb bytes.Buffer
	code := pushMain(context.Background(), []string{"--ppg", papURL, "--to", "+358401234567",
		"--si-href", contentURL + "/si/news", "--si-text", "hello", "--wait", "--wait-timeout", "20s"}, &out, &errb)
	if code != 0 || !strings.Contains(out.String(), "message-state=delivered") {
		t.Fatalf("txpush push: exit %d\n%s%s\ndemo:\n%s", code, out.String(), errb.String(), d.logs())
	}
	// The demo's PPG serves its status page and metrics beside PAP.
	base := strings.TrimSuffix(papURL, "/pap")
	for path, want := range map[string]string{"/status": "delivered", "/metrics": "txpush_ppg_pushes_accepted_total 1"} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
			t.Errorf("%s: %d, want a page with %q", path, resp.StatusCode, want)
		}
	}
}

// TestDemoFlags: bad settings are usage errors.
func TestDemoFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--mode", "bulk"},
		{"--smsc-mode", "remote"},
		{"--network", "lunar", "--pushes", "1"},
		{"--absent", "1"},
		{"--concurrency", "0"},
		{"--handsets", "0"},
	} {
		var out, errb bytes.Buffer
		code := demoMain(context.Background(), args, &out, &errb)
		if code == 0 {
			t.Errorf("txpush demo %v: exit 0, want an error", args)
		}
		if errb.Len() == 0 {
			t.Errorf("txpush demo %v: nothing said on stderr", args)
		}
	}
}
