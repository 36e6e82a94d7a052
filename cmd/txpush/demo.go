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
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/txpush/txpush/clock"
	"github.com/txpush/txpush/handset"
	"github.com/txpush/txpush/metrics"
	"github.com/txpush/txpush/pap"
	"github.com/txpush/txpush/ppg"
	"github.com/txpush/txpush/radio"
	"github.com/txpush/txpush/smpp"
	"github.com/txpush/txpush/smsc"
	"github.com/txpush/txpush/store"
	"github.com/txpush/txpush/wapgw"
)

// demoSettings are the settings of `txpush demo`, as flags or YAML.
type demoSettings struct {
	// Mode is transaction (the push SMSC's transaction mode) or legacy
	// (the PPG splits; store-and-forward with receipts over SMPP).
	Mode string `yaml:"mode"`
	// SMSCMode is integrated (the PPG hands pushes to the SMSC's
	// transaction engine in-process) or separate (over loopback SMPP).
	// Legacy mode always talks SMPP.
	SMSCMode string  `yaml:"smsc_mode"`
	Network  string  `yaml:"network"`
	Absent   float64 `yaml:"absent"`
	Handsets int     `yaml:"handsets"`
	Seed     uint64  `yaml:"seed"`

	Pushes      int           `yaml:"pushes"`
	Rate        float64       `yaml:"rate"`
	Concurrency int           `yaml:"concurrency"`
	Wait        time.Duration `yaml:"wait"`

	PAP     string `yaml:"pap"`
	SMPP    string `yaml:"smpp"`
	WAPGW   string `yaml:"wapgw"`
	Content string `yaml:"content"`

	LogLevel string `yaml:"log_level"`
}

func defaultDemoSettings() demoSettings {
	return demoSettings{
		Mode:        "transaction",
		SMSCMode:    "integrated",
		Network:     "typical",
		Absent:      0,
		Handsets:    1000,
		Seed:        1,
		Concurrency: 500,
		Wait:        time.Minute,
		PAP:         "127.0.0.1:0",
		SMPP:        "127.0.0.1:0",
		WAPGW:       "127.0.0.1:0",
		Content:     "127.0.0.1:0",
		LogLevel:    "warn",
	}
}

func bindDemoFlags(fs *flag.FlagSet, s *demoSettings) {
	fs.StringVar(&s.Mode, "mode", s.Mode, "transaction (one submit per push, the outcome in the response) or legacy (the PPG splits; store-and-forward with receipts over loopback SMPP)")
	fs.StringVar(&s.SMSCMode, "smsc-mode", s.SMSCMode, "transaction mode: integrated (the PPG hands each push to the SMSC's transaction engine in-process) or separate (over loopback SMPP)")
	fs.StringVar(&s.Network, "network", s.Network, "simulated network profile: "+strings.Join(radio.ProfileNames(), ", "))
	fs.Float64Var(&s.Absent, "absent", s.Absent, "share of handsets switched off or out of coverage, replacing the profile's (typical: 0.10, mean absence 30 min). "+
		"Default 0: the demo pushes to handsets that are on, since an absent handset cannot be reached within a transaction's 30 s deadline nor within the demo's run. Negative keeps the profile's")
	fs.IntVar(&s.Handsets, "handsets", s.Handsets, "MSISDNs in the handset population; the pushes go to them in turn")
	fs.Uint64Var(&s.Seed, "seed", s.Seed, "seed of the simulated network")
	fs.IntVar(&s.Pushes, "pushes", s.Pushes, "push this many (a mix of SI, SL and MMS notifications), print a summary and exit; 0 serves until interrupted")
	fs.Float64Var(&s.Rate, "rate", s.Rate, "pushes per second (0: as fast as --concurrency allows)")
	fs.IntVar(&s.Concurrency, "concurrency", s.Concurrency, "most pushes in flight at once (posted, no result notification yet)")
	fs.DurationVar(&s.Wait, "wait", s.Wait, "after the last push, how long to wait for the outstanding result notifications")
	fs.StringVar(&s.PAP, "pap", s.PAP, "HTTP listen `address` of the PPG's PAP endpoint")
	fs.StringVar(&s.SMPP, "smpp", s.SMPP, "SMPP listen `address` of the SMSC (separate and legacy modes)")
	fs.StringVar(&s.WAPGW, "wapgw", s.WAPGW, "HTTP listen `address` of the WAP gateway")
	fs.StringVar(&s.Content, "content", s.Content, "HTTP listen `address` of the content server")
	fs.StringVar(&s.LogLevel, "log-level", s.LogLevel, "debug, info, warn or error")
}

