package wsp

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/txpush/txpush/wap/internal/uintvar"
)

// Octets with a special meaning in the WSP basic rules (WAP-230 8.4.2.1).
const (
	quoteOctet       = 0x7F // precedes a Text-string whose first character is >= 0x80
	quotedStringMark = 0x22 // starts a Quoted-string
	lengthQuote      = 0x1F // Value-length: a uintvar follows
	maxShortLength   = 0x1E // largest Value-length written in one octet
	maxLongIntLen    = 30   // Short-length limit of a Long-integer
)

// MaxUintvar is the largest value a uintvar can carry (32 bits in at most
// five octets).
const MaxUintvar = 1<<32 - 1

// AppendUintvar appends v as a uintvar: big-endian groups of seven bits,
// every octet but the last with bit 7 set.
func AppendUintvar(dst []byte, v uint32) []byte { return uintvar.Append(dst, v) }

// UintvarLen returns the number of octets AppendUintvar writes for v.
func UintvarLen(v uint32) int { return uintvar.Len(v) }

// AppendLongInteger appends v as a Long-integer: a length octet followed by
// the value in the fewest big-endian octets (at least one).
func AppendLongInteger(dst []byte, v uint64) []byte {
	n := 1
	for x := v >> 8; x != 0; x >>= 8 {
		n++
	}
	dst = append(dst, byte(n))
	for i := n - 1; i >= 0; i-- {
		dst = append(dst, byte(v>>(8*i)))
	}
	return dst
}

// AppendIntegerValue appends v as an Integer-value: a Short-integer when v
// is below 128, otherwise a Long-integer.
func AppendIntegerValue(dst []byte, v uint64) []byte {
	if v < 0x80 {
		return append(dst, byte(v)|0x80)
	}
	return AppendLongInteger(dst, v)
}

// AppendValueLength appends n as a Value-length: one octet up to 30, else
// the length quote 0x1F and a uintvar. n must not be negative or exceed
// MaxUintvar.
func AppendValueLength(dst []byte, n int) []byte {
	if n <= maxShortLength {
		return append(dst, byte(n))
	}
	return AppendUintvar(append(dst, lengthQuote), uint32(n))
}

// ValueLengthLen returns the number of octets AppendValueLength writes for n.
func ValueLengthLen(n int) int {
	if n <= maxShortLength {
		return 1
	}
	return 1 + UintvarLen(uint32(n))
}

// AppendTextString appends s as a Text-string: the characters, preceded by
// the quote octet 0x7F when the first one is 0x80 or above, then a NUL. A
// string that contains NUL cannot be encoded.
//
// A first character below 0x20 is quoted too: it is not TEXT, and
// unquoted it would read as a Value-length.
func AppendTextString(dst []byte, s string) ([]byte, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return dst, &EncodeError{Field: "Text-string", Reason: fmt.Sprintf("%q contains NUL", s)}
	}
	if needsQuote(s) {
		dst = append(dst, quoteOctet)
	}
	dst = append(dst, s...)
	return append(dst, 0), nil
}

// TextStringLen returns the number of octets AppendTextString writes for s.
func TextStringLen(s string) int {
	n := len(s) + 1
	if needsQuote(s) {
		n++
	}
	return n
}

func needsQuote(s string) bool {
	return len(s) > 0 && (s[0] >= 0x80 || s[0] < 0x20 || s[0] == quoteOctet)
}

// appendTokenText appends s followed by NUL, for Token-text and
// Extension-media, whose first character must be 0x20..0x7E so that it
// is not read as a length, a quote or a well-known code.
func appendTokenText(dst []byte, field, s string) ([]byte, error) {
	if s == "" || s[0] < 0x20 || s[0] >= 0x7F {
		return dst, &EncodeError{Field: field, Reason: fmt.Sprintf("%q must start with a character from 0x20 to 0x7E", s)}
	}
	if strings.IndexByte(s, 0) >= 0 {
		return dst, &EncodeError{Field: field, Reason: fmt.Sprintf("%q contains NUL", s)}
	}
	dst = append(dst, s...)
	return append(dst, 0), nil
}

// appendQuotedString appends s as a Quoted-string: 0x22, the characters,
// NUL.
func appendQuotedString(dst []byte, field, s string) ([]byte, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return dst, &EncodeError{Field: field, Reason: fmt.Sprintf("%q contains NUL", s)}
	}
	dst = append(dst, quotedStringMark)
	dst = append(dst, s...)
	return append(dst, 0), nil
}

