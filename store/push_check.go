package store

import (
	"errors"
	"fmt"
	"strconv"
)

// What both push stores check before they store anything, and the names and
// errors they share.

var deliveryStateNames = [...]string{
	DeliveryPending:       "pending",
	DeliveryInFlight:      "in-flight",
	DeliveryDelivered:     "delivered",
	DeliveryUndeliverable: "undeliverable",
	DeliveryExpired:       "expired",
	DeliveryCancelled:     "cancelled",
	DeliveryUnknown:       "unknown",
	DeliveryAborted:       "aborted",
}

// String returns the state's name, close to PAP's message-state values.
func (s DeliveryState) String() string {
	if s.Valid() {
		return deliveryStateNames[s]
	}
	return "DeliveryState(" + strconv.Itoa(int(s)) + ")"
}

// pushName names a push in errors.
func pushName(pi, pushID string) string {
	return fmt.Sprintf("push %q of PI %q", pushID, pi)
}

// checkPush reports why p cannot be stored, or nil.
func checkPush(p *Push) error {
	if p == nil {
		return errors.New("store: nil push")
	}
	// An empty PI is the anonymous one of a PPG that has no PI accounts.
	if p.PushID == "" {
		return fmt.Errorf("store: %s: a push needs a push id", pushName(p.PI, p.PushID))
	}
	if len(p.Deliveries) == 0 {
		// A push without an address would never be open nor finished.
		return fmt.Errorf("store: %s has no delivery", pushName(p.PI, p.PushID))
	}
	for i := range p.Deliveries {
		if err := checkDelivery(p.PI, p.PushID, i, &p.Deliveries[i]); err != nil {
			return err
		}
	}
	return nil
}

func checkDelivery(pi, pushID string, index int, d *Delivery) error {
	switch {
	case !d.State.Valid():
		return fmt.Errorf("store: %s, delivery %d: invalid state %d (want %d to %d)",
			pushName(pi, pushID), index, d.State, DeliveryPending, DeliveryAborted)
	case d.Attempts < 0:
		return fmt.Errorf("store: %s, delivery %d: negative attempt count %d", pushName(pi, pushID), index, d.Attempts)
	case d.State.Final() && d.UpdatedAt.IsZero():
		// PurgePushes goes by the time of the last update; a final delivery
		// without one would be purged at once.
		return fmt.Errorf("store: %s, delivery %d: final state %v without an update time",
			pushName(pi, pushID), index, d.State)
	}
	return nil
}

// checkDeliveryUpdate reports why u cannot be applied, or nil.
func checkDeliveryUpdate(u *DeliveryUpdate) error {
	if u.PushID == "" {
		return fmt.Errorf("store: delivery update for %s: a push needs a push id", pushName(u.PI, u.PushID))
	}
	if u.Index < 0 {
		return fmt.Errorf("store: delivery update for %s: negative delivery index %d", pushName(u.PI, u.PushID), u.Index)
	}
	if err := checkDelivery(u.PI, u.PushID, u.Index, &u.Delivery); err != nil {
		return err
	}
	n := u.Notify
	if n == nil {
		return nil
	}
	switch {
	case n.PI != u.PI || n.PushID != u.PushID:
		return fmt.Errorf("store: delivery update for %s carries a notification for %s",
			pushName(u.PI, u.PushID), pushName(n.PI, n.PushID))
	case n.Index != u.Index && n.Index != -1:
		return fmt.Errorf("store: delivery %d of %s carries a notification for delivery %d (want %d, or -1 for the push)",
			u.Index, pushName(u.PI, u.PushID), n.Index, u.Index)
	case n.URL == "":
		return fmt.Errorf("store: notification for %s has no URL", pushName(u.PI, u.PushID))
	case n.Attempts < 0:
		return fmt.Errorf("store: notification for %s: negative attempt count %d", pushName(u.PI, u.PushID), n.Attempts)
	}
	return nil
}

// checkNotificationUpdate reports why u cannot be applied, or nil.
func checkNotificationUpdate(u *NotificationUpdate) error {
	switch {
	case u.PushID == "":
		return fmt.Errorf("store: notification update for %s: a push needs a push id", pushName(u.PI, u.PushID))
	case u.Index < -1:
		return fmt.Errorf("store: notification update for %s: index %d (want -1 or more)", pushName(u.PI, u.PushID), u.Index)
	case u.Attempts < 0:
		return fmt.Errorf("store: notification update for %s: negative attempt count %d", pushName(u.PI, u.PushID), u.Attempts)
	}
	return nil
}

// CorruptPushError reports a stored value of a push, one of its deliveries
// or one of its notifications that cannot be what its column holds.
type CorruptPushError struct {
	PI, PushID string
	Index      int // the delivery or notification; -1 for the push's own columns or its whole-push notification
	Column     string
	Value      int64
	Want       string // what the column should hold
	// Reason, for a column of several values encoded together, says
	// which one is wrong and how; Value and Want are then not set.
	Reason string
}

func (e *CorruptPushError) Error() string {
	where := pushName(e.PI, e.PushID)
	if e.Index >= 0 {
		where += fmt.Sprintf(", index %d", e.Index)
	}
	if e.Reason != "" {
		return fmt.Sprintf("store: %s: column %s: %s", where, e.Column, e.Reason)
	}
	return fmt.Sprintf("store: %s: column %s holds %d, want %s", where, e.Column, e.Value, e.Want)
}

// The refusals of a delivery update, worded the same by every push store.

func deliveryDoing(u *DeliveryUpdate) string {
	return fmt.Sprintf("updating delivery %d of %s", u.Index, pushName(u.PI, u.PushID))
}

func errNoSuchPush(u *DeliveryUpdate) error {
	return fmt.Errorf("store: %s: no such push: %w", deliveryDoing(u), ErrNotFound)
}

func errNoSuchDelivery(u *DeliveryUpdate) error {
	return fmt.Errorf("store: %s: the push has no such delivery: %w", deliveryDoing(u), ErrNotFound)
}

func errDeliveryFinal(u *DeliveryUpdate, st DeliveryState) error {
	return fmt.Errorf("store: %s (%v): %w", deliveryDoing(u), st, ErrFinal)
}

func errNotificationOwed(u *DeliveryUpdate) error {
	return fmt.Errorf("store: %s: a notification for index %d is already owed: %w",
		deliveryDoing(u), u.Notify.Index, ErrDuplicate)
}

// refuseDeliveryUpdate says why u cannot change p (nil: the store has no
// such push), in the order every store checks: the push, the index, a
// final state, then a notification already owed for u.Notify's index
// (owed says whether one is). It returns nil when u may be applied.
func refuseDeliveryUpdate(p *Push, u *DeliveryUpdate, owed bool) error {
	switch {
	case p == nil:
		return errNoSuchPush(u)
	case u.Index >= len(p.Deliveries):
		return errNoSuchDelivery(u)
	}
	if st := p.Deliveries[u.Index].State; st.Final() {
		return errDeliveryFinal(u, st)
	}
	if u.Notify != nil && owed {
		return errNotificationOwed(u)
	}
	return nil
}

// notificationDoing names the change u makes, for errors.
func notificationDoing(u *NotificationUpdate) string {
	doing := "rescheduling"
	if u.Done {
		doing = "removing"
	}
	return fmt.Sprintf("%s notification %d of %s", doing, u.Index, pushName(u.PI, u.PushID))
}

// errNotificationNotOwed refuses an update of a notification the store
// does not owe.
func errNotificationNotOwed(u *NotificationUpdate) error {
	return fmt.Errorf("store: %s: %w", notificationDoing(u), ErrNotFound)
}
