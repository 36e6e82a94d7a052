package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// PushJournal is the PPG's push store in front of an SQLite store: what is
// open lives in memory, every change is appended to a journal file that is
// flushed to stable storage in groups before the change's done is called,
// and a checkpoint now and then writes the changes of many pushes to SQLite
// in one transaction and starts the journal afresh. (A checkpoint the
// journal starts itself leaves pushes opened in the last few files to those
// files: see youngFiles.)
//
// Why: most pushes are accepted, delivered and notified within a second or
// two. Through the journal such a push costs three small appends (shared
// flushes) and, at the checkpoint, one row for the push and one per delivery;
// its intermediate states and its notification, sent and answered by then,
// never reach SQLite at all. Written straight to SQLite the same push costs
// six statements in three transactions.
//
// It keeps in memory the pushes that have an open delivery, those changed
// since the last checkpoint, and every notification still owed; the rest are
// read from SQLite when asked for. A duplicate push id is found in memory or
// by one indexed read in SQLite.
//
// It behaves as the SQLite and memory push stores do: the same checks and
// errors, writes applied in call order (a write is visible to the next call
// at once, before it is durable), done called once the write is on stable
// storage or failed. After a write to the journal fails, every later write
// fails with that error: the memory may then hold changes that are not
// durable, and the store must be reopened.
//
// Opening a journal reads the open pushes and owed notifications from SQLite,
// and every push id (into the filter; about a second per million pushes),
// replays the journal files left by the last run (a torn frame at the end of
// one, from a crash during its write, ends that file), and checkpoints.
//
// A PushJournal is safe for concurrent use. It does not own its SQLite store:
// close the journal first, then the store.
type PushJournal struct {
	db     *SQLite
	prefix string // journal files are prefix.N
	opts   JournalOptions
	lock   *os.File // holds prefix.lock while the journal is open

	mu         sync.Mutex
	pushes     map[pushRef]*journalPush
	notes      map[notificationRef]*journalNote
	dirty      []*journalPush           // pushes changed since the last snapshot, each once
	dirtyNotes map[notificationRef]bool // true: a row may be in SQLite, to delete if the note is gone
	evictions  uint64                   // pushes dropped from memory: see InsertPushAsync
	stored     *keyFilter               // every push id in SQLite or memory, and a few more
	gen        uint64                   // the journal file appends go to
	files      []uint64                 // the journal files that exist, oldest first
	genBytes   int64                    // appended to gen so far
	pending    []journalChunk           // appended, not yet written
	spare      []journalChunk           // written chunks' emptied buffers, for the next ones
	prepared   map[uint64]int64         // journal files filled with zeros, not yet opened: their size
	failed     error
	closed     bool
	due        bool // a checkpoint has been asked for
	lazyArmed  bool // a flush of lazy records is timed

	cpMu        sync.Mutex // one checkpoint at a time
	wake        chan struct{}
	cpWake      chan struct{}
	flusherDone chan struct{}
	cpDone      chan struct{}

	checkpoints atomic.Uint64
	flushes     atomic.Uint64
	appended    atomic.Uint64
	dropped     atomic.Int64 // octets of torn or corrupt frames skipped at open
}

var _ PushStore = (*PushJournal)(nil)

// JournalOptions tunes a PushJournal. The zero value is a good default.
type JournalOptions struct {
	// ExpectedPushes sizes the filter that spares a new push id a read of
	// SQLite: about 1.2 octets of memory per push. More pushes than this
	// in the store (within the retention time) cost reads, not errors.
	// 0 means 4 million, or twice the pushes stored when the journal is
	// opened, whichever is more.
	ExpectedPushes int
	// LazyFlush is how long a notification's removal or rescheduling may
	// wait for another write to flush with. 0 means 50 ms.
	LazyFlush time.Duration
	// GroupDelay is how long the flusher waits, after a flush that made
	// at least GroupDelayWrites writes durable that came at
	// GroupDelayRate or faster (the journal is busy), before it starts the
	// next, so that more writes join it: fewer flushes, each of which
	// costs tens of microseconds of CPU (measured: 55-100 µs for a write
	// and its fdatasync in a Firecracker VM), for up to GroupDelay more latency,
	// under load only. A journal written at a lower rate flushes each
	// write at once, as with 0, which means no delay, even when a slow
	// flush lets many writes gather. As PostgreSQL's commit_delay, with
	// commit_siblings.
	GroupDelay time.Duration
	// CheckpointBytes starts a checkpoint once the current journal file has
	// grown this large. It bounds the time a restart spends replaying and
	// the memory the changed pushes take: a restart replays at most
	// youngFiles+1 files of about this size. 0 means 8 MiB.
	CheckpointBytes int64
	// OnFlush, when set, is told after each flush of the journal how long
	// it took and how many writes it made durable. It runs on the flusher
	// and must not block.
	OnFlush func(took time.Duration, writes int)
}

// JournalStats counts a PushJournal's work since it was opened.
type JournalStats struct {
	Appended    uint64 // records appended
	Flushes     uint64 // flushes to stable storage
	Checkpoints uint64
	Pushes      int   // pushes in memory
	Owed        int   // notifications owed
	Dropped     int64 // octets of torn frames skipped when opening
}