// parseVersion turns "1.3" or "2" into a Version-value Short-integer octet
// (major in bits 6-4, minor in bits 3-0, minor 15 meaning none).
func parseVersion(s string) (byte, bool) {
	majorText, minorText, hasMinor := strings.Cut(s, ".")
	major, err := strconv.ParseUint(majorText, 10, 8)
	if err != nil || major > 7 {
		return 0, false
	}
	minor := uint64(15)
	if hasMinor {
		minor, err = strconv.ParseUint(minorText, 10, 8)
		if err != nil || minor > 14 {
			return 0, false
		}
	}
	return 0x80 | byte(major)<<4 | byte(minor), true
}

// FormatVersion renders a Version-value Short-integer octet as "major.minor"
// (or "major" when the minor number is 15, meaning none).
func FormatVersion(v byte) string {
	major, minor := (v>>4)&0x07, v&0x0F
	if minor == 15 {
		return strconv.Itoa(int(major))
	}
	return strconv.Itoa(int(major)) + "." + strconv.Itoa(int(minor))
}

// Reader reads WSP-encoded values from an octet string, keeping track of
// the offset so that errors can say where the input went wrong. Its zero
// value reads nothing; use NewReader.
type Reader struct {
	buf []byte
	off int // next octet to read
	end int // one past the last octet this reader may read
}

// NewReader returns a Reader over b.
func NewReader(b []byte) *Reader { return &Reader{buf: b, end: len(b)} }

// Offset returns the offset of the next octet, counted from the start of
// the input given to NewReader.
func (r *Reader) Offset() int { return r.off }

// Len returns the number of octets left to read.
func (r *Reader) Len() int { return r.end - r.off }

// Errorf returns a DecodeError for field at offset off, its reason
// formatted from format and args.
func (r *Reader) Errorf(off int, field, format string, args ...any) *DecodeError {
	return &DecodeError{Offset: off, Field: field, Reason: fmt.Sprintf(format, args...)}
}

func (r *Reader) truncated(off int, field, what string) *DecodeError {
	return &DecodeError{Offset: off, Field: field, Reason: "input ends before " + what, Err: ErrTruncated}
}

// Peek returns the next octet without consuming it.
func (r *Reader) Peek(field string) (byte, error) {
	if r.off >= r.end {
		return 0, r.truncated(r.off, field, "the field")
	}
	return r.buf[r.off], nil
}

// Byte reads one octet.
func (r *Reader) Byte(field string) (byte, error) {
	b, err := r.Peek(field)
	if err == nil {
		r.off++
	}
	return b, err
}

// Next reads n octets. The result aliases the input.
func (r *Reader) Next(n int, field string) ([]byte, error) {
	if n < 0 || n > r.end-r.off {
		return nil, r.truncated(r.off, field, fmt.Sprintf("its %d octets (%d left)", n, r.end-r.off))
	}
	b := r.buf[r.off : r.off+n : r.off+n]
	r.off += n
	return b, nil
}

// Rest reads every octet left. The result aliases the input.
func (r *Reader) Rest() []byte {
	b := r.buf[r.off:r.end:r.end]
	r.off = r.end
	return b
}

// Sub reads n octets and returns a Reader confined to them, whose offsets
// continue those of r.
func (r *Reader) Sub(n int, field string) (Reader, error) {
	start := r.off
	if _, err := r.Next(n, field); err != nil {
		return Reader{}, err
	}
	return Reader{buf: r.buf, off: start, end: start + n}, nil
}

// Uintvar reads a uintvar of at most five octets whose value fits in 32 bits.
func (r *Reader) Uintvar(field string) (uint32, error) {
	v, n, err := uintvar.Decode(r.buf[r.off:r.end])
	switch {
	case errors.Is(err, uintvar.ErrTruncated):
		return 0, r.truncated(r.off, field, "the last octet of a uintvar")
	case err != nil:
		return 0, r.Errorf(r.off, field, "uintvar does not fit in 32 bits")
	}
	r.off += n
	return v, nil
}

