package ppg

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/txpush/txpush/clock"
	"github.com/txpush/txpush/internal/smsctest"
	"github.com/txpush/txpush/radio"
	"github.com/txpush/txpush/smpp"
	"github.com/txpush/txpush/smsc"
	"github.com/txpush/txpush/store"
	"github.com/txpush/txpush/wap/wdp"
)

const legacyVectors = "../testdata/vectors"

func readLegacyVector(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(legacyVectors, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// vectorPDU decodes a golden vector holding one SMPP PDU.
func vectorPDU(t testing.TB, name string) smpp.PDU {
	t.Helper()
	p, err := smpp.Unmarshal(readLegacyVector(t, name), 0)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return p
}

// legacyAir is a radio.Air for a store-and-forward SMSC: it delivers, or
// fails the destinations fail names, or (silent) never answers at all.
type legacyAir struct {
	fail   func(radio.SMS) *radio.Error
	silent bool

	mu       sync.Mutex
	got      []radio.SMS
	attempts int
}

func (a *legacyAir) Deliver(sms radio.SMS, done func(radio.Result)) {
	a.mu.Lock()
	a.attempts++
	a.mu.Unlock()
	if a.silent {
		return
	}
	var err *radio.Error
	if a.fail != nil {
		err = a.fail(sms)
	}
	if err == nil {
		a.mu.Lock()
		a.got = append(a.got, sms)
		a.mu.Unlock()
	}
	// Answer later, from a timer, as the air interface promises.
	clock.Real().AfterFunc(0, func() {
		now := time.Now()
		done(radio.Result{Err: err, Start: now, End: now})
	})
}

func (a *legacyAir) delivered() []radio.SMS {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]radio.SMS(nil), a.got...)
}

// startStoreForwardSMSC serves the push SMSC over loopback.
func startStoreForwardSMSC(t *testing.T, cfg smsc.Config, air radio.Air) string {
	t.Helper()
	sc, err := smsc.New(cfg, air, nil, store.NewMemory())
	if err != nil {
		t.Fatal(err)
	}
	return smsctest.Serve(t, sc)
}

// startFakeSMSC serves a hand-written SMSC whose handler the test writes;
// onBound, if not nil, is told of each session that binds.
func startFakeSMSC(t *testing.T, h smpp.HandlerFunc, onBound func(*smpp.Session)) (*smpp.Server, string) {
	t.Helper()
	srv := &smpp.Server{Session: smpp.SessionConfig{Handler: h, EnquireLinkInterval: -1}, OnBound: onBound}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return srv, l.Addr().String()
}

// startLegacy binds a legacy dispatcher to addr and waits until it is
// bound.
func startLegacy(t *testing.T, cfg LegacyConfig, addr string) *LegacyDispatcher {
	t.Helper()
	cfg.Addrs = []string{addr}
	cfg.Bind.SystemID = "ppg"
	if cfg.EnquireLinkInterval == 0 {
		cfg.EnquireLinkInterval = -1
	}
	d := NewLegacyDispatcher(cfg)
	d.Start(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := d.WaitBound(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		d.Close(ctx)
	})
	return d
}

// submitAsync submits req and returns the channel its one result arrives
// on; a second result fails the test.
func submitAsync(t *testing.T, d Dispatcher, req SubmitRequest) <-chan SubmitResult {
	t.Helper()
	ch := make(chan SubmitResult, 2)
	d.Submit(req, func(r SubmitResult) { ch <- r })
	return ch
}

func waitResult(t *testing.T, ch <-chan SubmitResult) SubmitResult {
	t.Helper()
	select {
	case r := <-ch:
		select {
		case r2 := <-ch:
			t.Fatalf("second result %+v after %+v", r2, r)
		default:
		}
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("no result")
	}
	return SubmitResult{}
}

// eventually waits for cond, polling, for at most 5 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func pushPayload(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i * 7)
	}
	return b
}

func TestLegacyDeliversAllParts(t *testing.T) {
	air := &legacyAir{}
	d := startLegacy(t, LegacyConfig{}, startStoreForwardSMSC(t, smsc.Config{}, air))
	payload := pushPayload(300)
	res := waitResult(t, submitAsync(t, d, SubmitRequest{MSISDN: "358401000001", Payload: payload, Ref: 7}))
	if res.Outcome != Delivered || res.Err != nil {
		t.Fatalf("result %+v, want delivered", res)
	}
	ids := strings.Split(res.MessageID, ",")
	if len(ids) != 3 || ids[0] == "" || ids[1] == "" || ids[2] == "" || ids[0] == ids[1] || ids[1] == ids[2] {
		t.Fatalf("MessageID %q, want three distinct part ids", res.MessageID)
	}

	got := air.delivered()
	if len(got) != 3 {
		t.Fatalf("air received %d SMS, want 3", len(got))
	}
	var uds [][]byte
	refs := map[uint16]bool{}
	for i, sms := range got {
		if !sms.UDHI || sms.DataCoding != 0x04 || sms.Destination != "358401000001" {
			t.Errorf("SMS %d: UDHI %v DCS %#x to %s", i, sms.UDHI, sms.DataCoding, sms.Destination)
		}
		udh, _, err := wdp.ParseUDH(sms.UserData)
		if err != nil {
			t.Fatalf("SMS %d: %v", i, err)
		}
		ports, ok := udh.Ports()
		if !ok || ports.Src != wdp.PortWSP || ports.Dst != wdp.PortPush {
			t.Errorf("SMS %d: port IE %+v %v", i, ports, ok)
		}
		c, ok := udh.Concat()
		if !ok || c.Total != 3 || int(c.Seq) != i+1 {
			t.Errorf("SMS %d: concatenation IE %+v %v", i, c, ok)
		}
		refs[c.Ref] = true
		uds = append(uds, sms.UserData)
	}
	if len(refs) != 1 {
		t.Errorf("parts carry references %v, want one", refs)
	}
	dg, err := wdp.Join(uds)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(dg.Payload, payload) || dg.SrcPort != 9200 || dg.DstPort != 2948 {
		t.Fatalf("joined %d→%d, %d octets", dg.SrcPort, dg.DstPort, len(dg.Payload))
	}
	if p, u := d.Pending(); p != 0 || u != 0 {
		t.Fatalf("pending %d pushes, %d receipts after the outcome", p, u)
	}
	// The handset has the whole message: its reference is free again.
	if n := d.split.refs.Held("358401000001"); n != 0 {
		t.Fatalf("%d references held after delivery", n)
	}
}

