package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// Options tunes an SQLite store. The zero value is a good default.
type Options struct {
	// BatchMax caps how many writes share one transaction and one flush.
	// 0 means 1024; 1 commits every write on its own.
	BatchMax int
	// ReadConns is the size of the read-only connection pool. 0 means 4.
	// Pending holds one connection for as long as it runs.
	ReadConns int
	// IDBlock is how many message ids NextID reserves with one durable
	// write. A crash skips the rest of a block, never reuses it. 0 means 256.
	IDBlock int
	// OnCommit, when set, is told after each commit how long the batch
	// took, statements and flush, and how many writes it held: what a
	// store-latency histogram needs. It runs on the committer and must not
	// block.
	OnCommit func(took time.Duration, writes int)
}

func (o Options) withDefaults() Options {
	if o.BatchMax <= 0 {
		o.BatchMax = 1024
	}
	if o.ReadConns <= 0 {
		o.ReadConns = 4
	}
	if o.IDBlock <= 0 {
		o.IDBlock = 256
	}
	return o
}

// SQLite is the embedded store: one SQLite database file. It implements
// MessageStore and PushStore and is safe for concurrent use.
type SQLite struct {
	path      string
	writer    *sql.DB // exactly one connection, owned by the committer
	reader    *sql.DB // read-only pool
	commit    *committer
	stmts     statements
	pushStmts pushStatements
	// pushWrites are the push writes' statements on the writer's driver
	// connection; only the committer uses them.
	pushWrites *connStatements

	messageIDs sequence
	// purgeKeysPerPage bounds the finished pushes one purge transaction
	// reads the lists of (purgeFinalKeysPerPage; smaller in tests).
	purgeKeysPerPage int

	closeOnce sync.Once
	closeErr  error
}

var _ MessageStore = (*SQLite)(nil)

// Stats counts the committer's work since the store was opened.
type Stats struct {
	Commits uint64 // transactions committed, each one flush to stable storage
	Writes  uint64 // writes committed in them
	Queued  int    // writes waiting for the next batch now
}

// OpenSQLite opens the database file at path, creating it and its schema if
// needed and migrating an older schema to the current one.
func OpenSQLite(path string, opts Options) (*SQLite, error) {
	opts = opts.withDefaults()
	if path == "" || strings.ContainsAny(path, "?#") {
		// The driver reads what follows '?' as its own parameters.
		return nil, fmt.Errorf("store: unusable database path %q", path)
	}

	writerParams := url.Values{}
	writerParams.Add("_pragma", "busy_timeout(10000)")
	writerParams.Add("_pragma", "journal_mode(WAL)")
	// synchronous=FULL: in WAL mode the default (NORMAL) does not flush the
	// log at commit, so a power cut or kernel crash can undo the last
	// commits after their writers were told "stored" — an acknowledged
	// submit_sm would be lost. FULL flushes at every commit; group commit
	// is what keeps that affordable.
	writerParams.Add("_pragma", "synchronous(FULL)")
	// 16 MiB of page cache for the writer (SQLite's default is 2 MiB): a
	// push journal checkpoint's transaction dirties more pages than 2 MiB
	// holds, and SQLite then spills pages to the log before the commit and
	// writes them again when they change once more (measured: 2,805 log
	// frames for 20,000 pushes with the default, 1,385 with 8 or 16 MiB,
	// about 6 µs of CPU per frame in a Firecracker VM). The cache takes
	// its memory only as pages come into it.
	writerParams.Add("_pragma", "cache_size(-16384)")
	// BEGIN IMMEDIATE takes the write lock at once, so a batch can never
	// fail half-way for want of it.
	writerParams.Set("_txlock", "immediate")
	writer, err := sql.Open("sqlite", path+"?"+writerParams.Encode())
	if err != nil {
		return nil, fmt.Errorf("store: opening %s: %w", path, err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)

	ctx := context.Background()
	if err := checkWAL(ctx, writer); err != nil {
		writer.Close()
		return nil, fmt.Errorf("store: opening %s: %w", path, err)
	}
	if _, err := migrate(ctx, writer); err != nil {
		writer.Close()
		return nil, fmt.Errorf("store: opening %s: %w", path, err)
	}

	readerParams := url.Values{}
	readerParams.Add("_pragma", "busy_timeout(10000)")
	readerParams.Set("_query_only", "1")
	reader, err := sql.Open("sqlite", path+"?"+readerParams.Encode())
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("store: opening %s for reading: %w", path, err)
	}
	reader.SetMaxOpenConns(opts.ReadConns)
	reader.SetMaxIdleConns(opts.ReadConns)
	if err := reader.PingContext(ctx); err != nil {
		reader.Close()
		writer.Close()
		return nil, fmt.Errorf("store: opening %s for reading: %w", path, err)
	}

	s := &SQLite{path: path, writer: writer, reader: reader, pushWrites: newConnStatements(pushWriteQueries),
		purgeKeysPerPage: purgeFinalKeysPerPage}
	if err := errors.Join(s.stmts.prepare(ctx, writer, reader), s.pushStmts.prepare(ctx, reader)); err != nil {
		s.stmts.close()
		s.pushStmts.close()
		reader.Close()
		writer.Close()
		return nil, fmt.Errorf("store: opening %s: %w", path, err)
	}
	s.commit = newCommitter(writer, opts.BatchMax, opts.OnCommit)
	s.messageIDs = sequence{name: "smsc_message", block: uint64(opts.IDBlock), commit: s.commit}
	return s, nil
}

