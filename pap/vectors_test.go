package pap

import (
	"errors"
	"path"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/txpush/txpush/internal/testvec"
)

// kannelRequestType is the HTTP Content-Type Kannel's test_ppg sent with
// v17-pap/kannel-test_ppg-request.pap10.multipart (v16 test_ppg.log).
const kannelRequestType = `multipart/related; boundary=asdlfkjiurwghasf; type="application/xml"`

var papAddress = Address{Value: "+358401234567", Type: TypePLMN, Host: "ppg.example.com"}

func utc(s string) time.Time {
	t, err := time.Parse(TimeLayout, s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestExamplesParse checks every v17 example against what the document
// says, and that each marshals to a document that parses back equal.
func TestExamplesParse(t *testing.T) {
	want := map[string]Message{
		"01-push-message.xml": &PushMessage{
			Header:        Header{Version: PAP20, ProductName: "ExamplePI/1.0"},
			PushID:        "20240305T123000-0001@pi.example.com",
			DeliverBefore: utc("2024-03-06T12:00:00Z"), DeliverAfter: utc("2024-03-05T12:30:00Z"),
			SourceReference: "example-pi", NotifyTo: "http://pi.example.com:8080/pap-notify",
			Addresses: []Address{papAddress},
			QoS: &QualityOfService{Priority: PriorityHigh, DeliveryMethod: DeliveryConfirmed,
				Network: "GSM", NetworkRequired: true, Bearer: "SMS", BearerRequired: true},
		},
		"02-push-message-ipv4.xml": &PushMessage{
			PushID:    "20240305T123000-0002@pi.example.com",
			Addresses: []Address{{Value: "10.11.12.13", Type: TypeIPv4, Host: "ppg.example.com"}},
			QoS: &QualityOfService{Priority: PriorityMedium, DeliveryMethod: DeliveryUnconfirmed,
				Network: "GSM", Bearer: "GPRS"},
		},
		"03-push-response-accepted.xml": &PushResponse{
			PushID: "20240305T123000-0001@pi.example.com", SenderAddress: "http://ppg.example.com:8080/pap",
			SenderName: "Example PPG", ReplyTime: utc("2024-03-05T12:30:01Z"),
			Result: Result{Code: CodeAccepted, Desc: "Accepted for processing"},
		},
		"04-push-response-rejected.xml": &PushResponse{
			PushID: "20240305T123000-0003@pi.example.com", ReplyTime: utc("2024-03-05T12:30:01Z"),
			Result: Result{Code: CodeAddressError, Desc: "Address error"},
		},
		"05-resultnotification-message-delivered.xml": &ResultNotification{
			PushID: "20240305T123000-0001@pi.example.com", SenderAddress: "http://ppg.example.com:8080/pap",
			SenderName: "Example PPG", ReceivedTime: utc("2024-03-05T12:30:01Z"), EventTime: utc("2024-03-05T12:30:04Z"),
			State: StateDelivered, Code: CodeOK, Desc: "OK", Address: papAddress,
			QoS: &QualityOfService{Priority: PriorityHigh, DeliveryMethod: DeliveryConfirmed, Network: "GSM", Bearer: "SMS"},
		},
		"06-resultnotification-message-undeliverable.xml": &ResultNotification{
			PushID: "20240305T123000-0004@pi.example.com", ReceivedTime: utc("2024-03-05T12:40:00Z"),
			EventTime: utc("2024-03-05T12:40:30Z"), State: StateUndeliverable, Code: CodeServiceFailure,
			Desc: "Service failure: absent subscriber", Address: papAddress,
		},
		"07-resultnotification-response.xml": &ResultNotificationResponse{
			PushID: "20240305T123000-0001@pi.example.com", Code: CodeOK, Desc: "OK", Addresses: []Address{papAddress},
		},
		"08-cancel-message.xml": &CancelMessage{
			PushID: "20240305T123000-0001@pi.example.com", Addresses: []Address{papAddress},
		},
		"09-cancel-response.xml": &CancelResponse{
			PushID: "20240305T123000-0001@pi.example.com",
			Results: []CancelResult{{Code: CodeCancellationNotPossible,
				Desc: "Cancellation not possible: already delivered", Addresses: []Address{papAddress}}},
		},
		"10-statusquery-message.xml": &StatusQueryMessage{
			PushID: "20240305T123000-0001@pi.example.com", Addresses: []Address{papAddress},
		},
		"11-statusquery-response.xml": &StatusQueryResponse{
			PushID: "20240305T123000-0001@pi.example.com",
			Results: []StatusQueryResult{{EventTime: utc("2024-03-05T12:30:02Z"), State: StatePending,
				Code: CodeOK, Desc: "OK", Addresses: []Address{papAddress},
				QoS: &QualityOfService{Priority: PriorityHigh, DeliveryMethod: DeliveryConfirmed, Network: "GSM", Bearer: "SMS"}}},
		},
		"12-ccq-message.xml": &CCQMessage{
			QueryID: "ccq-0001@pi.example.com", AppID: "x-wap-application:wml.ua", Address: papAddress,
		},
		"13-ccq-response.xml": &CCQResponse{
			QueryID: "ccq-0001@pi.example.com", Code: CodeCapabilitiesNotAvailable,
			Desc: "Capabilities not available", Address: papAddress,
		},
		"14-badmessage-response.xml": &BadMessageResponse{
			Code: CodeBadRequest, Desc: "Bad request: not well-formed", Fragment: "<push-mesage push-id=",
		},
		"15-pap10-push-message.xml": &PushMessage{
			Header:    Header{Version: PAP10},
			PushID:    "20240305T123000-0005@pi.example.com",
			Addresses: []Address{papAddress},
			QoS: &QualityOfService{Priority: PriorityMedium, DeliveryMethod: DeliveryUnconfirmed,
				Network: "GSM", NetworkRequired: true, Bearer: "SMS", BearerRequired: true},
		},
	}
	files := testvec.Glob(t, "v17-pap/examples/*.xml")
	if len(files) != len(want)+1 {
		t.Errorf("%d example files, %d expectations (+1 refused): a vector is not covered", len(files), len(want))
	}
	for _, f := range files {
		name := path.Base(f)
		t.Run(name, func(t *testing.T) {
			doc := testvec.Read(t, f)
			m, err := ParseMessage(doc)
			if name == "16-bad-address-semicolon.xml" {
				var pe *Error
				if !errors.As(err, &pe) || pe.Code != CodeAddressError || pe.Kind != KindPushMessage ||
					pe.ID != "x1@pi.example.com" || pe.Attribute != "address-value" ||
					!strings.Contains(pe.Fragment, "<address address-value=") {
					t.Fatalf("got %v (%#v), want a 2002 *Error for push x1@pi.example.com", err, err)
				}
				if got := string(doc[pe.Offset : pe.Offset+8]); got != "<address" {
					t.Errorf("offset %d points at %q, want the address element", pe.Offset, got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if w, ok := want[name]; !ok {
				t.Fatalf("no expectation for %s", name)
			} else if !reflect.DeepEqual(m, w) {
				t.Fatalf("parsed\n%#v\nwant\n%#v", m, w)
			}
			checkRoundTrip(t, m)
		})
	}
}

// checkRoundTrip marshals m, parses the result and wants m back.
func checkRoundTrip(t *testing.T, m Message) {
	t.Helper()
	out, err := Marshal(m)
	if err != nil {
		t.Fatalf("marshal %#v: %v", m, err)
	}
	back, err := ParseMessage(out)
	if err != nil {
		t.Fatalf("our own document does not parse: %v\n%s", err, out)
	}
	if !reflect.DeepEqual(back, m) {
		t.Fatalf("round trip changed\n%#v\ninto\n%#v\nvia\n%s", m, back, out)
	}
}

// TestKannelPushResponses parses the push-responses Kannel 1.4.5 sent in
// the v16 run and the one kept in v17 (D9): a PAP 1.0 DOCTYPE to a 2.0
// request, `code ="1001"`, sender-address a path.
func TestKannelPushResponses(t *testing.T) {
	files := append(testvec.Glob(t, "v16-kannel-e2e/pap-responses/*.xml"), "v17-pap/push-response.kannel.xml")
	for _, f := range files {
		m, err := ParseMessage(testvec.Read(t, f))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		r, ok := m.(*PushResponse)
		if !ok {
			t.Fatalf("%s: parsed a %s", f, m.Kind())
		}
		if r.Version != PAP10 || r.Result.Code != CodeAccepted || r.SenderAddress != "/wappush" ||
			r.SenderName != "vm; WAP/1.3 (Kannel/1.4.5)" || r.ReplyTime.IsZero() ||
			!strings.HasSuffix(r.PushID, "@pi.example.com") ||
			r.Result.Desc != "The request has been accepted for processing" {
			t.Errorf("%s: %+v", f, r)
		}
		checkRoundTrip(t, m)
	}
}

// TestKannelPAP10Request reads the request Kannel's test_ppg sent (D10):
// CRLF preamble, bare LF inside the parts, the public id without a
// version, the content entity's X-WAP-Application-Id before its
// Content-Type.
func TestKannelPAP10Request(t *testing.T) {
	body := testvec.Read(t, "v17-pap/kannel-test_ppg-request.pap10.multipart")
	r, err := ReadRequest(kannelRequestType, strings.NewReader(string(body)), 0)
	if err != nil {
		t.Fatal(err)
	}
	want := &PushMessage{
		Header:       Header{Version: PAP10},
		PushID:       "9fjeo39jf084@pi.com",
		DeliverAfter: utc("2001-02-28T06:45:00Z"),
		Addresses:    []Address{{Value: "+358408201681", Type: TypePLMN, Host: "ppg.carrier.com"}},
		QoS: &QualityOfService{Priority: PriorityLow, DeliveryMethod: DeliveryUnconfirmed,
			Network: "gsm", NetworkRequired: true, Bearer: "sms", BearerRequired: true},
	}
	if !reflect.DeepEqual(r.Message, want) {
		t.Errorf("control:\n%#v\nwant\n%#v", r.Message, want)
	}
	if r.Content == nil || r.Capabilities != nil {
		t.Fatalf("content %v, capabilities %v", r.Content, r.Capabilities)
	}
	if mt, _ := r.Content.MediaType(); mt != "text/vnd.wap.si" {
		t.Errorf("content type %q", mt)
	}
	if got := r.Content.Header.Get("X-Wap-Application-Id"); got != "http://www.wiral.com:wml.ua" {
		t.Errorf("X-Wap-Application-Id %q", got)
	}
	if len(r.Content.Header) != 2 {
		t.Errorf("content headers %v, want exactly the two of the part", r.Content.Header)
	}
	si := string(r.Content.Body)
	if !strings.HasPrefix(si, "<?xml version=\"1.0\"?>\n<!DOCTYPE si") || !strings.HasSuffix(si, "</si>\n") {
		t.Errorf("content body %q", si)
	}
	if !strings.HasPrefix(string(r.Control.Body), "<?xml") || !strings.HasSuffix(string(r.Control.Body), "</pap>\n") {
		t.Errorf("control body %q", r.Control.Body)
	}
}

// TestPushSIShortRequest reads the full multipart push of v17 (CRLF
// throughout) and checks that the content entity is the SI of
// v17-pap/inputs/si-short.xml, byte for byte once line ends are compared.
func TestPushSIShortRequest(t *testing.T) {
	body := testvec.Read(t, "v17-pap/push-si-short.multipart")
	r, err := ReadRequest(kannelRequestType, strings.NewReader(string(body)), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	m := r.Message.(*PushMessage)
	if m.PushID != "si-short-001@pi.example.com" || m.Version != PAP20 || !m.DeliverBefore.Equal(utc("2030-01-01T00:00:00Z")) ||
		m.SourceReference != "example-pi" || len(m.Addresses) != 1 || m.Addresses[0] != papAddress {
		t.Errorf("control %+v", m)
	}
	si := testvec.Read(t, "v17-pap/inputs/si-short.xml")
	if got := strings.ReplaceAll(string(r.Content.Body), "\r\n", "\n"); got != string(si) {
		t.Errorf("content body\n%q\nwant\n%q", got, si)
	}
	if r.Content.ContentType() != "text/vnd.wap.si" ||
		r.Content.Header.Get("X-Wap-Application-Id") != "x-wap-application:wml.ua" {
		t.Errorf("content headers %v", r.Content.Header)
	}
}

// TestKannelSampleControl parses the control document of Kannel's sample
// on its own: explicit end tags with white-space content, lower-case
// network and bearer, the public id without a version.
func TestKannelSampleControl(t *testing.T) {
	m, err := ParseMessage(testvec.Read(t, "v17-pap/inputs/pap10-push-message.kannel-sample.xml"))
	if err != nil {
		t.Fatal(err)
	}
	p := m.(*PushMessage)
	if p.Version != PAP10 || p.QoS.Priority != PriorityLow || p.QoS.Network != "gsm" || len(p.Addresses) != 1 {
		t.Errorf("%+v %+v", p, p.QoS)
	}
	checkRoundTrip(t, m)
}
