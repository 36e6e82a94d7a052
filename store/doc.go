// Package store keeps txpush's durable state: what must survive a crash
// between the moment a peer is told "accepted" and the moment the work is
// finished.
//
// The first tenant is the SMSC's store-and-forward queue. The SMSC answers a
// submit_sm with a message_id only once the message is committed here, records
// every delivery attempt and final state, answers query_sm, cancel_sm and
// replace_sm from here, and after a crash reloads every message that is not
// final with Pending.
//
// Components code against interfaces (MessageStore for the SMSC). SQLite is
// the embedded implementation: one database file in WAL mode, every commit
// flushed to stable storage (synchronous=FULL), and a single writer
// connection fed by a group committer. Writes from any number of goroutines
// are queued; one committer goroutine applies everything that queued up while
// the previous commit was being flushed in a single transaction and commits it
// with a single flush, then tells each writer the outcome. Durability
// therefore costs one flush per batch rather than one per message, and the
// queue never makes a caller of an Async method wait for I/O.
//
// Reads go to a separate pool of read-only connections, which WAL lets run
// beside the writer.
//
// The PPG's pushes (PushStore) can be kept in SQLite directly, or through a
// PushJournal in front of it: each change is appended to a journal file
// flushed in groups, and checkpoints write the changes of many pushes to
// SQLite in one transaction, collapsed, so that a push whose life ends
// between two checkpoints costs one row: its outcome, in a table of finished
// pushes, without the documents it no longer needs.
//
// Times are stored with microsecond precision and come back in UTC.
package store
