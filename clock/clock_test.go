package clock

import (
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestVirtualFiresInOrder(t *testing.T) {
	v := NewVirtual(t0)
	var got []string
	at := map[string]time.Time{}
	add := func(name string, d time.Duration) {
		v.AfterFunc(d, func() { got = append(got, name); at[name] = v.Now() })
	}
	add("c", 3*time.Second)
	add("a", time.Second)
	add("b", 2*time.Second)
	add("a2", time.Second) // same instant as a: fires after it
	v.Advance(2500 * time.Millisecond)
	if want := []string{"a", "a2", "b"}; len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("fired %v, want %v", got, want)
	}
	if at["b"] != t0.Add(2*time.Second) {
		t.Fatalf("b saw %v", at["b"])
	}
	if v.Now() != t0.Add(2500*time.Millisecond) {
		t.Fatalf("now %v", v.Now())
	}
	if !v.Step() || got[3] != "c" || v.Now() != t0.Add(3*time.Second) {
		t.Fatalf("step: %v at %v", got, v.Now())
	}
	if v.Step() {
		t.Fatal("step with nothing pending")
	}
}

func TestVirtualStopReset(t *testing.T) {
	v := NewVirtual(t0)
	fired := 0
	tm := v.AfterFunc(time.Second, func() { fired++ })
	if !tm.Stop() || tm.Stop() {
		t.Fatal("Stop should report true once")
	}
	v.Advance(time.Hour)
	if fired != 0 {
		t.Fatal("stopped timer fired")
	}
	if tm.Reset(time.Minute) {
		t.Fatal("Reset of a stopped timer reported active")
	}
	v.Advance(59 * time.Second)
	if fired != 0 {
		t.Fatal("fired early")
	}
	v.Advance(time.Second)
	if fired != 1 {
		t.Fatal("did not fire after Reset")
	}
}

func TestVirtualChannelTimerAndCallbacksThatSchedule(t *testing.T) {
	v := NewVirtual(t0)
	ch := v.NewTimer(10 * time.Second)
	n := 0
	var tick func()
	tick = func() {
		n++
		if n < 5 {
			v.AfterFunc(time.Second, tick)
		}
	}
	v.AfterFunc(time.Second, tick)
	v.Advance(10 * time.Second)
	if n != 5 {
		t.Fatalf("rescheduling callback ran %d times, want 5", n)
	}
	select {
	case got := <-ch.C():
		if got != t0.Add(10*time.Second) {
			t.Fatalf("timer delivered %v", got)
		}
	default:
		t.Fatal("channel timer did not fire")
	}
}

func TestWaitForTimers(t *testing.T) {
	v := NewVirtual(t0)
	done := make(chan struct{})
	go func() {
		tm := v.NewTimer(time.Minute)
		<-tm.C()
		close(done)
	}()
	v.WaitForTimers(1)
	v.Advance(time.Minute)
	<-done
}

func TestRealClock(t *testing.T) {
	c := Real()
	fired := make(chan struct{})
	c.AfterFunc(time.Millisecond, func() { close(fired) })
	<-fired
	if Since(c, c.Now().Add(-time.Second)) < time.Second {
		t.Fatal("Since is wrong")
	}
}
