package smsc

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/txpush/txpush/clock"
	"github.com/txpush/txpush/radio"
	"github.com/txpush/txpush/smpp"
	"github.com/txpush/txpush/store"
	"github.com/txpush/txpush/wap/wdp"
)

// testAir is an air on the real clock that answers after a short latency;
// fail decides each attempt's fate.
type testAir struct {
	clk     clock.Clock
	latency time.Duration
	fail    func(sms radio.SMS, attempt int) *radio.Error

	mu       sync.Mutex
	attempts map[string]int
	got      []radio.SMS // delivered
}

func newTestAir() *testAir {
	return &testAir{clk: clock.Real(), latency: 2 * time.Millisecond, attempts: map[string]int{}}
}

func (a *testAir) Deliver(sms radio.SMS, done func(radio.Result)) {
	start := a.clk.Now()
	a.mu.Lock()
	a.attempts[sms.Destination]++
	n := a.attempts[sms.Destination]
	a.mu.Unlock()
	var err *radio.Error
	if a.fail != nil {
		err = a.fail(sms, n)
	}
	a.clk.AfterFunc(a.latency, func() {
		if err == nil {
			a.mu.Lock()
			a.got = append(a.got, sms)
			a.mu.Unlock()
		}
		done(radio.Result{Err: err, Start: start, End: a.clk.Now()})
	})
}

func (a *testAir) delivered(dest string) []radio.SMS {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []radio.SMS
	for _, s := range a.got {
		if s.Destination == dest {
			out = append(out, s)
		}
	}
	return out
}

// startSMSC serves an SMSC over loopback and returns its address.
func startSMSC(t *testing.T, cfg Config, air radio.Air, st store.MessageStore) (*SMSC, string) {
	t.Helper()
	if st == nil {
		st = store.NewMemory()
	}
	sc, err := New(cfg, air, nil, st)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go sc.Serve(l)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		sc.Shutdown(ctx)
	})
	return sc, l.Addr().String()
}

