package pap

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// gen makes random messages for the round-trip property. Strings mix
// markup characters, white space inside, and non-ASCII text; they have no
// white space at either end, which parsing trims.
type gen struct{ r *rand.Rand }

func (g gen) str(required bool) string {
	if !required && g.r.IntN(3) == 0 {
		return ""
	}
	const alphabet = "abcXYZ019 &<>\"'=/@%;:\t\n\r-_.éü€😀"
	runes := []rune(alphabet)
	var b strings.Builder
	for range 1 + g.r.IntN(20) {
		b.WriteRune(runes[g.r.IntN(len(runes))])
	}
	s := strings.TrimSpace(b.String())
	if s == "" && required {
		return "x"
	}
	return s
}

func (g gen) time() time.Time {
	if g.r.IntN(3) == 0 {
		return time.Time{}
	}
	return time.Unix(g.r.Int64N(4102444800), 0).UTC() // up to 2100
}

func (g gen) code() Code { return Code(1000 + g.r.IntN(5000)) }

func (g gen) state() MessageState {
	states := []MessageState{StateUndeliverable, StatePending, StateExpired, StateDelivered,
		StateAborted, StateTimeout, StateCancelled, StateUnknown}
	return states[g.r.IntN(len(states))]
}

func (g gen) address() Address {
	var a Address
	switch g.r.IntN(4) {
	case 0:
		a = Address{Type: TypePLMN, Value: "+" + strings.Repeat("3", 1+g.r.IntN(15))}
	case 1:
		a = Address{Type: TypeIPv4, Value: "10.0.0." + string(rune('1'+g.r.IntN(9)))}
	case 2:
		a = Address{Type: TypeIPv6, Value: "FEDC:BA98::3210"}
	default:
		escaped := append([]AddressType{TypeUSER}, addressTypes[4:]...) // types with %-escaped values
		a = Address{Type: escaped[g.r.IntN(len(escaped))], Value: g.str(true)}
	}
	if g.r.IntN(2) == 0 {
		a.Host = "ppg.example.com"
	}
	return a
}

func (g gen) addresses(min int) []Address {
	n := min + g.r.IntN(3)
	if n == 0 {
		return nil
	}
	as := make([]Address, n)
	for i := range as {
		as[i] = g.address()
	}
	return as
}

func (g gen) qos() *QualityOfService {
	if g.r.IntN(2) == 0 {
		return nil
	}
	ps := []Priority{PriorityHigh, PriorityMedium, PriorityLow}
	ds := []DeliveryMethod{DeliveryConfirmed, DeliveryPreferConfirmed, DeliveryUnconfirmed, DeliveryNotSpecified}
	return &QualityOfService{
		Priority: ps[g.r.IntN(len(ps))], DeliveryMethod: ds[g.r.IntN(len(ds))],
		Network: g.str(false), NetworkRequired: g.r.IntN(2) == 0,
		Bearer: g.str(false), BearerRequired: g.r.IntN(2) == 0,
	}
}

func (g gen) header() Header {
	return Header{Version: Version(g.r.IntN(2)), ProductName: g.str(false)}
}

