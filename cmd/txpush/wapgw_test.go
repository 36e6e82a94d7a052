package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/txpush/txpush/handset"
)

// runningWapgw is `txpush wapgw` running in the test's process.
type runningWapgw struct {
	addr   string
	stderr *lockedBuffer
	stop   context.CancelFunc
	exit   chan int
}

// startWapgw runs wapgwMain with args and waits for the address it
// prints.
func startWapgw(t *testing.T, args ...string) *runningWapgw {
	t.Helper()
	stdout, w := io.Pipe()
	ctx, stop := context.WithCancel(context.Background())
	g := &runningWapgw{stderr: &lockedBuffer{}, stop: stop, exit: make(chan int, 1)}
	go func() {
		g.exit <- wapgwMain(ctx, args, w, g.stderr)
		w.Close()
	}()
	t.Cleanup(func() {
		stop()
		<-g.exit
	})
	lines := make(chan string, 1)
	go func() {
		r := bufio.NewReader(stdout)
		line, _ := r.ReadString('\n')
		lines <- line
		io.Copy(io.Discard, r)
	}()
	select {
	case line := <-lines:
		addr, ok := strings.CutPrefix(strings.TrimSpace(line), "wapgw: HTTP proxy on ")
		if !ok {
			t.Fatalf("first line %q; stderr:\n%s", line, g.stderr.String())
		}
		g.addr = addr
	case <-time.After(10 * time.Second):
		t.Fatalf("wapgw printed no address; stderr:\n%s", g.stderr.String())
	}
	return g
}

// client is an HTTP client using the gateway as its proxy, as a handset
// configured with --proxy does.
func (g *runningWapgw) client(t *testing.T) *http.Client {
	proxy, err := url.Parse("http://" + g.addr)
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{Proxy: http.ProxyURL(proxy)}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// wait stops the gateway as SIGINT would and returns its exit status.
func (g *runningWapgw) wait(t *testing.T) int {
	t.Helper()
	g.stop()
	select {
	case code := <-g.exit:
		g.exit <- code // for the cleanup
		return code
	case <-time.After(10 * time.Second):
		t.Fatal("wapgw did not stop")
		return -1
	}
}

// fetch GETs rawURL with c and returns the status and body.
func fetch(t *testing.T, c *http.Client, rawURL string) (int, string) {
	t.Helper()
	resp, err := c.Get(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func TestWapgwCommand(t *testing.T) {
	const page = "<wml><card><p>pushed news</p></card></wml>"
	entered, release := make(chan struct{}), make(chan struct{})
	content := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			entered <- struct{}{}
			<-release
		}
		io.WriteString(w, page)
	}))
	defer content.Close()
	contentHost := strings.TrimPrefix(content.URL, "http://")

	gw := startWapgw(t, "--listen", "127.0.0.1:0", "--allow", contentHost, "--allow", "*.content.example", "--timeout", "10s")
	c := gw.client(t)
	if status, body := fetch(t, c, content.URL+"/news?id=1"); status != http.StatusOK || body != page {
		t.Errorf("allowed fetch: %d %q", status, body)
	}
	if status, body := fetch(t, c, "http://elsewhere.example/"); status != http.StatusForbidden || !strings.Contains(body, "allow list") {
		t.Errorf("refused fetch: %d %q", status, body)
	}

	// /metrics, asked for directly, counts what happened.
	status, metrics := fetch(t, http.DefaultClient, "http://"+gw.addr+"/metrics")
	for _, want := range []string{"txpush_wapgw_requests_total 2\n", "txpush_wapgw_forwarded_total 1\n",
		"txpush_wapgw_refused_total 1\n", "txpush_wapgw_errors_total 0\n", "# TYPE txpush_wapgw_bytes_total counter\n"} {
		if status != http.StatusOK || !strings.Contains(metrics, want) {
			t.Errorf("/metrics %d lacks %q:\n%s", status, want, metrics)
		}
	}
	// Any other origin-form request is not a proxy request.
	if status, _ := fetch(t, http.DefaultClient, "http://"+gw.addr+"/news"); status != http.StatusBadRequest {
		t.Errorf("origin-form request: %d, want 400", status)
	}

	// A fetch in flight when the gateway is told to stop is finished.
	slow := make(chan int, 1)
	go func() {
		resp, err := c.Get(content.URL + "/slow")
		if err != nil {
			slow <- 0
			return
		}
		resp.Body.Close()
		slow <- resp.StatusCode
	}()
	<-entered
	gw.stop()
	close(release)
	if status := <-slow; status != http.StatusOK {
		t.Errorf("the fetch in flight at shutdown got %d, want 200", status)
	}
	if code := gw.wait(t); code != 0 {
		t.Errorf("exit status %d; stderr:\n%s", code, gw.stderr.String())
	}
	log := gw.stderr.String()
	for _, want := range []string{"wapgw listening", "msg=request", "status=200", "status=403", `url="` + content.URL + `/news?id=1"`, "shutting down"} {
		if !strings.Contains(log, want) {
			t.Errorf("stderr lacks %q:\n%s", want, log)
		}
	}
	if strings.Contains(log, "allow list is empty") {
		t.Errorf("warned of an empty allow list:\n%s", log)
	}
}

