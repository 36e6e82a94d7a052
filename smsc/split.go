package smsc

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/txpush/txpush/radio"
	"github.com/txpush/txpush/sms"
	"github.com/txpush/txpush/wap/wdp"
)

// Message is what an ESME submitted, as the SMSC splits it for the air.
type Message struct {
	Source, Dest string
	ESMClass     byte
	DataCoding   byte // SMPP data_coding
	ProtocolID   byte
	Payload      []byte // short_message or message_payload
	// Ports from the source_port/destination_port TLVs, when given.
	SrcPort, DstPort uint16
	HasPorts         bool
}

// Air user data convention. radio.SMS.UserData is TP-UD as it travels,
// except for the GSM 7-bit alphabet, where the septets follow the UDH one
// per octet (unpacked), as SMPP carries them for data_coding 0: the packing
// is the radio's business, and the septet count stays len(UserData) minus
// the UDH.

// ErrTooManySegments is returned when a message needs more segments than
// the SMSC is configured to send for one message.
var ErrTooManySegments = errors.New("smsc: message needs more segments than allowed")

// maxUD is the TP-UD size in octets; maxSeptets the size in septets.
const (
	maxUD      = 140
	maxSeptets = 160
)

// splitter turns submitted messages into SMS.
type splitter struct {
	refs        *wdp.RefAllocator
	maxSegments int
}

// split cuts m into the SMS that go to the air, in order. ref is the
// concatenation reference to use when more than one part is needed; it is
// called at most once.
func (sp *splitter) split(m Message, ref func() (uint16, error)) ([]radio.SMS, error) {
	udhi := m.ESMClass&0x40 != 0
	base := radio.SMS{Originator: m.Source, Destination: m.Dest, ProtocolID: m.ProtocolID, DataCoding: airDCS(m.DataCoding)}
	switch {
	case udhi:
		return sp.splitWithUDH(base, m, ref)
	case m.HasPorts:
		return sp.splitDatagram(base, wdp.Datagram{SrcPort: m.SrcPort, DstPort: m.DstPort, Payload: m.Payload}, ref)
	case isText(m.DataCoding):
		return sp.splitText(base, m, ref)
	default:
		return sp.splitBinary(base, m.Payload, ref)
	}
}

// splitWithUDH handles a payload that starts with a UDH. A UDH with a
// concatenation IE is a segment the ESME cut itself (Kannel sends one per
// submit): it goes exactly as given. A UDH with ports alone is a WDP
// datagram the SMSC may have to split.
func (sp *splitter) splitWithUDH(base radio.SMS, m Message, ref func() (uint16, error)) ([]radio.SMS, error) {
	udh, rest, err := wdp.ParseUDH(m.Payload)
	if err != nil {
		return nil, fmt.Errorf("smsc: user data header: %w", err)
	}
	_, concat := udh.Concat()
	ports, hasPorts := udh.Ports()
	if concat || !hasPorts || len(m.Payload) <= udLimit(base.DataCoding) {
		if len(m.Payload) > udLimit(base.DataCoding) {
			return nil, fmt.Errorf("smsc: %d octets of user data with its own header do not fit one SMS", len(m.Payload))
		}
		base.UserData = m.Payload
		base.UDHI = true
		return []radio.SMS{base}, nil
	}
	return sp.splitDatagram(base, wdp.Datagram{SrcPort: ports.Src, DstPort: ports.Dst, Payload: rest}, ref)
}

func (sp *splitter) splitDatagram(base radio.SMS, d wdp.Datagram, ref func() (uint16, error)) ([]radio.SMS, error) {
	if n := wdp.PartCount(len(d.Payload), false); n > sp.maxSegments {
		return nil, fmt.Errorf("%w: %d octets need %d segments, at most %d", ErrTooManySegments, len(d.Payload), n, sp.maxSegments)
	}
	var opt wdp.SegmentOptions
	if wdp.PartCount(len(d.Payload), false) > 1 {
		r, err := ref()
		if err != nil {
			return nil, err
		}
		opt.Ref = r
	}
	uds, err := wdp.Segment(d, opt)
	if err != nil {
		return nil, err
	}
	if base.DataCoding == 0 {
		base.DataCoding = 0x04
	}
	out := make([]radio.SMS, len(uds))
	for i, ud := range uds {
		out[i] = base
		out[i].UserData = ud
		out[i].UDHI = true
	}
	return out, nil
}

