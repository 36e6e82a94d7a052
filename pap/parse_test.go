package pap

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	xmlDecl  = `<?xml version="1.0"?>` + "\n"
	dt20     = `<!DOCTYPE pap PUBLIC "-//WAPFORUM//DTD PAP 2.0//EN" "http://www.wapforum.org/DTD/pap_2.0.dtd">` + "\n"
	goodAddr = `<address address-value="WAPPUSH=+358401234567/TYPE=PLMN@ppg.example.com"/>`
)

// push returns a PAP 2.0 document with a push-message of the given
// attributes and children.
func push(attrs, children string) string {
	return xmlDecl + dt20 + "<pap><push-message " + attrs + ">" + children + "</push-message></pap>"
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name     string
		doc      string
		code     Code
		element  string
		attr     string
		id       string // the push-id the error reports
		fragment string // a substring of the fragment
	}{
		{"empty", "", CodeBadRequest, "", "", "", ""},
		{"not XML", "hello", CodeBadRequest, "", "", "", "hello"},
		{"unclosed tag", xmlDecl + "<pap><push-message push-id=\"a\"", CodeBadRequest, "", "", "", `<push-message push-id="a"`},
		{"misspelt element", push(`push-id="a"`, goodAddr) + "</push-mesage>", CodeBadRequest, "", "", "", "</push-mesage>"},
		{"mismatched end tag", xmlDecl + `<pap><push-message push-id="a"></push-mesage></pap>`, CodeBadRequest, "", "", "", "push-mesage"},
		{"ends inside", xmlDecl + `<pap><push-message push-id="a">`, CodeBadRequest, "push-message", "", "", `<push-message push-id="a">`},
		{"wrong root", xmlDecl + `<si><indication/></si>`, CodeBadRequest, "si", "", "", "<si>"},
		{"wrong doctype", xmlDecl + `<!DOCTYPE si PUBLIC "-//WAPFORUM//DTD SI 1.0//EN" "si.dtd"><pap/>`, CodeBadRequest, "DOCTYPE", "", "", "DOCTYPE si"},
		{"two roots", xmlDecl + `<pap><ccq-message query-id="q">` + goodAddr + `</ccq-message></pap><pap/>`, CodeBadRequest, "pap", "", "", "<pap/>"},
		{"text after root", xmlDecl + `<pap><ccq-message query-id="q">` + goodAddr + `</ccq-message></pap>junk`, CodeBadRequest, "", "", "", "junk"},
		{"empty pap", xmlDecl + `<pap></pap>`, CodeBadRequest, "pap", "", "", "<pap>"},
		{"two operations", xmlDecl + `<pap><cancel-message push-id="a"/><cancel-message push-id="b"/></pap>`, CodeBadRequest, "pap", "", "", "<pap>"},
		{"unknown operation", xmlDecl + `<pap><push-mesage push-id="a"/></pap>`, CodeBadRequest, "push-mesage", "", "", `<push-mesage push-id="a"/>`},
		{"missing push-id", push(`source-reference="x"`, goodAddr), CodeBadRequest, "push-message", "push-id", "", `<push-message source-reference="x">`},
		{"empty push-id", push(`push-id="  "`, goodAddr), CodeBadRequest, "push-message", "push-id", "", "<push-message"},
		{"no address", push(`push-id="p1@pi"`, ""), CodeBadRequest, "push-message", "", "p1@pi", "<push-message"},
		{"address without value", push(`push-id="p1@pi"`, `<address/>`), CodeBadRequest, "address", "address-value", "p1@pi", "<address/>"},
		{"bad address", push(`push-id="p1@pi"`, `<address address-value="WAPPUSH=+358;TYPE=PLMN"/>`), CodeAddressError, "address", "address-value", "p1@pi", "WAPPUSH=+358;TYPE=PLMN"},
		{"timestamp with space", push(`push-id="p1@pi" deliver-before-timestamp="2024-03-06 12:00:00Z"`, goodAddr), CodeBadRequest, "push-message", "deliver-before-timestamp", "p1@pi", "2024-03-06 12:00:00Z"},
		{"timestamp with offset", push(`push-id="p1@pi" deliver-after-timestamp="2024-03-06T12:00:00+02:00"`, goodAddr), CodeBadRequest, "push-message", "deliver-after-timestamp", "p1@pi", ""},
		{"timestamp with fraction", push(`push-id="p1@pi" deliver-after-timestamp="2024-03-06T12:00:00.5Z"`, goodAddr), CodeBadRequest, "push-message", "deliver-after-timestamp", "p1@pi", ""},
		{"timestamp month 13", push(`push-id="p1@pi" deliver-after-timestamp="2024-13-06T12:00:00Z"`, goodAddr), CodeBadRequest, "push-message", "deliver-after-timestamp", "p1@pi", ""},
		{"timestamp short month", push(`push-id="p1@pi" deliver-after-timestamp="2024-3-06T12:00:00Z"`, goodAddr), CodeBadRequest, "push-message", "deliver-after-timestamp", "p1@pi", ""},
		{"bad boolean", push(`push-id="p1@pi" progress-notes-requested="yes"`, goodAddr), CodeBadRequest, "push-message", "progress-notes-requested", "p1@pi", ""},
		{"bad priority", push(`push-id="p1@pi"`, goodAddr+`<quality-of-service priority="urgent"/>`), CodeBadRequest, "quality-of-service", "priority", "p1@pi", `priority="urgent"`},
		{"bad delivery method", push(`push-id="p1@pi"`, goodAddr+`<quality-of-service delivery-method="reliable"/>`), CodeBadRequest, "quality-of-service", "delivery-method", "p1@pi", ""},
		{"two qos", push(`push-id="p1@pi"`, goodAddr+`<quality-of-service/><quality-of-service/>`), CodeBadRequest, "quality-of-service", "", "p1@pi", ""},
		{"unexpected child", push(`push-id="p1@pi"`, goodAddr+`<content/>`), CodeBadRequest, "content", "", "p1@pi", "<content/>"},
		{"text in element", push(`push-id="p1@pi"`, goodAddr+`hello`), CodeBadRequest, "", "", "", "hello"},
		{"duplicate attribute", push(`push-id="p1@pi" push-id="p2@pi"`, goodAddr), CodeBadRequest, "push-message", "push-id", "", ""},
		{"relative notify URL", push(`push-id="p1@pi" ppg-notify-requested-to="/notify"`, goodAddr), CodeBadRequest, "push-message", "ppg-notify-requested-to", "p1@pi", ""},
		{"replace-push-id", push(`push-id="p2@pi" replace-push-id="p1@pi" replace-method="all"`, goodAddr), CodeReplacementNotSupported, "push-message", "replace-push-id", "p2@pi", ""},
		{"PAP 3.0", xmlDecl + `<!DOCTYPE pap PUBLIC "-//WAPFORUM//DTD PAP 3.0//EN" "x"><pap><cancel-message push-id="a"/></pap>`, CodeVersionNotSupported, "DOCTYPE", "", "", ""},
		{"wap-pap-ver 3", xmlDecl + `<!DOCTYPE pap [<?wap-pap-ver supported-versions="3.0"?>]><pap><cancel-message push-id="a"/></pap>`, CodeVersionNotSupported, "DOCTYPE", "", "", ""},
		{"entity declaration", xmlDecl + `<!DOCTYPE pap [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><pap><cancel-message push-id="&xxe;"/></pap>`, CodeBadRequest, "DOCTYPE", "", "", "ENTITY"},
		{"undeclared entity", xmlDecl + `<pap><cancel-message push-id="&xxe;"/></pap>`, CodeBadRequest, "", "", "", "&xxe;"},
		{"two doctypes", xmlDecl + dt20 + dt20 + `<pap/>`, CodeBadRequest, "", "", "", "DOCTYPE"},
		{"XML 1.1", `<?xml version="1.1"?><pap/>`, CodeBadRequest, "", "", "", "1.1"},
		{"XML declaration not at the start", " " + xmlDecl + `<pap/>`, CodeBadRequest, "", "", "", "<?xml"},
		{"XML declaration after the root starts", `<pap><?xml version="1.0"?></pap>`, CodeBadRequest, "", "", "", "<?xml"},
		{"second XML declaration, ISO-8859-1", `<?xml version="1.0" encoding="ISO-8859-1"?><?xml version="1.0"?><pap/>`, CodeBadRequest, "", "", "", "<?xml"},
		{"instruction without target", `<??><pap/>`, CodeBadRequest, "", "", "", "<??>"},
		{"unterminated DOCTYPE", xmlDecl + `<!DOCTYPE pap [<?wap-pap-ver ?>`, CodeBadRequest, "", "", "", "<!DOCTYPE"},
		{"unterminated comment", xmlDecl + `<!-- <pap/>`, CodeBadRequest, "", "", "", "<!--"},
		{"DOCTYPE inside the root", xmlDecl + `<pap>` + dt20 + `</pap>`, CodeBadRequest, "", "", "", "DOCTYPE"},
		{"unknown encoding", `<?xml version="1.0" encoding="EBCDIC"?><pap/>`, CodeBadRequest, "", "", "", ""},
		{"too deep", xmlDecl + `<pap><push-message push-id="a">` + strings.Repeat("<address>", 10) + strings.Repeat("</address>", 10) + `</push-message></pap>`, CodeBadRequest, "address", "", "", "<address>"},
		{"response without result", xmlDecl + `<pap><push-response push-id="a"/></pap>`, CodeBadRequest, "push-response", "", "a", ""},
		{"response with two results", xmlDecl + `<pap><push-response push-id="a"><response-result code="1000"/><response-result code="1001"/></push-response></pap>`, CodeBadRequest, "push-response", "", "a", ""},
		{"progress-note without stage", xmlDecl + `<pap><push-response push-id="a"><progress-note note="x"/><response-result code="1000"/></push-response></pap>`, CodeBadRequest, "progress-note", "stage", "a", ""},
		{"code of 3 digits", xmlDecl + `<pap><push-response push-id="a"><response-result code="100"/></push-response></pap>`, CodeBadRequest, "response-result", "code", "a", ""},
		{"code of class 6", xmlDecl + `<pap><push-response push-id="a"><response-result code="6000"/></push-response></pap>`, CodeBadRequest, "response-result", "code", "a", ""},
		{"code with a letter", xmlDecl + `<pap><push-response push-id="a"><response-result code="1O00"/></push-response></pap>`, CodeBadRequest, "response-result", "code", "a", ""},
		{"code missing", xmlDecl + `<pap><badmessage-response desc="x"/></pap>`, CodeBadRequest, "badmessage-response", "code", "", ""},
		{"unknown state", xmlDecl + `<pap><resultnotification-message push-id="a" message-state="gone" code="1000">` + goodAddr + `</resultnotification-message></pap>`, CodeBadRequest, "resultnotification-message", "message-state", "a", ""},
		{"notification with two addresses", xmlDecl + `<pap><resultnotification-message push-id="a" message-state="delivered" code="1000">` + goodAddr + goodAddr + `</resultnotification-message></pap>`, CodeBadRequest, "resultnotification-message", "", "a", ""},
		{"ccq without address", xmlDecl + `<pap><ccq-message query-id="q"/></pap>`, CodeBadRequest, "ccq-message", "", "q", ""},
		{"cancel-response without result", xmlDecl + `<pap><cancel-response push-id="a"/></pap>`, CodeBadRequest, "cancel-response", "", "a", ""},
		{"statusquery-response without result", xmlDecl + `<pap><statusquery-response push-id="a"/></pap>`, CodeBadRequest, "statusquery-response", "", "a", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := ParseMessage([]byte(c.doc))
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("got %#v, %v; want an *Error", m, err)
			}
			if m != nil {
				t.Errorf("a message came with the error: %#v", m)
			}
			if pe.Code != c.code || pe.Element != c.element || pe.Attribute != c.attr || pe.ID != c.id {
				t.Errorf("got code %d element %q attribute %q id %q (%v); want %d %q %q %q",
					pe.Code, pe.Element, pe.Attribute, pe.ID, err, c.code, c.element, c.attr, c.id)
			}
			if !strings.Contains(pe.Fragment, c.fragment) {
				t.Errorf("fragment %q does not hold %q", pe.Fragment, c.fragment)
			}
			if pe.Offset < 0 || pe.Offset > int64(len(c.doc)) {
				t.Errorf("offset %d outside the document", pe.Offset)
			}
			if pe.Reason == "" || !strings.HasPrefix(err.Error(), "pap: ") {
				t.Errorf("error text %q", err)
			}
			// Whatever went wrong, the answer to it must be writable.
			if _, err := Marshal(NewBadMessageResponse(err)); err != nil {
				t.Errorf("badmessage-response for it: %v", err)
			}
		})
	}
}

