package sim

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/txpush/txpush/clock"
	"github.com/txpush/txpush/handset"
	"github.com/txpush/txpush/pap"
	"github.com/txpush/txpush/ppg"
	"github.com/txpush/txpush/radio"
	"github.com/txpush/txpush/smsc"
	"github.com/txpush/txpush/store"
)

// epoch is when every run starts, on its virtual clock.
var epoch = time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)

// Result is what one run of one mode measured.
type Result struct {
	Mode string
	// Param and Value name the point of a sweep ("" for a single run); X
	// is Value as a number, for plots (seconds for durations).
	Param, Value string
	X            float64

	Pushes   int // sent by the PI
	Accepted int // answered 1001
	// Reassembled within 30 s, 5 min and 1 h of acceptance, at the
	// handset (Delivered gives those reassembled ever).
	Within30s, Within5m, Within1h int
	// Latency from acceptance to reassembly at the handset, of the pushes
	// reassembled (before the horizon), sorted.
	Latencies []time.Duration
	// AirSMS counts SMS sent to the air, retries included.
	AirSMS uint64
	// What the PI was told, and when: Known holds the time from
	// acceptance until the final outcome was recorded, sorted, for the
	// pushes told delivered or failed. Unknown counts those told the
	// outcome is unknown, or never told anything before the horizon.
	ToldDelivered, ToldFailed, Unknown int
	Known                              []time.Duration
	// FalseDelivered counts pushes the PI was told were delivered that
	// the handset never reassembled; FalseFailed pushes it was told
	// failed (or unknown) that the handset did reassemble.
	FalseDelivered, FalseFailed int
	// Simulated is the simulated time the run covered; Wall the real
	// time it took.
	Simulated, Wall time.Duration
}

// Share returns n as a fraction of the pushes sent.
func (r *Result) Share(n int) float64 {
	if r.Pushes == 0 {
		return 0
	}
	return float64(n) / float64(r.Pushes)
}

// Delivered counts the pushes reassembled at the handset before the
// horizon.
func (r *Result) Delivered() int { return len(r.Latencies) }

// SMSPerDelivered is the air cost: SMS sent per push reassembled.
func (r *Result) SMSPerDelivered() float64 {
	if r.Delivered() == 0 {
		return 0
	}
	return float64(r.AirSMS) / float64(r.Delivered())
}

// Percentile returns the q-th quantile (0 to 1) of sorted durations, and
// false when there are none.
func Percentile(sorted []time.Duration, q float64) (time.Duration, bool) {
	if len(sorted) == 0 {
		return 0, false
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)], true
}

// pushRecord is what a run learns of one push.
type pushRecord struct {
	accepted, reassembled, told time.Time
	state                       store.DeliveryState
}

// recorder watches a run: the handsets' events and the PPG's final
// records.
type recorder struct {
	clk    *clock.Virtual
	pushes []pushRecord
}

// event is the handsets' OnEvent.
func (r *recorder) event(ev handset.Event) {
	if ev.Kind != handset.EventPush {
		return
	}
	i, ok := pushOf(ev.Href)
	if !ok || i >= len(r.pushes) {
		return
	}
	if p := &r.pushes[i]; p.reassembled.IsZero() {
		p.reassembled = ev.Reassembled
	}
}

// recordingStore is the PPG's push store with an eye on the final states:
// the moment the PPG records one is when the PI is told (a result
// notification goes out as the record is written).
type recordingStore struct {
	store.PushStore
	r *recorder
}

func (s *recordingStore) UpdateDeliveryAsync(u store.DeliveryUpdate, done func(error)) {
	s.note(u)
	s.PushStore.UpdateDeliveryAsync(u, done)
}

func (s *recordingStore) UpdateDelivery(ctx context.Context, u store.DeliveryUpdate) error {
	s.note(u)
	return s.PushStore.UpdateDelivery(ctx, u)
}

func (s *recordingStore) note(u store.DeliveryUpdate) {
	if !u.Delivery.State.Final() {
		return
	}
	id, ok := strings.CutPrefix(u.PushID, "sim-")
	if !ok {
		return
	}
	i, ok := pushNumber(id)
	if !ok || i >= len(s.r.pushes) {
		return
	}
	if p := &s.r.pushes[i]; p.told.IsZero() {
		p.told, p.state = s.r.clk.Now(), u.Delivery.State
	}
}

// Run sends cfg's pushes by mode and measures what happens, on a virtual
// clock, until the horizon after the last push or until nothing is left
// to happen.
func Run(cfg Config, mode Mode) (*Result, error) {
	w, err := newWorkload(cfg)
	if err != nil {
		return nil, err
	}
	return w.run(mode)
}

