// Package uintvar is the variable-length unsigned integer that WSP calls
// uintvar (WAP-230 section 8.1.2) and WBXML mb_u_int32 (WAP-192 section
// 5.1): big-endian groups of seven bits, bit 7 set on every octet but the
// last, at most five octets for 32 bits. Both codecs use this one.
package uintvar

import "errors"

// Errors of Decode; the callers wrap them in their own typed errors.
var (
	ErrTruncated = errors.New("input ends inside a variable-length integer")
	ErrOverflow  = errors.New("variable-length integer does not fit in 32 bits")
)

// MaxLen is the most octets a 32-bit value takes.
const MaxLen = 5

// Append appends v in its shortest form.
func Append(dst []byte, v uint32) []byte {
	var tmp [MaxLen]byte
	i := len(tmp) - 1
	tmp[i] = byte(v & 0x7F)
	for v >>= 7; v != 0; v >>= 7 {
		i--
		tmp[i] = byte(v&0x7F) | 0x80
	}
	return append(dst, tmp[i:]...)
}

// Len returns how many octets Append writes for v.
func Len(v uint32) int {
	n := 1
	for v >>= 7; v != 0; v >>= 7 {
		n++
	}
	return n
}

// Decode reads one integer from the start of b and returns it with the
// number of octets it took.
func Decode(b []byte) (uint32, int, error) {
	var v uint64
	for i := 0; i < MaxLen; i++ {
		if i >= len(b) {
			return 0, 0, ErrTruncated
		}
		c := b[i]
		v = v<<7 | uint64(c&0x7F)
		if c&0x80 == 0 {
			if v > 1<<32-1 {
				return 0, 0, ErrOverflow
			}
			return uint32(v), i + 1, nil
		}
	}
	return 0, 0, ErrOverflow
}
