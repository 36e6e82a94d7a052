package smsc

import (
	"fmt"
	"testing"
	"time"

	"github.com/txpush/txpush/radio"
)

func TestExponentialSchedule(t *testing.T) {
	s := ExponentialSchedule(300*time.Second, 24*time.Hour)
	absent := &radio.Error{Code: radio.AbsentSubscriberSM}
	tests := []struct {
		failures int
		want     time.Duration
	}{
		{0, 300 * time.Second}, // not a failure count; treated as the first
		{1, 300 * time.Second},
		{2, 600 * time.Second},
		{3, 1200 * time.Second},
		{4, 2400 * time.Second},
		{5, 4800 * time.Second},
		{6, 9600 * time.Second},
		{7, 19200 * time.Second},
		{8, 38400 * time.Second},
		{9, 76800 * time.Second}, // 21 h 20 min: the last below the cap
		{10, 24 * time.Hour},
		{11, 24 * time.Hour},
		{1000, 24 * time.Hour},
		{1 << 62, 24 * time.Hour},
	}
	for _, tt := range tests {
		if got := s.Delay(tt.failures, absent); got != tt.want {
			t.Errorf("Delay(%d) = %v, want %v", tt.failures, got, tt.want)
		}
	}
}

func TestExponentialScheduleBounds(t *testing.T) {
	tests := []struct {
		first, cap time.Duration
		failures   int
		want       time.Duration
	}{
		{0, time.Hour, 1, time.Second},
		{-time.Minute, time.Hour, 3, 4 * time.Second},
		{time.Minute, 0, 5, time.Minute},                     // cap below first: first
		{time.Minute, 90 * time.Second, 2, 90 * time.Second}, // a cap that is no power of two
		{time.Duration(1) << 61, time.Duration(1<<63 - 1), 10, time.Duration(1<<63 - 1)},
	}
	for _, tt := range tests {
		got := ExponentialSchedule(tt.first, tt.cap).Delay(tt.failures, nil)
		if got != tt.want {
			t.Errorf("ExponentialSchedule(%v, %v).Delay(%d) = %v, want %v", tt.first, tt.cap, tt.failures, got, tt.want)
		}
	}
}

func TestOperatorSchedule(t *testing.T) {
	s := OperatorSchedule()
	systemFailure := &radio.Error{Code: radio.SystemFailure}
	memoryFull := &radio.Error{Code: radio.SMDeliveryFailure, Cause: radio.MemoryCapacityExceeded}
	tests := []struct {
		err      *radio.Error
		failures int
		want     time.Duration
	}{
		{systemFailure, 1, time.Minute},
		{systemFailure, 5, time.Minute},
		{systemFailure, 6, 10 * time.Minute},
		{systemFailure, 11, 10 * time.Minute},
		{systemFailure, 12, time.Hour},
		{systemFailure, 34, time.Hour},
		{systemFailure, 500, time.Hour}, // past 24 h: hourly until validity ends
		{memoryFull, 3, time.Minute},
		{nil, 7, 10 * time.Minute},
		{&radio.Error{Code: radio.AbsentSubscriberSM}, 1, time.Hour},
		{&radio.Error{Code: radio.AbsentSubscriber}, 2, time.Hour},
		{&radio.Error{Code: radio.AbsentSubscriberSM}, 40, time.Hour},
	}
	for _, tt := range tests {
		if got := s.Delay(tt.failures, tt.err); got != tt.want {
			t.Errorf("Delay(%d, %v) = %v, want %v", tt.failures, tt.err, got, tt.want)
		}
	}
}

// TestOperatorScheduleTimeline checks the schedule against its description:
// the retry times, counted from the first failure with attempts taking no
// time, fall on every minute to 5 min, every 10 min to 65 min, then every
// hour.
func TestOperatorScheduleTimeline(t *testing.T) {
	s := OperatorSchedule()
	err := &radio.Error{Code: radio.SystemFailure}
	var at time.Duration
	var got []time.Duration
	for failures := 1; at < 26*time.Hour; failures++ {
		at += s.Delay(failures, err)
		got = append(got, at)
	}
	var want []time.Duration
	for m := 1; m <= 5; m++ {
		want = append(want, time.Duration(m)*time.Minute)
	}
	for m := 15; m <= 65; m += 10 {
		want = append(want, time.Duration(m)*time.Minute)
	}
	for h := 1; 65*time.Minute+time.Duration(h)*time.Hour < 27*time.Hour && len(want) < len(got); h++ {
		want = append(want, 65*time.Minute+time.Duration(h)*time.Hour)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("retry times\n got %v\nwant %v", got, want)
	}
}
