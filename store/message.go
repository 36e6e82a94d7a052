package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Errors a store reports. They are wrapped with what was being done, so test
// for them with errors.Is.
var (
	// ErrNotFound: no record has the given key (a message id; a PI and
	// push id, with a delivery index).
	ErrNotFound = errors.New("store: not found")
	// ErrFinal: the message or delivery already reached a final state and
	// can no longer change (the SMSC answers cancel_sm or replace_sm with
	// a failure; the first final state of a push's delivery wins).
	ErrFinal = errors.New("store: already in a final state")
	// ErrDuplicate: a record with the same key is already stored (a
	// message id, a PI's push id, an owed notification).
	ErrDuplicate = errors.New("store: already stored")
	// ErrClosed: the store was closed before the operation was queued.
	ErrClosed = errors.New("store: closed")
)

// State is a message's life-cycle state, numbered as SMPP's message_state
// (SMPP 3.4 section 5.2.28), so the SMSC can put it in a query_sm_resp or a
// receipt's message_state TLV as it is.
type State uint8

// The message states. Enroute is the only one in which the SMSC still works
// on a message; the others are final.
const (
	Enroute       State = 1
	Delivered     State = 2
	Expired       State = 3
	Deleted       State = 4
	Undeliverable State = 5
	Accepted      State = 6
	Unknown       State = 7
	Rejected      State = 8
)

var stateNames = [...]string{
	Enroute:       "ENROUTE",
	Delivered:     "DELIVERED",
	Expired:       "EXPIRED",
	Deleted:       "DELETED",
	Undeliverable: "UNDELIVERABLE",
	Accepted:      "ACCEPTED",
	Unknown:       "UNKNOWN",
	Rejected:      "REJECTED",
}

// Valid reports whether s is one of the states above.
func (s State) Valid() bool { return s >= Enroute && s <= Rejected }

// Final reports whether s ends a message's life: every valid state but
// Enroute.
func (s State) Final() bool { return s.Valid() && s != Enroute }

