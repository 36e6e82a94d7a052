package sim

import (
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/txpush/txpush/radio"
	"github.com/txpush/txpush/wap/content"
)

// mode returns the named mode or fails the test.
func mode(t *testing.T, name string) Mode {
	t.Helper()
	ms, err := ModesNamed([]string{name})
	if err != nil {
		t.Fatal(err)
	}
	return ms[0]
}

func run(t *testing.T, cfg Config, m Mode) *Result {
	t.Helper()
	r, err := Run(cfg, m)
	if err != nil {
		t.Fatal(err)
	}
	if r.Accepted != cfg.Pushes {
		t.Fatalf("%s: %d of %d pushes accepted", m.Name, r.Accepted, cfg.Pushes)
	}
	return r
}

// idealConfig is a network where nothing fails and every SMS takes 10 ms.
func idealConfig(t *testing.T, pushes, segments int) Config {
	t.Helper()
	net, err := radio.Profile("ideal")
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Network, cfg.Pushes, cfg.Segments = net, pushes, segments
	return cfg
}

// TestNoFailuresDeliverEverything: with nothing failing, every mode
// delivers every push, tells the PI so, and a push of k segments is
// reassembled k × 10 ms after it was accepted where the segments go one
// after another, 10 ms each (transaction mode, one queue per
// destination), and 10 ms after where each part has its own queue and all
// go at once.
func TestNoFailuresDeliverEverything(t *testing.T) {
	for _, segments := range []int{1, 3} {
		cfg := idealConfig(t, 500, segments)
		for _, m := range Modes() {
			r := run(t, cfg, m)
			if r.Delivered() != cfg.Pushes || r.Within30s != cfg.Pushes || r.ToldDelivered != cfg.Pushes {
				t.Errorf("%s, %d segments: reassembled %d (%d within 30 s), told delivered %d, of %d",
					m.Name, segments, r.Delivered(), r.Within30s, r.ToldDelivered, cfg.Pushes)
			}
			if r.Unknown != 0 || r.ToldFailed != 0 || r.FalseDelivered != 0 || r.FalseFailed != 0 {
				t.Errorf("%s: %+v", m.Name, r)
			}
			want := time.Duration(segments) * 10 * time.Millisecond
			if m.SAF.IndependentMessages {
				want = 10 * time.Millisecond
			}
			if r.Latencies[0] != want || r.Latencies[len(r.Latencies)-1] != want {
				t.Errorf("%s, %d segments: latency %v to %v, want %v", m.Name, segments,
					r.Latencies[0], r.Latencies[len(r.Latencies)-1], want)
			}
			if got := r.AirSMS; got != uint64(cfg.Pushes*segments) {
				t.Errorf("%s: %d SMS on the air, want %d", m.Name, got, cfg.Pushes*segments)
			}
		}
	}
}

// TestIndependentFailuresNoRetries: when every attempt fails on its own
// with probability p and nothing is tried twice, a two-segment push
// arrives with probability (1-p)², in transaction mode and on the classic
// path alike, within the sampling error.
func TestIndependentFailuresNoRetries(t *testing.T) {
	const p, pushes = 0.1, 20000
	cfg := idealConfig(t, pushes, 2)
	cfg.Network.TransientFailure, cfg.Network.CongestedFailure = p, p
	cfg.Network.DialogueFailureFactor = 1 // the second segment is no luckier
	cfg.Network.AlertSC = false
	cfg.Txn.MaxAttempts = 1

	txn := mode(t, "txn")
	// Store-and-forward without retries: each part expires before its
	// first retry would be due, so it has one attempt; and a part that
	// follows a failed one in its queue expires waiting.
	saf := mode(t, "saf")
	saf.SAF.Validity = time.Minute

	want := (1 - p) * (1 - p)
	tolerance := 4 * math.Sqrt(want*(1-want)/pushes)
	for _, m := range []Mode{txn, saf} {
		r := run(t, cfg, m)
		got := r.Share(r.Delivered())
		if math.Abs(got-want) > tolerance {
			t.Errorf("%s: %.4f of two-segment pushes delivered, want (1-%v)² = %.4f ± %.4f", m.Name, got, p, want, tolerance)
		}
		if r.FalseDelivered != 0 {
			t.Errorf("%s: %d pushes told delivered that never arrived", m.Name, r.FalseDelivered)
		}
	}
}

// TestRetriesRecoverTransientFailures: with three attempts per segment
// and independent failures p, a segment is lost with probability p³; a
// two-segment transaction succeeds with probability (1-p³)².
func TestRetriesRecoverTransientFailures(t *testing.T) {
	const p, pushes = 0.3, 20000
	cfg := idealConfig(t, pushes, 2)
	cfg.Network.TransientFailure, cfg.Network.CongestedFailure = p, p
	cfg.Network.DialogueFailureFactor = 1
	cfg.Network.TransientErrors = []radio.WeightedError{{Err: radio.Error{Code: radio.SystemFailure}, Weight: 1}}
	r := run(t, cfg, mode(t, "txn"))
	lost := p * p * p
	want := (1 - lost) * (1 - lost)
	tolerance := 4 * math.Sqrt(want*(1-want)/pushes)
	if got := r.Share(r.Delivered()); math.Abs(got-want) > tolerance {
		t.Errorf("%.4f delivered, want (1-%v³)² = %.4f ± %.4f", got, p, want, tolerance)
	}
}

