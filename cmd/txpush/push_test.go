package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/txpush/txpush/pap"
	"github.com/txpush/txpush/wap/content"
)

// fakePPG is a PPG double that answers PAP and, for a push with
// ppg-notify-requested-to, posts a delivered result notification.
type fakePPG struct {
	t       *testing.T
	mu      sync.Mutex
	pushes  []*pap.Request
	answers chan error
}

func (f *fakePPG) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	req, err := pap.ReadRequest(r.Header.Get("Content-Type"), r.Body, 1<<20)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var answer pap.Message
	switch m := req.Message.(type) {
	case *pap.PushMessage:
		f.mu.Lock()
		f.pushes = append(f.pushes, req)
		f.mu.Unlock()
		answer = &pap.PushResponse{Header: m.Header, PushID: m.PushID, Result: pap.Result{Code: pap.CodeAccepted, Desc: "accepted"}}
		if m.NotifyTo != "" {
			go func() {
				for _, a := range m.Addresses {
					n := &pap.ResultNotification{Header: m.Header, PushID: m.PushID, State: pap.StateDelivered,
						Code: pap.CodeOK, Desc: "delivered", Address: a, EventTime: time.Now(), ReceivedTime: time.Now()}
					body, _ := pap.Marshal(n)
					resp, err := http.Post(m.NotifyTo, "application/xml", bytes.NewReader(body))
					if err == nil {
						resp.Body.Close()
					}
					f.answers <- err
				}
			}()
		}
	case *pap.StatusQueryMessage:
		answer = &pap.StatusQueryResponse{Header: m.Header, PushID: m.PushID,
			Results: []pap.StatusQueryResult{{State: pap.StatePending, Code: pap.CodeOK, Addresses: m.Addresses}}}
	case *pap.CancelMessage:
		answer = &pap.CancelResponse{Header: m.Header, PushID: m.PushID,
			Results: []pap.CancelResult{{Code: pap.CodeOK, Desc: "cancelled"}}}
	}
	b, _ := pap.Marshal(answer)
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(http.StatusAccepted)
	w.Write(b)
}

func TestPushCommand(t *testing.T) {
	ppg := &fakePPG{t: t, answers: make(chan error, 10)}
	srv := httptest.NewServer(ppg)
	defer srv.Close()

	var out, errb bytes.Buffer
	code := pushMain(context.Background(), []string{"--ppg", srv.URL + "/pap", "--to", "358401234567,+358401234568",
		"--si-href", "http://content.example.com/news?a=1&b=2", "--si-text", "News <today>", "--wait", "--wait-timeout", "10s",
		"--deliver-before", "10m", "--priority", "high"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errb.String())
	}
	got := out.String()
	if !strings.Contains(got, "code=1001") || strings.Count(got, "resultnotification") != 2 || !strings.Contains(got, "message-state=delivered") {
		t.Fatalf("output:\n%s", got)
	}
	ppg.mu.Lock()
	req := ppg.pushes[0]
	ppg.mu.Unlock()
	m := req.Message.(*pap.PushMessage)
	if len(m.Addresses) != 2 || m.Addresses[0].Value != "+358401234567" || m.QoS.Priority != pap.PriorityHigh || m.DeliverBefore.IsZero() {
		t.Fatalf("push-message %+v", m)
	}
	// The SI we sent compiles, with the escaped href and text intact.
	push, err := content.Compile(content.Content{Type: req.Content.ContentType(), Body: req.Content.Body}, content.Options{})
	if err != nil {
		t.Fatalf("our SI does not compile: %v\n%s", err, req.Content.Body)
	}
	if push.ContentType.Value != "application/vnd.wap.sic" {
		t.Fatalf("content type %q", push.ContentType.Value)
	}
	for range 2 {
		if err := <-ppg.answers; err != nil {
			t.Fatalf("notification post: %v", err)
		}
	}

	out.Reset()
	if code := pushMain(context.Background(), []string{"status", "--ppg", srv.URL, "--push-id", "x@pi"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "message-state=pending") {
		t.Fatalf("status: %d %s", code, out.String())
	}
	out.Reset()
	if code := pushMain(context.Background(), []string{"cancel", "--ppg", srv.URL, "--push-id", "x@pi", "--to", "358401234567"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "code=1000") {
		t.Fatalf("cancel: %d %s", code, out.String())
	}
	// Usage errors.
	for _, args := range [][]string{
		{"--ppg", srv.URL, "--si-href", "http://x"},                                // no --to
		{"--ppg", srv.URL, "--to", "1", "--si-href", "http://x", "--sl-href", "x"}, // two contents
		{"--ppg", srv.URL, "--to", "abc", "--si-href", "http://x"},                 // bad number
		{"status", "--ppg", srv.URL},                                               // no push-id
	} {
		if code := pushMain(context.Background(), args, &out, &errb); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

func TestPushCommandMMSAndSL(t *testing.T) {
	ppg := &fakePPG{t: t, answers: make(chan error, 10)}
	srv := httptest.NewServer(ppg)
	defer srv.Close()
	var out, errb bytes.Buffer
	for _, args := range [][]string{
		{"--ppg", srv.URL, "--to", "358401234567", "--mms-url", "http://mmsc.example.com/m?id=1", "--mms-from", "+358401111111/TYPE=PLMN"},
		{"--ppg", srv.URL, "--to", "358401234567", "--sl-href", "https://www.example.org/app", "--action", "execute-high", "--pap10"},
	} {
		if code := pushMain(context.Background(), args, &out, &errb); code != 0 {
			t.Fatalf("%v: exit %d %s", args, code, errb.String())
		}
	}
	ppg.mu.Lock()
	defer ppg.mu.Unlock()
	for _, req := range ppg.pushes {
		if _, err := content.Compile(content.Content{Type: req.Content.ContentType(), Body: req.Content.Body}, content.Options{}); err != nil {
			t.Errorf("%s does not compile: %v", req.Content.ContentType(), err)
		}
	}
	if pap.HeaderOf(ppg.pushes[1].Message).Version != pap.PAP10 {
		t.Error("--pap10 did not send PAP 1.0")
	}
}
