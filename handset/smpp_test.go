package handset_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/txpush/txpush/handset"
	"github.com/txpush/txpush/internal/testvec"
	"github.com/txpush/txpush/smpp"
	"github.com/txpush/txpush/wap/si"
	"github.com/txpush/txpush/wap/wdp"
	"github.com/txpush/txpush/wap/wsp"
)

// startSMSC runs an SMPP server on loopback and returns its address and
// the sessions that bind to it.
func startSMSC(t testing.TB) (addr string, bound <-chan *smpp.Session) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sessions := make(chan *smpp.Session, 4)
	srv := &smpp.Server{OnBound: func(s *smpp.Session) { sessions <- s }}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return l.Addr().String(), sessions
}

func waitBound(t testing.TB, bound <-chan *smpp.Session) *smpp.Session {
	t.Helper()
	select {
	case s := <-bound:
		return s
	case <-time.After(10 * time.Second):
		t.Fatal("nothing bound to the SMSC")
		return nil
	}
}

// deliver sends a deliver_sm on the SMSC's session and returns the
// handset's command_status.
func deliver(t testing.TB, s *smpp.Session, m smpp.ShortMessage) smpp.Status {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := s.Send(ctx, &smpp.DeliverSM{ShortMessage: m})
	var st smpp.Status
	if err != nil && !errors.As(err, &st) {
		t.Fatalf("deliver_sm: %v", err)
	}
	return st
}

// forwardingGateway is a WAP gateway that forwards each request to the
// origin server its absolute URI names.
func forwardingGateway(t testing.TB) *gateway {
	return newGateway(t, func(w http.ResponseWriter, r *http.Request) {
		out := r.Clone(r.Context())
		out.RequestURI = ""
		resp, err := http.DefaultTransport.RoundTrip(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body)
	})
}

// pushSI builds a WSP push of an SI with the given href, long enough to
// need two SMS, and cuts it into user data.
func pushSI(t testing.TB, href string, ref uint16) [][]byte {
	t.Helper()
	doc := &si.SI{Href: href, SIID: "smpp-test@example.com", Action: si.SignalHigh,
		Text: strings.Repeat("A push sent over SMPP to a bound receiver. ", 4)}
	wb, err := doc.MarshalWBXML()
	if err != nil {
		t.Fatal(err)
	}
	push, err := (&wsp.Push{TID: 1, ContentType: wsp.ContentType{Value: si.ContentTypeWBXML}, Body: wb}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	uds := segment(t, push, wdp.SegmentOptions{Ref: ref})
	if len(uds) < 2 {
		t.Fatalf("the push fits %d SMS; the test wants it segmented", len(uds))
	}
	return uds
}

// TestSMPPReceiverFetches: the handset binds as a receiver, the SMSC sends
// a pushed SI's segments as deliver_sm, and the handset fetches the href
// from a content server through the gateway.
func TestSMPPReceiverFetches(t *testing.T) {
	const page = "<wml><card><p>news</p></card></wml>"
	content := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/vnd.wap.wml")
		io.WriteString(w, page)
	}))
	defer content.Close()
	gw := forwardingGateway(t)
	href := content.URL + "/news?id=7"

	addr, bound := startSMSC(t)
	log := newEventLog()
	h, err := handset.New(testMSISDN, handset.Config{Fetch: true, Proxy: gw.URL, OnEvent: log.add})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sess, err := h.BindSMPP(ctx, addr, smpp.DialConfig{Params: smpp.BindParams{SystemID: "handset"}})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Unbind(ctx)
	smsc := waitBound(t, bound)
	if st := smsc.State(); st != smpp.StateBoundRX {
		t.Errorf("the handset bound as %v, want a receiver", st)
	}
	if ar := smsc.BindParams().AddressRange; ar != testMSISDN {
		t.Errorf("address_range %q, want the MSISDN", ar)
	}

	for _, ud := range pushSI(t, href, 9) {
		st := deliver(t, smsc, smpp.ShortMessage{SourceAddr: testPPG, DestinationAddr: testMSISDN,
			ESMClass: 0x40, DataCoding: 0x04, ShortMessage: ud})
		if st != smpp.StatusOK {
			t.Errorf("deliver_sm answered %v", st)
		}
	}
	p := log.wait(t, handset.EventPush)
	if p.Href != href || p.Segments != 2 || p.Originator != testPPG || p.MSISDN != testMSISDN {
		t.Errorf("push %+v", p)
	}
	f := log.wait(t, handset.EventFetch)
	if f.URL != href || f.Status != http.StatusOK || f.Size != int64(len(page)) {
		t.Errorf("fetch %s: status %d size %d err %q; want 200, %d octets", f.URL, f.Status, f.Size, f.Err, len(page))
	}
	if reqs := gw.seen(); len(reqs) != 1 || reqs[0].RequestURI != href {
		t.Errorf("the gateway got %d requests (%v), want the href", len(reqs), reqs)
	}
}