func TestWapgwCommandEmptyAllowList(t *testing.T) {
	content := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("the content server was reached")
	}))
	defer content.Close()
	gw := startWapgw(t, "--listen", "127.0.0.1:0")
	if status, _ := fetch(t, gw.client(t), content.URL+"/"); status != http.StatusForbidden {
		t.Errorf("status %d, want 403", status)
	}
	if code := gw.wait(t); code != 0 {
		t.Errorf("exit status %d", code)
	}
	if log := gw.stderr.String(); !strings.Contains(log, "level=WARN") || !strings.Contains(log, "allow list is empty") {
		t.Errorf("no warning of the empty allow list:\n%s", log)
	}
}

func TestWapgwConfigFile(t *testing.T) {
	content := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/big" {
			io.WriteString(w, strings.Repeat("x", 21))
			return
		}
		io.WriteString(w, "small")
	}))
	defer content.Close()
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "other") }))
	defer other.Close()

	cfg := filepath.Join(t.TempDir(), "wapgw.yaml")
	if err := os.WriteFile(cfg, []byte(`
listen: "127.0.0.1:0"
allow:
  - "`+strings.TrimPrefix(content.URL, "http://")+`"
timeout: 5s
max_body: 20
log_level: warn
`), 0o600); err != nil {
		t.Fatal(err)
	}
	// --allow adds to the file's list.
	gw := startWapgw(t, "--config", cfg, "--allow", strings.TrimPrefix(other.URL, "http://"))
	c := gw.client(t)
	if status, body := fetch(t, c, content.URL+"/"); status != http.StatusOK || body != "small" {
		t.Errorf("the file's host: %d %q", status, body)
	}
	if status, body := fetch(t, c, other.URL+"/"); status != http.StatusOK || body != "other" {
		t.Errorf("the flag's host: %d %q", status, body)
	}
	if status, body := fetch(t, c, content.URL+"/big"); status != http.StatusBadGateway || !strings.Contains(body, "20") {
		t.Errorf("over max_body: %d %q", status, body)
	}
	if code := gw.wait(t); code != 0 {
		t.Errorf("exit status %d", code)
	}
	if log := gw.stderr.String(); strings.Contains(log, "msg=request") {
		t.Errorf("access log at log_level warn:\n%s", log)
	}
}

func TestWapgwCommandUsage(t *testing.T) {
	for _, tt := range []struct {
		args []string
		code int
		text string
	}{
		{[]string{"wapgw", "-h"}, 0, "-allow"},
		{[]string{"wapgw", "--allow", "*"}, 2, "open proxy"},
		{[]string{"wapgw", "--allow", "host:99999"}, 2, "port"},
		{[]string{"wapgw", "--timeout", "0s"}, 2, "positive"},
		{[]string{"wapgw", "--max-body", "-1"}, 2, "positive"},
		{[]string{"wapgw", "--log-level", "loud"}, 2, "log-level"},
		{[]string{"wapgw", "extra"}, 2, "unexpected argument"},
		{[]string{"wapgw", "--config", "/nonexistent/wapgw.yaml"}, 2, "wapgw.yaml"},
	} {
		var stdout, stderr strings.Builder
		if code := run(tt.args, &stdout, &stderr); code != tt.code || !strings.Contains(stderr.String(), tt.text) {
			t.Errorf("%q: exit %d, want %d; stderr lacks %q:\n%s", tt.args, code, tt.code, tt.text, stderr.String())
		}
	}
	var stdout, stderr strings.Builder
	run([]string{"help"}, &stdout, &stderr)
	if !strings.Contains(stderr.String(), "wapgw") {
		t.Errorf("usage does not list wapgw:\n%s", stderr.String())
	}
}

