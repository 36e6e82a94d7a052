package pap

import (
	"net/netip"
	"strings"
)

// AddressType is the TYPE of a client address.
type AddressType string

// The address types of WAP-249 6.1: the four the grammar names and the
// WINA-registered bearer address types.
const (
	TypePLMN AddressType = "PLMN" // a global phone number, "+" and digits
	TypeUSER AddressType = "USER" // a user-defined identifier whose meaning is the PPG's
	TypeIPv4 AddressType = "IPv4"
	TypeIPv6 AddressType = "IPv6"

	TypeGSMMSISDN      AddressType = "GSM_MSISDN"
	TypeANSI136MSISDN  AddressType = "ANSI_136_MSISDN"
	TypeIS637MSISDN    AddressType = "IS_637_MSISDN"
	TypeIDENMSISDN     AddressType = "iDEN_MSISDN"
	TypeFLEXMSISDN     AddressType = "FLEX_MSISDN"
	TypePHSMSISDN      AddressType = "PHS_MSISDN"
	TypeGSMServiceCode AddressType = "GSM_Service_Code"
	TypeTETRAITSI      AddressType = "TETRA_ITSI"
	TypeTETRAMSISDN    AddressType = "TETRA_MSISDN"
	TypeReFLEXMSIDDN   AddressType = "ReFLEX_MSIDDN" // sic: the registered spelling
	TypeMAN            AddressType = "MAN"
)

// addressTypes lists every type in its registered spelling, which
// ParseAddress restores whatever case the address was written in.
var addressTypes = [...]AddressType{
	TypePLMN, TypeUSER, TypeIPv4, TypeIPv6,
	TypeGSMMSISDN, TypeANSI136MSISDN, TypeIS637MSISDN, TypeIDENMSISDN,
	TypeFLEXMSISDN, TypePHSMSISDN, TypeGSMServiceCode, TypeTETRAITSI,
	TypeTETRAMSISDN, TypeReFLEXMSIDDN, TypeMAN,
}

// maxPhoneDigits bounds a PLMN number: E.164 allows 15 digits; a few more
// leave room for odd numbering plans without accepting garbage.
const maxPhoneDigits = 20

// Address is a client address, the value of the address-value attribute:
//
//	WAPPUSH=+358401234567/TYPE=PLMN@ppg.example.com
type Address struct {
	// Value identifies the client. For PLMN it is "+" and digits, the
	// separators "-" and "." removed; for IPv4 and IPv6 the address as
	// written; for the other types the value with its %-escapes decoded.
	Value string
	Type  AddressType
	// Host is the ppg-specifier after "@", or "" when the address has none
	// (MMS relays omit it).
	Host string
}

// String returns a in the address grammar, %-escaping the values of USER
// and bearer address types.
func (a Address) String() string {
	var b strings.Builder
	b.Grow(len("WAPPUSH=/TYPE=@") + len(a.Value)*3 + len(a.Type) + len(a.Host))
	b.WriteString("WAPPUSH=")
	switch a.Type {
	case TypePLMN, TypeIPv4, TypeIPv6:
		b.WriteString(a.Value)
	default:
		const hex = "0123456789ABCDEF"
		for i := 0; i < len(a.Value); i++ {
			c := a.Value[i]
			if isAlnum(c) || c == '+' || c == '-' || c == '_' {
				b.WriteByte(c)
			} else {
				b.WriteByte('%')
				b.WriteByte(hex[c>>4])
				b.WriteByte(hex[c&15])
			}
		}
	}
	b.WriteString("/TYPE=")
	b.WriteString(string(a.Type))
	if a.Host != "" {
		b.WriteByte('@')
		b.WriteString(a.Host)
	}
	return b.String()
}

