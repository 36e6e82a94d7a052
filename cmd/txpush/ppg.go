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
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/txpush/txpush/internal/httpfast"
	"github.com/txpush/txpush/metrics"
	"github.com/txpush/txpush/ppg"
	"github.com/txpush/txpush/smpp"
	"github.com/txpush/txpush/store"
	"github.com/txpush/txpush/wapgw"
)

// piSettings is a PI account as the YAML file gives it.
type piSettings struct {
	Name            string   `yaml:"name"`
	Password        string   `yaml:"password"`
	AllowedNets     []string `yaml:"allowed_nets"`
	AllowedPrefixes []string `yaml:"allowed_prefixes"`
	NotifyURLs      []string `yaml:"notify_urls"`
}

// ppgSettings are the settings of `txpush ppg`, as flags or YAML.
type ppgSettings struct {
	PAP   string   `yaml:"pap"`
	SMSC  []string `yaml:"smsc"`
	Store string   `yaml:"store"`
	// StoreJournal puts the push journal in front of the SQLite store.
	StoreJournal bool `yaml:"store_journal"`
	// StoreCheckpointMiB is the journal's size that starts a checkpoint.
	StoreCheckpointMiB int `yaml:"store_checkpoint_mib"`
	// StoreGroupDelay is the journal's wait for more writes to flush with
	// when it is busy.
	StoreGroupDelay time.Duration `yaml:"store_group_delay"`
	PIs             []piSettings  `yaml:"pis"`
	piFlags         stringList
	LogLevel        string `yaml:"log_level"`

	TLSCert string `yaml:"tls_cert"`
	TLSKey  string `yaml:"tls_key"`

	SMPP struct {
		SystemID        string        `yaml:"system_id"`
		Password        string        `yaml:"password"`
		Binds           int           `yaml:"binds"`
		Window          int           `yaml:"window"`
		ResponseTimeout time.Duration `yaml:"response_timeout"`
		UseDataSM       bool          `yaml:"data_sm"`
		SourceAddr      string        `yaml:"source_addr"`
		TLS             bool          `yaml:"tls"`
		TLSCA           string        `yaml:"tls_ca"`
	} `yaml:"smpp"`

	SenderName              string        `yaml:"sender_name"`
	MaxSegments             int           `yaml:"max_segments"`
	RetryUntilDeliverBefore bool          `yaml:"retry_until_deliver_before"`
	RetryInterval           time.Duration `yaml:"retry_interval"`
	MaxBody                 int64         `yaml:"max_body"`
	Retention               time.Duration `yaml:"retention"`
	HeaderTimeout           time.Duration `yaml:"header_timeout"`
	ReadTimeout             time.Duration `yaml:"read_timeout"`
	IdleTimeout             time.Duration `yaml:"idle_timeout"`
	// PAPFastPath serves plain PAP posts without net/http's per-request
	// machinery (internal/httpfast); not over HTTPS.
	PAPFastPath bool `yaml:"pap_fast_path"`

	WAPGW      string   `yaml:"wapgw"`
	WAPGWAllow []string `yaml:"wapgw_allow"`

	// Mode is transaction (the push SMSC) or legacy (the PPG splits and
	// submits each part store-and-forward, concluding from receipts).
	Mode           string        `yaml:"mode"`
	ReceiptTimeout time.Duration `yaml:"receipt_timeout"`
	// KeepFailedParts leaves a failed push's other parts at the SMSC.
	KeepFailedParts bool `yaml:"keep_failed_parts"`

	// DeviceProfiles is a directory of UAProf documents, one per
	// handset, named by its MSISDN (digits) with any extension.
	DeviceProfiles string `yaml:"device_profiles"`
}