func (s *demoSettings) check() error {
	switch s.Mode {
	case "transaction", "legacy":
	default:
		return fmt.Errorf("--mode %q: want transaction or legacy", s.Mode)
	}
	switch s.SMSCMode {
	case "integrated", "separate":
	default:
		return fmt.Errorf("--smsc-mode %q: want integrated or separate", s.SMSCMode)
	}
	if s.Absent >= 1 {
		return fmt.Errorf("--absent %v: want a share below 1", s.Absent)
	}
	if s.Handsets < 1 {
		return errors.New("--handsets: want at least 1")
	}
	if s.Pushes < 0 || s.Rate < 0 || s.Concurrency < 1 {
		return errors.New("--pushes and --rate must not be negative, --concurrency must be positive")
	}
	return nil
}

// overSMPP reports whether the PPG reaches the SMSC over loopback SMPP.
func (s *demoSettings) overSMPP() bool { return s.Mode == "legacy" || s.SMSCMode == "separate" }

// describe says in one line how the demo runs.
func (sys *demoSystem) describe() string {
	s := &sys.set
	smscPath := "SMSC integrated in the PPG"
	if s.overSMPP() {
		smscPath = "SMSC over loopback SMPP"
	}
	absent := fmt.Sprintf("absent share %g", sys.absent)
	if sys.absent != sys.profileAbsent {
		absent += fmt.Sprintf(" (the profile's %g: --absent)", sys.profileAbsent)
	}
	return fmt.Sprintf("%s mode, %s, network %s with %s, %d handsets", s.Mode, smscPath, s.Network, absent, s.Handsets)
}

// demoMain runs the whole system in one process: until ctx ends, or, with
// --pushes, until the scripted load is done and summarised.
func demoMain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	set := defaultDemoSettings()
	log, code, ok := daemonArgs("demo", args, stderr, &set, bindDemoFlags, func(s *demoSettings) string { return s.LogLevel })
	if !ok {
		return code
	}
	if err := set.check(); err != nil {
		fmt.Fprintln(stderr, "txpush demo:", err)
		return 2
	}
	sys, err := startDemo(ctx, set, log)
	if err != nil {
		fmt.Fprintln(stderr, "txpush demo:", err)
		return 1
	}
	defer sys.close()
	sys.printEndpoints(stdout)
	if set.Pushes == 0 {
		fmt.Fprintln(stdout, "demo: running; push with `txpush push --ppg "+sys.papURL+" ...`; Ctrl-C stops")
		<-ctx.Done()
		return 0
	}
	sum := sys.load.run(ctx, stderr)
	sum.write(stdout, sys.describe())
	if !sum.accountedFor() {
		return 1
	}
	return 0
}

// demoSystem is every part of the demo, started and wired together.
type demoSystem struct {
	set demoSettings
	log *slog.Logger
	// absent is the absent share the network runs with, profileAbsent
	// the profile's own.
	absent, profileAbsent float64

	network    *radio.Network
	population *handset.Population
	smsc       *smsc.SMSC
	smppAddr   string
	disp       dispatcher
	gw         *ppg.PPG
	proxy      *wapgw.Gateway
	load       *demoLoad

	papURL, wapgwURL, contentURL, notifyURL string

	papServer *http.Server
	servers   []*http.Server // every server, PAP's too
}

