package wapgw

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// PatternError reports an allow-list pattern that cannot be used.
type PatternError struct {
	Pattern string // the pattern as given
	Reason  string // what is wrong with it
}

func (e *PatternError) Error() string {
	return fmt.Sprintf("wapgw: allow pattern %q: %s", e.Pattern, e.Reason)
}

// destPattern is one parsed allow-list entry.
type destPattern struct {
	host     string     // lower case, no trailing dot; for a wildcard, the suffix with its leading dot
	addr     netip.Addr // valid when the pattern names an IP address
	wildcard bool       // "*.suffix": any name ending in .suffix
	port     string     // "": the scheme's default port; "*": any port; else the port
}

// parsePattern reads "host", "host:port", "*.domain", "*.domain:port",
// "host:*", an IP address or "[IPv6]:port".
func parsePattern(s string) (destPattern, error) {
	bad := func(reason string) (destPattern, error) {
		return destPattern{}, &PatternError{Pattern: s, Reason: reason}
	}
	p := strings.ToLower(strings.TrimSpace(s))
	if p == "" {
		return bad("empty")
	}
	host, port := p, ""
	if h, pt, err := net.SplitHostPort(p); err == nil {
		host, port = h, pt
		if port != "*" {
			n, ok := parsePort(port)
			if !ok {
				return bad("the port must be 1 to 65535 or *")
			}
			port = strconv.Itoa(n)
		}
	} else if strings.HasPrefix(p, "[") || strings.Count(p, ":") == 1 {
		// Brackets without a port, or one colon that did not split:
		// neither is a host nor host:port.
		return bad("want host, host:port, *.domain or an IP address")
	}
	var d destPattern
	d.port = port
	if addr, err := netip.ParseAddr(host); err == nil {
		if addr.Zone() != "" {
			return bad("a zoned address is never a destination")
		}
		d.addr = addr.Unmap()
		d.host = d.addr.String()
		return d, nil
	}
	if rest, ok := strings.CutPrefix(host, "*."); ok {
		d.wildcard = true
		host = rest
	}
	host = strings.TrimSuffix(host, ".")
	if addr, err := netip.ParseAddr(host); err == nil && !d.wildcard {
		// An address written with a trailing dot ("10.0.0.1.") is still
		// the address, as destinations are read.
		if addr.Zone() != "" {
			return bad("a zoned address is never a destination")
		}
		d.addr = addr.Unmap()
		d.host = d.addr.String()
		return d, nil
	}
	if host == "*" || strings.Contains(host, "*") {
		return bad("a wildcard may only be the first label of a domain (*.example.com); a gateway that allows every host is an open proxy")
	}
	if !validHostname(host) {
		return bad("not a host name")
	}
	if d.wildcard {
		d.host = "." + host
	} else {
		d.host = host
	}
	return d, nil
}

// validHostname reports whether s is a DNS name: dot-separated labels of
// letters, digits, hyphens and underscores, none empty.
func validHostname(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// matches reports whether p allows dest.
func (p destPattern) matches(dest destination) bool {
	switch p.port {
	case "*":
	case "":
		if dest.port != dest.defaultPort {
			return false
		}
	default:
		if dest.port != p.port {
			return false
		}
	}
	switch {
	case p.addr.IsValid():
		return dest.addr == p.addr
	case dest.addr.IsValid():
		// Names, wildcards included, never match an IP literal.
		return false
	case p.wildcard:
		return strings.HasSuffix(dest.host, p.host) && len(dest.host) > len(p.host)
	default:
		return dest.host == p.host
	}
}

// destination is where a proxy request asks to go.
type destination struct {
	host string     // lower case, no trailing dot
	addr netip.Addr // valid for an IP literal
	port string     // explicit or the scheme's default
	// defaultPort is the scheme's, which patterns without a port allow.
	defaultPort string
}

// String is host:port, as the gateway names a destination in messages.
func (d destination) String() string { return net.JoinHostPort(d.host, d.port) }

// parseDestination reads the host and port of a request URL (as
// url.URL's Hostname and Port give them); defaultPort is the port of its
// scheme. It fails on an empty host or a bad port.
func parseDestination(host, port, defaultPort string) (destination, error) {
	if port == "" {
		port = defaultPort
	} else {
		n, ok := parsePort(port)
		if !ok {
			return destination{}, fmt.Errorf("port %q out of range", port)
		}
		port = strconv.Itoa(n) // "080" is port 80
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "" {
		return destination{}, fmt.Errorf("no host")
	}
	d := destination{host: host, port: port, defaultPort: defaultPort}
	if addr, err := netip.ParseAddr(host); err == nil {
		if addr.Zone() != "" {
			return destination{}, fmt.Errorf("zoned address %q", host)
		}
		d.addr = addr.Unmap()
		d.host = d.addr.String()
	}
	return d, nil
}

// parsePort reads a port number: decimal digits only, 1 to 65535.
func parsePort(s string) (int, bool) {
	if s == "" || len(s) > 5 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, n >= 1 && n <= 65535
}