func defaultPPGSettings() ppgSettings {
	var s ppgSettings
	s.PAP = "127.0.0.1:8080"
	s.Store = "txpush-ppg.db"
	s.StoreJournal = true
	s.StoreCheckpointMiB = 8
	s.StoreGroupDelay = 500 * time.Microsecond
	s.LogLevel = "info"
	s.SMPP.SystemID = "ppg"
	s.SMPP.Binds = 1
	s.SMPP.Window = ppg.DefaultWindow
	s.SMPP.ResponseTimeout = ppg.DefaultResponseTimeout
	s.SenderName = "txpush PPG"
	s.MaxSegments = ppg.DefaultMaxSegments
	s.RetryInterval = ppg.DefaultRetryInterval
	s.MaxBody = ppg.DefaultMaxBody
	s.Retention = ppg.DefaultRetention
	s.HeaderTimeout = 10 * time.Second
	s.ReadTimeout = 60 * time.Second
	s.IdleTimeout = 60 * time.Second
	s.PAPFastPath = true
	s.Mode = "transaction"
	s.ReceiptTimeout = ppg.DefaultReceiptTimeout
	return s
}

func bindPPGFlags(fs *flag.FlagSet, s *ppgSettings) {
	fs.StringVar(&s.PAP, "pap", s.PAP, "HTTP listen `address` for PAP (served at /pap and /wappush)")
	fs.Var((*stringList)(&s.SMSC), "smsc", "SMPP `address` of a push SMSC; repeatable (pushes are spread over them)")
	fs.StringVar(&s.Store, "store", s.Store, "SQLite `file` for pushes and owed notifications")
	fs.IntVar(&s.StoreCheckpointMiB, "store-checkpoint-mib", s.StoreCheckpointMiB, "with the journal: write to SQLite once this many MiB of journal have gathered (smaller: shorter bursts of work, a shorter latency tail at low rates; larger: less work per push)")
	fs.DurationVar(&s.StoreGroupDelay, "store-group-delay", s.StoreGroupDelay, "with the journal: once a flush has carried 8 writes or more that came at 8,000 a second or faster (the PPG is busy), wait this long before the next so that more join it (fewer flushes, less CPU per push, this much more latency under load only); 0 flushes at once")
	fs.BoolVar(&s.StoreJournal, "store-journal", s.StoreJournal, "append every change of a push to a journal (FILE-pushes.N, flushed before it is acknowledged) and write to SQLite in checkpoints; false writes each change to SQLite")
	fs.Var(&s.piFlags, "pi", "a PI account `name:password`; repeatable. With none, PIs are served from loopback only")
	fs.StringVar(&s.LogLevel, "log-level", s.LogLevel, "debug, info, warn or error")
	fs.StringVar(&s.TLSCert, "tls-cert", s.TLSCert, "serve PAP over HTTPS with this certificate `file` (PEM)")
	fs.StringVar(&s.TLSKey, "tls-key", s.TLSKey, "the HTTPS private key `file` (PEM)")
	fs.StringVar(&s.SMPP.SystemID, "system-id", s.SMPP.SystemID, "system_id of the PPG's binds")
	fs.StringVar(&s.SMPP.Password, "password", s.SMPP.Password, "password of the PPG's binds")
	fs.IntVar(&s.SMPP.Binds, "binds", s.SMPP.Binds, "transceiver binds to each SMSC")
	fs.IntVar(&s.SMPP.Window, "window", s.SMPP.Window, "submits each bind may have outstanding (parked transactions)")
	fs.DurationVar(&s.SMPP.ResponseTimeout, "response-timeout", s.SMPP.ResponseTimeout, "how long a submit waits for its outcome; longer than the SMSC's deadline. Its expiry is outcome unknown, never a resend")
	fs.BoolVar(&s.SMPP.UseDataSM, "data-sm", s.SMPP.UseDataSM, "submit with data_sm instead of submit_sm")
	fs.BoolVar(&s.SMPP.TLS, "smsc-tls", s.SMPP.TLS, "bind to the SMSCs over TLS")
	fs.StringVar(&s.SMPP.TLSCA, "smsc-tls-ca", s.SMPP.TLSCA, "bind over TLS, trusting SMSC certificates signed by this CA `file` (PEM) instead of the system's")
	fs.StringVar(&s.SMPP.SourceAddr, "source-addr", s.SMPP.SourceAddr, "originator shown to handsets (default PPG)")
	fs.StringVar(&s.SenderName, "sender-name", s.SenderName, "sender-name in PAP answers")
	fs.IntVar(&s.MaxSegments, "max-segments", s.MaxSegments, "most SMS one push may need; a larger push is refused with 3003")
	fs.BoolVar(&s.RetryUntilDeliverBefore, "retry", s.RetryUntilDeliverBefore, "after a temporary failure, push again until deliver-before")
	fs.DurationVar(&s.RetryInterval, "retry-interval", s.RetryInterval, "with --retry, the wait between attempts")
	fs.Int64Var(&s.MaxBody, "max-body", s.MaxBody, "largest PAP request body in `octets`")
	fs.DurationVar(&s.Retention, "retention", s.Retention, "how long a finished push stays in the store for status queries (its push-id stays used); negative keeps all")
	fs.DurationVar(&s.HeaderTimeout, "header-timeout", s.HeaderTimeout, "time a PI has to send its request headers")
	fs.DurationVar(&s.ReadTimeout, "read-timeout", s.ReadTimeout, "time a PI has to send a whole request, headers and body, from its first octet; a body still coming after it is answered 408 and the connection closed (0: no limit)")
	fs.DurationVar(&s.IdleTimeout, "idle-timeout", s.IdleTimeout, "idle keep-alive connections are closed after")
	fs.BoolVar(&s.PAPFastPath, "pap-fast-path", s.PAPFastPath, "answer plain HTTP/1.1 PAP posts (Content-Length bodies, keep-alive) on a fast path of our own and every other request with net/http; false: net/http for all. Not used with HTTPS")
	fs.StringVar(&s.Mode, "mode", s.Mode, "transaction (one submit per push, the outcome in the response) or legacy (the PPG splits; store-and-forward with receipts, for SMSCs without transaction mode)")
	fs.DurationVar(&s.ReceiptTimeout, "receipt-timeout", s.ReceiptTimeout, "legacy mode: how long a push waits for the receipts of all its parts (then outcome unknown)")
	fs.BoolVar(&s.KeepFailedParts, "keep-failed-parts", s.KeepFailedParts, "legacy mode: leave at the SMSC the parts of a failed push that it still holds, as Kannel does (default: cancel_sm them)")
	fs.StringVar(&s.DeviceProfiles, "device-profiles", s.DeviceProfiles, "`directory` of UAProf documents named by MSISDN (358401234567.rdf): they answer client capabilities queries and are matched against a push's capabilities entity")
	fs.StringVar(&s.WAPGW, "wapgw", s.WAPGW, "also run the WAP gateway (pull proxy) on this `address`")
	fs.Var((*stringList)(&s.WAPGWAllow), "wapgw-allow", "a destination the WAP gateway may fetch from (host, host:port, *.domain); repeatable")
}

