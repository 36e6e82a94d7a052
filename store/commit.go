package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// A write is one change to the database, applied inside a group-commit
// transaction together with whatever else was queued.
type write struct {
	// ctx is the caller's context, or nil for the Async forms. A write whose
	// context has ended by the time its batch reaches it is skipped, so that
	// a caller who gave up knows nothing was stored.
	ctx context.Context
	// apply makes the change in tx. It returns a *rejection when the change
	// is refused without touching the database (the batch goes on), and any
	// other error when the database failed (the batch is rolled back).
	apply func(ctx context.Context, tx *sql.Tx) error
	// applyConn, when set, is used instead of apply: it makes the change
	// through the writer's driver connection, in the same transaction. The
	// hottest writes take this way to skip database/sql's work on every
	// statement (a copy of the statement bound to the transaction, argument
	// conversion, locking), which costs more than SQLite's own for small
	// rows. conn is valid only during the call. Errors mean what they mean
	// for apply.
	applyConn func(ctx context.Context, conn any) error
	// done receives the outcome once the batch is committed or abandoned.
	done func(error)
}

// A rejection is a write refused for a reason that concerns only that write,
// such as an unknown id. Nothing was changed, so the batch goes on.
type rejection struct{ err error }

func (r *rejection) Error() string { return r.err.Error() }

func reject(err error) error { return &rejection{err: err} }

// committer owns the single writer connection. Writes queue in memory; one
// goroutine takes up to batchMax of them, applies them in one transaction,
// commits once, and then reports to every writer. While a commit is being
// flushed, new writes gather in the queue and form the next batch, so the
// batch size grows with the load on its own, with no timer.
//
// It knows nothing about tables, so every kind of record a store holds (SMSC
// messages now, PPG pushes later) shares the one writer and its batches.
//
// A batch holds the writer's connection from BEGIN to COMMIT, through
// database/sql for writes that use apply and directly through the driver
// for those that use applyConn; between batches the connection goes back to
// its pool, where tests and maintenance may borrow it.
type committer struct {
	db       *sql.DB
	batchMax int
	onCommit func(took time.Duration, writes int) // may be nil

	mu      sync.Mutex
	queue   []write
	closing bool

	wake   chan struct{} // capacity 1: "the queue changed or closing was set"
	exited chan struct{} // closed when run returns

	commits atomic.Uint64
	writes  atomic.Uint64
}

func newCommitter(db *sql.DB, batchMax int, onCommit func(time.Duration, int)) *committer {
	c := &committer{
		db:       db,
		batchMax: batchMax,
		onCommit: onCommit,
		wake:     make(chan struct{}, 1),
		exited:   make(chan struct{}),
	}
	go c.run()
	return c
}

// submit queues w. It never blocks on I/O. After close, w.done gets
// ErrClosed on a goroutine of its own, so that a caller holding a lock that
// done also takes cannot deadlock.
func (c *committer) submit(w write) {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		refuse(w.done, ErrClosed)
		return
	}
	c.queue = append(c.queue, w)
	c.mu.Unlock()
	c.signal()
}

// refuse reports err to the done of a write that is not taken, on a
// goroutine of its own, so that a caller holding a lock that done also
// takes cannot deadlock.
func refuse(done func(error), err error) {
	if done != nil {
		go done(err)
	}
}

// do queues a write and waits for its outcome.
func (c *committer) do(ctx context.Context, apply func(context.Context, *sql.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	// The outcome is awaited even if ctx ends meanwhile: the committer
	// checks ctx before applying the write, so a nil error always means
	// "committed" and any other error "not stored".
	result := make(chan error, 1)
	c.submit(write{ctx: ctx, apply: apply, done: func(err error) { result <- err }})
	return <-result
}

// doConn is do for a write that takes the applyConn way.
func (c *committer) doConn(ctx context.Context, apply func(context.Context, any) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	result := make(chan error, 1)
	c.submit(write{ctx: ctx, applyConn: apply, done: func(err error) { result <- err }})
	return <-result
}

func (c *committer) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// close stops accepting writes, waits until everything queued is committed,
// and returns.
func (c *committer) close() {
	c.mu.Lock()
	c.closing = true
	c.mu.Unlock()
	c.signal()
	<-c.exited
}

func (c *committer) run() {
	defer close(c.exited)
	var (
		batch   []write
		results []error
	)
	for {
		c.mu.Lock()
		for len(c.queue) == 0 {
			if c.closing {
				c.mu.Unlock()
				return
			}
			c.mu.Unlock()
			<-c.wake
			c.mu.Lock()
		}
		if n := len(c.queue); n <= c.batchMax {
			// Swap buffers: the whole queue is the batch.
			batch, c.queue = c.queue, batch[:0]
		} else {
			batch = append(batch[:0], c.queue[:c.batchMax]...)
			rest := copy(c.queue, c.queue[c.batchMax:])
			clear(c.queue[rest:])
			c.queue = c.queue[:rest]
		}
		c.mu.Unlock()

		start := time.Now()
		results = c.commit(batch, results)
		if c.onCommit != nil {
			c.onCommit(time.Since(start), len(batch))
		}
		for i, w := range batch {
			if w.done != nil {
				w.done(results[i])
			}
		}
		// Drop the references so finished writes can be collected.
		clear(batch)
		clear(results)
	}
}

// commit applies batch in one transaction and returns each write's outcome
// in results (reused when large enough).
func (c *committer) commit(batch []write, results []error) []error {
	results = append(results[:0], make([]error, len(batch))...)
	fail := func(err error) []error {
		for i := range results {
			results[i] = err
		}
		return results
	}
	// The statements of a batch run to completion once begun: a caller's
	// context only decides whether its write takes part at all.
	ctx := context.Background()
	// The batch holds the writer's one connection, so that the writes that
	// go straight to its driver connection run in the batch's transaction.
	conn, err := c.db.Conn(ctx)
	if err != nil {
		return fail(fmt.Errorf("store: taking the writer connection: %w", err))
	}
	defer conn.Close() // back to the pool, for the next batch
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fail(fmt.Errorf("store: beginning a transaction: %w", err))
	}
	applied := 0
	for i, w := range batch {
		if w.ctx != nil {
			if err := w.ctx.Err(); err != nil {
				results[i] = err
				continue
			}
		}
		var err error
		if w.applyConn != nil {
			err = conn.Raw(func(dc any) error { return w.applyConn(ctx, dc) })
		} else {
			err = w.apply(ctx, tx)
		}
		var r *rejection
		switch {
		case errors.As(err, &r):
			results[i] = r.err
		case err != nil:
			// A failed statement may leave the transaction unusable, and
			// writes later in the batch may depend on this one: abandon the
			// batch as a whole, so each writer knows its write is not stored.
			_ = tx.Rollback()
			return fail(fmt.Errorf("store: batch of %d writes rolled back: %w", len(batch), err))
		default:
			applied++
		}
	}
	if applied == 0 {
		_ = tx.Rollback()
		return results
	}
	if err := tx.Commit(); err != nil {
		return fail(fmt.Errorf("store: committing a batch of %d writes: %w", len(batch), err))
	}
	c.commits.Add(1)
	c.writes.Add(uint64(applied))
	return results
}
