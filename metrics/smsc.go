package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/txpush/txpush/smsc"
)

// txnFailureReasons names the reason label of failed transactions.
var txnFailureReasons = [...]struct {
	failure smsc.TxnFailure
	label   string
}{
	{smsc.TxnPermanent, "permanent"},
	{smsc.TxnAttempts, "attempts"},
	{smsc.TxnDeadline, "deadline"},
	{smsc.TxnRejected, "rejected"},
}

// SMSCCollector collects the statistics of a push SMSC: its
// transaction-mode and store-and-forward engines, its capacity gate, its
// datagrams and receipts, and its SMPP server's sessions.
type SMSCCollector struct {
	sc       *smsc.SMSC
	sessions *SessionCollector
	all      descs

	txnInFlight, txnAttached, txnDelivered, txnFailed, txnDuplicates,
	txnAttempts, txnRetries *prometheus.Desc

	safSubmitted, safRecovered, safDelivered, safExpired, safUndeliverable,
	safDeleted, safWaiting, safInFlight, safQueues, safAttempts, safSMS,
	safAlerts, safStoreErrors *prometheus.Desc

	gateGranted, gateWaiting, gateWait, gateMaxWait, gateReturned *prometheus.Desc

	datagrams, datagramsFailed, receiptsSent, receiptsDropped, receiptsQueued *prometheus.Desc
}

// NewSMSCCollector returns a collector of sc's statistics. Its metrics
// are named txpush_smsc_…; those of the SMPP sessions txpush_smsc_smpp_….
// The gate's metrics are present only when sc has a capacity limit.
func NewSMSCCollector(sc *smsc.SMSC) *SMSCCollector {
	c := &SMSCCollector{
		sc:       sc,
		sessions: NewSessionCollector("smsc_smpp", sc.SMPPServer().Sessions),
	}
	d := &c.all
	const sub = "smsc"
	c.txnInFlight = d.add(sub, "transactions_in_flight", "Transaction-mode messages whose outcome is not yet decided.")
	c.txnAttached = d.add(sub, "transaction_duplicates_waiting", "Duplicate transaction-mode submits waiting for the outcome of the original.")
	c.txnDelivered = d.add(sub, "transactions_delivered_total", "Transaction-mode messages whose every segment was delivered.")
	c.txnFailed = d.add(sub, "transactions_failed_total", "Transaction-mode messages that failed, by reason: permanent error, attempts used up, group deadline passed, or rejected before sending.", "reason")
	c.txnDuplicates = d.add(sub, "transaction_duplicates_total", "Duplicate transaction-mode submits answered with the original's outcome.")
	c.txnAttempts = d.add(sub, "transaction_segment_attempts_total", "Transaction-mode segments handed to the air, retries included.")
	c.txnRetries = d.add(sub, "transaction_segment_retries_total", "Transaction-mode segments re-sent after a failure.")

	c.safSubmitted = d.add(sub, "saf_messages_submitted_total", "Store-and-forward messages stored and acknowledged.")
	c.safRecovered = d.add(sub, "saf_messages_recovered_total", "Store-and-forward messages taken up from the store at start.")
	c.safDelivered = d.add(sub, "saf_messages_delivered_total", "Store-and-forward messages delivered.")
	c.safExpired = d.add(sub, "saf_messages_expired_total", "Store-and-forward messages whose validity ended undelivered.")
	c.safUndeliverable = d.add(sub, "saf_messages_undeliverable_total", "Store-and-forward messages given up after a permanent error.")
	c.safDeleted = d.add(sub, "saf_messages_deleted_total", "Store-and-forward messages cancelled by their ESME.")
	c.safWaiting = d.add(sub, "saf_messages_waiting", "Store-and-forward messages not yet in a final state.")
	c.safInFlight = d.add(sub, "saf_attempts_in_flight", "Store-and-forward delivery attempts under way.")
	c.safQueues = d.add(sub, "saf_retry_queues", "Store-and-forward retry clocks: destinations, or messages when queued independently.")
	c.safAttempts = d.add(sub, "saf_delivery_attempts_total", "Store-and-forward delivery attempts, each of one or more SMS.")
	c.safSMS = d.add(sub, "saf_sms_sent_total", "Store-and-forward SMS handed to the air.")
	c.safAlerts = d.add(sub, "saf_alerts_total", "Alert-SC notices of returning subscribers received.")
	c.safStoreErrors = d.add(sub, "saf_store_errors_total", "Store-and-forward writes the store failed.")

	c.gateGranted = d.add(sub, "gate_sms_granted_total", "SMS the capacity gate let through to the air, by traffic class.", "class")
	c.gateWaiting = d.add(sub, "gate_sms_waiting", "SMS queued at the capacity gate now, by traffic class.", "class")
	c.gateWait = d.add(sub, "gate_wait_seconds_total", "Time the granted SMS spent queued at the capacity gate, by traffic class.", "class")
	c.gateMaxWait = d.add(sub, "gate_max_wait_seconds", "Longest time a granted SMS spent queued at the capacity gate, by traffic class.", "class")
	c.gateReturned = d.add(sub, "gate_tokens_returned_total", "Gate grants given back unused because their transaction ended while they waited.")

	c.datagrams = d.add(sub, "datagrams_total", "Datagram-mode submits accepted.")
	c.datagramsFailed = d.add(sub, "datagrams_failed_total", "Datagram-mode submits a segment of which failed on the air.")
	c.receiptsSent = d.add(sub, "receipts_sent_total", "Delivery receipts accepted by an ESME.")
	c.receiptsDropped = d.add(sub, "receipts_dropped_total", "Delivery receipts given up: queue full or refused by the ESME.")
	c.receiptsQueued = d.add(sub, "receipts_queued", "Delivery receipts waiting for a receiver session.")
	return c
}

