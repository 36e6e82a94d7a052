package wdp

import (
	"errors"
	"fmt"
	"slices"
)

// Datagram is a WDP datagram: the ports and the payload (for a push, the
// whole WSP PDU).
type Datagram struct {
	SrcPort, DstPort uint16
	Payload          []byte
}

// Payload octets per SMS with the 16-bit port IE.
const (
	SinglePartMax = MaxUserData - 7  // 133: port IE alone
	PartSize8     = MaxUserData - 12 // 128: port IE and 8-bit concatenation
	PartSize16    = MaxUserData - 13 // 127: port IE and 16-bit concatenation
	MaxParts      = 255
)

// ErrTooLong is returned by Segment for a datagram that needs more than
// 255 parts.
var ErrTooLong = errors.New("wdp: datagram needs more than 255 SMS")

// SegmentOptions choose the concatenation IE of a segmented datagram.
type SegmentOptions struct {
	Ref         uint16 // concatenation reference; below 256 unless Wide
	Wide        bool   // 16-bit reference (IEI 0x08, 127 octets per part)
	ConcatFirst bool   // write the concatenation IE before the port IE
}

// PartCount returns the number of SMS a payload of n octets needs.
func PartCount(n int, wide bool) int {
	if n <= SinglePartMax {
		return 1
	}
	size := PartSize8
	if wide {
		size = PartSize16
	}
	return (n + size - 1) / size
}

// Segment cuts d into SMS user data, each a UDH followed by payload
// octets. A datagram of up to 133 octets gives one part with the port IE
// alone, and opt is not used; a longer one gives parts of 128 (or 127 with
// a 16-bit reference) octets, the last shorter, each with the port IE and a
// concatenation IE numbered from 1. The parts share one backing array.
func Segment(d Datagram, opt SegmentOptions) ([][]byte, error) {
	ports := Ports{Dst: d.DstPort, Src: d.SrcPort}
	n := len(d.Payload)
	if n <= SinglePartMax {
		ud := make([]byte, 0, 7+n)
		ud = appendPortsIE(append(ud, 6), ports)
		return [][]byte{append(ud, d.Payload...)}, nil
	}
	if !opt.Wide && opt.Ref > 0xFF {
		return nil, fmt.Errorf("wdp: reference %d does not fit the 8-bit concatenation IE", opt.Ref)
	}
	size, hdr := PartSize8, 12
	if opt.Wide {
		size, hdr = PartSize16, 13
	}
	total := (n + size - 1) / size
	if total > MaxParts {
		return nil, fmt.Errorf("%w: %d octets make %d parts", ErrTooLong, n, total)
	}
	buf := make([]byte, 0, total*hdr+n)
	parts := make([][]byte, total)
	for i := range total {
		start := len(buf)
		c := Concat{Ref: opt.Ref, Total: byte(total), Seq: byte(i + 1), Wide: opt.Wide}
		buf = append(buf, byte(hdr-1))
		if opt.ConcatFirst {
			buf = appendConcatIE(buf, c)
			buf = appendPortsIE(buf, ports)
		} else {
			buf = appendPortsIE(buf, ports)
			buf = appendConcatIE(buf, c)
		}
		buf = append(buf, d.Payload[i*size:min(n, (i+1)*size)]...)
		parts[i] = buf[start:len(buf):len(buf)]
	}
	return parts, nil
}

// appendPortsIE and appendConcatIE write the 16-bit port IE and a
// concatenation IE straight into dst, without the allocation of IE.
func appendPortsIE(dst []byte, p Ports) []byte {
	return append(dst, IEIPorts16, 4, byte(p.Dst>>8), byte(p.Dst), byte(p.Src>>8), byte(p.Src))
}

func appendConcatIE(dst []byte, c Concat) []byte {
	if c.Wide {
		return append(dst, IEIConcat16, 4, byte(c.Ref>>8), byte(c.Ref), c.Total, c.Seq)
	}
	return append(dst, IEIConcat8, 3, byte(c.Ref), c.Total, c.Seq)
}

// Join turns the user data of one message (all its parts, in any order)
// back into the datagram: the inverse of Segment, for tools that have all
// the parts at hand. The parts must agree on ports, reference and total,
// and each sequence number must be present once.
func Join(uds [][]byte) (Datagram, error) {
	if len(uds) == 0 {
		return Datagram{}, errors.New("wdp: no user data to join")
	}
	type part struct {
		seq     int
		payload []byte
	}
	parts := make([]part, 0, len(uds))
	var first Concat
	var ports Ports
	for i, ud := range uds {
		h, payload, err := ParseUDH(ud)
		if err != nil {
			return Datagram{}, fmt.Errorf("wdp: part %d: %w", i, err)
		}
		p, hasPorts := h.Ports()
		c, hasConcat := h.Concat()
		if !hasConcat {
			if len(uds) != 1 {
				return Datagram{}, fmt.Errorf("wdp: part %d has no concatenation IE but %d parts were given", i, len(uds))
			}
			return Datagram{SrcPort: p.Src, DstPort: p.Dst, Payload: slices.Clone(payload)}, nil
		}
		if i == 0 {
			first, ports = c, p
			if int(c.Total) != len(uds) {
				return Datagram{}, fmt.Errorf("wdp: message has %d parts, %d given", c.Total, len(uds))
			}
		} else if c.Ref != first.Ref || c.Total != first.Total || c.Wide != first.Wide {
			return Datagram{}, fmt.Errorf("wdp: part %d belongs to message ref %d total %d, not ref %d total %d", i, c.Ref, c.Total, first.Ref, first.Total)
		}
		if hasPorts && p != ports {
			return Datagram{}, fmt.Errorf("wdp: part %d has ports %d/%d, part 0 %d/%d", i, p.Dst, p.Src, ports.Dst, ports.Src)
		}
		parts = append(parts, part{int(c.Seq), payload})
	}
	slices.SortFunc(parts, func(a, b part) int { return a.seq - b.seq })
	var d Datagram
	for i, p := range parts {
		if p.seq != i+1 {
			return Datagram{}, fmt.Errorf("wdp: part %d is missing or repeated", i+1)
		}
		d.Payload = append(d.Payload, p.payload...)
	}
	d.SrcPort, d.DstPort = ports.Src, ports.Dst
	return d, nil
}
