package mms

import (
	"math"
	"time"

	"github.com/txpush/txpush/wap/wsp"
)

// Parse decodes an m-notification-ind (returned as *NotificationInd) or an
// m-notifyresp-ind (*NotifyRespInd). Errors are *DecodeError. The result
// does not alias b.
func Parse(b []byte) (PDU, error) {
	p, err := parse(wsp.NewReader(b))
	if err != nil {
		return nil, fromWSP(err)
	}
	return p, nil
}

// ParseNotificationInd decodes an m-notification-ind; any other message
// type is an error.
func ParseNotificationInd(b []byte) (*NotificationInd, error) {
	p, err := Parse(b)
	if err != nil {
		return nil, err
	}
	n, ok := p.(*NotificationInd)
	if !ok {
		return nil, &DecodeError{Offset: 1, Field: "X-Mms-Message-Type", Reason: "not m-notification-ind (0x82)"}
	}
	return n, nil
}

func parse(r *wsp.Reader) (PDU, error) {
	typ, err := expectField(r, fieldMessageType)
	if err != nil {
		return nil, err
	}
	off := r.Offset()
	t, err := r.Byte("X-Mms-Message-Type")
	if err != nil {
		return nil, err
	}
	if MessageType(t) != TypeNotificationInd && MessageType(t) != TypeNotifyRespInd {
		return nil, r.Errorf(off, typ, "message type 0x%02X is not supported (expected 0x82 m-notification-ind or 0x83 m-notifyresp-ind)", t)
	}
	if _, err := expectField(r, fieldTransactionID); err != nil {
		return nil, err
	}
	tid, err := readNonEmptyText(r, "X-Mms-Transaction-ID")
	if err != nil {
		return nil, err
	}
	if _, err := expectField(r, fieldVersion); err != nil {
		return nil, err
	}
	off = r.Offset()
	v, err := r.ShortInteger("X-Mms-MMS-Version")
	if err != nil {
		return nil, err
	}
	version := Version(v)
	if version.Major() != 1 {
		return nil, r.Errorf(off, "X-Mms-MMS-Version", "version %s: only major version 1 is understood", version)
	}
	if MessageType(t) == TypeNotificationInd {
		return parseNotification(r, tid, version)
	}
	return parseNotifyResp(r, tid, version)
}

// expectField reads a field code that must be code; the first three fields
// of every MMS PDU have a fixed order.
func expectField(r *wsp.Reader, code byte) (string, error) {
	name := fieldName(code)
	off := r.Offset()
	b, err := r.Byte(name)
	if err != nil {
		return name, err
	}
	if b != 0x80|code {
		return name, r.Errorf(off, name, "found octet 0x%02X; X-Mms-Message-Type, X-Mms-Transaction-ID and X-Mms-MMS-Version must come first, in that order (expected 0x%02X)", b, 0x80|code)
	}
	return name, nil
}

// nextField reads a field code and checks that it did not occur before.
func nextField(r *wsp.Reader, seen *[128]bool) (byte, error) {
	off := r.Offset()
	b, err := r.Byte("field")
	if err != nil {
		return 0, err
	}
	if b < 0x80 {
		return 0, r.Errorf(off, "field", "octet 0x%02X is not a field code (expected 0x80..0xFF)", b)
	}
	code := b & 0x7F
	if seen[code] {
		return 0, r.Errorf(off, fieldName(code), "field occurs twice")
	}
	seen[code] = true
	return code, nil
}

func parseNotification(r *wsp.Reader, tid string, v Version) (*NotificationInd, error) {
	n := &NotificationInd{TransactionID: tid, Version: v}
	var seen [128]bool
	seen[fieldMessageType], seen[fieldTransactionID], seen[fieldVersion] = true, true, true
	for r.Len() > 0 {
		code, err := nextField(r, &seen)
		if err != nil {
			return nil, err
		}
		name := fieldName(code)
		switch code {
		case fieldFrom:
			n.From, err = readFrom(r)
		case fieldSubject:
			var s EncodedString
			s, err = readEncodedString(r, name)
			n.Subject = &s
		case fieldMessageClass:
			n.Class, err = readClass(r)
		case fieldMessageSize:
			n.Size, err = r.IntegerValue(name)
		case fieldExpiry:
			n.Expiry, err = readExpiry(r)
		case fieldContentLocation:
			n.ContentLocation, err = readNonEmptyText(r, name)
		case fieldDeliveryReport:
			var b bool
			b, err = readYesNo(r, name)
			n.DeliveryReport = &b
		case fieldPriority:
			var p byte
			p, err = readToken(r, name, byte(PriorityLow), byte(PriorityHigh))
			n.Priority = Priority(p)
		default:
			var f Field
			f, err = readOther(r, code)
			n.Other = append(n.Other, f)
		}
		if err != nil {
			return nil, err
		}
	}
	for _, code := range [...]byte{fieldMessageClass, fieldMessageSize, fieldExpiry, fieldContentLocation} {
		if !seen[code] {
			return nil, r.Errorf(r.Offset(), fieldName(code), "mandatory field is missing")
		}
	}
	return n, nil
}

func parseNotifyResp(r *wsp.Reader, tid string, v Version) (*NotifyRespInd, error) {
	n := &NotifyRespInd{TransactionID: tid, Version: v}
	var seen [128]bool
	seen[fieldMessageType], seen[fieldTransactionID], seen[fieldVersion] = true, true, true
	for r.Len() > 0 {
		code, err := nextField(r, &seen)
		if err != nil {
			return nil, err
		}
		name := fieldName(code)
		switch code {
		case fieldStatus:
			var s byte
			s, err = readToken(r, name, byte(StatusExpired), byte(StatusUnreachable))
			n.Status = Status(s)
		case fieldReportAllowed:
			var b bool
			b, err = readYesNo(r, name)
			n.ReportAllowed = &b
		default:
			var f Field
			f, err = readOther(r, code)
			n.Other = append(n.Other, f)
		}
		if err != nil {
			return nil, err
		}
	}
	if !seen[fieldStatus] {
		return nil, r.Errorf(r.Offset(), "X-Mms-Status", "mandatory field is missing")
	}
	return n, nil
}