// ppgMain runs the PPG until ctx ends.
func ppgMain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	set := defaultPPGSettings()
	log, code, ok := daemonArgs("ppg", args, stderr, &set, bindPPGFlags, func(s *ppgSettings) string { return s.LogLevel })
	if !ok {
		return code
	}
	if len(set.SMSC) == 0 {
		fmt.Fprintln(stderr, "txpush ppg: --smsc is required")
		return 2
	}
	if err := servePPG(ctx, set, log, stdout); err != nil {
		log.Error("ppg stopped", "err", err)
		return 1
	}
	return 0
}

// ppgAccounts merges the file's PI accounts and the --pi flags.
func ppgAccounts(set ppgSettings) ([]ppg.PIAccount, error) {
	var out []ppg.PIAccount
	for _, p := range set.PIs {
		out = append(out, ppg.PIAccount{Name: p.Name, Password: p.Password, AllowedNets: p.AllowedNets,
			AllowedPrefixes: p.AllowedPrefixes, NotifyURLs: p.NotifyURLs})
	}
	for _, v := range set.piFlags {
		name, pw, ok := strings.Cut(v, ":")
		if !ok || name == "" {
			return nil, fmt.Errorf("--pi %q: want name:password", v)
		}
		out = append(out, ppg.PIAccount{Name: name, Password: pw})
	}
	return out, nil
}

// dispatcher is what the PPG needs of either dispatcher: submit, and
// binds that start and end with the daemon.
type dispatcher interface {
	ppg.Dispatcher
	Start(ctx context.Context)
	Close(ctx context.Context) error
	Sessions() []*smpp.Session
}