// TestParseLenient checks the sloppiness PIs in the field show, and how
// the version is decided.
func TestParseLenient(t *testing.T) {
	cases := []struct {
		name    string
		doc     string
		version Version
		check   func(*PushMessage) bool
	}{
		{"no DOCTYPE", `<pap><push-message push-id="a">` + goodAddr + `</push-message></pap>`, PAP20, nil},
		{"no XML declaration, BOM", "\xEF\xBB\xBF" + `<pap><push-message push-id="a">` + goodAddr + `</push-message></pap>`, PAP20, nil},
		{"1.0 by system id", `<!DOCTYPE pap SYSTEM "http://www.wapforum.org/DTD/pap_1.0.dtd"><pap><push-message push-id="a">` + goodAddr + `</push-message></pap>`, PAP10, nil},
		{"1.0 by public id", `<!DOCTYPE pap PUBLIC "-//WAPFORUM//DTD PAP 1.0//EN" "http://www.wapforum.org/DTD/pap_1.0.dtd"><pap><push-message push-id="a">` + goodAddr + `</push-message></pap>`, PAP10, nil},
		{"2.1 read as 2.0", `<!DOCTYPE pap PUBLIC "-//WAPFORUM//DTD PAP 2.1//EN" "http://www.openmobilealliance.org/tech/DTD/pap_2.1.dtd"><pap><push-message push-id="a">` + goodAddr + `</push-message></pap>`, PAP20, nil},
		{"public id names the version, system id another", `<!DOCTYPE pap PUBLIC "-//WAPFORUM//DTD PAP 2.0//EN" "http://www.wapforum.org/DTD/pap_1.0.dtd"><pap><push-message push-id="a">` + goodAddr + `</push-message></pap>`, PAP20, nil},
		{"WML system id by mistake", `<!DOCTYPE pap PUBLIC "-//WAPFORUM//DTD PAP//EN" "http://www.wapforum.org/DTD/wml_1.1.xml"><pap><push-message push-id="a">` + goodAddr + `</push-message></pap>`, PAP20, nil},
		{"wap-pap-ver outside the DOCTYPE", `<?wap-pap-ver supported-versions="1.*"?><pap><push-message push-id="a">` + goodAddr + `</push-message></pap>`, PAP10, nil},
		{"comment in the subset", `<!DOCTYPE pap PUBLIC "-//WAPFORUM//DTD PAP//EN" "x" [ <!-- v --> <?wap-pap-ver supported-versions='1.0'?> ]><pap><push-message push-id="a">` + goodAddr + `</push-message></pap>`, PAP10, nil},
		{"attribute white space", `<pap><push-message  push-id = " a "
			source-reference="	pi "><address address-value=" WAPPUSH=+358401234567/TYPE=PLMN@ppg.example.com "></address></push-message></pap>`, PAP20,
			func(m *PushMessage) bool { return m.PushID == "a" && m.SourceReference == "pi" }},
		{"upper-case enumerations", `<pap><push-message push-id="a" progress-notes-requested="TRUE">` + goodAddr + `<quality-of-service priority="HIGH" delivery-method="PreferConfirmed" bearer-required="True"/></push-message></pap>`, PAP20,
			func(m *PushMessage) bool {
				return m.ProgressNotesRequested && m.QoS.Priority == PriorityHigh &&
					m.QoS.DeliveryMethod == DeliveryPreferConfirmed && m.QoS.BearerRequired
			}},
		{"unknown attributes and comments", `<pap product-name="x"><!-- c --><push-message push-id="a" x-vendor="1"><?pi?>` + goodAddr + `</push-message></pap>`, PAP20, nil},
		{"escapes", `<pap><push-message push-id="a&amp;b&#x40;c&lt;">` + goodAddr + `</push-message></pap>`, PAP20,
			func(m *PushMessage) bool { return m.PushID == "a&b@c<" }},
		{"ISO-8859-1 with a 1.0 DOCTYPE", `<?xml version="1.0" encoding="iso-8859-1"?>` + "\n" + `<!DOCTYPE pap PUBLIC "-//WAPFORUM//DTD PAP 1.0//EN" "http://www.wapforum.org/DTD/pap_1.0.dtd"><pap><push-message push-id="a" source-reference="` + "\xe0" + `">` + goodAddr + `</push-message></pap>`, PAP10,
			func(m *PushMessage) bool { return m.SourceReference == "à" }},
		{"comments and instructions around the DOCTYPE", `<?xml version='1.0' encoding='UTF-8'?><!-- a --><?x y?>` + "\n" + `<!DOCTYPE pap PUBLIC '-//WAPFORUM//DTD PAP 1.0//EN' 'x' [<?wap-pap-ver supported-versions="1.0"?><!-- ] > -->]  ><!-- b --><pap><push-message push-id="a">` + goodAddr + `</push-message></pap><!-- c -->`, PAP10, nil},
		{"ISO-8859-1", `<?xml version="1.0" encoding="ISO-8859-1"?><pap><push-message push-id="a" source-reference="caf` + "\xe9" + `">` + goodAddr + `</push-message></pap>`, PAP20,
			func(m *PushMessage) bool { return m.SourceReference == "café" }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := ParseMessage([]byte(c.doc))
			if err != nil {
				t.Fatal(err)
			}
			p := m.(*PushMessage)
			if p.Version != c.version {
				t.Errorf("version %v, want %v", p.Version, c.version)
			}
			if len(p.Addresses) != 1 || p.Addresses[0] != papAddress {
				t.Errorf("addresses %v", p.Addresses)
			}
			if c.check != nil && !c.check(p) {
				t.Errorf("parsed %+v %+v", p, p.QoS)
			}
		})
	}
}