type journalPush struct {
	p       *Push
	version uint64 // counts changes, so that a checkpoint evicts only what it wrote
	// at is where SQLite holds the push, so that a checkpoint updates
	// rather than inserts it, and in the right table.
	at    pushRowAt
	dirty bool   // in PushJournal.dirty: the next checkpoint writes it
	gen   uint64 // the journal file its insert went to
}

// youngFiles is how many of the newest journal files a checkpoint the
// journal starts itself (its file full) leaves the open pushes they took to:
// it writes none of them to SQLite and keeps their files, so that a push that
// finishes within them reaches SQLite once, finished, rather than twice. A
// push held at the SMSC (a transaction parked for its deadline) is open at
// the checkpoint after its insert, and writing it open (push and delivery
// rows, updated again when it finishes) cost more than the rest of its
// checkpoint (txpush bench --hold 2s: 27 µs of a push's 117). One still
// open after them is written open and lets its files go; Checkpoint (and so
// PurgePushes), Close and opening write every push, so that no file outlives
// a purge of the pushes it holds.
const youngFiles = 4

// markLocked has the next checkpoint write jp. It must be called with j.mu
// held. A list, rather than a set of keys, spares a write a map update and
// the checkpoint a lookup per push.
func (j *PushJournal) markLocked(jp *journalPush) {
	if !jp.dirty {
		jp.dirty = true
		j.dirty = append(j.dirty, jp)
	}
}

type journalNote struct {
	n *Notification
	// snapshotted: a checkpoint has taken the note, so a row for it may be
	// in SQLite.
	snapshotted bool
}

// journalChunk is appended records waiting for the flusher, all for one
// journal file, with the done of each write they hold.
type journalChunk struct {
	gen   uint64
	data  []byte
	dones []func(error)
}

// OpenPushJournal opens the push journal whose files are named prefix.N,
// in front of db, recovering what the last run left. prefix's directory
// must exist.
func OpenPushJournal(db *SQLite, prefix string, opts JournalOptions) (*PushJournal, error) {
	if opts.CheckpointBytes <= 0 {
		opts.CheckpointBytes = 8 << 20
	}
	if opts.LazyFlush <= 0 {
		opts.LazyFlush = 50 * time.Millisecond
	}
	j := &PushJournal{
		db:          db,
		prefix:      prefix,
		opts:        opts,
		pushes:      make(map[pushRef]*journalPush),
		notes:       make(map[notificationRef]*journalNote),
		dirtyNotes:  make(map[notificationRef]bool),
		prepared:    make(map[uint64]int64),
		wake:        make(chan struct{}, 1),
		cpWake:      make(chan struct{}, 1),
		flusherDone: make(chan struct{}),
		cpDone:      make(chan struct{}),
	}
	lock, err := lockJournal(prefix + ".lock")
	if err != nil {
		return nil, fmt.Errorf("store: opening push journal %s: %w", prefix, err)
	}
	j.lock = lock
	ctx := context.Background()
	if err := j.recover(ctx); err != nil {
		lock.Close()
		return nil, fmt.Errorf("store: opening push journal %s: %w", prefix, err)
	}
	go j.flushLoop()
	go j.checkpointLoop()
	// What was replayed goes to SQLite now, the old files go, and writes
	// go to a prepared file.
	if err := j.checkpoint(ctx, true, true); err != nil {
		j.Close()
		return nil, fmt.Errorf("store: opening push journal %s: %w", prefix, err)
	}
	return j, nil
}

// journalFiles lists the generations of the journal files that exist.
func journalFiles(prefix string) ([]uint64, error) {
	entries, err := os.ReadDir(filepath.Dir(prefix))
	if err != nil {
		return nil, err
	}
	base := filepath.Base(prefix) + "."
	var gens []uint64
	for _, e := range entries {
		if rest, ok := strings.CutPrefix(e.Name(), base); ok {
			if g, err := strconv.ParseUint(rest, 10, 64); err == nil {
				gens = append(gens, g)
			}
		}
	}
	slices.Sort(gens)
	return gens, nil
}

func (j *PushJournal) fileName(gen uint64) string {
	return j.prefix + "." + strconv.FormatUint(gen, 10)
}

// recover loads the open state from SQLite and replays the journal files.
func (j *PushJournal) recover(ctx context.Context) error {
	// Counted first, so that the filter is sized before the ids stream
	// into it, rather than every id copied to size it.
	stored, err := j.db.pushCount(ctx)
	if err != nil {
		return err
	}
	j.stored = newKeyFilter(max(j.opts.ExpectedPushes, 4<<20, 2*stored))
	if err := j.db.pushKeys(ctx, j.stored.add); err != nil {
		return err
	}
	err = j.db.OpenPushes(ctx, func(p *Push) error {
		j.pushes[pushRef{p.PI, p.PushID}] = &journalPush{p: p, at: rowOpen}
		return nil
	})
	if err != nil {
		return err
	}
	err = j.db.PendingNotifications(ctx, func(n *Notification) error {
		j.notes[notificationRef{pushRef{n.PI, n.PushID}, n.Index}] = &journalNote{n: n, snapshotted: true}
		return nil
	})
	if err != nil {
		return err
	}
	gens, err := journalFiles(j.prefix)
	if err != nil {
		return err
	}
	for _, gen := range gens {
		if err := j.replayFile(ctx, gen); err != nil {
			return err
		}
		j.gen = gen
	}
	j.files = gens
	return nil
}

