package smpp

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/txpush/txpush/internal/netsmpp"
)

// These tests run our session against Net::SMPP (Debian libnet-smpp-perl),
// an SMPP implementation we did not write, in both directions. ./test.sh
// installs it.

// steps parses the scripts' "step key=value ..." lines.
func steps(out []byte) map[string]map[string]string {
	m := make(map[string]map[string]string)
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		kv := make(map[string]string)
		for _, p := range f[1:] {
			k, v, _ := strings.Cut(p, "=")
			kv[k] = v
		}
		m[f[0]] = kv
	}
	return m
}

func TestInteropNetSMPPClient(t *testing.T) {
	netsmpp.Require(t)
	var mu sync.Mutex
	var got []PDU
	h := HandlerFunc(func(w ResponseWriter, r *Request) {
		mu.Lock()
		got = append(got, r.PDU)
		n := len(got)
		mu.Unlock()
		switch p := r.PDU.(type) {
		case *SubmitSM:
			w.Respond(&SubmitSMResp{MessageID: "m" + strconv.Itoa(n)})
		case *DataSM:
			w.Respond(&DataSMResp{MessageID: "m" + strconv.Itoa(n)})
		case *QuerySM:
			w.Respond(&QuerySMResp{MessageID: p.MessageID, MessageState: 2})
		default:
			w.Respond(NewResponse(p.CommandID(), 0, StatusInvCmdID))
		}
	})
	srv := &Server{Session: SessionConfig{Handler: h}, Authenticate: func(b *BindRequest) BindDecision {
		if b.Params.SystemID != "perl" || b.Params.Password != "secret" {
			return BindDecision{Status: StatusInvPaswd}
		}
		return BindDecision{}
	}}
	addr := testServer(t, srv)
	host, port, _ := net.SplitHostPort(addr)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "perl", netsmpp.Script("esme.pl"), host, port).CombinedOutput()
	if err != nil {
		t.Fatalf("esme.pl: %v\n%s", err, out)
	}
	s := steps(out)
	t.Logf("Net::SMPP ESME said:\n%s", out)
	for _, kind := range []string{"transmitter", "receiver", "transceiver"} {
		if b := s["bind_"+kind]; b["status"] != "0" || b["system_id"] != "txpush" {
			t.Errorf("bind %s: %v", kind, b)
		}
		if u := s["unbind_"+kind]; u["status"] != "0" {
			t.Errorf("unbind %s: %v", kind, u)
		}
	}
	for step, want := range map[string]string{
		"submit_short": "0", "submit_payload": "0", "data_sm": "0", "query_sm": "0",
		"enquire_link": "0", "alive": "0", "unbind": "0",
		"unknown_cmd": strconv.Itoa(int(StatusInvCmdID)),
	} {
		if s[step]["status"] != want {
			t.Errorf("%s: status %q, want %s (%v)", step, s[step]["status"], want, s[step])
		}
	}
	if m := s["malformed"]; m["status"] == "0" || m["status"] == "" || m["seq"] != "4242" {
		t.Errorf("malformed submit_sm answered %v; want an error status on seq 4242", m)
	}
	if s["query_sm"]["message_state"] != "2" {
		t.Errorf("query_sm: %v", s["query_sm"])
	}

	mu.Lock()
	defer mu.Unlock()
	if len(got) != 4 {
		t.Fatalf("handler saw %d requests, want 4 (submit, submit, data_sm, query_sm)", len(got))
	}
	short := got[0].(*SubmitSM)
	if string(short.ShortMessage.ShortMessage) != "hello from perl" || short.RegisteredDelivery != 1 || short.DestinationAddr != "358401234567" {
		t.Errorf("short submit decoded as %+v", short.ShortMessage)
	}
	pay := got[1].(*SubmitSM)
	payload, ok := pay.TLVs.MessagePayload()
	want := make([]byte, 300)
	for i := range want {
		want[i] = byte(i)
	}
	if !ok || !bytes.Equal(payload, want) || pay.ESMClass != 0x02 || len(pay.ShortMessage.ShortMessage) != 0 {
		t.Errorf("payload submit: esm_class %#x, payload %d octets ok=%v", pay.ESMClass, len(payload), ok)
	}
	sp, _ := pay.TLVs.SourcePort()
	dp, _ := pay.TLVs.DestinationPort()
	umr, _ := pay.TLVs.UserMessageReference()
	if sp != 9200 || dp != 2948 || umr != 7 {
		t.Errorf("ports %d→%d, user_message_reference %d", sp, dp, umr)
	}
	ds := got[2].(*DataSM)
	if p, _ := ds.TLVs.MessagePayload(); string(p) != "data sm payload" {
		t.Errorf("data_sm payload %q", p)
	}
}

