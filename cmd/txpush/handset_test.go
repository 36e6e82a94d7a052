package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/txpush/txpush/handset"
	"github.com/txpush/txpush/smpp"
	"github.com/txpush/txpush/wap/si"
	"github.com/txpush/txpush/wap/wdp"
	"github.com/txpush/txpush/wap/wsp"
)

// handsetTestSMSC is an SMPP server that, when a receiver binds, sends it
// the segments of one push as deliver_sm and records the answers.
type handsetTestSMSC struct {
	addr     string
	statuses chan smpp.Status
	sessions chan *smpp.Session
}

func startHandsetTestSMSC(t *testing.T, msisdn string, segments [][]byte) *handsetTestSMSC {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &handsetTestSMSC{addr: l.Addr().String(), statuses: make(chan smpp.Status, len(segments)), sessions: make(chan *smpp.Session, 1)}
	srv := &smpp.Server{OnBound: func(sess *smpp.Session) {
		s.sessions <- sess
		go func() {
			for _, ud := range segments {
				_, err := sess.Send(context.Background(), &smpp.DeliverSM{ShortMessage: smpp.ShortMessage{
					SourceAddr: "PPG", DestinationAddr: msisdn, ESMClass: 0x40, DataCoding: 0x04, ShortMessage: ud}})
				var st smpp.Status
				if err != nil && !errors.As(err, &st) {
					st = smpp.StatusUnknownErr
				}
				s.statuses <- st
			}
		}()
	}}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return s
}

// handsetTestPush returns the segments of an SI push whose text makes it
// need two SMS.
func handsetTestPush(t *testing.T, href string) [][]byte {
	t.Helper()
	wb, err := (&si.SI{Href: href, Text: strings.Repeat("Your handset emulator got this push. ", 5)}).MarshalWBXML()
	if err != nil {
		t.Fatal(err)
	}
	push, err := (&wsp.Push{ContentType: wsp.ContentType{Value: si.ContentTypeWBXML}, Body: wb}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	uds, err := wdp.Segment(wdp.Datagram{SrcPort: wdp.PortWSP, DstPort: wdp.PortPush, Payload: push}, wdp.SegmentOptions{Ref: 3})
	if err != nil || len(uds) != 2 {
		t.Fatalf("segments: %d, %v", len(uds), err)
	}
	return uds
}

// lockedBuffer is a bytes.Buffer safe for the command's logger and the
// test to share.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestHandsetCommand(t *testing.T) {
	const msisdn, href, page = "358401234567", "http://content.example/news?id=1", "<wml/>"
	var mu sync.Mutex
	var fetched []string
	gateway := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		fetched = append(fetched, r.RequestURI)
		mu.Unlock()
		io.WriteString(w, page)
	}))
	defer gateway.Close()
	smsc := startHandsetTestSMSC(t, msisdn, handsetTestPush(t, href))

	stdout, w := io.Pipe()
	var stderr lockedBuffer
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	exit := make(chan int, 1)
	go func() {
		exit <- handsetMain(ctx, []string{"--smsc", smsc.addr, "--msisdn", msisdn, "--proxy", gateway.URL, "--reassembly", "feature"}, w, &stderr)
		w.Close()
	}()

	// Read events until the fetch; the lines must each be one JSON event.
	lines := make(chan []byte)
	go func() {
		defer close(lines)
		dec := json.NewDecoder(stdout)
		for {
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return
			}
			lines <- raw
		}
	}()
	var events []handset.Event
	timeout := time.NewTimer(10 * time.Second)
	defer timeout.Stop()
	for len(events) == 0 || events[len(events)-1].Kind != handset.EventFetch {
		select {
		case raw, ok := <-lines:
			if !ok {
				t.Fatalf("stdout ended after %d events; stderr:\n%s", len(events), stderr.String())
			}
			var e handset.Event
			if err := json.Unmarshal(raw, &e); err != nil {
				t.Fatalf("line %s: %v", raw, err)
			}
			if e.At.IsZero() || !strings.Contains(string(raw), `"kind":"`+string(e.Kind)+`"`) {
				t.Errorf("line %s: no kind or time", raw)
			}
			events = append(events, e)
		case <-timeout.C:
			t.Fatalf("no fetch event; events %v; stderr:\n%s", events, stderr.String())
		}
	}
	kinds := make([]handset.EventKind, len(events))
	for i, e := range events {
		kinds[i] = e.Kind
	}
	if want := []handset.EventKind{handset.EventSegment, handset.EventPush, handset.EventFetch}; !slices.Equal(kinds, want) {
		t.Errorf("events %v, want %v", kinds, want)
	}
	push, fetch := events[1], events[2]
	if push.Href != href || push.MSISDN != msisdn || push.Segments != 2 || push.FirstSegment.IsZero() || push.Reassembled.Before(push.FirstSegment) {
		t.Errorf("push %+v", push)
	}
	if fetch.URL != href || fetch.Status != http.StatusOK || fetch.Size != int64(len(page)) {
		t.Errorf("fetch %+v", fetch)
	}
	mu.Lock()
	if len(fetched) != 1 || fetched[0] != href {
		t.Errorf("the gateway got %v, want %s", fetched, href)
	}
	mu.Unlock()
	for range 2 {
		if st := <-smsc.statuses; st != smpp.StatusOK {
			t.Errorf("deliver_sm answered %v", st)
		}
	}

	// Stop it as SIGINT would: it unbinds and exits 0.
	session := <-smsc.sessions
	stop()
	select {
	case code := <-exit:
		if code != 0 {
			t.Errorf("exit status %d; stderr:\n%s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the command did not stop")
	}
	select {
	case <-session.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the SMSC's session is still open")
	}
	for range lines { // the rest of stdout, until the command closed it
	}
	if log := stderr.String(); !strings.Contains(log, "bound as receiver") || !strings.Contains(log, "unbinding") {
		t.Errorf("stderr lacks the bind and unbind:\n%s", log)
	}
}

func TestHandsetCommandFlags(t *testing.T) {
	for _, args := range [][]string{
		{"handset"},
		{"handset", "--msisdn", "1"},
		{"handset", "--smsc", "127.0.0.1:1", "--msisdn", "1", "--reassembly", "soon"},
		{"handset", "--smsc", "127.0.0.1:1", "--msisdn", "1", "--proxy", "gw:8080"},
		{"handset", "--smsc", "127.0.0.1:1", "--msisdn", "1", "--tls-ca", "ca.pem"},
		{"handset", "--smsc", "127.0.0.1:1", "--msisdn", "1", "stray"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code != 2 || stderr.Len() == 0 {
			t.Errorf("%q: exit %d, stderr %q; want 2 and a message", args, code, stderr.String())
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"handset", "-h"}, &stdout, &stderr); code != 0 || !strings.Contains(stderr.String(), "-msisdn") {
		t.Errorf("-h: exit %d, stderr %q", code, stderr.String())
	}

	// The settings may come from a file, whose keys mirror the flags.
	path := filepath.Join(t.TempDir(), "handset.yaml")
	if err := os.WriteFile(path, []byte("smsc: 127.0.0.1:1\nmsisdn: \"1\"\nreassembly: whenever\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	stderr.Reset()
	if code := run([]string{"handset", "--config", path}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "whenever") {
		t.Errorf("--config with a bad reassembly: exit %d, stderr %q", code, stderr.String())
	}
}
