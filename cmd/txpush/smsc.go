package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/txpush/txpush/clock"
	"github.com/txpush/txpush/metrics"
	"github.com/txpush/txpush/radio"
	"github.com/txpush/txpush/smpp"
	"github.com/txpush/txpush/smsc"
	"github.com/txpush/txpush/store"
)

// smscSettings are the settings of `txpush smsc`, as flags or YAML.
type smscSettings struct {
	SMPP     string         `yaml:"smpp"`
	HTTP     string         `yaml:"http"`
	Store    string         `yaml:"store"`
	SystemID string         `yaml:"system_id"`
	TLSCert  string         `yaml:"tls_cert"`
	TLSKey   string         `yaml:"tls_key"`
	Network  string         `yaml:"network"`
	Seed     uint64         `yaml:"seed"`
	Accounts []smsc.Account `yaml:"accounts"`
	// accountFlags are --account values, added to Accounts.
	accountFlags stringList
	MaxSegments  int    `yaml:"max_segments"`
	LogLevel     string `yaml:"log_level"`

	// AirLatency, when > 0, makes every SMS take exactly this long on the
	// simulated network, whatever the profile says: benchmarks use it to
	// hold transactions open for a known time.
	AirLatency time.Duration `yaml:"air_latency"`

	Transaction struct {
		RetryInterval time.Duration `yaml:"retry_interval"`
		Attempts      int           `yaml:"attempts"`
		Deadline      time.Duration `yaml:"deadline"`
	} `yaml:"transaction"`
	StoreAndForward struct {
		FirstAttemptDelay   time.Duration `yaml:"first_attempt_delay"`
		Schedule            string        `yaml:"schedule"`
		BusyRetry           time.Duration `yaml:"busy_retry"`
		Validity            time.Duration `yaml:"validity"`
		PerDestinationQueue bool          `yaml:"per_destination_queue"`
		AlertSC             bool          `yaml:"alert_sc"`
	} `yaml:"store_and_forward"`
	Capacity struct {
		Rate      float64 `yaml:"rate"`
		PushShare float64 `yaml:"push_share"`
	} `yaml:"capacity"`
}

func defaultSMSCSettings() smscSettings {
	var s smscSettings
	s.SMPP = "127.0.0.1:2775"
	s.Store = "txpush-smsc.db"
	s.SystemID = "txpush-smsc"
	s.Network = "ideal"
	s.Seed = 1
	s.MaxSegments = 255
	s.LogLevel = "info"
	s.Transaction.RetryInterval = 2 * time.Second
	s.Transaction.Attempts = 3
	s.Transaction.Deadline = 30 * time.Second
	s.StoreAndForward.Schedule = "exponential"
	s.StoreAndForward.BusyRetry = 120 * time.Second
	s.StoreAndForward.Validity = 72 * time.Hour
	s.StoreAndForward.PerDestinationQueue = true
	s.StoreAndForward.AlertSC = true
	return s
}