func ppgDispatcher(set ppgSettings, log *slog.Logger, onResponse func(smpp.CommandID, time.Duration)) (dispatcher, error) {
	bind := smpp.BindParams{SystemID: set.SMPP.SystemID, Password: set.SMPP.Password}
	tlsConfig, err := clientTLS(set.SMPP.TLS, set.SMPP.TLSCA)
	if err != nil {
		return nil, err
	}
	onError := func(err error) { log.Warn("smsc bind", "err", err) }
	switch set.Mode {
	case "transaction", "":
		return ppg.NewSMPPDispatcher(ppg.SMPPConfig{
			Addrs:           set.SMSC,
			BindsPerAddr:    set.SMPP.Binds,
			Bind:            bind,
			TLSConfig:       tlsConfig,
			UseDataSM:       set.SMPP.UseDataSM,
			SourceAddr:      set.SMPP.SourceAddr,
			ResponseTimeout: set.SMPP.ResponseTimeout,
			Window:          set.SMPP.Window,
			OnError:         onError,
			OnResponse:      onResponse,
		}), nil
	case "legacy":
		return ppg.NewLegacyDispatcher(ppg.LegacyConfig{
			Addrs:              set.SMSC,
			BindsPerAddr:       set.SMPP.Binds,
			Bind:               bind,
			TLSConfig:          tlsConfig,
			SourceAddr:         set.SMPP.SourceAddr,
			Window:             set.SMPP.Window,
			ReceiptTimeout:     set.ReceiptTimeout,
			KeepPartsOnFailure: set.KeepFailedParts,
			OnResponse:         onResponse,
			Logger:             log.With("component", "legacy"),
		}), nil
	}
	return nil, fmt.Errorf("--mode %q: want transaction or legacy", set.Mode)
}

