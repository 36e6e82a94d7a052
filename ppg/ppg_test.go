package ppg

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/txpush/txpush/pap"
	"github.com/txpush/txpush/store"
	"github.com/txpush/txpush/wap/content"
)

func TestPushDeliveredAndNotified(t *testing.T) {
	h := newHarness(t, Config{SenderName: "test PPG"}).start()
	pi := newNotifications(t)
	m := pushMessage("p1@pi.test", "+358401234567")
	m.NotifyTo = pi.srv.URL
	status, resp := h.push(m)
	if status != http.StatusAccepted || resp.Result.Code != pap.CodeAccepted {
		t.Fatalf("HTTP %d, code %v (%s), want 202 1001", status, resp.Result.Code, resp.Result.Desc)
	}
	if resp.SenderAddress != "http://ppg.test/pap" || resp.SenderName != "test PPG" || !resp.ReplyTime.Equal(epoch) {
		t.Errorf("push-response sender %q %q at %v", resp.SenderAddress, resp.SenderName, resp.ReplyTime)
	}

	s := h.disp.next(t)
	push, err := content.Compile(content.Content{Type: "text/vnd.wap.si", Body: readVector(t, "inputs/si-short.xml")}, content.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := push.Marshal()
	if s.req.MSISDN != "358401234567" || !bytes.Equal(s.req.Payload, want) || s.req.Priority != PriorityMedium {
		t.Fatalf("submit %+v, want the compiled SI to 358401234567", s.req)
	}
	// Nothing is written before the submit: the store held its
	// reference from the start, so a restart now would submit it again
	// under the same reference.
	d := h.wantState("", "p1@pi.test", 0, store.DeliveryPending, 0)
	if d.Ref != s.req.Ref {
		t.Fatalf("stored with ref %d; submit ref %d", d.Ref, s.req.Ref)
	}
	if r := h.statusQuery("p1@pi.test"); r.Results[0].State != pap.StatePending {
		t.Fatalf("status while in flight: %s", r.Results[0].State)
	}

	h.clk.Advance(3 * time.Second)
	s.done(SubmitResult{Outcome: Delivered, MessageID: "0000002a"})
	d = h.wantState("", "p1@pi.test", 0, store.DeliveryDelivered, pap.CodeOK)
	if d.MessageID != "0000002a" {
		t.Errorf("message id %q", d.MessageID)
	}
	rn := pi.next(t)
	if rn.PushID != "p1@pi.test" || rn.State != pap.StateDelivered || rn.Code != pap.CodeOK ||
		rn.Address.Value != "+358401234567" || !rn.ReceivedTime.Equal(epoch) ||
		!rn.EventTime.Equal(epoch.Add(3*time.Second)) || rn.SenderAddress != "http://ppg.test/pap" {
		t.Fatalf("notification %+v", rn)
	}
	r := h.statusQuery("p1@pi.test")
	if len(r.Results) != 1 || r.Results[0].State != pap.StateDelivered || r.Results[0].Code != pap.CodeOK {
		t.Fatalf("status query: %+v", r.Results)
	}
}

// TestOutcomes maps each dispatcher outcome to its final message state and
// code.
func TestNothingDispatchedBeforeStart(t *testing.T) {
	h := newHarness(t, Config{})
	if _, resp := h.push(pushMessage("early@pi.test", "+358401234567")); resp.Result.Code != pap.CodeAccepted {
		t.Fatal(resp.Result.Code)
	}
	h.disp.none(t)
	h.start()
	if s := h.disp.next(t); s.req.MSISDN != "358401234567" {
		t.Fatal(s.req.MSISDN)
	}
	h.disp.none(t)
}

func TestOutcomes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		result SubmitResult
		state  store.DeliveryState
		pstate pap.MessageState
		code   pap.Code
	}{
		{"delivered", SubmitResult{Outcome: Delivered}, store.DeliveryDelivered, pap.StateDelivered, pap.CodeOK},
		{"permanent", SubmitResult{Outcome: Failed, Permanent: true, FailureReason: 1}, store.DeliveryUndeliverable, pap.StateUndeliverable, pap.CodeAddressError},
		{"temporary", SubmitResult{Outcome: Failed, FailureReason: 3}, store.DeliveryUndeliverable, pap.StateUndeliverable, pap.CodeServiceFailure},
		{"unknown", SubmitResult{Outcome: Unknown}, store.DeliveryUnknown, pap.StateTimeout, pap.CodeServiceFailure},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Config{}).start()
			pi := newNotifications(t)
			m := pushMessage("o@pi.test", "+358401234567")
			m.NotifyTo = pi.srv.URL
			h.push(m)
			h.disp.next(t).done(tc.result)
			h.wantState("", "o@pi.test", 0, tc.state, tc.code)
			if rn := pi.next(t); rn.State != tc.pstate || rn.Code != tc.code {
				t.Fatalf("notified %s %v, want %s %v", rn.State, rn.Code, tc.pstate, tc.code)
			}
			r := h.statusQuery("o@pi.test")
			if r.Results[0].State != tc.pstate || r.Results[0].Code != tc.code {
				t.Fatalf("status %s %v", r.Results[0].State, r.Results[0].Code)
			}
			h.disp.none(t)
		})
	}
}

