package si

import (
	"errors"
	"time"
)

// dateLayout is the only date form SI allows (WAP-167 section 7.2).
const dateLayout = "2006-01-02T15:04:05Z"

var errDateForm = errors.New("want a UTC date YYYY-MM-DDThh:mm:ssZ")

// parseDate parses YYYY-MM-DDThh:mm:ssZ strictly: every digit present, the
// 'T' and 'Z' in place, and the fields in range.
func parseDate(s string) (time.Time, error) {
	if len(s) != len(dateLayout) || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z' {
		return time.Time{}, errDateForm
	}
	var digits [14]byte
	n := 0
	for i := 0; i < 19; i++ {
		switch i {
		case 4, 7, 10, 13, 16:
			continue
		}
		if s[i] < '0' || s[i] > '9' {
			return time.Time{}, errDateForm
		}
		digits[n] = s[i] - '0'
		n++
	}
	return dateFromDigits(&digits)
}

// dateFromDigits checks and converts the 14 decimal digits YYYYMMDDhhmmss.
func dateFromDigits(d *[14]byte) (time.Time, error) {
	num := func(i, n int) int {
		v := 0
		for _, c := range d[i : i+n] {
			v = v*10 + int(c)
		}
		return v
	}
	year, month, day := num(0, 4), num(4, 2), num(6, 2)
	hour, minute, sec := num(8, 2), num(10, 2), num(12, 2)
	if month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, errors.New("date field out of range")
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, 0, time.UTC)
	if t.Day() != day {
		return time.Time{}, errors.New("no such day in that month")
	}
	return t, nil
}

// decodeDate decodes the OPAQUE form of a date (WAP-167 section 9.2.2): the
// digits YYYYMMDDhhmmss packed two to an octet, trailing zero octets left
// out, so 1 to 7 octets.
func decodeDate(b []byte) (time.Time, error) {
	if len(b) == 0 || len(b) > 7 {
		return time.Time{}, errors.New("OPAQUE date must have 1 to 7 octets")
	}
	var digits [14]byte
	for i, c := range b {
		hi, lo := c>>4, c&0x0F
		if hi > 9 || lo > 9 {
			return time.Time{}, errors.New("OPAQUE date octet is not two decimal digits")
		}
		digits[2*i], digits[2*i+1] = hi, lo
	}
	return dateFromDigits(&digits)
}

// appendDate appends the OPAQUE form of t (in UTC, to the second).
func appendDate(dst []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	fields := [...]int{year / 100, year % 100, int(month), day, t.Hour(), t.Minute(), t.Second()}
	var packed [7]byte
	n := 0
	for i, f := range fields {
		packed[i] = byte(f/10<<4 | f%10)
		if packed[i] != 0 {
			n = i + 1
		}
	}
	return append(dst, packed[:n]...)
}

// validDateRange reports whether t can be written in four-digit years.
func validDateRange(t time.Time) bool {
	y := t.UTC().Year()
	return y >= 0 && y <= 9999
}

func formatDate(t time.Time) string {
	return t.UTC().Format(dateLayout)
}
