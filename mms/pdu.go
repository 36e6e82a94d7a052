package mms

import (
	"fmt"
	"strings"
	"time"

	"github.com/txpush/txpush/wap/wsp"
)

// Field codes (OMA-MMS-ENC assigned numbers) without the 0x80 bit.
const (
	fieldContentLocation = 0x03
	fieldDeliveryReport  = 0x06
	fieldExpiry          = 0x08
	fieldFrom            = 0x09
	fieldMessageClass    = 0x0A
	fieldMessageType     = 0x0C
	fieldVersion         = 0x0D
	fieldMessageSize     = 0x0E
	fieldPriority        = 0x0F
	fieldReportAllowed   = 0x11
	fieldStatus          = 0x15
	fieldSubject         = 0x16
	fieldTransactionID   = 0x18
)

var fieldNames = map[byte]string{
	fieldContentLocation: "X-Mms-Content-Location",
	fieldDeliveryReport:  "X-Mms-Delivery-Report",
	fieldExpiry:          "X-Mms-Expiry",
	fieldFrom:            "From",
	fieldMessageClass:    "X-Mms-Message-Class",
	fieldMessageType:     "X-Mms-Message-Type",
	fieldVersion:         "X-Mms-MMS-Version",
	fieldMessageSize:     "X-Mms-Message-Size",
	fieldPriority:        "X-Mms-Priority",
	fieldReportAllowed:   "X-Mms-Report-Allowed",
	fieldStatus:          "X-Mms-Status",
	fieldSubject:         "Subject",
	fieldTransactionID:   "X-Mms-Transaction-ID",
}

func fieldName(code byte) string {
	if n, ok := fieldNames[code]; ok {
		return n
	}
	return fmt.Sprintf("field 0x%02X", 0x80|code)
}

// MessageType is the value of X-Mms-Message-Type.
type MessageType byte

// Message types of the push leg.
const (
	TypeNotificationInd MessageType = 0x82 // m-notification-ind
	TypeNotifyRespInd   MessageType = 0x83 // m-notifyresp-ind
)

// Version is an MMS version as its Short-integer value: major in bits 6-4,
// minor in bits 3-0 (0x12 is 1.2).
type Version byte

// MMS versions.
const (
	Version10 Version = 0x10
	Version11 Version = 0x11
	Version12 Version = 0x12 // what to send unless handsets need 1.0
	Version13 Version = 0x13
)

func (v Version) String() string { return wsp.FormatVersion(0x80 | byte(v)) }

// Major returns the major version number.
func (v Version) Major() int { return int(v>>4) & 7 }

// MessageClass is the value of X-Mms-Message-Class: one of the four
// registered classes or any other token.
type MessageClass string

// Registered message classes.
const (
	ClassPersonal      MessageClass = "personal"
	ClassAdvertisement MessageClass = "advertisement"
	ClassInformational MessageClass = "informational"
	ClassAuto          MessageClass = "auto"
)

var classes = [...]MessageClass{ClassPersonal, ClassAdvertisement, ClassInformational, ClassAuto}

// Priority is X-Mms-Priority; zero means the field is absent.
type Priority byte

// Priorities.
const (
	PriorityLow    Priority = 0x80
	PriorityNormal Priority = 0x81
	PriorityHigh   Priority = 0x82
)

// Status is X-Mms-Status in m-notifyresp-ind.
type Status byte

// Statuses.
const (
	StatusExpired       Status = 0x80
	StatusRetrieved     Status = 0x81
	StatusRejected      Status = 0x82
	StatusDeferred      Status = 0x83
	StatusUnrecognised  Status = 0x84
	StatusIndeterminate Status = 0x85
	StatusForwarded     Status = 0x86
	StatusUnreachable   Status = 0x87
)

// EncodedString is an Encoded-string-value: text, with the IANA MIBenum of
// its charset (106 is utf-8), or Charset 0 for plain US-ASCII text sent
// without a charset.
type EncodedString struct {
	Charset uint64
	Text    string
}

// From is the sender of a notification.
type From struct {
	// Insert asks the MMSC to insert the sender's address
	// (Insert-address-token); Address is then ignored.
	Insert  bool
	Address EncodedString // e.g. "+358401234567/TYPE=PLMN"
}

// Expiry is X-Mms-Expiry: an absolute time or a delay from the time of
// reception, in whole seconds.
type Expiry struct {
	Absolute bool
	At       time.Time     // when Absolute; sent as seconds since 1970 UTC
	After    time.Duration // when not Absolute
}

// Field is a header field that this package carries without interpreting.
type Field struct {
	Code  byte   // field code without the 0x80 bit
	Value []byte // the encoded value
}

// PDU is one of the PDUs of this package: *NotificationInd or
// *NotifyRespInd.
type PDU interface {
	MessageType() MessageType
	Append(dst []byte) ([]byte, error)
}