func TestBusyIsRetriedWithoutFinalState(t *testing.T) {
	h := newHarness(t, Config{BusyRetryDelay: 2 * time.Second}).start()
	h.push(pushMessage("b@pi.test", "+358401234567"))
	first := h.disp.next(t)
	first.done(SubmitResult{Outcome: Busy})
	d := h.wantState("", "b@pi.test", 0, store.DeliveryPending, 0)
	if !d.NextAttempt.Equal(epoch.Add(2 * time.Second)) {
		t.Fatalf("next attempt %v", d.NextAttempt)
	}
	h.clk.Advance(time.Second)
	h.disp.none(t)
	h.clk.Advance(time.Second)
	second := h.disp.next(t)
	second.done(SubmitResult{Outcome: Delivered})
	d = h.wantState("", "b@pi.test", 0, store.DeliveryDelivered, pap.CodeOK)
	if d.Attempts != 2 {
		t.Fatalf("%d attempts", d.Attempts)
	}
}

func TestRetryUntilDeliverBefore(t *testing.T) {
	h := newHarness(t, Config{RetryUntilDeliverBefore: true, RetryInterval: time.Minute}).start()
	m := pushMessage("r@pi.test", "+358401234567")
	m.DeliverBefore = epoch.Add(150 * time.Second)
	h.push(m)
	first := h.disp.next(t)
	first.done(SubmitResult{Outcome: Failed, FailureReason: 3})
	pending := h.wantState("", "r@pi.test", 0, store.DeliveryPending, 0)
	h.clk.Advance(time.Minute)
	second := h.disp.next(t)
	if second.req.Ref == first.req.Ref {
		t.Fatal("a retry after a known failure reused the reference: the SMSC would answer it with the old failure")
	}
	if second.req.Ref != pending.Ref {
		t.Fatalf("the retry went out with ref %d, the store holds %d: after a crash it would be sent again under another", second.req.Ref, pending.Ref)
	}
	second.done(SubmitResult{Outcome: Failed, FailureReason: 3})
	h.wantState("", "r@pi.test", 0, store.DeliveryPending, 0)
	h.clk.Advance(time.Minute)
	// A third attempt would start at 180 s, after deliver-before: the
	// failure is final.
	third := h.disp.next(t)
	third.done(SubmitResult{Outcome: Failed, FailureReason: 3})
	h.wantState("", "r@pi.test", 0, store.DeliveryUndeliverable, pap.CodeServiceFailure)
	h.clk.Advance(time.Hour)
	h.disp.none(t)
}

func TestRefusals(t *testing.T) {
	big := siEntity(t, "si-3seg.xml")
	for _, tc := range []struct {
		name    string
		edit    func(*pap.PushMessage)
		content *pap.Entity
		code    pap.Code
		desc    string
	}{
		{"USER address", func(m *pap.PushMessage) { m.Addresses[0] = pap.Address{Value: "john", Type: pap.TypeUSER} }, nil, pap.CodeAddressError, "PLMN"},
		{"IPv4 address", func(m *pap.PushMessage) { m.Addresses[0] = pap.Address{Value: "10.1.2.3", Type: pap.TypeIPv4} }, nil, pap.CodeRequiredBearerNotAvailable, "IP bearer"},
		{"IPv6 address", func(m *pap.PushMessage) {
			m.Addresses = append(m.Addresses, pap.Address{Value: "FEDC::1", Type: pap.TypeIPv6})
		}, nil, pap.CodeRequiredBearerNotAvailable, "IP bearer"},
		{"confirmed", func(m *pap.PushMessage) {
			m.QoS = &pap.QualityOfService{DeliveryMethod: pap.DeliveryConfirmed}
		}, nil, pap.CodeDeliveryMethodNotPossible, "confirm"},
		{"network", func(m *pap.PushMessage) {
			m.QoS = &pap.QualityOfService{Network: "CDMA", NetworkRequired: true}
		}, nil, pap.CodeRequiredNetworkNotAvailable, "CDMA"},
		{"bearer", func(m *pap.PushMessage) {
			m.QoS = &pap.QualityOfService{Bearer: "GPRS", BearerRequired: true}
		}, nil, pap.CodeRequiredBearerNotAvailable, "GPRS"},
		{"bad SI", nil, pap.NewEntity("text/vnd.wap.si", []byte("<si><indication>")), pap.CodeTransformationFailure, "cannot be sent"},
		{"too many segments", nil, big, pap.CodeNotPossible, "more than the 2"},
		{"notify URL", func(m *pap.PushMessage) { m.NotifyTo = "ftp://pi.example.com/notify" }, nil, pap.CodeBadRequest, "http"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Config{MaxSegments: 2}).start()
			m := pushMessage("x@pi.test", "+358401234567")
			if tc.edit != nil {
				tc.edit(m)
			}
			c := tc.content
			if c == nil {
				c = siEntity(t, "si-short.xml")
			}
			_, resp := h.pushContent(m, c)
			if resp.Result.Code != tc.code || !strings.Contains(resp.Result.Desc, tc.desc) {
				t.Fatalf("code %v %q, want %v mentioning %q", resp.Result.Code, resp.Result.Desc, tc.code, tc.desc)
			}
			if _, err := h.store.GetPush(context.Background(), "", "x@pi.test"); !errors.Is(err, store.ErrNotFound) {
				t.Fatal("a refused push was stored")
			}
			h.disp.none(t)
		})
	}
}

