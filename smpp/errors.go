package smpp

import "fmt"

// DecodeError reports why a PDU could not be decoded. It carries what a
// session needs to answer the fault: the command_id and sequence number of
// the offending PDU and the command_status to answer it with (in a
// generic_nack, or in the response to the request when the command_id is
// known).
type DecodeError struct {
	ID     CommandID // command_id as read from the header; 0 if the header itself was short
	Seq    uint32    // sequence_number as read from the header; 0 if the header was short
	Status Status    // the command_status that answers the fault
	Field  string    // the field at fault, e.g. "destination_addr" or "tlv 0x0424"
	Offset int       // octet offset of the fault from the start of the PDU
	Reason string    // what was wrong and what was expected
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("smpp: decoding %v (seq %d): %s at offset %d: %s (%v)",
		e.ID, e.Seq, e.Field, e.Offset, e.Reason, e.Status.String())
}

// Unwrap returns the Status, so that errors.Is(err, StatusInvCmdLen) and the
// like work on decode errors.
func (e *DecodeError) Unwrap() error { return e.Status }

// EncodeError reports a PDU field that cannot be put on the wire, such as a
// string longer than its field's maximum.
type EncodeError struct {
	ID     CommandID // command_id of the PDU being encoded
	Field  string    // the field at fault
	Reason string    // what was wrong and what is allowed
}

func (e *EncodeError) Error() string {
	return fmt.Sprintf("smpp: encoding %v: %s: %s", e.ID, e.Field, e.Reason)
}

// ReceiptError reports delivery receipt text that ParseReceipt could not
// read.
type ReceiptError struct {
	Field  string // the receipt field at fault, e.g. "submit date"
	Offset int    // octet offset of the fault in the text
	Reason string
}

func (e *ReceiptError) Error() string {
	return fmt.Sprintf("smpp: delivery receipt: %s at offset %d: %s", e.Field, e.Offset, e.Reason)
}

// TimeError reports an SMPP time string (schedule_delivery_time,
// validity_period, final_date) that is not of the form YYMMDDhhmmsstnnp.
type TimeError struct {
	Value  string
	Reason string
}

func (e *TimeError) Error() string {
	return fmt.Sprintf("smpp: time %q: %s", e.Value, e.Reason)
}
