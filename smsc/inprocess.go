package smsc

import (
	"errors"
	"strings"

	"github.com/txpush/txpush/wap/wdp"
)

// ErrInvalidMSISDN is returned by SubmitTransaction for a destination that
// is not an MSISDN (up to 15 digits, an optional leading '+').
var ErrInvalidMSISDN = errors.New("smsc: destination is not an MSISDN")

// SubmitTransaction hands a WSP push for msisdn to the transaction engine
// without SMPP, for a PPG that runs in the same process: the push is
// split as the SMPP front splits a transaction-mode submit with the WAP
// push ports (9200 to 2948), and a repeat with the same account, MSISDN,
// ref and payload is recognised as a duplicate, as a repeat of a submit
// with the same user_message_reference is.
//
// When it returns nil, done is called exactly once with the outcome, under
// the engine's rules (TxnEngine.Submit): it must not block. When the push
// cannot be split (ErrInvalidMSISDN, ErrTooManySegments, or no free
// concatenation reference for the handset) the error says why and done is
// never called.
func (s *SMSC) SubmitTransaction(account, msisdn string, payload []byte, ref uint16, done func(TxnOutcome)) error {
	dest := strings.TrimPrefix(msisdn, "+")
	if dest == "" || len(dest) > 15 || strings.Trim(dest, "0123456789") != "" {
		return ErrInvalidMSISDN
	}
	m := Message{
		Source:     "PPG",
		Dest:       dest,
		ESMClass:   0x02,
		DataCoding: 0x04,
		Payload:    payload,
		SrcPort:    wdp.PortWSP,
		DstPort:    wdp.PortPush,
		HasPorts:   true,
	}
	segs, err := s.segments(m)
	if err != nil {
		return err
	}
	s.txn.Submit(TxnRequest{
		Key:      duplicateKey(account, m, ref),
		Account:  account,
		Traffic:  s.trafficOf(account),
		Segments: segs,
	}, done)
	return nil
}
