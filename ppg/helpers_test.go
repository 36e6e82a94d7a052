package ppg

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/txpush/txpush/clock"
	"github.com/txpush/txpush/pap"
	"github.com/txpush/txpush/store"
)

const vectors = "../testdata/vectors/v17-pap"

var epoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func readVector(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(vectors, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// submission is one submit the fake dispatcher received.
type submission struct {
	req  SubmitRequest
	done func(SubmitResult)
}

// fakeDispatcher hands every submit to the test, which answers it; or,
// with answer set, answers at once.
type fakeDispatcher struct {
	subs   chan submission
	answer func(SubmitRequest) SubmitResult
}

func newFakeDispatcher() *fakeDispatcher {
	return &fakeDispatcher{subs: make(chan submission, 100)}
}

func (d *fakeDispatcher) Submit(req SubmitRequest, done func(SubmitResult)) {
	if d.answer != nil {
		done(d.answer(req))
		return
	}
	d.subs <- submission{req, done}
}

// next returns the next submit, failing the test if none is made.
func (d *fakeDispatcher) next(t *testing.T) submission {
	t.Helper()
	select {
	case s := <-d.subs:
		return s
	case <-time.After(5 * time.Second):
		t.Fatal("no submit")
		return submission{}
	}
}

// none checks that no submit is waiting. Submits are made on the
// goroutine that causes them (the HTTP handler, the clock's Advance), so
// after those returned there is nothing in transit.
func (d *fakeDispatcher) none(t *testing.T) {
	t.Helper()
	select {
	case s := <-d.subs:
		t.Fatalf("unexpected submit to %s", s.req.MSISDN)
	default:
	}
}

type harness struct {
	t     *testing.T
	ppg   *PPG
	store *memStore
	disp  *fakeDispatcher
	clk   *clock.Virtual
}

func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	h := &harness{t: t, store: newMemStore(), disp: newFakeDispatcher(), clk: clock.NewVirtual(epoch)}
	cfg.Clock = h.clk
	if cfg.SenderAddress == "" {
		cfg.SenderAddress = "http://ppg.test/pap"
	}
	if cfg.Retention == 0 {
		// No hourly purge timer unless a test asks for one: the tests
		// that wait for the clock's timers count only their own.
		cfg.Retention = -1
	}
	p, err := New(cfg, h.store, h.disp)
	if err != nil {
		t.Fatal(err)
	}
	h.ppg = p
	t.Cleanup(func() { p.Close() })
	return h
}

func (h *harness) start() *harness {
	h.t.Helper()
	if err := h.ppg.Start(context.Background()); err != nil {
		h.t.Fatal(err)
	}
	return h
}

// post sends a PAP request from loopback and returns the HTTP status and
// the parsed answer.
func (h *harness) post(contentType string, body []byte, auth ...string) (int, pap.Message) {
	h.t.Helper()
	rec := h.postRaw(contentType, body, auth...)
	if rec.Code == http.StatusUnauthorized && rec.Header().Get("WWW-Authenticate") == "" {
		h.t.Fatal("401 without WWW-Authenticate")
	}
	req, err := pap.ReadRequest(rec.Header().Get("Content-Type"), rec.Body, 0)
	if err != nil {
		h.t.Fatalf("HTTP %d answer does not parse: %v\n%s", rec.Code, err, rec.Body)
	}
	return rec.Code, req.Message
}

func (h *harness) postRaw(contentType string, body []byte, auth ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "http://ppg.test/pap", bytes.NewReader(body))
	r.RemoteAddr = "127.0.0.1:40000"
	r.Header.Set("Content-Type", contentType)
	if len(auth) == 2 {
		r.SetBasicAuth(auth[0], auth[1])
	}
	rec := httptest.NewRecorder()
	h.ppg.ServeHTTP(rec, r)
	return rec
}

// push submits m with the short SI as its content and returns the answer.
func (h *harness) push(m *pap.PushMessage, auth ...string) (int, *pap.PushResponse) {
	h.t.Helper()
	return h.pushContent(m, siEntity(h.t, "si-short.xml"), auth...)
}

func (h *harness) pushContent(m *pap.PushMessage, content *pap.Entity, auth ...string) (int, *pap.PushResponse) {
	h.t.Helper()
	ct, body, err := pap.WriteRequest(m, content, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	status, ans := h.post(ct, body, auth...)
	resp, ok := ans.(*pap.PushResponse)
	if !ok {
		h.t.Fatalf("answered %T, want a push-response", ans)
	}
	if resp.PushID != m.PushID {
		h.t.Fatalf("push-response for %q, want %q", resp.PushID, m.PushID)
	}
	return status, resp
}

func (h *harness) send(m pap.Message, auth ...string) pap.Message {
	h.t.Helper()
	body, err := pap.Marshal(m)
	if err != nil {
		h.t.Fatal(err)
	}
	_, ans := h.post("application/xml", body, auth...)
	return ans
}

func (h *harness) statusQuery(id string, addrs ...pap.Address) *pap.StatusQueryResponse {
	h.t.Helper()
	ans := h.send(&pap.StatusQueryMessage{PushID: id, Addresses: addrs})
	r, ok := ans.(*pap.StatusQueryResponse)
	if !ok {
		h.t.Fatalf("answered %T, want a statusquery-response", ans)
	}
	return r
}

// wantState checks a delivery's stored state and code.
func (h *harness) wantState(pi, id string, index int, state store.DeliveryState, code pap.Code) store.Delivery {
	h.t.Helper()
	d := h.store.delivery(pi, id, index)
	if d.State != state || pap.Code(d.Code) != code {
		h.t.Fatalf("%s[%d]: state %d code %d (%s), want state %d code %d", id, index, d.State, d.Code, d.Desc, state, code)
	}
	return d
}

func siEntity(t testing.TB, name string) *pap.Entity {
	e := pap.NewEntity("text/vnd.wap.si", readVector(t, filepath.Join("inputs", name)))
	return e
}

func plmn(number string) pap.Address {
	return pap.Address{Value: number, Type: pap.TypePLMN, Host: "ppg.test"}
}

func pushMessage(id string, numbers ...string) *pap.PushMessage {
	m := &pap.PushMessage{PushID: id}
	for _, n := range numbers {
		m.Addresses = append(m.Addresses, plmn(n))
	}
	return m
}

// notifications is a PI's notification endpoint on loopback that records
// what it receives; fail decides, per call, whether to refuse.
type notifications struct {
	srv  *httptest.Server
	got  chan *pap.ResultNotification
	fail func(n int) bool
	n    atomic.Int32
}

func newNotifications(t *testing.T) *notifications {
	ns := &notifications{got: make(chan *pap.ResultNotification, 100)}
	ns.srv = httptest.NewServer(pap.NotificationHandler(func(ctx context.Context, rn *pap.ResultNotification) error {
		n := int(ns.n.Add(1))
		refuse := ns.fail != nil && ns.fail(n)
		ns.got <- rn
		if refuse {
			return &pap.Error{Code: pap.CodeServiceUnavailable, Reason: "not now"}
		}
		return nil
	}))
	t.Cleanup(ns.srv.Close)
	return ns
}

func (ns *notifications) next(t *testing.T) *pap.ResultNotification {
	t.Helper()
	select {
	case rn := <-ns.got:
		return rn
	case <-time.After(5 * time.Second):
		t.Fatal("no result notification")
		return nil
	}
}

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }

func (h *harness) postRawMethod(method string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, "http://ppg.test/pap", nil)
	r.RemoteAddr = "127.0.0.1:40000"
	rec := httptest.NewRecorder()
	h.ppg.ServeHTTP(rec, r)
	return rec
}