// splitBinary cuts 8-bit data without ports: concatenation IE only, 134
// octets per part.
func (sp *splitter) splitBinary(base radio.SMS, payload []byte, ref func() (uint16, error)) ([]radio.SMS, error) {
	if len(payload) <= maxUD {
		base.UserData = payload
		return []radio.SMS{base}, nil
	}
	const per = maxUD - 6
	n := (len(payload) + per - 1) / per
	if n > sp.maxSegments || n > 255 {
		return nil, fmt.Errorf("%w: %d octets need %d segments, at most %d", ErrTooManySegments, len(payload), n, sp.maxSegments)
	}
	r, err := ref()
	if err != nil {
		return nil, err
	}
	out := make([]radio.SMS, n)
	for i := range out {
		chunk := payload[i*per : min((i+1)*per, len(payload))]
		ud := make([]byte, 0, 6+len(chunk))
		ud = append(ud, 5, 0x00, 3, byte(r), byte(n), byte(i+1))
		out[i] = base
		out[i].UserData = append(ud, chunk...)
		out[i].UDHI = true
	}
	return out, nil
}

// splitText decodes the submitted text and re-cuts it by the text rules:
// 160/153 septets in the GSM alphabet, else 70/67 UCS-2 units, never
// splitting an escape or surrogate pair.
func (sp *splitter) splitText(base radio.SMS, m Message, ref func() (uint16, error)) ([]radio.SMS, error) {
	text, err := decodeSubmittedText(m.DataCoding, m.Payload)
	if err != nil {
		return nil, err
	}
	coding, parts := sms.Split(text)
	if len(parts) > sp.maxSegments {
		return nil, fmt.Errorf("%w: the text needs %d segments, at most %d", ErrTooManySegments, len(parts), sp.maxSegments)
	}
	base.DataCoding = coding.DCS()
	var r uint16
	if len(parts) > 1 {
		if r, err = ref(); err != nil {
			return nil, err
		}
	}
	out := make([]radio.SMS, len(parts))
	for i, part := range parts {
		var ud []byte
		if len(parts) > 1 {
			ud = append(ud, 5, 0x00, 3, byte(r), byte(len(parts)), byte(i+1))
			out[i].UDHI = true
		}
		if coding == sms.GSM7 {
			if ud, err = sms.AppendSeptets(ud, part); err != nil {
				return nil, err
			}
		} else {
			ud = sms.AppendUCS2(ud, part)
		}
		out[i].Originator, out[i].Destination, out[i].ProtocolID = base.Originator, base.Destination, base.ProtocolID
		out[i].DataCoding = base.DataCoding
		out[i].UserData = ud
	}
	return out, nil
}

// isText reports whether SMPP data_coding dcs carries text the SMSC may
// re-encode: the SMSC default alphabet, IA5, Latin-1 and UCS-2.
func isText(dcs byte) bool {
	switch dcs {
	case 0x00, 0x01, 0x03, 0x08:
		return true
	}
	return false
}

// decodeSubmittedText reads text as the ESME sent it: data_coding 0 as GSM
// 7-bit septets one per octet (what Kannel and most ESMEs send), 1 and 3 as
// ASCII/Latin-1, 8 as UCS-2.
func decodeSubmittedText(dcs byte, b []byte) (string, error) {
	switch dcs {
	case 0x00:
		return sms.DecodeSeptets(b)
	case 0x08:
		return sms.DecodeUCS2(b)
	default:
		rs := make([]byte, 0, len(b))
		for _, c := range b {
			rs = utf8.AppendRune(rs, rune(c))
		}
		return string(rs), nil
	}
}

// airDCS maps SMPP data_coding to TP-DCS (3.4 section 5.2.19): the 8-bit
// codes become 0x04, the GSM groups pass through, text codes are set when
// the text is re-encoded.
func airDCS(dcs byte) byte {
	switch {
	case dcs == 0x02 || dcs == 0x04:
		return 0x04
	case dcs >= 0xC0:
		return dcs
	case dcs == 0x08:
		return 0x08
	}
	return 0x00
}

// udLimit is the most user data one SMS carries in the representation of
// radio.SMS: 160 septets (one per octet) for GSM 7-bit, else 140 octets.
func udLimit(tpDCS byte) int {
	if sms.CodingOf(tpDCS) == sms.GSM7 {
		return maxSeptets
	}
	return maxUD
}
