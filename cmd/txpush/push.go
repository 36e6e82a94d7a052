package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/txpush/txpush/mms"
	"github.com/txpush/txpush/pap"
)

// pushSettings are the flags of `txpush push` and its status and cancel
// forms.
type pushSettings struct {
	PPG        string
	User, Pass string
	To         stringList
	PushID     string

	SIHref, SIText, SIID, Action string
	SLHref                       string
	MMSURL, MMSFrom              string
	MMSSize                      uint64
	File, Type, AppID            string

	DeliverBefore, DeliverAfter string
	Priority                    string
	Notify                      string
	Wait                        bool
	WaitTimeout                 time.Duration
	Listen                      string
	PAP10                       bool
}

func bindPushTarget(fs *flag.FlagSet, s *pushSettings) {
	fs.StringVar(&s.PPG, "ppg", "http://127.0.0.1:8080/pap", "the PPG's PAP `URL`")
	fs.StringVar(&s.User, "user", "", "PI account for HTTP Basic authentication")
	fs.StringVar(&s.Pass, "password", "", "its password")
	fs.Var(&s.To, "to", "destination `MSISDN` (+ and digits, or a full WAPPUSH= address); repeatable or comma-separated")
	fs.StringVar(&s.PushID, "push-id", "", "push-id (default: a fresh random one @txpush)")
	fs.BoolVar(&s.PAP10, "pap10", false, "speak PAP 1.0 instead of 2.0")
}

func bindPushFlags(fs *flag.FlagSet, s *pushSettings) {
	bindPushTarget(fs, s)
	fs.StringVar(&s.SIHref, "si-href", "", "push a Service Indication pointing at this `URL`")
	fs.StringVar(&s.SIText, "si-text", "", "the Service Indication's text")
	fs.StringVar(&s.SIID, "si-id", "", "the Service Indication's si-id")
	fs.StringVar(&s.SLHref, "sl-href", "", "push a Service Loading of this `URL`")
	fs.StringVar(&s.Action, "action", "", "SI action (signal-none|low|medium|high, delete) or SL action (execute-low|execute-high|cache)")
	fs.StringVar(&s.MMSURL, "mms-url", "", "push an MMS notification whose content location is this `URL`")
	fs.StringVar(&s.MMSFrom, "mms-from", "", "the MMS notification's sender, e.g. +358401234567/TYPE=PLMN")
	fs.Uint64Var(&s.MMSSize, "mms-size", 10000, "the MMS notification's message size in octets")
	fs.StringVar(&s.File, "file", "", "push this `file` as the content (with --type)")
	fs.StringVar(&s.Type, "type", "", "media type of --file, e.g. text/vnd.wap.si (default: from the file name)")
	fs.StringVar(&s.AppID, "app-id", "", "X-Wap-Application-Id of the content")
	fs.StringVar(&s.DeliverBefore, "deliver-before", "", "deliver-before-timestamp: RFC 3339 time or a duration from now (e.g. 10m)")
	fs.StringVar(&s.DeliverAfter, "deliver-after", "", "deliver-after-timestamp: RFC 3339 time or a duration from now")
	fs.StringVar(&s.Priority, "priority", "", "quality-of-service priority: high, medium or low")
	fs.StringVar(&s.Notify, "notify", "", "ppg-notify-requested-to: the `URL` the PPG posts the result notification to")
	fs.BoolVar(&s.Wait, "wait", false, "receive the result notification here and print it (listens on --listen unless --notify is given)")
	fs.DurationVar(&s.WaitTimeout, "wait-timeout", 2*time.Minute, "how long --wait waits")
	fs.StringVar(&s.Listen, "listen", "127.0.0.1:0", "address the --wait listener binds")
}