// NotificationInd is an m-notification-ind.
type NotificationInd struct {
	TransactionID   string
	Version         Version
	From            *From          // nil: omitted, hiding the sender
	Subject         *EncodedString // nil: omitted
	Class           MessageClass
	Size            uint64 // octets
	Expiry          Expiry
	ContentLocation string // the URI the client fetches

	DeliveryReport *bool    // X-Mms-Delivery-Report (MMS 1.1); nil: omitted
	Priority       Priority // X-Mms-Priority (MMS 1.2); 0: omitted
	Other          []Field  // further fields, written after the others
}

// MessageType returns TypeNotificationInd.
func (*NotificationInd) MessageType() MessageType { return TypeNotificationInd }

// NotifyRespInd is an m-notifyresp-ind.
type NotifyRespInd struct {
	TransactionID string
	Version       Version
	Status        Status
	ReportAllowed *bool   // X-Mms-Report-Allowed; nil: omitted
	Other         []Field // further fields, written after the others
}

// MessageType returns TypeNotifyRespInd.
func (*NotifyRespInd) MessageType() MessageType { return TypeNotifyRespInd }

// Marshal returns the encoded PDU.
func (n *NotificationInd) Marshal() ([]byte, error) { return n.Append(nil) }

// Append appends the encoded notification to dst: the three leading fields,
// then From, Subject, Message-Class, Message-Size, Expiry,
// Content-Location, the optional fields and Other. On error dst is
// returned unchanged in length.
func (n *NotificationInd) Append(dst []byte) ([]byte, error) {
	orig := len(dst)
	dst, err := n.append(dst)
	if err != nil {
		return dst[:orig], err
	}
	return dst, nil
}

func (n *NotificationInd) append(dst []byte) ([]byte, error) {
	dst, err := appendLeading(dst, TypeNotificationInd, n.TransactionID, n.Version)
	if err != nil {
		return dst, err
	}
	if n.From != nil {
		if dst, err = appendFrom(dst, n.From); err != nil {
			return dst, err
		}
	}
	if n.Subject != nil {
		if dst, err = appendEncodedString(append(dst, 0x80|fieldSubject), "Subject", n.Subject); err != nil {
			return dst, err
		}
	}
	if dst, err = appendClass(dst, n.Class); err != nil {
		return dst, err
	}
	dst = wsp.AppendLongInteger(append(dst, 0x80|fieldMessageSize), n.Size)
	if dst, err = appendExpiry(dst, n.Expiry); err != nil {
		return dst, err
	}
	if n.ContentLocation == "" {
		return dst, &EncodeError{Field: "X-Mms-Content-Location", Reason: "mandatory field is empty"}
	}
	if dst, err = appendText(dst, fieldContentLocation, n.ContentLocation); err != nil {
		return dst, err
	}
	if n.DeliveryReport != nil {
		dst = append(dst, 0x80|fieldDeliveryReport, yesNo(*n.DeliveryReport))
	}
	if n.Priority != 0 {
		if n.Priority < PriorityLow || n.Priority > PriorityHigh {
			return dst, &EncodeError{Field: "X-Mms-Priority", Reason: fmt.Sprintf("0x%02X is not 0x80..0x82", byte(n.Priority))}
		}
		dst = append(dst, 0x80|fieldPriority, byte(n.Priority))
	}
	return appendOther(dst, n.Other, notificationFields)
}

// Marshal returns the encoded PDU.
func (n *NotifyRespInd) Marshal() ([]byte, error) { return n.Append(nil) }

// Append appends the encoded m-notifyresp-ind to dst. On error dst is
// returned unchanged in length.
func (n *NotifyRespInd) Append(dst []byte) ([]byte, error) {
	orig := len(dst)
	dst, err := appendLeading(dst, TypeNotifyRespInd, n.TransactionID, n.Version)
	if err != nil {
		return dst[:orig], err
	}
	if n.Status < StatusExpired || n.Status > StatusUnreachable {
		return dst[:orig], &EncodeError{Field: "X-Mms-Status", Reason: fmt.Sprintf("0x%02X is not 0x80..0x87", byte(n.Status))}
	}
	dst = append(dst, 0x80|fieldStatus, byte(n.Status))
	if n.ReportAllowed != nil {
		dst = append(dst, 0x80|fieldReportAllowed, yesNo(*n.ReportAllowed))
	}
	if dst, err = appendOther(dst, n.Other, notifyRespFields); err != nil {
		return dst[:orig], err
	}
	return dst, nil
}

func yesNo(b bool) byte {
	if b {
		return 0x80
	}
	return 0x81
}

