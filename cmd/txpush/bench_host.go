package main

import (
	"fmt"
	"time"

	"github.com/txpush/txpush/internal/refpdu"
	"github.com/txpush/txpush/smpp"
)

// hostReferenceTime is how long the bench times the reference on each side
// of a run.
const hostReferenceTime = 300 * time.Millisecond

// hostReference times a fixed piece of CPU work, encoding the submit_sm the
// SMPP targets are stated for (refpdu's, which smpp's
// BenchmarkAppendSubmitSM encodes) into a reused buffer, for about d, and
// returns the nanoseconds one encoding took. On a shared host the load of
// the other tenants moves every figure of a run, by up to twice from one
// minute to the next on the 2-core VMs this project is measured on; this
// one, taken on each side of a run, says how slow the host was then, so that
// runs made at different times can be told apart from a change in the code.
// The work allocates nothing, so that the bench's own heap, which a
// collection would have to mark, does not weigh on it.
func hostReference(d time.Duration) (float64, error) {
	pdu, err := refpdu.SubmitSM()
	if err != nil {
		return 0, err
	}
	p, err := smpp.Unmarshal(pdu, 0)
	if err != nil {
		return 0, fmt.Errorf("host reference: %w", err)
	}
	buf := make([]byte, 0, 2*len(pdu))
	const batch = 1024
	n := 0
	start := time.Now()
	for {
		for range batch {
			if buf, err = smpp.Append(buf[:0], p); err != nil {
				return 0, fmt.Errorf("host reference: %w", err)
			}
		}
		n += batch
		if took := time.Since(start); took >= d {
			return float64(took.Nanoseconds()) / float64(n), nil
		}
	}
}
