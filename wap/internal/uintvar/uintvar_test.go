package uintvar

import (
	"bytes"
	"errors"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	cases := map[uint32][]byte{
		0: {0x00}, 0x7F: {0x7F}, 0x80: {0x81, 0x00}, 0xA0: {0x81, 0x20},
		0x3FFF: {0xFF, 0x7F}, 0x4000: {0x81, 0x80, 0x00}, 1<<32 - 1: {0x8F, 0xFF, 0xFF, 0xFF, 0x7F},
	}
	for v, want := range cases {
		got := Append(nil, v)
		if !bytes.Equal(got, want) || Len(v) != len(want) {
			t.Errorf("Append(%#x) = % x (Len %d), want % x", v, got, Len(v), want)
		}
		back, n, err := Decode(append(got, 0xAA))
		if err != nil || back != v || n != len(want) {
			t.Errorf("Decode(% x) = %#x, %d, %v", got, back, n, err)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, c := range []struct {
		in   []byte
		want error
	}{
		{nil, ErrTruncated},
		{[]byte{0x81}, ErrTruncated},
		{[]byte{0x90, 0x80, 0x80, 0x80, 0x00}, ErrOverflow},
		{[]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, ErrOverflow},
	} {
		if _, _, err := Decode(c.in); !errors.Is(err, c.want) {
			t.Errorf("Decode(% x): %v, want %v", c.in, err, c.want)
		}
	}
}
