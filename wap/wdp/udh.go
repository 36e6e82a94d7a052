package wdp

import (
	"errors"
	"fmt"
)

// Information element identifiers of the UDH (23.040 9.2.3.24).
const (
	IEIConcat8  = 0x00 // concatenated SM, 8-bit reference
	IEIPorts8   = 0x04 // application port addressing, 8-bit
	IEIPorts16  = 0x05 // application port addressing, 16-bit
	IEIConcat16 = 0x08 // concatenated SM, 16-bit reference
)

// Well-known WDP ports (WAP-259 Appendix B).
const (
	PortPush       = 2948 // WAP Push, connectionless, unsecure
	PortPushSecure = 2949 // WAP Push, connectionless, WTLS
	PortWSP        = 9200 // WSP connectionless server: the source of pushes
)

// MaxUserData is the size of TP-UD for 8-bit data.
const MaxUserData = 140

// ErrTruncated is wrapped by a DecodeError when the user data ends before
// the header does.
var ErrTruncated = errors.New("input ends early")

// DecodeError reports why user data does not hold a valid UDH.
type DecodeError struct {
	Offset int    // octet offset in the user data
	Field  string // what was being read, e.g. "UDHL" or "IEI 0x00"
	Reason string // what was wrong and what was expected
	Err    error  // ErrTruncated when the input ended early, otherwise nil
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("wdp: %s at offset %d: %s", e.Field, e.Offset, e.Reason)
}

// Unwrap returns ErrTruncated for truncated input.
func (e *DecodeError) Unwrap() error { return e.Err }

// IE is one information element of a UDH.
type IE struct {
	ID   byte
	Data []byte
}

// Ports is an application port addressing IE.
type Ports struct {
	Dst, Src uint16
	// Narrow selects the 8-bit IE (0x04), which cannot address the push
	// ports; the default is the 16-bit IE (0x05).
	Narrow bool
}

// IE returns the ports as an information element.
func (p Ports) IE() IE {
	if p.Narrow {
		return IE{ID: IEIPorts8, Data: []byte{byte(p.Dst), byte(p.Src)}}
	}
	return IE{ID: IEIPorts16, Data: []byte{byte(p.Dst >> 8), byte(p.Dst), byte(p.Src >> 8), byte(p.Src)}}
}

// Concat is a concatenation IE.
type Concat struct {
	Ref   uint16
	Total byte // number of parts, 1..255
	Seq   byte // this part, 1..Total
	Wide  bool // 16-bit reference (IEI 0x08) rather than 8-bit (0x00)
}

// IE returns the concatenation information as an information element.
func (c Concat) IE() IE {
	if c.Wide {
		return IE{ID: IEIConcat16, Data: []byte{byte(c.Ref >> 8), byte(c.Ref), c.Total, c.Seq}}
	}
	return IE{ID: IEIConcat8, Data: []byte{byte(c.Ref), c.Total, c.Seq}}
}

// UDH is a User Data Header: its information elements in order.
type UDH []IE

// Ports returns the application port IE, if there is one.
func (h UDH) Ports() (Ports, bool) {
	for _, ie := range h {
		switch {
		case ie.ID == IEIPorts16 && len(ie.Data) == 4:
			return Ports{Dst: uint16(ie.Data[0])<<8 | uint16(ie.Data[1]), Src: uint16(ie.Data[2])<<8 | uint16(ie.Data[3])}, true
		case ie.ID == IEIPorts8 && len(ie.Data) == 2:
			return Ports{Dst: uint16(ie.Data[0]), Src: uint16(ie.Data[1]), Narrow: true}, true
		}
	}
	return Ports{}, false
}

// Concat returns the concatenation IE, if there is one.
func (h UDH) Concat() (Concat, bool) {
	for _, ie := range h {
		switch {
		case ie.ID == IEIConcat8 && len(ie.Data) == 3:
			return Concat{Ref: uint16(ie.Data[0]), Total: ie.Data[1], Seq: ie.Data[2]}, true
		case ie.ID == IEIConcat16 && len(ie.Data) == 4:
			return Concat{Ref: uint16(ie.Data[0])<<8 | uint16(ie.Data[1]), Total: ie.Data[2], Seq: ie.Data[3], Wide: true}, true
		}
	}
	return Concat{}, false
}

// Len returns the encoded size of the header, UDHL included.
func (h UDH) Len() int {
	n := 1
	for _, ie := range h {
		n += 2 + len(ie.Data)
	}
	return n
}

