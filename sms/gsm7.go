package sms

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Escape is the septet that introduces a character of the extension table.
const Escape = 0x1B

// defaultAlphabet is the GSM 7-bit default alphabet (23.038 6.2.1),
// indexed by septet. Position 0x1B is the escape to the extension table.
var defaultAlphabet = [128]rune{
	'@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å',
	'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', 0x1B, 'Æ', 'æ', 'ß', 'É',
	' ', '!', '"', '#', '¤', '%', '&', '\'', '(', ')', '*', '+', ',', '-', '.', '/',
	'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?',
	'¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O',
	'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§',
	'¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
	'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à',
}

// extensionTable maps the septet after an escape to its character
// (23.038 6.2.1.1, default extension table).
var extensionTable = map[byte]rune{
	0x0A: '\f', 0x14: '^', 0x28: '{', 0x29: '}', 0x2F: '\\',
	0x3C: '[', 0x3D: '~', 0x3E: ']', 0x40: '|', 0x65: '€',
}

// Reverse tables, built once from the constant tables above.
var (
	defaultIndex   = make(map[rune]byte, 128)
	extensionIndex = make(map[rune]byte, len(extensionTable))
)

func init() {
	for i, r := range defaultAlphabet {
		if i != Escape {
			defaultIndex[r] = byte(i)
		}
	}
	for s, r := range extensionTable {
		extensionIndex[r] = s
	}
}

// UnencodableError reports a character that the GSM 7-bit alphabet,
// extension table included, cannot carry: the text needs UCS-2.
type UnencodableError struct {
	Rune  rune
	Index int // byte offset in the string
}

func (e *UnencodableError) Error() string {
	return fmt.Sprintf("sms: %q at byte %d is not in the GSM 7-bit alphabet", e.Rune, e.Index)
}

// SeptetLen returns the number of septets s takes in the GSM 7-bit
// alphabet (two for each extension character), or an *UnencodableError.
func SeptetLen(s string) (int, error) {
	n := 0
	for i, r := range s {
		switch w := runeSeptets(r); w {
		case 0:
			return 0, &UnencodableError{Rune: r, Index: i}
		default:
			n += w
		}
	}
	return n, nil
}

// runeSeptets returns 1 or 2, or 0 for a character outside the alphabet.
func runeSeptets(r rune) int {
	if _, ok := defaultIndex[r]; ok {
		return 1
	}
	if _, ok := extensionIndex[r]; ok {
		return 2
	}
	return 0
}

// Is7Bit reports whether s can be sent in the GSM 7-bit alphabet.
func Is7Bit(s string) bool {
	_, err := SeptetLen(s)
	return err == nil
}

// AppendSeptets appends the septets of s, one per octet (the unpacked form
// SMPP carries for data_coding 0), or returns an *UnencodableError.
func AppendSeptets(dst []byte, s string) ([]byte, error) {
	for i, r := range s {
		if c, ok := defaultIndex[r]; ok {
			dst = append(dst, c)
		} else if c, ok := extensionIndex[r]; ok {
			dst = append(dst, Escape, c)
		} else {
			return dst, &UnencodableError{Rune: r, Index: i}
		}
	}
	return dst, nil
}

// ErrBadSeptet is wrapped by DecodeError for an octet above 0x7F where a
// septet was expected.
var ErrBadSeptet = errors.New("value above 0x7F is not a septet")

// DecodeError reports undecodable input and where.
type DecodeError struct {
	Offset int    // octet offset in the input
	Field  string // what was being read
	Reason string // what was wrong and what was expected
	Err    error  // ErrTruncated, ErrBadSeptet or nil
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("sms: %s at offset %d: %s", e.Field, e.Offset, e.Reason)
}

// Unwrap returns the sentinel error, if any.
func (e *DecodeError) Unwrap() error { return e.Err }

// ErrTruncated is wrapped by a DecodeError when the input ends early.
var ErrTruncated = errors.New("input ends early")

// DecodeSeptets turns unpacked septets into text. An escape followed by a
// septet that the extension table does not define stands for that
// septet's default character (23.038 6.2.1.1); an escape at the very end
// is dropped, since it is the padding a sender may leave when a part ends
// on a septet boundary.
func DecodeSeptets(septets []byte) (string, error) {
	var b strings.Builder
	b.Grow(len(septets))
	for i := 0; i < len(septets); i++ {
		c := septets[i]
		if c > 0x7F {
			return "", &DecodeError{Offset: i, Field: "septet", Reason: fmt.Sprintf("0x%02X (expected 0x00..0x7F)", c), Err: ErrBadSeptet}
		}
		if c != Escape {
			b.WriteRune(defaultAlphabet[c])
			continue
		}
		if i+1 == len(septets) {
			break
		}
		i++
		e := septets[i]
		if e > 0x7F {
			return "", &DecodeError{Offset: i, Field: "septet", Reason: fmt.Sprintf("0x%02X after escape (expected 0x00..0x7F)", e), Err: ErrBadSeptet}
		}
		if r, ok := extensionTable[e]; ok {
			b.WriteRune(r)
		} else if e == Escape {
			b.WriteRune(' ') // reserved double escape: shown as a space
		} else {
			b.WriteRune(defaultAlphabet[e])
		}
	}
	return b.String(), nil
}