// ParseAddress parses a client address. The keywords WAPPUSH and TYPE and
// the type name may be in any case, and the "@ppg-specifier" may be
// missing. An address that does not follow the grammar, including the
// ";TYPE=" form some documents show, is refused with an *Error of code
// CodeAddressError whose Offset is the position in s.
func ParseAddress(s string) (Address, error) {
	fail := func(off int, reason string) (Address, error) {
		return Address{}, &Error{
			Code: CodeAddressError, Element: "address", Attribute: "address-value",
			Offset: int64(off), Reason: reason, Fragment: fragment([]byte(s)),
		}
	}
	const prefix = "WAPPUSH="
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return fail(0, `expected "WAPPUSH="`)
	}
	sep := lastTypeSeparator(s, '/')
	if sep < len(prefix) {
		if lastTypeSeparator(s, ';') >= len(prefix) {
			return fail(lastTypeSeparator(s, ';'), `";TYPE=" is not the grammar: the type follows "/TYPE="`)
		}
		return fail(len(s), `expected "/TYPE=" after the value`)
	}
	var a Address
	raw := s[len(prefix):sep]
	typ, host, hasHost := strings.Cut(s[sep+len("/TYPE="):], "@")
	typeOff := sep + len("/TYPE=")
	for _, t := range addressTypes {
		if strings.EqualFold(typ, string(t)) {
			a.Type = t
			break
		}
	}
	if a.Type == "" {
		return fail(typeOff, "unknown address type "+quote(typ))
	}
	if hasHost {
		if off, ok := checkHost(host); !ok {
			return fail(typeOff+len(typ)+1+off, "the ppg-specifier after \"@\" must be a host name or an IP address")
		}
		a.Host = host
	}
	if raw == "" {
		return fail(len(prefix), "empty value")
	}
	switch a.Type {
	case TypePLMN:
		v, off, reason := parsePhoneNumber(raw)
		if reason != "" {
			return fail(len(prefix)+off, reason)
		}
		a.Value = v
	case TypeIPv4, TypeIPv6:
		ip, err := netip.ParseAddr(raw)
		if err != nil || ip.Zone() != "" || (a.Type == TypeIPv4) != ip.Is4() {
			return fail(len(prefix), "the value is not an "+string(a.Type)+" address")
		}
		a.Value = raw
	default:
		v, off, reason := unescapeValue(raw)
		if reason != "" {
			return fail(len(prefix)+off, reason)
		}
		a.Value = v
	}
	return a, nil
}

// lastTypeSeparator returns the index of the last sep+"TYPE=" in s, in any
// case, or -1. The last one is taken because the value before it is
// escaped and cannot hold one, while the host after it cannot either.
func lastTypeSeparator(s string, sep byte) int {
	for i := len(s) - len("/TYPE="); i >= 0; i-- {
		if s[i] == sep && strings.EqualFold(s[i+1:i+len("/TYPE=")], "TYPE=") {
			return i
		}
	}
	return -1
}

// parsePhoneNumber checks a global phone number and removes its written
// separators. It returns the offset and a reason when s is not one.
func parsePhoneNumber(s string) (v string, off int, reason string) {
	if s[0] != '+' {
		return "", 0, `a PLMN number starts with "+" (international form)`
	}
	b := make([]byte, 1, len(s))
	b[0] = '+'
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			b = append(b, c)
		case c == '-' || c == '.':
		default:
			return "", i, "a PLMN number holds only digits and the separators - and ."
		}
	}
	if n := len(b) - 1; n == 0 || n > maxPhoneDigits {
		return "", 1, "a PLMN number has 1 to 20 digits"
	}
	return string(b), 0, ""
}

// unescapeValue decodes the %-escapes of an escaped value. Characters that
// delimit the address, white space, controls and non-ASCII octets must be
// escaped.
func unescapeValue(s string) (v string, off int, reason string) {
	if !strings.ContainsAny(s, "%/@ \t") && isPrintableASCII(s) {
		return s, 0, ""
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return "", i, `"%" must be followed by two hex digits`
			}
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		case c == '/' || c == '@' || c <= ' ' || c >= 0x7F:
			return "", i, "character " + quote(string(c)) + " must be %-escaped in the value"
		default:
			b = append(b, c)
		}
	}
	return string(b), 0, ""
}

// checkHost reports whether h is a DNS-style host name or an IP address,
// and where it is not.
func checkHost(h string) (off int, ok bool) {
	if h == "" {
		return 0, false
	}
	for i := 0; i < len(h); i++ {
		if c := h[i]; !isAlnum(c) && c != '-' && c != '.' && c != '_' {
			// Not a host name; perhaps an IPv6 address. (Names are
			// checked first: a failed ParseAddr allocates its error.)
			if _, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")); err == nil {
				return 0, true
			}
			return i, false
		}
	}
	return 0, true
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

func isPrintableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7F {
			return false
		}
	}
	return true
}

// quote returns s in double quotes, shortened if long, for error reasons.
func quote(s string) string {
	if len(s) > 40 {
		return `"` + fragment([]byte(s[:40])) + `..."`
	}
	return `"` + fragment([]byte(s)) + `"`
}
