package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// migrations[i] takes a database from schema version i to i+1. Append only:
// a released migration never changes, because databases in the field have
// already run it. Each tenant's tables (the SMSC's now, the PPG's later) are
// added by migrations of their own.
//
// Times are BIGINT microseconds since the Unix epoch (UTC), so ordering and
// comparison happen in SQL and the same DDL reads naturally in PostgreSQL.
var migrations = [][]string{
	// 1: the SMSC's store-and-forward messages and the id counters.
	{
		`CREATE TABLE smsc_message (
			id                  TEXT    NOT NULL PRIMARY KEY,
			account             TEXT    NOT NULL,
			source_ton          INTEGER NOT NULL,
			source_npi          INTEGER NOT NULL,
			source_addr         TEXT    NOT NULL,
			dest_ton            INTEGER NOT NULL,
			dest_npi            INTEGER NOT NULL,
			dest_addr           TEXT    NOT NULL,
			service_type        TEXT    NOT NULL,
			esm_class           INTEGER NOT NULL,
			protocol_id         INTEGER NOT NULL,
			priority_flag       INTEGER NOT NULL,
			data_coding         INTEGER NOT NULL,
			registered_delivery INTEGER NOT NULL,
			user_data           BLOB    NOT NULL,
			tlvs                BLOB    NOT NULL,
			submitted_at        BIGINT  NOT NULL,
			not_before          BIGINT  NOT NULL,
			expires_at          BIGINT  NOT NULL,
			state               INTEGER NOT NULL,
			attempts            INTEGER NOT NULL,
			next_attempt        BIGINT  NOT NULL,
			last_error          BIGINT  NOT NULL,
			done_at             BIGINT  NOT NULL
		)`,
		// Pending reads only the messages still en route, in due order.
		`CREATE INDEX smsc_message_pending ON smsc_message (next_attempt, id) WHERE state = 1`,
		// Purge reads only final messages, by age.
		`CREATE INDEX smsc_message_done ON smsc_message (done_at) WHERE state <> 1`,
		// One row per id sequence; next is the first number not yet reserved.
		`CREATE TABLE id_counter (
			name TEXT   NOT NULL PRIMARY KEY,
			next BIGINT NOT NULL
		)`,
		`INSERT INTO id_counter (name, next) VALUES ('smsc_message', 1)`,
	},
	// 2: the PPG's pushes, their deliveries and the result notifications
	// owed to PIs.
	{
		// push_key is the short key deliveries refer to. open_deliveries
		// counts the deliveries not yet final and done_at is the latest
		// UpdatedAt of the final ones; the store keeps both up to date, so
		// that restart recovery and purging find their pushes through an
		// index rather than by reading every delivery.
		`CREATE TABLE ppg_push (
			push_key        INTEGER NOT NULL PRIMARY KEY,
			pi              TEXT    NOT NULL,
			push_id         TEXT    NOT NULL,
			received_at     BIGINT  NOT NULL,
			control         BLOB    NOT NULL,
			content_type    TEXT    NOT NULL,
			content         BLOB    NOT NULL,
			notify_to       TEXT    NOT NULL,
			priority        BIGINT  NOT NULL,
			deliver_after   BIGINT  NOT NULL,
			deliver_before  BIGINT  NOT NULL,
			open_deliveries INTEGER NOT NULL,
			done_at         BIGINT  NOT NULL,
			UNIQUE (pi, push_id)
		)`,
		// OpenPushes reads only the pushes with an open delivery, in order.
		`CREATE INDEX ppg_push_open ON ppg_push (received_at, pi, push_id) WHERE open_deliveries > 0`,
		// PurgePushes reads only finished pushes, by age.
		`CREATE INDEX ppg_push_done ON ppg_push (done_at) WHERE open_deliveries = 0`,
		// idx is the delivery's position in the push's address list.
		`CREATE TABLE ppg_delivery (
			push_key     INTEGER NOT NULL,
			idx          INTEGER NOT NULL,
			address      TEXT    NOT NULL,
			msisdn       TEXT    NOT NULL,
			state        INTEGER NOT NULL,
			attempts     INTEGER NOT NULL,
			ref          INTEGER NOT NULL,
			message_id   TEXT    NOT NULL,
			code         BIGINT  NOT NULL,
			description  TEXT    NOT NULL,
			next_attempt BIGINT  NOT NULL,
			updated_at   BIGINT  NOT NULL,
			PRIMARY KEY (push_key, idx)
		) WITHOUT ROWID`,
		// The outbox. The primary key is what makes a second notification
		// for the same delivery (or, with idx -1, the same push) a refused
		// write rather than a second message to the PI.
		`CREATE TABLE ppg_notification (
			pi           TEXT    NOT NULL,
			push_id      TEXT    NOT NULL,
			idx          INTEGER NOT NULL,
			url          TEXT    NOT NULL,
			body         BLOB    NOT NULL,
			attempts     INTEGER NOT NULL,
			next_attempt BIGINT  NOT NULL,
			PRIMARY KEY (pi, push_id, idx)
		)`,
		// PendingNotifications reads the outbox in due order.
		`CREATE INDEX ppg_notification_due ON ppg_notification (next_attempt, pi, push_id, idx)`,
	},
	// 3: a cheaper outbox.
	{
		// The outbox keyed by its primary key alone, rather than by a rowid
		// and an index on the key: one B-tree fewer to write for every
		// notification put in and taken out (about a tenth of the CPU time
		// of a push's writes). Its rows live only until the PI answers, so
		// that their size, larger than WITHOUT ROWID suits best, matters
		// little.
		`CREATE TABLE ppg_notification_keyed (
			pi           TEXT    NOT NULL,
			push_id      TEXT    NOT NULL,
			idx          INTEGER NOT NULL,
			url          TEXT    NOT NULL,
			body         BLOB    NOT NULL,
			attempts     INTEGER NOT NULL,
			next_attempt BIGINT  NOT NULL,
			PRIMARY KEY (pi, push_id, idx)
		) WITHOUT ROWID`,
		`INSERT INTO ppg_notification_keyed (pi, push_id, idx, url, body, attempts, next_attempt)
			SELECT pi, push_id, idx, url, body, attempts, next_attempt FROM ppg_notification`,
		`DROP TABLE ppg_notification`,
		`ALTER TABLE ppg_notification_keyed RENAME TO ppg_notification`,
		`CREATE INDEX ppg_notification_due ON ppg_notification (next_attempt, pi, push_id, idx)`,
	},
	// 4: finished pushes in one row each.
	{
		// A push journal checkpoint writes here a push that was received
		// and finished since the previous one (most pushes), instead of a
		// ppg_push row and a ppg_delivery row per address: one row in one
		// B-tree plus the purge index, rather than four B-trees and the
		// push's control and content documents, which a finished push no
		// longer needs (measured: about 6 against 16 µs of a checkpoint's
		// CPU per push). deliveries holds every delivery, address and
		// MSISDN included, in the push journal's encoding. A push is in
		// ppg_push or here, never in both.
		`CREATE TABLE ppg_push_final (
			pi             TEXT   NOT NULL,
			push_id        TEXT   NOT NULL,
			received_at    BIGINT NOT NULL,
			content_type   TEXT   NOT NULL,
			notify_to      TEXT   NOT NULL,
			priority       BIGINT NOT NULL,
			deliver_after  BIGINT NOT NULL,
			deliver_before BIGINT NOT NULL,
			done_at        BIGINT NOT NULL,
			deliveries     BLOB   NOT NULL,
			PRIMARY KEY (pi, push_id)
		) WITHOUT ROWID`,
		// PurgePushes reads them by age.
		`CREATE INDEX ppg_push_final_done ON ppg_push_final (done_at)`,
	},
	// 5: the purge finds finished pushes by the checkpoint that wrote
	// them, not by an index.
	{
		// A checkpoint writes one row here listing the keys of the
		// ppg_push_final rows it wrote, with the earliest of their done_at:
		// one small row per checkpoint instead of an entry per push in an
		// index on done_at, which cost about a sixth of a finished push's
		// checkpoint write (BenchmarkCheckpointFinishedPushes: 6.5 against
		// 7.7-8.4 µs), while purging by the lists costs what purging by
		// the index did (BenchmarkPurgeFinishedPushes: 4.7-5.5 against
		// 4.6-5.2 µs per push). The keys column
		// is (pi, push_id) pairs in the push journal's encoding of strings.
		// A key may name a row that moved to ppg_push or was written again
		// by a later checkpoint (so listed again there): the purge checks
		// each row's own done_at. migrateFinalBatches lists the rows
		// version 4 wrote.
		`CREATE TABLE ppg_push_final_batch (
			batch    INTEGER PRIMARY KEY,
			done_min BIGINT NOT NULL,
			keys     BLOB   NOT NULL
		)`,
		`CREATE INDEX ppg_push_final_batch_done ON ppg_push_final_batch (done_min)`,
	},
}