// TestMarshalVersion checks the document type each version is written
// with, and that a PPG's answer takes the version of the request.
func TestMarshalVersion(t *testing.T) {
	for _, v := range []Version{PAP10, PAP20} {
		out, err := Marshal(&PushResponse{Header: Header{Version: v}, PushID: "a", Result: Result{Code: CodeAccepted}})
		if err != nil {
			t.Fatal(err)
		}
		want := doctype20
		if v == PAP10 {
			want = doctype10
		}
		if !strings.Contains(string(out), want) {
			t.Errorf("%v: no %s in\n%s", v, want, out)
		}
		m, err := ParseMessage(out)
		if err != nil || HeaderOf(m).Version != v {
			t.Errorf("%v: read back as %v, %v", v, m, err)
		}
	}
}

// TestMarshalRefuses checks that Marshal writes nothing that would not
// parse back as the same message.
func TestMarshalRefuses(t *testing.T) {
	cases := []struct {
		name  string
		m     Message
		field string
	}{
		{"nil", nil, "message"},
		{"no push-id", &PushMessage{Addresses: []Address{papAddress}}, "push-id"},
		{"no address", &PushMessage{PushID: "a"}, "address"},
		{"bad address", &PushMessage{PushID: "a", Addresses: []Address{{Value: "358", Type: TypePLMN}}}, "address"},
		{"no address type", &CCQMessage{QueryID: "q", Address: Address{Value: "x"}}, "address"},
		{"relative notify URL", &PushMessage{PushID: "a", Addresses: []Address{papAddress}, NotifyTo: "notify"}, "ppg-notify-requested-to"},
		{"bad priority", &PushMessage{PushID: "a", Addresses: []Address{papAddress}, QoS: &QualityOfService{Priority: "urgent"}}, "priority"},
		{"bad delivery method", &PushMessage{PushID: "a", Addresses: []Address{papAddress}, QoS: &QualityOfService{DeliveryMethod: "x"}}, "delivery-method"},
		{"no code", &PushResponse{PushID: "a"}, "code"},
		{"code 999", &BadMessageResponse{Code: 999}, "code"},
		{"bad state", &ResultNotification{PushID: "a", Code: CodeOK, State: "gone", Address: papAddress}, "message-state"},
		{"control character", &PushResponse{PushID: "a\x01", Result: Result{Code: CodeOK}}, "push-id"},
		{"invalid UTF-8", &PushResponse{PushID: "a", SenderName: "\xff", Result: Result{Code: CodeOK}}, "sender-name"},
		{"year 10000", &PushResponse{PushID: "a", ReplyTime: utc("9999-12-31T23:59:59Z").AddDate(1, 0, 0), Result: Result{Code: CodeOK}}, "reply-time"},
		{"no cancel result", &CancelResponse{PushID: "a"}, "cancel-result"},
		{"no status result", &StatusQueryResponse{PushID: "a"}, "statusquery-result"},
		{"no query-id", &CCQResponse{Code: CodeOK, Address: papAddress}, "query-id"},
	}
	for _, c := range cases {
		out, err := Marshal(c.m)
		var ee *EncodeError
		if !errors.As(err, &ee) || ee.Field != c.field {
			t.Errorf("%s: got %q, %v; want an *EncodeError about %s", c.name, out, err, c.field)
		}
	}
}

