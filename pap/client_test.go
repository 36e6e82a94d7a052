package pap

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/txpush/txpush/internal/testvec"
)

// fakePPG is a PPG for the client tests: it checks each request with
// ReadRequest and answers with what answer returns.
type fakePPG struct {
	t      *testing.T
	answer func(r *Request) (status int, contentType string, body []byte)

	mu   sync.Mutex
	got  []*Request
	auth []string
}

func (p *fakePPG) ServeHTTP(w http.ResponseWriter, hr *http.Request) {
	if hr.Method != http.MethodPost {
		p.t.Errorf("method %s", hr.Method)
	}
	r, err := ReadRequest(hr.Header.Get("Content-Type"), hr.Body, 0)
	if err != nil {
		p.t.Errorf("the client sent a request the PPG cannot read: %v", err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	user, pass, _ := hr.BasicAuth()
	p.mu.Lock()
	p.got = append(p.got, r)
	p.auth = append(p.auth, user+":"+pass)
	p.mu.Unlock()
	status, ct, body := p.answer(r)
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// requests returns what the PPG has received, and the credentials of each.
func (p *fakePPG) requests() ([]*Request, []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.got, p.auth
}

func marshalled(t *testing.T, m Message) []byte {
	t.Helper()
	b, err := Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newClient(t *testing.T, answer func(*Request) (int, string, []byte)) (*Client, *fakePPG) {
	ppg := &fakePPG{t: t, answer: answer}
	srv := httptest.NewServer(ppg)
	t.Cleanup(srv.Close)
	return &Client{URL: srv.URL + "/wappush", HTTPClient: srv.Client(), Username: "pi", Password: "secret"}, ppg
}

// TestClientPushKannel pushes to a PPG that answers as Kannel did in the
// v16 run (HTTP 202, a PAP 1.0 push-response to a 2.0 request, D9).
func TestClientPushKannel(t *testing.T) {
	kannel := testvec.Read(t, "v16-kannel-e2e/pap-responses/si_short.xml")
	c, ppg := newClient(t, func(*Request) (int, string, []byte) {
		return http.StatusAccepted, "application/xml", kannel
	})
	m := &PushMessage{PushID: "si-short-001@pi.example.com", Addresses: []Address{papAddress},
		QoS: &QualityOfService{Priority: PriorityMedium, DeliveryMethod: DeliveryUnconfirmed, Network: "GSM", Bearer: "SMS"}}
	si := testvec.Read(t, "v17-pap/inputs/si-short.xml")
	content := NewEntity("text/vnd.wap.si", si)
	content.Header.Set("X-Wap-Application-Id", "x-wap-application:wml.ua")
	resp, err := c.Push(context.Background(), m, content)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Version != PAP10 || resp.Result.Code != CodeAccepted || resp.PushID != m.PushID || resp.SenderAddress != "/wappush" {
		t.Errorf("response %+v", resp)
	}
	got, auth := ppg.requests()
	if len(got) != 1 || auth[0] != "pi:secret" {
		t.Fatalf("PPG saw %d requests, auth %v", len(got), auth)
	}
	if !reflect.DeepEqual(got[0].Message, Message(m)) || !reflect.DeepEqual(got[0].Content, content) {
		t.Errorf("PPG got %#v with %#v", got[0].Message, got[0].Content)
	}
}

func TestClientOperations(t *testing.T) {
	caps := NewEntity("application/xml", []byte("<rdf:RDF/>"))
	c, ppg := newClient(t, func(r *Request) (int, string, []byte) {
		var answer Message
		switch m := r.Message.(type) {
		case *CancelMessage:
			answer = &CancelResponse{PushID: m.PushID, Results: []CancelResult{{Code: CodeOK, Addresses: m.Addresses}}}
		case *StatusQueryMessage:
			answer = &StatusQueryResponse{PushID: m.PushID, Results: []StatusQueryResult{{State: StateDelivered, Code: CodeOK}}}
		case *CCQMessage:
			ct, body, err := WriteRequest(&CCQResponse{QueryID: m.QueryID, Code: CodeOK, Address: m.Address}, nil, caps)
			if err != nil {
				t.Error(err)
			}
			return http.StatusOK, ct, body
		}
		return http.StatusOK, "application/xml", marshalled(t, answer)
	})
	ctx := context.Background()
	cr, err := c.Cancel(ctx, &CancelMessage{PushID: "k1", Addresses: []Address{papAddress}})
	if err != nil || cr.PushID != "k1" || len(cr.Results) != 1 || cr.Results[0].Addresses[0] != papAddress {
		t.Errorf("cancel: %+v, %v", cr, err)
	}
	sr, err := c.StatusQuery(ctx, &StatusQueryMessage{PushID: "k2"})
	if err != nil || sr.PushID != "k2" || sr.Results[0].State != StateDelivered {
		t.Errorf("status query: %+v, %v", sr, err)
	}
	qr, got, err := c.CCQ(ctx, &CCQMessage{QueryID: "q1", Address: papAddress})
	if err != nil || qr.QueryID != "q1" || !reflect.DeepEqual(got, caps) {
		t.Errorf("ccq: %+v %+v, %v", qr, got, err)
	}
	if got, _ := ppg.requests(); len(got) != 3 {
		t.Errorf("PPG saw %d requests", len(got))
	}
}

func TestClientAnswers(t *testing.T) {
	m := &PushMessage{PushID: "a1", Addresses: []Address{papAddress}}
	content := NewEntity("text/vnd.wap.si", []byte("<si/>"))
	cases := []struct {
		name       string
		status     int
		ct         string
		body       []byte
		badMessage Code // the code of the badmessage-response in the error
		reason     string
	}{
		{"badmessage-response", http.StatusBadRequest, "application/xml",
			marshalled(t, &BadMessageResponse{Code: CodeVersionNotSupported, Fragment: "<pap>"}), CodeVersionNotSupported, ""},
		{"another push", http.StatusOK, "application/xml",
			marshalled(t, &PushResponse{PushID: "a2", Result: Result{Code: CodeAccepted}}), 0, `"a2"`},
		{"another operation", http.StatusOK, "application/xml",
			marshalled(t, &CancelResponse{PushID: "a1", Results: []CancelResult{{Code: CodeOK}}}), 0, "cancel-response"},
		{"HTTP failure", http.StatusInternalServerError, "text/plain", []byte("oops"), 0, "500"},
		{"not PAP", http.StatusOK, "application/xml", []byte("<html/>"), 0, "not a PAP document"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cl, _ := newClient(t, func(*Request) (int, string, []byte) { return c.status, c.ct, c.body })
			resp, err := cl.Push(context.Background(), m, content)
			var re *ResponseError
			if !errors.As(err, &re) {
				t.Fatalf("got %+v, %v; want a *ResponseError", resp, err)
			}
			if re.StatusCode != c.status || !strings.Contains(re.Error(), c.reason) {
				t.Errorf("got %v", err)
			}
			if c.badMessage != 0 && (re.BadMessage == nil || re.BadMessage.Code != c.badMessage || re.BadMessage.Fragment != "<pap>") {
				t.Errorf("badmessage %+v", re.BadMessage)
			}
		})
	}

	// A refusal in a push-response is an answer, not an error.
	cl, _ := newClient(t, func(*Request) (int, string, []byte) {
		return http.StatusOK, "application/xml", marshalled(t, &PushResponse{PushID: "a1", Result: Result{Code: CodeAddressError}})
	})
	resp, err := cl.Push(context.Background(), m, content)
	if err != nil || resp.Result.Code != CodeAddressError {
		t.Errorf("got %+v, %v", resp, err)
	}
	if _, err := cl.Push(context.Background(), &PushMessage{PushID: "a1"}, content); err == nil {
		t.Error("an invalid push-message was sent")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := cl.Push(ctx, m, content); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
}

func TestNotificationHandler(t *testing.T) {
	var (
		mu   sync.Mutex
		got  []*ResultNotification
		fail error // what the callback returns
	)
	handed := func() []*ResultNotification {
		mu.Lock()
		defer mu.Unlock()
		return got
	}
	h := NotificationHandler(func(ctx context.Context, n *ResultNotification) error {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, n)
		return fail
	})
	srv := httptest.NewServer(h)
	defer srv.Close()
	post := func(ct string, body []byte) (int, Message) {
		t.Helper()
		resp, err := srv.Client().Post(srv.URL, ct, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		m, err := ParseMessage(b)
		if err != nil {
			t.Fatalf("answer %q: %v", b, err)
		}
		return resp.StatusCode, m
	}

	delivered := testvec.Read(t, "v17-pap/examples/05-resultnotification-message-delivered.xml")
	status, m := post("application/xml", delivered)
	r, ok := m.(*ResultNotificationResponse)
	if status != http.StatusOK || !ok || r.Code != CodeOK || r.PushID != "20240305T123000-0001@pi.example.com" ||
		len(r.Addresses) != 1 || r.Addresses[0] != papAddress || r.Version != PAP20 {
		t.Errorf("answer %d %#v", status, m)
	}
	if got := handed(); len(got) != 1 || got[0].State != StateDelivered || got[0].Code != CodeOK {
		t.Errorf("handed %+v", got)
	}

	n10 := &ResultNotification{Header: Header{Version: PAP10}, PushID: "n10", State: StateExpired,
		Code: CodeServiceFailure, Address: papAddress}
	for _, c := range []struct {
		fail error
		code Code
	}{
		{&Error{Code: CodePushIDNotFound, Reason: "no such push"}, CodePushIDNotFound},
		{errors.New("disk full"), CodeInternalServerError},
	} {
		mu.Lock()
		fail = c.fail
		mu.Unlock()
		status, m := post("application/xml", marshalled(t, n10))
		if r, ok := m.(*ResultNotificationResponse); status != http.StatusOK || !ok || r.Code != c.code || r.Version != PAP10 || r.PushID != "n10" {
			t.Errorf("for %v: answer %d %#v", c.fail, status, m)
		}
	}

	status, m = post("application/xml", []byte("<pap><resultnotification-message"))
	if b, ok := m.(*BadMessageResponse); status != http.StatusBadRequest || !ok || b.Code != CodeBadRequest || b.Fragment == "" {
		t.Errorf("malformed: %d %#v", status, m)
	}
	status, m = post("application/xml", marshalled(t, &CancelMessage{PushID: "c"}))
	if b, ok := m.(*BadMessageResponse); status != http.StatusBadRequest || !ok || b.Code != CodeBadRequest {
		t.Errorf("wrong operation: %d %#v", status, m)
	}
	if got := handed(); len(got) != 3 {
		t.Errorf("the callback ran %d times, want 3", len(got))
	}

	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != http.MethodPost {
		t.Errorf("GET: %d %v", resp.StatusCode, resp.Header)
	}
}