// replayFile applies the records of one journal file; a frame that cannot
// be read ends the file.
func (j *PushJournal) replayFile(ctx context.Context, gen uint64) error {
	data, err := os.ReadFile(j.fileName(gen))
	if err != nil {
		return err
	}
	for off := 0; off < len(data); {
		body, n, err := splitJournalFrame(data[off:], int64(off))
		if err != nil {
			// Zeros are what a prepared file holds where nothing was
			// written yet; anything else is a torn frame.
			rest := bytes.TrimRight(data[off:], "\x00")
			j.dropped.Add(int64(len(rest)))
			return nil
		}
		rec, err := decodeJournalRecord(body, int64(off))
		if err != nil {
			// The CRC matched: this is not a torn write but a record this
			// program cannot read. Stopping here would lose what follows.
			return fmt.Errorf("%s: %w", j.fileName(gen), err)
		}
		if err := j.replay(ctx, rec); err != nil {
			return fmt.Errorf("%s at offset %d: %w", j.fileName(gen), off, err)
		}
		off += n
	}
	return nil
}

// replay sets the state a record describes. It does not check what the
// write checked when it was made: the record may be one SQLite already
// holds, followed by the later records that bring the state up to date.
func (j *PushJournal) replay(ctx context.Context, rec journalRecord) error {
	switch rec.kind {
	case journalPushKind:
		ref := pushRef{rec.push.PI, rec.push.PushID}
		jp, ok := j.pushes[ref]
		if ok {
			// Read from SQLite, or replayed before: the record takes over
			// in place, as the list of marked pushes may hold jp.
			jp.p, jp.at = rec.push, rowMaybe
			jp.version++
		} else {
			jp = &journalPush{p: rec.push, at: rowMaybe}
			j.pushes[ref] = jp
		}
		j.stored.add(ref.pi, ref.pushID)
		j.markLocked(jp)
	case journalDeliveryKind:
		u := rec.update
		ref := pushRef{u.PI, u.PushID}
		jp, err := j.loadPush(ctx, ref)
		if err != nil || jp == nil {
			return err // a push purged since: nothing to set
		}
		if u.Index < len(jp.p.Deliveries) {
			setDelivery(&jp.p.Deliveries[u.Index], u.Delivery)
			dropIfFinished(jp.p)
			j.markLocked(jp)
		}
		if u.Notify != nil {
			nref := notificationRef{ref, u.Notify.Index}
			j.notes[nref] = &journalNote{n: u.Notify, snapshotted: true}
			j.dirtyNotes[nref] = true
		}
	case journalNotificationKind:
		u := rec.notifyDone
		nref := notificationRef{pushRef{u.PI, u.PushID}, u.Index}
		jn, ok := j.notes[nref]
		switch {
		case !ok:
		case u.Done:
			delete(j.notes, nref)
			j.dirtyNotes[nref] = true
		default:
			jn.n.Attempts, jn.n.NextAttempt = u.Attempts, u.NextAttempt
			j.dirtyNotes[nref] = true
		}
	}
	return nil
}

// loadPush returns the push from memory, or reads it from SQLite into
// memory; nil if it is in neither.
func (j *PushJournal) loadPush(ctx context.Context, ref pushRef) (*journalPush, error) {
	if jp, ok := j.pushes[ref]; ok {
		return jp, nil
	}
	p, at, err := j.db.getPush(ctx, ref.pi, ref.pushID)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	jp := &journalPush{p: p, at: at}
	j.pushes[ref] = jp
	return jp, nil
}

// dropIfFinished lets a finished push's control document and content go:
// its SQLite row (ppg_push_final) keeps neither, and a push stays in memory
// until a checkpoint has written it, so that holding them would make the
// heap grow by about a kilobyte per push between checkpoints, memory the
// runtime hands back to the system after each and faults in again.
// Snapshots taken before hold their own copy of the Push.
func dropIfFinished(p *Push) {
	if pushFinished(p) {
		p.Control, p.Content = nil, nil
	}
}

// setDelivery sets every field of d but those fixed at insert.
func setDelivery(d *Delivery, to Delivery) {
	address, msisdn := d.Address, d.MSISDN
	*d = storedDelivery(to)
	d.Address, d.MSISDN = address, msisdn
}

