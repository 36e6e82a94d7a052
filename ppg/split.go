package ppg

import (
	"errors"
	"time"

	"github.com/txpush/txpush/clock"
	"github.com/txpush/txpush/wap/content"
	"github.com/txpush/txpush/wap/wdp"
)

// PushSplitter splits a WSP push into the SMS user data the classic path
// submits one by one: a port IE (WSP connectionless to the push port) and,
// when the push needs several SMS, a concatenation IE under a reference
// held for the handset so that no other push to it reuses the reference
// while it may still be reassembling. LegacyDispatcher splits with it;
// so does the simulator's classic path.
type PushSplitter struct {
	refs *wdp.RefAllocator
}

// SplitPush is a push split by a PushSplitter: its parts in order, and
// the reference they carry, held until Release or the time Split was
// given.
type SplitPush struct {
	Parts  [][]byte
	msisdn string
	ref    uint16
	hasRef bool
}

// NewPushSplitter returns a splitter whose references run on clk.
func NewPushSplitter(clk clock.Clock) *PushSplitter {
	return &PushSplitter{refs: wdp.NewRefAllocator(clk, false)}
}

// Split splits payload for msisdn, holding its reference until until. An
// error wrapping wdp.ErrNoReference means every reference for the handset
// is held (try again later); any other error means the push cannot be
// split at all.
func (s *PushSplitter) Split(msisdn string, payload []byte, until time.Time) (SplitPush, error) {
	sp := SplitPush{msisdn: msisdn}
	opt := wdp.SegmentOptions{}
	if len(payload) > wdp.SinglePartMax {
		ref, err := s.refs.Allocate(msisdn, until)
		if err != nil {
			return sp, err
		}
		opt.Ref, sp.ref, sp.hasRef = ref, ref, true
	}
	parts, err := content.Segments(payload, opt)
	if err != nil {
		s.Release(sp)
		return SplitPush{}, err
	}
	sp.Parts = parts
	return sp, nil
}

// Release frees sp's reference at once: the handset has the push whole,
// or never got any of it.
func (s *PushSplitter) Release(sp SplitPush) {
	if sp.hasRef {
		s.refs.Release(sp.msisdn, sp.ref)
	}
}

// SplitFailure is the outcome of a push that could not be split into SMS,
// by the PPG or by the SMSC: busy when every concatenation reference
// towards the handset is held (one is freed in time), a permanent failure
// otherwise (the push or the MSISDN will never do).
func SplitFailure(err error) SubmitResult {
	if errors.Is(err, wdp.ErrNoReference) {
		return SubmitResult{Outcome: Busy, Err: err}
	}
	return SubmitResult{Outcome: Failed, Permanent: true, Err: err}
}