// ShortInteger reads a Short-integer (an octet with bit 7 set) and returns
// its value 0..127.
func (r *Reader) ShortInteger(field string) (byte, error) {
	start := r.off
	b, err := r.Byte(field)
	if err != nil {
		return 0, err
	}
	if b < 0x80 {
		r.off = start
		return 0, r.Errorf(start, field, "octet 0x%02X is not a Short-integer (expected 0x80..0xFF)", b)
	}
	return b & 0x7F, nil
}

// LongInteger reads a Long-integer: a length octet 1..30 and that many
// big-endian octets. Values above 64 bits are rejected.
func (r *Reader) LongInteger(field string) (uint64, error) {
	start := r.off
	n, err := r.Byte(field)
	if err != nil {
		return 0, err
	}
	if n == 0 || n > maxLongIntLen {
		r.off = start
		return 0, r.Errorf(start, field, "Long-integer length %d (expected 1..30)", n)
	}
	b, err := r.Next(int(n), field)
	if err != nil {
		r.off = start
		return 0, r.truncated(start, field, fmt.Sprintf("the %d octets of a Long-integer", n))
	}
	var v uint64
	for _, c := range b {
		if v>>56 != 0 {
			r.off = start
			return 0, r.Errorf(start, field, "Long-integer does not fit in 64 bits")
		}
		v = v<<8 | uint64(c)
	}
	return v, nil
}

// IntegerValue reads an Integer-value: a Short-integer or a Long-integer.
func (r *Reader) IntegerValue(field string) (uint64, error) {
	b, err := r.Peek(field)
	if err != nil {
		return 0, err
	}
	if b >= 0x80 {
		v, err := r.ShortInteger(field)
		return uint64(v), err
	}
	return r.LongInteger(field)
}

// ValueLength reads a Value-length (0..30 in one octet, or 0x1F and a
// uintvar) and checks that that many octets follow.
func (r *Reader) ValueLength(field string) (int, error) {
	start := r.off
	b, err := r.Byte(field)
	if err != nil {
		return 0, err
	}
	var n uint32
	switch {
	case b <= maxShortLength:
		n = uint32(b)
	case b == lengthQuote:
		if n, err = r.Uintvar(field); err != nil {
			r.off = start
			return 0, err
		}
	default:
		r.off = start
		return 0, r.Errorf(start, field, "octet 0x%02X is not a Value-length (expected 0x00..0x1F)", b)
	}
	if int64(n) > int64(r.end-r.off) {
		r.off = start
		return 0, &DecodeError{Offset: start, Field: field, Err: ErrTruncated,
			Reason: fmt.Sprintf("Value-length %d exceeds the %d octets left", n, r.end-r.off)}
	}
	return int(n), nil
}

// TextString reads a Text-string: characters up to a NUL, without the
// leading quote octet 0x7F if there is one.
func (r *Reader) TextString(field string) (string, error) {
	start := r.off
	i := bytes.IndexByte(r.buf[r.off:r.end], 0)
	if i < 0 {
		return "", r.truncated(start, field, "the NUL that ends a Text-string")
	}
	s := r.buf[r.off : r.off+i]
	r.off += i + 1
	if len(s) > 0 && s[0] == quoteOctet {
		s = s[1:]
	}
	return string(s), nil
}

// RawValue reads one header field value of any kind, telling its extent
// by the first octet (WAP-230 8.4.1.2): a Short-integer, a Value-length and
// that many octets, or a Text-string. The result aliases the input.
func (r *Reader) RawValue(field string) ([]byte, error) {
	start := r.off
	b, err := r.Peek(field)
	if err != nil {
		return nil, err
	}
	switch {
	case b >= 0x80:
		r.off++
	case b <= lengthQuote:
		n, err := r.ValueLength(field)
		if err != nil {
			return nil, err
		}
		r.off += n // ValueLength checked that n octets follow
	default:
		if _, err := r.TextString(field); err != nil {
			return nil, err
		}
	}
	return r.buf[start:r.off:r.off], nil
}

// textValue reads a Text-value: No-value (NUL), Token-text or
// Quoted-string.
func (r *Reader) textValue(field string) (string, error) {
	b, err := r.Peek(field)
	if err != nil {
		return "", err
	}
	if b == quotedStringMark {
		r.off++
		s, err := r.TextString(field)
		if err != nil {
			r.off--
		}
		return s, err
	}
	return r.TextString(field)
}