// appendLocked adds a record to the journal, encoded by enc, with done to
// call once it is durable. It must be called with j.mu held.
//
// A lazy record does not start a flush of its own: it goes out with the
// next record that does, or LazyFlush later.
func (j *PushJournal) appendLocked(enc func([]byte) []byte, done func(error), lazy bool) {
	if n := len(j.pending); n == 0 || j.pending[n-1].gen != j.gen {
		c := journalChunk{gen: j.gen}
		if k := len(j.spare); k > 0 {
			c.data, c.dones = j.spare[k-1].data, j.spare[k-1].dones
			j.spare = j.spare[:k-1]
		}
		j.pending = append(j.pending, c)
	}
	c := &j.pending[len(j.pending)-1]
	before := len(c.data)
	c.data = enc(c.data)
	c.dones = append(c.dones, done)
	j.genBytes += int64(len(c.data) - before)
	j.appended.Add(1)
	if j.genBytes >= j.opts.CheckpointBytes && !j.due {
		j.due = true
		signal(j.cpWake)
	}
	switch {
	case !lazy:
		signal(j.wake)
	case !j.lazyArmed:
		j.lazyArmed = true
		time.AfterFunc(j.opts.LazyFlush, func() { signal(j.wake) })
	}
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// awaitWrite starts a write that reports to done, unless ctx has ended,
// and waits for its outcome: nil means durable. start either calls done
// once, at once or later, or returns an error and never calls it.
func awaitWrite(ctx context.Context, start func(done func(error)) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	w := writeWaiters.Get().(*writeWaiter)
	defer writeWaiters.Put(w)
	if err := start(w.done); err != nil {
		return err
	}
	return <-w.result
}

// A writeWaiter is what awaitWrite waits on, kept for the next write once
// its result is taken: a synchronous write then allocates no channel and
// no callback (two of a push's allocations).
type writeWaiter struct {
	result chan error
	done   func(error)
}

var writeWaiters = sync.Pool{New: func() any {
	w := &writeWaiter{result: make(chan error, 1)}
	w.done = func(err error) { w.result <- err }
	return w
}}

// unusableLocked says why no write can be taken now, or nil.
func (j *PushJournal) unusableLocked() error {
	switch {
	case j.closed:
		return ErrClosed
	case j.failed != nil:
		return fmt.Errorf("store: the push journal failed earlier: %w", j.failed)
	}
	return nil
}

// InsertPushAsync implements PushStore. done runs on the journal's flusher
// and must not block. It reads SQLite, through an index, for a push with
// the same id when memory has none.
func (j *PushJournal) InsertPushAsync(p *Push, done func(error)) {
	if err := j.insertPush(p, done); err != nil {
		refuse(done, err)
	}
}

// InsertPush implements PushStore. Once the write is appended it is
// awaited even if ctx ends: nil means durable.
func (j *PushJournal) InsertPush(ctx context.Context, p *Push) error {
	return awaitWrite(ctx, func(done func(error)) error { return j.insertPush(p, done) })
}

func (j *PushJournal) insertPush(p *Push, done func(error)) error {
	if err := checkPush(p); err != nil {
		return err
	}
	c := storedPush(p)
	ref := pushRef{c.PI, c.PushID}
	duplicate := func() error {
		return fmt.Errorf("store: inserting %s: %w", pushName(c.PI, c.PushID), ErrDuplicate)
	}
	for {
		j.mu.Lock()
		if err := j.unusableLocked(); err != nil {
			j.mu.Unlock()
			return err
		}
		if _, inMemory := j.pushes[ref]; inMemory {
			j.mu.Unlock()
			return duplicate()
		}
		if !j.stored.mayContain(c.PI, c.PushID) {
			// In neither memory nor SQLite: taken at once.
			j.insertLocked(ref, c, done)
			j.mu.Unlock()
			return nil
		}
		evictions := j.evictions
		j.mu.Unlock()
		stored, err := j.db.pushStored(context.Background(), c.PI, c.PushID)
		if err != nil {
			return fmt.Errorf("store: inserting %s: %w", pushName(c.PI, c.PushID), err)
		}
		if stored {
			return duplicate()
		}
		j.mu.Lock()
		if j.evictions != evictions {
			// A checkpoint moved pushes from memory to SQLite while SQLite
			// was read: the push may have been one of them. Look again.
			j.mu.Unlock()
			continue
		}
		if _, taken := j.pushes[ref]; taken {
			j.mu.Unlock()
			return duplicate()
		}
		if err := j.unusableLocked(); err != nil {
			j.mu.Unlock()
			return err
		}
		j.insertLocked(ref, c, done)
		j.mu.Unlock()
		return nil
	}
}

// insertLocked takes c, a push new to the store, with done to call once its
// record is durable. It must be called with j.mu held.
func (j *PushJournal) insertLocked(ref pushRef, c *Push, done func(error)) {
	jp := &journalPush{p: c, gen: j.gen}
	j.pushes[ref] = jp
	j.stored.add(c.PI, c.PushID)
	j.markLocked(jp)
	j.appendLocked(func(b []byte) []byte { return appendJournalPush(b, c) }, done, false)
}

// UpdateDeliveryAsync implements PushStore as SQLite.UpdateDeliveryAsync
// does; done runs on the flusher.
func (j *PushJournal) UpdateDeliveryAsync(u DeliveryUpdate, done func(error)) {
	if err := j.updateDelivery(u, done); err != nil {
		refuse(done, err)
	}
}

// UpdateDelivery implements PushStore, like InsertPush.
func (j *PushJournal) UpdateDelivery(ctx context.Context, u DeliveryUpdate) error {
	return awaitWrite(ctx, func(done func(error)) error { return j.updateDelivery(u, done) })
}

func (j *PushJournal) updateDelivery(u DeliveryUpdate, done func(error)) error {
	if err := checkDeliveryUpdate(&u); err != nil {
		return err
	}
	if u.Notify != nil {
		u.Notify = storedNotification(u.Notify)
	}
	u.Delivery = storedDelivery(u.Delivery)
	ref := pushRef{u.PI, u.PushID}
	j.mu.Lock()
	defer j.mu.Unlock()
	if err := j.unusableLocked(); err != nil {
		return err
	}
	var nref notificationRef
	owed := false
	if u.Notify != nil {
		nref = notificationRef{ref, u.Notify.Index}
		_, owed = j.notes[nref]
	}
	jp, ok := j.pushes[ref]
	if !ok {
		// Every open push is in memory: this one is final, or unknown.
		// Which one it is needs a read, on this rare path only.
		p, err := j.db.GetPush(context.Background(), u.PI, u.PushID)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("store: %s: %w", deliveryDoing(&u), err)
		}
		if err := refuseDeliveryUpdate(p, &u, owed); err != nil {
			return err
		}
		return fmt.Errorf("store: %s: the push is open in the database but not in memory", deliveryDoing(&u))
	}
	if err := refuseDeliveryUpdate(jp.p, &u, owed); err != nil {
		return err
	}
	if u.Notify != nil {
		j.notes[nref] = &journalNote{n: u.Notify}
		if _, ok := j.dirtyNotes[nref]; !ok {
			j.dirtyNotes[nref] = false
		}
	}
	setDelivery(&jp.p.Deliveries[u.Index], u.Delivery)
	dropIfFinished(jp.p)
	jp.version++
	j.markLocked(jp)
	j.appendLocked(func(b []byte) []byte { return appendJournalDeliveryUpdate(b, &u) }, done, false)
	return nil
}