func TestLenientQoS(t *testing.T) {
	h := newHarness(t, Config{}).start()
	m := pushMessage("q@pi.test", "+358401234567")
	m.QoS = &pap.QualityOfService{DeliveryMethod: pap.DeliveryPreferConfirmed, Network: "gsm", NetworkRequired: true,
		Bearer: "sms", BearerRequired: true}
	m.ProgressNotesRequested = true
	_, resp := h.push(m)
	if resp.Result.Code != pap.CodeAccepted || !strings.Contains(resp.Result.Desc, "downgraded to unconfirmed") ||
		!strings.Contains(resp.Result.Desc, "progress notes are not supported") {
		t.Fatalf("%v %q", resp.Result.Code, resp.Result.Desc)
	}
}

func TestAuthentication(t *testing.T) {
	cfg := Config{PIs: []PIAccount{
		{Name: "alice", Password: "secret", AllowedPrefixes: []string{"+35840"}},
		{Name: "bob", Password: "pw", AllowedNets: []string{"10.0.0.0/8"}},
	}}
	h := newHarness(t, cfg).start()

	rec := h.postRaw("application/xml", mustMarshal(t, &pap.StatusQueryMessage{PushID: "x"}))
	if rec.Code != http.StatusUnauthorized || !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Basic ") {
		t.Fatalf("no credentials: HTTP %d %q", rec.Code, rec.Header().Get("WWW-Authenticate"))
	}
	for _, tc := range []struct {
		name       string
		auth       []string
		number     string
		code       pap.Code
		httpStatus int
	}{
		{"wrong password", []string{"alice", "guess"}, "+358401234567", pap.CodeForbidden, http.StatusForbidden},
		{"unknown PI", []string{"mallory", "secret"}, "+358401234567", pap.CodeForbidden, http.StatusForbidden},
		{"source address", []string{"bob", "pw"}, "+358401234567", pap.CodeForbidden, http.StatusForbidden},
		{"prefix", []string{"alice", "secret"}, "+46701234567", pap.CodeForbidden, http.StatusOK},
		{"no credentials", nil, "+358401234567", pap.CodeForbidden, http.StatusUnauthorized},
		{"allowed", []string{"alice", "secret"}, "+358401234567", pap.CodeAccepted, http.StatusAccepted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, resp := h.push(pushMessage("a-"+tc.name, tc.number), tc.auth...)
			if status != tc.httpStatus || resp.Result.Code != tc.code {
				t.Fatalf("HTTP %d code %v (%s), want %d %v", status, resp.Result.Code, resp.Result.Desc, tc.httpStatus, tc.code)
			}
		})
	}
	// Push ids are per PI: alice's push is hers alone.
	ans := h.send(&pap.StatusQueryMessage{PushID: "a-allowed"}, "bob", "pw")
	if r := ans.(*pap.StatusQueryResponse); r.Results[0].Code != pap.CodeForbidden {
		t.Fatalf("bob's query of alice's push from a forbidden net: %v", r.Results[0].Code)
	}
}

func TestOtherPIsPush(t *testing.T) {
	cfg := Config{PIs: []PIAccount{{Name: "alice", Password: "a"}, {Name: "bob", Password: "b"}}}
	h := newHarness(t, cfg).start()
	h.push(pushMessage("shared@pi.test", "+358401234567"), "alice", "a")
	r := h.send(&pap.StatusQueryMessage{PushID: "shared@pi.test"}, "bob", "b").(*pap.StatusQueryResponse)
	if r.Results[0].Code != pap.CodeForbidden {
		t.Fatalf("status query of another PI's push: %v", r.Results[0].Code)
	}
	c := h.send(&pap.CancelMessage{PushID: "shared@pi.test"}, "bob", "b").(*pap.CancelResponse)
	if c.Results[0].Code != pap.CodeForbidden {
		t.Fatalf("cancel of another PI's push: %v", c.Results[0].Code)
	}
	// Bob may use the same push id for his own push.
	if _, resp := h.push(pushMessage("shared@pi.test", "+358401234567"), "bob", "b"); resp.Result.Code != pap.CodeAccepted {
		t.Fatalf("bob's push: %v", resp.Result.Code)
	}
}

func TestLoopbackOnlyWithoutPIs(t *testing.T) {
	h := newHarness(t, Config{}).start()
	r, _ := http.NewRequest(http.MethodPost, "http://ppg.test/pap", bytes.NewReader(mustMarshal(t, &pap.StatusQueryMessage{PushID: "x"})))
	r.RemoteAddr = "192.0.2.7:5555"
	r.Header.Set("Content-Type", "application/xml")
	rec := newRecorder()
	h.ppg.ServeHTTP(rec, r)
	req, err := pap.ReadRequest(rec.Header().Get("Content-Type"), rec.Body, 0)
	if err != nil {
		t.Fatal(err)
	}
	if sq := req.Message.(*pap.StatusQueryResponse); rec.Code != http.StatusForbidden || sq.Results[0].Code != pap.CodeForbidden {
		t.Fatalf("HTTP %d %v", rec.Code, sq.Results[0].Code)
	}
}

func TestDuplicatePushID(t *testing.T) {
	h := newHarness(t, Config{}).start()
	if _, resp := h.push(pushMessage("d@pi.test", "+358401234567")); resp.Result.Code != pap.CodeAccepted {
		t.Fatal(resp.Result.Code)
	}
	h.disp.next(t)
	status, resp := h.push(pushMessage("d@pi.test", "+358409999999"))
	if resp.Result.Code != pap.CodeDuplicatePushID || status == http.StatusAccepted {
		t.Fatalf("HTTP %d %v", status, resp.Result.Code)
	}
	h.disp.none(t)
}

