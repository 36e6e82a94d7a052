package sms

import (
	"errors"
	"fmt"
)

// Coding is the alphabet of TP-UD.
type Coding int

// Alphabets (23.038 §4).
const (
	GSM7  Coding = iota // GSM 7-bit default alphabet, packed
	Data8               // 8-bit data
	UCS2                // UCS-2 (UTF-16 big-endian)
)

func (c Coding) String() string {
	switch c {
	case GSM7:
		return "GSM 7-bit"
	case Data8:
		return "8-bit data"
	case UCS2:
		return "UCS-2"
	}
	return fmt.Sprintf("Coding(%d)", int(c))
}

// DCS returns the TP-DCS without message class for the alphabet: 0x00,
// 0x04 or 0x08.
func (c Coding) DCS() byte {
	switch c {
	case Data8:
		return 0x04
	case UCS2:
		return 0x08
	}
	return 0x00
}

// CodingOf returns the alphabet a TP-DCS selects. Compressed text and
// reserved coding groups are reported as 8-bit data, which is how a
// receiver that cannot decompress must treat them.
func CodingOf(dcs byte) Coding {
	switch {
	case dcs&0xC0 == 0x00, dcs&0xC0 == 0x40: // general data coding, automatic deletion
		if dcs&0x20 != 0 {
			return Data8 // compressed
		}
		switch dcs & 0x0C {
		case 0x00:
			return GSM7
		case 0x08:
			return UCS2
		}
		return Data8
	case dcs&0xF0 == 0xC0, dcs&0xF0 == 0xD0: // message waiting, discard / store
		return GSM7
	case dcs&0xF0 == 0xE0: // message waiting, store, UCS-2
		return UCS2
	case dcs&0xF0 == 0xF0: // data coding / message class
		if dcs&0x04 != 0 {
			return Data8
		}
		return GSM7
	}
	return Data8
}

// Text sizes per SMS (140 octets of TP-UD).
const (
	MaxSeptets       = 160 // one SMS, no UDH
	MaxSeptetsConcat = 153 // with an 8-bit concatenation UDH (6 octets, 1 fill bit)
	MaxUCS2          = 70  // UTF-16 code units, one SMS
	MaxUCS2Concat    = 67  // with an 8-bit concatenation UDH
	MaxParts         = 255
)

// ErrTooManyParts is returned when a text needs more than 255 SMS.
var ErrTooManyParts = errors.New("sms: text needs more than 255 SMS")

// Split chooses the alphabet for s (GSM 7-bit when every character is in
// it or its extension table, else UCS-2) and cuts s into the text of each
// SMS: one part when s fits 160 septets or 70 UCS-2 units, else parts of
// at most 153 septets or 67 units, leaving room for an 8-bit concatenation
// UDH. An extension character (escape + septet) and a surrogate pair are
// never cut. Parts are substrings of s.
func Split(s string) (Coding, []string) {
	coding := UCS2
	if Is7Bit(s) {
		coding = GSM7
	}
	size := func(r rune) int { return ucs2Units(r) }
	single, multi := MaxUCS2, MaxUCS2Concat
	if coding == GSM7 {
		size = runeSeptets
		single, multi = MaxSeptets, MaxSeptetsConcat
	}
	total := 0
	for _, r := range s {
		total += size(r)
	}
	if total <= single {
		return coding, []string{s}
	}
	var parts []string
	start, used := 0, 0
	for i, r := range s {
		w := size(r)
		if used+w > multi {
			parts = append(parts, s[start:i])
			start, used = i, 0
		}
		used += w
	}
	return coding, append(parts, s[start:])
}

// UserData is the TP-UDL and TP-UD of one SMS.
type UserData struct {
	UDHI   bool   // TP-UDHI: Data starts with a UDH
	Length int    // TP-UDL: septets for GSM 7-bit (UDH included), octets otherwise
	Data   []byte // TP-UD
}

// TextUserData encodes s as the user data of one or more SMS, with an
// 8-bit concatenation UDH (reference ref, parts numbered from 1) when it
// needs more than one. It returns the alphabet; its DCS method gives the
// TP-DCS.
func TextUserData(s string, ref byte) (Coding, []UserData, error) {
	coding, parts := Split(s)
	if len(parts) > MaxParts {
		return coding, nil, fmt.Errorf("%w: %d parts", ErrTooManyParts, len(parts))
	}
	out := make([]UserData, len(parts))
	for i, p := range parts {
		var udh []byte
		if len(parts) > 1 {
			udh = []byte{5, 0x00, 3, ref, byte(len(parts)), byte(i + 1)}
		}
		ud := UserData{UDHI: udh != nil, Data: udh}
		if coding == GSM7 {
			septets, _ := AppendSeptets(nil, p) // Split checked the alphabet
			ud.Data = Pack(ud.Data, septets, FillBits(len(udh)))
			ud.Length = len(septets)
			if udh != nil {
				ud.Length += HeaderSeptets(len(udh))
			}
		} else {
			ud.Data = AppendUCS2(ud.Data, p)
			ud.Length = len(ud.Data)
		}
		out[i] = ud
	}
	return coding, out, nil
}

// DecodeText returns the UDH (nil without UDHI) and the text of user data
// in the given alphabet. For 8-bit data the text is the octets as they are.
func DecodeText(coding Coding, ud UserData) (udh []byte, text string, err error) {
	data := ud.Data
	headerSeptets := 0
	if ud.UDHI {
		if len(data) == 0 || 1+int(data[0]) > len(data) {
			return nil, "", &DecodeError{Field: "UDHL", Reason: "header runs past the user data", Err: ErrTruncated}
		}
		udh, data = data[:1+int(data[0])], data[1+int(data[0]):]
		headerSeptets = HeaderSeptets(len(udh))
	}
	switch coding {
	case GSM7:
		n := ud.Length - headerSeptets
		if n < 0 {
			return nil, "", &DecodeError{Field: "TP-UDL", Reason: fmt.Sprintf("%d septets do not cover the %d-septet header", ud.Length, headerSeptets)}
		}
		septets, err := Unpack(data, FillBits(len(udh)), n)
		if err != nil {
			return nil, "", err
		}
		text, err = DecodeSeptets(septets)
		return udh, text, err
	case UCS2:
		text, err = DecodeUCS2(data)
		return udh, text, err
	}
	return udh, string(data), nil
}