func startDemo(ctx context.Context, set demoSettings, log *slog.Logger) (sys *demoSystem, err error) {
	sys = &demoSystem{set: set, log: log}
	defer func() {
		if err != nil {
			sys.close()
		}
	}()
	clk := clock.Real()

	// The content server and the WAP gateway in front of it.
	content := &demoContent{}
	contentAddr, err := sys.serve(set.Content, content)
	if err != nil {
		return sys, fmt.Errorf("content server: %w", err)
	}
	sys.contentURL = "http://" + contentAddr
	sys.proxy, err = wapgw.New(wapgw.Config{Logger: demoDebugLogger(log, "wapgw")})
	if err != nil {
		return sys, err
	}
	if err := sys.proxy.AllowDestinations(contentAddr); err != nil {
		return sys, err
	}
	wapgwAddr, err := sys.serve(set.WAPGW, sys.proxy)
	if err != nil {
		return sys, fmt.Errorf("WAP gateway: %w", err)
	}
	sys.wapgwURL = "http://" + wapgwAddr

	// The PI's load; the handsets report to it.
	sys.load = newDemoLoad(set, sys.contentURL)
	sys.load.content = content

	// The network and its handsets.
	netCfg, err := radio.Profile(set.Network)
	if err != nil {
		return sys, err
	}
	netCfg.Seed = set.Seed
	sys.profileAbsent = netCfg.AbsentShare
	if set.Absent >= 0 {
		netCfg.AbsentShare = set.Absent
	}
	sys.absent = netCfg.AbsentShare
	if err := netCfg.Validate(); err != nil {
		return sys, err
	}
	sys.network, err = radio.New(clk, netCfg)
	if err != nil {
		return sys, err
	}
	proxyURL, err := url.Parse(sys.wapgwURL)
	if err != nil {
		return sys, err
	}
	sys.population, err = handset.NewPopulation(handset.Config{
		Reassembly: handset.ReassemblyModern,
		Fetch:      true,
		HTTPClient: &http.Client{Transport: &http.Transport{
			Proxy:               http.ProxyURL(proxyURL),
			MaxIdleConnsPerHost: set.Concurrency,
		}},
		Clock:   clk,
		OnEvent: sys.load.handsetEvent,
	})
	if err != nil {
		return sys, err
	}
	sys.network.AttachAll(sys.population.Receive)

	// The push SMSC.
	sys.smsc, err = smsc.New(smsc.Config{Clock: clk, Logger: log.With("component", "smsc")}, sys.network, sys.network, store.NewMemory())
	if err != nil {
		return sys, err
	}
	if sys.set.overSMPP() {
		l, err := net.Listen("tcp", set.SMPP)
		if err != nil {
			return sys, fmt.Errorf("SMSC: %w", err)
		}
		sys.smppAddr = l.Addr().String()
		go sys.smsc.Serve(l)
	}

	// The PPG in front of it.
	if err := sys.startPPG(ctx, log); err != nil {
		return sys, err
	}

	// The PI's notification endpoint, and its client.
	notifyAddr, err := sys.serve("127.0.0.1:0", pap.NotificationHandler(sys.load.notified))
	if err != nil {
		return sys, fmt.Errorf("PI: %w", err)
	}
	sys.notifyURL = "http://" + notifyAddr + "/notify"
	sys.load.start(sys.papURL, sys.notifyURL, sys.population)
	return sys, nil
}

// startPPG starts the dispatcher, the PPG and its PAP endpoint.
func (sys *demoSystem) startPPG(ctx context.Context, log *slog.Logger) error {
	set := sys.set
	bind := smpp.BindParams{SystemID: "ppg"}
	onError := func(err error) { log.Warn("smsc bind", "err", err) }
	switch {
	case set.Mode == "legacy":
		d := ppg.NewLegacyDispatcher(ppg.LegacyConfig{Addrs: []string{sys.smppAddr}, Bind: bind, Logger: log.With("component", "legacy")})
		sys.disp = d
		d.Start(ctx)
		if err := d.WaitBound(ctx); err != nil {
			return fmt.Errorf("binding to the SMSC: %w", err)
		}
	case set.SMSCMode == "separate":
		d := ppg.NewSMPPDispatcher(ppg.SMPPConfig{Addrs: []string{sys.smppAddr}, Bind: bind, OnError: onError})
		sys.disp = d
		d.Start(ctx)
		if err := d.WaitBound(ctx); err != nil {
			return fmt.Errorf("binding to the SMSC: %w", err)
		}
	default:
		sys.disp = &ppg.InProcessDispatcher{SMSC: sys.smsc, Account: "ppg"}
	}

	l, err := net.Listen("tcp", set.PAP)
	if err != nil {
		return fmt.Errorf("PAP: %w", err)
	}
	sys.papURL = "http://" + l.Addr().String() + "/pap"
	sys.gw, err = ppg.New(ppg.Config{
		SenderAddress: sys.papURL,
		SenderName:    "txpush demo PPG",
		HTTPClient:    &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: ppg.DefaultNotifyConcurrency}},
		// The PPG logs every push outcome at info; the demo's summary says
		// it all, so only warnings and errors unless asked for debug.
		Logger: slog.New(atLeast{min: quietUnlessDebug(log), Handler: log.Handler()}).With("component", "ppg"),
	}, store.NewPushMemory(), sys.disp)
	if err != nil {
		l.Close()
		return err
	}
	if err := sys.gw.Start(ctx); err != nil {
		l.Close()
		return err
	}
	reg := metrics.NewRegistry()
	reg.MustRegister(metrics.NewPPGCollector(sys.gw.Stats), metrics.NewSMSCCollector(sys.smsc))
	mux := http.NewServeMux()
	mux.Handle("/pap", sys.gw)
	mux.Handle("/wappush", sys.gw)
	mux.Handle("GET /status", sys.gw.StatusHandler())
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	sys.papServer = sys.serveOn(l, mux)
	return nil
}