func TestBadRequests(t *testing.T) {
	h := newHarness(t, Config{MaxBody: 4096}).start()
	for _, tc := range []struct {
		name        string
		contentType string
		body        []byte
		httpStatus  int
		code        pap.Code
	}{
		{"not XML", "application/xml", []byte("hello"), http.StatusBadRequest, pap.CodeBadRequest},
		{"not PAP", "application/xml", []byte("<html/>"), http.StatusBadRequest, pap.CodeBadRequest},
		{"too large", "application/xml", bytes.Repeat([]byte(" "), 5000), http.StatusRequestEntityTooLarge, pap.CodeBadRequest},
		{"a response", "application/xml", readVector(t, "examples/03-push-response-accepted.xml"), http.StatusBadRequest, pap.CodeBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, ans := h.post(tc.contentType, tc.body)
			bad, ok := ans.(*pap.BadMessageResponse)
			if !ok || status != tc.httpStatus || bad.Code != tc.code {
				t.Fatalf("HTTP %d %#v", status, ans)
			}
			if tc.name == "too large" && !strings.Contains(bad.Desc, "4096") {
				t.Fatalf("desc %q does not say the limit", bad.Desc)
			}
		})
	}
	// A push whose fault comes after its push-id is answered with a
	// push-response that carries the fault's code.
	status, ans := h.post("application/xml", readVector(t, "examples/16-bad-address-semicolon.xml"))
	if resp, ok := ans.(*pap.PushResponse); !ok || resp.Result.Code != pap.CodeAddressError {
		t.Fatalf("HTTP %d %#v", status, ans)
	}
	if rec := h.postRawMethod(http.MethodGet); rec.Code != http.StatusMethodNotAllowed {
		t.Fatalf("GET: HTTP %d", rec.Code)
	}
}

func TestMultipleAddresses(t *testing.T) {
	h := newHarness(t, Config{}).start()
	pi := newNotifications(t)
	m := pushMessage("multi@pi.test", "+358401111111", "+358402222222", "+358403333333")
	m.NotifyTo = pi.srv.URL
	h.push(m)
	subs := map[string]submission{}
	for range 3 {
		s := h.disp.next(t)
		subs[s.req.MSISDN] = s
	}
	subs["358401111111"].done(SubmitResult{Outcome: Delivered})
	subs["358402222222"].done(SubmitResult{Outcome: Failed, Permanent: true})
	r := h.statusQuery("multi@pi.test")
	want := []struct {
		addr  string
		state pap.MessageState
		code  pap.Code
	}{
		{"+358401111111", pap.StateDelivered, pap.CodeOK},
		{"+358402222222", pap.StateUndeliverable, pap.CodeAddressError},
		{"+358403333333", pap.StatePending, pap.CodeAccepted},
	}
	if len(r.Results) != 3 {
		t.Fatalf("%d results", len(r.Results))
	}
	for i, w := range want {
		got := r.Results[i]
		if got.Addresses[0].Value != w.addr || got.State != w.state || got.Code != w.code {
			t.Errorf("result %d: %s %s %v, want %s %s %v", i, got.Addresses[0].Value, got.State, got.Code, w.addr, w.state, w.code)
		}
	}
	// A query for one address answers for it alone; an address not in
	// the push is said to be so.
	r = h.statusQuery("multi@pi.test", plmn("+358402222222"), plmn("+358409999999"))
	if len(r.Results) != 2 || r.Results[0].Code != pap.CodeAddressError || r.Results[1].Code != pap.CodeAddressNotFound {
		t.Fatalf("%+v", r.Results)
	}
	subs["358403333333"].done(SubmitResult{Outcome: Unknown})
	seen := map[string]pap.MessageState{}
	for range 3 {
		rn := pi.next(t)
		seen[rn.Address.Value] = rn.State
	}
	if seen["+358401111111"] != pap.StateDelivered || seen["+358402222222"] != pap.StateUndeliverable || seen["+358403333333"] != pap.StateTimeout {
		t.Fatalf("notifications %v", seen)
	}
}

func TestStatusQueryUnknownPush(t *testing.T) {
	h := newHarness(t, Config{}).start()
	r := h.statusQuery("nobody@pi.test")
	if len(r.Results) != 1 || r.Results[0].Code != pap.CodePushIDNotFound {
		t.Fatalf("%+v", r.Results)
	}
	c := h.send(&pap.CancelMessage{PushID: "nobody@pi.test"}).(*pap.CancelResponse)
	if c.Results[0].Code != pap.CodePushIDNotFound {
		t.Fatalf("%+v", c.Results)
	}
}