// With two binds, the SMSC sends every receipt to one of them, whichever
// bind the parts went on: matching spans the binds to one address.
func TestLegacyReceiptsOnAnotherBind(t *testing.T) {
	air := &legacyAir{}
	d := startLegacy(t, LegacyConfig{BindsPerAddr: 2}, startStoreForwardSMSC(t, smsc.Config{}, air))
	var chans []<-chan SubmitResult
	for i := range 4 {
		chans = append(chans, submitAsync(t, d, SubmitRequest{MSISDN: fmt.Sprintf("35840100010%d", i), Payload: pushPayload(200)}))
	}
	for i, ch := range chans {
		if res := waitResult(t, ch); res.Outcome != Delivered {
			t.Errorf("push %d: %+v, want delivered", i, res)
		}
	}
	if n := len(air.delivered()); n != 8 {
		t.Fatalf("air received %d SMS, want 8", n)
	}
}

func TestLegacySinglePartHasNoConcatenation(t *testing.T) {
	air := &legacyAir{}
	d := startLegacy(t, LegacyConfig{}, startStoreForwardSMSC(t, smsc.Config{}, air))
	payload := pushPayload(wdp.SinglePartMax)
	res := waitResult(t, submitAsync(t, d, SubmitRequest{MSISDN: "358401000002", Payload: payload}))
	if res.Outcome != Delivered || strings.Contains(res.MessageID, ",") {
		t.Fatalf("result %+v, want delivered as one part", res)
	}
	got := air.delivered()
	if len(got) != 1 {
		t.Fatalf("air received %d SMS, want 1", len(got))
	}
	udh, rest, err := wdp.ParseUDH(got[0].UserData)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := udh.Concat(); ok || !bytes.Equal(rest, payload) {
		t.Fatalf("UDH %v, payload %d octets", udh, len(rest))
	}
	if n := d.split.refs.Held("358401000002"); n != 0 {
		t.Fatalf("a single SMS took %d references", n)
	}
}

func TestLegacyFailures(t *testing.T) {
	air := &legacyAir{fail: func(sms radio.SMS) *radio.Error {
		switch sms.Destination {
		case "358401000010":
			return &radio.Error{Code: radio.UnknownSubscriber}
		case "358401000011":
			return &radio.Error{Code: radio.AbsentSubscriberSM}
		}
		return nil
	}}
	cfg := smsc.Config{SAF: smsc.SAFConfig{
		// The temporarily failing destination expires after a couple of
		// quick retries.
		Schedule: smsc.ExponentialSchedule(20*time.Millisecond, 20*time.Millisecond),
		Validity: 100 * time.Millisecond,
	}}
	d := startLegacy(t, LegacyConfig{}, startStoreForwardSMSC(t, cfg, air))

	res := waitResult(t, submitAsync(t, d, SubmitRequest{MSISDN: "358401000010", Payload: pushPayload(300)}))
	if res.Outcome != Failed || !res.Permanent || res.NetworkError != uint16(radio.UnknownSubscriber) {
		t.Errorf("unknown subscriber: %+v, want permanently failed with network error 1", res)
	}
	res = waitResult(t, submitAsync(t, d, SubmitRequest{MSISDN: "358401000011", Payload: pushPayload(300)}))
	if res.Outcome != Failed || res.Permanent {
		t.Errorf("absent subscriber until expiry: %+v, want failed, not permanent", res)
	}
	if p, _ := d.Pending(); p != 0 {
		t.Fatalf("%d pushes pending after their outcomes", p)
	}
}

