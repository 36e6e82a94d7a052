package handset_test

import (
	"sync"
	"testing"
	"time"

	"github.com/txpush/txpush/clock"
	"github.com/txpush/txpush/handset"
	"github.com/txpush/txpush/internal/testvec"
	"github.com/txpush/txpush/radio"
	"github.com/txpush/txpush/wap/si"
	"github.com/txpush/txpush/wap/wdp"
)

// t0 is when the tests' virtual clocks start: after the vectors' SI were
// created and before they expire.
var t0 = time.Date(2024, 3, 5, 13, 0, 0, 0, time.UTC)

const (
	testMSISDN = "358401234567"
	testPPG    = "PPG"
)

// air is a simulated network with no failures on a virtual clock.
type air struct {
	clk *clock.Virtual
	net *radio.Network
}

func newAir(t testing.TB) *air {
	t.Helper()
	clk := clock.NewVirtual(t0)
	cfg, err := radio.Profile("ideal")
	if err != nil {
		t.Fatal(err)
	}
	n, err := radio.New(clk, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &air{clk: clk, net: n}
}

// newHandset attaches a handset to the air; cfg's clock is the air's.
func (a *air) newHandset(t testing.TB, cfg handset.Config) *handset.Handset {
	t.Helper()
	cfg.Clock = a.clk
	h, err := handset.New(testMSISDN, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	a.net.Attach(testMSISDN, h.Receive)
	return h
}

// send delivers one SMS of 8-bit data with a UDH from the PPG to the test
// handset, running the clock until the network reports the delivery, and
// returns when it arrived.
func (a *air) send(t testing.TB, ud []byte) time.Time {
	t.Helper()
	return a.sendSMS(t, radio.SMS{Originator: testPPG, Destination: testMSISDN, UserData: ud, UDHI: true, DataCoding: 0xF5})
}

func (a *air) sendSMS(t testing.TB, sms radio.SMS) time.Time {
	t.Helper()
	var res *radio.Result
	a.net.Deliver(sms, func(r radio.Result) { res = &r })
	for res == nil {
		if !a.clk.Step() {
			t.Fatal("the network never reported the delivery")
		}
	}
	if res.Err != nil {
		t.Fatalf("delivery failed on the ideal network: %v", res.Err)
	}
	return res.End
}

// v11 returns the two segments of vector v11 (a 207-octet SI push, 8-bit
// reference 42) and the SI they carry, parsed from the vector's XML.
func v11(t testing.TB) (seg1, seg2 []byte, doc *si.SI) {
	t.Helper()
	doc, err := si.Parse(testvec.Read(t, "v11-udh-2seg-8bit/si.xml"))
	if err != nil {
		t.Fatal(err)
	}
	return testvec.Read(t, "v11-udh-2seg-8bit/seg1.ud.bin"), testvec.Read(t, "v11-udh-2seg-8bit/seg2.ud.bin"), doc
}

// segment cuts a WSP push into SMS user data with the push ports.
func segment(t testing.TB, push []byte, opt wdp.SegmentOptions) [][]byte {
	t.Helper()
	uds, err := wdp.Segment(wdp.Datagram{SrcPort: wdp.PortWSP, DstPort: wdp.PortPush, Payload: push}, opt)
	if err != nil {
		t.Fatal(err)
	}
	return uds
}

// eventLog collects events from OnEvent, which fetches call from their
// own goroutines.
type eventLog struct {
	mu     sync.Mutex
	events []handset.Event
	ch     chan handset.Event
}

func newEventLog() *eventLog { return &eventLog{ch: make(chan handset.Event, 1024)} }

func (l *eventLog) add(e handset.Event) {
	l.mu.Lock()
	l.events = append(l.events, e)
	l.mu.Unlock()
	l.ch <- e
}

// wait returns the next event of kind, failing the test if none comes
// within a generous deadline (a fetch is real network I/O on loopback).
func (l *eventLog) wait(t testing.TB, kind handset.EventKind) handset.Event {
	t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for {
		select {
		case e := <-l.ch:
			if e.Kind == kind {
				return e
			}
		case <-deadline.C:
			t.Fatalf("no %s event", kind)
		}
	}
}

func kinds(events []handset.Event) []handset.EventKind {
	out := make([]handset.EventKind, len(events))
	for i, e := range events {
		out[i] = e.Kind
	}
	return out
}