// migrationCode[i], where there is one, runs in migration i's transaction
// after its statements: the part of a migration SQL cannot say.
var migrationCode = map[int]func(context.Context, *sql.Tx) error{
	4: migrateFinalBatches,
}

// migrate brings db's schema up to the latest version, one transaction per
// migration, and returns the version it found.
func migrate(ctx context.Context, db *sql.DB) (int, error) {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return 0, fmt.Errorf("store: creating schema_version: %w", err)
	}
	found, err := schemaVersion(ctx, db)
	if err != nil {
		return 0, err
	}
	if found > len(migrations) {
		return found, fmt.Errorf("store: database schema version %d is newer than this program's %d", found, len(migrations))
	}
	for v := found; v < len(migrations); v++ {
		if err := applyMigration(ctx, db, v); err != nil {
			return found, err
		}
	}
	return found, nil
}

func schemaVersion(ctx context.Context, db *sql.DB) (int, error) {
	var v int
	err := db.QueryRowContext(ctx, `SELECT version FROM schema_version`).Scan(&v)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return 0, nil
	case err != nil:
		return 0, fmt.Errorf("store: reading schema_version: %w", err)
	case v < 0:
		return 0, fmt.Errorf("store: schema_version holds %d", v)
	}
	return v, nil
}

func applyMigration(ctx context.Context, db *sql.DB, from int) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: migrating schema to version %d: %w", from+1, err)
	}
	defer tx.Rollback() // a no-op once committed
	for _, stmt := range migrations[from] {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("store: migrating schema to version %d: %w", from+1, err)
		}
	}
	if code := migrationCode[from]; code != nil {
		if err := code(ctx, tx); err != nil {
			return fmt.Errorf("store: migrating schema to version %d: %w", from+1, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM schema_version`); err != nil {
		return fmt.Errorf("store: migrating schema to version %d: %w", from+1, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version (version) VALUES (?)`, from+1); err != nil {
		return fmt.Errorf("store: migrating schema to version %d: %w", from+1, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: migrating schema to version %d: %w", from+1, err)
	}
	return nil
}