func (w *workload) run(mode Mode) (*Result, error) {
	cfg := w.cfg
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Pushes > maxPushes {
		return nil, fmt.Errorf("sim: %d pushes: at most %d", cfg.Pushes, maxPushes)
	}
	started := time.Now()
	clk := clock.NewVirtual(epoch)
	rec := &recorder{clk: clk, pushes: make([]pushRecord, cfg.Pushes)}

	network, err := radio.New(clk, cfg.Network)
	if err != nil {
		return nil, err
	}
	pop, err := handset.NewPopulation(handset.Config{
		Clock:            clk,
		Reassembly:       cfg.Reassembly,
		MaxPending:       cfg.Pushes * maxSegments,
		MaxPendingOctets: cfg.Pushes * maxSegments * 140,
		OnEvent:          rec.event,
	})
	if err != nil {
		return nil, err
	}
	defer pop.Close()
	network.AttachAll(pop.Receive)

	var disp ppg.Dispatcher
	switch mode.Kind {
	case Transaction:
		txn := cfg.Txn
		txn.MaxInFlight = max(txn.MaxInFlight, cfg.Pushes)
		txn.MaxInFlightPerAccount = max(txn.MaxInFlightPerAccount, cfg.Pushes)
		sc, err := smsc.New(smsc.Config{Clock: clk, Txn: txn}, network, nil, store.NewMemory())
		if err != nil {
			return nil, err
		}
		disp = &ppg.InProcessDispatcher{SMSC: sc, Account: "ppg"}
	case Classic:
		messages := store.NewMemory()
		cd := &classicDispatcher{
			clk:            clk,
			ids:            messages,
			split:          ppg.NewPushSplitter(clk),
			receiptTimeout: cfg.ReceiptTimeout,
			parts:          make(map[string]classicPart),
		}
		cd.saf = smsc.NewSAFEngine(clk, network, network, nil, messages, mode.SAF, smsc.SAFEvents{OnFinal: cd.final})
		disp = cd
	default:
		return nil, fmt.Errorf("sim: mode %q has no kind", mode.Name)
	}

	st := &recordingStore{PushStore: store.NewPushMemory(), r: rec}
	p, err := ppg.New(ppg.Config{
		Clock:                   clk,
		SenderAddress:           "http://ppg.sim/pap",
		RetryUntilDeliverBefore: mode.PPGRetry,
		RetryInterval:           cfg.PPGRetryInterval,
		MaxInFlight:             cfg.Pushes,
		// A run keeps every push: the results are read from them.
		Retention: -1,
	}, st, disp)
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	if err := p.Start(ctx); err != nil {
		return nil, err
	}
	defer p.Close()

	res := &Result{Mode: mode.Name, Pushes: cfg.Pushes}
	plans := w.plans()
	gap := time.Duration(float64(time.Second) / cfg.Rate)
	var pushErr error
	// One timer at a time brings the pushes in, each at its arrival.
	var arrive func(i int)
	arrive = func(i int) {
		now := clk.Now()
		req, err := w.request(i, plans[i], now)
		if err != nil {
			pushErr = err
			return
		}
		resp := p.Push(ctx, "", req)
		if resp.Result.Code == pap.CodeAccepted {
			res.Accepted++
			rec.pushes[i].accepted = now
		}
		if i+1 < cfg.Pushes {
			clk.AfterFunc(gap, func() { arrive(i + 1) })
		}
	}
	clk.AfterFunc(0, func() { arrive(0) })

	end := epoch.Add(time.Duration(cfg.Pushes)*gap + cfg.Horizon)
	for pushErr == nil {
		next, ok := clk.Next()
		if !ok || next.After(end) {
			break
		}
		clk.AdvanceTo(next)
	}
	if pushErr != nil {
		return nil, pushErr
	}
	res.Simulated = clk.Now().Sub(epoch)
	res.AirSMS = network.Stats().Attempts
	res.tally(rec.pushes)
	res.Wall = time.Since(started)
	return res, nil
}

// tally turns the pushes' records into the result's counts.
func (r *Result) tally(pushes []pushRecord) {
	for _, p := range pushes {
		if p.accepted.IsZero() {
			continue
		}
		got := !p.reassembled.IsZero()
		if got {
			lat := p.reassembled.Sub(p.accepted)
			r.Latencies = append(r.Latencies, lat)
			if lat <= 30*time.Second {
				r.Within30s++
			}
			if lat <= 5*time.Minute {
				r.Within5m++
			}
			if lat <= time.Hour {
				r.Within1h++
			}
		}
		switch {
		case p.told.IsZero() || p.state == store.DeliveryUnknown:
			r.Unknown++
			if got {
				r.FalseFailed++
			}
		case p.state == store.DeliveryDelivered:
			r.ToldDelivered++
			r.Known = append(r.Known, p.told.Sub(p.accepted))
			if !got {
				r.FalseDelivered++
			}
		default:
			r.ToldFailed++
			r.Known = append(r.Known, p.told.Sub(p.accepted))
			if got {
				r.FalseFailed++
			}
		}
	}
	slices.Sort(r.Latencies)
	slices.Sort(r.Known)
}
