package ppg

import (
	"bytes"
	"context"
	"encoding/hex"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/txpush/txpush/clock"
	"github.com/txpush/txpush/internal/netsmpp"
	"github.com/txpush/txpush/pap"
	"github.com/txpush/txpush/wap/content"
	"github.com/txpush/txpush/wap/wsp"
)

// TestNetSMPPSMSCSeesTheWholePush points the PPG at an SMSC we did not
// write — Net::SMPP (Debian libnet-smpp-perl), testdata/netsmpp/smsc.pl —
// and checks the submit_sm on the wire: transaction mode, the whole push
// in message_payload with nothing cut, the WDP ports in TLVs, the push's
// reference.
func TestNetSMPPSMSCSeesTheWholePush(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	peer := netsmpp.StartSMSC(t, ctx, 1)
	lines, addr := peer.Lines, peer.Addr
	disp := startDispatcher(t, SMPPConfig{Addrs: []string{addr}})
	// On a transceiver bind smsc.pl first sends a deliver_sm and a
	// malformed one, and ignores anything else until both are answered:
	// push only then.
	for lines.Scan() && !strings.HasPrefix(lines.Text(), "malformed_deliver_resp") {
	}
	p, err := New(Config{Clock: clock.Real()}, newMemStore(), disp)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	srv := httptest.NewServer(p)
	defer srv.Close()

	// A push of some 900 octets: eight SMS, which Kannel would cut to what
	// its limit allows; here it must travel whole.
	si := `<si><indication href="http://content.example.com/long" si-id="long-1">` + strings.Repeat("0123456789", 85) + `</indication></si>`
	client := &pap.Client{URL: srv.URL + "/pap"}
	resp, err := client.Push(ctx, pushMessage("netsmpp@pi.test", "+358401234567"), pap.NewEntity("text/vnd.wap.si", []byte(si)))
	if err != nil || resp.Result.Code != pap.CodeAccepted {
		t.Fatalf("push: %v %v", resp, err)
	}
	want, err := content.Compile(content.Content{Type: "text/vnd.wap.si", Body: []byte(si)}, content.Options{})
	if err != nil {
		t.Fatal(err)
	}

	var submit map[string]string
	for submit == nil && lines.Scan() {
		f := strings.Fields(lines.Text())
		if len(f) < 2 || f[0] != "rx" || f[1] != "cmd=submit_sm" {
			continue
		}
		submit = map[string]string{}
		for _, kv := range f[1:] {
			k, v, _ := strings.Cut(kv, "=")
			submit[k] = v
		}
	}
	if submit == nil {
		t.Fatalf("Net::SMPP never received a submit_sm: %s", peer.Stderr())
	}
	if submit["esm_class"] != "2" || submit["data_coding"] != "4" {
		t.Errorf("esm_class %s data_coding %s, want 2 (transaction mode) and 4", submit["esm_class"], submit["data_coding"])
	}
	if submit["source_port"] != "23f0" || submit["destination_port"] != "0b84" || submit["user_message_reference"] == "" {
		t.Errorf("TLVs %v", submit)
	}
	payload, err := hex.DecodeString(submit["message_payload"])
	if err != nil {
		t.Fatal(err)
	}
	got, err := wsp.Parse(payload)
	if err != nil {
		t.Fatalf("the payload Net::SMPP received is not a WSP push: %v", err)
	}
	if !bytes.Equal(got.Body, want.Body) || got.ContentType.Value != "application/vnd.wap.sic" {
		t.Fatalf("payload carries %d octets of %s, want the %d-octet compiled SI", len(got.Body), got.ContentType.Value, len(want.Body))
	}
	if len(payload) < 850 {
		t.Fatalf("payload of %d octets", len(payload))
	}
}
