package handset

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/txpush/txpush/clock"
)

// Reassembly timeouts of the two kinds of handset the project models
// (sim-parameters.md): how long a phone keeps the parts of an incomplete
// concatenated message.
const (
	// ReassemblyModern is what a current Android phone allows.
	ReassemblyModern = 24 * time.Hour
	// ReassemblyFeature is the short timer of older phones (a proposed OEM
	// value; feature phones' own timers are undocumented).
	ReassemblyFeature = 256 * time.Second
)

// ParseReassembly reads a reassembly timeout: "modern" (24 h), "feature"
// (256 s) or a positive duration such as "30m".
func ParseReassembly(s string) (time.Duration, error) {
	switch strings.ToLower(s) {
	case "modern":
		return ReassemblyModern, nil
	case "feature":
		return ReassemblyFeature, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("handset: reassembly %q: want modern, feature or a positive duration", s)
	}
	return d, nil
}

// Defaults of the zero Config fields.
const (
	DefaultMaxPending       = 100_000
	DefaultMaxPendingOctets = 64 << 20
	DefaultFetchTimeout     = 30 * time.Second
	DefaultMaxFetchSize     = 16 << 20
	DefaultHistory          = 1000
)

// Config holds the settings of a Handset, or those every handset of a
// Population shares. The zero value is usable: a modern handset on the real
// clock that does not fetch.
type Config struct {
	// Reassembly is how long after its first part a concatenated message
	// may take to complete before its parts are discarded; zero means
	// ReassemblyModern.
	Reassembly time.Duration
	// MaxPending and MaxPendingOctets bound the messages being
	// reassembled (over the whole Population) and the payload octets they
	// hold; the oldest is evicted to make room. Zero means
	// DefaultMaxPending and DefaultMaxPendingOctets.
	MaxPending       int
	MaxPendingOctets int

	// Fetch makes the handset fetch the URL of each SI and SL with an href
	// and the content location of each MMS notification, as a phone does
	// after a push (steps 11–14 of the design).
	Fetch bool
	// Proxy is the WAP gateway, as the URL of an HTTP proxy
	// ("http://127.0.0.1:8081"); fetches go through it. "" fetches
	// directly. Ignored when HTTPClient is set.
	Proxy string
	// HTTPClient, when set, makes the fetches instead of a client built
	// from Proxy.
	HTTPClient *http.Client
	// FetchTimeout bounds each fetch, in real time; zero means
	// DefaultFetchTimeout. MaxFetchSize is the most octets of a body read;
	// zero means DefaultMaxFetchSize.
	FetchTimeout time.Duration
	MaxFetchSize int64

	// Clock drives reassembly and stamps events; nil means clock.Real().
	Clock clock.Clock
	// OnEvent is called with each event, from the goroutine that delivered
	// the SMS, from the clock (time-outs) or from a fetch's goroutine. It
	// must not block, and may be called concurrently.
	OnEvent func(Event)

	// History is how many of its latest events a Handset keeps for Events
	// and Pushes; zero means DefaultHistory, negative keeps none. A
	// Population keeps no events.
	History int
}

// withDefaults validates c and fills in its zero fields.
func (c Config) withDefaults() (Config, error) {
	if c.Reassembly < 0 {
		return c, errors.New("handset: negative reassembly timeout")
	}
	if c.Reassembly == 0 {
		c.Reassembly = ReassemblyModern
	}
	if c.MaxPending < 0 || c.MaxPendingOctets < 0 {
		return c, errors.New("handset: negative reassembly bound")
	}
	if c.MaxPending == 0 {
		c.MaxPending = DefaultMaxPending
	}
	if c.MaxPendingOctets == 0 {
		c.MaxPendingOctets = DefaultMaxPendingOctets
	}
	if c.FetchTimeout < 0 || c.MaxFetchSize < 0 {
		return c, errors.New("handset: negative fetch timeout or size")
	}
	if c.FetchTimeout == 0 {
		c.FetchTimeout = DefaultFetchTimeout
	}
	if c.MaxFetchSize == 0 {
		c.MaxFetchSize = DefaultMaxFetchSize
	}
	if c.Fetch && c.HTTPClient == nil {
		client, err := proxyClient(c.Proxy)
		if err != nil {
			return c, err
		}
		c.HTTPClient = client
	}
	if c.Clock == nil {
		c.Clock = clock.Real()
	}
	if c.History == 0 {
		c.History = DefaultHistory
	}
	return c, nil
}

// proxyClient returns an HTTP client that sends every request through the
// proxy at rawURL, or directly when rawURL is "". It never takes a proxy
// from the environment: the WAP gateway is part of what is measured.
func proxyClient(rawURL string) (*http.Client, error) {
	tr := &http.Transport{
		Proxy:               nil,
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     90 * time.Second,
	}
	if rawURL != "" {
		u, err := url.Parse(rawURL)
		if err != nil {
			return nil, fmt.Errorf("handset: proxy: %w", err)
		}
		if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("handset: proxy %q: want an http:// or https:// URL with a host", rawURL)
		}
		tr.Proxy = http.ProxyURL(u)
	}
	return &http.Client{Transport: tr}, nil
}
