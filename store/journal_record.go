package store

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"time"
)

// The push journal's records. Each is a frame
//
//	length  uint32, big-endian: octets of body
//	crc     uint32, big-endian: CRC-32C of body
//	body    kind (one octet), then the kind's fields
//
// Strings and byte strings are a uvarint length and the octets; integers
// and times (microseconds since 1970, UTC) are varints. Every record sets a
// part of the state to a value rather than changing it by a difference, so
// that replaying records the store already holds, followed by every later
// record, ends in the same state: a checkpoint that committed but had not yet
// removed its journal file is harmless.

// journalKind says what a record sets.
type journalKind uint8

const (
	// journalPushKind sets a whole push, deliveries included (an insert).
	journalPushKind journalKind = 1
	// journalDeliveryKind sets one delivery of a push, and puts the
	// notification it carries, if any, in the outbox.
	journalDeliveryKind journalKind = 2
	// journalNotificationKind reschedules or removes a notification.
	journalNotificationKind journalKind = 3
)

// journalFrameHeader is the length and CRC before each record's body.
const journalFrameHeader = 8

// journalMaxRecord bounds a record's body: a longer length can only be a
// torn or corrupt frame.
const journalMaxRecord = 64 << 20

var journalCRC = crc32.MakeTable(crc32.Castagnoli)

// journalRecord is one decoded record. Which fields are set depends on kind.
type journalRecord struct {
	kind       journalKind
	push       *Push              // journalPushKind
	update     DeliveryUpdate     // journalDeliveryKind; Delivery without Address and MSISDN
	notifyDone NotificationUpdate // journalNotificationKind
}

// beginJournalFrame appends room for a frame header; finishJournalFrame
// fills it in once the body, appended after it, is complete.
func beginJournalFrame(dst []byte) ([]byte, int) {
	start := len(dst)
	return append(dst, make([]byte, journalFrameHeader)...), start
}

func finishJournalFrame(dst []byte, start int) []byte {
	body := dst[start+journalFrameHeader:]
	binary.BigEndian.PutUint32(dst[start:], uint32(len(body)))
	binary.BigEndian.PutUint32(dst[start+4:], crc32.Checksum(body, journalCRC))
	return dst
}

func appendJournalPush(dst []byte, p *Push) []byte {
	dst, start := beginJournalFrame(dst)
	dst = append(dst, byte(journalPushKind))
	dst = appendJournalString(dst, p.PI)
	dst = appendJournalString(dst, p.PushID)
	dst = appendJournalTime(dst, p.ReceivedAt)
	dst = appendJournalBytes(dst, p.Control)
	dst = appendJournalString(dst, p.ContentType)
	dst = appendJournalBytes(dst, p.Content)
	dst = appendJournalString(dst, p.NotifyTo)
	dst = binary.AppendVarint(dst, int64(p.Priority))
	dst = appendJournalTime(dst, p.DeliverAfter)
	dst = appendJournalTime(dst, p.DeliverBefore)
	dst = appendJournalDeliveries(dst, p.Deliveries)
	return finishJournalFrame(dst, start)
}

// appendJournalDeliveries writes a push's deliveries whole: their count,
// then each one's address, MSISDN and changeable fields. The final-push
// table of the SQLite store keeps them in this form too.
func appendJournalDeliveries(dst []byte, ds []Delivery) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(ds)))
	for i := range ds {
		d := &ds[i]
		dst = appendJournalString(dst, d.Address)
		dst = appendJournalString(dst, d.MSISDN)
		dst = appendJournalDelivery(dst, d)
	}
	return dst
}

func appendJournalDeliveryUpdate(dst []byte, u *DeliveryUpdate) []byte {
	dst, start := beginJournalFrame(dst)
	dst = append(dst, byte(journalDeliveryKind))
	dst = appendJournalString(dst, u.PI)
	dst = appendJournalString(dst, u.PushID)
	dst = binary.AppendVarint(dst, int64(u.Index))
	dst = appendJournalDelivery(dst, &u.Delivery)
	dst = appendJournalFlag(dst, u.Notify != nil)
	if n := u.Notify; n != nil {
		dst = binary.AppendVarint(dst, int64(n.Index))
		dst = appendJournalString(dst, n.URL)
		dst = appendJournalBytes(dst, n.Body)
		dst = binary.AppendVarint(dst, int64(n.Attempts))
		dst = appendJournalTime(dst, n.NextAttempt)
	}
	return finishJournalFrame(dst, start)
}

