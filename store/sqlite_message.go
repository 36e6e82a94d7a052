package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// The SMSC's messages in the SQLite store: the MessageStore methods.

const messageColumns = `id, account,
	source_ton, source_npi, source_addr, dest_ton, dest_npi, dest_addr,
	service_type, esm_class, protocol_id, priority_flag, data_coding, registered_delivery,
	user_data, tlvs, submitted_at, not_before, expires_at,
	state, attempts, next_attempt, last_error, done_at`

const insertMessage = `INSERT INTO smsc_message (` + messageColumns + `)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (id) DO NOTHING`

// Every change of a message is guarded by "state = 1" (Enroute): a final
// message never changes again.
const (
	updateMessage = `UPDATE smsc_message
		SET state = ?, attempts = ?, next_attempt = ?, last_error = ?, done_at = ?
		WHERE id = ? AND state = 1`
	replaceMessage = `UPDATE smsc_message
		SET user_data = ?, registered_delivery = ?,
			not_before = COALESCE(?, not_before),
			expires_at = COALESCE(?, expires_at),
			next_attempt = COALESCE(?, next_attempt)
		WHERE id = ? AND state = 1`
	selectMessage  = `SELECT ` + messageColumns + ` FROM smsc_message WHERE id = ?`
	selectPending  = `SELECT ` + messageColumns + ` FROM smsc_message WHERE state = 1 ORDER BY next_attempt, id`
	purgeMessages  = `DELETE FROM smsc_message WHERE state <> 1 AND done_at < ?`
	selectStateFor = `SELECT state FROM smsc_message WHERE id = ?`
)

// InsertAsync implements MessageStore.
func (s *SQLite) InsertAsync(m *Message, done func(error)) {
	apply, err := s.insertWrite(m)
	if err != nil {
		refuse(done, err)
		return
	}
	s.commit.submit(write{apply: apply, done: done})
}

// Insert implements MessageStore.
func (s *SQLite) Insert(ctx context.Context, m *Message) error {
	apply, err := s.insertWrite(m)
	if err != nil {
		return err
	}
	return s.commit.do(ctx, apply)
}

// insertWrite checks m and binds its values now, so that the caller may go on
// changing m's scalar fields while the write waits in the queue.
func (s *SQLite) insertWrite(m *Message) (func(context.Context, *sql.Tx) error, error) {
	if err := checkMessage(m); err != nil {
		return nil, err
	}
	args := messageRow(m)
	id := m.ID
	return func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.StmtContext(ctx, s.stmts.insert).ExecContext(ctx, args...)
		if err != nil {
			return fmt.Errorf("inserting message %q: %w", id, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("inserting message %q: %w", id, err)
		} else if n == 0 {
			return reject(fmt.Errorf("store: inserting message %q: %w", id, ErrDuplicate))
		}
		return nil
	}, nil
}

// messageRow returns m's column values, in messageColumns order.
func messageRow(m *Message) []any {
	return []any{
		m.ID, m.Account,
		int64(m.Source.TON), int64(m.Source.NPI), m.Source.Addr,
		int64(m.Dest.TON), int64(m.Dest.NPI), m.Dest.Addr,
		m.ServiceType, int64(m.ESMClass), int64(m.ProtocolID), int64(m.PriorityFlag),
		int64(m.DataCoding), int64(m.RegisteredDelivery),
		nonNil(m.UserData), nonNil(m.TLVs),
		micros(m.SubmittedAt), micros(m.NotBefore), micros(m.ExpiresAt),
		int64(m.State), int64(m.Attempts), micros(m.NextAttempt), int64(m.LastError), micros(m.DoneAt),
	}
}

// UpdateAsync implements MessageStore.
func (s *SQLite) UpdateAsync(u Update, done func(error)) {
	if err := checkUpdate(&u); err != nil {
		refuse(done, err)
		return
	}
	s.commit.submit(write{apply: updateWrite(u), done: done})
}

// Update implements MessageStore.
func (s *SQLite) Update(ctx context.Context, u Update) error {
	if err := checkUpdate(&u); err != nil {
		return err
	}
	return s.commit.do(ctx, updateWrite(u))
}

func updateWrite(u Update) func(context.Context, *sql.Tx) error {
	return func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, updateMessage,
			uint8(u.State), u.Attempts, micros(u.NextAttempt), int64(u.LastError), micros(u.DoneAt), u.ID)
		if err != nil {
			return fmt.Errorf("updating message %q: %w", u.ID, err)
		}
		return changedOne(ctx, tx, res, "updating", u.ID)
	}
}

// Replace implements MessageStore.
func (s *SQLite) Replace(ctx context.Context, id string, r Replacement) error {
	if id == "" {
		return errors.New("store: replace without a message id")
	}
	args := []any{
		nonNil(r.UserData), r.RegisteredDelivery,
		optionalMicros(r.NotBefore), optionalMicros(r.ExpiresAt), optionalMicros(r.NextAttempt),
		id,
	}
	return s.commit.do(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, replaceMessage, args...)
		if err != nil {
			return fmt.Errorf("replacing message %q: %w", id, err)
		}
		return changedOne(ctx, tx, res, "replacing", id)
	})
}