// serve serves h on a new listener at addr and returns its address.
func (sys *demoSystem) serve(addr string, h http.Handler) (string, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	sys.serveOn(l, h)
	return l.Addr().String(), nil
}

func (sys *demoSystem) serveOn(l net.Listener, h http.Handler) *http.Server {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(sys.log.Handler(), slog.LevelWarn)}
	sys.servers = append(sys.servers, srv)
	go srv.Serve(l)
	return srv
}

func (sys *demoSystem) printEndpoints(w io.Writer) {
	fmt.Fprintf(w, "demo: %s\n", sys.describe())
	fmt.Fprintf(w, "demo: PAP on %s (and /wappush)\n", sys.papURL)
	fmt.Fprintf(w, "demo: status page on %s\n", strings.TrimSuffix(sys.papURL, "/pap")+"/status")
	fmt.Fprintf(w, "demo: metrics on %s\n", strings.TrimSuffix(sys.papURL, "/pap")+"/metrics")
	if sys.smppAddr != "" {
		fmt.Fprintf(w, "demo: SMSC SMPP on %s\n", sys.smppAddr)
	}
	fmt.Fprintf(w, "demo: WAP gateway on %s\n", sys.wapgwURL)
	fmt.Fprintf(w, "demo: content server on %s\n", sys.contentURL)
	fmt.Fprintf(w, "demo: PI result notifications on %s\n", sys.notifyURL)
}

// close stops every part that was started, the PAP side first so that no
// new push comes in while the rest drains.
func (sys *demoSystem) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// PAP is shut down gracefully, so that a PI gets its answers; the
	// rest are closed, since a proxy's spare connections that never carried
	// a request would hold up a graceful shutdown for seconds.
	if sys.load != nil && sys.load.client != nil {
		// The PI's spare connections, dialled but never used, would
		// otherwise count as active for seconds.
		sys.load.client.HTTPClient.CloseIdleConnections()
	}
	if sys.papServer != nil {
		sys.papServer.Shutdown(ctx)
	}
	for _, s := range sys.servers {
		s.Close()
	}
	if sys.gw != nil {
		sys.gw.Close()
	}
	if sys.disp != nil {
		sys.disp.Close(ctx)
	}
	if sys.smsc != nil {
		sys.smsc.Shutdown(ctx)
	}
	if sys.population != nil {
		sys.population.Close()
	}
}

// demoDebugLogger is log for a component whose every request would be a
// line: kept only at debug level.
// atLeast passes on records of min or above.
type atLeast struct {
	min slog.Level
	slog.Handler
}

func (h atLeast) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

// quietUnlessDebug is slog.LevelDebug when log has debug on, else
// slog.LevelWarn.
func quietUnlessDebug(log *slog.Logger) slog.Level {
	if log.Enabled(context.Background(), slog.LevelDebug) {
		return slog.LevelDebug
	}
	return slog.LevelWarn
}

func demoDebugLogger(log *slog.Logger, component string) *slog.Logger {
	if !log.Enabled(context.Background(), slog.LevelDebug) {
		return nil
	}
	return log.With("component", component)
}

// demoContent is the PI's content server: it serves a small page for every
// pushed URL and counts what it served.
type demoContent struct {
	mu     sync.Mutex
	served int
}

func (c *demoContent) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	c.served++
	c.mu.Unlock()
	kind := path.Base(path.Dir(r.URL.Path))
	switch kind {
	case "mms":
		// A stand-in for the MMS message the notification announced.
		w.Header().Set("Content-Type", "application/vnd.wap.mms-message")
	default:
		w.Header().Set("Content-Type", "text/vnd.wap.wml")
	}
	fmt.Fprintf(w, `<?xml version="1.0"?><wml><card id="c"><p>%s %s</p></card></wml>`, kind, path.Base(r.URL.Path))
}