// TestSMPPMessages covers how the handset reads and answers each form of
// message an SMSC may send.
func TestSMPPMessages(t *testing.T) {
	push := testvec.Read(t, "v11-udh-2seg-8bit/push.bin") // 207 octets: more than one SMS
	seg1, seg2, doc := v11(t)
	portTLVs := func() smpp.TLVs {
		var tl smpp.TLVs
		tl.SetSourcePort(wdp.PortWSP)
		tl.SetDestinationPort(wdp.PortPush)
		return tl
	}
	payload := func(tl smpp.TLVs, b []byte) smpp.TLVs {
		tl.SetMessagePayload(b)
		return tl
	}
	sar := func(seq byte) smpp.TLVs {
		tl := portTLVs()
		tl.SetSarMsgRefNum(0x0102)
		tl.SetSarTotalSegments(2)
		tl.SetSarSegmentSeqnum(seq)
		return tl
	}
	half := len(push) / 2
	partialSAR := portTLVs()
	partialSAR.SetSarMsgRefNum(1)
	badSAR := portTLVs()
	badSAR.SetSarMsgRefNum(1)
	badSAR.SetSarTotalSegments(2)
	badSAR.SetSarSegmentSeqnum(3)

	type message struct {
		m    smpp.ShortMessage
		want smpp.Status
	}
	tests := []struct {
		name     string
		messages []message
		kind     handset.EventKind
		check    func(t *testing.T, e handset.Event)
	}{
		{"UDH in short_message", []message{
			{smpp.ShortMessage{ESMClass: 0x40, DataCoding: 0x04, ShortMessage: seg1}, smpp.StatusOK},
			{smpp.ShortMessage{ESMClass: 0x40, DataCoding: 0xF5, ShortMessage: seg2}, smpp.StatusOK},
		}, handset.EventPush, func(t *testing.T, e handset.Event) {
			if e.Href != doc.Href || e.Segments != 2 {
				t.Errorf("push %+v", e)
			}
		}},
		{"UDH in message_payload", []message{
			{smpp.ShortMessage{ESMClass: 0x40, DataCoding: 0x04, TLVs: payload(nil, seg2)}, smpp.StatusOK},
			{smpp.ShortMessage{ESMClass: 0x40, DataCoding: 0x04, TLVs: payload(nil, seg1)}, smpp.StatusOK},
		}, handset.EventPush, func(t *testing.T, e handset.Event) {
			if e.Href != doc.Href {
				t.Errorf("push %+v", e)
			}
		}},
		{"whole datagram with port TLVs", []message{
			{smpp.ShortMessage{DataCoding: 0x04, TLVs: payload(portTLVs(), push)}, smpp.StatusOK},
		}, handset.EventPush, func(t *testing.T, e handset.Event) {
			if e.Href != doc.Href || e.SrcPort != wdp.PortWSP || e.DstPort != wdp.PortPush || e.Segments != 1 {
				t.Errorf("push %+v", e)
			}
		}},
		{"SAR TLVs", []message{
			{smpp.ShortMessage{DataCoding: 0x04, ShortMessage: push[:half], TLVs: sar(1)}, smpp.StatusOK},
			{smpp.ShortMessage{DataCoding: 0x04, ShortMessage: push[half:], TLVs: sar(2)}, smpp.StatusOK},
		}, handset.EventPush, func(t *testing.T, e handset.Event) {
			if e.Href != doc.Href || e.Ref != 0x0102 || e.Segments != 2 {
				t.Errorf("push %+v", e)
			}
		}},
		{"Latin-1 text", []message{
			{smpp.ShortMessage{DataCoding: 0x03, ShortMessage: []byte("caf\xe9")}, smpp.StatusOK},
		}, handset.EventText, func(t *testing.T, e handset.Event) {
			if e.Text != "café" || e.Coding != "latin1" {
				t.Errorf("text %+v", e)
			}
		}},
		{"short_message and message_payload", []message{
			{smpp.ShortMessage{DataCoding: 0x04, ShortMessage: []byte{1}, TLVs: payload(nil, []byte{2})}, smpp.StatusRxPAppn},
		}, handset.EventError, nil},
		{"SAR incomplete", []message{
			{smpp.ShortMessage{DataCoding: 0x04, ShortMessage: push[:half], TLVs: partialSAR}, smpp.StatusMissingOptParam},
		}, handset.EventError, nil},
		{"SAR out of range", []message{
			{smpp.ShortMessage{DataCoding: 0x04, ShortMessage: push[:half], TLVs: badSAR}, smpp.StatusRxPAppn},
		}, handset.EventError, nil},
		{"delivery receipt", []message{
			{smpp.ShortMessage{ESMClass: 0x04, ShortMessage: []byte("id:1 stat:DELIVRD")}, smpp.StatusOK},
		}, handset.EventError, func(t *testing.T, e handset.Event) {
			if !strings.Contains(e.Err, "0x04") {
				t.Errorf("error %q does not name the message type", e.Err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, bound := startSMSC(t)
			log := newEventLog()
			h, err := handset.New(testMSISDN, handset.Config{OnEvent: log.add})
			if err != nil {
				t.Fatal(err)
			}
			defer h.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			sess, err := h.BindSMPP(ctx, addr, smpp.DialConfig{})
			if err != nil {
				t.Fatal(err)
			}
			defer sess.Unbind(ctx)
			smsc := waitBound(t, bound)
			for i, msg := range tt.messages {
				msg.m.SourceAddr, msg.m.DestinationAddr = testPPG, testMSISDN
				if st := deliver(t, smsc, msg.m); st != msg.want {
					t.Errorf("message %d answered %v, want %v", i+1, st, msg.want)
				}
			}
			e := log.wait(t, tt.kind)
			if tt.check != nil {
				tt.check(t, e)
			}
			if e.MSISDN != testMSISDN || e.Originator != testPPG {
				t.Errorf("event for %q from %q", e.MSISDN, e.Originator)
			}
		})
	}
}

// TestSMPPDataSMAndPopulation: a Population on one bind takes data_sm and
// deliver_sm for the handset their destination_addr names.
func TestSMPPDataSMAndPopulation(t *testing.T) {
	addr, bound := startSMSC(t)
	log := newEventLog()
	pop, err := handset.NewPopulation(handset.Config{OnEvent: log.add})
	if err != nil {
		t.Fatal(err)
	}
	defer pop.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sess, err := smpp.Dial(ctx, addr, smpp.DialConfig{Mode: smpp.Receiver, Session: smpp.SessionConfig{Handler: pop}})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Unbind(ctx)
	smsc := waitBound(t, bound)

	push := testvec.Read(t, "v07-wsp-push-si/push.bin")
	ud := segment(t, push, wdp.SegmentOptions{})[0]
	var tl smpp.TLVs
	tl.SetMessagePayload(ud)
	resp, err := smsc.Send(ctx, &smpp.DataSM{SourceAddr: testPPG, DestinationAddr: "358409999999", ESMClass: 0x40, DataCoding: 0x04, TLVs: tl})
	if err != nil {
		t.Fatalf("data_sm: %v", err)
	}
	if _, ok := resp.(*smpp.DataSMResp); !ok {
		t.Errorf("data_sm answered with %v", resp.CommandID())
	}
	if e := log.wait(t, handset.EventPush); e.MSISDN != "358409999999" {
		t.Errorf("push for %q", e.MSISDN)
	}
	if st := deliver(t, smsc, smpp.ShortMessage{SourceAddr: testPPG, ESMClass: 0x40, DataCoding: 0x04, ShortMessage: ud}); st != smpp.StatusInvDstAdr {
		t.Errorf("deliver_sm without destination answered %v, want ESME_RINVDSTADR", st)
	}
	if pop.Handsets() != 1 {
		t.Errorf("%d handsets, want 1", pop.Handsets())
	}

	pop.Close()
	if st := deliver(t, smsc, smpp.ShortMessage{SourceAddr: testPPG, DestinationAddr: "358409999999", ESMClass: 0x40, DataCoding: 0x04, ShortMessage: ud}); st != smpp.StatusRxTAppn {
		t.Errorf("deliver_sm after Close answered %v, want ESME_RX_T_APPN", st)
	}
}