func (s State) String() string {
	if s.Valid() {
		return stateNames[s]
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}

// Address is an SMPP address: type of number, numbering plan, digits or name.
type Address struct {
	TON, NPI byte
	Addr     string
}

// Message is one store-and-forward short message as the SMSC keeps it: what
// the ESME submitted and where its delivery stands.
type Message struct {
	ID           string // the message_id answered in submit_sm_resp, assigned by the SMSC
	Account      string // the submitting ESME's system_id
	Source, Dest Address
	ServiceType  string

	ESMClass, ProtocolID, PriorityFlag, DataCoding, RegisteredDelivery byte

	UserData []byte // short_message or message_payload as given (with the UDH when UDHI is set)
	TLVs     []byte // the submit's raw TLV stream as given: ports, user_message_reference, sar_*

	SubmittedAt time.Time
	NotBefore   time.Time // schedule_delivery_time, or a first-attempt delay
	ExpiresAt   time.Time // end of the validity period

	State       State
	Attempts    int       // delivery attempts made so far
	NextAttempt time.Time // when the next attempt is due; Pending's order
	LastError   uint32    // the last delivery error, in the SMSC's own code space
	DoneAt      time.Time // when the message reached its final state
}

// Update records the outcome of a delivery attempt or another change of
// state. Every field is written as given.
type Update struct {
	ID          string
	State       State
	Attempts    int
	NextAttempt time.Time
	LastError   uint32
	DoneAt      time.Time // required when State is final
}

// Replacement holds what replace_sm may change. As in replace_sm, a zero time
// keeps the stored one; UserData and RegisteredDelivery are always replaced.
type Replacement struct {
	UserData           []byte
	RegisteredDelivery byte
	NotBefore          time.Time // new schedule_delivery_time; zero keeps it
	ExpiresAt          time.Time // new validity period end; zero keeps it
	NextAttempt        time.Time // the SMSC's rescheduled next attempt; zero keeps it
}

// MessageStore is what the SMSC needs from a durable store for its
// store-and-forward messages. Implementations are safe for concurrent use.
//
// Writes (Insert, Update, Replace, Purge) are applied in the order they were
// called. A write that returns nil (or whose done callback gets nil) is
// committed durably; one that returns an error changed nothing, except that
// an error from the final commit itself leaves the outcome unknown, as with
// any database.
type MessageStore interface {
	// NextID returns a fresh message id that this store has never returned
	// before, not even before a restart.
	NextID(ctx context.Context) (string, error)

	// InsertAsync stores m durably and then calls done with nil, or with why
	// it was not stored (ErrDuplicate if the id is taken). It never waits for
	// I/O. done runs on the store's committer and must not block; m's byte
	// slices must not be modified until done has been called.
	InsertAsync(m *Message, done func(error))
	// Insert is the blocking form of InsertAsync. If ctx ends before the
	// write is applied, nothing is stored and ctx's error is returned.
	Insert(ctx context.Context, m *Message) error

	// UpdateAsync records a change of state, like InsertAsync. Only a message
	// that is not final can change: for a final one done gets ErrFinal, which
	// is how a cancel_sm (an update to Deleted) loses a race with a delivery.
	UpdateAsync(u Update, done func(error))
	// Update is the blocking form of UpdateAsync.
	Update(ctx context.Context, u Update) error

	// Replace applies a replace_sm to a message that is not final
	// (ErrFinal otherwise).
	Replace(ctx context.Context, id string, r Replacement) error

	// Get returns the message with the given id, or ErrNotFound.
	Get(ctx context.Context, id string) (*Message, error)

	// Pending calls fn for every message that is not final, in NextAttempt
	// order (then by id), as the SMSC needs after a restart. It stops at the
	// first error fn returns and returns that error.
	Pending(ctx context.Context, fn func(*Message) error) error

	// Purge deletes the final messages whose DoneAt is before t and returns
	// how many it deleted.
	Purge(ctx context.Context, before time.Time) (int, error)
}

// FormatMessageID renders a message id number as the SMSC answers it:
// lower-case hexadecimal, zero-padded to at least 8 digits.
//
// SMPP allows a message_id of up to 64 characters, but the receipt text's
// "id:" field is traditionally 10 characters, and some ESMEs store or parse
// only that many. Hexadecimal keeps ids within 10 characters for the first
// 2^40 (about 10^12) messages and within 16 for any 64-bit number; the fixed
// minimum width keeps early ids uniform, like the "id:5f3a0001" of common
// receipts.
func FormatMessageID(n uint64) string {
	const width = 8
	s := strconv.FormatUint(n, 16)
	if len(s) < width {
		s = "00000000"[:width-len(s)] + s
	}
	return s
}

// checkMessage reports why m cannot be stored, or nil.
func checkMessage(m *Message) error {
	if m == nil {
		return errors.New("store: nil message")
	}
	if m.ID == "" {
		return errors.New("store: message has no id")
	}
	return checkState(m.ID, m.State, m.Attempts, m.DoneAt)
}

// checkUpdate reports why u cannot be applied, or nil.
func checkUpdate(u *Update) error {
	if u.ID == "" {
		return errors.New("store: update has no message id")
	}
	return checkState(u.ID, u.State, u.Attempts, u.DoneAt)
}

func checkState(id string, s State, attempts int, doneAt time.Time) error {
	switch {
	case !s.Valid():
		return fmt.Errorf("store: message %q: invalid state %d (want %d to %d)", id, s, Enroute, Rejected)
	case attempts < 0:
		return fmt.Errorf("store: message %q: negative attempt count %d", id, attempts)
	case s.Final() && doneAt.IsZero():
		// Purge selects by DoneAt; a final message without one would be
		// purged at once.
		return fmt.Errorf("store: message %q: final state %v without a done time", id, s)
	}
	return nil
}