func TestCancel(t *testing.T) {
	h := newHarness(t, Config{}).start()
	pi := newNotifications(t)

	// Held by deliver-after: cancellable.
	m := pushMessage("later@pi.test", "+358401234567", "+358407654321")
	m.DeliverAfter = epoch.Add(time.Hour)
	m.NotifyTo = pi.srv.URL
	h.push(m)
	c := h.send(&pap.CancelMessage{PushID: "later@pi.test", Addresses: []pap.Address{plmn("+358401234567")}}).(*pap.CancelResponse)
	if len(c.Results) != 1 || c.Results[0].Code != pap.CodeOK || c.Results[0].Addresses[0].Value != "+358401234567" {
		t.Fatalf("%+v", c.Results)
	}
	h.wantState("", "later@pi.test", 0, store.DeliveryCancelled, pap.CodeOK)
	if rn := pi.next(t); rn.State != pap.StateCancelled || rn.Code != pap.CodeOK {
		t.Fatalf("notified %s %v", rn.State, rn.Code)
	}
	if r := h.statusQuery("later@pi.test"); r.Results[0].State != pap.StateCancelled || r.Results[1].State != pap.StatePending {
		t.Fatalf("%+v", r.Results)
	}
	h.clk.Advance(time.Hour)
	s := h.disp.next(t)
	if s.req.MSISDN != "358407654321" {
		t.Fatalf("the cancelled address was sent to")
	}
	h.disp.none(t)

	// In flight: not cancellable; after the outcome: not either.
	c = h.send(&pap.CancelMessage{PushID: "later@pi.test"}).(*pap.CancelResponse)
	if len(c.Results) != 1 || c.Results[0].Code != pap.CodeCancellationNotPossible || len(c.Results[0].Addresses) != 2 {
		t.Fatalf("%+v", c.Results)
	}
	s.done(SubmitResult{Outcome: Delivered})
	c = h.send(&pap.CancelMessage{PushID: "later@pi.test", Addresses: []pap.Address{plmn("+358407654321")}}).(*pap.CancelResponse)
	if c.Results[0].Code != pap.CodeCancellationNotPossible {
		t.Fatalf("%+v", c.Results)
	}
	h.wantState("", "later@pi.test", 1, store.DeliveryDelivered, pap.CodeOK)
}

func TestDeliverAfterAndBefore(t *testing.T) {
	h := newHarness(t, Config{}).start()
	pi := newNotifications(t)
	held := pushMessage("held@pi.test", "+358401234567")
	held.DeliverAfter = epoch.Add(10 * time.Minute)
	h.push(held)
	expiring := pushMessage("expiring@pi.test", "+358407654321")
	expiring.DeliverAfter = epoch.Add(20 * time.Minute)
	expiring.DeliverBefore = epoch.Add(15 * time.Minute)
	expiring.NotifyTo = pi.srv.URL
	h.push(expiring)
	h.disp.none(t)

	h.clk.Advance(10*time.Minute - time.Second)
	h.disp.none(t)
	h.clk.Advance(time.Second)
	if s := h.disp.next(t); s.req.MSISDN != "358401234567" {
		t.Fatalf("sent %s first", s.req.MSISDN)
	}
	h.clk.Advance(5 * time.Minute)
	h.wantState("", "expiring@pi.test", 0, store.DeliveryExpired, pap.CodeServiceFailure)
	rn := pi.next(t)
	if rn.State != pap.StateExpired || rn.Code != pap.CodeServiceFailure || !rn.EventTime.Equal(epoch.Add(15*time.Minute)) {
		t.Fatalf("notified %s %v at %v", rn.State, rn.Code, rn.EventTime)
	}
	h.clk.Advance(time.Hour)
	h.disp.none(t)
}

func TestPriorityOrdersDispatch(t *testing.T) {
	h := newHarness(t, Config{MaxInFlight: 1}).start()
	send := func(id string, p pap.Priority) {
		m := pushMessage(id, "+358401234567")
		m.QoS = &pap.QualityOfService{Priority: p}
		h.push(m)
	}
	send("first", pap.PriorityLow)
	first := h.disp.next(t)
	send("low", pap.PriorityLow)
	send("medium-1", pap.PriorityMedium)
	send("high", pap.PriorityHigh)
	send("medium-2", pap.PriorityMedium)
	h.disp.none(t)
	cur := first
	var order []Priority
	var mediumRefs []uint16
	for range 4 {
		cur.done(SubmitResult{Outcome: Delivered})
		cur = h.disp.next(t)
		order = append(order, cur.req.Priority)
		if cur.req.Priority == PriorityMedium {
			mediumRefs = append(mediumRefs, cur.req.Ref)
		}
	}
	cur.done(SubmitResult{Outcome: Delivered})
	want := []Priority{PriorityHigh, PriorityMedium, PriorityMedium, PriorityLow}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("dispatch order %v, want %v", order, want)
		}
	}
	for _, id := range []string{"medium-1", "medium-2"} {
		h.wantState("", id, 0, store.DeliveryDelivered, pap.CodeOK)
	}
	// Arrival order within a priority: medium-1 went before medium-2.
	if a, b := h.store.delivery("", "medium-1", 0).Ref, h.store.delivery("", "medium-2", 0).Ref; mediumRefs[0] != a || mediumRefs[1] != b {
		t.Fatalf("medium pushes submitted with refs %v; medium-1 has %d, medium-2 %d", mediumRefs, a, b)
	}
}