func TestLegacyReceiptTimeoutIsUnknown(t *testing.T) {
	vc := clock.NewVirtual(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	air := &legacyAir{silent: true}
	addr := startStoreForwardSMSC(t, smsc.Config{}, air)
	d := startLegacy(t, LegacyConfig{
		Clock:          vc,
		ReceiptTimeout: 10 * time.Minute,
		// Longer than the virtual time the test moves, so that only the
		// receipt timer can decide.
		ResponseTimeout: 24 * time.Hour,
	}, addr)
	ch := submitAsync(t, d, SubmitRequest{MSISDN: "358401000020", Payload: pushPayload(300)})
	eventually(t, "three accepted parts", func() bool {
		d.mu.Lock()
		defer d.mu.Unlock()
		return len(d.byID) == 3
	})
	vc.Advance(10*time.Minute - time.Nanosecond)
	select {
	case r := <-ch:
		t.Fatalf("outcome %+v before the receipt timeout", r)
	default:
	}
	vc.Advance(time.Nanosecond)
	res := waitResult(t, ch)
	if res.Outcome != Unknown || !errors.Is(res.Err, ErrNoReceipt) || len(strings.Split(res.MessageID, ",")) != 3 {
		t.Fatalf("result %+v, want unknown for want of receipts, with the part ids", res)
	}
	if p, _ := d.Pending(); p != 0 || len(d.byID) != 0 {
		t.Fatalf("%d pushes, %d ids left after the timeout", p, len(d.byID))
	}
}

// receiptPDU builds a delivery receipt for message id in state st, with
// a GSM network error code when code is not zero.
func receiptPDU(id string, st smpp.MessageState, code uint16) *smpp.DeliverSM {
	rc := smpp.Receipt{ID: id, Sub: 1, Stat: st.Stat(), Err: fmt.Sprintf("%03d", code)}
	d := &smpp.DeliverSM{ShortMessage: smpp.ShortMessage{
		SourceAddrTON: 1, SourceAddrNPI: 1, SourceAddr: "358401234567", DestinationAddr: "PPG",
		ESMClass: 0x04, ShortMessage: rc.Append(nil),
	}}
	d.TLVs.SetReceiptedMessageID(id)
	d.TLVs.SetMessageState(st)
	if code != 0 {
		d.TLVs.SetNetworkErrorCode(smpp.NetworkErrorCode{Type: smpp.NetworkGSM, Code: code})
	}
	return d
}

// partAnswer says how a fake SMSC answers one part: with a status, and
// optionally with a receipt sent (and answered) before its submit_sm_resp.
type partAnswer struct {
	silent        bool          // never answer the submit_sm
	wait          chan struct{} // answer it once this is closed
	status        smpp.Status
	receiptBefore smpp.MessageState
	receiptAfter  smpp.MessageState
	networkError  uint16
}

// scriptedSMSC answers the n-th submit_sm it receives as script[n%len]
// says, with message ids "m1", "m2" ... It records the submits and the
// status of every deliver_sm_resp.
type scriptedSMSC struct {
	t      testing.TB
	script []partAnswer

	mu       sync.Mutex
	submits  []*smpp.SubmitSM
	receipts []smpp.Status // deliver_sm_resp statuses
	cancels  []*smpp.CancelSM
}

func (f *scriptedSMSC) serve(w smpp.ResponseWriter, r *smpp.Request) {
	if c, ok := r.PDU.(*smpp.CancelSM); ok {
		f.mu.Lock()
		f.cancels = append(f.cancels, c)
		f.mu.Unlock()
		w.Respond(&smpp.CancelSMResp{})
		return
	}
	sm, ok := r.PDU.(*smpp.SubmitSM)
	if !ok {
		w.Respond(smpp.NewResponse(r.PDU.CommandID(), 0, smpp.StatusRxPAppn))
		return
	}
	f.mu.Lock()
	f.submits = append(f.submits, sm)
	n := len(f.submits)
	f.mu.Unlock()
	a := f.script[(n-1)%len(f.script)]
	id := fmt.Sprintf("m%d", n)
	w.Defer()
	if a.silent {
		return
	}
	go func() {
		if a.wait != nil {
			<-a.wait
		}
		if a.receiptBefore != 0 {
			f.sendReceipt(r.Session, receiptPDU(id, a.receiptBefore, a.networkError))
		}
		resp := &smpp.SubmitSMResp{}
		resp.Status = a.status
		if a.status == smpp.StatusOK {
			resp.MessageID = id
		}
		w.Respond(resp)
		if a.receiptAfter != 0 {
			f.sendReceipt(r.Session, receiptPDU(id, a.receiptAfter, a.networkError))
		}
	}()
}

// sendReceipt sends a deliver_sm and records the status of its answer.
func (f *scriptedSMSC) sendReceipt(s *smpp.Session, d *smpp.DeliverSM) {
	resp, err := s.Send(context.Background(), d)
	var status smpp.Status
	switch {
	case resp != nil:
		status = resp.Hdr().Status
	case errors.Is(err, smpp.ErrClosed):
		// The push concluded at an earlier part's receipt and the test
		// closed the binds: the rest of the receipts have nowhere to go.
		return
	case !errors.As(err, &status):
		f.t.Errorf("deliver_sm: %v", err)
		return
	}
	f.mu.Lock()
	f.receipts = append(f.receipts, status)
	f.mu.Unlock()
}

func (f *scriptedSMSC) receiptStatuses() []smpp.Status {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]smpp.Status(nil), f.receipts...)
}

func startScripted(t *testing.T, script ...partAnswer) (*scriptedSMSC, *LegacyDispatcher) {
	return startScriptedWith(t, LegacyConfig{}, script...)
}

func startScriptedWith(t *testing.T, cfg LegacyConfig, script ...partAnswer) (*scriptedSMSC, *LegacyDispatcher) {
	f := &scriptedSMSC{t: t, script: script}
	_, addr := startFakeSMSC(t, f.serve, nil)
	return f, startLegacy(t, cfg, addr)
}

