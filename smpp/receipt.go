package smpp

import (
	"bytes"
	"fmt"
	"strconv"
	"time"
)

// MessageState is the state of a short message in the SMSC: the
// message_state TLV and field (3.4 section 5.2.28).
type MessageState byte

// The message states of SMPP 3.4.
const (
	StateEnroute       MessageState = 1
	StateDelivered     MessageState = 2
	StateExpired       MessageState = 3
	StateDeleted       MessageState = 4
	StateUndeliverable MessageState = 5
	StateAccepted      MessageState = 6
	StateUnknown       MessageState = 7
	StateRejected      MessageState = 8
)

// messageStates gives each state its spec name and the 7-character stat
// of delivery receipt text (Appendix B).
var messageStates = [...]struct{ name, stat string }{
	StateEnroute:       {"ENROUTE", "ENROUTE"},
	StateDelivered:     {"DELIVERED", "DELIVRD"},
	StateExpired:       {"EXPIRED", "EXPIRED"},
	StateDeleted:       {"DELETED", "DELETED"},
	StateUndeliverable: {"UNDELIVERABLE", "UNDELIV"},
	StateAccepted:      {"ACCEPTED", "ACCEPTD"},
	StateUnknown:       {"UNKNOWN", "UNKNOWN"},
	StateRejected:      {"REJECTED", "REJECTD"},
}

func (s MessageState) known() bool { return s >= StateEnroute && s <= StateRejected }

// String returns the spec's name of the state, e.g. "DELIVERED".
func (s MessageState) String() string {
	if s.known() {
		return messageStates[s].name
	}
	return fmt.Sprintf("message_state(%d)", byte(s))
}

// Stat returns the state as receipt text writes it, e.g. "DELIVRD", or ""
// for a state SMPP 3.4 does not define.
func (s MessageState) Stat() string {
	if s.known() {
		return messageStates[s].stat
	}
	return ""
}

// StateFromStat returns the state a receipt's stat names. It also accepts
// the full names (DELIVERED, UNDELIVERABLE ...) that some SMSCs write.
func StateFromStat(stat string) (MessageState, bool) {
	for s := StateEnroute; s <= StateRejected; s++ {
		if stat == messageStates[s].stat || stat == messageStates[s].name {
			return s, true
		}
	}
	return 0, false
}

// Receipt is the text of an SMSC delivery receipt, the short_message of a
// deliver_sm with esm_class message type 0x04 (3.4 Appendix B):
//
//	id:IIII sub:SSS dlvrd:DDD submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:DDDDDDD err:EEE text:...
//
// The format is informative and SMSCs differ, so prefer the TLVs
// receipted_message_id and message_state when a receipt carries them.
type Receipt struct {
	ID         string    // the message_id from the submit_sm_resp
	Sub        int       // messages submitted (distribution lists)
	Dlvrd      int       // messages delivered
	SubmitDate time.Time // to the minute (or second), read as UTC
	DoneDate   time.Time
	Stat       string // e.g. "DELIVRD"; see MessageState.Stat
	Err        string // 3 characters, network or SMSC specific
	Text       string // the start of the original message
}

// receiptKeys are the receipt's field names as they appear in the text.
// "text:" is handled on its own: its value runs to the end.
var receiptKeys = [...]string{"id:", "sub:", "dlvrd:", "submit date:", "done date:", "stat:", "err:"}

