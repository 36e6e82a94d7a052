package handset

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/txpush/txpush/clock"
)

// userAgent is the User-Agent of the handsets' fetches.
const userAgent = "txpush-handset/1.0"

// fetcher makes the HTTP fetches that follow pushes.
type fetcher struct {
	client  *http.Client
	timeout time.Duration
	maxSize int64
	clock   clock.Clock

	ctx    context.Context // ended by close, cancelling fetches in flight
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func newFetcher(cfg Config) *fetcher {
	ctx, cancel := context.WithCancel(context.Background())
	return &fetcher{client: cfg.HTTPClient, timeout: cfg.FetchTimeout, maxSize: cfg.MaxFetchSize,
		clock: cfg.Clock, ctx: ctx, cancel: cancel}
}

// close cancels the fetches in flight and waits for them.
func (f *fetcher) close() {
	f.cancel()
	f.wg.Wait()
}

// do fetches target for the handset that received push, and reports how
// it went. The timeout and the duration are in real time: a fetch is
// network I/O whatever clock the handset runs on.
func (f *fetcher) do(push Event, target fetchTarget) (e Event) {
	e = Event{Kind: EventFetch, MSISDN: push.MSISDN, Originator: push.Originator, URL: target.url}
	ctx, cancel := context.WithTimeout(f.ctx, f.timeout)
	defer cancel()
	start := time.Now()
	defer func() {
		e.Duration = time.Since(start)
		e.At = f.clock.Now()
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target.url, nil)
	if err != nil {
		e.Err = err.Error()
		return e
	}
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("Accept", target.accept)
	resp, err := f.client.Do(req)
	if err != nil {
		e.Err = err.Error()
		return e
	}
	defer resp.Body.Close()
	e.Status, e.ContentType = resp.StatusCode, resp.Header.Get("Content-Type")
	e.Size, err = io.Copy(io.Discard, io.LimitReader(resp.Body, f.maxSize+1))
	switch {
	case err != nil:
		e.Err = "reading the body: " + err.Error()
	case e.Size > f.maxSize:
		e.Size = f.maxSize
		e.Err = fmt.Sprintf("body longer than %d octets; the rest was not read", f.maxSize)
	}
	return e
}
