package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/txpush/txpush/smpp"
	"github.com/txpush/txpush/wap/content"
)

// forwardProxy is a plain HTTP forward proxy: it takes absolute-URI
// requests and fetches them. It stands in for the WAP gateway.
func forwardProxy(t *testing.T, seen chan<- string) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !r.URL.IsAbs() {
			http.Error(w, "absolute URI required", http.StatusBadRequest)
			return
		}
		seen <- r.URL.String()
		out, _ := http.NewRequestWithContext(r.Context(), r.Method, r.URL.String(), nil)
		resp, err := http.DefaultTransport.RoundTrip(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body)
	}))
}

// TestSMSCToHandsetDaemons runs `txpush smsc` and `txpush handset` as
// separate processes: a transaction-mode SI pushed to the SMSC reaches the
// handset bound as an SMPP receiver, which reassembles it, decodes it and
// fetches its URL from a local HTTP server through a proxy.
func TestSMSCToHandsetDaemons(t *testing.T) {
	page := strings.Repeat("pushed page ", 20)
	contentSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, page)
	}))
	defer contentSrv.Close()
	seen := make(chan string, 10)
	proxy := forwardProxy(t, seen)
	defer proxy.Close()

	sc := startDaemon(t, "smsc", "--smpp", "127.0.0.1:0", "--store", t.TempDir()+"/smsc.db", "--log-level", "warn")
	addr := sc.waitLine(t, "smsc: SMPP on ")
	const msisdn = "358401234567"
	hs := startDaemon(t, "handset", "--smsc", addr, "--msisdn", msisdn, "--proxy", proxy.URL, "--http", "127.0.0.1:0")
	metricsURL := hs.waitLine(t, "handset: metrics on ")
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(hs.logs(), "bound as receiver") {
		if time.Now().After(deadline) {
			t.Fatalf("handset did not bind:\n%s", hs.logs())
		}
		time.Sleep(10 * time.Millisecond)
	}

	href := contentSrv.URL + "/news/today"
	si := `<?xml version="1.0"?>
<!DOCTYPE si PUBLIC "-//WAPFORUM//DTD SI 1.0//EN" "http://www.wapforum.org/DTD/si.dtd">
<si><indication href="` + href + `" si-id="e2e-1" action="signal-high">` +
		strings.Repeat("A long indication text so that the push needs two segments. ", 3) +
		`</indication></si>`
	push, err := content.Compile(content.Content{Type: "text/vnd.wap.si", Body: []byte(si)}, content.Options{TID: 1})
	if err != nil {
		t.Fatal(err)
	}
	pdu, err := push.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	esme, err := smpp.Dial(ctx, addr, smpp.DialConfig{Mode: smpp.Transceiver, Params: smpp.BindParams{SystemID: "ppg"}})
	if err != nil {
		t.Fatal(err)
	}
	defer esme.Close()
	sm := &smpp.SubmitSM{ShortMessage: smpp.ShortMessage{
		SourceAddrTON: 5, SourceAddr: "PPG", DestAddrTON: 1, DestAddrNPI: 1, DestinationAddr: msisdn,
		ESMClass: 0x02, DataCoding: 0x04,
	}}
	sm.TLVs.SetMessagePayload(pdu)
	sm.TLVs.SetSourcePort(9200)
	sm.TLVs.SetDestinationPort(2948)
	if _, err := esme.Send(ctx, sm); err != nil {
		t.Fatalf("transaction-mode submit: %v", err)
	}

	// The handset's JSON events: the push, then the fetch.
	var pushEv, fetchEv map[string]any
	for pushEv == nil || fetchEv == nil {
		line := hs.waitLine(t, "{")
		var ev map[string]any
		if err := json.Unmarshal([]byte("{"+line), &ev); err != nil {
			t.Fatalf("event %q: %v", line, err)
		}
		switch ev["kind"] {
		case "push":
			pushEv = ev
		case "fetch":
			fetchEv = ev
		}
	}
	if pushEv["href"] != href || pushEv["si_id"] != "e2e-1" || pushEv["segments"] != float64(2) {
		t.Errorf("push event %v", pushEv)
	}
	if fetchEv["url"] != href || fetchEv["status"] != float64(200) || fetchEv["size"] != float64(len(page)) {
		t.Errorf("fetch event %v", fetchEv)
	}
	// The handset's metrics count the push and the fetch.
	mresp, err := http.Get(metricsURL)
	if err != nil {
		t.Fatal(err)
	}
	mbody, _ := io.ReadAll(mresp.Body)
	mresp.Body.Close()
	for _, want := range []string{"txpush_handset_pushes_total 1", "txpush_handset_fetches_total 1", "txpush_handset_sms_total 2"} {
		if !strings.Contains(string(mbody), want) {
			t.Errorf("handset /metrics lacks %q", want)
		}
	}
	select {
	case u := <-seen:
		if u != href {
			t.Errorf("proxy saw %s", u)
		}
	default:
		t.Error("the fetch did not go through the proxy")
	}
}