// cancelled returns the message ids of the cancel_sm received so far.
func (f *scriptedSMSC) cancelled() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ids []string
	for _, c := range f.cancels {
		ids = append(ids, c.MessageID)
	}
	return ids
}

// A failed push's parts that the SMSC still holds are cancelled, with the
// addresses their submits carried; a delivered push's are not, and
// KeepPartsOnFailure keeps them as Kannel does.
func TestLegacyCancelsPartsOfFailedPush(t *testing.T) {
	held := partAnswer{} // accepted, no receipt yet
	ok := partAnswer{receiptAfter: smpp.StateDelivered}
	for _, tt := range []struct {
		name   string
		cfg    LegacyConfig
		script []partAnswer
		want   []string
	}{
		{"one part refused", LegacyConfig{}, []partAnswer{held, held, {status: smpp.StatusInvDstAdr}}, []string{"m1", "m2"}},
		{"one part undeliverable", LegacyConfig{}, []partAnswer{held, {receiptAfter: smpp.StateUndeliverable, networkError: 1}, held}, []string{"m1", "m3"}},
		// The receipt decides the push before the last part is answered:
		// that part is cancelled when the SMSC accepts it.
		{"a part accepted after the push failed", LegacyConfig{}, []partAnswer{held, {receiptAfter: smpp.StateUndeliverable, networkError: 1}, {wait: make(chan struct{})}}, []string{"m1", "m3"}},
		{"kept as Kannel keeps them", LegacyConfig{KeepPartsOnFailure: true}, []partAnswer{held, held, {status: smpp.StatusInvDstAdr}}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, d := startScriptedWith(t, tt.cfg, tt.script...)
			res := waitResult(t, submitAsync(t, d, SubmitRequest{MSISDN: "358401000050", Payload: pushPayload(300)}))
			if res.Outcome != Failed {
				t.Fatalf("result %+v, want failed", res)
			}
			for _, a := range tt.script {
				if a.wait != nil {
					close(a.wait)
				}
			}
			if tt.want == nil {
				// Give a wrong cancel the time to arrive.
				time.Sleep(50 * time.Millisecond)
			} else {
				eventually(t, "the cancels", func() bool { return len(f.cancelled()) >= len(tt.want) })
			}
			got := f.cancelled()
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("cancelled %q, want %q", got, tt.want)
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			for _, c := range f.cancels {
				sm := f.submits[0]
				if c.SourceAddr != sm.SourceAddr || c.SourceAddrTON != sm.SourceAddrTON || c.DestinationAddr != sm.DestinationAddr ||
					c.DestAddrTON != sm.DestAddrTON || c.DestAddrNPI != sm.DestAddrNPI {
					t.Errorf("cancel_sm %+v does not address its part as the submit_sm did (%+v)", c, sm.ShortMessage)
				}
			}
		})
	}
	// A delivered push cancels nothing.
	f, d := startScripted(t, ok)
	if res := waitResult(t, submitAsync(t, d, SubmitRequest{MSISDN: "358401000051", Payload: pushPayload(300)})); res.Outcome != Delivered {
		t.Fatalf("result %+v", res)
	}
	time.Sleep(50 * time.Millisecond)
	if got := f.cancelled(); len(got) != 0 {
		t.Errorf("a delivered push cancelled %q", got)
	}
}

func TestLegacyReceiptBeforeResponse(t *testing.T) {
	f, d := startScripted(t, partAnswer{receiptBefore: smpp.StateDelivered})
	res := waitResult(t, submitAsync(t, d, SubmitRequest{MSISDN: "358401000030", Payload: pushPayload(300)}))
	if res.Outcome != Delivered || res.MessageID != "m1,m2,m3" {
		t.Fatalf("result %+v, want delivered as m1,m2,m3", res)
	}
	for i, s := range f.receiptStatuses() {
		if s != smpp.StatusOK {
			t.Errorf("receipt %d answered %v", i, s)
		}
	}
	if p, u := d.Pending(); p != 0 || u != 0 {
		t.Fatalf("pending %d pushes, %d receipts", p, u)
	}
}

func TestLegacyPartSubmits(t *testing.T) {
	f, d := startScripted(t, partAnswer{receiptAfter: smpp.StateDelivered})
	res := waitResult(t, submitAsync(t, d, SubmitRequest{MSISDN: "358401000031", Payload: pushPayload(300), Ref: 0x1234, Priority: PriorityHigh}))
	if res.Outcome != Delivered {
		t.Fatalf("result %+v", res)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.submits) != 3 {
		t.Fatalf("%d submits, want 3", len(f.submits))
	}
	for i, sm := range f.submits {
		if sm.ESMClass != 0x43 || sm.DataCoding != 0x04 || sm.RegisteredDelivery != 0x01 ||
			sm.DestinationAddr != "358401000031" || sm.PriorityFlag != 1 || len(sm.ShortMessage.ShortMessage) > wdp.MaxUserData {
			t.Errorf("part %d: esm_class %#x data_coding %#x registered_delivery %#x to %s priority %d, %d octets",
				i, sm.ESMClass, sm.DataCoding, sm.RegisteredDelivery, sm.DestinationAddr, sm.PriorityFlag, len(sm.ShortMessage.ShortMessage))
		}
		if umr, ok := sm.TLVs.UserMessageReference(); !ok || umr != 0x1234 {
			t.Errorf("part %d: user_message_reference %#x %v", i, umr, ok)
		}
		if _, ok := sm.TLVs.MessagePayload(); ok {
			t.Errorf("part %d carries message_payload", i)
		}
	}
}

