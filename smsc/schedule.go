package smsc

import (
	"time"

	"github.com/txpush/txpush/radio"
)

// The two retry schedules of sim-parameters.md. Both depend only on how many
// times the message (or, with one queue per destination, the queue's head)
// has failed since its last success, never on the wall time, so the same
// schedule gives the same figures on a real and on a virtual clock. A
// subscriber-busy failure never reaches a schedule: the engine retries it
// after SAFConfig.BusyRetry.

// ExponentialSchedule returns the schedule of RestComm's SMSC: wait first
// after the first failure, then twice as long after each further failure,
// never longer than cap. ExponentialSchedule(300*time.Second, 24*time.Hour)
// waits 5, 10, 20, 40, 80, 160, 320, 640 and 1280 minutes, then 24 hours
// after every further failure.
//
// A first of zero or less is taken as one second, so that a misconfigured
// schedule cannot retry in a tight loop; a cap below first is taken as
// first.
func ExponentialSchedule(first, cap time.Duration) RetrySchedule {
	if first <= 0 {
		first = time.Second
	}
	if cap < first {
		cap = first
	}
	return exponentialSchedule{first: first, cap: cap}
}

type exponentialSchedule struct{ first, cap time.Duration }

func (s exponentialSchedule) Delay(failures int, _ *radio.Error) time.Duration {
	d := s.first
	for i := 1; i < failures; i++ {
		if d > s.cap/2 {
			return s.cap // doubling would pass the cap, or overflow
		}
		d *= 2
	}
	return min(d, s.cap)
}

// The phases of OperatorSchedule.
const (
	operatorFastRetries   = 5 // one a minute: the first five minutes
	operatorMediumRetries = 6 // one every ten minutes: the next hour
	operatorFast          = time.Minute
	operatorMedium        = 10 * time.Minute
	operatorSlow          = time.Hour
)

// OperatorSchedule returns the schedule operators commonly use instead of
// an exponential one: after a temporary failure, retry every minute for
// five minutes (failures 1 to 5), then every ten minutes for the next hour
// (failures 6 to 11), then hourly. The operators' "hourly to 24 hours" is
// bounded by the message's validity, not by the schedule: past 24 hours the
// schedule keeps retrying hourly, and the message expires when its
// validity period ends (72 hours by default).
//
// A subscriber known to be absent (absentSubscriberSM, absentSubscriber) is
// retried hourly from the first failure: the network will say when the
// handset returns (Alert-SC), so frequent retries would only load the HLR.
func OperatorSchedule() RetrySchedule { return operatorSchedule{} }

type operatorSchedule struct{}

func (operatorSchedule) Delay(failures int, err *radio.Error) time.Duration {
	if err != nil && (err.Code == radio.AbsentSubscriberSM || err.Code == radio.AbsentSubscriber) {
		return operatorSlow
	}
	switch {
	case failures <= operatorFastRetries:
		return operatorFast
	case failures <= operatorFastRetries+operatorMediumRetries:
		return operatorMedium
	default:
		return operatorSlow
	}
}