// Append appends the header (UDHL, then each IE) to dst. A header longer
// than the user data can hold, or an IE with more than 255 data octets,
// is an error.
func (h UDH) Append(dst []byte) ([]byte, error) {
	n := h.Len() - 1
	if n > MaxUserData-1 {
		return dst, fmt.Errorf("wdp: UDH of %d octets does not fit in %d octets of user data", n, MaxUserData)
	}
	dst = append(dst, byte(n))
	for _, ie := range h {
		dst = append(dst, ie.ID, byte(len(ie.Data)))
		dst = append(dst, ie.Data...)
	}
	return dst, nil
}

// ParseUDH reads the UDH at the start of ud (user data whose TP-UDHI is
// set) and returns it with the payload that follows. The IEs and the
// payload alias ud.
//
// Known IEs are checked: their lengths, a concatenation IE with total 0 or
// a sequence number outside 1..total, and a second port or concatenation
// IE are errors. Other IEs are kept as they are.
func ParseUDH(ud []byte) (UDH, []byte, error) {
	var h UDH
	_, payload, err := scanUDH(ud, &h)
	if err != nil {
		return nil, nil, err
	}
	return h, payload, nil
}

// udhInfo is what the reassembler needs from a UDH.
type udhInfo struct {
	ports     Ports
	concat    Concat
	hasPorts  bool
	hasConcat bool
}

// scanUDH checks the UDH at the start of ud and returns its ports and
// concatenation IEs and the payload; it also collects every IE into h
// unless h is nil.
func scanUDH(ud []byte, h *UDH) (udhInfo, []byte, error) {
	var info udhInfo
	if len(ud) == 0 {
		return info, nil, &DecodeError{Field: "UDHL", Reason: "no user data", Err: ErrTruncated}
	}
	end := 1 + int(ud[0])
	if end > MaxUserData {
		// TP-UD holds 140 octets: a longer header is no SMS's, and could
		// not be written back.
		return info, nil, &DecodeError{Field: "UDHL",
			Reason: fmt.Sprintf("header of %d octets does not fit in %d octets of user data", ud[0], MaxUserData)}
	}
	if end > len(ud) {
		return info, nil, &DecodeError{Field: "UDHL", Err: ErrTruncated,
			Reason: fmt.Sprintf("header of %d octets but only %d follow", ud[0], len(ud)-1)}
	}
	for off := 1; off < end; {
		if off+2 > end {
			return info, nil, &DecodeError{Offset: off, Field: "IE", Err: ErrTruncated,
				Reason: "the header ends inside an IE's identifier and length"}
		}
		id, n := ud[off], int(ud[off+1])
		if off+2+n > end {
			return info, nil, &DecodeError{Offset: off, Field: ieField(id), Err: ErrTruncated,
				Reason: fmt.Sprintf("IE of %d octets runs past the header end at %d", n, end)}
		}
		data := ud[off+2 : off+2+n : off+2+n]
		ie := IE{ID: id, Data: data}
		switch id {
		case IEIPorts8, IEIPorts16:
			if n != knownIELen(id) {
				return info, nil, &DecodeError{Offset: off, Field: ieField(id), Reason: fmt.Sprintf("length %d (expected %d)", n, knownIELen(id))}
			}
			if info.hasPorts {
				return info, nil, &DecodeError{Offset: off, Field: ieField(id), Reason: "a second application port IE"}
			}
			info.ports, info.hasPorts = UDH{ie}.Ports()
		case IEIConcat8, IEIConcat16:
			if n != knownIELen(id) {
				return info, nil, &DecodeError{Offset: off, Field: ieField(id), Reason: fmt.Sprintf("length %d (expected %d)", n, knownIELen(id))}
			}
			if info.hasConcat {
				return info, nil, &DecodeError{Offset: off, Field: ieField(id), Reason: "a second concatenation IE"}
			}
			total, seq := data[n-2], data[n-1]
			if total == 0 || seq == 0 || seq > total {
				return info, nil, &DecodeError{Offset: off, Field: ieField(id),
					Reason: fmt.Sprintf("part %d of %d (expected total >= 1 and 1 <= seq <= total)", seq, total)}
			}
			info.concat, info.hasConcat = UDH{ie}.Concat()
		}
		if h != nil {
			*h = append(*h, ie)
		}
		off += 2 + n
	}
	return info, ud[end:len(ud):len(ud)], nil
}

func ieField(id byte) string { return fmt.Sprintf("IEI 0x%02X", id) }

// knownIELen returns the data length of the IEs this package interprets.
func knownIELen(id byte) int {
	switch id {
	case IEIPorts8:
		return 2
	case IEIConcat8:
		return 3
	case IEIPorts16, IEIConcat16:
		return 4
	}
	return -1
}