func TestLegacyOutcomes(t *testing.T) {
	ok := partAnswer{receiptAfter: smpp.StateDelivered}
	tests := []struct {
		name      string
		script    []partAnswer
		outcome   Outcome
		permanent bool
		status    smpp.Status
		netErr    uint16
	}{
		{"every part delivered", []partAnswer{ok}, Delivered, false, 0, 0},
		{"one part undeliverable, permanent cause", []partAnswer{ok, {receiptAfter: smpp.StateUndeliverable, networkError: 13}, ok}, Failed, true, 0, 13},
		{"one part undeliverable, temporary cause", []partAnswer{ok, ok, {receiptAfter: smpp.StateUndeliverable, networkError: 27}}, Failed, false, 0, 27},
		{"one part expired", []partAnswer{{receiptAfter: smpp.StateExpired}, ok, ok}, Failed, false, 0, 0},
		{"one part rejected", []partAnswer{ok, {receiptAfter: smpp.StateRejected}, ok}, Failed, false, 0, 0},
		{"one part deleted", []partAnswer{ok, {receiptAfter: smpp.StateDeleted}, ok}, Failed, false, 0, 0},
		{"failure receipt before its response", []partAnswer{{receiptBefore: smpp.StateUndeliverable, networkError: 1}, ok, ok}, Failed, true, 0, 1},
		{"queue full for every part", []partAnswer{{status: smpp.StatusMsgQFul}}, Busy, false, smpp.StatusMsgQFul, 0},
		{"throttled for every part", []partAnswer{{status: smpp.StatusThrottled}}, Busy, false, smpp.StatusThrottled, 0},
		{"queue full after a part was taken", []partAnswer{{status: smpp.StatusOK}, {status: smpp.StatusMsgQFul}, {status: smpp.StatusMsgQFul}}, Failed, false, smpp.StatusMsgQFul, 0},
		{"submit refused", []partAnswer{{status: smpp.StatusSubmitFail}}, Failed, false, smpp.StatusSubmitFail, 0},
		{"one part refused", []partAnswer{ok, ok, {status: smpp.StatusInvDstAdr}}, Failed, false, smpp.StatusInvDstAdr, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, d := startScripted(t, tt.script...)
			res := waitResult(t, submitAsync(t, d, SubmitRequest{MSISDN: "358401000040", Payload: pushPayload(300)}))
			if res.Outcome != tt.outcome || res.Permanent != tt.permanent || res.Status != tt.status || res.NetworkError != tt.netErr {
				t.Fatalf("result %+v, want %v permanent %v status %v network error %d",
					res, tt.outcome, tt.permanent, tt.status, tt.netErr)
			}
			// The outcome is final: receipts still to come find nothing.
			if p, _ := d.Pending(); p != 0 {
				t.Fatalf("%d pushes pending after the outcome", p)
			}
		})
	}
}

func TestLegacyLostResponseIsUnknown(t *testing.T) {
	vc := clock.NewVirtual(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	ok := partAnswer{receiptAfter: smpp.StateDelivered}
	f := &scriptedSMSC{t: t, script: []partAnswer{ok, {silent: true}, ok}}
	_, addr := startFakeSMSC(t, f.serve, nil)
	d := startLegacy(t, LegacyConfig{Clock: vc, ResponseTimeout: time.Second}, addr)
	ch := submitAsync(t, d, SubmitRequest{MSISDN: "358401000045", Payload: pushPayload(300)})
	// Once the SMSC has every part, every response timer is running.
	eventually(t, "three submits at the SMSC", func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		return len(f.submits) == 3
	})
	select {
	case r := <-ch:
		t.Fatalf("outcome %+v before the response timer", r)
	default:
	}
	vc.Advance(time.Second)
	res := waitResult(t, ch)
	if res.Outcome != Unknown || !errors.Is(res.Err, smpp.ErrNoResponse) {
		t.Fatalf("result %+v, want unknown: no response", res)
	}
	if p, _ := d.Pending(); p != 0 {
		t.Fatalf("%d pushes pending", p)
	}
}

func TestLegacyNotBoundIsBusy(t *testing.T) {
	d := NewLegacyDispatcher(LegacyConfig{Addrs: []string{"127.0.0.1:1"}})
	res := waitResult(t, submitAsync(t, d, SubmitRequest{MSISDN: "358401000050", Payload: pushPayload(10)}))
	if res.Outcome != Busy || !errors.Is(res.Err, smpp.ErrNotBound) {
		t.Fatalf("result %+v, want busy: not bound", res)
	}
}