func bindESME(t *testing.T, addr string, version byte, h smpp.Handler) *smpp.Session {
	t.Helper()
	s, err := smpp.Dial(context.Background(), addr, smpp.DialConfig{
		Mode:    smpp.Transceiver,
		Params:  smpp.BindParams{SystemID: "ppg", Password: "pw", InterfaceVersion: version},
		Session: smpp.SessionConfig{Handler: h, Window: 10000},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func pushSubmit(dest string, payload []byte, mode byte) *smpp.SubmitSM {
	sm := &smpp.SubmitSM{ShortMessage: smpp.ShortMessage{
		SourceAddrTON: 5, SourceAddr: "PPG", DestAddrTON: 1, DestAddrNPI: 1, DestinationAddr: dest,
		ESMClass: mode, DataCoding: 0x04,
	}}
	sm.TLVs.SetMessagePayload(payload)
	sm.TLVs.SetSourcePort(9200)
	sm.TLVs.SetDestinationPort(2948)
	return sm
}

func payloadOf(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

func TestTransactionModeDeliversWholePushThenAnswers(t *testing.T) {
	air := newTestAir()
	_, addr := startSMSC(t, Config{}, air, nil)
	s := bindESME(t, addr, 0x34, nil)
	payload := payloadOf(300)
	resp, err := s.Send(context.Background(), pushSubmit("358401234567", payload, 0x02))
	if err != nil {
		t.Fatal(err)
	}
	if resp.(*smpp.SubmitSMResp).MessageID == "" {
		t.Fatal("no message_id")
	}
	// The answer came only after every segment arrived.
	segs := air.delivered("358401234567")
	if len(segs) != 3 {
		t.Fatalf("%d segments delivered before the answer, want 3", len(segs))
	}
	var uds [][]byte
	for i, sms := range segs {
		if !sms.UDHI || sms.DataCoding != 0x04 {
			t.Errorf("segment %d: UDHI %v DCS %#x", i, sms.UDHI, sms.DataCoding)
		}
		if sms.MoreMessagesToSend != (i < 2) {
			t.Errorf("segment %d: more-messages-to-send %v", i, sms.MoreMessagesToSend)
		}
		uds = append(uds, sms.UserData)
	}
	d, err := wdp.Join(uds)
	if err != nil {
		t.Fatal(err)
	}
	if d.SrcPort != 9200 || d.DstPort != 2948 || !bytes.Equal(d.Payload, payload) {
		t.Fatalf("reassembled %d→%d %d octets", d.SrcPort, d.DstPort, len(d.Payload))
	}
}

func TestTransactionModeUDHInPayload(t *testing.T) {
	// v13's form: esm_class 0x42, the port UDH at the head of message_payload.
	air := newTestAir()
	_, addr := startSMSC(t, Config{}, air, nil)
	s := bindESME(t, addr, 0x34, nil)
	push := payloadOf(200)
	sm := pushSubmit("358401234568", append([]byte{0x06, 0x05, 0x04, 0x0B, 0x84, 0x23, 0xF0}, push...), 0x42)
	sm.TLVs.Del(smpp.TagSourcePort)
	sm.TLVs.Del(smpp.TagDestinationPort)
	if _, err := s.Send(context.Background(), sm); err != nil {
		t.Fatal(err)
	}
	segs := air.delivered("358401234568")
	if len(segs) != 2 {
		t.Fatalf("%d segments, want 2", len(segs))
	}
	var uds [][]byte
	for _, x := range segs {
		uds = append(uds, x.UserData)
	}
	d, err := wdp.Join(uds)
	if err != nil || !bytes.Equal(d.Payload, push) || d.DstPort != 2948 {
		t.Fatalf("join: %v, %d octets", err, len(d.Payload))
	}
}

func TestTransactionFailureCarriesTLVsWhereAllowed(t *testing.T) {
	air := newTestAir()
	air.fail = func(radio.SMS, int) *radio.Error { return &radio.Error{Code: radio.UnknownSubscriber} }
	_, addr := startSMSC(t, Config{}, air, nil)
	for _, v := range []byte{0x34, 0x50} {
		s := bindESME(t, addr, v, nil)
		resp, err := s.Send(context.Background(), pushSubmit("358401234569", payloadOf(50), 0x02))
		if !errors.Is(err, smpp.StatusDeliveryFailure) {
			t.Fatalf("v%x: %v, want ESME_RDELIVERYFAILURE", v, err)
		}
		r := resp.(*smpp.SubmitSMResp)
		dfr, has := r.TLVs.DeliveryFailureReason()
		if has != (v == 0x50) {
			t.Fatalf("interface_version %#x: delivery_failure_reason present %v", v, has)
		}
		if has && dfr != DFRInvalidAddress {
			t.Fatalf("delivery_failure_reason %d, want %d", dfr, DFRInvalidAddress)
		}
		if nec, ok := r.TLVs.NetworkErrorCode(); has && (!ok || nec.Code != uint16(radio.UnknownSubscriber) || nec.Type != smpp.NetworkGSM) {
			t.Fatalf("network_error_code %+v %v", nec, ok)
		}
	}
	// data_sm_resp carries them in 3.4 too.
	s := bindESME(t, addr, 0x34, nil)
	ds := &smpp.DataSM{SourceAddr: "PPG", DestAddrTON: 1, DestinationAddr: "358401234569", ESMClass: 0x02, DataCoding: 4}
	ds.TLVs.SetMessagePayload(payloadOf(50))
	resp, err := s.Send(context.Background(), ds)
	if !errors.Is(err, smpp.StatusDeliveryFailure) {
		t.Fatal(err)
	}
	if _, ok := resp.(*smpp.DataSMResp).TLVs.DeliveryFailureReason(); !ok {
		t.Fatal("data_sm_resp without delivery_failure_reason")
	}
}

func TestTransactionDuplicateIsNotDeliveredTwice(t *testing.T) {
	air := newTestAir()
	air.latency = 20 * time.Millisecond
	_, addr := startSMSC(t, Config{}, air, nil)
	s := bindESME(t, addr, 0x34, nil)
	var wg sync.WaitGroup
	ids := make([]string, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sm := pushSubmit("358401234570", payloadOf(300), 0x02)
			sm.TLVs.SetUserMessageReference(77)
			resp, err := s.Send(context.Background(), sm)
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = resp.(*smpp.SubmitSMResp).MessageID
		}()
	}
	wg.Wait()
	if n := len(air.delivered("358401234570")); n != 3 {
		t.Fatalf("%d segments delivered for two submits of one push, want 3", n)
	}
}

func TestManyConcurrentTransactions(t *testing.T) {
	const n = 3000
	air := newTestAir()
	air.latency = 50 * time.Millisecond
	sc, addr := startSMSC(t, Config{}, air, nil)
	s := bindESME(t, addr, 0x34, nil)
	var ok atomic.Int64
	var wg sync.WaitGroup
	wg.Add(n)
	for i := range n {
		dest := "3584" + strconv.Itoa(10000000+i)
		err := s.SendAsync(context.Background(), pushSubmit(dest, payloadOf(250), 0x02), func(p smpp.PDU, err error) {
			if err == nil && p.Hdr().Status == smpp.StatusOK {
				ok.Add(1)
			}
			wg.Done()
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	if ok.Load() != n {
		t.Fatalf("%d of %d transactions OK", ok.Load(), n)
	}
	if st := sc.Txn().Stats(); st.Delivered != n {
		t.Fatalf("engine stats %+v", st)
	}
}

// receiptCollector is an ESME handler that keeps receipts.
type receiptCollector struct {
	mu sync.Mutex
	rs map[string]*smpp.DeliverSM
	ch chan struct{}
}

func newReceiptCollector() *receiptCollector {
	return &receiptCollector{rs: map[string]*smpp.DeliverSM{}, ch: make(chan struct{}, 1000)}
}

func (c *receiptCollector) ServeSMPP(w smpp.ResponseWriter, r *smpp.Request) {
	if d, ok := r.PDU.(*smpp.DeliverSM); ok && d.ESMClass&0x3C == 0x04 {
		id, _ := d.TLVs.ReceiptedMessageID()
		c.mu.Lock()
		c.rs[id] = d
		c.mu.Unlock()
		c.ch <- struct{}{}
	}
	w.Respond(&smpp.DeliverSMResp{})
}

func (c *receiptCollector) wait(t *testing.T, id string) *smpp.DeliverSM {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		c.mu.Lock()
		d := c.rs[id]
		c.mu.Unlock()
		if d != nil {
			return d
		}
		select {
		case <-c.ch:
		case <-deadline:
			t.Fatalf("no receipt for %s", id)
		}
	}
}

func TestStoreAndForwardAnswersAtOnceAndSendsReceipts(t *testing.T) {
	air := newTestAir()
	air.fail = func(sms radio.SMS, n int) *radio.Error {
		if sms.Destination == "358401234599" {
			return &radio.Error{Code: radio.CallBarred}
		}
		return nil
	}
	_, addr := startSMSC(t, Config{}, air, store.NewMemory())
	rc := newReceiptCollector()
	s := bindESME(t, addr, 0x34, rc)

	sm := &smpp.SubmitSM{ShortMessage: smpp.ShortMessage{
		SourceAddr: "12345", DestAddrTON: 1, DestinationAddr: "358401234571",
		ESMClass: 0x03, RegisteredDelivery: 0x01, ShortMessage: []byte("hello store and forward"),
	}}
	sm.TLVs.SetUserMessageReference(9)
	resp, err := s.Send(context.Background(), sm)
	if err != nil {
		t.Fatal(err)
	}
	id := resp.(*smpp.SubmitSMResp).MessageID
	d := rc.wait(t, id)
	if st, _ := d.TLVs.MessageState(); st != smpp.StateDelivered {
		t.Fatalf("message_state %v", st)
	}
	r, err := smpp.ParseReceipt(d.ShortMessage.ShortMessage)
	if err != nil || r.ID != id || r.Stat != "DELIVRD" || r.Dlvrd != 1 || r.Text != "hello store and forw" {
		t.Fatalf("receipt %+v %v", r, err)
	}
	if d.SourceAddr != "358401234571" || d.DestinationAddr != "12345" {
		t.Fatalf("receipt from %s to %s", d.SourceAddr, d.DestinationAddr)
	}
	if umr, _ := d.TLVs.UserMessageReference(); umr != 9 {
		t.Fatalf("user_message_reference %d", umr)
	}
	// query_sm of the delivered message.
	q, err := s.Send(context.Background(), &smpp.QuerySM{MessageID: id, SourceAddr: "12345"})
	if err != nil || q.(*smpp.QuerySMResp).MessageState != smpp.StateDelivered {
		t.Fatalf("query: %v %v", q, err)
	}

	// A permanent failure: receipt UNDELIV with the network error.
	sm2 := &smpp.SubmitSM{ShortMessage: smpp.ShortMessage{
		SourceAddr: "12345", DestAddrTON: 1, DestinationAddr: "358401234599",
		RegisteredDelivery: 0x02, ShortMessage: []byte("x"),
	}}
	resp, err = s.Send(context.Background(), sm2)
	if err != nil {
		t.Fatal(err)
	}
	id2 := resp.(*smpp.SubmitSMResp).MessageID
	d2 := rc.wait(t, id2)
	if st, _ := d2.TLVs.MessageState(); st != smpp.StateUndeliverable {
		t.Fatalf("message_state %v", st)
	}
	if nec, ok := d2.TLVs.NetworkErrorCode(); !ok || nec.Code != uint16(radio.CallBarred) {
		t.Fatalf("network_error_code %+v", nec)
	}
}

func TestStoreAndForwardCancelReplaceQuery(t *testing.T) {
	air := newTestAir()
	air.fail = func(radio.SMS, int) *radio.Error { return &radio.Error{Code: radio.AbsentSubscriber} }
	sc, addr := startSMSC(t, Config{SAF: SAFConfig{NoAlertSC: true}}, air, store.NewMemory())
	s := bindESME(t, addr, 0x34, nil)
	submit := func(text string) string {
		resp, err := s.Send(context.Background(), &smpp.SubmitSM{ShortMessage: smpp.ShortMessage{
			SourceAddr: "1", DestAddrTON: 1, DestinationAddr: "358401234572", ShortMessage: []byte(text),
		}})
		if err != nil {
			t.Fatal(err)
		}
		return resp.(*smpp.SubmitSMResp).MessageID
	}
	id := submit("first")
	// Wait until the first attempt has failed and the message waits for
	// its retry (a message being delivered cannot be replaced).
	waitCond(t, func() bool {
		m, err := sc.SAF().Query(context.Background(), id)
		return err == nil && m.Attempts == 1 && sc.SAF().Stats().InFlight == 0
	})
	q, err := s.Send(context.Background(), &smpp.QuerySM{MessageID: id, SourceAddr: "1"})
	if err != nil || q.(*smpp.QuerySMResp).MessageState != smpp.StateEnroute {
		t.Fatalf("query: %+v %v", q, err)
	}
	if _, err := s.Send(context.Background(), &smpp.ReplaceSM{MessageID: id, SourceAddr: "1", ShortMessage: []byte("second")}); err != nil {
		t.Fatalf("replace: %v", err)
	}
	if _, err := s.Send(context.Background(), &smpp.CancelSM{MessageID: id, SourceAddr: "1", DestinationAddr: "358401234572"}); err != nil {
		t.Fatalf("cancel: %v", err)
	}
	q, err = s.Send(context.Background(), &smpp.QuerySM{MessageID: id, SourceAddr: "1"})
	if err != nil || q.(*smpp.QuerySMResp).MessageState != smpp.StateDeleted {
		t.Fatalf("query after cancel: %+v %v", q, err)
	}
	if _, err := s.Send(context.Background(), &smpp.CancelSM{MessageID: id, SourceAddr: "1"}); !errors.Is(err, smpp.StatusCancelFail) {
		t.Fatalf("second cancel: %v", err)
	}
	if _, err := s.Send(context.Background(), &smpp.QuerySM{MessageID: "nope", SourceAddr: "1"}); !errors.Is(err, smpp.StatusQueryFail) {
		t.Fatalf("query unknown: %v", err)
	}
}

func TestDatagramAnswersAtOnce(t *testing.T) {
	air := newTestAir()
	air.latency = time.Hour // the answer must not wait for the air
	_, addr := startSMSC(t, Config{}, air, nil)
	s := bindESME(t, addr, 0x34, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := s.Send(ctx, pushSubmit("358401234573", payloadOf(50), 0x01))
	if err != nil || resp.(*smpp.SubmitSMResp).MessageID == "" {
		t.Fatalf("%v %v", resp, err)
	}
}

func TestSubmitValidation(t *testing.T) {
	_, addr := startSMSC(t, Config{MaxSegments: 4}, newTestAir(), nil)
	s := bindESME(t, addr, 0x34, nil)
	cases := []struct {
		name   string
		edit   func(*smpp.SubmitSM)
		status smpp.Status
	}{
		{"letters in destination", func(m *smpp.SubmitSM) { m.DestinationAddr = "35840abc" }, smpp.StatusInvDstAdr},
		{"priority 4", func(m *smpp.SubmitSM) { m.PriorityFlag = 4 }, smpp.StatusInvPrtFlg},
		{"registered_delivery 3", func(m *smpp.SubmitSM) { m.RegisteredDelivery = 3 }, smpp.StatusInvRegDlvFlg},
		{"short_message and message_payload", func(m *smpp.SubmitSM) { m.ShortMessage.ShortMessage = []byte("x") }, smpp.StatusOptParNotAllwd},
		{"too many segments", func(m *smpp.SubmitSM) { m.TLVs.SetMessagePayload(payloadOf(128*5 + 1)) }, smpp.StatusInvMsgLen},
		{"one port only", func(m *smpp.SubmitSM) { m.TLVs.Del(smpp.TagSourcePort) }, smpp.StatusMissingOptParam},
	}
	for _, c := range cases {
		for _, mode := range []byte{0x02, 0x03} {
			sm := pushSubmit("358401234574", payloadOf(200), mode)
			c.edit(sm)
			_, err := s.Send(context.Background(), sm)
			if !errors.Is(err, c.status) {
				t.Errorf("%s (mode %d): %v, want %v", c.name, mode, err, c.status)
			}
		}
	}
}

func TestExternalHandsetBoundAsReceiver(t *testing.T) {
	_, addr := startSMSC(t, Config{}, nil, nil)
	got := make(chan *smpp.DeliverSM, 10)
	h, err := smpp.Dial(context.Background(), addr, smpp.DialConfig{
		Mode:   smpp.Receiver,
		Params: smpp.BindParams{SystemID: "handset", AddressRange: "358401234575"},
		Session: smpp.SessionConfig{Handler: smpp.HandlerFunc(func(w smpp.ResponseWriter, r *smpp.Request) {
			got <- r.PDU.(*smpp.DeliverSM)
			w.Respond(&smpp.DeliverSMResp{})
		})},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	s := bindESME(t, addr, 0x34, nil)
	if _, err := s.Send(context.Background(), pushSubmit("358401234575", payloadOf(200), 0x02)); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		d := <-got
		if d.ESMClass != 0x40 || d.DestinationAddr != "358401234575" {
			t.Fatalf("deliver_sm esm_class %#x to %s", d.ESMClass, d.DestinationAddr)
		}
		if mm, ok := d.TLVs.MoreMessagesToSend(); ok != (i == 0) || (ok && mm != 1) {
			t.Fatalf("segment %d: more_messages_to_send %v %v", i, mm, ok)
		}
	}
	// An MSISDN nobody claims, with no simulated network: unknown subscriber.
	_, err = s.Send(context.Background(), pushSubmit("358409999999", payloadOf(20), 0x02))
	if !errors.Is(err, smpp.StatusDeliveryFailure) {
		t.Fatalf("unrouted: %v", err)
	}
}

func waitCond(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10 s")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestSameReferenceDifferentPushIsDelivered(t *testing.T) {
	// An ESME whose reference counter came round (or restarted) reuses a
	// user_message_reference for another push: that one must be delivered,
	// not answered with the first one's outcome.
	air := newTestAir()
	_, addr := startSMSC(t, Config{}, air, nil)
	s := bindESME(t, addr, 0x34, nil)
	for i, payload := range [][]byte{payloadOf(40), payloadOf(41)} {
		sm := pushSubmit("358401234580", payload, 0x02)
		sm.TLVs.SetUserMessageReference(5)
		if _, err := s.Send(context.Background(), sm); err != nil {
			t.Fatalf("push %d: %v", i, err)
		}
	}
	if n := len(air.delivered("358401234580")); n != 2 {
		t.Fatalf("%d of 2 different pushes delivered", n)
	}
}
