package handset

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/txpush/txpush/radio"
	"github.com/txpush/txpush/wap/wdp"
	"github.com/txpush/txpush/wap/wsp"
)

// Stats counts what has happened at a handset, or over a Population.
type Stats struct {
	SMS           uint64 // SMS received, each part counted
	Pushes        uint64 // push events
	Texts         uint64 // text events
	Timeouts      uint64 // messages whose reassembly timed out
	Conflicts     uint64 // messages dropped on a conflicting part
	Evicted       uint64 // messages dropped to keep within the bounds
	Errors        uint64 // error events
	Fetches       uint64 // fetches ended
	FetchFailures uint64 // fetches that failed or got an HTTP error status
}

// counters is the state a Population keeps for each of its handsets while
// it is idle: small, because a simulation has a hundred thousand of them.
type counters struct {
	sms, pushes, texts, timeouts, conflicts, evicted, errors, fetches, fetchFailures uint32
}

func (c *counters) stats() Stats {
	return Stats{SMS: uint64(c.sms), Pushes: uint64(c.pushes), Texts: uint64(c.texts),
		Timeouts: uint64(c.timeouts), Conflicts: uint64(c.conflicts), Evicted: uint64(c.evicted),
		Errors: uint64(c.errors), Fetches: uint64(c.fetches), FetchFailures: uint64(c.fetchFailures)}
}

// Population is any number of emulated handsets that share one Config,
// each known by its MSISDN and brought into being by the first SMS
// addressed to it. One reassembler serves them all, keyed by handset and
// originator, so that an idle handset costs only its counters.
//
// Its Receive method is a radio.Receiver (for Network.AttachAll), and it is
// an smpp.Handler that takes deliver_sm and data_sm for the handset their
// destination_addr names. It is safe for concurrent use.
type Population struct {
	cfg   Config
	reasm *wdp.Reassembler
	fetch *fetcher // nil when the handsets do not fetch

	mu       sync.Mutex
	handsets map[string]counters
	messages map[messageKey]*partial
	totals   Stats
	closed   bool
	// emitting counts the events being handed to OnEvent, so that Close
	// can wait for them.
	emitting sync.WaitGroup
}

// messageKey names a message being reassembled as the reassembler groups
// it: handset and originator (joined by reassemblyKey), reference and its
// width.
type messageKey struct {
	who  string
	ref  uint16
	wide bool
}

// partial is what the handset notes about a message being reassembled,
// beyond the parts the reassembler holds.
type partial struct {
	first, last time.Time
	received    int
}

// NewPopulation returns an empty Population.
func NewPopulation(cfg Config) (*Population, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	p := &Population{
		cfg:      cfg,
		handsets: make(map[string]counters),
		messages: make(map[messageKey]*partial),
	}
	p.reasm = wdp.NewReassembler(wdp.ReassemblerConfig{
		Clock:     cfg.Clock,
		Timeout:   cfg.Reassembly,
		MaxGroups: cfg.MaxPending,
		MaxOctets: cfg.MaxPendingOctets,
		OnResult:  p.dropped,
	})
	if cfg.Fetch {
		p.fetch = newFetcher(cfg)
	}
	return p, nil
}

// Receive takes one SMS delivered to the handset sms.Destination at time
// at. It is a radio.Receiver.
func (p *Population) Receive(sms radio.SMS, at time.Time) {
	p.receive(sms.Destination, airInbound(sms), at)
}

// Handsets returns the number of handsets that have received an SMS.
func (p *Population) Handsets() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.handsets)
}

// Stats returns the counters of the handset msisdn, and false when no SMS
// has reached it.
func (p *Population) Stats(msisdn string) (Stats, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c, ok := p.handsets[msisdn]
	return c.stats(), ok
}

// Totals returns the counters summed over every handset.
func (p *Population) Totals() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.totals
}

// Pending returns the number of messages being reassembled and the payload
// octets they hold.
func (p *Population) Pending() (messages, octets int) {
	return p.reasm.Pending()
}

// Close stops the handsets: fetches in flight are cancelled and waited
// for, and no event is reported after Close returns. SMS received later
// are ignored. It must not be called from OnEvent.
func (p *Population) Close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	if p.fetch != nil {
		p.fetch.close()
	}
	p.emitting.Wait()
}