// statements are prepared once, for the hottest paths: the driver would
// otherwise compile the SQL again on every call.
type statements struct {
	insert *sql.Stmt // on the writer, used through the batch's transaction
	get    *sql.Stmt // on the read pool
}

func (st *statements) prepare(ctx context.Context, writer, reader *sql.DB) error {
	var err error
	if st.insert, err = writer.PrepareContext(ctx, insertMessage); err != nil {
		return fmt.Errorf("preparing the message insert: %w", err)
	}
	if st.get, err = reader.PrepareContext(ctx, selectMessage); err != nil {
		return fmt.Errorf("preparing the message select: %w", err)
	}
	return nil
}

func (st *statements) close() error {
	var errs []error
	for _, stmt := range []*sql.Stmt{st.insert, st.get} {
		if stmt != nil {
			errs = append(errs, stmt.Close())
		}
	}
	return errors.Join(errs...)
}

// checkWAL makes sure the database really is in WAL mode: the driver applies
// the pragma, but SQLite silently keeps another mode on, for instance, some
// network file systems, and the read pool and the durability argument both
// rely on WAL.
func checkWAL(ctx context.Context, db *sql.DB) error {
	var mode string
	if err := db.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
		return fmt.Errorf("reading journal_mode: %w", err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("journal_mode is %q, want wal", mode)
	}
	return nil
}

// Close waits until every write queued so far is committed, then closes the
// database. Writes queued after Close began get ErrClosed. Calling Close again
// returns the first call's result.
func (s *SQLite) Close() error {
	s.closeOnce.Do(func() {
		s.commit.close()
		s.closeErr = errors.Join(s.closeConnStatements(), s.stmts.close(), s.pushStmts.close(), s.reader.Close(), s.writer.Close())
		if s.closeErr != nil {
			s.closeErr = fmt.Errorf("store: closing %s: %w", s.path, s.closeErr)
		}
	})
	return s.closeErr
}

// closeConnStatements closes the statements prepared on the writer's driver
// connection, which must happen before the connection closes. The committer
// has stopped, so nothing else uses them.
func (s *SQLite) closeConnStatements() error {
	ctx := context.Background()
	conn, err := s.writer.Conn(ctx)
	if err != nil {
		return err
	}
	return errors.Join(conn.Raw(s.pushWrites.close), conn.Close())
}

// Stats returns the committer's counters.
func (s *SQLite) Stats() Stats {
	s.commit.mu.Lock()
	queued := len(s.commit.queue)
	s.commit.mu.Unlock()
	return Stats{Commits: s.commit.commits.Load(), Writes: s.commit.writes.Load(), Queued: queued}
}

// NextID returns a fresh message id, formatted by FormatMessageID.
func (s *SQLite) NextID(ctx context.Context) (string, error) {
	n, err := s.messageIDs.take(ctx)
	if err != nil {
		return "", err
	}
	return FormatMessageID(n), nil
}

// A sequence hands out numbers that are never handed out twice, even across
// crashes: it durably reserves a block of numbers in id_counter, then serves
// them from memory.
type sequence struct {
	name   string
	block  uint64
	commit *committer

	mu          sync.Mutex
	free, limit uint64 // numbers in [free, limit) are reserved and unused
}

func (q *sequence) take(ctx context.Context) (uint64, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.free == q.limit {
		first, err := q.reserve(ctx)
		if err != nil {
			return 0, err
		}
		q.free, q.limit = first, first+q.block
	}
	n := q.free
	q.free++
	return n, nil
}

