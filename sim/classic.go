package sim

import (
	"context"
	"errors"
	"time"

	"github.com/txpush/txpush/clock"
	"github.com/txpush/txpush/ppg"
	"github.com/txpush/txpush/smsc"
	"github.com/txpush/txpush/store"
)

// The fields of a store-and-forward part, as ppg.LegacyDispatcher
// submits them.
const (
	esmStoreForwardUDHI = 0x43
	dataCoding8bit      = 0x04
	receiptOnFinal      = 0x01
)

var errNoReceipt = errors.New("no receipt for every part before the receipt timeout")

// classicDispatcher is the classic path of the simulation: what
// ppg.LegacyDispatcher does with an SMSC over SMPP, with the SMSC's
// store-and-forward engine called directly. Each push is split by the
// PPG's splitter (ppg.PushSplitter, the legacy dispatcher's), each part stored as
// its own message asking for a receipt, and the push concluded as the
// legacy dispatcher concludes it: delivered when every part's receipt
// says delivered, failed at the first part that failed for good, unknown
// when the receipts have not all come by the receipt timeout.
type classicDispatcher struct {
	clk            clock.Clock
	saf            *smsc.SAFEngine
	ids            store.MessageStore
	split          *ppg.PushSplitter
	receiptTimeout time.Duration

	parts map[string]classicPart // by message id, until the part is final
}

type classicPart struct {
	push  *classicPush
	index int
}

type classicPush struct {
	done      func(ppg.SubmitResult)
	split     ppg.SplitPush
	ids       []string
	delivered int
	finished  bool
	timer     clock.Timer
}

// Submit implements ppg.Dispatcher.
func (d *classicDispatcher) Submit(req ppg.SubmitRequest, done func(ppg.SubmitResult)) {
	now := d.clk.Now()
	p := &classicPush{done: done}
	// The reference is held, as the legacy dispatcher holds it, while the
	// handset may still be reassembling.
	var err error
	p.split, err = d.split.Split(req.MSISDN, req.Payload, now.Add(d.receiptTimeout+ppg.DefaultRefHold))
	if err != nil {
		done(ppg.SplitFailure(err))
		return
	}
	p.timer = d.clk.AfterFunc(d.receiptTimeout, func() {
		d.finish(p, ppg.SubmitResult{Outcome: ppg.Unknown, Err: errNoReceipt})
	})
	for i, ud := range p.split.Parts {
		id, err := d.ids.NextID(context.Background())
		if err != nil {
			d.finish(p, ppg.SubmitResult{Outcome: ppg.Failed, Err: err})
			return
		}
		p.ids = append(p.ids, id)
		d.parts[id] = classicPart{push: p, index: i}
		d.saf.Submit(&store.Message{
			ID:                 id,
			Account:            "ppg",
			Source:             store.Address{TON: 5, Addr: "PPG"},
			Dest:               store.Address{TON: 1, NPI: 1, Addr: req.MSISDN},
			ESMClass:           esmStoreForwardUDHI,
			DataCoding:         dataCoding8bit,
			RegisteredDelivery: receiptOnFinal,
			UserData:           ud,
			SubmittedAt:        now,
		}, func(err error) {
			if err != nil {
				d.finish(p, ppg.SubmitResult{Outcome: ppg.Failed, Err: err})
			}
		})
	}
}

// final is the store-and-forward engine's OnFinal: a part's receipt.
func (d *classicDispatcher) final(m *store.Message) {
	part, ok := d.parts[m.ID]
	if !ok {
		return
	}
	delete(d.parts, m.ID)
	p := part.push
	if m.State == store.Delivered {
		p.delivered++
		if p.delivered == len(p.ids) {
			d.finish(p, ppg.SubmitResult{Outcome: ppg.Delivered})
		}
		return
	}
	d.finish(p, ppg.SubmitResult{Outcome: ppg.Failed, Err: errors.New("a part's receipt says " + m.State.String())})
}

func (d *classicDispatcher) finish(p *classicPush, res ppg.SubmitResult) {
	if p.finished {
		return
	}
	p.finished = true
	p.timer.Stop()
	for _, id := range p.ids {
		delete(d.parts, id)
	}
	if res.Outcome == ppg.Delivered {
		d.split.Release(p.split)
	}
	p.done(res)
}