func (g gen) message() Message {
	switch g.r.IntN(11) {
	case 0:
		m := &PushMessage{Header: g.header(), PushID: g.str(true), DeliverBefore: g.time(), DeliverAfter: g.time(),
			SourceReference: g.str(false), ProgressNotesRequested: g.r.IntN(2) == 0,
			Addresses: g.addresses(1), QoS: g.qos()}
		if g.r.IntN(2) == 0 {
			m.NotifyTo = "http://pi.example.com/n?id=1&x=<2>"
		}
		return m
	case 1:
		m := &PushResponse{Header: g.header(), PushID: g.str(true), SenderAddress: g.str(false),
			SenderName: g.str(false), ReplyTime: g.time(), Result: Result{Code: g.code(), Desc: g.str(false)}}
		for range g.r.IntN(3) {
			m.ProgressNotes = append(m.ProgressNotes, ProgressNote{Stage: g.str(true), Note: g.str(false), Time: g.time()})
		}
		return m
	case 2:
		return &CancelMessage{Header: g.header(), PushID: g.str(true), Addresses: g.addresses(0)}
	case 3:
		m := &CancelResponse{Header: g.header(), PushID: g.str(true)}
		for range 1 + g.r.IntN(3) {
			m.Results = append(m.Results, CancelResult{Code: g.code(), Desc: g.str(false), Addresses: g.addresses(0)})
		}
		return m
	case 4:
		return &ResultNotification{Header: g.header(), PushID: g.str(true), SenderAddress: g.str(false),
			SenderName: g.str(false), ReceivedTime: g.time(), EventTime: g.time(), State: g.state(),
			Code: g.code(), Desc: g.str(false), Address: g.address(), QoS: g.qos()}
	case 5:
		return &ResultNotificationResponse{Header: g.header(), PushID: g.str(true), Code: g.code(),
			Desc: g.str(false), Addresses: g.addresses(0)}
	case 6:
		return &StatusQueryMessage{Header: g.header(), PushID: g.str(true), Addresses: g.addresses(0)}
	case 7:
		m := &StatusQueryResponse{Header: g.header(), PushID: g.str(true)}
		for range 1 + g.r.IntN(3) {
			m.Results = append(m.Results, StatusQueryResult{EventTime: g.time(), State: g.state(), Code: g.code(),
				Desc: g.str(false), Addresses: g.addresses(0), QoS: g.qos()})
		}
		return m
	case 8:
		return &CCQMessage{Header: g.header(), QueryID: g.str(true), AppID: g.str(false), Address: g.address()}
	case 9:
		return &CCQResponse{Header: g.header(), QueryID: g.str(true), Code: g.code(), Desc: g.str(false), Address: g.address()}
	default:
		return &BadMessageResponse{Header: g.header(), Code: g.code(), Desc: g.str(false), Fragment: g.str(false)}
	}
}

// TestRoundTripRandom checks, for random messages of every kind, that
// Marshal writes what ParseMessage reads back as the same message, and
// that the envelope carries it with its content unchanged.
func TestRoundTripRandom(t *testing.T) {
	g := gen{rand.New(rand.NewPCG(1, 2))}
	kinds := map[Kind]int{}
	for range 3000 {
		m := g.message()
		kinds[m.Kind()]++
		checkRoundTrip(t, m)
	}
	if len(kinds) != 11 {
		t.Errorf("only %d kinds generated", len(kinds))
	}
}

func TestEnvelopeRoundTripRandom(t *testing.T) {
	g := gen{rand.New(rand.NewPCG(3, 4))}
	for range 300 {
		m := &PushMessage{PushID: g.str(true), Addresses: g.addresses(1)}
		body := make([]byte, g.r.IntN(600))
		for i := range body {
			body[i] = byte(g.r.IntN(256))
		}
		content := NewEntity("application/vnd.wap.sic", body)
		ct, b, err := WriteRequest(m, content, nil)
		if err != nil {
			t.Fatal(err)
		}
		r, err := ReadRequest(ct, strings.NewReader(string(b)), 0)
		if err != nil {
			t.Fatalf("%v\n%q", err, b)
		}
		if string(r.Content.Body) != string(body) || r.Message.(*PushMessage).PushID != m.PushID {
			t.Fatalf("content changed: %q -> %q", body, r.Content.Body)
		}
	}
}

// Attribute text: runs of plain octets as they are, the four markup
// characters and the three white-space controls as references, UTF-8 kept,
// other controls and invalid UTF-8 refused.
func TestWriterEscape(t *testing.T) {
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{"", "", true},
		{"plain text 123", "plain text 123", true},
		{`a&b<c>d"e'f`, `a&amp;b&lt;c&gt;d&quot;e'f`, true},
		{"\t\n\r", "&#x9;&#xA;&#xD;", true},
		{"&&", "&amp;&amp;", true},
		{"päivää €\x7f", "päivää €\x7f", true},
		{"x\x01y", "", false},
		{"x\xffy", "", false},
		{"\uFFFE", "", false},
	} {
		w := writer{kind: KindPushMessage}
		w.escape("field", c.in)
		if ok := w.err == nil; ok != c.ok || ok && string(w.b) != c.want {
			t.Errorf("escape(%q) = %q, error %v; want %q, ok %v", c.in, w.b, w.err, c.want, c.ok)
		}
	}
}
