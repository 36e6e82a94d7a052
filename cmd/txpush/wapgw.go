package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/txpush/txpush/wapgw"
)

// wapgwSettings are the settings of `txpush wapgw`, as flags or YAML.
type wapgwSettings struct {
	Listen     string        `yaml:"listen"`
	Allow      []string      `yaml:"allow"`
	AllowHTTPS bool          `yaml:"allow_https"`
	Timeout    time.Duration `yaml:"timeout"`
	MaxBody    int64         `yaml:"max_body"`
	LogLevel   string        `yaml:"log_level"`
}

func defaultWapgwSettings() wapgwSettings {
	return wapgwSettings{
		// Not the PPG's 8080: both run on one machine in the README.
		Listen:   "127.0.0.1:8081",
		Timeout:  wapgw.DefaultTimeout,
		MaxBody:  wapgw.DefaultMaxBody,
		LogLevel: "info",
	}
}

func bindWapgwFlags(fs *flag.FlagSet, s *wapgwSettings) {
	fs.StringVar(&s.Listen, "listen", s.Listen, "HTTP proxy listen `address`")
	// --allow adds to the file's list rather than replacing it.
	fs.Var((*stringList)(&s.Allow), "allow", "a destination the gateway fetches from: `host`, host:port, host:*, *.domain or an IP address; repeatable. With none, every destination is refused")
	fs.BoolVar(&s.AllowHTTPS, "allow-https", s.AllowHTTPS, "also fetch https URLs (requested as GET https://...; CONNECT is never offered)")
	fs.DurationVar(&s.Timeout, "timeout", s.Timeout, "longest a fetch may take, body included; past it the client gets 504")
	fs.Int64Var(&s.MaxBody, "max-body", s.MaxBody, "largest response body in `octets`; a larger one is answered 502")
	fs.StringVar(&s.LogLevel, "log-level", s.LogLevel, "debug, info, warn or error (info logs every request)")
}

// wapgwMain runs the WAP gateway until ctx ends, then lets the fetches in
// flight finish.
func wapgwMain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	set := defaultWapgwSettings()
	log, code, ok := daemonArgs("wapgw", args, stderr, &set, bindWapgwFlags, func(s *wapgwSettings) string { return s.LogLevel })
	if !ok {
		return code
	}
	if set.Timeout <= 0 || set.MaxBody <= 0 {
		fmt.Fprintln(stderr, "txpush wapgw: --timeout and --max-body must be positive")
		return 2
	}
	gw, err := wapgw.New(wapgw.Config{
		Allow:      set.Allow,
		AllowHTTPS: set.AllowHTTPS,
		Timeout:    set.Timeout,
		MaxBody:    set.MaxBody,
		Logger:     log,
	})
	if err != nil {
		fmt.Fprintln(stderr, "txpush wapgw:", err)
		return 2
	}
	if err := serveWapgw(ctx, gw, set, log, stdout); err != nil {
		log.Error("wapgw stopped", "err", err)
		return 1
	}
	return 0
}

func serveWapgw(ctx context.Context, gw *wapgw.Gateway, set wapgwSettings, log *slog.Logger, stdout io.Writer) error {
	l, err := net.Listen("tcp", set.Listen)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           wapgwHandler(gw),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	addr := l.Addr().String()
	log.Info("wapgw listening", "addr", addr, "allow", set.Allow, "allow_https", set.AllowHTTPS,
		"timeout", set.Timeout, "max_body", set.MaxBody)
	if len(set.Allow) == 0 {
		log.Warn("the allow list is empty: every destination will be refused with 403; name the content servers with --allow")
	}
	fmt.Fprintf(stdout, "wapgw: HTTP proxy on %s\n", addr)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing the fetches in flight")
	// A fetch in flight ends within the gateway's timeout.
	sctx, cancel := context.WithTimeout(context.Background(), set.Timeout+time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// wapgwHandler serves the gateway's counters at /metrics, requested as an
// origin-form GET (which no proxy request is), and hands every other
// request to the gateway.
func wapgwHandler(gw *wapgw.Gateway) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && !r.URL.IsAbs() && r.URL.Path == "/metrics" {
			writeWapgwMetrics(w, gw.Stats())
			return
		}
		gw.ServeHTTP(w, r)
	})
}

// writeWapgwMetrics writes st in the Prometheus text format.
func writeWapgwMetrics(w http.ResponseWriter, st wapgw.Stats) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	for _, m := range []struct {
		name, help string
		value      uint64
	}{
		{"txpush_wapgw_requests_total", "Requests received.", st.Requests},
		{"txpush_wapgw_forwarded_total", "Requests answered with the content server's response.", st.Forwarded},
		{"txpush_wapgw_refused_total", "Requests the gateway refused (4xx).", st.Refused},
		{"txpush_wapgw_errors_total", "Fetches that failed (502, 504).", st.Errors},
		{"txpush_wapgw_bytes_total", "Body octets passed back from content servers.", st.Bytes},
	} {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s counter\n%s %d\n", m.name, m.help, m.name, m.name, m.value)
	}
}