func servePPG(ctx context.Context, set ppgSettings, log *slog.Logger, stdout io.Writer) error {
	pis, err := ppgAccounts(set)
	if err != nil {
		return err
	}
	if set.StoreJournal && set.StoreCheckpointMiB <= 0 {
		return fmt.Errorf("--store-checkpoint-mib %d: want at least 1", set.StoreCheckpointMiB)
	}
	if set.StoreGroupDelay < 0 || set.StoreGroupDelay > time.Second {
		return fmt.Errorf("--store-group-delay %v: want 0 to 1s", set.StoreGroupDelay)
	}
	if set.ReadTimeout < 0 || set.ReadTimeout > 0 && set.ReadTimeout < set.HeaderTimeout {
		return fmt.Errorf("--read-timeout %v: want 0 (no limit) or at least --header-timeout (%v), since it counts the headers too", set.ReadTimeout, set.HeaderTimeout)
	}
	commitTimes := metrics.NewStoreCommitTimes()
	responseTimes := metrics.NewSMPPResponseTimes("ppg_smpp")
	db, err := store.OpenSQLite(set.Store, store.Options{OnCommit: commitTimes.Observe})
	if err != nil {
		return err
	}
	defer db.Close()
	var st store.PushStore = db
	collectors := []prometheus.Collector{metrics.NewStoreCollector(db.Stats), commitTimes.Collector()}
	if set.StoreJournal {
		flushTimes := metrics.NewJournalFlushTimes()
		j, err := store.OpenPushJournal(db, set.Store+"-pushes", store.JournalOptions{
			OnFlush: flushTimes.Observe, CheckpointBytes: int64(set.StoreCheckpointMiB) << 20,
			GroupDelay: set.StoreGroupDelay})
		if err != nil {
			return err
		}
		defer func() {
			if err := j.Close(); err != nil {
				log.Error("closing the push journal", "err", err)
			}
		}()
		if d := j.Stats().Dropped; d > 0 {
			log.Warn("push journal: a torn record at its end was dropped (a crash during its write, never acknowledged)", "octets", d)
		}
		st = j
		collectors = append(collectors, metrics.NewJournalCollector(j.Stats), flushTimes.Collector())
	}
	disp, err := ppgDispatcher(set, log, responseTimes.Observe)
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", set.PAP)
	if err != nil {
		return err
	}
	scheme := "http"
	if set.TLSCert != "" || set.TLSKey != "" {
		cert, err := tls.LoadX509KeyPair(set.TLSCert, set.TLSKey)
		if err != nil {
			l.Close()
			return fmt.Errorf("TLS: %w", err)
		}
		l = tls.NewListener(l, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
		scheme = "https"
	}
	profiles, err := readDeviceProfiles(set.DeviceProfiles)
	if err != nil {
		l.Close()
		return err
	}
	gw, err := ppg.New(ppg.Config{
		PIs:                     pis,
		DeviceProfiles:          profiles,
		SenderAddress:           scheme + "://" + l.Addr().String() + "/pap",
		SenderName:              set.SenderName,
		MaxBody:                 set.MaxBody,
		MaxSegments:             set.MaxSegments,
		RetryUntilDeliverBefore: set.RetryUntilDeliverBefore,
		RetryInterval:           set.RetryInterval,
		Retention:               set.Retention,
		Logger:                  log,
	}, st, disp)
	if err != nil {
		l.Close()
		return err
	}
	disp.Start(ctx)
	if err := gw.Start(ctx); err != nil {
		l.Close()
		return fmt.Errorf("recovering pushes: %w", err)
	}

	reg := metrics.NewRegistry()
	reg.MustRegister(
		metrics.NewPPGCollector(gw.Stats),
		metrics.NewSessionCollector("ppg_smpp", disp.Sessions),
		responseTimes.Collector(),
	)
	reg.MustRegister(collectors...)
	mux := http.NewServeMux()
	mux.Handle("/pap", gw)
	mux.Handle("/wappush", gw)
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.Handle("GET /status", gw.StatusHandler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: set.HeaderTimeout, ReadTimeout: set.ReadTimeout, IdleTimeout: set.IdleTimeout, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	var papServer interface {
		Serve(net.Listener) error
		Shutdown(context.Context) error
	} = srv
	if set.PAPFastPath && scheme == "http" {
		fast := &httpfast.Server{Fast: map[string]http.Handler{"/pap": gw, "/wappush": gw}, Fallback: srv}
		reg.MustRegister(metrics.NewPAPServerCollector(fast.Stats))
		papServer = fast
	}
	servers := []interface{ Shutdown(context.Context) error }{papServer}
	errc := make(chan error, 2)
	go func() { errc <- papServer.Serve(l) }()
	addr := l.Addr().String()
	log.Info("ppg listening", "pap", scheme+"://"+addr+"/pap", "smsc", set.SMSC, "mode", set.Mode, "store", set.Store)
	if len(pis) == 0 {
		log.Warn("no PI configured: serving PIs on loopback addresses only")
	}
	fmt.Fprintf(stdout, "ppg: PAP on %s://%s/pap (and /wappush)\n", scheme, addr)
	fmt.Fprintf(stdout, "ppg: metrics on %s://%s/metrics\n", scheme, addr)

	if set.WAPGW != "" {
		gwp, err := wapgw.New(wapgw.Config{Allow: set.WAPGWAllow, Logger: log.With("component", "wapgw")})
		if err != nil {
			return err
		}
		wl, err := net.Listen("tcp", set.WAPGW)
		if err != nil {
			return err
		}
		wsrv := &http.Server{Handler: gwp, ReadHeaderTimeout: set.HeaderTimeout, IdleTimeout: set.IdleTimeout}
		servers = append(servers, wsrv)
		go func() { errc <- wsrv.Serve(wl) }()
		fmt.Fprintf(stdout, "ppg: WAP gateway on %s\n", wl.Addr())
	}

	var serveErr error
	select {
	case serveErr = <-errc:
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, s := range servers {
		s.Shutdown(sctx)
	}
	gw.Close()
	disp.Close(sctx)
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	return nil
}

// readDeviceProfiles reads the UAProf documents in dir, each named by the
// MSISDN it describes: 358401234567.rdf profiles +358401234567. Files whose
// name does not start with digits are skipped; "" reads none.
func readDeviceProfiles(dir string) (map[string]string, error) {
	if dir == "" {
		return nil, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("device profiles: %w", err)
	}
	profiles := map[string]string{}
	for _, e := range entries {
		msisdn, _, _ := strings.Cut(e.Name(), ".")
		if e.IsDir() || msisdn == "" || strings.Trim(msisdn, "0123456789") != "" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("device profiles: %w", err)
		}
		profiles[msisdn] = string(b)
	}
	return profiles, nil
}