// inbound is one SMS as a handset sees it, whichever way it came.
type inbound struct {
	originator string
	ud         []byte // TP-UD, the UDH first when udhi
	udhi       bool
	coding     alphabet
}

func airInbound(sms radio.SMS) inbound {
	return inbound{originator: sms.Originator, ud: sms.UserData, udhi: sms.UDHI, coding: airAlphabet(sms.DataCoding)}
}

// receive handles one SMS for msisdn.
func (p *Population) receive(msisdn string, in inbound, at time.Time) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	c := p.handsets[msisdn]
	c.sms++
	p.handsets[msisdn] = c
	p.totals.SMS++
	p.mu.Unlock()

	base := Event{At: at, MSISDN: msisdn, Originator: in.originator}
	if !in.udhi {
		p.complete(base, in.coding, wdp.Datagram{Payload: in.ud}, timing{first: at, last: at, segments: 1})
		return
	}
	udh, payload, err := wdp.ParseUDH(in.ud)
	if err != nil {
		p.fail(base, fmt.Errorf("user data header: %w", err))
		return
	}
	concat, isConcat := udh.Concat()
	if !isConcat || concat.Total == 1 {
		d := wdp.Datagram{Payload: payload}
		if ports, ok := udh.Ports(); ok {
			d.SrcPort, d.DstPort = ports.Src, ports.Dst
		}
		t := timing{first: at, last: at, segments: 1}
		if isConcat {
			t.ref, t.total = concat.Ref, 1
		}
		p.complete(base, in.coding, d, t)
		return
	}

	who := reassemblyKey(msisdn, in.originator)
	key := messageKey{who: who, ref: concat.Ref, wide: concat.Wide}
	// The note is made before the reassembler sees the part, so that
	// whatever the reassembler reports about the message finds it.
	p.mu.Lock()
	m := p.messages[key]
	if m == nil {
		m = &partial{first: at}
		p.messages[key] = m
	}
	m.last = at
	m.received++
	received := m.received
	p.mu.Unlock()

	res, err := p.reasm.Add(who, in.ud)
	if err != nil { // the header parsed above, so this is not expected
		p.forget(key)
		p.fail(base, fmt.Errorf("user data header: %w", err))
		return
	}
	switch res.Outcome {
	case wdp.Pending:
		e := base
		e.Kind = EventSegment
		e.Ref, e.Total, e.Seq, e.Segments = concat.Ref, int(concat.Total), int(concat.Seq), received
		e.SrcPort, e.DstPort = res.Datagram.SrcPort, res.Datagram.DstPort
		p.emit(e)
	case wdp.Complete:
		t := timing{first: at, last: at, segments: 1} // if the note went with a concurrent time-out
		if m, ok := p.forget(key); ok {
			t = timing{first: m.first, last: m.last, segments: m.received}
		}
		t.ref, t.total = res.Ref, res.Total
		p.complete(base, in.coding, res.Datagram, t)
	default: // Conflict, or Evicted for a message larger than the bounds
		m, _ := p.forget(key)
		p.discarded(res, m, at)
	}
}

// dropped receives the reassembler's reports of messages it dropped
// outside an Add: time-outs (from the clock) and evictions.
func (p *Population) dropped(res wdp.Result) {
	m, _ := p.forget(messageKey{who: res.Originator, ref: res.Ref, wide: res.Wide})
	p.discarded(res, m, p.cfg.Clock.Now())
}

// discarded reports a message dropped incomplete; m is the note on it,
// zero if there was none.
func (p *Population) discarded(res wdp.Result, m partial, at time.Time) {
	msisdn, originator := splitReassemblyKey(res.Originator)
	e := Event{At: at, MSISDN: msisdn, Originator: originator,
		Ref: res.Ref, Total: res.Total, Segments: len(res.Parts),
		SrcPort: res.Datagram.SrcPort, DstPort: res.Datagram.DstPort}
	e.FirstSegment, e.LastSegment = m.first, m.last
	switch res.Outcome {
	case wdp.TimedOut:
		e.Kind = EventTimeout
	case wdp.Conflict:
		e.Kind, e.Err = EventConflict, res.Reason
	default:
		e.Kind = EventEvicted
	}
	p.emit(e)
}

