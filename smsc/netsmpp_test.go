package smsc

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/txpush/txpush/internal/netsmpp"
	"github.com/txpush/txpush/radio"
	"github.com/txpush/txpush/store"
)

// TestNetSMPPESME drives the SMSC with an ESME we did not write: Debian's
// Net::SMPP binds, submits in the three messaging modes, gets a receipt,
// queries and cancels (./test.sh installs libnet-smpp-perl).
func TestNetSMPPESME(t *testing.T) {
	netsmpp.Require(t)
	air := newTestAir()
	air.fail = func(sms radio.SMS, _ int) *radio.Error {
		switch {
		case strings.HasPrefix(sms.Destination, "358409"):
			return &radio.Error{Code: radio.UnknownSubscriber}
		case strings.HasPrefix(sms.Destination, "358408"):
			return &radio.Error{Code: radio.AbsentSubscriber}
		}
		return nil
	}
	cfg := Config{Accounts: []Account{{SystemID: "perl", Password: "secret", Push: true}}, SAF: SAFConfig{NoAlertSC: true}}
	_, addr := startSMSC(t, cfg, air, store.NewMemory())
	host, port, _ := net.SplitHostPort(addr)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "perl", "testdata/netsmpp_esme.pl", host, port).CombinedOutput()
	t.Logf("Net::SMPP said:\n%s", out)
	if err != nil {
		t.Fatal(err)
	}
	steps := map[string]map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		kv := map[string]string{}
		for _, p := range f[1:] {
			k, v, _ := strings.Cut(p, "=")
			kv[k] = v
		}
		steps[f[0]] = kv
	}
	for _, step := range []string{"bind", "transaction", "datagram", "store_forward", "query", "store_absent", "cancel", "query_cancelled", "unbind"} {
		if steps[step]["status"] != "0" {
			t.Errorf("%s: %v", step, steps[step])
		}
	}
	if got := steps["transaction_fail"]["status"]; got != strconv.Itoa(0xFE) {
		t.Errorf("transaction to an unknown subscriber: status %s, want 254 (ESME_RDELIVERYFAILURE)", got)
	}
	if len(air.delivered("358401230001")) != 3 {
		t.Errorf("transaction-mode push: %d segments delivered, want 3", len(air.delivered("358401230001")))
	}
	id := steps["store_forward"]["message_id"]
	r := steps["receipt"]
	if r["esm_class"] != "4" || r["receipted_message_id"] != id || r["message_state"] != "2" || !strings.Contains(r["text"], "stat:DELIVRD") {
		t.Errorf("receipt %v for %s", r, id)
	}
	if steps["query"]["message_state"] != "2" || steps["query_cancelled"]["message_state"] != "4" {
		t.Errorf("query states %v / %v", steps["query"], steps["query_cancelled"])
	}
}
