// Package wapgw is the WAP gateway's pull proxy: the HTTP proxy through
// which a handset fetches the URL it was pushed (steps 12–14 of the push
// flow). It forwards the fetch to the content server and returns the body.
//
// It is never an open proxy: it only fetches from the destinations on its
// allow list (in a PPG, the content hosts of its Push Initiators, added
// with AllowDestinations), offers no CONNECT tunnels, and refuses requests
// that are not proxy requests. A Gateway is an http.Handler, so the PPG
// can mount it beside its own handlers and `txpush wapgw` can run it
// alone.
package wapgw

import (
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of Config.
const (
	DefaultTimeout        = 30 * time.Second
	DefaultMaxBody        = 1 << 20  // 1 MiB
	DefaultMaxRequestBody = 64 << 10 // 64 KiB: an m-notifyresp-ind is a few dozen octets
	DefaultVia            = "txpush-wapgw"
)

// Config is the configuration of a Gateway.
type Config struct {
	// Allow lists the destinations the gateway fetches from: "host"
	// (on the scheme's default port), "host:port", "host:*" (any port),
	// "*.example.com" (any name under example.com, on the default port,
	// or with ":port"), an IP address or "[IPv6]:port". Names match
	// without regard to case. With an empty list every destination is
	// refused; AllowDestinations adds entries later.
	Allow []string
	// AllowHTTPS lets clients ask for https URLs, which the gateway then
	// fetches over TLS. Without it they are refused.
	AllowHTTPS bool
	// Timeout bounds one fetch, from sending the request to the end of
	// the body; past it the client gets 504. Zero or less means
	// DefaultTimeout.
	Timeout time.Duration
	// MaxBody is the largest response body passed back. A larger one is
	// answered 502, never cut short. Zero or less means DefaultMaxBody.
	MaxBody int64
	// MaxRequestBody is the largest request body (a POST, such as an
	// MMS m-notifyresp-ind) forwarded; a larger one is answered 413.
	// Zero or less means DefaultMaxRequestBody.
	MaxRequestBody int64
	// Via is the pseudonym the gateway names itself by in the Via
	// header. Empty means DefaultVia.
	Via string
	// Transport makes the requests to content servers. Nil means a
	// transport that dials directly (never through an environment
	// proxy) and leaves content encodings alone.
	Transport http.RoundTripper
	// Logger, when set, receives one access-log line per request.
	Logger *slog.Logger
}

// Stats are the gateway's counters since it was made.
type Stats struct {
	Requests  uint64 // requests received
	Forwarded uint64 // answered with the content server's response
	Refused   uint64 // refused by the gateway itself (4xx): not a proxy request, method, scheme, destination, request size
	Errors    uint64 // the fetch failed (502, 504): server unreachable, timed out, body too large
	Bytes     uint64 // body octets passed back from content servers
}

// Gateway is the pull proxy. It is safe for concurrent use.
type Gateway struct {
	allowHTTPS     bool
	timeout        time.Duration
	maxBody        int64
	maxRequestBody int64
	via            string
	transport      http.RoundTripper
	log            *slog.Logger

	mu    sync.RWMutex
	allow []destPattern

	requests, forwarded, refused, errs, bytes atomic.Uint64
}

// New makes a Gateway. It fails on an allow-list pattern it cannot use.
func New(cfg Config) (*Gateway, error) {
	g := &Gateway{
		allowHTTPS:     cfg.AllowHTTPS,
		timeout:        orDefault(cfg.Timeout, DefaultTimeout),
		maxBody:        orDefault(cfg.MaxBody, DefaultMaxBody),
		maxRequestBody: orDefault(cfg.MaxRequestBody, DefaultMaxRequestBody),
		via:            cfg.Via,
		transport:      cfg.Transport,
		log:            cfg.Logger,
	}
	if g.via == "" {
		g.via = DefaultVia
	}
	if g.transport == nil {
		g.transport = newTransport()
	}
	if err := g.AllowDestinations(cfg.Allow...); err != nil {
		return nil, err
	}
	return g, nil
}

// orDefault returns v, or def when v is not positive.
func orDefault[T int64 | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// newTransport is the default Transport: direct connections, since a
// gateway that honoured HTTP_PROXY would hand its traffic to a third
// party, and no transparent decompression, so bodies pass unchanged.
func newTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		DisableCompression:    true,
	}
}

// AllowDestinations adds patterns (in the syntax of Config.Allow) to the
// allow list. It adds none if any is bad.
func (g *Gateway) AllowDestinations(patterns ...string) error {
	parsed := make([]destPattern, 0, len(patterns))
	for _, s := range patterns {
		p, err := parsePattern(s)
		if err != nil {
			return err
		}
		parsed = append(parsed, p)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, p := range parsed {
		dup := false
		for _, q := range g.allow {
			if p == q {
				dup = true
				break
			}
		}
		if !dup {
			g.allow = append(g.allow, p)
		}
	}
	return nil
}

// Allows reports whether the gateway would fetch rawURL: an absolute
// http (or, when allowed, https) URL whose destination is on the allow
// list.
func (g *Gateway) Allows(rawURL string) bool {
	u, err := url.Parse(rawURL)
	if err != nil {
		return false
	}
	_, refusal := g.destination(u)
	return refusal == nil
}

func (g *Gateway) allowed(d destination) bool {
	g.mu.RLock()
	defer g.mu.RUnlock()
	for _, p := range g.allow {
		if p.matches(d) {
			return true
		}
	}
	return false
}

// Stats returns the gateway's counters.
func (g *Gateway) Stats() Stats {
	return Stats{
		Requests:  g.requests.Load(),
		Forwarded: g.forwarded.Load(),
		Refused:   g.refused.Load(),
		Errors:    g.errs.Load(),
		Bytes:     g.bytes.Load(),
	}
}