// PackedLen returns the octets that n septets take after fill bits; no
// septets take no octets.
func PackedLen(n, fillBits int) int {
	if n <= 0 {
		return 0
	}
	return (fillBits + 7*n + 7) / 8
}

// FillBits returns the fill bits needed after a UDH of udhOctets octets
// (UDHL included) so that the text starts on a septet boundary.
func FillBits(udhOctets int) int { return (7 - udhOctets*8%7) % 7 }

// HeaderSeptets returns the septets a UDH of udhOctets octets (UDHL
// included) and its fill bits count for in TP-UDL.
func HeaderSeptets(udhOctets int) int { return (udhOctets*8 + 6) / 7 }

// Pack appends septets packed 7 bits each, least significant bit first
// (23.038 6.1.2.1), after fillBits zero bits (0..6). Septets must be 0..0x7F;
// the top bit of each is ignored.
func Pack(dst []byte, septets []byte, fillBits int) []byte {
	n := PackedLen(len(septets), fillBits)
	start := len(dst)
	dst = append(dst, make([]byte, n)...)
	out := dst[start:]
	bit := fillBits
	for _, s := range septets {
		v := uint16(s&0x7F) << (bit % 8)
		out[bit/8] |= byte(v)
		if v>>8 != 0 {
			out[bit/8+1] |= byte(v >> 8)
		}
		bit += 7
	}
	return dst
}

// Unpack reads count septets from packed octets after fillBits bits.
func Unpack(packed []byte, fillBits, count int) ([]byte, error) {
	if fillBits < 0 || fillBits > 6 || count < 0 {
		return nil, &DecodeError{Field: "septets", Reason: fmt.Sprintf("fill bits %d, count %d (expected 0..6 fill bits and count >= 0)", fillBits, count)}
	}
	if need := PackedLen(count, fillBits); need > len(packed) {
		return nil, &DecodeError{Offset: len(packed), Field: "septets", Err: ErrTruncated,
			Reason: fmt.Sprintf("%d septets after %d fill bits need %d octets, %d given", count, fillBits, need, len(packed))}
	}
	out := make([]byte, count)
	bit := fillBits
	for i := range out {
		v := uint16(packed[bit/8])
		if bit%8 > 1 {
			v |= uint16(packed[bit/8+1]) << 8
		}
		out[i] = byte(v>>(bit%8)) & 0x7F
		bit += 7
	}
	return out, nil
}

// AppendUCS2 appends s in UCS-2 as 23.038 is read today: UTF-16
// big-endian, characters outside the BMP as surrogate pairs.
func AppendUCS2(dst []byte, s string) []byte {
	for _, r := range s {
		if r >= 0x10000 {
			r -= 0x10000
			hi, lo := 0xD800+(r>>10), 0xDC00+(r&0x3FF)
			dst = append(dst, byte(hi>>8), byte(hi), byte(lo>>8), byte(lo))
			continue
		}
		dst = append(dst, byte(r>>8), byte(r))
	}
	return dst
}

// DecodeUCS2 turns UTF-16 big-endian octets into text. An odd length is
// an error; an unpaired surrogate becomes U+FFFD.
func DecodeUCS2(b []byte) (string, error) {
	if len(b)%2 != 0 {
		return "", &DecodeError{Offset: len(b) - 1, Field: "UCS-2", Reason: "odd number of octets", Err: ErrTruncated}
	}
	var sb strings.Builder
	sb.Grow(len(b))
	for i := 0; i < len(b); i += 2 {
		u := rune(b[i])<<8 | rune(b[i+1])
		if u >= 0xD800 && u < 0xDC00 && i+3 < len(b) {
			lo := rune(b[i+2])<<8 | rune(b[i+3])
			if lo >= 0xDC00 && lo < 0xE000 {
				sb.WriteRune(0x10000 + (u-0xD800)<<10 + (lo - 0xDC00))
				i += 2
				continue
			}
		}
		if u >= 0xD800 && u < 0xE000 {
			u = utf8.RuneError
		}
		sb.WriteRune(u)
	}
	return sb.String(), nil
}

// ucs2Units returns the UTF-16 code units of r.
func ucs2Units(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}