func TestLegacyUnmatchedReceiptAnsweredOK(t *testing.T) {
	bound := make(chan *smpp.Session, 1)
	_, addr := startFakeSMSC(t, func(w smpp.ResponseWriter, r *smpp.Request) {
		w.Respond(smpp.NewResponse(r.PDU.CommandID(), 0, smpp.StatusSysErr))
	}, func(s *smpp.Session) { bound <- s })
	d := startLegacy(t, LegacyConfig{}, addr)
	var s *smpp.Session
	select {
	case s = <-bound:
	case <-time.After(5 * time.Second):
		t.Fatal("no session at the SMSC")
	}
	garbage := &smpp.DeliverSM{ShortMessage: smpp.ShortMessage{ESMClass: 0x04, ShortMessage: []byte("not a receipt")}}
	mo := &smpp.DeliverSM{ShortMessage: smpp.ShortMessage{SourceAddr: "358401000060", ShortMessage: []byte("hello")}}
	enroute := receiptPDU("x9", smpp.StateEnroute, 0)
	for i, p := range []smpp.PDU{
		vectorPDU(t, "v14-smpp-deliver-sm-receipt/deliver_sm.delivrd.bin"),
		vectorPDU(t, "v14-smpp-deliver-sm-receipt/deliver_sm.undeliv.bin"),
		garbage, mo, enroute,
		&smpp.DataSM{ESMClass: 0x04, TLVs: receiptPDU("x10", smpp.StateDelivered, 0).TLVs},
	} {
		resp, err := s.Send(context.Background(), p)
		if err != nil || resp.Hdr().Status != smpp.StatusOK {
			t.Errorf("PDU %d (%v): answered %v, %v; want ESME_ROK", i, p.CommandID(), resp, err)
		}
	}
	// The two final receipts of v14 and the data_sm one are kept in case
	// their ids turn up; the rest decide nothing and are not.
	if _, u := d.Pending(); u != 3 {
		t.Fatalf("%d unmatched receipts kept, want 3", u)
	}
}