// changedOne turns a guarded UPDATE's row count into the outcome: nil if it
// changed the message, otherwise a rejection saying whether the message is
// missing or final.
func changedOne(ctx context.Context, tx *sql.Tx, res sql.Result, doing, id string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s message %q: %w", doing, id, err)
	}
	if n > 0 {
		return nil
	}
	var state int64
	switch err := tx.QueryRowContext(ctx, selectStateFor, id).Scan(&state); {
	case errors.Is(err, sql.ErrNoRows):
		return reject(fmt.Errorf("store: %s message %q: %w", doing, id, ErrNotFound))
	case err != nil:
		return fmt.Errorf("%s message %q: reading its state: %w", doing, id, err)
	}
	return reject(fmt.Errorf("store: %s message %q (%v): %w", doing, id, State(state), ErrFinal))
}

// Purge implements MessageStore.
func (s *SQLite) Purge(ctx context.Context, before time.Time) (int, error) {
	var purged int64
	err := s.commit.do(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, purgeMessages, micros(before))
		if err != nil {
			return fmt.Errorf("purging messages done before %v: %w", before, err)
		}
		purged, err = res.RowsAffected()
		if err != nil {
			return fmt.Errorf("purging messages done before %v: %w", before, err)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return int(purged), nil
}

// Get implements MessageStore.
func (s *SQLite) Get(ctx context.Context, id string) (*Message, error) {
	m, err := scanMessage(s.stmts.get.QueryRowContext(ctx, id))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("store: getting message %q: %w", id, ErrNotFound)
	case err != nil:
		return nil, fmt.Errorf("store: getting message %q: %w", id, err)
	}
	return m, nil
}

// Pending implements MessageStore. It reads one consistent snapshot and
// holds one read connection until it returns: fn may call any write method,
// and Get as long as Options.ReadConns leaves it a connection.
func (s *SQLite) Pending(ctx context.Context, fn func(*Message) error) error {
	rows, err := s.reader.QueryContext(ctx, selectPending)
	if err != nil {
		return fmt.Errorf("store: listing pending messages: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return fmt.Errorf("store: listing pending messages: %w", err)
		}
		if err := fn(m); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: listing pending messages: %w", err)
	}
	return nil
}

// scanMessage reads one row of messageColumns. A column that does not fit
// its field (a corrupt or hand-edited row) is an error, never a silent
// truncation or a panic.
func scanMessage(row interface{ Scan(...any) error }) (*Message, error) {
	var (
		m                                           Message
		srcTON, srcNPI, dstTON, dstNPI              int64
		esm, pid, prio, dcs, regDel                 int64
		submitted, notBefore, expires, next, doneAt int64
		state, attempts, lastErr                    int64
	)
	err := row.Scan(&m.ID, &m.Account,
		&srcTON, &srcNPI, &m.Source.Addr, &dstTON, &dstNPI, &m.Dest.Addr,
		&m.ServiceType, &esm, &pid, &prio, &dcs, &regDel,
		&m.UserData, &m.TLVs, &submitted, &notBefore, &expires,
		&state, &attempts, &next, &lastErr, &doneAt)
	if err != nil {
		return nil, err
	}
	octets := []struct {
		column string
		value  int64
		field  *byte
	}{
		{"source_ton", srcTON, &m.Source.TON},
		{"source_npi", srcNPI, &m.Source.NPI},
		{"dest_ton", dstTON, &m.Dest.TON},
		{"dest_npi", dstNPI, &m.Dest.NPI},
		{"esm_class", esm, &m.ESMClass},
		{"protocol_id", pid, &m.ProtocolID},
		{"priority_flag", prio, &m.PriorityFlag},
		{"data_coding", dcs, &m.DataCoding},
		{"registered_delivery", regDel, &m.RegisteredDelivery},
	}
	for _, o := range octets {
		if o.value < 0 || o.value > 0xFF {
			return nil, corruptColumn(m.ID, o.column, o.value, "an octet, 0 to 255")
		}
		*o.field = byte(o.value)
	}
	if state < int64(Enroute) || state > int64(Rejected) {
		return nil, corruptColumn(m.ID, "state", state, "a message_state, 1 to 8")
	}
	m.State = State(state)
	if attempts < 0 || int64(int(attempts)) != attempts {
		return nil, corruptColumn(m.ID, "attempts", attempts, "a count of attempts")
	}
	m.Attempts = int(attempts)
	if lastErr < 0 || lastErr > 0xFFFFFFFF {
		return nil, corruptColumn(m.ID, "last_error", lastErr, "a 32-bit error code")
	}
	m.LastError = uint32(lastErr)
	m.SubmittedAt = fromMicros(submitted)
	m.NotBefore = fromMicros(notBefore)
	m.ExpiresAt = fromMicros(expires)
	m.NextAttempt = fromMicros(next)
	m.DoneAt = fromMicros(doneAt)
	return &m, nil
}

// CorruptError reports a stored value that cannot be what its column holds.
type CorruptError struct {
	ID     string // the message's id
	Column string
	Value  int64
	Want   string // what the column should hold
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("store: message %q: column %s holds %d, want %s", e.ID, e.Column, e.Value, e.Want)
}

func corruptColumn(id, column string, value int64, want string) error {
	return &CorruptError{ID: id, Column: column, Value: value, Want: want}
}

// micros is how times are stored: microseconds since the Unix epoch. The zero
// time maps to a large negative number, so it sorts first and comes back as
// the zero time without any special case.
func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// optionalMicros is micros, with the zero time as SQL NULL ("keep").
func optionalMicros(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return micros(t)
}

// nonNil keeps a nil slice from becoming SQL NULL in a NOT NULL column.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