func pushMain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	op := "push"
	if len(args) > 0 && (args[0] == "status" || args[0] == "cancel") {
		op, args = args[0], args[1:]
	}
	var s pushSettings
	fs := flag.NewFlagSet("txpush push "+op, flag.ContinueOnError)
	fs.SetOutput(stderr)
	if op == "push" {
		bindPushFlags(fs, &s)
		fs.Usage = func() {
			fmt.Fprintln(stderr, "usage: txpush push --ppg URL --to MSISDN (--si-href URL | --sl-href URL | --mms-url URL | --file FILE) [flags]")
			fmt.Fprintln(stderr, "       txpush push status|cancel --ppg URL --push-id ID [--to MSISDN]")
			fs.PrintDefaults()
		}
	} else {
		bindPushTarget(fs, &s)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	client := &pap.Client{URL: s.PPG, Username: s.User, Password: s.Pass}
	addrs, err := pushAddresses(s.To)
	if err != nil {
		fmt.Fprintln(stderr, "txpush push:", err)
		return 2
	}
	hdr := pap.Header{}
	if s.PAP10 {
		hdr.Version = pap.PAP10
	}
	switch op {
	case "status":
		return pushStatus(ctx, client, hdr, s, addrs, stdout, stderr)
	case "cancel":
		return pushCancel(ctx, client, hdr, s, addrs, stdout, stderr)
	}
	if len(addrs) == 0 {
		fmt.Fprintln(stderr, "txpush push: --to is required")
		return 2
	}
	entity, err := pushContent(s)
	if err != nil {
		fmt.Fprintln(stderr, "txpush push:", err)
		return 2
	}
	m := &pap.PushMessage{Header: hdr, PushID: s.PushID, Addresses: addrs, SourceReference: "txpush push"}
	if m.PushID == "" {
		m.PushID = randomPushID()
	}
	now := time.Now()
	if m.DeliverBefore, err = pushTime(s.DeliverBefore, now); err != nil {
		fmt.Fprintln(stderr, "txpush push: --deliver-before:", err)
		return 2
	}
	if m.DeliverAfter, err = pushTime(s.DeliverAfter, now); err != nil {
		fmt.Fprintln(stderr, "txpush push: --deliver-after:", err)
		return 2
	}
	if s.Priority != "" {
		p := pap.Priority(s.Priority)
		if !p.Valid() {
			fmt.Fprintf(stderr, "txpush push: --priority %q: want high, medium or low\n", s.Priority)
			return 2
		}
		m.QoS = &pap.QualityOfService{Priority: p}
	}

	// --wait without --notify: receive the notification here.
	var notes chan *pap.ResultNotification
	m.NotifyTo = s.Notify
	if s.Wait {
		notes = make(chan *pap.ResultNotification, len(addrs))
		if s.Notify == "" {
			l, err := net.Listen("tcp", s.Listen)
			if err != nil {
				fmt.Fprintln(stderr, "txpush push: --listen:", err)
				return 1
			}
			srv := &http.Server{Handler: pap.NotificationHandler(func(_ context.Context, n *pap.ResultNotification) error {
				if n.PushID == m.PushID {
					notes <- n
				}
				return nil
			}), ReadHeaderTimeout: 10 * time.Second}
			go srv.Serve(l)
			// Shutdown, not Close: the PPG must get its
			// resultnotification-response before we exit.
			defer func() {
				sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				srv.Shutdown(sctx)
			}()
			m.NotifyTo = "http://" + l.Addr().String() + "/notify"
		}
	}

	resp, err := client.Push(ctx, m, entity)
	if err != nil {
		fmt.Fprintln(stderr, "txpush push:", err)
		return 1
	}
	fmt.Fprintf(stdout, "push-response push-id=%s code=%d (%s) desc=%q\n", resp.PushID, resp.Result.Code, resp.Result.Code.Text(), resp.Result.Desc)
	if !resp.Result.Code.Success() {
		return 1
	}
	if !s.Wait {
		return 0
	}
	if s.Notify != "" {
		fmt.Fprintln(stderr, "txpush push: --wait with --notify: the notification goes to", s.Notify, "; not waiting here")
		return 0
	}
	timeout := time.After(s.WaitTimeout)
	failed := false
	for range addrs {
		select {
		case n := <-notes:
			fmt.Fprintf(stdout, "resultnotification push-id=%s address=%s message-state=%s code=%d (%s) desc=%q event-time=%s\n",
				n.PushID, n.Address.String(), n.State, n.Code, n.Code.Text(), n.Desc, n.EventTime.Format(time.RFC3339))
			if n.State != pap.StateDelivered {
				failed = true
			}
		case <-timeout:
			fmt.Fprintln(stderr, "txpush push: no result notification within", s.WaitTimeout)
			return 1
		case <-ctx.Done():
			return 1
		}
	}
	if failed {
		return 1
	}
	return 0
}