// TestLongAbsenceFavoursStoreAndForward: handsets away for hours defeat a
// 30 s deadline, while store-and-forward delivers when they come back: the
// case where transaction mode alone does not win.
func TestLongAbsenceFavoursStoreAndForward(t *testing.T) {
	cfg := idealConfig(t, 2000, 1)
	cfg.Network.AbsentShare, cfg.Network.AbsenceMean = 0.3, 3*time.Hour
	txn := run(t, cfg, mode(t, "txn"))
	saf := run(t, cfg, mode(t, "saf"))
	if !(txn.Share(txn.Delivered()) < 0.8 && saf.Share(saf.Delivered()) > 0.99) {
		t.Errorf("txn delivered %.3f, saf %.3f: want txn to lose about the absent share and saf to deliver nearly all",
			txn.Share(txn.Delivered()), saf.Share(saf.Delivered()))
	}
}

// TestDeterministic: the same configuration gives the same results.
func TestDeterministic(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Pushes = 3000
	for _, name := range []string{"txn-retry", "saf-noqueue"} {
		a, b := run(t, cfg, mode(t, name)), run(t, cfg, mode(t, name))
		a.Wall, b.Wall = 0, 0
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: two runs differ:\n%+v\n%+v", name, a, b)
		}
	}
}

// TestWorkloadSegments: the workload's pushes need the SMS they are meant
// to, and the mix comes out in its shares.
func TestWorkloadSegments(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Pushes = 20000
	w, err := newWorkload(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for k := range numKinds {
		for n := 1; n <= maxSegments; n++ {
			if got, err := partsOf(k, w.pad[k][n]); err != nil || got != n {
				t.Errorf("%s padded for %d SMS needs %d (%v)", kindNames[k], n, got, err)
			}
		}
	}
	var count [numKinds][3]int
	for _, p := range w.plans() {
		count[p.kind][p.segments]++
	}
	share := func(k kind) float64 { return float64(count[k][1]+count[k][2]) / float64(cfg.Pushes) }
	two := func(k kind) float64 { return float64(count[k][2]) / float64(count[k][1]+count[k][2]) }
	for _, c := range []struct {
		k           kind
		share, two2 float64
	}{{kindSI, DefaultMix.SI, DefaultMix.SITwo}, {kindSL, DefaultMix.SL, DefaultMix.SLTwo}, {kindMMS, DefaultMix.MMS, DefaultMix.MMSTwo}} {
		if math.Abs(share(c.k)-c.share) > 0.02 || math.Abs(two(c.k)-c.two2) > 0.03 {
			t.Errorf("%s: share %.3f (want %.2f), two-segment %.3f (want %.2f)", kindNames[c.k], share(c.k), c.share, two(c.k), c.two2)
		}
	}
}

// TestSweepOrder: a sweep returns every point and mode, in order.
func TestSweepOrder(t *testing.T) {
	cfg := idealConfig(t, 200, 0)
	p, err := ParamNamed("segments")
	if err != nil {
		t.Fatal(err)
	}
	points, err := p.Points(cfg, []string{"1", "2"})
	if err != nil {
		t.Fatal(err)
	}
	modes := []Mode{mode(t, "saf"), mode(t, "txn")}
	results, err := Sweep(p.Name, points, modes, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range results {
		got = append(got, r.Value+"/"+r.Mode)
	}
	if want := []string{"1/saf", "1/txn", "2/saf", "2/txn"}; !reflect.DeepEqual(got, want) {
		t.Errorf("results %v, want %v", got, want)
	}
	if results[2].AirSMS != 400 {
		t.Errorf("2 segments × 200 pushes: %d SMS", results[2].AirSMS)
	}
	if _, err := p.Points(cfg, []string{"7"}); err == nil {
		t.Error("7 segments accepted")
	}
}

// TestMixParam: the mix sweep's values are names placed at 1, 2, 3…, each
// keeps only its kind of content, and an unknown name is refused.
func TestMixParam(t *testing.T) {
	p, err := ParamNamed("mix")
	if err != nil {
		t.Fatal(err)
	}
	points, err := p.Points(DefaultConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(points) != 4 || points[0].X != 1 || points[3].X != 4 || points[3].Value != "mms" {
		t.Fatalf("points %+v", points)
	}
	if m := points[1].Config.Mix; m.SI == 0 || m.SL != 0 || m.MMS != 0 {
		t.Errorf("the si mix is %+v", m)
	}
	if _, err := p.Points(DefaultConfig(), []string{"wml"}); err == nil {
		t.Error("an unknown mix accepted")
	}
}

// partsOf is how many SMS push 0 of kind k needs with pad octets of
// padding, compiled as the PPG compiles it.
func partsOf(k kind, pad int) (int, error) {
	e, err := entity(k, 0, pad)
	if err != nil {
		return 0, err
	}
	return content.PartCount(content.Content{Type: e.ContentType(), Body: e.Body}, content.Options{})
}
