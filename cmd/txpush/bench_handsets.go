package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/txpush/txpush/handset"
	"github.com/txpush/txpush/smpp"
)

// benchHandsetBinds is how many receiver binds the bench's handsets make:
// one per last two digits of the MSISDN, so that the SMSC's windows
// towards them add up to 100 × 1,024 deliver_sm in flight, room for
// --hold to park thousands of transactions.
const benchHandsetBinds = 100

// benchHandsets are the handsets of a bench run: a handset.Population in
// the bench's process, bound to the SMSC as SMPP receivers, that
// reassembles and decodes every push and notes when each became whole.
// With a hold, each deliver_sm is answered only after it: the handset's
// side of the air takes that long, and the SMSC's transactions wait.
type benchHandsets struct {
	pop      *handset.Population
	sessions []*smpp.Session
}

// startBenchHandsets binds the handsets to the SMSC at addr; onPush is
// called with the MSISDN of each push reassembled, when it is.
func startBenchHandsets(ctx context.Context, addr string, hold time.Duration, onPush func(msisdn string)) (*benchHandsets, error) {
	pop, err := handset.NewPopulation(handset.Config{OnEvent: func(ev handset.Event) {
		if ev.Kind == handset.EventPush {
			onPush(ev.MSISDN)
		}
	}})
	if err != nil {
		return nil, err
	}
	h := &benchHandsets{pop: pop}
	serve := smpp.Handler(pop)
	if hold > 0 {
		serve = smpp.HandlerFunc(func(w smpp.ResponseWriter, r *smpp.Request) {
			w.Defer()
			time.AfterFunc(hold, func() { pop.ServeSMPP(w, r) })
		})
	}
	for i := range benchHandsetBinds {
		s, err := smpp.Dial(ctx, addr, smpp.DialConfig{
			Mode: smpp.Receiver,
			Params: smpp.BindParams{
				SystemID: "bench-handsets",
				// The bench's MSISDNs are 358 and nine digits.
				AddressRange: fmt.Sprintf(`358\d{7}%02d`, i),
			},
			Session: smpp.SessionConfig{Handler: serve},
		})
		if err != nil {
			h.close(ctx)
			return nil, fmt.Errorf("binding the handsets: %w", err)
		}
		h.sessions = append(h.sessions, s)
	}
	return h, nil
}

// close unbinds the handsets.
func (h *benchHandsets) close(ctx context.Context) {
	for _, s := range h.sessions {
		uctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		if err := s.Unbind(uctx); err != nil {
			s.Close()
		}
		cancel()
	}
	h.pop.Close()
}

// benchIndexOf reads the push index back from the MSISDN the bench sent
// it to (+358 and the index in nine digits).
func benchIndexOf(msisdn string) (int, bool) {
	digits := msisdn[max(0, len(msisdn)-benchToDigits):]
	if len(digits) != benchToDigits {
		return 0, false
	}
	n, err := strconv.Atoi(digits)
	return n, err == nil && n >= 0
}
