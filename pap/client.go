package pap

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
)

// Client is a Push Initiator: it posts PAP requests to a PPG and parses its
// answers, in either PAP version whatever version it asked in (Kannel
// answers a 2.0 push in 1.0). A Client is safe for concurrent use.
type Client struct {
	// URL is the PPG's push URL, e.g. "http://ppg.example.com:8080/pap".
	URL string
	// HTTPClient sends the requests; nil means http.DefaultClient.
	HTTPClient *http.Client
	// Username and Password, when Username is set, are sent with HTTP
	// Basic authentication.
	Username, Password string
	// ResponseLimit bounds the size of an answer; 0 means
	// DefaultRequestLimit.
	ResponseLimit int64
}

// ResponseError reports an answer that is not the response the request
// asked for: a badmessage-response, a document of another operation or
// for another push, or an HTTP failure without a PAP document.
type ResponseError struct {
	StatusCode int                 // the HTTP status of the answer
	BadMessage *BadMessageResponse // the PPG's badmessage-response, if that was the answer
	Reason     string              // what was wrong, when BadMessage is nil
	Err        error               // the parse error of the answer, if any
}

func (e *ResponseError) Error() string {
	s := "pap: PPG answered HTTP " + strconv.Itoa(e.StatusCode) + ": "
	if e.BadMessage != nil {
		s += "badmessage-response " + e.BadMessage.Code.String()
		if e.BadMessage.Desc != "" {
			s += " (" + e.BadMessage.Desc + ")"
		}
		return s
	}
	s += e.Reason
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the parse error of the answer, if any.
func (e *ResponseError) Unwrap() error { return e.Err }

// Push submits a push-message with its content entity and returns the
// PPG's push-response. A response whose code refuses the push is returned
// as it is, with a nil error: the code is the answer.
func (c *Client) Push(ctx context.Context, m *PushMessage, content *Entity) (*PushResponse, error) {
	r, err := c.exchange(ctx, m, content, KindPushResponse, m.PushID)
	if err != nil {
		return nil, err
	}
	return r.Message.(*PushResponse), nil
}

// Cancel sends a cancel-message and returns the PPG's cancel-response.
func (c *Client) Cancel(ctx context.Context, m *CancelMessage) (*CancelResponse, error) {
	r, err := c.exchange(ctx, m, nil, KindCancelResponse, m.PushID)
	if err != nil {
		return nil, err
	}
	return r.Message.(*CancelResponse), nil
}

// StatusQuery sends a statusquery-message and returns the PPG's
// statusquery-response.
func (c *Client) StatusQuery(ctx context.Context, m *StatusQueryMessage) (*StatusQueryResponse, error) {
	r, err := c.exchange(ctx, m, nil, KindStatusQueryResponse, m.PushID)
	if err != nil {
		return nil, err
	}
	return r.Message.(*StatusQueryResponse), nil
}

// CCQ sends a client capabilities query and returns the PPG's
// ccq-response and the capabilities entity that came with it, if any.
func (c *Client) CCQ(ctx context.Context, m *CCQMessage) (*CCQResponse, *Entity, error) {
	r, err := c.exchange(ctx, m, nil, KindCCQResponse, m.QueryID)
	if err != nil {
		return nil, nil, err
	}
	return r.Message.(*CCQResponse), r.Capabilities, nil
}

// exchange posts m (with content) and reads an answer of kind want for the
// operation id.
func (c *Client) exchange(ctx context.Context, m Message, content *Entity, want Kind, id string) (*Request, error) {
	contentType, body, err := WriteRequest(m, content, nil)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", contentType)
	if c.Username != "" {
		req.SetBasicAuth(c.Username, c.Password)
	}
	hc := c.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	answer, err := ReadRequest(resp.Header.Get("Content-Type"), resp.Body, c.ResponseLimit)
	// Drain what the limit left so that the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		var pe *Error
		if !errors.As(err, &pe) {
			return nil, err // reading the body failed
		}
		reason := "the answer is not a PAP document"
		if resp.StatusCode/100 != 2 {
			reason = resp.Status
		}
		return nil, &ResponseError{StatusCode: resp.StatusCode, Reason: reason, Err: err}
	}
	switch got := answer.Message.Kind(); {
	case got == KindBadMessageResponse:
		return nil, &ResponseError{StatusCode: resp.StatusCode, BadMessage: answer.Message.(*BadMessageResponse)}
	case got != want:
		return nil, &ResponseError{StatusCode: resp.StatusCode, Reason: "expected a " + string(want) + ", got a " + string(got)}
	case messageID(answer.Message) != id:
		return nil, &ResponseError{StatusCode: resp.StatusCode,
			Reason: "the " + string(want) + " is for " + quote(messageID(answer.Message)) + ", not " + quote(id)}
	}
	return answer, nil
}

// NotificationHandler is an http.Handler that receives the
// resultnotification-message a PPG posts to a PI's ppg-notify-requested-to
// URL, calls the function with it, and answers with a
// resultnotification-response in the notification's version: code 1000
// when the function returns nil, the code of an *Error it returns, 3000
// for any other error. A body that is not a result notification is
// answered with a badmessage-response and HTTP 400.
type NotificationHandler func(ctx context.Context, n *ResultNotification) error

func (f NotificationHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "PAP result notifications are posted", http.StatusMethodNotAllowed)
		return
	}
	req, err := ReadRequest(r.Header.Get("Content-Type"), r.Body, 0)
	if err != nil {
		var pe *Error
		if !errors.As(err, &pe) {
			http.Error(w, "reading the request failed", http.StatusBadRequest)
			return
		}
		writeAnswer(w, http.StatusBadRequest, NewBadMessageResponse(err))
		return
	}
	n, ok := req.Message.(*ResultNotification)
	if !ok {
		bad := &BadMessageResponse{Header: Header{Version: req.Message.header().Version}, Code: CodeBadRequest,
			Desc: "expected a resultnotification-message, not a " + string(req.Message.Kind())}
		writeAnswer(w, http.StatusBadRequest, bad)
		return
	}
	answer := &ResultNotificationResponse{Header: Header{Version: n.Version}, PushID: n.PushID,
		Code: CodeOK, Desc: CodeOK.Text(), Addresses: []Address{n.Address}}
	if err := f(r.Context(), n); err != nil {
		var pe *Error
		if errors.As(err, &pe) && pe.Code.Valid() {
			answer.Code = pe.Code
		} else {
			answer.Code = CodeInternalServerError
		}
		answer.Desc = answer.Code.Text()
	}
	writeAnswer(w, http.StatusOK, answer)
}

func writeAnswer(w http.ResponseWriter, status int, m Message) {
	b, err := Marshal(m)
	if err != nil {
		// Only a bad fragment or description could fail; answer without them.
		if bm, ok := m.(*BadMessageResponse); ok {
			b, err = Marshal(&BadMessageResponse{Header: bm.Header, Code: bm.Code})
		}
		if err != nil {
			http.Error(w, "cannot encode the answer", http.StatusInternalServerError)
			return
		}
	}
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