// forget removes the note on a message that is no longer being
// reassembled and returns a copy of it, and false if there was none. A
// copy, because a part of the same message may be arriving concurrently
// and still update the note it looked up before.
func (p *Population) forget(key messageKey) (partial, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	m, ok := p.messages[key]
	if !ok {
		return partial{}, false
	}
	delete(p.messages, key)
	return *m, true
}

// timing is how a whole message arrived.
type timing struct {
	first, last time.Time
	segments    int
	ref         uint16
	total       int
}

// complete decodes a whole message: a push, another datagram, or a text.
func (p *Population) complete(base Event, coding alphabet, d wdp.Datagram, t timing) {
	e := base
	e.Ref, e.Total, e.Segments = t.ref, t.total, t.segments
	e.FirstSegment, e.LastSegment, e.Reassembled = t.first, t.last, t.last
	if d.SrcPort == 0 && d.DstPort == 0 {
		e.Kind, e.Coding = EventText, coding.String()
		text, data, err := decodeText(coding, d.Payload)
		if err != nil {
			e.Kind, e.Err = EventError, "text: "+err.Error()
		}
		e.Text, e.Data = text, data
		p.emit(e)
		return
	}
	e.SrcPort, e.DstPort = d.SrcPort, d.DstPort
	if d.DstPort != wdp.PortPush && d.DstPort != wdp.PortPushSecure {
		e.Kind, e.Err = EventError, fmt.Sprintf("datagram for WDP port %d: no application listens there", d.DstPort)
		p.emit(e)
		return
	}
	push, err := wsp.Parse(d.Payload)
	if err != nil {
		e.Kind, e.Err = EventError, "push: "+err.Error()
		p.emit(e)
		return
	}
	e.Kind = EventPush
	target, err := describePush(&e, push)
	if err != nil {
		e.Kind, e.Err = EventError, err.Error()
		p.emit(e)
		return
	}
	p.emit(e)
	if target.url != "" && p.fetch != nil {
		p.startFetch(e, target)
	}
}

// fail reports an SMS the handset could not read.
func (p *Population) fail(base Event, err error) {
	e := base
	e.Kind, e.Err = EventError, err.Error()
	p.emit(e)
}

// startFetch fetches what a push points at, in its own goroutine.
func (p *Population) startFetch(push Event, target fetchTarget) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.fetch.wg.Add(1) // under p.mu, so that Close cannot be waiting yet
	p.mu.Unlock()
	go func() {
		defer p.fetch.wg.Done()
		p.emit(p.fetch.do(push, target))
	}()
}

// emit counts e against its handset and hands it to OnEvent.
func (p *Population) emit(e Event) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	c := p.handsets[e.MSISDN]
	t := &p.totals
	switch e.Kind {
	case EventPush:
		c.pushes++
		t.Pushes++
	case EventText:
		c.texts++
		t.Texts++
	case EventTimeout:
		c.timeouts++
		t.Timeouts++
	case EventConflict:
		c.conflicts++
		t.Conflicts++
	case EventEvicted:
		c.evicted++
		t.Evicted++
	case EventError:
		c.errors++
		t.Errors++
	case EventFetch:
		c.fetches++
		t.Fetches++
		if e.Err != "" || e.Status >= 400 {
			c.fetchFailures++
			t.FetchFailures++
		}
	}
	if e.Kind != EventSegment {
		p.handsets[e.MSISDN] = c
	}
	p.emitting.Add(1) // under p.mu, so that Close cannot be waiting yet
	p.mu.Unlock()
	defer p.emitting.Done()
	if p.cfg.OnEvent != nil {
		p.cfg.OnEvent(e)
	}
}

// reassemblyKey joins a handset and an originator into the one originator
// string the shared reassembler groups by. The length prefix keeps the
// join unambiguous whatever characters the two contain.
func reassemblyKey(msisdn, originator string) string {
	return strconv.Itoa(len(msisdn)) + ":" + msisdn + originator
}

// splitReassemblyKey undoes reassemblyKey.
func splitReassemblyKey(key string) (msisdn, originator string) {
	prefix, rest, ok := strings.Cut(key, ":")
	n, err := strconv.Atoi(prefix)
	if !ok || err != nil || n < 0 || n > len(rest) {
		return "", key // not made by reassemblyKey; cannot happen
	}
	return rest[:n], rest[n:]
}