// UpdateNotificationAsync implements PushStore as SQLite's does; done runs
// on the flusher.
//
// Its record does not start a flush of its own (see JournalOptions.LazyFlush):
// losing it to a crash costs the PI a repeated notification, or an earlier
// retry, never a lost one, and sparing the flush matters at low rates,
// where nearly every write flushes alone.
func (j *PushJournal) UpdateNotificationAsync(u NotificationUpdate, done func(error)) {
	if err := j.updateNotification(u, done, true); err != nil {
		refuse(done, err)
	}
}

// UpdateNotification is the blocking form of UpdateNotificationAsync.
func (j *PushJournal) UpdateNotification(ctx context.Context, u NotificationUpdate) error {
	return awaitWrite(ctx, func(done func(error)) error { return j.updateNotification(u, done, false) })
}

func (j *PushJournal) updateNotification(u NotificationUpdate, done func(error), lazy bool) error {
	if err := checkNotificationUpdate(&u); err != nil {
		return err
	}
	u.NextAttempt = storedTime(u.NextAttempt)
	nref := notificationRef{pushRef{u.PI, u.PushID}, u.Index}
	j.mu.Lock()
	defer j.mu.Unlock()
	if err := j.unusableLocked(); err != nil {
		return err
	}
	jn, ok := j.notes[nref]
	switch {
	case !ok:
		return errNotificationNotOwed(&u)
	case u.Done:
		delete(j.notes, nref)
		j.dirtyNotes[nref] = j.dirtyNotes[nref] || jn.snapshotted
	default:
		// A new Notification: a checkpoint may be reading the old one.
		n := *jn.n
		n.Attempts, n.NextAttempt = u.Attempts, u.NextAttempt
		jn.n = &n
		if _, ok := j.dirtyNotes[nref]; !ok {
			j.dirtyNotes[nref] = jn.snapshotted
		}
	}
	j.appendLocked(func(b []byte) []byte { return appendJournalNotificationUpdate(b, &u) }, done, lazy)
	return nil
}

// GetPush implements PushStore: from memory, or else from SQLite.
func (j *PushJournal) GetPush(ctx context.Context, pi, pushID string) (*Push, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: getting %s: %w", pushName(pi, pushID), err)
	}
	j.mu.Lock()
	jp, ok := j.pushes[pushRef{pi, pushID}]
	var c *Push
	if ok {
		c = storedPush(jp.p)
		if pushFinished(jp.p) {
			c.Control, c.Content = nil, nil // as SQLite gives a finished push
		}
	}
	j.mu.Unlock()
	if ok {
		return c, nil
	}
	return j.db.GetPush(ctx, pi, pushID)
}

// OpenPushes implements PushStore, from memory, where every open push is:
// in ReceivedAt order, then by PI and push id, on a snapshot, so that fn may
// call the store's methods.
func (j *PushJournal) OpenPushes(ctx context.Context, fn func(*Push) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: listing open pushes: %w", err)
	}
	j.mu.Lock()
	var open []*Push
	for _, jp := range j.pushes {
		if !pushFinished(jp.p) {
			open = append(open, storedPush(jp.p))
		}
	}
	j.mu.Unlock()
	return eachOpenPush(open, fn)
}

