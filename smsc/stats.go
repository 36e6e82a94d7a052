package smsc

// Stats counts what the SMSC front has done outside its two engines:
// datagram-mode submits and the delivery receipts of store-and-forward
// messages.
type Stats struct {
	Datagrams       uint64 // datagram-mode submits accepted
	DatagramsFailed uint64 // of them, those a segment of failed on the air
	ReceiptsSent    uint64 // delivery receipts an ESME accepted
	// ReceiptsDropped counts receipts given up: their account's queue was
	// full, or the ESME refused them for good.
	ReceiptsDropped uint64
	// ReceiptsQueued counts receipts waiting now for a receiver session
	// of their account.
	ReceiptsQueued int
}

// Stats returns a snapshot of the front's counters.
func (s *SMSC) Stats() Stats {
	st := Stats{
		Datagrams:       s.stats.datagrams.Load(),
		DatagramsFailed: s.stats.datagramsFailed.Load(),
		ReceiptsSent:    s.stats.receiptsSent.Load(),
		ReceiptsDropped: s.stats.receiptsDropped.Load(),
	}
	s.mu.Lock()
	for _, q := range s.receipts {
		st.ReceiptsQueued += len(q)
	}
	s.mu.Unlock()
	return st
}

// Gate returns the gate that shares the air capacity between push and
// person-to-person traffic, or nil when the SMSC has no capacity limit
// (Config.Gate.Rate is zero).
func (s *SMSC) Gate() *Gate { return s.txn.gate }