// TestMarshalEscapes checks that markup and line breaks in values survive.
func TestMarshalEscapes(t *testing.T) {
	m := &BadMessageResponse{Code: CodeBadRequest, Desc: `"quoted" & <tagged> 'x'`,
		Fragment: "<push-message\tpush-id=\"a\"\r\n>"}
	out, err := Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(strings.SplitN(string(out), "badmessage-response", 2)[1], "\t\r") {
		t.Errorf("raw tab or CR written:\n%q", out)
	}
	back, err := ParseMessage(out)
	if err != nil {
		t.Fatal(err)
	}
	if got := back.(*BadMessageResponse); got.Desc != m.Desc || got.Fragment != "<push-message\tpush-id=\"a\"\r\n>" {
		t.Errorf("read back %q %q", got.Desc, got.Fragment)
	}
}

// TestErrorOffsetLatin1 checks that offsets count the input, not the
// UTF-8 text the decoder converts an ISO-8859-1 document to.
func TestErrorOffsetLatin1(t *testing.T) {
	doc := `<?xml version="1.0" encoding="ISO-8859-1"?><pap><push-message push-id="` +
		strings.Repeat("\xe9", 50) + `">` + goodAddr + `<bad/></push-message></pap>`
	_, err := ParseMessage([]byte(doc))
	var pe *Error
	if !errors.As(err, &pe) || pe.Element != "bad" {
		t.Fatalf("got %v", err)
	}
	if !strings.HasPrefix(doc[pe.Offset:], "<bad/>") || pe.Fragment != "<bad/>" {
		t.Errorf("offset %d, fragment %q", pe.Offset, pe.Fragment)
	}
}

