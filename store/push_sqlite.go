package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// The PPG's pushes in the SQLite store: the PushStore methods. They share
// the committer, and so the batches and flushes, with the SMSC's messages.

var _ PushStore = (*SQLite)(nil)

const (
	insertPush = `INSERT INTO ppg_push (pi, push_id, received_at, control, content_type, content,
			notify_to, priority, deliver_after, deliver_before, open_deliveries, done_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (pi, push_id) DO NOTHING`
	insertDelivery = `INSERT INTO ppg_delivery (push_key, idx, address, msisdn, state, attempts, ref,
			message_id, code, description, next_attempt, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

	// selectDeliveryState tells apart, in one query, an unknown push (no
	// row), an unknown index (NULL state) and the delivery's state.
	selectDeliveryState = `SELECT p.push_key, d.state
		FROM ppg_push p LEFT JOIN ppg_delivery d ON d.push_key = p.push_key AND d.idx = ?
		WHERE p.pi = ? AND p.push_id = ?`
	updateDelivery = `UPDATE ppg_delivery
		SET state = ?, attempts = ?, ref = ?, message_id = ?, code = ?, description = ?,
			next_attempt = ?, updated_at = ?
		WHERE push_key = ? AND idx = ?`
	// finishDelivery counts one more final delivery of a push.
	finishDelivery = `UPDATE ppg_push
		SET open_deliveries = open_deliveries - 1, done_at = MAX(done_at, ?)
		WHERE push_key = ?`

	insertNotification = `INSERT INTO ppg_notification (pi, push_id, idx, url, body, attempts, next_attempt)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (pi, push_id, idx) DO NOTHING`
	rescheduleNotification = `UPDATE ppg_notification SET attempts = ?, next_attempt = ?
		WHERE pi = ? AND push_id = ? AND idx = ?`
	deleteNotification  = `DELETE FROM ppg_notification WHERE pi = ? AND push_id = ? AND idx = ?`
	selectNotifications = `SELECT pi, push_id, idx, url, body, attempts, next_attempt
		FROM ppg_notification ORDER BY next_attempt, pi, push_id, idx`

	// pushDeliveryColumns is one row per delivery with its push's columns.
	// The push's blobs come only with delivery 0, the row that starts a
	// push, so that a push to many addresses is not read many times over.
	pushDeliveryColumns = `p.push_key, p.pi, p.push_id, p.received_at,
		CASE d.idx WHEN 0 THEN p.control END, p.content_type,
		CASE d.idx WHEN 0 THEN p.content END, p.notify_to, p.priority,
		p.deliver_after, p.deliver_before,
		d.idx, d.address, d.msisdn, d.state, d.attempts, d.ref, d.message_id, d.code,
		d.description, d.next_attempt, d.updated_at`
	selectPush = `SELECT ` + pushDeliveryColumns + `
		FROM ppg_push p JOIN ppg_delivery d ON d.push_key = p.push_key
		WHERE p.pi = ? AND p.push_id = ?
		ORDER BY d.idx`
	// push_key, redundant in the order since (pi, push_id) is unique, is
	// what the index carries after its columns: with it SQLite walks each
	// push's deliveries in key order instead of sorting them.
	selectOpenPushes = `SELECT ` + pushDeliveryColumns + `
		FROM ppg_push p JOIN ppg_delivery d ON d.push_key = p.push_key
		WHERE p.open_deliveries > 0
		ORDER BY p.received_at, p.pi, p.push_id, p.push_key, d.idx`

	// A push is purged with its deliveries once every delivery is final,
	// the last of them was updated before the limit, and it owes no
	// notification. Both deletes select the same pushes: deleting the
	// deliveries changes none of the columns the condition reads.
	purgeablePushes = `open_deliveries = 0 AND done_at < ? AND NOT EXISTS (
		SELECT 1 FROM ppg_notification n WHERE n.pi = ppg_push.pi AND n.push_id = ppg_push.push_id)`
	purgeDeliveries = `DELETE FROM ppg_delivery WHERE push_key IN (
		SELECT push_key FROM ppg_push WHERE ` + purgeablePushes + `)`
	purgePushes = `DELETE FROM ppg_push WHERE ` + purgeablePushes
)

// pushStatements are the push store's prepared statements: those of every
// push's path from insert to final update, and GetPush.
type pushStatements struct {
	insertPush, insertDelivery            *sql.Stmt // on the writer
	deliveryState, updateDelivery, finish *sql.Stmt // on the writer
	insertNotification                    *sql.Stmt // on the writer
	getPush                               *sql.Stmt // on the read pool
}

func (st *pushStatements) prepare(ctx context.Context, writer, reader *sql.DB) error {
	for _, p := range []struct {
		stmt **sql.Stmt
		db   *sql.DB
		sql  string
	}{
		{&st.insertPush, writer, insertPush},
		{&st.insertDelivery, writer, insertDelivery},
		{&st.deliveryState, writer, selectDeliveryState},
		{&st.updateDelivery, writer, updateDelivery},
		{&st.finish, writer, finishDelivery},
		{&st.insertNotification, writer, insertNotification},
		{&st.getPush, reader, selectPush},
	} {
		stmt, err := p.db.PrepareContext(ctx, p.sql)
		if err != nil {
			return fmt.Errorf("preparing %q: %w", p.sql, err)
		}
		*p.stmt = stmt
	}
	return nil
}

func (st *pushStatements) close() error {
	var errs []error
	for _, stmt := range []*sql.Stmt{
		st.insertPush, st.insertDelivery, st.deliveryState, st.updateDelivery, st.finish,
		st.insertNotification, st.getPush,
	} {
		if stmt != nil {
			errs = append(errs, stmt.Close())
		}
	}
	return errors.Join(errs...)
}

// InsertPushAsync implements PushStore. It never waits for I/O; done runs on
// the store's committer and must not block. p's byte slices must not be
// modified until done has been called.
func (s *SQLite) InsertPushAsync(p *Push, done func(error)) {
	apply, err := s.insertPushWrite(p)
	if err != nil {
		if done != nil {
			go done(err)
		}
		return
	}
	s.commit.submit(write{apply: apply, done: done})
}

// InsertPush implements PushStore. If ctx ends before the write is applied,
// nothing is stored and ctx's error is returned.
func (s *SQLite) InsertPush(ctx context.Context, p *Push) error {
	apply, err := s.insertPushWrite(p)
	if err != nil {
		return err
	}
	return s.commit.do(ctx, apply)
}

// insertPushWrite checks p and binds its values now, so that the caller may
// go on changing p's scalar fields and its Deliveries while the write waits.
func (s *SQLite) insertPushWrite(p *Push) (func(context.Context, *sql.Tx) error, error) {
	if err := checkPush(p); err != nil {
		return nil, err
	}
	open, doneAt := pushProgress(p.Deliveries)
	pushArgs := []any{
		p.PI, p.PushID, micros(p.ReceivedAt), nonNil(p.Control), p.ContentType, nonNil(p.Content),
		p.NotifyTo, int64(p.Priority), micros(p.DeliverAfter), micros(p.DeliverBefore),
		int64(open), micros(doneAt),
	}
	// The first value of each delivery's row, its push's key, is known
	// only once the push row is in.
	deliveryArgs := make([][]any, len(p.Deliveries))
	for i, d := range p.Deliveries {
		deliveryArgs[i] = []any{
			nil, int64(i), d.Address, d.MSISDN, int64(d.State), int64(d.Attempts), int64(d.Ref),
			d.MessageID, int64(d.Code), d.Desc, micros(d.NextAttempt), micros(d.UpdatedAt),
		}
	}
	pi, pushID := p.PI, p.PushID
	return func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.StmtContext(ctx, s.pushStmts.insertPush).ExecContext(ctx, pushArgs...)
		if err != nil {
			return fmt.Errorf("inserting %s: %w", pushName(pi, pushID), err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("inserting %s: %w", pushName(pi, pushID), err)
		} else if n == 0 {
			return reject(fmt.Errorf("store: inserting %s: %w", pushName(pi, pushID), ErrDuplicate))
		}
		key, err := res.LastInsertId()
		if err != nil {
			return fmt.Errorf("inserting %s: %w", pushName(pi, pushID), err)
		}
		insert := tx.StmtContext(ctx, s.pushStmts.insertDelivery)
		for i, args := range deliveryArgs {
			args[0] = key
			if _, err := insert.ExecContext(ctx, args...); err != nil {
				return fmt.Errorf("inserting delivery %d of %s: %w", i, pushName(pi, pushID), err)
			}
		}
		return nil
	}, nil
}

// pushProgress returns how many of deliveries are open and when the last of
// the final ones was updated (the zero time if none is final).
func pushProgress(deliveries []Delivery) (open int, doneAt time.Time) {
	for _, d := range deliveries {
		if !d.State.Final() {
			open++
		} else if d.UpdatedAt.After(doneAt) {
			doneAt = d.UpdatedAt
		}
	}
	return open, doneAt
}

// UpdateDeliveryAsync implements PushStore, like InsertPushAsync.
//
// The update writes every field of u.Delivery but Address and MSISDN, which
// are fixed when the push is inserted. u.Notify, if set, must be for the same
// push and either the same delivery or the whole push (Index -1); it is put
// in the outbox in the same transaction as the change. If the outbox already
// holds a notification for that push and index, the whole update is refused
// with ErrDuplicate and nothing changes: replacing it could tell the PI two
// different outcomes, and adding a second one could tell it twice. ErrFinal
// is checked first, so a cancel that loses to a delivery outcome gets
// ErrFinal even while the winner's notification is still owed.
func (s *SQLite) UpdateDeliveryAsync(u DeliveryUpdate, done func(error)) {
	if err := checkDeliveryUpdate(&u); err != nil {
		if done != nil {
			go done(err)
		}
		return
	}
	s.commit.submit(write{apply: s.updateDeliveryWrite(u), done: done})
}

// UpdateDelivery implements PushStore, like UpdateDeliveryAsync.
func (s *SQLite) UpdateDelivery(ctx context.Context, u DeliveryUpdate) error {
	if err := checkDeliveryUpdate(&u); err != nil {
		return err
	}
	return s.commit.do(ctx, s.updateDeliveryWrite(u))
}

func (s *SQLite) updateDeliveryWrite(u DeliveryUpdate) func(context.Context, *sql.Tx) error {
	d := u.Delivery
	deliveryArgs := []any{
		int64(d.State), int64(d.Attempts), int64(d.Ref), d.MessageID, int64(d.Code), d.Desc,
		micros(d.NextAttempt), micros(d.UpdatedAt),
		nil, int64(u.Index), // the push's key, once known
	}
	var notifyArgs []any
	if n := u.Notify; n != nil {
		notifyArgs = []any{n.PI, n.PushID, int64(n.Index), n.URL, nonNil(n.Body), int64(n.Attempts), micros(n.NextAttempt)}
	}
	return func(ctx context.Context, tx *sql.Tx) error {
		doing := func() string { return fmt.Sprintf("updating delivery %d of %s", u.Index, pushName(u.PI, u.PushID)) }
		var (
			key   int64
			state sql.NullInt64
		)
		err := tx.StmtContext(ctx, s.pushStmts.deliveryState).QueryRowContext(ctx, int64(u.Index), u.PI, u.PushID).Scan(&key, &state)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return reject(fmt.Errorf("store: %s: no such push: %w", doing(), ErrNotFound))
		case err != nil:
			return fmt.Errorf("%s: reading its state: %w", doing(), err)
		case !state.Valid:
			return reject(fmt.Errorf("store: %s: the push has no such delivery: %w", doing(), ErrNotFound))
		}
		old := DeliveryState(state.Int64)
		switch {
		case int64(old) != state.Int64 || !old.Valid():
			return reject(&CorruptPushError{PI: u.PI, PushID: u.PushID, Index: u.Index,
				Column: "state", Value: state.Int64, Want: "a delivery state, 1 to 8"})
		case old.Final():
			return reject(fmt.Errorf("store: %s (%v): %w", doing(), old, ErrFinal))
		}
		// The notification goes first: it is the one step left that can be
		// refused, and nothing has changed yet.
		if notifyArgs != nil {
			res, err := tx.StmtContext(ctx, s.pushStmts.insertNotification).ExecContext(ctx, notifyArgs...)
			if err != nil {
				return fmt.Errorf("%s: inserting its notification: %w", doing(), err)
			}
			if n, err := res.RowsAffected(); err != nil {
				return fmt.Errorf("%s: inserting its notification: %w", doing(), err)
			} else if n == 0 {
				return reject(fmt.Errorf("store: %s: a notification for index %d is already owed: %w",
					doing(), u.Notify.Index, ErrDuplicate))
			}
		}
		deliveryArgs[8] = key
		if _, err := tx.StmtContext(ctx, s.pushStmts.updateDelivery).ExecContext(ctx, deliveryArgs...); err != nil {
			return fmt.Errorf("%s: %w", doing(), err)
		}
		if d.State.Final() {
			if _, err := tx.StmtContext(ctx, s.pushStmts.finish).ExecContext(ctx, micros(d.UpdatedAt), key); err != nil {
				return fmt.Errorf("%s: counting it final: %w", doing(), err)
			}
		}
		return nil
	}
}

// UpdateNotificationAsync implements PushStore, like InsertPushAsync: it
// reschedules the notification, or removes it when u.Done is set. An unknown
// notification is ErrNotFound.
func (s *SQLite) UpdateNotificationAsync(u NotificationUpdate, done func(error)) {
	if err := checkNotificationUpdate(&u); err != nil {
		if done != nil {
			go done(err)
		}
		return
	}
	s.commit.submit(write{apply: updateNotificationWrite(u), done: done})
}

// UpdateNotification is the blocking form of UpdateNotificationAsync.
func (s *SQLite) UpdateNotification(ctx context.Context, u NotificationUpdate) error {
	if err := checkNotificationUpdate(&u); err != nil {
		return err
	}
	return s.commit.do(ctx, updateNotificationWrite(u))
}

func updateNotificationWrite(u NotificationUpdate) func(context.Context, *sql.Tx) error {
	doing, query, args := "rescheduling", rescheduleNotification,
		[]any{int64(u.Attempts), micros(u.NextAttempt), u.PI, u.PushID, int64(u.Index)}
	if u.Done {
		doing, query, args = "removing", deleteNotification, []any{u.PI, u.PushID, int64(u.Index)}
	}
	return func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("%s notification %d of %s: %w", doing, u.Index, pushName(u.PI, u.PushID), err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("%s notification %d of %s: %w", doing, u.Index, pushName(u.PI, u.PushID), err)
		} else if n == 0 {
			return reject(fmt.Errorf("store: %s notification %d of %s: %w", doing, u.Index, pushName(u.PI, u.PushID), ErrNotFound))
		}
		return nil
	}
}

// GetPush implements PushStore.
func (s *SQLite) GetPush(ctx context.Context, pi, pushID string) (*Push, error) {
	rows, err := s.pushStmts.getPush.QueryContext(ctx, pi, pushID)
	if err != nil {
		return nil, fmt.Errorf("store: getting %s: %w", pushName(pi, pushID), err)
	}
	defer rows.Close()
	var found *Push
	err = readPushes(rows, func(p *Push) error { found = p; return nil })
	switch {
	case err != nil:
		return nil, fmt.Errorf("store: getting %s: %w", pushName(pi, pushID), err)
	case found == nil:
		return nil, fmt.Errorf("store: getting %s: %w", pushName(pi, pushID), ErrNotFound)
	}
	return found, nil
}

// OpenPushes implements PushStore. It reads one consistent snapshot and
// holds one read connection until it returns: fn may call any write method,
// and GetPush as long as Options.ReadConns leaves it a connection. It stops
// at the first error fn returns and returns that error.
func (s *SQLite) OpenPushes(ctx context.Context, fn func(*Push) error) error {
	rows, err := s.reader.QueryContext(ctx, selectOpenPushes)
	if err != nil {
		return fmt.Errorf("store: listing open pushes: %w", err)
	}
	defer rows.Close()
	var fnErr error
	err = readPushes(rows, func(p *Push) error {
		fnErr = fn(p)
		return fnErr
	})
	switch {
	case fnErr != nil:
		return fnErr
	case err != nil:
		return fmt.Errorf("store: listing open pushes: %w", err)
	}
	return nil
}

// readPushes assembles pushes from rows of pushDeliveryColumns, ordered by
// push and then by delivery index, and calls fn with each complete push.
func readPushes(rows *sql.Rows, fn func(*Push) error) error {
	var (
		p   *Push
		key int64
		r   pushRow
	)
	for rows.Next() {
		if err := scanPushRow(rows, &r); err != nil {
			return err
		}
		if r.index == 0 {
			if p != nil {
				if err := fn(p); err != nil {
					return err
				}
			}
			p, key = new(Push), r.key
			*p = r.push
		} else if p == nil || r.key != key || r.index != len(p.Deliveries) {
			// Delivery 0 or one in between is missing.
			return &CorruptPushError{PI: r.push.PI, PushID: r.push.PushID, Index: r.index,
				Column: "idx", Value: int64(r.index), Want: "delivery indexes counting from 0"}
		}
		p.Deliveries = append(p.Deliveries, r.delivery)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if p != nil {
		return fn(p)
	}
	return nil
}

// pushRow is one row of pushDeliveryColumns.
type pushRow struct {
	key      int64
	push     Push // without Deliveries; Control and Content only when index is 0
	index    int
	delivery Delivery
}

// scanPushRow reads one row of pushDeliveryColumns into r. A column that
// does not fit its field (a corrupt or hand-edited row) is an error, never a
// silent truncation or a panic.
func scanPushRow(row interface{ Scan(...any) error }, r *pushRow) error {
	var (
		p                                      Push
		d                                      Delivery
		received, after, before, next, updated int64
		priority, index, state, attempts, ref  int64
		code                                   int64
	)
	err := row.Scan(&r.key, &p.PI, &p.PushID, &received, &p.Control, &p.ContentType, &p.Content,
		&p.NotifyTo, &priority, &after, &before,
		&index, &d.Address, &d.MSISDN, &state, &attempts, &ref, &d.MessageID, &code,
		&d.Desc, &next, &updated)
	if err != nil {
		return err
	}
	corrupt := func(i int, column string, value int64, want string) error {
		return &CorruptPushError{PI: p.PI, PushID: p.PushID, Index: i, Column: column, Value: value, Want: want}
	}
	if !fitsInt(priority) {
		return corrupt(-1, "priority", priority, "an int")
	}
	if index < 0 || !fitsInt(index) {
		return corrupt(-1, "idx", index, "a delivery index, 0 or more")
	}
	i := int(index)
	if state < int64(DeliveryPending) || state > int64(DeliveryAborted) {
		return corrupt(i, "state", state, "a delivery state, 1 to 8")
	}
	if attempts < 0 || !fitsInt(attempts) {
		return corrupt(i, "attempts", attempts, "a count of attempts")
	}
	if ref < 0 || ref > 0xFFFF {
		return corrupt(i, "ref", ref, "a user_message_reference, 0 to 65535")
	}
	if !fitsInt(code) {
		return corrupt(i, "code", code, "an int")
	}
	p.ReceivedAt = fromMicros(received)
	p.Priority = int(priority)
	p.DeliverAfter = fromMicros(after)
	p.DeliverBefore = fromMicros(before)
	if index == 0 {
		p.Control, p.Content = nonNil(p.Control), nonNil(p.Content)
	} else {
		p.Control, p.Content = nil, nil
	}
	d.State = DeliveryState(state)
	d.Attempts = int(attempts)
	d.Ref = uint16(ref)
	d.Code = int(code)
	d.NextAttempt = fromMicros(next)
	d.UpdatedAt = fromMicros(updated)
	r.push, r.index, r.delivery = p, i, d
	return nil
}

func fitsInt(v int64) bool { return int64(int(v)) == v }

// PendingNotifications implements PushStore: in NextAttempt order, then by
// PI, push id and index. Like OpenPushes it reads one snapshot, fn may write,
// and it stops at fn's first error and returns it.
func (s *SQLite) PendingNotifications(ctx context.Context, fn func(*Notification) error) error {
	rows, err := s.reader.QueryContext(ctx, selectNotifications)
	if err != nil {
		return fmt.Errorf("store: listing pending notifications: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		n, err := scanNotification(rows)
		if err != nil {
			return fmt.Errorf("store: listing pending notifications: %w", err)
		}
		if err := fn(n); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: listing pending notifications: %w", err)
	}
	return nil
}

func scanNotification(row interface{ Scan(...any) error }) (*Notification, error) {
	var (
		n                     Notification
		index, attempts, next int64
	)
	if err := row.Scan(&n.PI, &n.PushID, &index, &n.URL, &n.Body, &attempts, &next); err != nil {
		return nil, err
	}
	if index < -1 || !fitsInt(index) {
		return nil, &CorruptPushError{PI: n.PI, PushID: n.PushID, Index: -1,
			Column: "idx", Value: index, Want: "a delivery index, or -1 for the push"}
	}
	n.Index = int(index)
	if attempts < 0 || !fitsInt(attempts) {
		return nil, &CorruptPushError{PI: n.PI, PushID: n.PushID, Index: n.Index,
			Column: "attempts", Value: attempts, Want: "a count of attempts"}
	}
	n.Attempts = int(attempts)
	n.Body = nonNil(n.Body)
	n.NextAttempt = fromMicros(next)
	return &n, nil
}

// PurgePushes implements PushStore. A push that still owes a notification is
// kept, whatever its age: purging it would lose the notification.
func (s *SQLite) PurgePushes(ctx context.Context, before time.Time) (int, error) {
	var purged int64
	err := s.commit.do(ctx, func(ctx context.Context, tx *sql.Tx) error {
		limit := micros(before)
		if _, err := tx.ExecContext(ctx, purgeDeliveries, limit); err != nil {
			return fmt.Errorf("purging the deliveries of pushes done before %v: %w", before, err)
		}
		res, err := tx.ExecContext(ctx, purgePushes, limit)
		if err != nil {
			return fmt.Errorf("purging pushes done before %v: %w", before, err)
		}
		if purged, err = res.RowsAffected(); err != nil {
			return fmt.Errorf("purging pushes done before %v: %w", before, err)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return int(purged), nil
}
