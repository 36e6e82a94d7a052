package handset_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/txpush/txpush/clock"
	"github.com/txpush/txpush/handset"
	"github.com/txpush/txpush/internal/testvec"
	"github.com/txpush/txpush/radio"
	"github.com/txpush/txpush/wap/wdp"
)

// FuzzReceive feeds arbitrary user data to a handset, cut into two SMS at
// a point the fuzzer picks, then lets the reassembly timer run out. The
// handset must not panic, must end with nothing pending, and every event
// must survive its JSON form: marshal, unmarshal, marshal gives the same
// line.
func FuzzReceive(f *testing.F) {
	seg1, seg2 := testvec.Read(f, "v11-udh-2seg-8bit/seg1.ud.bin"), testvec.Read(f, "v11-udh-2seg-8bit/seg2.ud.bin")
	f.Add(append(append([]byte(nil), seg1...), seg2...), len(seg1), true, byte(0xF5))
	f.Add(append(append([]byte(nil), seg2...), seg1...), len(seg2), true, byte(0x04))
	for _, name := range testvec.Glob(f, "v12-udh-3seg-16bit/seg*.ud.bin") {
		f.Add(testvec.Read(f, name), 0, true, byte(0x04))
	}
	for _, name := range []string{"v07-wsp-push-si/push.bin", "v08-wsp-push-sl/push.bin", "v09-wsp-push-mms/push.bin", "v10-wsp-push-si-charset-appid/push.bin"} {
		push := testvec.Read(f, name)
		uds, err := wdp.Segment(wdp.Datagram{SrcPort: wdp.PortWSP, DstPort: wdp.PortPush, Payload: push}, wdp.SegmentOptions{})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uds[0], 0, true, byte(0x04))
		f.Add(push, 0, false, byte(0x04))
	}
	f.Add([]byte("hello"), 0, false, byte(0x00))
	f.Add([]byte{0x00, 0x48, 0x00, 0x69}, 2, false, byte(0x08))
	f.Add([]byte{0x05, 0x00, 0x03, 0x07, 0x02, 0x01, 'a', 0x05, 0x00, 0x03, 0x07, 0x02, 0x02, 'b'}, 7, true, byte(0x00))

	f.Fuzz(func(t *testing.T, data []byte, cut int, udhi bool, dcs byte) {
		clk := clock.NewVirtual(t0)
		var events []handset.Event
		h, err := handset.New(testMSISDN, handset.Config{Clock: clk, Reassembly: time.Minute, History: -1,
			OnEvent: func(e handset.Event) { events = append(events, e) }})
		if err != nil {
			t.Fatal(err)
		}
		defer h.Close()
		parts := [][]byte{data}
		if cut > 0 && cut < len(data) {
			parts = [][]byte{data[:cut], data[cut:]}
		}
		for _, ud := range parts {
			h.Receive(radio.SMS{Originator: testPPG, Destination: testMSISDN, UserData: ud, UDHI: udhi, DataCoding: dcs}, clk.Now())
			clk.Advance(time.Second)
		}
		clk.Advance(time.Minute)
		if n, octets := h.Pending(); n != 0 || octets != 0 {
			t.Errorf("%d messages, %d octets pending after the timeout", n, octets)
		}
		for _, e := range events {
			first, err := json.Marshal(e)
			if err != nil {
				t.Fatalf("marshal %+v: %v", e, err)
			}
			var back handset.Event
			if err := json.Unmarshal(first, &back); err != nil {
				t.Fatalf("unmarshal %s: %v", first, err)
			}
			second, err := json.Marshal(back)
			if err != nil {
				t.Fatal(err)
			}
			// Invalid UTF-8 from the air is written as \ufffd the first
			// time and as the character itself after the round trip: the
			// same text, so compare what the two documents say.
			var again handset.Event
			if err := json.Unmarshal(second, &again); err != nil {
				t.Fatalf("unmarshal %s: %v", second, err)
			}
			if !reflect.DeepEqual(back, again) {
				t.Errorf("JSON round trip changed the event:\n%s\n%s", first, second)
			}
		}
	})
}

// FuzzEventJSON reads arbitrary text as an event's JSON form: no panic,
// and an event that reads writes back in a form that reads the same.
func FuzzEventJSON(f *testing.F) {
	at := t0.Add(1500 * time.Millisecond)
	for _, e := range []handset.Event{
		{Kind: handset.EventPush, At: at, MSISDN: testMSISDN, Originator: testPPG, Ref: 42, Total: 2, Segments: 2,
			FirstSegment: t0, LastSegment: at, Reassembled: at, SrcPort: 9200, DstPort: 2948,
			ContentType: "application/vnd.wap.sic", AppID: "x-wap-application:wml.ua", Href: "http://www.example.com/",
			SIID: "id", Text: "New mail", Action: "signal-medium", Created: t0, Expires: at},
		{Kind: handset.EventFetch, At: at, URL: "http://x/", Status: 200, Size: 10, Duration: 1234567 * time.Nanosecond},
		{Kind: handset.EventText, Coding: "8bit", Data: []byte{0, 0xFF}},
		{Kind: handset.EventPush, Invalidations: []handset.Invalidation{{Service: true, URI: "http://a/"}}},
	} {
		b, err := json.Marshal(e)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"kind":"timeout","at":"2024-03-05T13:00:00.000+02:00","duration_ms":-1e300}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var e handset.Event
		if json.Unmarshal(b, &e) != nil {
			return
		}
		first, err := json.Marshal(e)
		if err != nil {
			return // a time json cannot carry, e.g. a year beyond 9999
		}
		var back handset.Event
		if err := json.Unmarshal(first, &back); err != nil {
			t.Fatalf("cannot read what was written: %s: %v", first, err)
		}
		second, err := json.Marshal(back)
		if err != nil || string(first) != string(second) {
			t.Errorf("unstable:\n%s\n%s (%v)", first, second, err)
		}
	})
}