// ParseReceipt reads delivery receipt text. It takes the fields in any
// order, names in any case (some SMSCs write "Text:"), dates with or
// without seconds, ids of any characters, and missing sub, dlvrd, dates,
// err and text; id and stat are required. Unknown words are skipped.
func ParseReceipt(b []byte) (Receipt, error) {
	var r Receipt
	var haveID, haveStat bool
	for i := 0; i < len(b); {
		if b[i] == ' ' {
			i++
			continue
		}
		if hasPrefixFold(b[i:], "text:") {
			r.Text = string(b[i+len("text:"):])
			break
		}
		end := i + bytes.IndexByte(b[i:], ' ')
		if end < i {
			end = len(b)
		}
		key := ""
		for _, k := range receiptKeys {
			if hasPrefixFold(b[i:], k) {
				key = k
				break
			}
		}
		if key == "" {
			i = end
			continue
		}
		start := i + len(key)
		if key == "submit date:" || key == "done date:" {
			// The key holds a space, so the value ends at the next one.
			end = start + bytes.IndexByte(b[start:], ' ')
			if end < start {
				end = len(b)
			}
		}
		value := b[start:end]
		field := key[:len(key)-1]
		var err error
		switch key {
		case "id:":
			r.ID, haveID = string(value), true
		case "sub:":
			r.Sub, err = receiptInt(value)
		case "dlvrd:":
			r.Dlvrd, err = receiptInt(value)
		case "submit date:":
			r.SubmitDate, err = receiptDate(value)
		case "done date:":
			r.DoneDate, err = receiptDate(value)
		case "stat:":
			r.Stat, haveStat = string(value), true
		case "err:":
			r.Err = string(value)
		}
		if err != nil {
			return Receipt{}, &ReceiptError{Field: field, Offset: start, Reason: err.Error()}
		}
		i = end
	}
	switch {
	case !haveID:
		return Receipt{}, &ReceiptError{Field: "id", Offset: 0, Reason: "missing"}
	case !haveStat:
		return Receipt{}, &ReceiptError{Field: "stat", Offset: 0, Reason: "missing"}
	}
	return r, nil
}

func hasPrefixFold(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && bytes.EqualFold(b[:len(prefix)], []byte(prefix))
}

func receiptInt(v []byte) (int, error) {
	if len(v) == 0 || len(v) > 9 {
		return 0, fmt.Errorf("%q is not a count of 1 to 9 digits", v)
	}
	n := 0
	for _, d := range v {
		if d < '0' || d > '9' {
			return 0, fmt.Errorf("%q is not a decimal count", v)
		}
		n = n*10 + int(d-'0')
	}
	return n, nil
}

// zeroReceiptDate is how Append writes an unset date, and how ParseReceipt
// reads one back.
const zeroReceiptDate = "0000000000"

func receiptDate(v []byte) (time.Time, error) {
	if string(v) == zeroReceiptDate || string(v) == zeroReceiptDate+"00" {
		return time.Time{}, nil
	}
	layout := "0601021504"
	if len(v) == 12 {
		layout = "060102150405"
	}
	if len(v) != 10 && len(v) != 12 {
		return time.Time{}, fmt.Errorf("%q: want YYMMDDhhmm or YYMMDDhhmmss", v)
	}
	for _, d := range v {
		if d < '0' || d > '9' {
			return time.Time{}, fmt.Errorf("%q: want digits only", v)
		}
	}
	t, err := time.Parse(layout, string(v))
	if err != nil {
		return time.Time{}, fmt.Errorf("%q: not a valid date", v)
	}
	return t, nil
}

// Append appends the receipt text, in the layout of 3.4 Appendix B with
// dates to the minute in the dates' own zone, and returns the extended
// buffer.
func (r Receipt) Append(dst []byte) []byte {
	dst = append(dst, "id:"...)
	dst = append(dst, r.ID...)
	dst = append(dst, " sub:"...)
	dst = appendCount(dst, r.Sub)
	dst = append(dst, " dlvrd:"...)
	dst = appendCount(dst, r.Dlvrd)
	dst = append(dst, " submit date:"...)
	dst = appendReceiptDate(dst, r.SubmitDate)
	dst = append(dst, " done date:"...)
	dst = appendReceiptDate(dst, r.DoneDate)
	dst = append(dst, " stat:"...)
	dst = append(dst, r.Stat...)
	dst = append(dst, " err:"...)
	dst = append(dst, r.Err...)
	dst = append(dst, " text:"...)
	return append(dst, r.Text...)
}

// appendCount writes n with at least three digits, as receipts do.
func appendCount(dst []byte, n int) []byte {
	n = max(n, 0)
	if n < 100 {
		dst = append(dst, '0')
	}
	if n < 10 {
		dst = append(dst, '0')
	}
	return strconv.AppendInt(dst, int64(n), 10)
}

func appendReceiptDate(dst []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(dst, zeroReceiptDate...)
	}
	return t.AppendFormat(dst, "0601021504")
}

// String returns the receipt text.
func (r Receipt) String() string { return string(r.Append(nil)) }