func TestLegacyCloseEndsPendingUnknown(t *testing.T) {
	_, d := startScripted(t, partAnswer{})
	ch := submitAsync(t, d, SubmitRequest{MSISDN: "358401000070", Payload: pushPayload(300)})
	eventually(t, "three accepted parts", func() bool {
		d.mu.Lock()
		defer d.mu.Unlock()
		return len(d.byID) == 3
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := d.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if res := waitResult(t, ch); res.Outcome != Unknown {
		t.Fatalf("result %+v, want unknown", res)
	}
	res := waitResult(t, submitAsync(t, d, SubmitRequest{MSISDN: "358401000070", Payload: pushPayload(300)}))
	if res.Outcome != Busy {
		t.Fatalf("submit after close: %+v, want busy", res)
	}
}

func TestLegacyMaxPending(t *testing.T) {
	f := &scriptedSMSC{t: t, script: []partAnswer{{}}}
	_, addr := startFakeSMSC(t, f.serve, nil)
	d := startLegacy(t, LegacyConfig{MaxPending: 1}, addr)
	first := submitAsync(t, d, SubmitRequest{MSISDN: "358401000080", Payload: pushPayload(10)})
	res := waitResult(t, submitAsync(t, d, SubmitRequest{MSISDN: "358401000081", Payload: pushPayload(10)}))
	if res.Outcome != Busy || res.Err == nil {
		t.Fatalf("second push: %+v, want busy", res)
	}
	select {
	case r := <-first:
		t.Fatalf("first push ended %+v without a receipt", r)
	default:
	}
}

// The parts are what Kannel sends for the same push: v16's three-part SI
// (reference 2), split again, gives the same user data octet for octet.
func TestLegacyPartsMatchKannel(t *testing.T) {
	var kannel [][]byte
	for _, n := range []string{"006", "007", "008"} {
		sm := vectorPDU(t, "v16-kannel-e2e/smpp-rx/rx-"+n+"-submit_sm.bin").(*smpp.SubmitSM)
		if sm.ESMClass != esmStoreForwardUDHI || sm.DataCoding != dcs8Bit {
			t.Fatalf("rx-%s: esm_class %#x data_coding %#x", n, sm.ESMClass, sm.DataCoding)
		}
		kannel = append(kannel, sm.ShortMessage.ShortMessage)
	}
	dg, err := wdp.Join(kannel)
	if err != nil {
		t.Fatal(err)
	}
	d := NewLegacyDispatcher(LegacyConfig{})
	uds, err := wdp.Segment(wdp.Datagram{SrcPort: wdp.PortWSP, DstPort: wdp.PortPush, Payload: dg.Payload}, wdp.SegmentOptions{Ref: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(uds) != len(kannel) {
		t.Fatalf("%d parts, Kannel sent %d", len(uds), len(kannel))
	}
	for i, ud := range uds {
		sm := d.partPDU(SubmitRequest{MSISDN: "358401234567", Payload: dg.Payload}, ud)
		if !bytes.Equal(sm.ShortMessage.ShortMessage, kannel[i]) {
			t.Errorf("part %d:\n got % x\nwant % x", i+1, sm.ShortMessage.ShortMessage, kannel[i])
		}
	}
}

func TestReadReceipt(t *testing.T) {
	delivrd := vectorPDU(t, "v14-smpp-deliver-sm-receipt/deliver_sm.delivrd.bin").(*smpp.DeliverSM)
	undeliv := vectorPDU(t, "v14-smpp-deliver-sm-receipt/deliver_sm.undeliv.bin").(*smpp.DeliverSM)
	textOnly := &smpp.DeliverSM{ShortMessage: smpp.ShortMessage{ESMClass: 0x04, ShortMessage: []byte(
		"id:ABC123 sub:001 dlvrd:000 submit date:2403051230 done date:2403051232 stat:UNDELIV err:001 text:")}}
	tlvOverText := receiptPDU("tlv-id", smpp.StateDelivered, 0)
	tlvOverText.ShortMessage.ShortMessage = []byte("id:text-id stat:UNDELIV err:000")
	notReceipt := &smpp.DeliverSM{ShortMessage: smpp.ShortMessage{ShortMessage: []byte("id:1 stat:DELIVRD")}}

	tests := []struct {
		name      string
		d         *smpp.DeliverSM
		ok        bool
		id        string
		state     smpp.MessageState
		permanent bool
	}{
		{"v14 delivered", delivrd, true, "5f3a0001", smpp.StateDelivered, false},
		{"v14 undeliverable, absent subscriber", undeliv, true, "5f3a0002", smpp.StateUndeliverable, false},
		{"text only, err 001", textOnly, true, "ABC123", smpp.StateUndeliverable, true},
		{"TLVs before text", tlvOverText, true, "tlv-id", smpp.StateDelivered, false},
		{"not a receipt", notReceipt, false, "", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ri, ok := readReceipt(tt.d.ESMClass, tt.d.ShortMessage.ShortMessage, tt.d.TLVs)
			if ok != tt.ok {
				t.Fatalf("ok %v, want %v", ok, tt.ok)
			}
			if !ok {
				return
			}
			if ri.id != tt.id || ri.state != tt.state || ri.permanent() != tt.permanent {
				t.Fatalf("id %q state %v permanent %v; want %q %v %v", ri.id, ri.state, ri.permanent(), tt.id, tt.state, tt.permanent)
			}
		})
	}
}

func TestReceiptPermanence(t *testing.T) {
	gsm := func(code uint16) receiptInfo {
		return receiptInfo{hasNetwork: true, network: smpp.NetworkErrorCode{Type: smpp.NetworkGSM, Code: code}}
	}
	tests := []struct {
		name string
		ri   receiptInfo
		want bool
	}{
		{"unknownSubscriber", gsm(1), true},
		{"callBarred", gsm(13), true},
		{"absentSubscriber", gsm(27), false},
		{"systemFailure", gsm(34), false},
		{"sm-DeliveryFailure/invalidSME-Address", gsm(0x2005), true},
		{"sm-DeliveryFailure/memoryCapacityExceeded", gsm(0x2000), false},
		{"IS-95 code is not read as MAP", receiptInfo{hasNetwork: true, network: smpp.NetworkErrorCode{Type: smpp.NetworkIS95, Code: 1}}, false},
		{"delivery_failure_reason address invalid", receiptInfo{hasReason: true, reason: 1}, true},
		{"delivery_failure_reason temporary", receiptInfo{hasReason: true, reason: 3}, false},
		{"err 011", receiptInfo{err: "011"}, true},
		{"err 006", receiptInfo{err: "006"}, false},
		{"err hex", receiptInfo{err: "0A1"}, false},
		{"nothing said", receiptInfo{}, false},
		{"TLV wins over err", receiptInfo{hasNetwork: true, network: smpp.NetworkErrorCode{Type: smpp.NetworkGSM, Code: 27}, err: "001"}, false},
	}
	for _, tt := range tests {
		if got := tt.ri.permanent(); got != tt.want {
			t.Errorf("%s: permanent %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestUnmatchedReceiptsBounded(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	u := unmatchedReceipts{ttl: time.Minute, max: 3, m: map[receiptKey]heldReceipt{}}
	key := func(i int) receiptKey { return receiptKey{0, fmt.Sprint(i)} }
	for i := range 5 {
		u.put(key(i), receiptInfo{id: fmt.Sprint(i)}, now)
	}
	if len(u.m) != 3 {
		t.Fatalf("%d kept, want 3", len(u.m))
	}
	if _, ok := u.take(key(0), now); ok {
		t.Fatal("the oldest receipt was not dropped")
	}
	if ri, ok := u.take(key(4), now); !ok || ri.id != "4" {
		t.Fatalf("newest receipt: %+v %v", ri, ok)
	}
	if _, ok := u.take(key(3), now.Add(time.Minute)); ok {
		t.Fatal("an expired receipt was matched")
	}
	// Expired receipts go when the next one comes.
	u.put(key(9), receiptInfo{}, now.Add(2*time.Minute))
	if len(u.m) != 1 {
		t.Fatalf("%d kept after expiry, want 1", len(u.m))
	}
	// Receipts taken at once leave no trace that grows.
	for i := range 100 {
		u.put(key(100+i), receiptInfo{}, now.Add(2*time.Minute))
		u.take(key(100+i), now.Add(2*time.Minute))
	}
	if len(u.order) > 2*u.max+1 {
		t.Fatalf("order holds %d entries for %d receipts", len(u.order), len(u.m))
	}
}

// recordingWriter is a smpp.ResponseWriter that keeps the answer.
type recordingWriter struct{ resp smpp.PDU }

func (w *recordingWriter) Respond(resp smpp.PDU) error {
	if w.resp != nil {
		return smpp.ErrAlreadyAnswered
	}
	w.resp = resp
	return nil
}

func (w *recordingWriter) Defer() {}

// FuzzLegacyReceipt feeds any PDU to the dispatcher's request handler:
// it must not panic, must answer every deliver_sm and data_sm ESME_ROK,
// and what it reads of a receipt must read back the same once written
// into a receipt of its own.
func FuzzLegacyReceipt(f *testing.F) {
	for _, name := range []string{
		"v14-smpp-deliver-sm-receipt/deliver_sm.delivrd.bin",
		"v14-smpp-deliver-sm-receipt/deliver_sm.undeliv.bin",
		"v16-kannel-e2e/smpp-tx/tx-003-deliver_sm.bin",
	} {
		f.Add(readLegacyVector(f, name))
	}
	textOnly := &smpp.DeliverSM{ShortMessage: smpp.ShortMessage{ESMClass: 0x04, ShortMessage: []byte("id:7 stat:EXPIRED err:027")}}
	if b, err := smpp.Append(nil, textOnly); err == nil {
		f.Add(b)
	}
	d := NewLegacyDispatcher(LegacyConfig{Clock: clock.NewVirtual(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)), MaxUnmatchedReceipts: 100})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := smpp.Unmarshal(b, 0)
		if err != nil {
			return
		}
		w := &recordingWriter{}
		d.serve(0, w, &smpp.Request{PDU: p})
		var (
			esm  byte
			text []byte
			tlvs smpp.TLVs
		)
		switch p := p.(type) {
		case *smpp.DeliverSM:
			esm, text, tlvs = p.ESMClass, p.ShortMessage.ShortMessage, p.TLVs
		case *smpp.DataSM:
			esm, tlvs = p.ESMClass, p.TLVs
		default:
			return
		}
		if w.resp == nil || w.resp.Hdr().Status != smpp.StatusOK {
			t.Fatalf("%v answered %v, want ESME_ROK", p.CommandID(), w.resp)
		}
		ri, ok := readReceipt(esm, text, tlvs)
		if !ok {
			return
		}
		if ri.id == "" {
			t.Fatal("a receipt without an id was read")
		}
		if _, u := d.Pending(); u > 100 {
			t.Fatalf("%d unmatched receipts kept, bound 100", u)
		}
		again := receiptPDU(ri.id, ri.state, 0)
		ri2, ok := readReceipt(again.ESMClass, again.ShortMessage.ShortMessage, again.TLVs)
		if !ok || ri2.id != ri.id || ri2.state != ri.state {
			t.Fatalf("read %q %v, rewritten and read again %q %v %v", ri.id, ri.state, ri2.id, ri2.state, ok)
		}
	})
}

func BenchmarkReadReceipt(b *testing.B) {
	d := vectorPDU(b, "v14-smpp-deliver-sm-receipt/deliver_sm.delivrd.bin").(*smpp.DeliverSM)
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := readReceipt(d.ESMClass, d.ShortMessage.ShortMessage, d.TLVs); !ok {
			b.Fatal("not read")
		}
	}
}

// BenchmarkLegacyBookkeeping measures what the dispatcher does for one
// three-part push without the network: track it, take three submit
// responses, match three receipts, conclude.
func BenchmarkLegacyBookkeeping(b *testing.B) {
	d := NewLegacyDispatcher(LegacyConfig{Clock: clock.NewVirtual(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))})
	ids := []string{"a1", "a2", "a3"}
	resps := make([]*smpp.SubmitSMResp, len(ids))
	for i, id := range ids {
		resps[i] = &smpp.SubmitSMResp{MessageID: id}
	}
	delivered := receiptInfo{state: smpp.StateDelivered}
	var outcome Outcome
	done := func(r SubmitResult) { outcome = r.Outcome }
	b.ReportAllocs()
	for b.Loop() {
		p := &legacyPush{done: done, ids: make([]string, 3), delivered: make([]bool, 3), allBusy: true}
		if err := d.track(p); err != nil {
			b.Fatal(err)
		}
		for i, r := range resps {
			d.answered(p, i, r, nil)
		}
		for _, id := range ids {
			d.receipt(receiptKey{0, id}, delivered)
		}
		if outcome != Delivered {
			b.Fatalf("outcome %v", outcome)
		}
		outcome = 0
	}
}

// BenchmarkLegacyLoopback sends three-part pushes through a loopback SMSC
// that answers each part and sends its receipt at once, 256 pushes in
// flight.
func BenchmarkLegacyLoopback(b *testing.B) {
	f := &scriptedSMSC{t: b, script: []partAnswer{{receiptAfter: smpp.StateDelivered}}}
	srv := &smpp.Server{Session: smpp.SessionConfig{Handler: smpp.HandlerFunc(f.serve), EnquireLinkInterval: -1}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go srv.Serve(l)
	defer srv.Close()
	d := NewLegacyDispatcher(LegacyConfig{Addrs: []string{l.Addr().String()}, EnquireLinkInterval: -1})
	d.Start(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := d.WaitBound(ctx); err != nil {
		b.Fatal(err)
	}
	defer d.Close(ctx)
	payload := pushPayload(300)
	slots := make(chan struct{}, 256)
	var wg sync.WaitGroup
	var failed sync.Once
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		slots <- struct{}{}
		wg.Add(1)
		d.Submit(SubmitRequest{MSISDN: fmt.Sprintf("3584%08d", i%100000), Payload: payload}, func(r SubmitResult) {
			if r.Outcome != Delivered {
				failed.Do(func() { b.Errorf("outcome %+v", r) })
			}
			<-slots
			wg.Done()
		})
	}
	wg.Wait()
}