func (c *demoContent) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.served
}

// demoPush is what the PI knows of one push of the load.
type demoPush struct {
	posted      time.Time
	accepted    bool
	refusal     string    // why the PPG did not accept it
	reassembled time.Time // the handset's push event
	notified    time.Time // the result notification's arrival
	state       pap.MessageState
	desc        string
}

// demoLoad is the PI: it pushes a mix of SI, SL and MMS notifications,
// takes the result notifications and hears from the handsets.
type demoLoad struct {
	set        demoSettings
	contentURL string
	content    *demoContent
	population *handset.Population
	client     *pap.Client
	notifyURL  string

	// started and finished bound the load: from the first post to the
	// last notification (or giving up on it).
	started, finished time.Time
	// slots holds a token per push in flight, bounding the concurrency.
	slots chan struct{}
	// changed is signalled whenever a notification arrives.
	changed chan struct{}

	mu            sync.Mutex
	pushes        []demoPush
	posted        int
	notifiedCount int
	fetches       int
}

func newDemoLoad(set demoSettings, contentURL string) *demoLoad {
	return &demoLoad{
		set:        set,
		contentURL: contentURL,
		slots:      make(chan struct{}, set.Concurrency),
		changed:    make(chan struct{}, 1),
		pushes:     make([]demoPush, set.Pushes),
	}
}

func (l *demoLoad) start(papURL, notifyURL string, pop *handset.Population) {
	l.client = &pap.Client{URL: papURL, HTTPClient: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: l.set.Concurrency}}}
	l.notifyURL = notifyURL
	l.population = pop
}

const demoPushIDSuffix = "@demo.txpush"

func demoPushID(i int) string { return "demo-" + strconv.Itoa(i) + demoPushIDSuffix }

// demoIndex returns the push index a push-id or a pushed URL names.
func (l *demoLoad) demoIndex(s string) (int, bool) {
	var digits string
	if rest, ok := strings.CutPrefix(s, "demo-"); ok {
		digits, ok = strings.CutSuffix(rest, demoPushIDSuffix)
		if !ok {
			return 0, false
		}
	} else if rest, ok := strings.CutPrefix(s, l.contentURL+"/"); ok {
		digits = path.Base(rest)
	} else {
		return 0, false
	}
	i, err := strconv.Atoi(digits)
	if err != nil || i < 0 || i >= len(l.pushes) {
		return 0, false
	}
	return i, true
}

// msisdn is the handset push i goes to: the population in turn, so that
// two pushes to one handset are a population apart.
func (l *demoLoad) msisdn(i int) string {
	return "+35850" + fmt.Sprintf("%07d", i%l.set.Handsets)
}

// entity is push i's content: SI, SL and MMS notification in turn, each
// pointing at its own URL on the content server.
func (l *demoLoad) entity(i int) (*pap.Entity, error) {
	var s pushSettings
	switch i % 3 {
	case 0:
		s.SIHref = fmt.Sprintf("%s/si/%d", l.contentURL, i)
		s.SIID = demoPushID(i)
		s.SIText = fmt.Sprintf("Demo news item %d", i)
		if i%10 < 3 {
			// Some SI need two SMS, as sim-parameters.md's mix has it.
			s.SIText += strings.Repeat(": more of the story", 5)
		}
	case 1:
		s.SLHref = fmt.Sprintf("%s/sl/%d", l.contentURL, i)
	default:
		s.MMSURL = fmt.Sprintf("%s/mms/%d", l.contentURL, i)
		s.MMSFrom = "+358401234567/TYPE=PLMN"
		s.MMSSize = 20000
	}
	return pushContent(s)
}

