package ppg

import (
	"context"
	"errors"
	"fmt"

	"github.com/txpush/txpush/smpp"
	"github.com/txpush/txpush/smsc"
)

var _ Dispatcher = (*InProcessDispatcher)(nil)

// InProcessDispatcher is the PPG's dispatcher when the push SMSC runs in
// the same process (txpush demo, the simulator): each push goes straight
// to the SMSC's transaction engine, with no SMPP between them, and its
// outcome comes back as the SMPP front would report it.
type InProcessDispatcher struct {
	SMSC    *smsc.SMSC
	Account string // the SMSC account the pushes are submitted under
}

// Submit implements Dispatcher.
func (d *InProcessDispatcher) Submit(req SubmitRequest, done func(SubmitResult)) {
	err := d.SMSC.SubmitTransaction(d.Account, req.MSISDN, req.Payload, req.Ref, func(o smsc.TxnOutcome) {
		done(txnResult(o))
	})
	if err != nil {
		done(SplitFailure(err))
	}
}

// Start and Close make InProcessDispatcher a dispatcher: it has no binds.
func (d *InProcessDispatcher) Start(context.Context) {}

func (d *InProcessDispatcher) Close(context.Context) error { return nil }

// Sessions: the integrated SMSC is reached without SMPP.
func (d *InProcessDispatcher) Sessions() []*smpp.Session { return nil }

// txnFailureNames name the transaction failures in the PPG's descriptions.
var txnFailureNames = map[smsc.TxnFailure]string{
	smsc.TxnPermanent: "a segment failed permanently",
	smsc.TxnAttempts:  "a segment failed on every attempt",
	smsc.TxnDeadline:  "the group deadline passed",
	smsc.TxnRejected:  "the SMSC's transaction engine is full",
}

// txnResult maps a transaction's outcome to the PPG's: delivered; failed
// (permanently or not) with the radio error that decided it; or busy when
// the engine did not take the push, which may then be submitted again.
func txnResult(o smsc.TxnOutcome) SubmitResult {
	if o.OK() {
		return SubmitResult{Outcome: Delivered}
	}
	err := errors.New(txnFailureNames[o.Failure])
	if o.Err != nil {
		err = fmt.Errorf("%s: %w", txnFailureNames[o.Failure], o.Err)
	}
	switch o.Failure {
	case smsc.TxnRejected:
		return SubmitResult{Outcome: Busy, Err: err}
	case smsc.TxnPermanent:
		return SubmitResult{Outcome: Failed, Permanent: true, Err: err}
	}
	return SubmitResult{Outcome: Failed, Err: err}
}