// pushAddresses turns --to values into PAP addresses.
func pushAddresses(to []string) ([]pap.Address, error) {
	var out []pap.Address
	for _, v := range to {
		for _, one := range strings.Split(v, ",") {
			one = strings.TrimSpace(one)
			if one == "" {
				continue
			}
			if !strings.HasPrefix(strings.ToUpper(one), "WAPPUSH=") {
				if !strings.HasPrefix(one, "+") {
					one = "+" + one
				}
				one = "WAPPUSH=" + one + "/TYPE=PLMN"
			}
			a, err := pap.ParseAddress(one)
			if err != nil {
				return nil, fmt.Errorf("--to %q: %w", v, err)
			}
			out = append(out, a)
		}
	}
	return out, nil
}

// pushContent builds the content entity from the content flags.
func pushContent(s pushSettings) (*pap.Entity, error) {
	n := 0
	for _, v := range []string{s.SIHref, s.SLHref, s.MMSURL, s.File} {
		if v != "" {
			n++
		}
	}
	if n != 1 {
		return nil, errors.New("give exactly one of --si-href, --sl-href, --mms-url, --file")
	}
	var e *pap.Entity
	switch {
	case s.SIHref != "":
		action := s.Action
		if action == "" {
			action = "signal-medium"
		}
		id := s.SIID
		if id == "" {
			id = s.SIHref
		}
		doc := `<?xml version="1.0"?>` + "\n" +
			`<!DOCTYPE si PUBLIC "-//WAPFORUM//DTD SI 1.0//EN" "http://www.wapforum.org/DTD/si.dtd">` + "\n" +
			`<si><indication href="` + xmlEscape(s.SIHref) + `" si-id="` + xmlEscape(id) + `" created="` +
			time.Now().UTC().Format("2006-01-02T15:04:05Z") + `" action="` + xmlEscape(action) + `">` +
			xmlEscape(s.SIText) + `</indication></si>`
		e = pap.NewEntity("text/vnd.wap.si", []byte(doc))
	case s.SLHref != "":
		action := s.Action
		if action == "" {
			action = "execute-low"
		}
		doc := `<?xml version="1.0"?>` + "\n" +
			`<!DOCTYPE sl PUBLIC "-//WAPFORUM//DTD SL 1.0//EN" "http://www.wapforum.org/DTD/sl.dtd">` + "\n" +
			`<sl href="` + xmlEscape(s.SLHref) + `" action="` + xmlEscape(action) + `"/>`
		e = pap.NewEntity("text/vnd.wap.sl", []byte(doc))
	case s.MMSURL != "":
		n := &mms.NotificationInd{
			TransactionID:   "T" + randomHex(6),
			Version:         mms.Version12,
			Class:           mms.ClassPersonal,
			Size:            s.MMSSize,
			Expiry:          mms.Expiry{After: 7 * 24 * time.Hour},
			ContentLocation: s.MMSURL,
		}
		if s.MMSFrom != "" {
			n.From = &mms.From{Address: mms.EncodedString{Text: s.MMSFrom}}
		}
		b, err := n.Marshal()
		if err != nil {
			return nil, err
		}
		e = pap.NewEntity("application/vnd.wap.mms-message", b)
	default:
		b, err := os.ReadFile(s.File)
		if err != nil {
			return nil, err
		}
		t := s.Type
		if t == "" {
			t = typeByName(s.File)
		}
		if t == "" {
			return nil, fmt.Errorf("--file %s: give --type (the media type)", s.File)
		}
		e = pap.NewEntity(t, b)
	}
	if s.AppID != "" {
		e.Header.Set("X-Wap-Application-Id", s.AppID)
	}
	return e, nil
}