// run posts the pushes and waits for their notifications, printing a
// progress line a second to progress, and returns the summary.
func (l *demoLoad) run(ctx context.Context, progress io.Writer) *demoSummary {
	l.started = time.Now()
	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	var pace <-chan time.Time
	if l.set.Rate > 0 {
		t := time.NewTicker(time.Duration(float64(time.Second) / l.set.Rate))
		defer t.Stop()
		pace = t.C
	}
	var posts sync.WaitGroup
	stopped := false
	// A load whose slots stay taken for --wait (pushes that never get a
	// notification) stops posting rather than hang.
	stall := time.NewTimer(l.set.Wait)
	defer stall.Stop()
post:
	for i := range l.pushes {
		if pace != nil {
			select {
			case <-pace:
			case <-ctx.Done():
				stopped = true
				break post
			}
		}
		for took := false; !took; {
			select {
			case l.slots <- struct{}{}:
				took = true
				stall.Reset(l.set.Wait)
			case <-stall.C:
				stopped = true
				break post
			case <-ticker.C:
				l.printProgress(progress)
			case <-ctx.Done():
				stopped = true
				break post
			}
		}
		posts.Add(1)
		go func() {
			defer posts.Done()
			l.post(ctx, i)
		}()
	}
	posts.Wait()

	deadline := time.NewTimer(l.set.Wait)
	defer deadline.Stop()
	for !stopped && !l.allNotified() {
		select {
		case <-l.changed:
		case <-ticker.C:
			l.printProgress(progress)
		case <-deadline.C:
			stopped = true
		case <-ctx.Done():
			stopped = true
		}
	}
	l.mu.Lock()
	l.finished = time.Now()
	l.mu.Unlock()
	// The handsets fetch after the push arrives, so the last fetches may
	// still be under way: give them until the next tick or two.
	for range 3 {
		if l.fetchesDone() {
			break
		}
		<-ticker.C
	}
	l.printProgress(progress)
	return l.summary()
}

// post sends push i and records the PPG's answer.
func (l *demoLoad) post(ctx context.Context, i int) {
	id := demoPushID(i)
	to, err := pushAddresses([]string{l.msisdn(i)})
	var entity *pap.Entity
	if err == nil {
		entity, err = l.entity(i)
	}
	l.mu.Lock()
	l.pushes[i].posted = time.Now()
	l.posted++
	l.mu.Unlock()
	var resp *pap.PushResponse
	if err == nil {
		resp, err = l.client.Push(ctx, &pap.PushMessage{PushID: id, Addresses: to, NotifyTo: l.notifyURL, SourceReference: "txpush demo"}, entity)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	p := &l.pushes[i]
	switch {
	case err != nil:
		p.refusal = err.Error()
	case !resp.Result.Code.Success():
		p.refusal = fmt.Sprintf("%d %s", resp.Result.Code, resp.Result.Desc)
	default:
		p.accepted = true
		if !p.notified.IsZero() {
			// The notification came before the answer was read.
			<-l.slots
		}
		return
	}
	<-l.slots
}

// notified is the PI's NotificationHandler.
func (l *demoLoad) notified(_ context.Context, n *pap.ResultNotification) error {
	now := time.Now()
	i, ok := l.demoIndex(n.PushID)
	if !ok {
		return nil
	}
	l.mu.Lock()
	p := &l.pushes[i]
	if p.notified.IsZero() {
		p.notified, p.state, p.desc = now, n.State, n.Desc
		l.notifiedCount++
		if p.accepted {
			<-l.slots
		}
	}
	l.mu.Unlock()
	select {
	case l.changed <- struct{}{}:
	default:
	}
	return nil
}

// handsetEvent is the population's OnEvent: it notes when each push of
// the load reached its handset whole, and counts the fetches.
func (l *demoLoad) handsetEvent(ev handset.Event) {
	switch ev.Kind {
	case handset.EventPush:
		i, ok := l.demoIndex(ev.Href)
		if !ok {
			return
		}
		l.mu.Lock()
		if l.pushes[i].reassembled.IsZero() {
			l.pushes[i].reassembled = ev.Reassembled
		}
		l.mu.Unlock()
	case handset.EventFetch:
		l.mu.Lock()
		l.fetches++
		l.mu.Unlock()
	}
}

func (l *demoLoad) allNotified() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := range l.pushes {
		if l.pushes[i].accepted && l.pushes[i].notified.IsZero() {
			return false
		}
	}
	return true
}

// fetchesDone reports whether every push a handset decoded has been
// fetched (or failed to be).
func (l *demoLoad) fetchesDone() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	arrived := 0
	for i := range l.pushes {
		if !l.pushes[i].reassembled.IsZero() {
			arrived++
		}
	}
	return l.fetches >= arrived
}

func (l *demoLoad) printProgress(w io.Writer) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delivered, arrived := 0, 0
	for i := range l.pushes {
		if l.pushes[i].state == pap.StateDelivered {
			delivered++
		}
		if !l.pushes[i].reassembled.IsZero() {
			arrived++
		}
	}
	fmt.Fprintf(w, "demo: %5.1fs posted %d/%d, at handsets %d, notified %d (delivered %d), fetches %d\n",
		time.Since(l.started).Seconds(), l.posted, len(l.pushes), arrived, l.notifiedCount, delivered, l.fetches)
}

