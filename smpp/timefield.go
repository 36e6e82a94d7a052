package smpp

import (
	"time"
)

// SMPP carries times (schedule_delivery_time, validity_period, final_date)
// as 16 characters, YYMMDDhhmmsstnnp (3.4 section 7.1.1):
//
//	YYMMDDhhmmss  local time of the sender
//	t             tenths of a second
//	nn            the local time's distance from UTC in quarter hours (00-48)
//	p             '+' or '-' (local time is ahead of or behind UTC), or 'R'
//
// With p = 'R' the string is relative: YY years, MM months, DD days ... from
// the moment the SMSC received the message; t and nn are then unused.
// An empty string means "not set" (the SMSC default).

// timeLen is the length of a time string without its NUL.
const timeLen = 16

// checkTime returns why s is not a valid SMPP time string, or "" when it
// is. It does not allocate: the decoder calls it on every PDU.
func checkTime(s string) string {
	if len(s) != timeLen {
		return "want 16 characters YYMMDDhhmmsstnnp"
	}
	for i := 0; i < timeLen-1; i++ {
		if s[i] < '0' || s[i] > '9' {
			return "want digits in the first 15 characters (YYMMDDhhmmsstnn)"
		}
	}
	switch s[15] {
	case 'R':
		// Relative: every count is a plain number of units.
		return ""
	case '+', '-':
	default:
		return "want '+', '-' or 'R' as the 16th character"
	}
	two := func(i int) int { return int(s[i]-'0')*10 + int(s[i+1]-'0') }
	switch {
	case two(2) < 1 || two(2) > 12:
		return "month not in 01-12"
	case two(4) < 1 || two(4) > 31:
		return "day not in 01-31"
	case two(6) > 23:
		return "hour not in 00-23"
	case two(8) > 59:
		return "minute not in 00-59"
	case two(10) > 59:
		return "second not in 00-59"
	case two(13) > 48:
		return "UTC offset not in 00-48 quarter hours"
	}
	if two(4) > daysIn(time.Month(two(2)), 2000+two(0)) {
		return "day past the end of the month"
	}
	return ""
}

func daysIn(m time.Month, year int) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// ParseTime reads an SMPP time string. An absolute time is returned in a
// fixed zone at its own UTC offset; a relative time is added to now (years
// and months by the calendar). The empty string gives the zero Time.
func ParseTime(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if reason := checkTime(s); reason != "" {
		return time.Time{}, &TimeError{Value: s, Reason: reason}
	}
	two := func(i int) int { return int(s[i]-'0')*10 + int(s[i+1]-'0') }
	if s[15] == 'R' {
		d := time.Duration(two(6))*time.Hour + time.Duration(two(8))*time.Minute +
			time.Duration(two(10))*time.Second
		return now.AddDate(two(0), two(2), two(4)).Add(d), nil
	}
	offset := two(13) * 15 * 60
	if s[15] == '-' {
		offset = -offset
	}
	zone := time.FixedZone("", offset)
	return time.Date(2000+two(0), time.Month(two(2)), two(4), two(6), two(8), two(10),
		int(s[12]-'0')*int(time.Second/10), zone), nil
}

// AbsoluteTime formats t as an absolute SMPP time in t's own zone, or in
// UTC when that zone's offset is not a whole number of quarter hours within
// 12 hours. The year is written modulo 100 (the format has no century).
func AbsoluteTime(t time.Time) string {
	_, offset := t.Zone()
	if offset%(15*60) != 0 || offset > 48*15*60 || offset < -48*15*60 {
		t = t.UTC()
		offset = 0
	}
	sign := byte('+')
	if offset < 0 {
		sign = '-'
		offset = -offset
	}
	var b [timeLen]byte
	put2 := func(i, v int) { b[i] = byte('0' + v/10%10); b[i+1] = byte('0' + v%10) }
	put2(0, t.Year()%100)
	put2(2, int(t.Month()))
	put2(4, t.Day())
	put2(6, t.Hour())
	put2(8, t.Minute())
	put2(10, t.Second())
	b[12] = byte('0' + t.Nanosecond()/int(time.Second/10))
	put2(13, offset/(15*60))
	b[15] = sign
	return string(b[:])
}

// maxRelative is the longest duration RelativeTime can write: the format
// counts at most 99 days (months and years are calendar units, not
// durations, so they are not used).
const maxRelative = 99*24*time.Hour + 23*time.Hour + 59*time.Minute + 59*time.Second

// RelativeTime formats d as a relative SMPP time, in whole seconds. A
// negative d gives zero; a d beyond 99 days 23:59:59 is clamped to it.
func RelativeTime(d time.Duration) string {
	d = max(0, min(d, maxRelative))
	secs := int(d / time.Second)
	var b [timeLen]byte
	put2 := func(i, v int) { b[i] = byte('0' + v/10); b[i+1] = byte('0' + v%10) }
	put2(0, 0)
	put2(2, 0)
	put2(4, secs/86400)
	put2(6, secs/3600%24)
	put2(8, secs/60%60)
	put2(10, secs%60)
	b[12], b[13], b[14] = '0', '0', '0'
	b[15] = 'R'
	return string(b[:])
}