// TestDurableBeforeAccepted checks that 1001 is answered only after the
// store committed the push, and that a push the store could not take is
// not accepted.
func TestDurableBeforeAccepted(t *testing.T) {
	h := newHarness(t, Config{}).start()
	entered := make(chan struct{})
	release := make(chan error)
	var held atomic.Bool
	h.store.commit = func() error {
		if held.Swap(true) {
			return nil // only the push's insert is held
		}
		close(entered)
		return <-release
	}
	answered := make(chan *pap.PushResponse)
	go func() {
		ct, body, _ := pap.WriteRequest(pushMessage("durable@pi.test", "+358401234567"), siEntity(t, "si-short.xml"), nil)
		rec := h.postRaw(ct, body)
		req, err := pap.ReadRequest(rec.Header().Get("Content-Type"), rec.Body, 0)
		if err != nil {
			answered <- nil
			return
		}
		answered <- req.Message.(*pap.PushResponse)
	}()
	<-entered
	select {
	case <-answered:
		t.Fatal("answered before the store committed the push")
	default:
	}
	if _, err := h.store.GetPush(context.Background(), "", "durable@pi.test"); err == nil {
		t.Fatal("stored before the commit")
	}
	release <- nil
	if resp := <-answered; resp == nil || resp.Result.Code != pap.CodeAccepted {
		t.Fatalf("%+v", resp)
	}
	h.disp.next(t)

	h.store.commit = func() error { return errors.New("disk full") }
	status, resp := h.push(pushMessage("lost@pi.test", "+358401234567"))
	if resp.Result.Code != pap.CodeServiceUnavailable || status != http.StatusServiceUnavailable {
		t.Fatalf("HTTP %d %v for a push the store refused, want 503 4001", status, resp.Result.Code)
	}
}

func TestNotificationRetriedWithBackoff(t *testing.T) {
	h := newHarness(t, Config{}).start()
	h.store.noted = make(chan store.NotificationUpdate, 10)
	pi := newNotifications(t)
	pi.fail = func(n int) bool { return n <= 3 }
	m := pushMessage("n@pi.test", "+358401234567")
	m.NotifyTo = pi.srv.URL
	h.push(m)
	h.disp.next(t).done(SubmitResult{Outcome: Delivered})
	for i, wait := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second} {
		pi.next(t)
		u := <-h.store.noted
		if u.Done || u.Attempts != i+1 || !u.NextAttempt.Equal(h.clk.Now().Add(wait)) {
			t.Fatalf("after failure %d: %+v, want a retry in %v", i+1, u, wait)
		}
		h.clk.WaitForTimers(1)
		h.clk.Advance(wait - time.Millisecond)
		select {
		case <-pi.got:
			t.Fatal("retried before the backoff")
		default:
		}
		h.clk.Advance(time.Millisecond)
	}
	if rn := pi.next(t); rn.State != pap.StateDelivered {
		t.Fatal(rn.State)
	}
	if u := <-h.store.noted; !u.Done {
		t.Fatalf("%+v", u)
	}
	if h.store.owed() != 0 {
		t.Fatal("notification still owed after the PI took it")
	}
}

func TestNotifierBackoffCaps(t *testing.T) {
	h := newHarness(t, Config{})
	var got []time.Duration
	for i := 1; i <= 12; i++ {
		got = append(got, h.ppg.notes.backoff(i))
	}
	if got[0] != time.Second || got[1] != 2*time.Second || got[9] != 512*time.Second || got[10] != 10*time.Minute || got[11] != 10*time.Minute {
		t.Fatalf("%v", got)
	}
}