func TestInteropNetSMPPServer(t *testing.T) {
	netsmpp.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	peer := netsmpp.StartSMSC(t, ctx, 3)
	addr := peer.Addr
	params := BindParams{SystemID: "ppg", Password: "pw"}

	for _, mode := range []BindMode{Transmitter, Receiver} {
		s, err := Dial(ctx, addr, DialConfig{Mode: mode, Params: params})
		if err != nil {
			t.Fatalf("bind %v: %v", mode, err)
		}
		if v := s.PeerInterfaceVersion(); v != 0x34 {
			t.Errorf("sc_interface_version %#x", v)
		}
		if err := s.Unbind(ctx); err != nil {
			t.Fatal(err)
		}
	}

	delivered := make(chan *DeliverSM, 1)
	h := HandlerFunc(func(w ResponseWriter, r *Request) {
		if d, ok := r.PDU.(*DeliverSM); ok {
			delivered <- d
		}
		w.Respond(&DeliverSMResp{})
	})
	s, err := Dial(ctx, addr, DialConfig{Mode: Transceiver, Params: params, Session: SessionConfig{Handler: h}})
	if err != nil {
		t.Fatal(err)
	}
	var d *DeliverSM
	select {
	case d = <-delivered:
	case <-time.After(20 * time.Second):
		t.Fatalf("no deliver_sm from Net::SMPP; it said: %s", peer.Stderr())
	}
	if d.ESMClass != 0x04 {
		t.Errorf("receipt esm_class %#x", d.ESMClass)
	}
	rc, err := ParseReceipt(d.ShortMessage.ShortMessage)
	if err != nil || rc.ID != "1" || rc.Stat != "DELIVRD" {
		t.Errorf("receipt %+v, %v", rc, err)
	}
	if id, _ := d.TLVs.ReceiptedMessageID(); id != "1" {
		t.Errorf("receipted_message_id %q", id)
	}
	waitFor(t, func() bool { return s.Stats().DecodeErrors == 1 })

	sm := submit("358401234567")
	sm.ShortMessage.ShortMessage = []byte("hi")
	if resp, err := s.Send(ctx, sm); err != nil || resp.(*SubmitSMResp).MessageID != "p1" {
		t.Fatalf("submit short: %v %v", resp, err)
	}
	payload := bytes.Repeat([]byte{0xAB}, 1000)
	sp := submit("358401234567")
	sp.TLVs.SetMessagePayload(payload)
	sp.TLVs.SetSourcePort(9200)
	sp.TLVs.SetDestinationPort(2948)
	if resp, err := s.Send(ctx, sp); err != nil || resp.(*SubmitSMResp).MessageID != "p2" {
		t.Fatalf("submit payload: %v %v", resp, err)
	}
	ds := &DataSM{DestinationAddr: "358401234567", ESMClass: 0x02, DataCoding: 4}
	ds.TLVs.SetMessagePayload([]byte("data"))
	if _, err := s.Send(ctx, ds); err != nil {
		t.Fatalf("data_sm: %v", err)
	}
	if resp, err := s.Send(ctx, &QuerySM{MessageID: "p1", SourceAddr: "PPG"}); err != nil || resp.(*QuerySMResp).MessageState != 2 {
		t.Fatalf("query_sm: %v %v", resp, err)
	}
	if _, err := s.Send(ctx, &EnquireLink{}); err != nil {
		t.Fatalf("enquire_link: %v", err)
	}
	if err := s.Unbind(ctx); err != nil {
		t.Fatal(err)
	}
	var rest strings.Builder
	for peer.Lines.Scan() {
		rest.WriteString(peer.Lines.Text() + "\n")
	}
	peer.Wait()
	out := rest.String()
	t.Logf("Net::SMPP SMSC said:\n%s", out)
	lines := steps([]byte(out))
	if r := lines["deliver_resp"]; r["status"] != "0" {
		t.Errorf("deliver_sm_resp: %v", r)
	}
	if r := lines["malformed_deliver_resp"]; r["status"] == "0" || r["status"] == "" || r["seq"] != "777" {
		t.Errorf("malformed deliver_sm answered %v; want an error status on seq 777", r)
	}
	if !strings.Contains(out, "message_payload="+hex.EncodeToString(payload)) {
		t.Errorf("Net::SMPP did not see our 1000-octet message_payload")
	}
	if !strings.Contains(out, "cmd=bind_transceiver seq=1 status=0 interface_version=52 system_id="+hex.EncodeToString([]byte("ppg"))) {
		t.Errorf("Net::SMPP saw a different bind_transceiver")
	}
	if !strings.Contains(out, "cmd=submit_sm seq=2 status=0 esm_class=2 data_coding=4 destination_addr="+hex.EncodeToString([]byte("358401234567"))+" short_message="+hex.EncodeToString([]byte("hi"))) {
		t.Errorf("Net::SMPP saw a different short submit_sm")
	}
	if !strings.Contains(out, "source_port=23f0") || !strings.Contains(out, "destination_port=0b84") {
		t.Errorf("ports not seen by Net::SMPP")
	}
	for _, c := range []string{"cmd=bind_transmitter", "cmd=bind_receiver", "cmd=bind_transceiver", "cmd=data_sm", "cmd=query_sm", "cmd=enquire_link", "cmd=unbind"} {
		if !strings.Contains(out, c) {
			t.Errorf("Net::SMPP did not receive %s", c)
		}
	}
	if !strings.HasSuffix(strings.TrimSpace(out), "done") {
		t.Errorf("smsc.pl did not finish: %s", peer.Stderr())
	}
}