func readNonEmptyText(r *wsp.Reader, field string) (string, error) {
	off := r.Offset()
	s, err := r.TextString(field)
	if err == nil && s == "" {
		return "", r.Errorf(off, field, "mandatory text is empty")
	}
	return s, err
}

func readToken(r *wsp.Reader, field string, lo, hi byte) (byte, error) {
	off := r.Offset()
	b, err := r.Byte(field)
	if err != nil {
		return 0, err
	}
	if b < lo || b > hi {
		return 0, r.Errorf(off, field, "value 0x%02X (expected 0x%02X..0x%02X)", b, lo, hi)
	}
	return b, nil
}

func readYesNo(r *wsp.Reader, field string) (bool, error) {
	b, err := readToken(r, field, 0x80, 0x81)
	return b == 0x80, err
}

func readOther(r *wsp.Reader, code byte) (Field, error) {
	v, err := r.RawValue(fieldName(code))
	if err != nil {
		return Field{}, err
	}
	return Field{Code: code, Value: append([]byte(nil), v...)}, nil
}

// readEncodedString reads an Encoded-string-value: a Text-string, or
// Value-length, charset (Integer-value) and Text-string.
func readEncodedString(r *wsp.Reader, field string) (EncodedString, error) {
	off := r.Offset()
	b, err := r.Peek(field)
	if err != nil {
		return EncodedString{}, err
	}
	switch {
	case b >= 0x80:
		return EncodedString{}, r.Errorf(off, field, "octet 0x%02X starts neither a Text-string nor a Value-length", b)
	case b > 0x1F:
		s, err := r.TextString(field)
		return EncodedString{Text: s}, err
	}
	n, err := r.ValueLength(field)
	if err != nil {
		return EncodedString{}, err
	}
	sub, _ := r.Sub(n, field)
	var s EncodedString
	if s.Charset, err = sub.IntegerValue(field + " charset"); err != nil {
		return EncodedString{}, err
	}
	if s.Text, err = sub.TextString(field); err != nil {
		return EncodedString{}, err
	}
	if sub.Len() != 0 {
		return EncodedString{}, sub.Errorf(sub.Offset(), field, "%d octets after the text, inside the Value-length", sub.Len())
	}
	return s, nil
}

func readFrom(r *wsp.Reader) (*From, error) {
	const field = "From"
	n, err := r.ValueLength(field)
	if err != nil {
		return nil, err
	}
	sub, _ := r.Sub(n, field)
	off := sub.Offset()
	token, err := sub.Byte(field)
	if err != nil {
		return nil, err
	}
	f := &From{}
	switch token {
	case 0x80:
		if f.Address, err = readEncodedString(&sub, field); err != nil {
			return nil, err
		}
	case 0x81:
		f.Insert = true
	default:
		return nil, sub.Errorf(off, field, "token 0x%02X (expected 0x80 address-present or 0x81 insert-address)", token)
	}
	if sub.Len() != 0 {
		return nil, sub.Errorf(sub.Offset(), field, "%d octets left inside the Value-length", sub.Len())
	}
	return f, nil
}

func readClass(r *wsp.Reader) (MessageClass, error) {
	const field = "X-Mms-Message-Class"
	off := r.Offset()
	b, err := r.Peek(field)
	if err != nil {
		return "", err
	}
	switch {
	case b >= 0x80:
		if int(b&0x7F) >= len(classes) {
			return "", r.Errorf(off, field, "class 0x%02X (expected 0x80..0x83 or a token)", b)
		}
		_, err := r.Byte(field)
		return classes[b&0x7F], err
	case b < 0x20 || b == 0x7F:
		return "", r.Errorf(off, field, "octet 0x%02X starts neither a class token nor Token-text", b)
	}
	s, err := r.TextString(field)
	return MessageClass(s), err
}

func readExpiry(r *wsp.Reader) (Expiry, error) {
	const field = "X-Mms-Expiry"
	n, err := r.ValueLength(field)
	if err != nil {
		return Expiry{}, err
	}
	sub, _ := r.Sub(n, field)
	off := sub.Offset()
	token, err := sub.Byte(field)
	if err != nil {
		return Expiry{}, err
	}
	if token != 0x80 && token != 0x81 {
		return Expiry{}, sub.Errorf(off, field, "token 0x%02X (expected 0x80 absolute or 0x81 relative)", token)
	}
	off = sub.Offset()
	// The encoding rules say Long-integer; a Short-integer is accepted too.
	v, err := sub.IntegerValue(field)
	if err != nil {
		return Expiry{}, err
	}
	if sub.Len() != 0 {
		return Expiry{}, sub.Errorf(sub.Offset(), field, "%d octets left inside the Value-length", sub.Len())
	}
	if token == 0x80 {
		if v > math.MaxInt64 {
			return Expiry{}, sub.Errorf(off, field, "date %d out of range", v)
		}
		return Expiry{Absolute: true, At: time.Unix(int64(v), 0).UTC()}, nil
	}
	if v > uint64(math.MaxInt64/time.Second) {
		return Expiry{}, sub.Errorf(off, field, "delay of %d seconds out of range", v)
	}
	return Expiry{After: time.Duration(v) * time.Second}, nil
}
