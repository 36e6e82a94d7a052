package handset_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/txpush/txpush/handset"
	"github.com/txpush/txpush/internal/testvec"
	"github.com/txpush/txpush/radio"
	"github.com/txpush/txpush/sms"
	"github.com/txpush/txpush/wap/si"
	"github.com/txpush/txpush/wap/sl"
	"github.com/txpush/txpush/wap/wdp"
	"github.com/txpush/txpush/wap/wsp"
)

// checkSI compares the decoded fields of a push event with the SI it
// carried.
func checkSI(t *testing.T, e handset.Event, doc *si.SI) {
	t.Helper()
	if e.Kind != handset.EventPush {
		t.Fatalf("event %s (%s), want push", e.Kind, e.Err)
	}
	if e.ContentType != si.ContentTypeWBXML || e.AppID != "x-wap-application:wml.ua" {
		t.Errorf("content type %q, application %q; want %q, x-wap-application:wml.ua", e.ContentType, e.AppID, si.ContentTypeWBXML)
	}
	if e.Href != doc.Href || e.SIID != doc.SIID || e.Text != doc.Text || e.Action != string(doc.ActionOrDefault()) {
		t.Errorf("SI href %q si-id %q action %q text %q;\nwant %q %q %q %q", e.Href, e.SIID, e.Action, e.Text, doc.Href, doc.SIID, doc.ActionOrDefault(), doc.Text)
	}
	if !e.Created.Equal(doc.Created) || !e.Expires.Equal(doc.Expires) || e.Expired {
		t.Errorf("created %v expires %v expired %v; want %v %v false", e.Created, e.Expires, e.Expired, doc.Created, doc.Expires)
	}
	if e.MSISDN != testMSISDN || e.Originator != testPPG || e.SrcPort != wdp.PortWSP || e.DstPort != wdp.PortPush {
		t.Errorf("msisdn %q originator %q ports %d→%d", e.MSISDN, e.Originator, e.SrcPort, e.DstPort)
	}
}

func TestPushInTwoSegments(t *testing.T) {
	a := newAir(t)
	h := a.newHandset(t, handset.Config{})
	seg1, seg2, doc := v11(t)

	at1 := a.send(t, seg1)
	a.clk.Advance(time.Second)
	at2 := a.send(t, seg2)

	events := h.Events()
	if got := kinds(events); !slices.Equal(got, []handset.EventKind{handset.EventSegment, handset.EventPush}) {
		t.Fatalf("events %v, want [segment push]", got)
	}
	s := events[0]
	if !s.At.Equal(at1) || s.Ref != 42 || s.Total != 2 || s.Seq != 1 || s.Segments != 1 {
		t.Errorf("segment event at %v ref %d total %d seq %d segments %d; want at %v ref 42, part 1 of 2", s.At, s.Ref, s.Total, s.Seq, s.Segments, at1)
	}
	p := events[1]
	checkSI(t, p, doc)
	if !p.FirstSegment.Equal(at1) || !p.LastSegment.Equal(at2) || !p.Reassembled.Equal(at2) || !p.At.Equal(at2) {
		t.Errorf("push timings first %v last %v reassembled %v at %v; want first %v, the rest %v", p.FirstSegment, p.LastSegment, p.Reassembled, p.At, at1, at2)
	}
	if p.Segments != 2 || p.Total != 2 || p.Ref != 42 {
		t.Errorf("push segments %d total %d ref %d; want 2, 2, 42", p.Segments, p.Total, p.Ref)
	}
	if got := h.Pushes(); len(got) != 1 || got[0].Href != doc.Href {
		t.Errorf("Pushes() = %v, want the one push", got)
	}
	if st := h.Stats(); st.SMS != 2 || st.Pushes != 1 || st.Errors != 0 {
		t.Errorf("stats %+v, want 2 SMS, 1 push", st)
	}
	if n, _ := h.Pending(); n != 0 {
		t.Errorf("%d messages still pending", n)
	}
}

func TestPushOutOfOrder(t *testing.T) {
	a := newAir(t)
	h := a.newHandset(t, handset.Config{})
	seg1, seg2, doc := v11(t)

	at2 := a.send(t, seg2)
	a.clk.Advance(3 * time.Second)
	at1 := a.send(t, seg1)

	pushes := h.Pushes()
	if len(pushes) != 1 {
		t.Fatalf("events %v, want one push", kinds(h.Events()))
	}
	p := pushes[0]
	checkSI(t, p, doc)
	if !p.FirstSegment.Equal(at2) || !p.LastSegment.Equal(at1) {
		t.Errorf("first %v last %v; want %v %v", p.FirstSegment, p.LastSegment, at2, at1)
	}
}