func appendLeading(dst []byte, t MessageType, tid string, v Version) ([]byte, error) {
	dst = append(dst, 0x80|fieldMessageType, byte(t))
	if tid == "" {
		return dst, &EncodeError{Field: "X-Mms-Transaction-ID", Reason: "mandatory field is empty"}
	}
	dst, err := appendText(dst, fieldTransactionID, tid)
	if err != nil {
		return dst, err
	}
	if v > 0x7F {
		return dst, &EncodeError{Field: "X-Mms-MMS-Version", Reason: fmt.Sprintf("0x%02X is not a version", byte(v))}
	}
	if v.Major() != 1 {
		return dst, &EncodeError{Field: "X-Mms-MMS-Version", Reason: fmt.Sprintf("version %s: only major version 1 exists", v)}
	}
	return append(dst, 0x80|fieldVersion, 0x80|byte(v)), nil
}

func appendText(dst []byte, code byte, s string) ([]byte, error) {
	out, err := wsp.AppendTextString(append(dst, 0x80|code), s)
	if err != nil {
		return dst, encodeErr(fieldName(code), err)
	}
	return out, nil
}

func appendEncodedString(dst []byte, field string, s *EncodedString) ([]byte, error) {
	if s.Charset == 0 {
		out, err := wsp.AppendTextString(dst, s.Text)
		if err != nil {
			return dst, encodeErr(field, err)
		}
		return out, nil
	}
	var tmp [16]byte
	cs := wsp.AppendIntegerValue(tmp[:0], s.Charset)
	n := len(cs) + wsp.TextStringLen(s.Text)
	out := wsp.AppendValueLength(dst, n)
	out = append(out, cs...)
	out, err := wsp.AppendTextString(out, s.Text)
	if err != nil {
		return dst, encodeErr(field, err)
	}
	return out, nil
}

func encodedStringLen(s *EncodedString) int {
	if s.Charset == 0 {
		return wsp.TextStringLen(s.Text)
	}
	var tmp [16]byte
	n := len(wsp.AppendIntegerValue(tmp[:0], s.Charset)) + wsp.TextStringLen(s.Text)
	return wsp.ValueLengthLen(n) + n
}

func appendFrom(dst []byte, f *From) ([]byte, error) {
	dst = append(dst, 0x80|fieldFrom)
	if f.Insert {
		return append(dst, 1, 0x81), nil
	}
	dst = wsp.AppendValueLength(dst, 1+encodedStringLen(&f.Address))
	return appendEncodedString(append(dst, 0x80), "From", &f.Address)
}

func appendClass(dst []byte, c MessageClass) ([]byte, error) {
	for i, known := range classes {
		if strings.EqualFold(string(c), string(known)) {
			return append(dst, 0x80|fieldMessageClass, 0x80|byte(i)), nil
		}
	}
	if c == "" || c[0] < 0x20 || c[0] >= 0x7F {
		return dst, &EncodeError{Field: "X-Mms-Message-Class", Reason: fmt.Sprintf("%q is neither a registered class nor a token", c)}
	}
	return appendText(dst, fieldMessageClass, string(c))
}

func appendExpiry(dst []byte, e Expiry) ([]byte, error) {
	var token byte
	var v uint64
	if e.Absolute {
		s := e.At.Unix()
		if s < 0 {
			return dst, &EncodeError{Field: "X-Mms-Expiry", Reason: "time before 1970"}
		}
		token, v = 0x80, uint64(s)
	} else {
		if e.After < 0 {
			return dst, &EncodeError{Field: "X-Mms-Expiry", Reason: "negative delay"}
		}
		token, v = 0x81, uint64(e.After/time.Second)
	}
	var tmp [10]byte
	li := wsp.AppendLongInteger(tmp[:0], v)
	dst = wsp.AppendValueLength(append(dst, 0x80|fieldExpiry), 1+len(li))
	dst = append(dst, token)
	return append(dst, li...), nil
}

// Codes that a PDU type interprets itself; Other must not repeat them.
var (
	notificationFields = []byte{fieldMessageType, fieldTransactionID, fieldVersion, fieldFrom,
		fieldSubject, fieldMessageClass, fieldMessageSize, fieldExpiry, fieldContentLocation,
		fieldDeliveryReport, fieldPriority}
	notifyRespFields = []byte{fieldMessageType, fieldTransactionID, fieldVersion, fieldStatus,
		fieldReportAllowed}
)

func appendOther(dst []byte, other []Field, interpreted []byte) ([]byte, error) {
	for _, f := range other {
		name := fieldName(f.Code)
		if f.Code > 0x7F || strings.IndexByte(string(interpreted), f.Code) >= 0 {
			return dst, &EncodeError{Field: name, Reason: "code is not free for an uninterpreted field"}
		}
		r := wsp.NewReader(f.Value)
		if _, err := r.RawValue(name); err != nil || r.Len() != 0 {
			return dst, &EncodeError{Field: name, Reason: "value is not exactly one encoded field value"}
		}
		dst = append(dst, 0x80|f.Code)
		dst = append(dst, f.Value...)
	}
	return dst, nil
}
