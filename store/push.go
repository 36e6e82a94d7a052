package store

import (
	"context"
	"time"
)

// The PPG's durable state: every push it answered 1001 to, the delivery to
// each of its addresses, and the result notifications it owes the PI. A
// push is written before 1001 is answered; every state change of a
// delivery is recorded; a notification is put in the outbox in the same
// transaction as the delivery's final state, so that a crash between the
// two cannot lose it.

// Push is one PAP push-message accepted by the PPG.
type Push struct {
	PI         string // the PI account that pushed it; push ids are unique per PI
	PushID     string
	ReceivedAt time.Time
	// Control is the push-message control document as received, and
	// Content the WSP push PDU sent to the handsets. A store may drop both
	// once every delivery is final (GetPush returns them nil then): a
	// finished push needs only its outcome.
	Control     []byte
	ContentType string // the content entity's media type as given
	Content     []byte
	NotifyTo    string // ppg-notify-requested-to; "" when no notification is owed
	Priority    int    // higher goes first
	// DeliverAfter holds the push until then; DeliverBefore expires it.
	// Zero means not given.
	DeliverAfter, DeliverBefore time.Time
	Deliveries                  []Delivery // one per address, in the document's order
}

// DeliveryState is where the delivery to one address stands.
type DeliveryState uint8

// The delivery states. Pending and InFlight are open; the rest are final.
const (
	DeliveryPending       DeliveryState = 1 // accepted, not yet handed to the SMSC (or waiting to retry)
	DeliveryInFlight      DeliveryState = 2 // handed to the SMSC, outcome not yet known
	DeliveryDelivered     DeliveryState = 3
	DeliveryUndeliverable DeliveryState = 4
	DeliveryExpired       DeliveryState = 5 // deliver-before passed
	DeliveryCancelled     DeliveryState = 6 // cancel-message
	DeliveryUnknown       DeliveryState = 7 // the SMSC never answered: outcome unknown
	DeliveryAborted       DeliveryState = 8
)

// Final reports whether s is a final state.
func (s DeliveryState) Final() bool { return s >= DeliveryDelivered && s <= DeliveryAborted }

// Valid reports whether s is one of the states above.
func (s DeliveryState) Valid() bool { return s >= DeliveryPending && s <= DeliveryAborted }

// Delivery is the push's delivery to one address.
type Delivery struct {
	Address     string // the PAP address as given, e.g. WAPPUSH=+358401234567/TYPE=PLMN@ppg
	MSISDN      string // digits
	State       DeliveryState
	Attempts    int       // submits made to the SMSC so far
	Ref         uint16    // user_message_reference of the latest submit
	MessageID   string    // the SMSC's message_id(s) of the latest submit
	Code        int       // PAP status code of the outcome (0 while open)
	Desc        string    // its description
	NextAttempt time.Time // when a pending delivery is due
	UpdatedAt   time.Time
}

// DeliveryUpdate records a change of one delivery. Notify, when set, is
// put in the outbox in the same transaction.
type DeliveryUpdate struct {
	PI, PushID string
	Index      int // which delivery, in Push.Deliveries order
	Delivery   Delivery
	Notify     *Notification
}

// Notification is a result notification owed to a PI.
type Notification struct {
	PI, PushID  string
	Index       int    // the delivery it reports; -1 for the whole push
	URL         string // where to POST it
	Body        []byte // the resultnotification-message document
	Attempts    int
	NextAttempt time.Time
}

// NotificationUpdate reschedules a notification after a failed POST, or
// removes it (Done) once the PI answered.
type NotificationUpdate struct {
	PI, PushID  string
	Index       int
	Done        bool
	Attempts    int
	NextAttempt time.Time
}

// PushStore is what the PPG needs from a durable store. Implementations are
// safe for concurrent use; writes are applied in call order.
type PushStore interface {
	// InsertPushAsync stores p durably (ErrDuplicate when the PI already
	// has that push id), then calls done.
	InsertPushAsync(p *Push, done func(error))
	InsertPush(ctx context.Context, p *Push) error
	// UpdateDeliveryAsync records u (ErrNotFound for an unknown push or
	// index; ErrFinal when the delivery is already final).
	UpdateDeliveryAsync(u DeliveryUpdate, done func(error))
	UpdateDelivery(ctx context.Context, u DeliveryUpdate) error
	// GetPush returns a push with its deliveries, or ErrNotFound; a
	// finished push perhaps without its Control and Content.
	GetPush(ctx context.Context, pi, pushID string) (*Push, error)
	// OpenPushes calls fn for every push with a delivery that is not final
	// (restart recovery), in ReceivedAt order.
	OpenPushes(ctx context.Context, fn func(*Push) error) error
	// UpdateNotificationAsync reschedules or removes a notification.
	UpdateNotificationAsync(u NotificationUpdate, done func(error))
	// PendingNotifications calls fn for every notification still owed, in
	// NextAttempt order.
	PendingNotifications(ctx context.Context, fn func(*Notification) error) error
	// PurgePushes deletes pushes whose deliveries are all final and were
	// last updated before t, and returns how many.
	PurgePushes(ctx context.Context, before time.Time) (int, error)
}
