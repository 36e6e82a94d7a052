package sms

import (
	"fmt"
	"strings"
	"time"
)

// Type-of-address values (23.040 9.1.2.5): bit 7 set, type of number in
// bits 6-4, numbering plan in bits 3-0.
const (
	TOAInternational = 0x91 // international number, E.164
	TOANational      = 0xA1 // national number, E.164
	TOAUnknown       = 0x81 // unknown type, E.164
	TOAAlphanumeric  = 0xD0 // alphanumeric (GSM 7-bit), unknown plan
)

// Address is a TP-OA / TP-DA.
type Address struct {
	TOA byte // type of address, e.g. TOAInternational
	// Digits are the semi-octets as characters 0-9 * # a b c; for an
	// alphanumeric address (type of number 5) the text.
	Digits string
}

func (a Address) alphanumeric() bool { return a.TOA&0x70 == 0x50 }

// Deliver is an SMS-DELIVER TPDU (23.040 9.2.2.1).
type Deliver struct {
	MoreMessages   bool // TP-MMS clear: more messages are waiting at the SC
	LoopPrevention bool // TP-LP
	StatusReport   bool // TP-SRI: a status report will go to the originator
	UDHI           bool // TP-UDHI: UD starts with a UDH
	ReplyPath      bool // TP-RP
	Originator     Address
	PID            byte      // TP-PID
	DCS            byte      // TP-DCS
	SCTS           time.Time // TP-SCTS, to the second, with its zone in quarter hours
	UDL            int       // TP-UDL: septets for GSM 7-bit, octets otherwise
	UD             []byte    // TP-UD, at most 140 octets
}

// udOctets returns how many octets of TP-UD a TP-UDL stands for.
func udOctets(dcs byte, udl int) int {
	if CodingOf(dcs) == GSM7 {
		return PackedLen(udl, 0)
	}
	return udl
}

// Marshal returns the encoded TPDU.
func (d *Deliver) Marshal() ([]byte, error) { return d.Append(nil) }

// Append appends the encoded TPDU to dst. On error dst is returned
// unchanged in length.
func (d *Deliver) Append(dst []byte) ([]byte, error) {
	orig := len(dst)
	if d.UDL < 0 || d.UDL > 255 || udOctets(d.DCS, d.UDL) != len(d.UD) || len(d.UD) > 140 {
		return dst, fmt.Errorf("sms: TP-UDL %d does not match %d octets of TP-UD (at most 140) for DCS 0x%02X", d.UDL, len(d.UD), d.DCS)
	}
	var first byte // TP-MTI 00: SMS-DELIVER
	if !d.MoreMessages {
		first |= 0x04
	}
	if d.LoopPrevention {
		first |= 0x08
	}
	if d.StatusReport {
		first |= 0x20
	}
	if d.UDHI {
		first |= 0x40
	}
	if d.ReplyPath {
		first |= 0x80
	}
	dst = append(dst, first)
	dst, err := appendAddress(dst, d.Originator)
	if err != nil {
		return dst[:orig], err
	}
	dst = append(dst, d.PID, d.DCS)
	if dst, err = appendSCTS(dst, d.SCTS); err != nil {
		return dst[:orig], err
	}
	dst = append(dst, byte(d.UDL))
	return append(dst, d.UD...), nil
}

const bcdDigits = "0123456789*#abc"

func appendAddress(dst []byte, a Address) ([]byte, error) {
	if a.alphanumeric() {
		septets, err := AppendSeptets(nil, a.Digits)
		if err != nil {
			return dst, err
		}
		packed := Pack(nil, septets, 0)
		semi := (len(septets)*7 + 3) / 4
		if len(packed) > 10 {
			return dst, fmt.Errorf("sms: alphanumeric address %q longer than 11 characters", a.Digits)
		}
		dst = append(dst, byte(semi), a.TOA)
		return append(dst, packed...), nil
	}
	if len(a.Digits) > 20 {
		return dst, fmt.Errorf("sms: address of %d digits (at most 20)", len(a.Digits))
	}
	dst = append(dst, byte(len(a.Digits)), a.TOA)
	for i := 0; i < len(a.Digits); i += 2 {
		lo := strings.IndexByte(bcdDigits, a.Digits[i])
		hi := 0xF
		if i+1 < len(a.Digits) {
			hi = strings.IndexByte(bcdDigits, a.Digits[i+1])
		}
		if lo < 0 || hi < 0 {
			return dst, fmt.Errorf("sms: address %q has a character other than 0-9 * # a b c", a.Digits)
		}
		dst = append(dst, byte(hi<<4|lo))
	}
	return dst, nil
}

func bcd(v int) byte { return byte(v%10<<4 | v/10) } // swapped semi-octets

func appendSCTS(dst []byte, t time.Time) ([]byte, error) {
	_, offset := t.Zone()
	if offset%(15*60) != 0 || offset <= -80*15*60 || offset >= 80*15*60 {
		return dst, fmt.Errorf("sms: time zone offset %ds is not a whole number of quarter hours within ±79", offset)
	}
	if t.Year() < 2000 || t.Year() > 2099 {
		return dst, fmt.Errorf("sms: year %d outside 2000..2099", t.Year())
	}
	q := offset / (15 * 60)
	tz := bcd(max(q, -q))
	if q < 0 {
		tz |= 0x08
	}
	return append(dst, bcd(t.Year()-2000), bcd(int(t.Month())), bcd(t.Day()),
		bcd(t.Hour()), bcd(t.Minute()), bcd(t.Second()), tz), nil
}