func appendJournalNotificationUpdate(dst []byte, u *NotificationUpdate) []byte {
	dst, start := beginJournalFrame(dst)
	dst = append(dst, byte(journalNotificationKind))
	dst = appendJournalString(dst, u.PI)
	dst = appendJournalString(dst, u.PushID)
	dst = binary.AppendVarint(dst, int64(u.Index))
	dst = appendJournalFlag(dst, u.Done)
	dst = binary.AppendVarint(dst, int64(u.Attempts))
	dst = appendJournalTime(dst, u.NextAttempt)
	return finishJournalFrame(dst, start)
}

// appendJournalDelivery writes the fields of d that an update may change.
func appendJournalDelivery(dst []byte, d *Delivery) []byte {
	dst = append(dst, byte(d.State))
	dst = binary.AppendVarint(dst, int64(d.Attempts))
	dst = binary.AppendUvarint(dst, uint64(d.Ref))
	dst = appendJournalString(dst, d.MessageID)
	dst = binary.AppendVarint(dst, int64(d.Code))
	dst = appendJournalString(dst, d.Desc)
	dst = appendJournalTime(dst, d.NextAttempt)
	return appendJournalTime(dst, d.UpdatedAt)
}

// appendJournalFlag writes b as one octet, 1 or 0.
func appendJournalFlag(dst []byte, b bool) []byte {
	if b {
		return append(dst, 1)
	}
	return append(dst, 0)
}

func appendJournalString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

func appendJournalBytes(dst, b []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(b)))
	return append(dst, b...)
}

func appendJournalTime(dst []byte, t time.Time) []byte {
	return binary.AppendVarint(dst, micros(t))
}

// JournalError is a journal frame that cannot be read: torn by a crash in
// the middle of a write, or corrupt.
type JournalError struct {
	Offset int64  // of the frame in its file
	Field  string // what was being read
	Reason string
}

func (e *JournalError) Error() string {
	return fmt.Sprintf("store: push journal record at offset %d: %s: %s", e.Offset, e.Field, e.Reason)
}

// splitJournalFrame returns the body of the frame at the start of b and the
// length of the whole frame, or an error when b does not start with a
// complete frame whose CRC matches.
func splitJournalFrame(b []byte, offset int64) (body []byte, n int, err error) {
	if len(b) < journalFrameHeader {
		return nil, 0, &JournalError{Offset: offset, Field: "frame header", Reason: fmt.Sprintf("%d octets left, want %d", len(b), journalFrameHeader)}
	}
	length := binary.BigEndian.Uint32(b)
	if length == 0 || length > journalMaxRecord {
		return nil, 0, &JournalError{Offset: offset, Field: "length", Reason: fmt.Sprintf("%d, want 1 to %d", length, journalMaxRecord)}
	}
	if uint64(len(b)-journalFrameHeader) < uint64(length) {
		return nil, 0, &JournalError{Offset: offset, Field: "body", Reason: fmt.Sprintf("%d octets left, want %d", len(b)-journalFrameHeader, length)}
	}
	body = b[journalFrameHeader : journalFrameHeader+int(length)]
	if sum := crc32.Checksum(body, journalCRC); sum != binary.BigEndian.Uint32(b[4:]) {
		return nil, 0, &JournalError{Offset: offset, Field: "crc", Reason: fmt.Sprintf("%08x, want %08x", binary.BigEndian.Uint32(b[4:]), sum)}
	}
	return body, journalFrameHeader + int(length), nil
}

// journalReader reads the fields of one record's body.
type journalReader struct {
	b      []byte
	offset int64 // of the frame, for errors
	err    error
}

func (r *journalReader) fail(field, reason string) {
	if r.err == nil {
		r.err = &JournalError{Offset: r.offset, Field: field, Reason: reason}
	}
	r.b = nil
}

func (r *journalReader) uvarint(field string) uint64 {
	return readVar(r, field, "not a uvarint", binary.Uvarint)
}

func (r *journalReader) varint(field string) int64 {
	return readVar(r, field, "not a varint", binary.Varint)
}

// readVar reads one variable-length integer with decode.
func readVar[T int64 | uint64](r *journalReader, field, bad string, decode func([]byte) (T, int)) T {
	if r.err != nil {
		return 0
	}
	v, n := decode(r.b)
	if n <= 0 {
		r.fail(field, bad)
		return 0
	}
	r.b = r.b[n:]
	return v
}

// int reads a varint that must fit an int between lo and hi.
func (r *journalReader) int(field string, lo, hi int64) int {
	v := r.varint(field)
	if r.err == nil && (v < lo || v > hi) {
		r.fail(field, fmt.Sprintf("%d, want %d to %d", v, lo, hi))
	}
	return int(v)
}

