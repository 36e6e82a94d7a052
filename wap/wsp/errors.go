package wsp

import (
	"errors"
	"fmt"
)

// ErrTruncated is wrapped by a DecodeError when the input ends before the
// field being read is complete.
var ErrTruncated = errors.New("input ends early")

// DecodeError reports why an octet string is not a valid encoding.
type DecodeError struct {
	Offset int    // octet offset in the input at which the field starts or the fault was found
	Field  string // the field being read, e.g. "HeadersLen"
	Reason string // what was wrong and what was expected
	Err    error  // ErrTruncated when the input ended early, otherwise nil
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("wsp: %s at offset %d: %s", e.Field, e.Offset, e.Reason)
}

// Unwrap returns ErrTruncated for truncated input.
func (e *DecodeError) Unwrap() error { return e.Err }

// EncodeError reports a value that cannot be encoded.
type EncodeError struct {
	Field  string // the field that could not be encoded
	Reason string // why
}

func (e *EncodeError) Error() string {
	return fmt.Sprintf("wsp: cannot encode %s: %s", e.Field, e.Reason)
}