// TestErrorVersion checks that a fault found once the version is known
// is answered in that version.
func TestErrorVersion(t *testing.T) {
	doc := `<!DOCTYPE pap PUBLIC "-//WAPFORUM//DTD PAP 1.0//EN" "http://www.wapforum.org/DTD/pap_1.0.dtd"><pap><push-message push-id="v1"/></pap>`
	_, err := ParseMessage([]byte(doc))
	var pe *Error
	if !errors.As(err, &pe) || pe.Version != PAP10 || pe.ID != "v1" {
		t.Fatalf("got %#v", err)
	}
	if b := NewBadMessageResponse(err); b.Version != PAP10 || b.Code != CodeBadRequest || b.Fragment != `<push-message push-id="v1"/>` {
		t.Errorf("badmessage-response %+v", b)
	}
	_, err = ReadRequest(relatedB1, strings.NewReader(envelope("Content-Type: application/xml\r\n\r\n"+
		`<!DOCTYPE pap SYSTEM "pap_1.0.dtd"><pap><push-message push-id="v2">`+goodAddr+`</push-message></pap>`)), 0)
	if !errors.As(err, &pe) || pe.Version != PAP10 || pe.ID != "v2" {
		t.Fatalf("missing content: got %#v", err)
	}
	if b := NewBadMessageResponse(errors.New("other")); b.Code != CodeBadRequest || b.Version != PAP20 {
		t.Errorf("for another error: %+v", b)
	}
}