func bindSMSCFlags(fs *flag.FlagSet, s *smscSettings) {
	fs.StringVar(&s.SMPP, "smpp", s.SMPP, "SMPP listen `address`")
	fs.StringVar(&s.HTTP, "http", s.HTTP, "serve Prometheus metrics at /metrics on this `address` (empty: off)")
	fs.StringVar(&s.Store, "store", s.Store, "SQLite `file` for store-and-forward messages")
	fs.StringVar(&s.SystemID, "system-id", s.SystemID, "system_id in bind responses")
	fs.StringVar(&s.TLSCert, "tls-cert", s.TLSCert, "serve SMPP over TLS with this certificate `file` (PEM)")
	fs.StringVar(&s.TLSKey, "tls-key", s.TLSKey, "the TLS private key `file` (PEM)")
	fs.StringVar(&s.Network, "network", s.Network, "simulated network profile for handsets not bound over SMPP: "+strings.Join(radio.ProfileNames(), ", "))
	fs.DurationVar(&s.AirLatency, "air-latency", s.AirLatency, "when > 0, every SMS takes this fixed time on the simulated network (replaces the profile's latencies)")
	fs.Uint64Var(&s.Seed, "seed", s.Seed, "seed of the simulated network")
	fs.Var(&s.accountFlags, "account", "an ESME account `system_id:password[:push][:tps=N]`; repeatable. With none, binds are accepted from loopback only")
	fs.IntVar(&s.MaxSegments, "max-segments", s.MaxSegments, "most segments one message may need (longer ones are refused)")
	fs.StringVar(&s.LogLevel, "log-level", s.LogLevel, "debug, info, warn or error")
	fs.DurationVar(&s.Transaction.RetryInterval, "txn-retry-interval", s.Transaction.RetryInterval, "transaction mode: re-send a failed segment after")
	fs.IntVar(&s.Transaction.Attempts, "txn-attempts", s.Transaction.Attempts, "transaction mode: attempts per segment")
	fs.DurationVar(&s.Transaction.Deadline, "txn-deadline", s.Transaction.Deadline, "transaction mode: the group deadline")
	fs.DurationVar(&s.StoreAndForward.FirstAttemptDelay, "first-attempt-delay", s.StoreAndForward.FirstAttemptDelay, "store-and-forward: delay before the first attempt")
	fs.StringVar(&s.StoreAndForward.Schedule, "retry-schedule", s.StoreAndForward.Schedule, "store-and-forward retry schedule: exponential (+300 s, doubling, cap 24 h) or operator")
	fs.DurationVar(&s.StoreAndForward.BusyRetry, "busy-retry", s.StoreAndForward.BusyRetry, "store-and-forward: retry after subscriber busy")
	fs.DurationVar(&s.StoreAndForward.Validity, "validity", s.StoreAndForward.Validity, "store-and-forward: validity when the submit gives none")
	fs.BoolVar(&s.StoreAndForward.PerDestinationQueue, "per-destination-queue", s.StoreAndForward.PerDestinationQueue, "store-and-forward: one queue and retry clock per destination")
	fs.BoolVar(&s.StoreAndForward.AlertSC, "alert-sc", s.StoreAndForward.AlertSC, "store-and-forward: retry at once when a handset comes back")
	fs.Float64Var(&s.Capacity.Rate, "air-rate", s.Capacity.Rate, "SMS per second the air takes in all (0: no limit)")
	fs.Float64Var(&s.Capacity.PushShare, "push-share", s.Capacity.PushShare, "share of --air-rate reserved for push accounts (0 to 1)")
}

// parseAccount reads --account system_id:password[:push][:tps=N].
func parseAccount(v string) (smsc.Account, error) {
	parts := strings.Split(v, ":")
	if len(parts) < 2 || parts[0] == "" {
		return smsc.Account{}, fmt.Errorf("--account %q: want system_id:password[:push][:tps=N]", v)
	}
	a := smsc.Account{SystemID: parts[0], Password: parts[1]}
	for _, p := range parts[2:] {
		switch {
		case p == "push":
			a.Push = true
		case strings.HasPrefix(p, "tps="):
			n, err := strconv.ParseFloat(strings.TrimPrefix(p, "tps="), 64)
			if err != nil || n < 0 {
				return smsc.Account{}, fmt.Errorf("--account %q: bad tps", v)
			}
			a.Throughput = n
		default:
			return smsc.Account{}, fmt.Errorf("--account %q: unknown option %q", v, p)
		}
	}
	return a, nil
}

// smscMain runs the SMSC until ctx ends.
func smscMain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	set := defaultSMSCSettings()
	log, code, ok := daemonArgs("smsc", args, stderr, &set, bindSMSCFlags, func(s *smscSettings) string { return s.LogLevel })
	if !ok {
		return code
	}
	if err := serveSMSC(ctx, set, log, stdout); err != nil {
		log.Error("smsc stopped", "err", err)
		return 1
	}
	return 0
}

// smscConfig turns the settings into the smsc package's Config.
func smscConfig(set smscSettings, clk clock.Clock, log *slog.Logger) (smsc.Config, error) {
	accounts := append([]smsc.Account(nil), set.Accounts...)
	for _, v := range set.accountFlags {
		a, err := parseAccount(v)
		if err != nil {
			return smsc.Config{}, err
		}
		accounts = append(accounts, a)
	}
	cfg := smsc.Config{
		SystemID:    set.SystemID,
		Accounts:    accounts,
		MaxSegments: set.MaxSegments,
		Clock:       clk,
		Logger:      log,
		Txn: smsc.TxnConfig{
			RetryInterval: set.Transaction.RetryInterval,
			MaxAttempts:   set.Transaction.Attempts,
			Deadline:      set.Transaction.Deadline,
		},
		SAF: smsc.SAFConfig{
			FirstAttemptDelay:   set.StoreAndForward.FirstAttemptDelay,
			BusyRetry:           set.StoreAndForward.BusyRetry,
			Validity:            set.StoreAndForward.Validity,
			IndependentMessages: !set.StoreAndForward.PerDestinationQueue,
			NoAlertSC:           !set.StoreAndForward.AlertSC,
		},
		Gate: smsc.GateConfig{Rate: set.Capacity.Rate, PushShare: set.Capacity.PushShare},
	}
	switch set.StoreAndForward.Schedule {
	case "exponential", "":
		cfg.SAF.Schedule = smsc.ExponentialSchedule(300*time.Second, 24*time.Hour)
	case "operator":
		cfg.SAF.Schedule = smsc.OperatorSchedule()
	default:
		return smsc.Config{}, fmt.Errorf("--retry-schedule %q: want exponential or operator", set.StoreAndForward.Schedule)
	}
	return cfg, nil
}