func TestWapgwSIGTERM(t *testing.T) {
	content := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "page") }))
	defer content.Close()
	d := startDaemon(t, "wapgw", "--listen", "127.0.0.1:0", "--allow", strings.TrimPrefix(content.URL, "http://"))
	gw := &runningWapgw{addr: d.waitLine(t, "wapgw: HTTP proxy on ")}
	if status, body := fetch(t, gw.client(t), content.URL+"/"); status != http.StatusOK || body != "page" {
		t.Errorf("fetch: %d %q", status, body)
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
	if err := d.cmd.Wait(); err != nil {
		t.Fatalf("wapgw exit: %v\n%s", err, d.logs())
	}
	if !strings.Contains(d.logs(), "shutting down") {
		t.Errorf("no shutdown in the log:\n%s", d.logs())
	}
}

// TestHandsetFetchesThroughWapgw is steps 11–14: a handset that got a
// push fetches its URL through `txpush wapgw` from the content server.
func TestHandsetFetchesThroughWapgw(t *testing.T) {
	const msisdn, page = "358401234567", "<wml><card><p>the pushed page</p></card></wml>"
	var seen atomic.Pointer[http.Request]
	content := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.Store(r)
		w.Header().Set("Content-Type", "text/vnd.wap.wml")
		io.WriteString(w, page)
	}))
	defer content.Close()
	href := content.URL + "/news?id=7"
	gw := startWapgw(t, "--listen", "127.0.0.1:0", "--allow", strings.TrimPrefix(content.URL, "http://"))
	smsc := startHandsetTestSMSC(t, msisdn, handsetTestPush(t, href))

	stdout, w := io.Pipe()
	var stderr lockedBuffer
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	exit := make(chan int, 1)
	go func() {
		exit <- handsetMain(ctx, []string{"--smsc", smsc.addr, "--msisdn", msisdn, "--proxy", "http://" + gw.addr}, w, &stderr)
		w.Close()
	}()
	events := make(chan handset.Event)
	go func() {
		defer close(events)
		dec := json.NewDecoder(stdout)
		for {
			var e handset.Event
			if err := dec.Decode(&e); err != nil {
				return
			}
			events <- e
		}
	}()
	timeout := time.NewTimer(10 * time.Second)
	defer timeout.Stop()
	var fetch handset.Event
	for fetch.Kind != handset.EventFetch {
		select {
		case e, ok := <-events:
			if !ok {
				t.Fatalf("the handset's output ended; stderr:\n%s", stderr.String())
			}
			fetch = e
		case <-timeout.C:
			t.Fatalf("no fetch; handset:\n%s\nwapgw:\n%s", stderr.String(), gw.stderr.String())
		}
	}
	if fetch.URL != href || fetch.Status != http.StatusOK || fetch.Size != int64(len(page)) || fetch.ContentType != "text/vnd.wap.wml" || fetch.Err != "" {
		t.Errorf("fetch %+v", fetch)
	}
	if r := seen.Load(); r == nil || r.RequestURI != "/news?id=7" || r.Header.Get("Via") != "1.1 txpush-wapgw" {
		t.Errorf("the content server got %+v", r)
	}
	stop()
	<-exit
	for range events {
	}
	if code := gw.wait(t); code != 0 {
		t.Errorf("wapgw exit %d", code)
	}
	if log := gw.stderr.String(); !strings.Contains(log, `url="`+href+`" status=200`) {
		t.Errorf("the gateway's access log lacks the fetch:\n%s", log)
	}
}