// PendingNotifications implements PushStore, from memory: in NextAttempt
// order, then by PI, push id and index.
func (j *PushJournal) PendingNotifications(ctx context.Context, fn func(*Notification) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: listing pending notifications: %w", err)
	}
	j.mu.Lock()
	pending := make([]*Notification, 0, len(j.notes))
	for _, jn := range j.notes {
		pending = append(pending, storedNotification(jn.n))
	}
	j.mu.Unlock()
	return eachNotification(pending, fn)
}

// PurgePushes implements PushStore: it checkpoints, so that SQLite holds
// every final push, and purges there.
func (j *PushJournal) PurgePushes(ctx context.Context, before time.Time) (int, error) {
	if err := j.Checkpoint(ctx); err != nil {
		return 0, err
	}
	return j.db.PurgePushes(ctx, before)
}

// Stats returns the journal's counters.
func (j *PushJournal) Stats() JournalStats {
	j.mu.Lock()
	open, owed := len(j.pushes), len(j.notes)
	j.mu.Unlock()
	return JournalStats{
		Appended: j.appended.Load(), Flushes: j.flushes.Load(), Checkpoints: j.checkpoints.Load(),
		Pushes: open, Owed: owed, Dropped: j.dropped.Load(),
	}
}

// GroupDelayWrites and GroupDelayRate say when a flush shows the journal
// busy enough for the flusher to wait JournalOptions.GroupDelay before the
// next: it made at least GroupDelayWrites writes durable, which came at
// GroupDelayRate writes a second or more (counted from the previous flush's
// start). With fewer, or slower, waiting would gather few more writes and
// only add latency (at 1,000 pushes a second, two writes each, a flush
// slowed by the disk gathers many writes, but they came slowly).
const (
	GroupDelayWrites = 8
	GroupDelayRate   = 8000
)

// flushLoop writes appended records to their journal file and flushes it,
// everything appended during one flush going out with the next, which
// waits JournalOptions.GroupDelay first when the journal is busy.
func (j *PushJournal) flushLoop() {
	defer close(j.flusherDone)
	var f *journalFile
	defer func() {
		if f != nil {
			f.f.Close()
		}
	}()
	busy := false
	var prevStart time.Time
	for {
		if busy && j.opts.GroupDelay > 0 {
			time.Sleep(j.opts.GroupDelay)
		}
		j.mu.Lock()
		chunks := j.pending
		j.pending = nil
		j.lazyArmed = false
		closed := j.closed
		j.mu.Unlock()
		if len(chunks) == 0 {
			if closed {
				return
			}
			<-j.wake
			continue
		}
		start := time.Now()
		var err error
		writes := 0
		for i := range chunks {
			c := &chunks[i]
			writes += len(c.dones)
			if err != nil {
				continue
			}
			if f == nil || c.gen != f.gen {
				if f != nil {
					// The older file is complete and durable before the
					// newer one gets a write: only the last file can end
					// in a torn frame.
					err = errors.Join(f.sync(), f.f.Close())
					f = nil
				}
				if err == nil {
					f, err = j.openFile(c.gen)
				}
			}
			if err == nil && len(c.data) > 0 {
				err = f.write(c.data)
			}
		}
		if err == nil && f != nil {
			err = f.sync()
		}
		if err != nil {
			err = fmt.Errorf("store: writing push journal: %w", err)
			j.mu.Lock()
			if j.failed == nil {
				j.failed = err
			}
			j.mu.Unlock()
		} else {
			j.flushes.Add(1)
			if j.opts.OnFlush != nil {
				j.opts.OnFlush(time.Since(start), writes)
			}
		}
		for i := range chunks {
			for _, done := range chunks[i].dones {
				if done != nil {
					done(err)
				}
			}
		}
		j.recycle(chunks)
		// How long these writes took to come: longer than a second
		// (busy or not, no overflow below) after the first flush.
		since := start.Sub(prevStart)
		busy = writes >= GroupDelayWrites && since < time.Second &&
			time.Duration(writes)*time.Second >= GroupDelayRate*since
		prevStart = start
	}
}

// Written chunks' buffers are kept for the next ones, so that a chunk
// does not grow from nothing by reallocation at every flush (a quarter of
// what a push allocated, measured). A few of moderate size are enough: one
// is filled while the flusher writes another.
const (
	spareChunks     = 4
	spareChunkBytes = 1 << 20
)

func (j *PushJournal) recycle(chunks []journalChunk) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for i := range chunks {
		c := &chunks[i]
		if len(j.spare) == spareChunks {
			return
		}
		if cap(c.data) > 0 && cap(c.data) <= spareChunkBytes {
			clear(c.dones) // the callbacks, and what they hold, can go
			j.spare = append(j.spare, journalChunk{data: c.data[:0], dones: c.dones[:0]})
		}
	}
}

// journalFile is the journal file the flusher writes to. A prepared file
// was filled with zeros and flushed before its first record: writing
// records over them changes no file metadata, so a flush needs only
// fdatasync's data flush (measured here: about a third less CPU time and
// half the wait of an append and fsync).
type journalFile struct {
	f        *os.File
	gen      uint64
	off      int64 // where the next record goes
	prepared int64 // octets filled with zeros in advance; 0 if none
}

