package pap

import (
	"errors"
	"testing"
)

func TestParseAddress(t *testing.T) {
	good := []struct {
		in   string
		want Address
		out  string // String() of the result
	}{
		{"WAPPUSH=+358401234567/TYPE=PLMN@ppg.example.com", Address{"+358401234567", TypePLMN, "ppg.example.com"}, ""},
		{"wappush=+358401234567/type=plmn@ppg.example.com", Address{"+358401234567", TypePLMN, "ppg.example.com"},
			"WAPPUSH=+358401234567/TYPE=PLMN@ppg.example.com"},
		{"WAPPUSH=+358401234567/TYPE=PLMN", Address{"+358401234567", TypePLMN, ""}, ""},
		{"WAPPUSH=+358-40-123.4567/TYPE=PLMN@ppg", Address{"+358401234567", TypePLMN, "ppg"},
			"WAPPUSH=+358401234567/TYPE=PLMN@ppg"},
		{"WAPPUSH=10.11.12.13/TYPE=IPv4@ppg.example.com", Address{"10.11.12.13", TypeIPv4, "ppg.example.com"}, ""},
		{"WAPPUSH=10.11.12.13/TYPE=ipv4@ppg.example.com", Address{"10.11.12.13", TypeIPv4, "ppg.example.com"},
			"WAPPUSH=10.11.12.13/TYPE=IPv4@ppg.example.com"},
		{"WAPPUSH=FEDC:BA98:7654:3210:FEDC:BA98:7654:3210/TYPE=IPv6@ppg.example.com",
			Address{"FEDC:BA98:7654:3210:FEDC:BA98:7654:3210", TypeIPv6, "ppg.example.com"}, ""},
		{"WAPPUSH=::1/TYPE=IPv6", Address{"::1", TypeIPv6, ""}, ""},
		{"WAPPUSH=john%2Edoe/TYPE=USER@ppg.example.com", Address{"john.doe", TypeUSER, "ppg.example.com"}, ""},
		{"WAPPUSH=john%2edoe/TYPE=user@ppg.example.com", Address{"john.doe", TypeUSER, "ppg.example.com"},
			"WAPPUSH=john%2Edoe/TYPE=USER@ppg.example.com"},
		{"WAPPUSH=a%2Fb%40c%25d/TYPE=USER", Address{"a/b@c%d", TypeUSER, ""}, "WAPPUSH=a%2Fb%40c%25d/TYPE=USER"},
		{"WAPPUSH=358401234567/TYPE=GSM_MSISDN@ppg.example.com", Address{"358401234567", TypeGSMMSISDN, "ppg.example.com"}, ""},
		{"WAPPUSH=358401234567/TYPE=gsm_msisdn@ppg.example.com", Address{"358401234567", TypeGSMMSISDN, "ppg.example.com"},
			"WAPPUSH=358401234567/TYPE=GSM_MSISDN@ppg.example.com"},
		{"WAPPUSH=1234/TYPE=ReFLEX_MSIDDN", Address{"1234", TypeReFLEXMSIDDN, ""}, ""},
		{"WAPPUSH=1234/TYPE=iden_msisdn", Address{"1234", TypeIDENMSISDN, ""}, "WAPPUSH=1234/TYPE=iDEN_MSISDN"},
		{"WAPPUSH=+358401234567/TYPE=PLMN@10.0.0.1", Address{"+358401234567", TypePLMN, "10.0.0.1"}, ""},
		{"WAPPUSH=+358401234567/TYPE=PLMN@[::1]", Address{"+358401234567", TypePLMN, "[::1]"}, ""},
	}
	for _, c := range good {
		a, err := ParseAddress(c.in)
		if err != nil {
			t.Errorf("ParseAddress(%q): %v", c.in, err)
			continue
		}
		if a != c.want {
			t.Errorf("ParseAddress(%q) = %+v, want %+v", c.in, a, c.want)
		}
		out := c.out
		if out == "" {
			out = c.in
		}
		if a.String() != out {
			t.Errorf("%+v.String() = %q, want %q", a, a.String(), out)
		}
		if back, err := ParseAddress(a.String()); err != nil || back != a {
			t.Errorf("%q does not read back: %+v, %v", a.String(), back, err)
		}
	}

	bad := []struct {
		in  string
		off int64 // where the fault is
	}{
		{"", 0},
		{"+358401234567/TYPE=PLMN@ppg.example.com", 0},
		{"WAPPUSH+358401234567/TYPE=PLMN", 0},
		{"WAPPUSH=+358401234567;TYPE=PLMN@ppg.example.com", 21}, // D7
		{"WAPPUSH=+358401234567", 21},
		{"WAPPUSH=+358401234567/TYPE=@ppg", 27},
		{"WAPPUSH=+358401234567/TYPE=FAX@ppg", 27},
		{"WAPPUSH=+358401234567/TYPE=PLMN@", 32},
		{"WAPPUSH=+358401234567/TYPE=PLMN@ppg/x", 35},
		{"WAPPUSH=/TYPE=PLMN", 8},
		{"WAPPUSH=358401234567/TYPE=PLMN", 8},
		{"WAPPUSH=+/TYPE=PLMN", 9},
		{"WAPPUSH=+3584012345x67/TYPE=PLMN", 19},
		{"WAPPUSH=+123456789012345678901/TYPE=PLMN", 9},
		{"WAPPUSH=10.11.12/TYPE=IPv4", 8},
		{"WAPPUSH=::1/TYPE=IPv4", 8},
		{"WAPPUSH=10.11.12.13/TYPE=IPv6", 8},
		{"WAPPUSH=fe80::1%eth0/TYPE=IPv6", 8},
		{"WAPPUSH=john%2/TYPE=USER", 12},
		{"WAPPUSH=john%zzdoe/TYPE=USER", 12},
		{"WAPPUSH=john doe/TYPE=USER", 12},
		{"WAPPUSH=jo@hn/TYPE=USER", 10},
		{"WAPPUSH=j\xc3\xa4/TYPE=USER", 9},
	}
	for _, c := range bad {
		a, err := ParseAddress(c.in)
		var pe *Error
		if !errors.As(err, &pe) {
			t.Errorf("ParseAddress(%q) = %+v, %v; want an *Error", c.in, a, err)
			continue
		}
		if pe.Code != CodeAddressError || pe.Offset != c.off || pe.Reason == "" {
			t.Errorf("ParseAddress(%q): code %d offset %d (%s); want 2002 at %d", c.in, pe.Code, pe.Offset, pe.Reason, c.off)
		}
	}
}

// TestAddressStringEscapes checks that String escapes what the grammar
// reserves, in values of every escaped type.
func TestAddressStringEscapes(t *testing.T) {
	a := Address{Value: "a b/c@d%e.f\x00\xff", Type: TypeMAN}
	if got, want := a.String(), "WAPPUSH=a%20b%2Fc%40d%25e%2Ef%00%FF/TYPE=MAN"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if back, err := ParseAddress(a.String()); err != nil || back != a {
		t.Errorf("read back %+v, %v", back, err)
	}
}