// typeByName guesses a push content's media type from a file name.
func typeByName(name string) string {
	switch {
	case strings.HasSuffix(name, ".si"), strings.HasSuffix(name, "si.xml"):
		return "text/vnd.wap.si"
	case strings.HasSuffix(name, ".sl"), strings.HasSuffix(name, "sl.xml"):
		return "text/vnd.wap.sl"
	case strings.HasSuffix(name, ".co"), strings.HasSuffix(name, "co.xml"):
		return "text/vnd.wap.co"
	case strings.HasSuffix(name, ".sic"):
		return "application/vnd.wap.sic"
	case strings.HasSuffix(name, ".slc"):
		return "application/vnd.wap.slc"
	case strings.HasSuffix(name, ".mms"), strings.HasSuffix(name, ".bin"):
		return "application/vnd.wap.mms-message"
	}
	return ""
}

func xmlEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&quot;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// pushTime reads an RFC 3339 time or a duration from now.
func pushTime(v string, now time.Time) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(v); err == nil {
		return now.Add(d).UTC().Truncate(time.Second), nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither an RFC 3339 time nor a duration", v)
	}
	return t.UTC(), nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func randomPushID() string { return randomHex(8) + "@txpush" }

func pushStatus(ctx context.Context, c *pap.Client, hdr pap.Header, s pushSettings, addrs []pap.Address, stdout, stderr io.Writer) int {
	if s.PushID == "" {
		fmt.Fprintln(stderr, "txpush push status: --push-id is required")
		return 2
	}
	resp, err := c.StatusQuery(ctx, &pap.StatusQueryMessage{Header: hdr, PushID: s.PushID, Addresses: addrs})
	if err != nil {
		fmt.Fprintln(stderr, "txpush push status:", err)
		return 1
	}
	ok := true
	for _, r := range resp.Results {
		fmt.Fprintf(stdout, "statusquery-result push-id=%s addresses=%s message-state=%s code=%d (%s) desc=%q\n",
			resp.PushID, joinAddresses(r.Addresses), r.State, r.Code, r.Code.Text(), r.Desc)
		ok = ok && r.Code.Success()
	}
	return exitCode(ok)
}

func pushCancel(ctx context.Context, c *pap.Client, hdr pap.Header, s pushSettings, addrs []pap.Address, stdout, stderr io.Writer) int {
	if s.PushID == "" {
		fmt.Fprintln(stderr, "txpush push cancel: --push-id is required")
		return 2
	}
	resp, err := c.Cancel(ctx, &pap.CancelMessage{Header: hdr, PushID: s.PushID, Addresses: addrs})
	if err != nil {
		fmt.Fprintln(stderr, "txpush push cancel:", err)
		return 1
	}
	ok := true
	for _, r := range resp.Results {
		fmt.Fprintf(stdout, "cancel-result push-id=%s addresses=%s code=%d (%s) desc=%q\n",
			resp.PushID, joinAddresses(r.Addresses), r.Code, r.Code.Text(), r.Desc)
		ok = ok && r.Code.Success()
	}
	return exitCode(ok)
}

func joinAddresses(as []pap.Address) string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.String()
	}
	return strings.Join(out, ",")
}

func exitCode(ok bool) int {
	if ok {
		return 0
	}
	return 1
}