func (r *journalReader) octet(field string) byte {
	if r.err != nil {
		return 0
	}
	if len(r.b) == 0 {
		r.fail(field, "missing")
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

// flag reads an octet that must be 0 (false) or 1 (true).
func (r *journalReader) flag(field string) bool {
	switch r.octet(field) {
	case 0:
		return false
	case 1:
		return true
	}
	r.fail(field, "want 0 or 1")
	return false
}

func (r *journalReader) bytes(field string) []byte {
	n := r.uvarint(field + " length")
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)) {
		r.fail(field, fmt.Sprintf("length %d, %d octets left", n, len(r.b)))
		return nil
	}
	v := make([]byte, n)
	copy(v, r.b)
	r.b = r.b[n:]
	return v
}

func (r *journalReader) string(field string) string { return string(r.bytes(field)) }

func (r *journalReader) time(field string) time.Time { return fromMicros(r.varint(field)) }

func (r *journalReader) delivery(d *Delivery) {
	d.State = DeliveryState(r.octet("state"))
	if r.err == nil && !d.State.Valid() {
		r.fail("state", fmt.Sprintf("%d, want %d to %d", d.State, DeliveryPending, DeliveryAborted))
	}
	d.Attempts = r.int("attempts", 0, 1<<31-1)
	ref := r.uvarint("ref")
	if r.err == nil && ref > 0xffff {
		r.fail("ref", fmt.Sprintf("%d, want at most 65535", ref))
	}
	d.Ref = uint16(ref)
	d.MessageID = r.string("message id")
	d.Code = r.int("code", -1<<31, 1<<31-1)
	d.Desc = r.string("description")
	d.NextAttempt = r.time("next attempt")
	d.UpdatedAt = r.time("updated at")
}

// deliveries reads what appendJournalDeliveries wrote: at least one
// delivery.
func (r *journalReader) deliveries() []Delivery {
	n := r.uvarint("deliveries")
	if r.err == nil && (n == 0 || n > uint64(len(r.b))) {
		// Each delivery takes several octets: a count beyond the octets
		// left is corrupt, and would cost memory to find out.
		r.fail("deliveries", fmt.Sprintf("%d, want 1 to %d", n, len(r.b)))
	}
	if r.err != nil {
		return nil
	}
	ds := make([]Delivery, n)
	for i := range ds {
		d := &ds[i]
		d.Address = r.string("address")
		d.MSISDN = r.string("msisdn")
		r.delivery(d)
	}
	return ds
}

// decodeJournalRecord decodes one record's body.
func decodeJournalRecord(body []byte, offset int64) (journalRecord, error) {
	r := &journalReader{b: body, offset: offset}
	rec := journalRecord{kind: journalKind(r.octet("kind"))}
	switch rec.kind {
	case journalPushKind:
		p := &Push{}
		p.PI = r.string("pi")
		p.PushID = r.string("push id")
		p.ReceivedAt = r.time("received at")
		p.Control = r.bytes("control")
		p.ContentType = r.string("content type")
		p.Content = r.bytes("content")
		p.NotifyTo = r.string("notify to")
		p.Priority = r.int("priority", -1<<31, 1<<31-1)
		p.DeliverAfter = r.time("deliver after")
		p.DeliverBefore = r.time("deliver before")
		p.Deliveries = r.deliveries()
		rec.push = p
	case journalDeliveryKind:
		u := &rec.update
		u.PI = r.string("pi")
		u.PushID = r.string("push id")
		u.Index = r.int("index", 0, 1<<31-1)
		r.delivery(&u.Delivery)
		if r.flag("notification flag") {
			n := &Notification{PI: u.PI, PushID: u.PushID}
			n.Index = r.int("notification index", -1, 1<<31-1)
			n.URL = r.string("notification url")
			n.Body = r.bytes("notification body")
			n.Attempts = r.int("notification attempts", 0, 1<<31-1)
			n.NextAttempt = r.time("notification next attempt")
			u.Notify = n
		}
	case journalNotificationKind:
		u := &rec.notifyDone
		u.PI = r.string("pi")
		u.PushID = r.string("push id")
		u.Index = r.int("index", -1, 1<<31-1)
		u.Done = r.flag("done flag")
		u.Attempts = r.int("attempts", 0, 1<<31-1)
		u.NextAttempt = r.time("next attempt")
	default:
		r.fail("kind", fmt.Sprintf("%d, want %d to %d", rec.kind, journalPushKind, journalNotificationKind))
	}
	if r.err == nil && len(r.b) != 0 {
		r.fail("end", fmt.Sprintf("%d octets after the last field", len(r.b)))
	}
	if r.err != nil {
		return journalRecord{}, r.err
	}
	return rec, nil
}