func serveSMSC(ctx context.Context, set smscSettings, log *slog.Logger, stdout io.Writer) error {
	clk := clock.Real()
	cfg, err := smscConfig(set, clk, log)
	if err != nil {
		return err
	}
	netCfg, err := radio.Profile(set.Network)
	if err != nil {
		return err
	}
	netCfg.Seed = set.Seed
	if set.AirLatency > 0 {
		fixed := radio.Latency{Median: set.AirLatency, P95: set.AirLatency}
		netCfg.RoutingLookup = radio.Latency{}
		netCfg.FirstSegment, netCfg.NextSegment = fixed, fixed
	}
	network, err := radio.New(clk, netCfg)
	if err != nil {
		return err
	}
	// Handsets not bound over SMPP are simulated: every MSISDN answers.
	network.AttachAll(func(radio.SMS, time.Time) {})

	commitTimes := metrics.NewStoreCommitTimes()
	st, err := store.OpenSQLite(set.Store, store.Options{OnCommit: commitTimes.Observe})
	if err != nil {
		return err
	}
	defer st.Close()
	sc, err := smsc.New(cfg, network, network, st)
	if err != nil {
		return err
	}
	if err := sc.Recover(ctx); err != nil {
		return fmt.Errorf("recovering stored messages: %w", err)
	}
	l, err := net.Listen("tcp", set.SMPP)
	if err != nil {
		return err
	}
	if set.TLSCert != "" || set.TLSKey != "" {
		cert, err := tls.LoadX509KeyPair(set.TLSCert, set.TLSKey)
		if err != nil {
			l.Close()
			return fmt.Errorf("TLS: %w", err)
		}
		l = tls.NewListener(l, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	}
	addr := l.Addr().String()
	log.Info("smsc listening", "smpp", addr, "tls", set.TLSCert != "", "store", set.Store, "network", set.Network)
	if len(cfg.Accounts) == 0 {
		log.Warn("no account configured: accepting binds from loopback addresses only")
	}
	fmt.Fprintf(stdout, "smsc: SMPP on %s\n", addr)
	errc := make(chan error, 2)
	go func() { errc <- sc.Serve(l) }()
	var metricsSrv *http.Server
	if set.HTTP != "" {
		metricsSrv, err = serveSMSCMetrics(set.HTTP, sc, st, commitTimes, network, log, stdout, errc)
		if err != nil {
			sc.Shutdown(context.Background())
			return err
		}
	}
	var served error
	select {
	case served = <-errc:
	case <-ctx.Done():
	}
	log.Info("shutting down: unbinding sessions")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if metricsSrv != nil {
		metricsSrv.Shutdown(sctx)
	}
	if err := sc.Shutdown(sctx); err != nil && !errors.Is(err, smpp.ErrServerClosed) && served == nil {
		served = err
	}
	return served
}

// serveSMSCMetrics serves the SMSC's metrics at /metrics on addr until
// the returned server is shut down; an error of the server's own goes
// to errc.
func serveSMSCMetrics(addr string, sc *smsc.SMSC, st *store.SQLite, commitTimes *metrics.StoreCommitTimes, network *radio.Network, log *slog.Logger, stdout io.Writer, errc chan<- error) (*http.Server, error) {
	reg := metrics.NewRegistry()
	reg.MustRegister(commitTimes.Collector())
	if err := metrics.RegisterSMSC(reg, sc, st.Stats, network); err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	mux := http.NewServeMux()
	// Instrumented like promhttp.Handler: the scrapes are counted too.
	mux.Handle("GET /metrics", promhttp.InstrumentMetricHandler(reg, promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("metrics: %w", err)
		}
	}()
	log.Info("metrics listening", "http", l.Addr().String())
	fmt.Fprintf(stdout, "smsc: metrics on http://%s/metrics\n", l.Addr())
	return srv, nil
}