// demoSummary is the outcome of a scripted load.
type demoSummary struct {
	pushes, posted, accepted, refused int
	delivered, failed, noResult       int
	failures                          map[string]int // failed and refused, by cause
	notifications                     int
	atHandsets                        int
	sms, fetches, fetchFailures       uint64
	contentServed                     int
	toHandset, toNotification         []time.Duration
	elapsed                           time.Duration
}

func (l *demoLoad) summary() *demoSummary {
	s := &demoSummary{pushes: len(l.pushes), failures: map[string]int{}}
	if l.population != nil {
		t := l.population.Totals()
		s.sms, s.fetches, s.fetchFailures = t.SMS, t.Fetches, t.FetchFailures
	}
	if l.content != nil {
		s.contentServed = l.content.count()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	s.elapsed = l.finished.Sub(l.started)
	for i := range l.pushes {
		p := &l.pushes[i]
		if p.posted.IsZero() {
			continue
		}
		s.posted++
		if !p.reassembled.IsZero() {
			s.atHandsets++
			s.toHandset = append(s.toHandset, p.reassembled.Sub(p.posted))
		}
		if !p.notified.IsZero() {
			s.notifications++
			s.toNotification = append(s.toNotification, p.notified.Sub(p.posted))
		}
		switch {
		case !p.accepted:
			s.refused++
			s.failures["refused: "+p.refusal]++
		case p.notified.IsZero():
			s.noResult++
		case p.state == pap.StateDelivered:
			s.accepted++
			s.delivered++
		default:
			s.accepted++
			s.failed++
			s.failures[string(p.state)+": "+p.desc]++
		}
	}
	s.accepted += s.noResult
	return s
}

// accountedFor reports whether every push posted was refused or accepted,
// and every accepted one delivered or failed with a cause.
func (s *demoSummary) accountedFor() bool {
	return s.posted == s.pushes && s.noResult == 0 && s.accepted == s.delivered+s.failed && s.posted == s.accepted+s.refused
}

// write prints the summary table.
func (s *demoSummary) write(w io.Writer, setup string) {
	fmt.Fprintf(w, "\nsummary: %s\n", setup)
	row := func(name string, v any) { fmt.Fprintf(w, "%-22s %v\n", name, v) }
	row("pushes", s.pushes)
	row("posted", s.posted)
	row("refused", s.refused)
	row("accepted", s.accepted)
	row("delivered", s.delivered)
	if s.accepted > 0 {
		fmt.Fprintf(w, "  %.2f %% of accepted\n", 100*float64(s.delivered)/float64(s.accepted))
	}
	row("failed", s.failed)
	causes := make([]string, 0, len(s.failures))
	for c := range s.failures {
		causes = append(causes, c)
	}
	sort.Strings(causes)
	for _, c := range causes {
		fmt.Fprintf(w, "  %6d  %s\n", s.failures[c], c)
	}
	row("no result", s.noResult)
	if s.noResult > 0 {
		fmt.Fprintln(w, "  still pending when --wait ran out (store-and-forward retries come minutes later)")
	}
	row("notifications", s.notifications)
	row("at handsets", s.atHandsets)
	row("SMS at handsets", s.sms)
	row("handset fetches", s.fetches)
	row("fetch failures", s.fetchFailures)
	row("content served", s.contentServed)
	fmt.Fprintf(w, "%-22s %8s %8s %8s %8s\n", "latency", "p50", "p90", "p99", "max")
	s.latencyRow(w, "POST to handset", s.toHandset)
	s.latencyRow(w, "POST to notification", s.toNotification)
	fmt.Fprintf(w, "%-22s %.1fs (%.0f pushes/s)\n", "elapsed", s.elapsed.Seconds(), float64(s.posted)/s.elapsed.Seconds())
}

func (s *demoSummary) latencyRow(w io.Writer, name string, d []time.Duration) {
	if len(d) == 0 {
		fmt.Fprintf(w, "%-22s %8s\n", name, "-")
		return
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	at := func(q float64) string {
		i := int(q * float64(len(d)-1))
		return d[i].Round(time.Millisecond).String()
	}
	fmt.Fprintf(w, "%-22s %8s %8s %8s %8s\n", name, at(0.50), at(0.90), at(0.99), at(1))
}