func (jf *journalFile) write(data []byte) error {
	if jf.prepared == 0 {
		_, err := jf.f.Write(data)
		return err
	}
	_, err := jf.f.WriteAt(data, jf.off)
	jf.off += int64(len(data))
	return err
}

func (jf *journalFile) sync() error {
	if jf.prepared > 0 && jf.off <= jf.prepared {
		return fdatasync(jf.f)
	}
	return jf.f.Sync()
}

// openFile opens journal file gen for writing: a prepared one at its start,
// another one for appending, creating it durably.
func (j *PushJournal) openFile(gen uint64) (*journalFile, error) {
	name := j.fileName(gen)
	j.mu.Lock()
	prepared := j.prepared[gen]
	delete(j.prepared, gen)
	j.mu.Unlock()
	if prepared > 0 {
		f, err := os.OpenFile(name, os.O_WRONLY, 0)
		if err != nil {
			return nil, err
		}
		return &journalFile{f: f, gen: gen, prepared: prepared}, nil
	}
	_, statErr := os.Stat(name)
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	if errors.Is(statErr, os.ErrNotExist) {
		// The new file's name must survive a crash with its contents.
		if err := syncDir(filepath.Dir(name)); err != nil {
			f.Close()
			return nil, err
		}
		j.mu.Lock()
		j.files = append(j.files, gen)
		j.mu.Unlock()
	}
	return &journalFile{f: f, gen: gen}, nil
}

// prepareFile creates journal file gen filled with zeros, durably, ahead
// of the flusher's need, so that the flusher never waits for it. On failure
// the file is left to the flusher to create as an ordinary one, which then
// reports what is wrong.
func (j *PushJournal) prepareFile(gen uint64) {
	name := j.fileName(gen)
	size := min(j.opts.CheckpointBytes+j.opts.CheckpointBytes/4, 64<<20)
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		j.mu.Lock()
		_, ours := j.prepared[gen]
		j.mu.Unlock()
		if ours {
			return // prepared by an earlier try of this checkpoint
		}
		// No record has gone to a generation after the current one: the
		// file is a leftover, and records appended after its zeros would
		// read as a torn frame.
		if err := os.Remove(name); err != nil {
			return
		}
		f, err = os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	}
	if err != nil {
		return
	}
	zeros := make([]byte, min(size, 1<<20))
	for written := int64(0); err == nil && written < size; written += int64(len(zeros)) {
		_, err = f.Write(zeros[:min(int64(len(zeros)), size-written)])
	}
	if err == nil {
		err = f.Sync()
	}
	err = errors.Join(err, f.Close())
	if err == nil {
		err = syncDir(filepath.Dir(name))
	}
	if err != nil {
		os.Remove(name)
		return
	}
	j.mu.Lock()
	j.prepared[gen] = size
	j.files = append(j.files, gen)
	j.mu.Unlock()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}

// checkpointLoop runs the checkpoints that appends ask for.
func (j *PushJournal) checkpointLoop() {
	defer close(j.cpDone)
	for range j.cpWake {
		j.mu.Lock()
		closed := j.closed
		j.mu.Unlock()
		if closed {
			return
		}
		// A failed checkpoint leaves its changes marked and its files in
		// place: the next one, or the next open, takes them up.
		j.checkpoint(context.Background(), false, false)
	}
}

// checkpointPush and checkpointNote are what a checkpoint writes.
type checkpointPush struct {
	ref     pushRef
	jp      *journalPush
	p       *Push // jp's if finished, else a copy with its own Deliveries
	version uint64
	at      pushRowAt
	wrote   pushRowAt // set by the write
}

type checkpointNote struct {
	ref notificationRef
	n   *Notification // nil: delete the row
}

// Checkpoint writes every change since the last checkpoint to SQLite in one
// transaction, drops the journal files it covers, and evicts from memory
// the final pushes it wrote. Writes go on meanwhile, to a new journal file.
func (j *PushJournal) Checkpoint(ctx context.Context) error {
	return j.checkpoint(ctx, false, true)
}

