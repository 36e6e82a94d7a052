package mms

import (
	"errors"
	"fmt"

	"github.com/txpush/txpush/wap/wsp"
)

// ErrTruncated is wrapped by a DecodeError when the input ends before the
// field being read is complete. It is the same value as wsp.ErrTruncated.
var ErrTruncated = wsp.ErrTruncated

// DecodeError reports why an octet string is not a valid MMS PDU.
type DecodeError struct {
	Offset int    // octet offset at which the field starts or the fault was found
	Field  string // the field being read, e.g. "X-Mms-Expiry"
	Reason string // what was wrong and what was expected
	Err    error  // ErrTruncated when the input ended early, otherwise nil
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("mms: %s at offset %d: %s", e.Field, e.Offset, e.Reason)
}

// Unwrap returns ErrTruncated for truncated input.
func (e *DecodeError) Unwrap() error { return e.Err }

// EncodeError reports a PDU that cannot be encoded.
type EncodeError struct {
	Field  string
	Reason string
}

func (e *EncodeError) Error() string {
	return fmt.Sprintf("mms: cannot encode %s: %s", e.Field, e.Reason)
}

// fromWSP turns an error of the WSP primitive readers into a DecodeError.
func fromWSP(err error) error {
	var we *wsp.DecodeError
	if errors.As(err, &we) {
		return &DecodeError{Offset: we.Offset, Field: we.Field, Reason: we.Reason, Err: we.Err}
	}
	return err
}

func encodeErr(field string, err error) error {
	var we *wsp.EncodeError
	if errors.As(err, &we) {
		return &EncodeError{Field: field, Reason: we.Reason}
	}
	return &EncodeError{Field: field, Reason: err.Error()}
}