// Describe implements prometheus.Collector.
func (c *SMSCCollector) Describe(ch chan<- *prometheus.Desc) {
	c.all.describe(ch)
	c.sessions.Describe(ch)
}

// Collect implements prometheus.Collector.
func (c *SMSCCollector) Collect(ch chan<- prometheus.Metric) {
	t := c.sc.Txn().Stats()
	gauge(ch, c.txnInFlight, float64(t.InFlight))
	gauge(ch, c.txnAttached, float64(t.Attached))
	counter(ch, c.txnDelivered, t.Delivered)
	for _, r := range txnFailureReasons {
		counter(ch, c.txnFailed, t.Failed[r.failure], r.label)
	}
	counter(ch, c.txnDuplicates, t.Duplicates)
	counter(ch, c.txnAttempts, t.Attempts)
	counter(ch, c.txnRetries, t.Retries)

	s := c.sc.SAF().Stats()
	counter(ch, c.safSubmitted, s.Submitted)
	counter(ch, c.safRecovered, s.Recovered)
	counter(ch, c.safDelivered, s.Delivered)
	counter(ch, c.safExpired, s.Expired)
	counter(ch, c.safUndeliverable, s.Undeliverable)
	counter(ch, c.safDeleted, s.Deleted)
	gauge(ch, c.safWaiting, float64(s.Waiting))
	gauge(ch, c.safInFlight, float64(s.InFlight))
	gauge(ch, c.safQueues, float64(s.Queues))
	counter(ch, c.safAttempts, s.Attempts)
	counter(ch, c.safSMS, s.SMS)
	counter(ch, c.safAlerts, s.Alerts)
	counter(ch, c.safStoreErrors, s.StoreErrors)

	if g := c.sc.Gate(); g != nil {
		gs := g.Stats()
		for _, class := range [...]struct {
			label string
			stats smsc.GateClassStats
		}{{"push", gs.Push}, {"p2p", gs.PersonToPerson}} {
			counter(ch, c.gateGranted, class.stats.Granted, class.label)
			gauge(ch, c.gateWaiting, float64(class.stats.Waiting), class.label)
			ch <- prometheus.MustNewConstMetric(c.gateWait, prometheus.CounterValue, class.stats.TotalWait.Seconds(), class.label)
			gauge(ch, c.gateMaxWait, class.stats.MaxWait.Seconds(), class.label)
		}
		counter(ch, c.gateReturned, gs.Returned)
	}

	f := c.sc.Stats()
	counter(ch, c.datagrams, f.Datagrams)
	counter(ch, c.datagramsFailed, f.DatagramsFailed)
	counter(ch, c.receiptsSent, f.ReceiptsSent)
	counter(ch, c.receiptsDropped, f.ReceiptsDropped)
	gauge(ch, c.receiptsQueued, float64(f.ReceiptsQueued))

	c.sessions.Collect(ch)
}
