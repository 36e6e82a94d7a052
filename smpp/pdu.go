package smpp

// HeaderLen is the length of the PDU header: command_length, command_id,
// command_status, sequence_number.
const HeaderLen = 16

// DefaultMaxBody is the largest PDU body accepted unless configured
// otherwise: a whole WAP push travels in message_payload.
const DefaultMaxBody = 64 * 1024

// Header holds the fields of the PDU header that belong to a PDU's identity
// in a conversation; command_length is computed on encode and command_id
// comes from the PDU's type. Every PDU struct embeds a Header.
type Header struct {
	Status Status // command_status: 0 in requests
	Seq    uint32 // sequence_number, echoed by the response
}

// Hdr returns the header, so that any PDU's status and sequence number can
// be read and set through the PDU interface.
func (h *Header) Hdr() *Header { return h }

// PDU is one SMPP protocol data unit. The set of implementations is closed:
// the types of this package, one per command_id.
type PDU interface {
	CommandID() CommandID
	Hdr() *Header

	// fields declares the PDU's body as a walk over its fields; the one
	// declaration drives decoding, encoding and the round-trip tests.
	fields(c *fieldCodec)
}