// TestRecovery starts a PPG on a store that holds a pending push, a push
// that was in flight when the last PPG stopped, and an owed notification.
func TestRecovery(t *testing.T) {
	h := newHarness(t, Config{})
	pi := newNotifications(t)
	payload := []byte{0x01, 0x06, 0x00}
	put := func(id string, d store.Delivery) {
		d.Address = "WAPPUSH=+" + d.MSISDN + "/TYPE=PLMN@ppg.test"
		err := h.store.InsertPush(context.Background(), &store.Push{
			PushID: id, ReceivedAt: epoch.Add(-time.Minute), Content: payload, Priority: int(PriorityMedium),
			NotifyTo: pi.srv.URL, Deliveries: []store.Delivery{d},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	put("pending@pi.test", store.Delivery{MSISDN: "358401111111", State: store.DeliveryPending, Ref: 555})
	put("inflight@pi.test", store.Delivery{MSISDN: "358402222222", State: store.DeliveryInFlight, Ref: 777, Attempts: 1})
	put("done@pi.test", store.Delivery{MSISDN: "358403333333", State: store.DeliveryPending})
	err := h.store.UpdateDelivery(context.Background(), store.DeliveryUpdate{PushID: "done@pi.test", Delivery: store.Delivery{
		MSISDN: "358403333333", State: store.DeliveryDelivered, Code: 1000,
	}, Notify: &store.Notification{PushID: "done@pi.test", URL: pi.srv.URL, Body: mustMarshal(t, &pap.ResultNotification{
		PushID: "done@pi.test", State: pap.StateDelivered, Code: pap.CodeOK, Address: plmn("+358403333333"),
	}), NextAttempt: epoch.Add(-time.Second)}})
	if err != nil {
		t.Fatal(err)
	}
	h.disp.none(t)

	h.start()
	subs := map[string]submission{}
	for range 2 {
		s := h.disp.next(t)
		subs[s.req.MSISDN] = s
	}
	h.disp.none(t)
	again := subs["358402222222"]
	if again.req.Ref != 777 || !bytes.Equal(again.req.Payload, payload) {
		t.Fatalf("in-flight push resubmitted with ref %d, want the same 777", again.req.Ref)
	}
	// A pending delivery may have been submitted just before the crash:
	// it goes under the reference the store holds for it.
	if r := subs["358401111111"].req.Ref; r != 555 {
		t.Fatalf("pending push submitted with ref %d, want its stored 555", r)
	}
	if d := h.store.delivery("", "inflight@pi.test", 0); d.Ref != 777 {
		t.Fatalf("%+v", d)
	}
	if rn := pi.next(t); rn.PushID != "done@pi.test" {
		t.Fatalf("notification for %s", rn.PushID)
	}
	subs["358401111111"].done(SubmitResult{Outcome: Delivered})
	again.done(SubmitResult{Outcome: Delivered})
	h.wantState("", "pending@pi.test", 0, store.DeliveryDelivered, pap.CodeOK)
	h.wantState("", "inflight@pi.test", 0, store.DeliveryDelivered, pap.CodeOK)
	for range 2 {
		if rn := pi.next(t); rn.State != pap.StateDelivered {
			t.Fatal(rn.State)
		}
	}
}

// TestPAP10Request answers Kannel's PAP 1.0 test request in PAP 1.0.
func TestPAP10Request(t *testing.T) {
	h := newHarness(t, Config{}).start()
	rec := h.postRaw(`multipart/related; boundary=asdlfkjiurwghasf; type="application/xml"`,
		readVector(t, "kannel-test_ppg-request.pap10.multipart"))
	if rec.Code != http.StatusAccepted {
		t.Fatalf("HTTP %d\n%s", rec.Code, rec.Body)
	}
	if !strings.Contains(rec.Body.String(), `"-//WAPFORUM//DTD PAP 1.0//EN"`) {
		t.Fatalf("not a PAP 1.0 answer:\n%s", rec.Body)
	}
	m, err := pap.ParseMessage(rec.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	resp := m.(*pap.PushResponse)
	if resp.Version != pap.PAP10 || resp.PushID != "9fjeo39jf084@pi.com" || resp.Result.Code != pap.CodeAccepted {
		t.Fatalf("%+v", resp)
	}
	// deliver-after in the past means now.
	s := h.disp.next(t)
	if s.req.MSISDN != "358408201681" || s.req.Priority != PriorityLow {
		t.Fatalf("%+v", s.req)
	}
}

func TestCCQ(t *testing.T) {
	const rdf = `<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>`
	h := newHarness(t, Config{DeviceProfiles: map[string]string{"358401234567": rdf}}).start()
	rec := h.postRaw("application/xml", readVector(t, "examples/12-ccq-message.xml"))
	req, err := pap.ReadRequest(rec.Header().Get("Content-Type"), rec.Body, 0)
	if err != nil {
		t.Fatal(err)
	}
	r := req.Message.(*pap.CCQResponse)
	if r.Code != pap.CodeOK || r.QueryID != "ccq-0001@pi.example.com" || req.Capabilities == nil || string(req.Capabilities.Body) != rdf {
		t.Fatalf("%+v %+v", r, req.Capabilities)
	}
	ans := h.send(&pap.CCQMessage{QueryID: "q2", Address: plmn("+358409999999")})
	if r := ans.(*pap.CCQResponse); r.Code != pap.CodeCapabilitiesNotAvailable {
		t.Fatalf("%+v", r)
	}
}

func mustMarshal(t testing.TB, m pap.Message) []byte {
	b, err := pap.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRetentionPurgesFinishedPushes: a push finished longer ago than the
// retention is purged by the hourly sweep; an open one is kept, and the
// push-id of a purged push may be used again.
func TestRetentionPurgesFinishedPushes(t *testing.T) {
	h := newHarness(t, Config{Retention: 2 * time.Hour}).start()
	h.push(pushMessage("old@pi.test", "+358401234567"))
	h.disp.next(t).done(SubmitResult{Outcome: Delivered})
	h.wantState("", "old@pi.test", 0, store.DeliveryDelivered, pap.CodeOK)
	h.clk.Advance(time.Hour)
	h.push(pushMessage("open@pi.test", "+358401234568"))
	open := h.disp.next(t) // never answered: stays open

	h.clk.Advance(time.Hour) // the old push finished 2 h ago: not yet older
	if _, err := h.store.GetPush(t.Context(), "", "old@pi.test"); err != nil {
		t.Fatalf("purged too early: %v", err)
	}
	h.clk.Advance(time.Hour)
	if _, err := h.store.GetPush(t.Context(), "", "old@pi.test"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("old push still stored 3 h after it finished (%v)", err)
	}
	if _, err := h.store.GetPush(t.Context(), "", "open@pi.test"); err != nil {
		t.Fatalf("an open push was purged: %v", err)
	}
	if got := h.ppg.Stats().Purged; got != 1 {
		t.Errorf("Stats().Purged = %d, want 1", got)
	}
	if _, resp := h.push(pushMessage("old@pi.test", "+358401234567")); resp.Result.Code != pap.CodeAccepted {
		t.Errorf("the purged push-id again: %v", resp.Result.Code)
	}
	open.done(SubmitResult{Outcome: Delivered})
}

// TestBusyKeepsReference: a submit that nothing took (busy) is tried again
// under the same reference, since a submit under it before a restart may
// still be at the SMSC; a known failure retried gets a new one.
func TestBusyKeepsReference(t *testing.T) {
	h := newHarness(t, Config{RetryUntilDeliverBefore: true, RetryInterval: time.Minute}).start()
	m := pushMessage("busy@pi.test", "+358401234567")
	m.DeliverBefore = epoch.Add(time.Hour)
	h.push(m)
	first := h.disp.next(t)
	first.done(SubmitResult{Outcome: Busy, Err: errors.New("not bound")})
	h.clk.Advance(DefaultBusyRetryDelay)
	second := h.disp.next(t)
	if second.req.Ref != first.req.Ref {
		t.Fatalf("after busy: ref %d, want the same %d", second.req.Ref, first.req.Ref)
	}
	if d := h.store.delivery("", "busy@pi.test", 0); d.Ref != first.req.Ref {
		t.Errorf("stored ref %d, want %d", d.Ref, first.req.Ref)
	}
	second.done(SubmitResult{Outcome: Failed})
	h.clk.Advance(time.Minute)
	third := h.disp.next(t)
	if third.req.Ref == second.req.Ref {
		t.Fatal("after a known failure the retry kept the reference")
	}
	third.done(SubmitResult{Outcome: Delivered})
}

// TestCancelNotRecorded: when the store cannot record a cancellation the
// PI is told so, and the delivery goes on as if no cancel had come, in
// memory and in the store alike.
func TestCancelNotRecorded(t *testing.T) {
	h := newHarness(t, Config{}).start()
	m := pushMessage("keep@pi.test", "+358401234567")
	m.DeliverAfter = epoch.Add(time.Minute)
	h.push(m)
	h.store.commit = func() error { return errors.New("disk full") }
	c := h.send(&pap.CancelMessage{PushID: "keep@pi.test"}).(*pap.CancelResponse)
	h.store.commit = nil
	if len(c.Results) != 1 || c.Results[0].Code != pap.CodeInternalServerError {
		t.Fatalf("cancel whose write failed: %+v", c.Results)
	}
	h.wantState("", "keep@pi.test", 0, store.DeliveryPending, 0)
	h.disp.none(t)
	h.clk.Advance(time.Minute)
	s := h.disp.next(t) // still sent at its deliver-after
	s.done(SubmitResult{Outcome: Delivered})
	h.wantState("", "keep@pi.test", 0, store.DeliveryDelivered, pap.CodeOK)
}

// TestNotifyURLs: a PI with notify URLs configured may have notifications
// posted only at or below them; host, port and scheme must match, and a
// look-alike host or a sibling path is refused 2001.
func TestNotifyURLs(t *testing.T) {
	cfg := Config{PIs: []PIAccount{{Name: "alice", Password: "a", NotifyURLs: []string{"https://pi.example.com/notify/", "http://10.0.0.5:8080"}}}}
	h := newHarness(t, cfg).start()
	for i, tc := range []struct {
		url  string
		code pap.Code
	}{
		{"https://pi.example.com/notify", pap.CodeAccepted},
		{"https://PI.example.com/notify/sub/x?id=1", pap.CodeAccepted},
		{"http://10.0.0.5:8080/anything", pap.CodeAccepted},
		{"http://pi.example.com/notify/", pap.CodeForbidden},            // scheme
		{"https://pi.example.com.evil.test/notify/", pap.CodeForbidden}, // look-alike host
		{"https://pi.example.com/notifyx", pap.CodeForbidden},           // sibling path
		{"http://10.0.0.5:9090/", pap.CodeForbidden},                    // port
		{"http://169.254.169.254/latest/meta-data", pap.CodeForbidden},
	} {
		m := pushMessage(fmt.Sprintf("n%d@pi.test", i), "+358401234567")
		m.NotifyTo = tc.url
		if _, resp := h.push(m, "alice", "a"); resp.Result.Code != tc.code {
			t.Errorf("%s: %v (%s), want %v", tc.url, resp.Result.Code, resp.Result.Desc, tc.code)
		}
	}
	if _, err := New(Config{PIs: []PIAccount{{Name: "x", NotifyURLs: []string{"ftp://a"}}}}, newMemStore(), h.disp); err == nil {
		t.Error("an ftp notify URL configured")
	}
}

// Each outcome is one "push outcome" line at level info, with the push,
// the address and the state, which operators grep for; a logger set to
// warn gets none.
func TestOutcomeLogLine(t *testing.T) {
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelWarn} {
		var buf bytes.Buffer
		logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: level}))
		h := newHarness(t, Config{Logger: logger}).start()
		h.push(pushMessage("p1@pi.test", "+358401234567"))
		h.disp.next(t).done(SubmitResult{Outcome: Delivered, MessageID: "0000002a"})
		h.wantState("", "p1@pi.test", 0, store.DeliveryDelivered, pap.CodeOK)
		var lines []string
		for line := range strings.Lines(buf.String()) {
			if strings.Contains(line, `msg="push outcome"`) {
				lines = append(lines, line)
			}
		}
		switch {
		case level == slog.LevelWarn && len(lines) != 0:
			t.Errorf("at level warn, outcome lines %q", lines)
		case level == slog.LevelInfo && (len(lines) != 1 || !strings.Contains(lines[0], "push_id=p1@pi.test") ||
			!strings.Contains(lines[0], `address="WAPPUSH=+358401234567/TYPE=PLMN@`) || !strings.Contains(lines[0], "state=delivered")):
			t.Errorf("at level info, outcome lines %q; want one for p1@pi.test, its address, delivered", lines)
		}
	}
}
