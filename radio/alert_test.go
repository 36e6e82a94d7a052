package radio

import (
	"testing"
	"time"
)

type alertRecord struct {
	msisdn string
	at     time.Time
}

func absenceConfig(alertSC bool) Config {
	cfg := quietConfig().withAbsence(0.5, 10*time.Minute)
	cfg.AllowConcurrent = true
	cfg.AlertSC = alertSC
	return cfg
}

// returnTime is when msisdn's current spell ends, and whether it is absent.
func returnTime(n *Network, msisdn string, at time.Time) (bool, time.Time) {
	n.mu.Lock()
	defer n.mu.Unlock()
	absent, until := n.handset(msisdn).presence.at(at.Sub(n.epoch), &n.absence)
	return absent, n.epoch.Add(until)
}

// Alert-SC comes once per return, 1–5 s after it, and only for subscribers
// to whom a delivery failed as absent.
func TestAlertSC(t *testing.T) {
	n, clk := newNetwork(t, absenceConfig(true))
	var alerts []alertRecord
	n.OnAlert(func(m string) { alerts = append(alerts, alertRecord{m, clk.Now()}) })
	var second []alertRecord // a second registration sees the same alerts
	n.OnAlert(func(m string) { second = append(second, alertRecord{m, clk.Now()}) })

	const handsets = 200
	returns := map[string]time.Time{} // subscribers that failed as absent
	for i := range handsets {
		m := msisdn(i)
		r := deliver(t, n, clk, sms(m, false))
		absentAtStart, back := returnTime(n, m, r.Start)
		if (r.Err != nil) != absentAtStart {
			t.Fatalf("%s: %v, but absent=%v", m, r.Err, absentAtStart)
		}
		if r.Err == nil {
			continue
		}
		if r.Err.Code != AbsentSubscriberSM {
			t.Fatalf("%s: %v, want absentSubscriberSM", m, r.Err)
		}
		returns[m] = back
		// More failures in the same absence add no alert.
		for clk.Now().Add(3*time.Second).Before(back) && len(returns)%2 == 0 {
			if r := deliver(t, n, clk, sms(m, false)); r.Err == nil || r.Err.Code != AbsentSubscriberSM {
				t.Fatalf("%s: %v during the absence", m, r.Err)
			}
			clk.Advance(time.Minute)
		}
	}
	if len(returns) < 20 {
		t.Fatalf("only %d subscribers were absent; the test needs more", len(returns))
	}
	clk.Advance(24 * time.Hour)

	seen := map[string]int{}
	for _, a := range alerts {
		seen[a.msisdn]++
		back, ok := returns[a.msisdn]
		if !ok {
			t.Errorf("alert for %s, to whom no delivery failed", a.msisdn)
			continue
		}
		if a.at.Before(back.Add(time.Second)) || a.at.After(back.Add(5*time.Second)) {
			t.Errorf("alert for %s at %v, want 1–5 s after the return at %v", a.msisdn, a.at.Sub(epoch), back.Sub(epoch))
		}
	}
	for m := range returns {
		if seen[m] != 1 {
			t.Errorf("%s: %d alerts, want 1", m, seen[m])
		}
	}
	if len(second) != len(alerts) || n.Stats().Alerts != uint64(len(alerts)) {
		t.Errorf("second handler saw %d alerts, Stats %d, first %d", len(second), n.Stats().Alerts, len(alerts))
	}

	// The next absence with a failure gives the next alert.
	var m string
	for m = range returns {
		break
	}
	absent, next := returnTime(n, m, clk.Now())
	if !absent {
		clk.AdvanceTo(next.Add(time.Millisecond))
	}
	absent, back := returnTime(n, m, clk.Now())
	if !absent {
		t.Fatalf("%s not absent at %v", m, clk.Now().Sub(epoch))
	}
	before := len(alerts)
	if r := deliver(t, n, clk, sms(m, false)); r.Err == nil || r.Err.Code != AbsentSubscriberSM {
		t.Fatalf("%s: %v, want absentSubscriberSM", m, r.Err)
	}
	clk.AdvanceTo(back.Add(5 * time.Second))
	if len(alerts) != before+1 || alerts[before].msisdn != m {
		t.Errorf("after the second absence: %d new alerts, want one for %s", len(alerts)-before, m)
	}
}

// An attempt that starts while the subscriber is absent and ends after the
// return still gets its alert, at once.
func TestAlertAfterLateFailure(t *testing.T) {
	cfg := absenceConfig(true)
	n, clk := newNetwork(t, cfg)
	var alerts []alertRecord
	n.OnAlert(func(m string) { alerts = append(alerts, alertRecord{m, clk.Now()}) })
	for i := range 1000 {
		m := msisdn(i)
		absent, back := returnTime(n, m, clk.Now())
		if !absent {
			continue
		}
		// Start 0.5 s before the return: the failure comes 2.1 s after it.
		clk.AdvanceTo(back.Add(-500 * time.Millisecond))
		r := deliver(t, n, clk, sms(m, false))
		if r.Err == nil || r.Err.Code != AbsentSubscriberSM {
			t.Fatalf("%s: %v, want absentSubscriberSM", m, r.Err)
		}
		clk.Advance(5 * time.Second)
		if len(alerts) != 1 || alerts[0].msisdn != m || alerts[0].at.Before(r.End) || alerts[0].at.After(back.Add(5*time.Second)) {
			t.Fatalf("alerts %v, want one for %s between %v and %v", alerts, m, r.End.Sub(epoch), back.Add(5*time.Second).Sub(epoch))
		}
		return
	}
	t.Fatal("no absent subscriber found")
}

func TestAlertSCDisabled(t *testing.T) {
	n, clk := newNetwork(t, absenceConfig(false))
	alerts := 0
	n.OnAlert(func(string) { alerts++ })
	failed := 0
	for i := range 200 {
		if r := deliver(t, n, clk, sms(msisdn(i), false)); r.Err != nil {
			failed++
		}
	}
	clk.Advance(24 * time.Hour)
	if failed == 0 {
		t.Fatal("no delivery failed as absent; the test tests nothing")
	}
	if alerts != 0 || n.Stats().Alerts != 0 {
		t.Errorf("%d alerts with AlertSC off", alerts)
	}
}

// A full memory is freed at once in this model: the alert follows the
// failure after the alert delay.
func TestAlertAfterMemoryFull(t *testing.T) {
	cfg := quietConfig()
	cfg.MemoryFull = 1
	n, clk := newNetwork(t, cfg)
	var alerts []alertRecord
	n.OnAlert(func(m string) { alerts = append(alerts, alertRecord{m, clk.Now()}) })
	r := deliver(t, n, clk, sms("447700900020", false))
	if r.Err == nil || *r.Err != (Error{Code: SMDeliveryFailure, Cause: MemoryCapacityExceeded}) {
		t.Fatalf("%v, want memoryCapacityExceeded", r.Err)
	}
	clk.Advance(time.Minute)
	if len(alerts) != 1 || alerts[0].at.Before(r.End.Add(time.Second)) || alerts[0].at.After(r.End.Add(5*time.Second)) {
		t.Errorf("alerts %v, want one 1–5 s after %v", alerts, r.End.Sub(epoch))
	}
}