// checkpoint is Checkpoint; force makes it start a new journal file even
// when nothing changed, as opening does; all false leaves young open pushes
// to their files (youngFiles), as the journal's own checkpoints do.
func (j *PushJournal) checkpoint(ctx context.Context, force, all bool) error {
	j.cpMu.Lock()
	defer j.cpMu.Unlock()
	j.mu.Lock()
	if err := j.unusableLocked(); err != nil {
		j.mu.Unlock()
		return err
	}
	if !force && len(j.dirty) == 0 && len(j.dirtyNotes) == 0 && j.genBytes == 0 && len(j.files) <= 1 {
		j.mu.Unlock()
		return nil
	}
	// Only a checkpoint changes j.gen, and checkpoints take turns.
	next := j.gen + 1
	j.mu.Unlock()
	j.prepareFile(next)
	j.mu.Lock()
	if err := j.unusableLocked(); err != nil {
		j.mu.Unlock()
		return err
	}
	covered := j.gen
	pushes, notes, pinned := j.snapshotLocked(all)
	j.gen++
	j.genBytes = 0
	j.due = false
	// An empty chunk for the new file: once it is through the flusher,
	// nothing more goes to the files this checkpoint covers.
	switched := make(chan error, 1)
	j.pending = append(j.pending, journalChunk{gen: j.gen, dones: []func(error){func(err error) { switched <- err }}})
	signal(j.wake)
	j.mu.Unlock()

	err := j.db.commit.doConn(ctx, j.db.checkpointWrite(pushes, notes))
	if err == nil {
		err = <-switched
	}
	if err != nil {
		j.mu.Lock()
		for _, c := range pushes {
			j.markLocked(c.jp) // none has left memory: only a checkpoint evicts
		}
		for _, c := range notes {
			j.dirtyNotes[c.ref] = true
		}
		j.mu.Unlock()
		return fmt.Errorf("store: push journal checkpoint: %w", err)
	}

	j.mu.Lock()
	var remove []uint64
	j.files = slices.DeleteFunc(j.files, func(gen uint64) bool {
		if gen <= covered && gen < pinned {
			remove = append(remove, gen)
			return true
		}
		return false
	})
	evicted := false
	for _, c := range pushes {
		// jp is still in memory: a push leaves it only here, and
		// checkpoints take turns.
		jp := c.jp
		jp.at = c.wrote
		if !jp.dirty && jp.version == c.version && pushFinished(jp.p) {
			delete(j.pushes, c.ref)
			evicted = true
		}
	}
	if evicted {
		j.evictions++
	}
	j.mu.Unlock()
	j.checkpoints.Add(1)
	if err := j.removeFiles(remove); err != nil {
		// Harmless for the state (replaying them is), but say so.
		return fmt.Errorf("store: push journal checkpoint: removing old files: %w", err)
	}
	return nil
}

// removeFiles removes the journal files of the generations gens, which
// SQLite holds in full.
func (j *PushJournal) removeFiles(gens []uint64) error {
	var errs []error
	for _, gen := range gens {
		if err := os.Remove(j.fileName(gen)); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// snapshotLocked takes what a checkpoint writes and clears the marks: all
// of it, or all but the young open pushes (youngFiles), which stay marked;
// pinned is the oldest journal file one of those was inserted into (the
// files from it on must stay), or the largest gen if none was left. It must
// be called with j.mu held, before the checkpoint moves to the next file.
func (j *PushJournal) snapshotLocked(all bool) (pushes []checkpointPush, notes []checkpointNote, pinned uint64) {
	pinned = math.MaxUint64
	pushes = make([]checkpointPush, 0, len(j.dirty))
	kept := 0
	for _, jp := range j.dirty {
		p := jp.p
		if !all && jp.at == rowNone && j.gen-jp.gen < youngFiles && !pushFinished(p) {
			j.dirty[kept] = jp // still marked
			kept++
			pinned = min(pinned, jp.gen)
			continue
		}
		if !pushFinished(p) {
			// Writes change an open push while the checkpoint reads it: it
			// gets a copy. A finished push no longer changes (a final
			// delivery stays final; a replayed record replaces jp.p).
			c := *p
			c.Deliveries = slices.Clone(p.Deliveries)
			p = &c
		}
		pushes = append(pushes, checkpointPush{ref: pushRef{p.PI, p.PushID}, jp: jp, p: p, version: jp.version, at: jp.at})
		jp.dirty = false
	}
	clear(j.dirty[kept:]) // the pointers, for the collector
	j.dirty = j.dirty[:kept]
	notes = make([]checkpointNote, 0, len(j.dirtyNotes))
	for ref, mayExist := range j.dirtyNotes {
		if jn, ok := j.notes[ref]; ok {
			jn.snapshotted = true
			notes = append(notes, checkpointNote{ref: ref, n: jn.n})
		} else if mayExist {
			notes = append(notes, checkpointNote{ref: ref})
		}
	}
	clear(j.dirtyNotes)
	return pushes, notes, pinned
}

// Close stops taking writes, waits until those taken are durable, writes
// everything to SQLite and removes the journal files. Writes after Close
// began get ErrClosed. It does not close the SQLite store. If the last
// checkpoint fails, the files stay for the next open to replay.
func (j *PushJournal) Close() error {
	j.mu.Lock()
	if j.closed {
		j.mu.Unlock()
		return nil
	}
	j.closed = true
	j.mu.Unlock()
	signal(j.wake)
	close(j.cpWake)
	<-j.flusherDone
	<-j.cpDone
	defer j.lock.Close()
	j.cpMu.Lock()
	defer j.cpMu.Unlock()
	j.mu.Lock()
	failed := j.failed
	pushes, notes, _ := j.snapshotLocked(true)
	files := j.files
	j.mu.Unlock()
	if failed != nil {
		return fmt.Errorf("store: closing push journal: %w", failed)
	}
	if err := j.db.commit.doConn(context.Background(), j.db.checkpointWrite(pushes, notes)); err != nil {
		return fmt.Errorf("store: push journal checkpoint at close: %w", err)
	}
	return j.removeFiles(files)
}
