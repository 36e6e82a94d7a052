package smsc

import (
	"context"
	"net"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/txpush/txpush/radio"
	"github.com/txpush/txpush/smpp"
	"github.com/txpush/txpush/store"
)

// instantAir delivers every SMS at once, on the caller's goroutine: a
// network that answers immediately, so the benchmark measures the SMSC.
type instantAir struct{}

func (instantAir) Deliver(sms radio.SMS, done func(radio.Result)) {
	done(radio.Result{})
}

func benchSMSC(b *testing.B, st store.MessageStore) *smpp.Session {
	b.Helper()
	if st == nil {
		st = store.NewMemory()
	}
	sc, err := New(Config{}, instantAir{}, nil, st)
	if err != nil {
		b.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go sc.Serve(l)
	b.Cleanup(func() { sc.Shutdown(context.Background()) })
	s, err := smpp.Dial(context.Background(), l.Addr().String(), smpp.DialConfig{
		Mode: smpp.Transceiver, Params: smpp.BindParams{SystemID: "bench"},
		Session: smpp.SessionConfig{Window: 4096},
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// runSubmits sends b.N submits made by mk through s with the window full,
// and reports submits per second.
func runSubmits(b *testing.B, s *smpp.Session, mk func(i int) smpp.PDU, unit string, perSubmit float64) {
	var wg sync.WaitGroup
	var failed sync.Once
	done := func(p smpp.PDU, err error) {
		if err != nil || p.Hdr().Status != smpp.StatusOK {
			failed.Do(func() { b.Errorf("submit failed: %v %v", p, err) })
		}
		wg.Done()
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		wg.Add(1)
		if err := s.SendAsync(context.Background(), mk(i), done); err != nil {
			b.Fatal(err)
		}
	}
	wg.Wait()
	rate := float64(b.N) / time.Since(start).Seconds()
	b.ReportMetric(rate, unit)
	if perSubmit > 0 {
		b.ReportMetric(rate*perSubmit, "segments/s")
	}
}

// BenchmarkTransactionOverSMPP: 3-segment pushes in transaction mode over
// loopback SMPP, one bind, to a network that answers at once. Client and
// SMSC share this process and its 2 cores.
func BenchmarkTransactionOverSMPP(b *testing.B) {
	s := benchSMSC(b, nil)
	payload := payloadOf(300)
	runSubmits(b, s, func(i int) smpp.PDU {
		return pushSubmit("3584"+strconv.Itoa(10000000+i%100000), payload, 0x02)
	}, "pushes/s", 3)
}

// BenchmarkStoreForwardOverSMPP: store-and-forward submits over loopback
// SMPP with the durable SQLite store (synchronous=FULL, group commit): the
// submit_sm_resp goes only after the commit.
func BenchmarkStoreForwardOverSMPP(b *testing.B) {
	st, err := store.OpenSQLite(filepath.Join(b.TempDir(), "smsc.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	s := benchSMSC(b, st)
	runSubmits(b, s, func(i int) smpp.PDU {
		return &smpp.SubmitSM{ShortMessage: smpp.ShortMessage{
			SourceAddr: "1234", DestAddrTON: 1, DestinationAddr: "3584" + strconv.Itoa(10000000+i%100000),
			ShortMessage: []byte("store and forward benchmark message"),
		}}
	}, "submits/s", 0)
}

// BenchmarkTransactionMemoryInFlight: memory per transaction parked in the
// SMSC with 10,000 in flight, measured over SMPP (the SMSC's session,
// parked request and transaction; the client side is measured in package
// smpp).
func BenchmarkTransactionMemoryInFlight(b *testing.B) {
	const n = 10000
	for i := 0; i < b.N; i++ {
		hold := &holdAir{}
		sc, err := New(Config{}, hold, nil, store.NewMemory())
		if err != nil {
			b.Fatal(err)
		}
		payload := payloadOf(300)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		var wg sync.WaitGroup
		wg.Add(n)
		for j := 0; j < n; j++ {
			sm := pushSubmit("3584"+strconv.Itoa(10000000+j), payload, 0x02)
			m, _ := sc.validate(&sm.ShortMessage)
			segs, err := sc.segments(m)
			if err != nil {
				b.Fatal(err)
			}
			sc.txn.Submit(TxnRequest{Account: "a", Traffic: Push, Segments: segs}, func(TxnOutcome) { wg.Done() })
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "B/txn")
		hold.release()
		wg.Wait()
	}
}

// holdAir keeps every attempt until released.
type holdAir struct {
	mu    sync.Mutex
	dones []func(radio.Result)
}

func (h *holdAir) Deliver(sms radio.SMS, done func(radio.Result)) {
	h.mu.Lock()
	h.dones = append(h.dones, done)
	h.mu.Unlock()
}

func (h *holdAir) release() {
	for {
		h.mu.Lock()
		ds := h.dones
		h.dones = nil
		h.mu.Unlock()
		if len(ds) == 0 {
			return
		}
		for _, d := range ds {
			d(radio.Result{})
		}
	}
}