// ParseDeliver decodes an SMS-DELIVER TPDU. Errors are *DecodeError. The
// result does not alias b.
func ParseDeliver(b []byte) (*Deliver, error) {
	if len(b) == 0 {
		return nil, &DecodeError{Field: "first octet", Reason: "no input", Err: ErrTruncated}
	}
	first := b[0]
	if first&0x03 != 0 {
		return nil, &DecodeError{Field: "TP-MTI", Reason: fmt.Sprintf("%d is not SMS-DELIVER (expected 0)", first&0x03)}
	}
	d := &Deliver{
		MoreMessages:   first&0x04 == 0,
		LoopPrevention: first&0x08 != 0,
		StatusReport:   first&0x20 != 0,
		UDHI:           first&0x40 != 0,
		ReplyPath:      first&0x80 != 0,
	}
	off := 1
	var err error
	if d.Originator, off, err = parseAddress(b, off); err != nil {
		return nil, err
	}
	if off+2+7+1 > len(b) {
		return nil, &DecodeError{Offset: off, Field: "TP-PID", Reason: "input ends before TP-PID, TP-DCS, TP-SCTS and TP-UDL", Err: ErrTruncated}
	}
	d.PID, d.DCS = b[off], b[off+1]
	off += 2
	if d.SCTS, err = parseSCTS(b[off:off+7], off); err != nil {
		return nil, err
	}
	off += 7
	d.UDL = int(b[off])
	off++
	n := udOctets(d.DCS, d.UDL)
	switch {
	case n > 140:
		return nil, &DecodeError{Offset: off - 1, Field: "TP-UDL", Reason: fmt.Sprintf("%d stands for %d octets (at most 140)", d.UDL, n)}
	case len(b)-off < n:
		return nil, &DecodeError{Offset: off, Field: "TP-UD", Err: ErrTruncated,
			Reason: fmt.Sprintf("TP-UDL %d needs %d octets, %d left", d.UDL, n, len(b)-off)}
	case len(b)-off > n:
		return nil, &DecodeError{Offset: off + n, Field: "TP-UD", Reason: fmt.Sprintf("%d octets after the user data", len(b)-off-n)}
	}
	d.UD = append([]byte(nil), b[off:]...)
	return d, nil
}

func parseAddress(b []byte, off int) (Address, int, error) {
	if off+2 > len(b) {
		return Address{}, off, &DecodeError{Offset: off, Field: "TP-OA", Reason: "input ends before the address length and type", Err: ErrTruncated}
	}
	semi, toa := int(b[off]), b[off+1]
	if semi > 20 {
		return Address{}, off, &DecodeError{Offset: off, Field: "TP-OA", Reason: fmt.Sprintf("%d semi-octets (at most 20)", semi)}
	}
	n := (semi + 1) / 2
	start := off + 2
	if start+n > len(b) {
		return Address{}, off, &DecodeError{Offset: off, Field: "TP-OA", Reason: fmt.Sprintf("%d octets of address, %d left", n, len(b)-start), Err: ErrTruncated}
	}
	raw := b[start : start+n]
	a := Address{TOA: toa}
	if a.alphanumeric() {
		septets, err := Unpack(raw, 0, semi*4/7)
		if err != nil {
			return Address{}, off, err
		}
		if a.Digits, err = DecodeSeptets(septets); err != nil {
			return Address{}, off, err
		}
		return a, start + n, nil
	}
	digits := make([]byte, 0, semi)
	for i := range semi {
		v := raw[i/2] >> (4 * (i % 2)) & 0x0F
		if v == 0x0F {
			return Address{}, off, &DecodeError{Offset: start + i/2, Field: "TP-OA", Reason: "filler 0xF inside the digits"}
		}
		digits = append(digits, bcdDigits[v])
	}
	if semi%2 == 1 && raw[n-1]>>4 != 0x0F {
		return Address{}, off, &DecodeError{Offset: start + n - 1, Field: "TP-OA", Reason: fmt.Sprintf("odd digit count ends with 0x%X (expected filler 0xF)", raw[n-1]>>4)}
	}
	a.Digits = string(digits)
	return a, start + n, nil
}

func parseSCTS(b []byte, off int) (time.Time, error) {
	var v [7]int
	for i, c := range b {
		lo, hi := int(c&0x0F), int(c>>4)
		if i == 6 {
			lo &= 0x07 // bit 3 is the sign of the zone
		}
		if lo > 9 || hi > 9 {
			return time.Time{}, &DecodeError{Offset: off + i, Field: "TP-SCTS", Reason: fmt.Sprintf("octet 0x%02X is not two BCD digits", c)}
		}
		v[i] = lo*10 + hi
	}
	q := v[6]
	if b[6]&0x08 != 0 {
		q = -q
	}
	zone := time.FixedZone("", q*15*60)
	t := time.Date(2000+v[0], time.Month(v[1]), v[2], v[3], v[4], v[5], 0, zone)
	if t.Year() != 2000+v[0] || int(t.Month()) != v[1] || t.Day() != v[2] || t.Hour() != v[3] || t.Minute() != v[4] || t.Second() != v[5] {
		return time.Time{}, &DecodeError{Offset: off, Field: "TP-SCTS", Reason: fmt.Sprintf("20%02d-%02d-%02d %02d:%02d:%02d is not a valid time", v[0], v[1], v[2], v[3], v[4], v[5])}
	}
	return t, nil
}