// TestPushThreeSegmentsWide uses v12: 16-bit reference, concatenation IE
// before the port IE.
func TestPushThreeSegmentsWide(t *testing.T) {
	a := newAir(t)
	h := a.newHandset(t, handset.Config{})
	doc, err := si.Parse(testvec.Read(t, "v12-udh-3seg-16bit/si.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var at []time.Time
	for _, name := range []string{"seg3", "seg1", "seg2"} {
		at = append(at, a.send(t, testvec.Read(t, "v12-udh-3seg-16bit/"+name+".ud.bin")))
	}
	p := h.Pushes()
	if len(p) != 1 {
		t.Fatalf("events %v, want one push", kinds(h.Events()))
	}
	checkSI(t, p[0], doc)
	if p[0].Ref != 0x1234 || p[0].Segments != 3 || !p[0].FirstSegment.Equal(at[0]) || !p[0].Reassembled.Equal(at[2]) {
		t.Errorf("ref %#x segments %d first %v reassembled %v", p[0].Ref, p[0].Segments, p[0].FirstSegment, p[0].Reassembled)
	}
}

// TestSinglePushes sends the pushes of v07 (SI), v08 (SL) and v09 (MMS
// notification), each cut by wdp.Segment into one SMS.
func TestSinglePushes(t *testing.T) {
	siDoc, err := si.Parse(testvec.Read(t, "v01-si-dates/si.xml"))
	if err != nil {
		t.Fatal(err)
	}
	slDoc, err := sl.Parse(testvec.Read(t, "v04-sl-cache-https-www/sl.xml"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		vector string
		check  func(t *testing.T, e handset.Event)
	}{
		{"v07-wsp-push-si/push.bin", func(t *testing.T, e handset.Event) { checkSI(t, e, siDoc) }},
		{"v08-wsp-push-sl/push.bin", func(t *testing.T, e handset.Event) {
			if e.ContentType != sl.ContentTypeWBXML || e.Href != slDoc.Href || e.Action != string(sl.Cache) {
				t.Errorf("SL push %q href %q action %q; want %q %q cache", e.ContentType, e.Href, e.Action, sl.ContentTypeWBXML, slDoc.Href)
			}
		}},
		{"v09-wsp-push-mms/push.bin", func(t *testing.T, e handset.Event) {
			// The values of the worked example in mms-notification.md §3.
			if e.ContentType != "application/vnd.wap.mms-message" || e.AppID != "x-wap-application:mms.ua" {
				t.Errorf("MMS push content type %q application %q", e.ContentType, e.AppID)
			}
			if e.Href != "http://mmsc.example.com/mms?id=AB12" || e.TransactionID != "T0001" ||
				e.Subject != "Holiday photos" || e.From != "+358401234567/TYPE=PLMN" || e.MessageSize != 12345 {
				t.Errorf("MMS notification href %q transaction %q subject %q from %q size %d", e.Href, e.TransactionID, e.Subject, e.From, e.MessageSize)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.vector, func(t *testing.T) {
			a := newAir(t)
			h := a.newHandset(t, handset.Config{})
			uds := segment(t, testvec.Read(t, tt.vector), wdp.SegmentOptions{Ref: 7})
			if len(uds) != 1 {
				t.Fatalf("%d segments, want 1", len(uds))
			}
			at := a.send(t, uds[0])
			events := h.Events()
			if len(events) != 1 || events[0].Kind != handset.EventPush {
				t.Fatalf("events %v (%v), want one push", kinds(events), events)
			}
			e := events[0]
			if e.Segments != 1 || !e.FirstSegment.Equal(at) || !e.Reassembled.Equal(at) {
				t.Errorf("segments %d first %v reassembled %v; want 1, %v, %v", e.Segments, e.FirstSegment, e.Reassembled, at, at)
			}
			tt.check(t, e)
		})
	}
}

// TestTimeout loses the second segment: a feature phone's 256 s timer
// discards the first exactly 256 s after it arrived.
func TestTimeout(t *testing.T) {
	a := newAir(t)
	h := a.newHandset(t, handset.Config{Reassembly: handset.ReassemblyFeature})
	seg1, seg2, _ := v11(t)

	at1 := a.send(t, seg1)
	deadline := at1.Add(handset.ReassemblyFeature)
	a.clk.AdvanceTo(deadline.Add(-time.Nanosecond))
	if got := kinds(h.Events()); !slices.Equal(got, []handset.EventKind{handset.EventSegment}) {
		t.Fatalf("events before the timeout %v, want [segment]", got)
	}
	a.clk.AdvanceTo(deadline)
	events := h.Events()
	if got := kinds(events); !slices.Equal(got, []handset.EventKind{handset.EventSegment, handset.EventTimeout}) {
		t.Fatalf("events %v, want [segment timeout]", got)
	}
	e := events[1]
	if !e.At.Equal(deadline) || !e.FirstSegment.Equal(at1) || !e.LastSegment.Equal(at1) {
		t.Errorf("timeout at %v first %v last %v; want at %v, first and last %v", e.At, e.FirstSegment, e.LastSegment, deadline, at1)
	}
	if e.Ref != 42 || e.Total != 2 || e.Segments != 1 || e.MSISDN != testMSISDN || e.Originator != testPPG || e.DstPort != wdp.PortPush {
		t.Errorf("timeout event %+v", e)
	}
	if n, octets := h.Pending(); n != 0 || octets != 0 {
		t.Errorf("pending %d messages, %d octets after the timeout", n, octets)
	}
	if st := h.Stats(); st.Timeouts != 1 || st.Pushes != 0 {
		t.Errorf("stats %+v", st)
	}

	// The late second segment starts a new message of its own.
	a.send(t, seg2)
	if got := kinds(h.Events()); got[len(got)-1] != handset.EventSegment || len(h.Pushes()) != 0 {
		t.Errorf("after the late segment: %v, want a new segment and no push", got)
	}
}

// TestConflict sends two different messages with the same reference: the
// handset drops the first on the conflicting part.
func TestConflict(t *testing.T) {
	a := newAir(t)
	h := a.newHandset(t, handset.Config{})
	seg1, _, _ := v11(t)
	other := append([]byte(nil), seg1...)
	other[len(other)-1] ^= 0xFF // same header, other content

	at1 := a.send(t, seg1)
	at2 := a.send(t, other)
	events := h.Events()
	if got := kinds(events); !slices.Equal(got, []handset.EventKind{handset.EventSegment, handset.EventConflict}) {
		t.Fatalf("events %v, want [segment conflict]", got)
	}
	e := events[1]
	if !e.At.Equal(at2) || !e.FirstSegment.Equal(at1) || e.Ref != 42 || e.Segments != 1 || e.Err == "" {
		t.Errorf("conflict event %+v; want at %v, first %v, 1 segment kept, a reason", e, at2, at1)
	}
	if n, _ := h.Pending(); n != 0 {
		t.Errorf("%d messages pending after the conflict", n)
	}
	if st := h.Stats(); st.Conflicts != 1 {
		t.Errorf("stats %+v, want 1 conflict", st)
	}
}

func TestDuplicateSegmentIsNotAConflict(t *testing.T) {
	a := newAir(t)
	h := a.newHandset(t, handset.Config{})
	seg1, seg2, doc := v11(t)
	a.send(t, seg1)
	a.send(t, seg1)
	a.send(t, seg2)
	p := h.Pushes()
	if len(p) != 1 {
		t.Fatalf("events %v, want a push", kinds(h.Events()))
	}
	checkSI(t, p[0], doc)
	if p[0].Segments != 3 {
		t.Errorf("segments received %d, want 3 (the duplicate counts)", p[0].Segments)
	}
}

func TestEvicted(t *testing.T) {
	a := newAir(t)
	h := a.newHandset(t, handset.Config{MaxPending: 1})
	seg1, _, _ := v11(t)
	other := segment(t, make([]byte, 300), wdp.SegmentOptions{Ref: 43})
	a.send(t, seg1)
	at := a.send(t, other[0])
	events := h.Events()
	if got := kinds(events); !slices.Equal(got, []handset.EventKind{handset.EventSegment, handset.EventEvicted, handset.EventSegment}) {
		t.Fatalf("events %v, want [segment evicted segment]", got)
	}
	if e := events[1]; e.Ref != 42 || !e.At.Equal(at) {
		t.Errorf("evicted %+v; want reference 42 at %v", e, at)
	}
}

func TestText(t *testing.T) {
	long := strings.Repeat("Hello from the push SMSC: {your} MMS is waiting. ", 5)
	coding, parts := sms.Split(long)
	if coding != sms.GSM7 || len(parts) < 2 {
		t.Fatalf("test text: %v in %d parts", coding, len(parts))
	}
	a := newAir(t)
	h := a.newHandset(t, handset.Config{})

	// One SMS without a UDH: the GSM 7-bit septets, one per octet.
	septets, err := sms.AppendSeptets(nil, "hello {world}")
	if err != nil {
		t.Fatal(err)
	}
	a.sendSMS(t, radio.SMS{Originator: "+4479", Destination: testMSISDN, UserData: septets})
	// UCS-2.
	a.sendSMS(t, radio.SMS{Originator: "+4479", Destination: testMSISDN, UserData: sms.AppendUCS2(nil, "Grüße 👋"), DataCoding: 0x08})
	// A concatenated text, parts in reverse order.
	var first time.Time
	for i := len(parts) - 1; i >= 0; i-- {
		ud := []byte{5, wdp.IEIConcat8, 3, 99, byte(len(parts)), byte(i + 1)}
		if ud, err = sms.AppendSeptets(ud, parts[i]); err != nil {
			t.Fatal(err)
		}
		at := a.sendSMS(t, radio.SMS{Originator: "+4479", Destination: testMSISDN, UserData: ud, UDHI: true})
		if first.IsZero() {
			first = at
		}
	}
	// 8-bit data without ports.
	a.sendSMS(t, radio.SMS{Originator: "+4479", Destination: testMSISDN, UserData: []byte{0, 1, 0xFF}, DataCoding: 0x04})

	var texts []handset.Event
	for _, e := range h.Events() {
		if e.Kind == handset.EventText {
			texts = append(texts, e)
		}
	}
	if len(texts) != 4 {
		t.Fatalf("events %v, want 4 texts", kinds(h.Events()))
	}
	want := []struct{ coding, text string }{{"gsm7", "hello {world}"}, {"ucs2", "Grüße 👋"}, {"gsm7", long}, {"8bit", ""}}
	for i, w := range want {
		if texts[i].Coding != w.coding || texts[i].Text != w.text {
			t.Errorf("text %d: %s %q, want %s %q", i, texts[i].Coding, texts[i].Text, w.coding, w.text)
		}
	}
	if texts[2].Segments != len(parts) || texts[2].Ref != 99 || !texts[2].FirstSegment.Equal(first) {
		t.Errorf("concatenated text: %d segments ref %d first %v", texts[2].Segments, texts[2].Ref, texts[2].FirstSegment)
	}
	if !slices.Equal(texts[3].Data, []byte{0, 1, 0xFF}) {
		t.Errorf("8-bit data %x", texts[3].Data)
	}
}

// TestErrors sends SMS a handset cannot use: each gives an error event
// that says what was wrong, and nothing else changes.
func TestErrors(t *testing.T) {
	push := testvec.Read(t, "v07-wsp-push-si/push.bin")
	badSI := append([]byte(nil), push...)
	badSI = badSI[:len(badSI)-10] // the SI's WBXML ends early
	tests := []struct {
		name string
		ud   []byte
		want string
	}{
		{"UDHL beyond the data", []byte{0x20, 0x05, 0x04}, "user data header"},
		{"concatenation seq 0", []byte{0x05, 0x00, 0x03, 0x01, 0x02, 0x00, 0xAA}, "user data header"},
		{"other port", mustSegment(t, wdp.Datagram{SrcPort: 1, DstPort: 5000, Payload: []byte("x")}), "port 5000"},
		{"not WSP", mustSegment(t, wdp.Datagram{SrcPort: wdp.PortWSP, DstPort: wdp.PortPush, Payload: []byte{0x01}}), "push"},
		{"truncated SI", mustSegment(t, wdp.Datagram{SrcPort: wdp.PortWSP, DstPort: wdp.PortPush, Payload: badSI}), "SI"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAir(t)
			h := a.newHandset(t, handset.Config{})
			a.send(t, tt.ud)
			events := h.Events()
			if len(events) != 1 || events[0].Kind != handset.EventError {
				t.Fatalf("events %v, want one error", events)
			}
			if !strings.Contains(events[0].Err, tt.want) {
				t.Errorf("error %q does not mention %q", events[0].Err, tt.want)
			}
			if n, _ := h.Pending(); n != 0 {
				t.Errorf("%d messages pending", n)
			}
		})
	}
}

func mustSegment(t *testing.T, d wdp.Datagram) []byte {
	t.Helper()
	uds, err := wdp.Segment(d, wdp.SegmentOptions{})
	if err != nil || len(uds) != 1 {
		t.Fatalf("segment: %d parts, %v", len(uds), err)
	}
	return uds[0]
}

// TestUnknownContentType records a push the handset has no decoder for.
func TestUnknownContentType(t *testing.T) {
	a := newAir(t)
	h := a.newHandset(t, handset.Config{})
	push, err := (&wsp.Push{TID: 1, ContentType: wsp.ContentType{Value: "application/vnd.syncml.notification"},
		Headers: []wsp.Header{{Name: wsp.HeaderAppID, Value: "x-wap-application:push.syncml"}}, Body: []byte{1, 2, 3}}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	a.send(t, mustSegment(t, wdp.Datagram{SrcPort: wdp.PortWSP, DstPort: wdp.PortPush, Payload: push}))
	p := h.Pushes()
	if len(p) != 1 || p[0].ContentType != "application/vnd.syncml.notification" || p[0].AppID != "x-wap-application:push.syncml" {
		t.Fatalf("pushes %+v", p)
	}
}

func TestPopulation(t *testing.T) {
	a := newAir(t)
	log := newEventLog()
	pop, err := handset.NewPopulation(handset.Config{Clock: a.clk, OnEvent: log.add})
	if err != nil {
		t.Fatal(err)
	}
	defer pop.Close()
	a.net.AttachAll(pop.Receive)
	seg1, seg2, doc := v11(t)
	// The same originator and reference to two handsets, interleaved:
	// two messages, no conflict.
	msisdns := []string{"358400000001", "358400000002"}
	for _, seg := range [][]byte{seg1, seg2} {
		for _, m := range msisdns {
			a.sendSMS(t, radio.SMS{Originator: testPPG, Destination: m, UserData: seg, UDHI: true, DataCoding: 0x04})
		}
	}
	var got []string
	for _, e := range log.events {
		if e.Kind == handset.EventPush {
			if e.Href != doc.Href {
				t.Errorf("push to %s: href %q", e.MSISDN, e.Href)
			}
			got = append(got, e.MSISDN)
		}
	}
	if !slices.Equal(got, msisdns) {
		t.Errorf("pushes to %v, want %v (events %v)", got, msisdns, kinds(log.events))
	}
	if n := pop.Handsets(); n != 2 {
		t.Errorf("%d handsets, want 2", n)
	}
	for _, m := range msisdns {
		if st, ok := pop.Stats(m); !ok || st.SMS != 2 || st.Pushes != 1 {
			t.Errorf("stats of %s: %+v %v", m, st, ok)
		}
	}
	if _, ok := pop.Stats("358400000003"); ok {
		t.Error("a handset that received nothing exists")
	}
	if tot := pop.Totals(); tot.SMS != 4 || tot.Pushes != 2 {
		t.Errorf("totals %+v", tot)
	}
}

func TestClosedHandsetIgnoresSMS(t *testing.T) {
	a := newAir(t)
	h := a.newHandset(t, handset.Config{})
	seg1, seg2, _ := v11(t)
	a.send(t, seg1)
	h.Close()
	a.send(t, seg2)
	if got := kinds(h.Events()); !slices.Equal(got, []handset.EventKind{handset.EventSegment}) {
		t.Errorf("events %v, want only the segment before Close", got)
	}
}

func TestHistoryKeepsTheLatest(t *testing.T) {
	a := newAir(t)
	h := a.newHandset(t, handset.Config{History: 2})
	for i := range 5 {
		ud := []byte{5, wdp.IEIConcat8, 3, byte(i), 2, 1, 'x'}
		a.sendSMS(t, radio.SMS{Originator: testPPG, Destination: testMSISDN, UserData: ud, UDHI: true})
	}
	events := h.Events()
	if len(events) != 2 || events[0].Ref != 3 || events[1].Ref != 4 {
		t.Errorf("history %+v, want the segments with references 3 and 4", events)
	}
}

func TestParseReassembly(t *testing.T) {
	for in, want := range map[string]time.Duration{"modern": 24 * time.Hour, "Feature": 256 * time.Second, "30m": 30 * time.Minute} {
		if got, err := handset.ParseReassembly(in); err != nil || got != want {
			t.Errorf("ParseReassembly(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0s", "-1h", "old"} {
		if _, err := handset.ParseReassembly(in); err == nil {
			t.Errorf("ParseReassembly(%q) succeeded", in)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	for name, cfg := range map[string]handset.Config{
		"negative reassembly": {Reassembly: -time.Second},
		"proxy without host":  {Fetch: true, Proxy: "http://"},
		"proxy not http":      {Fetch: true, Proxy: "ftp://gw:21"},
	} {
		if _, err := handset.New(testMSISDN, cfg); err == nil {
			t.Errorf("%s: New succeeded", name)
		}
	}
	if _, err := handset.New("", handset.Config{}); err == nil {
		t.Error("New without an MSISDN succeeded")
	}
}
