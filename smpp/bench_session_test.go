package smpp

import (
	"context"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"
)

// benchSession binds a transceiver to a loopback server whose handler is h.
func benchSession(b *testing.B, h Handler, window int) *Session {
	b.Helper()
	srv := &Server{Session: SessionConfig{Handler: h, Window: window}}
	addr := testServerB(b, srv)
	s, err := Dial(context.Background(), addr, DialConfig{Mode: Transceiver,
		Params: BindParams{SystemID: "bench"}, Session: SessionConfig{Window: window}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close(); s.Wait() })
	return s
}

func testServerB(b *testing.B, srv *Server) string {
	b.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go srv.Serve(l)
	b.Cleanup(func() { srv.Close() })
	return l.Addr().String()
}

var answerAtOnce = HandlerFunc(func(w ResponseWriter, r *Request) {
	w.Respond(&SubmitSMResp{MessageID: "1"})
})

func benchSubmit() *SubmitSM {
	sm := submit("358401234567")
	sm.ESMClass = 0x02
	sm.TLVs.SetMessagePayload(make([]byte, 200))
	sm.TLVs.SetSourcePort(9200)
	sm.TLVs.SetDestinationPort(2948)
	return sm
}

// BenchmarkRoundTrip measures submit_sm → submit_sm_resp over loopback, one
// bind, window 1024, the server answering at once. Both ends run in this
// process, so the figure includes the server's work too.
func BenchmarkRoundTrip(b *testing.B) {
	s := benchSession(b, answerAtOnce, 1024)
	var wg sync.WaitGroup
	done := func(PDU, error) { wg.Done() }
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		wg.Add(1)
		// Each submit is its own PDU: the session owns it until answered.
		if err := s.SendAsync(context.Background(), benchSubmit(), done); err != nil {
			b.Fatal(err)
		}
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "roundtrips/s")
}

// BenchmarkHeldResponses keeps 20,000 submits outstanding against a server
// that holds every response for 2 s: throughput should approach
// window ÷ hold time (10,000/s), and memory per outstanding request stays
// flat. Run with -benchtime=60000x or more.
func BenchmarkHeldResponses(b *testing.B) {
	const window = 20000
	const hold = 2 * time.Second
	held := HandlerFunc(func(w ResponseWriter, r *Request) {
		w.Defer()
		time.AfterFunc(hold, func() { w.Respond(&SubmitSMResp{MessageID: "1"}) })
	})
	s := benchSession(b, held, window)
	var wg sync.WaitGroup
	done := func(PDU, error) { wg.Done() }

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	measured := false
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		wg.Add(1)
		if err := s.SendAsync(context.Background(), benchSubmit(), done); err != nil {
			b.Fatal(err)
		}
		if !measured && i == window-1 {
			// The window is full: everything outstanding is in memory on
			// both ends (client calls and server parked requests).
			runtime.GC()
			runtime.ReadMemStats(&after)
			measured = true
		}
	}
	wg.Wait()
	el := time.Since(start)
	b.ReportMetric(float64(b.N)/el.Seconds(), "submits/s")
	if measured {
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/window, "heapB/outstanding")
	}
}