// checkTimestampAsTimeParse compares parseTimestamp with time.Parse of
// TimeLayout, which it stands for.
func checkTimestampAsTimeParse(t *testing.T, v string) {
	t.Helper()
	got, ok := parseTimestamp(v)
	want, err := time.Parse(TimeLayout, v)
	wantOK := err == nil && len(v) == len(TimeLayout)
	if ok != wantOK || ok && !reflect.DeepEqual(got, want) {
		t.Fatalf("parseTimestamp(%q) = %v, %v; time.Parse: %v, %v", v, got, ok, want, err)
	}
}

func TestTimestampAsTimeParse(t *testing.T) {
	for _, v := range []string{
		"2024-03-06T12:00:00Z", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2024-02-29T00:00:00Z",
		"2023-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2000-02-29T00:00:00Z", "2024-04-31T00:00:00Z",
		"2024-00-10T00:00:00Z", "2024-13-10T00:00:00Z", "2024-01-00T00:00:00Z", "2024-01-32T00:00:00Z",
		"2024-01-01T24:00:00Z", "2024-01-01T00:60:00Z", "2024-01-01T00:00:60Z", "2024-01-01T1:00:00ZZ",
		"2024-01-01T00:00:00z", "2024-01-01 00:00:00Z", "+024-01-01T00:00:00Z", "2024-1-01T00:00:00Z0",
		"2024-01-01T00:00:0.5Z", "2024-01-01T-1:00:00Z", "2024-01-01T00:00:00+", "２024-01-01T00:00:00Z",
	} {
		checkTimestampAsTimeParse(t, v)
	}
	// Every day of a leap and a common year, and the day after each month.
	for _, year := range []int{2023, 2024} {
		for d := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() == year; d = d.AddDate(0, 0, 1) {
			checkTimestampAsTimeParse(t, d.Format(TimeLayout))
			checkTimestampAsTimeParse(t, d.Format("2006-01-")+"32"+d.Format("T15:04:05Z"))
			if last := d.AddDate(0, 0, 1).Day() == 1; last {
				checkTimestampAsTimeParse(t, d.Format("2006-01-")+strconv.Itoa(d.Day()+1)+d.Format("T15:04:05Z"))
			}
		}
	}
}

func FuzzTimestampAsTimeParse(f *testing.F) {
	f.Add("2024-03-06T12:00:00Z")
	f.Add("2024-02-30T23:59:59Z")
	f.Fuzz(checkTimestampAsTimeParse)
}