// reserve durably takes the next block of numbers and returns its first.
func (q *sequence) reserve(ctx context.Context) (uint64, error) {
	var first int64
	err := q.commit.do(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var next int64
		err := tx.QueryRowContext(ctx, `SELECT next FROM id_counter WHERE name = ?`, q.name).Scan(&next)
		if err != nil {
			return fmt.Errorf("reading id counter %q: %w", q.name, err)
		}
		if next < 1 || uint64(next) > 1<<63-1-q.block {
			return reject(fmt.Errorf("store: id counter %q holds %d, out of range", q.name, next))
		}
		if _, err := tx.ExecContext(ctx, `UPDATE id_counter SET next = ? WHERE name = ?`, next+int64(q.block), q.name); err != nil {
			return fmt.Errorf("advancing id counter %q: %w", q.name, err)
		}
		first = next
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: reserving ids: %w", err)
	}
	return uint64(first), nil
}

// connStatements are statements prepared on the writer's driver connection,
// for the writes that take the applyConn way. They are prepared the first
// time a batch needs them, and again should the pool ever have replaced the
// connection. Only the committer's goroutine uses them, inside Conn.Raw.
type connStatements struct {
	queries []string
	conn    any // the driver connection stmts belong to
	stmts   []connStmt
}

// connStmt is a prepared driver statement with the two methods the store
// calls on it; the driver is known to provide both.
type connStmt interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

func newConnStatements(queries []string) *connStatements {
	return &connStatements{queries: queries}
}

// on returns the statements prepared on conn, in queries' order.
func (cs *connStatements) on(ctx context.Context, conn any) ([]connStmt, error) {
	if conn == cs.conn {
		return cs.stmts, nil
	}
	// The statements of a replaced connection are dropped, not closed: that
	// connection is gone, and closing them would reach into it.
	cs.conn, cs.stmts = nil, nil
	prep, ok := conn.(driver.ConnPrepareContext)
	if !ok {
		return nil, fmt.Errorf("the driver's connection %T cannot prepare statements with a context", conn)
	}
	stmts := make([]connStmt, 0, len(cs.queries))
	for _, q := range cs.queries {
		st, err := prep.PrepareContext(ctx, q)
		if err != nil {
			closeStmts(stmts)
			return nil, fmt.Errorf("preparing %q: %w", q, err)
		}
		cst, ok := st.(connStmt)
		if !ok {
			st.Close()
			closeStmts(stmts)
			return nil, fmt.Errorf("the driver's statement %T cannot execute with a context", st)
		}
		stmts = append(stmts, cst)
	}
	cs.conn, cs.stmts = conn, stmts
	return stmts, nil
}

// close closes the statements if they were prepared on conn.
func (cs *connStatements) close(conn any) error {
	if conn != cs.conn {
		return nil
	}
	err := closeStmts(cs.stmts)
	cs.conn, cs.stmts = nil, nil
	return err
}

func closeStmts(stmts []connStmt) error {
	var errs []error
	for _, st := range stmts {
		errs = append(errs, st.Close())
	}
	return errors.Join(errs...)
}

// execRows runs st and returns how many rows it changed, and the rowid of
// the row it inserted last.
func execRows(ctx context.Context, st connStmt, args []driver.NamedValue) (changed, lastID int64, err error) {
	res, err := st.ExecContext(ctx, args)
	if err != nil {
		return 0, 0, err
	}
	if changed, err = res.RowsAffected(); err != nil {
		return 0, 0, err
	}
	if lastID, err = res.LastInsertId(); err != nil {
		return 0, 0, err
	}
	return changed, lastID, nil
}

// queryRow runs st and reads its first row into dest; found is false when
// there was none.
func queryRow(ctx context.Context, st connStmt, args []driver.NamedValue, dest []driver.Value) (found bool, err error) {
	rows, err := st.QueryContext(ctx, args)
	if err != nil {
		return false, err
	}
	err = rows.Next(dest)
	closeErr := rows.Close()
	switch {
	case errors.Is(err, io.EOF):
		return false, closeErr
	case err != nil:
		return false, err
	}
	return true, closeErr
}

// namedValues numbers values as a statement's positional arguments.
func namedValues(values ...driver.Value) []driver.NamedValue {
	return appendNamedValues(make([]driver.NamedValue, 0, len(values)), values...)
}

// appendNamedValues is namedValues appended to dst, numbered on from dst's
// last, for a caller that reuses it (the driver keeps no reference to a
// statement's arguments) or binds several rows' values.
func appendNamedValues(dst []driver.NamedValue, values ...driver.Value) []driver.NamedValue {
	for _, v := range values {
		dst = append(dst, driver.NamedValue{Ordinal: len(dst) + 1, Value: v})
	}
	return dst
}
