package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/txpush/txpush/handset"
	"github.com/txpush/txpush/metrics"
	"github.com/txpush/txpush/smpp"
)

// handsetSettings are the settings of `txpush handset`, as flags or YAML.
type handsetSettings struct {
	SMSC       string `yaml:"smsc"`
	MSISDN     string `yaml:"msisdn"`
	SystemID   string `yaml:"system_id"`
	Password   string `yaml:"password"`
	Reassembly string `yaml:"reassembly"`
	Proxy      string `yaml:"proxy"`
	TLS        bool   `yaml:"tls"`
	TLSCA      string `yaml:"tls_ca"`
	LogLevel   string `yaml:"log_level"`
	HTTP       string `yaml:"http"`
}

func defaultHandsetSettings() handsetSettings {
	return handsetSettings{SystemID: "handset", Reassembly: "modern", LogLevel: "info"}
}

func bindHandsetFlags(fs *flag.FlagSet, s *handsetSettings) {
	fs.StringVar(&s.SMSC, "smsc", s.SMSC, "SMPP `address` of the SMSC to bind to (required)")
	fs.StringVar(&s.MSISDN, "msisdn", s.MSISDN, "the handset's `number`, bound as the address_range (required)")
	fs.StringVar(&s.SystemID, "system-id", s.SystemID, "system_id of the receiver bind")
	fs.StringVar(&s.Password, "password", s.Password, "password of the receiver bind")
	fs.StringVar(&s.Reassembly, "reassembly", s.Reassembly, "reassembly timeout: modern (24 h), feature (256 s) or a `duration`")
	fs.StringVar(&s.Proxy, "proxy", s.Proxy, "WAP gateway as an HTTP proxy `URL`; when set, the handset fetches each pushed URL through it")
	fs.BoolVar(&s.TLS, "tls", s.TLS, "bind over TLS")
	fs.StringVar(&s.TLSCA, "tls-ca", s.TLSCA, "with --tls, trust the SMSC certificates signed by this CA `file` (PEM) instead of the system's")
	fs.StringVar(&s.LogLevel, "log-level", s.LogLevel, "debug, info, warn or error")
	fs.StringVar(&s.HTTP, "http", s.HTTP, "serve Prometheus metrics at /metrics on this `address` (default off)")
}

// handsetMain runs a handset bound to an SMSC until ctx ends, printing one
// JSON line per event on stdout, then unbinds.
func handsetMain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	set := defaultHandsetSettings()
	log, code, ok := daemonArgs("handset", args, stderr, &set, bindHandsetFlags, func(s *handsetSettings) string { return s.LogLevel })
	if !ok {
		return code
	}
	cfg, dial, err := handsetConfig(set)
	if err != nil {
		fmt.Fprintln(stderr, "txpush handset:", err)
		return 2
	}

	out := newEventPrinter(stdout, log)
	cfg.OnEvent = out.print
	h, err := handset.New(set.MSISDN, cfg)
	if err != nil {
		fmt.Fprintln(stderr, "txpush handset:", err)
		return 2
	}
	client := &smpp.Client{
		Addr:       set.SMSC,
		DialConfig: h.ReceiverConfig(dial),
		OnBound: func(s *smpp.Session) {
			log.Info("bound as receiver", "smsc", s.RemoteAddr(), "msisdn", set.MSISDN)
		},
		OnError: func(err error) { log.Warn("SMSC bind lost or refused; binding again", "smsc", set.SMSC, "err", err) },
	}
	if set.HTTP != "" {
		reg := metrics.NewRegistry()
		reg.MustRegister(metrics.NewHandsetCollector(h.Stats))
		l, err := net.Listen("tcp", set.HTTP)
		if err != nil {
			fmt.Fprintln(stderr, "txpush handset: --http:", err)
			return 1
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go srv.Serve(l)
		defer srv.Close()
		fmt.Fprintf(stdout, "handset: metrics on http://%s/metrics\n", l.Addr())
	}
	log.Info("handset starting", "smsc", set.SMSC, "msisdn", set.MSISDN, "reassembly", cfg.Reassembly,
		"fetch", cfg.Fetch, "proxy", set.Proxy)
	// The client's own context is not ctx: on a signal the session must
	// be unbound by Close, not dropped.
	client.Start(context.WithoutCancel(ctx))
	<-ctx.Done()

	log.Info("handset stopping: unbinding")
	closeCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	client.Close(closeCtx)
	h.Close()
	out.close()
	st := h.Stats()
	log.Info("handset stopped", "sms", st.SMS, "pushes", st.Pushes, "texts", st.Texts, "timeouts", st.Timeouts,
		"conflicts", st.Conflicts, "errors", st.Errors, "fetches", st.Fetches, "fetch_failures", st.FetchFailures)
	return 0
}

// handsetConfig turns the settings into the handset's Config and the
// receiver bind's DialConfig.
func handsetConfig(set handsetSettings) (handset.Config, smpp.DialConfig, error) {
	var cfg handset.Config
	var dial smpp.DialConfig
	if set.SMSC == "" || set.MSISDN == "" {
		return cfg, dial, errors.New("--smsc and --msisdn are required")
	}
	reassembly, err := handset.ParseReassembly(set.Reassembly)
	if err != nil {
		return cfg, dial, fmt.Errorf("--reassembly: %w", err)
	}
	cfg.Reassembly = reassembly
	cfg.Proxy, cfg.Fetch = set.Proxy, set.Proxy != ""
	// The handset keeps no history: every event goes to stdout.
	cfg.History = -1
	dial.Params = smpp.BindParams{SystemID: set.SystemID, Password: set.Password}
	if set.TLSCA != "" && !set.TLS {
		return cfg, dial, errors.New("--tls-ca needs --tls")
	}
	tlsConfig, err := clientTLS(set.TLS, set.TLSCA)
	if err != nil {
		return cfg, dial, fmt.Errorf("--tls-ca: %w", err)
	}
	dial.TLSConfig = tlsConfig
	return cfg, dial, nil
}

// eventPrinter writes events as JSON lines from one goroutine, so that
// the handset's OnEvent never waits for stdout.
type eventPrinter struct {
	events  chan handset.Event
	stop    chan struct{}
	done    sync.WaitGroup
	log     *slog.Logger
	mu      sync.Mutex
	dropped int
}

// printerQueue is how many events may wait for stdout before the next are
// dropped (and counted in the log).
const printerQueue = 4096

func newEventPrinter(w io.Writer, log *slog.Logger) *eventPrinter {
	p := &eventPrinter{events: make(chan handset.Event, printerQueue), stop: make(chan struct{}), log: log}
	enc := json.NewEncoder(w)
	write := func(e handset.Event) {
		if err := enc.Encode(e); err != nil {
			log.Error("writing an event", "err", err)
		}
	}
	p.done.Add(1)
	go func() {
		defer p.done.Done()
		for {
			select {
			case e := <-p.events:
				write(e)
			case <-p.stop:
				for {
					select {
					case e := <-p.events:
						write(e)
					default:
						return
					}
				}
			}
		}
	}()
	return p
}

// print queues e; it never blocks.
func (p *eventPrinter) print(e handset.Event) {
	select {
	case p.events <- e:
	default:
		p.mu.Lock()
		p.dropped++
		n := p.dropped
		p.mu.Unlock()
		p.log.Warn("stdout is not keeping up: event dropped", "kind", e.Kind, "dropped", n)
	}
}

// close writes the events still queued and stops.
func (p *eventPrinter) close() {
	close(p.stop)
	p.done.Wait()
}
