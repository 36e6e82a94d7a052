package ppg

import (
	"net/http"
	"strings"
	"testing"

	"github.com/txpush/txpush/pap"
)

// uaprof builds a small UAProf document with the given properties inside
// one component's rdf:Description; a property of several values is an
// rdf:Bag.
func uaprof(props ...string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:prf="http://www.wapforum.org/profiles/UAPROF/ccppschema-20010430#">
 <rdf:Description rdf:ID="Profile"><prf:component><rdf:Description rdf:ID="SoftwarePlatform">`)
	for i := 0; i+1 < len(props); i += 2 {
		name, value := props[i], props[i+1]
		if vs := strings.Split(value, "|"); len(vs) > 1 {
			b.WriteString("<prf:" + name + "><rdf:Bag>")
			for _, v := range vs {
				b.WriteString("<rdf:li>" + v + "</rdf:li>")
			}
			b.WriteString("</rdf:Bag></prf:" + name + ">")
			continue
		}
		b.WriteString("<prf:" + name + ">" + value + "</prf:" + name + ">")
	}
	b.WriteString(`</rdf:Description></prf:component></rdf:Description></rdf:RDF>`)
	return b.String()
}

// TestCapabilitiesMatching: a push whose capabilities entity the device's
// profile satisfies is accepted; one it contradicts is refused 2005; one
// that assumes what the device does not declare 2006; one to a device
// with no known profile 3004; an unreadable entity 2000.
func TestCapabilitiesMatching(t *testing.T) {
	device := uaprof("CcppAccept", "text/vnd.wap.wml|application/vnd.wap.sic|application/vnd.wap.slc",
		"WapVersion", "2.0", "Push-MsgSize", "1400")
	for _, tc := range []struct {
		name string
		to   string
		caps string
		code pap.Code
		desc string
	}{
		{"satisfied", "+358401234567", uaprof("CcppAccept", "application/vnd.wap.sic|APPLICATION/VND.WAP.SLC", "WapVersion", " 2.0 "), pap.CodeAccepted, ""},
		{"mismatch", "+358401234567", uaprof("WapVersion", "1.2"), pap.CodeCapabilitiesMismatch, `WapVersion "2.0", not "1.2"`},
		{"type not accepted", "+358401234567", uaprof("CcppAccept", "application/vnd.wap.sic|application/vnd.wap.mms-message"), pap.CodeCapabilitiesMismatch, "mms-message"},
		{"not declared", "+358401234567", uaprof("Push-Accept-AppID", "x-wap-application:mms.ua"), pap.CodeRequiredCapabilitiesNotSupported, "Push-Accept-AppID"},
		{"no profile", "+358409999999", uaprof("WapVersion", "2.0"), pap.CodeCapabilityMatchingNotSupported, "no profile"},
		{"unreadable", "+358401234567", "<rdf:RDF><unclosed>", pap.CodeBadRequest, "not a readable RDF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Config{DeviceProfiles: map[string]string{"358401234567": device}}).start()
			m := pushMessage("caps@pi.test", tc.to)
			ct, body, err := pap.WriteRequest(m, siEntity(t, "si-short.xml"), pap.NewEntity("application/xml", []byte(tc.caps)))
			if err != nil {
				t.Fatal(err)
			}
			status, ans := h.post(ct, body)
			resp, ok := ans.(*pap.PushResponse)
			if !ok {
				t.Fatalf("answered %T", ans)
			}
			if resp.Result.Code != tc.code || !strings.Contains(resp.Result.Desc, tc.desc) {
				t.Fatalf("%v %q, want %v with %q", resp.Result.Code, resp.Result.Desc, tc.code, tc.desc)
			}
			if tc.code == pap.CodeAccepted {
				if status != http.StatusAccepted {
					t.Errorf("HTTP %d", status)
				}
				h.disp.next(t)
				return
			}
			if status != http.StatusOK {
				t.Errorf("HTTP %d for a refusal", status)
			}
			h.disp.none(t)
			if _, err := h.store.GetPush(t.Context(), "", m.PushID); err == nil {
				t.Error("a refused push was stored")
			}
		})
	}
}

// TestCapabilityProperties reads properties, bags and nesting as UAProf
// writes them.
func TestCapabilityProperties(t *testing.T) {
	props, err := capabilityProperties([]byte(uaprof("CcppAccept", "a|b", "ScreenSize", "128x160")))
	if err != nil {
		t.Fatal(err)
	}
	if got := props["CcppAccept"]; len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Errorf("CcppAccept %q", got)
	}
	if got := props["ScreenSize"]; len(got) != 1 || got[0] != "128x160" {
		t.Errorf("ScreenSize %q", got)
	}
	if _, ok := props["Description"]; ok {
		t.Error("a container element read as a property")
	}
	if _, err := capabilityProperties([]byte(strings.Repeat("<a>", 40))); err == nil {
		t.Error("deep nesting accepted")
	}
}
