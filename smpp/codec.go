package smpp

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"unsafe"
)

// Unmarshal decodes one PDU. b must hold exactly that PDU: its
// command_length must equal len(b). maxBody bounds the body (the PDU less its
// 16-octet header); maxBody <= 0 means DefaultMaxBody.
//
// The PDU returned does not alias b: its strings, short message and TLVs
// share one private copy of the body. Every error is a *DecodeError whose
// Status is the command_status that answers the fault.
func Unmarshal(b []byte, maxBody int) (PDU, error) {
	if maxBody <= 0 {
		maxBody = DefaultMaxBody
	}
	if len(b) < HeaderLen {
		return nil, &DecodeError{Status: StatusInvCmdLen, Field: "command_length",
			Reason: fmt.Sprintf("%d octets, too few for the %d-octet header", len(b), HeaderLen)}
	}
	length := binary.BigEndian.Uint32(b[0:])
	id := CommandID(binary.BigEndian.Uint32(b[4:]))
	status := Status(binary.BigEndian.Uint32(b[8:]))
	seq := binary.BigEndian.Uint32(b[12:])
	fail := func(st Status, field string, offset int, reason string) *DecodeError {
		return &DecodeError{ID: id, Seq: seq, Status: st, Field: field, Offset: offset, Reason: reason}
	}
	switch {
	case uint64(length) != uint64(len(b)):
		return nil, fail(StatusInvCmdLen, "command_length", 0,
			fmt.Sprintf("command_length %d but the PDU has %d octets", length, len(b)))
	case uint64(length) > uint64(HeaderLen+maxBody):
		return nil, fail(StatusInvCmdLen, "command_length", 0,
			fmt.Sprintf("command_length %d exceeds the limit of %d", length, HeaderLen+maxBody))
	}
	p := New(id)
	if p == nil {
		return nil, fail(StatusInvCmdID, "command_id", 4, "unknown command_id")
	}
	h := p.Hdr()
	h.Status, h.Seq = status, seq

	c := fieldCodec{mode: decoding, id: id, seq: seq}
	if len(b) > HeaderLen {
		c.buf = bytes.Clone(b[HeaderLen:])
	}
	// 3.4 says a response with an error status has no body, yet SMSCs send
	// a lone NUL, a message_id, or a message_id and TLVs (lessons.md): let
	// an error response's body stop at any field boundary.
	c.bodyMayEnd = id.IsResponse() && status != StatusOK
	walk(p, &c)
	if c.derr != nil {
		return nil, c.derr
	}
	if c.off != len(c.buf) {
		return nil, fail(StatusInvCmdLen, "command_length", HeaderLen+c.off,
			fmt.Sprintf("%d octets after the last field of %v, which carries no TLVs", len(c.buf)-c.off, id))
	}
	return p, nil
}

// Append encodes p and appends it to dst: the header with command_length
// computed, then the body. It allocates only when dst lacks the capacity.
// On error dst is returned unchanged and the error is a *EncodeError.
func Append(dst []byte, p PDU) ([]byte, error) {
	if p == nil {
		return dst, &EncodeError{Field: "PDU", Reason: "nil PDU"}
	}
	start := len(dst)
	h := p.Hdr()
	dst = binary.BigEndian.AppendUint32(dst, 0) // command_length, set below
	dst = binary.BigEndian.AppendUint32(dst, uint32(p.CommandID()))
	dst = binary.BigEndian.AppendUint32(dst, uint32(h.Status))
	dst = binary.BigEndian.AppendUint32(dst, h.Seq)
	c := fieldCodec{mode: encoding, id: p.CommandID(), buf: dst}
	walk(p, &c)
	if c.eerr != nil {
		return dst[:start], c.eerr
	}
	binary.BigEndian.PutUint32(c.buf[start:], uint32(len(c.buf)-start))
	return c.buf, nil
}

// walk runs p's field declaration on c. It dispatches with a type switch
// rather than through the PDU interface so that the compiler sees every
// call and keeps c on the stack: the codec then allocates nothing of its own.
func walk(p PDU, c *fieldCodec) {
	switch p := p.(type) {
	case *GenericNack:
		p.fields(c)
	case *BindReceiver:
		p.fields(c)
	case *BindReceiverResp:
		p.fields(c)
	case *BindTransmitter:
		p.fields(c)
	case *BindTransmitterResp:
		p.fields(c)
	case *BindTransceiver:
		p.fields(c)
	case *BindTransceiverResp:
		p.fields(c)
	case *Outbind:
		p.fields(c)
	case *Unbind:
		p.fields(c)
	case *UnbindResp:
		p.fields(c)
	case *SubmitSM:
		p.fields(c)
	case *SubmitSMResp:
		p.fields(c)
	case *SubmitMulti:
		p.fields(c)
	case *SubmitMultiResp:
		p.fields(c)
	case *DeliverSM:
		p.fields(c)
	case *DeliverSMResp:
		p.fields(c)
	case *DataSM:
		p.fields(c)
	case *DataSMResp:
		p.fields(c)
	case *QuerySM:
		p.fields(c)
	case *QuerySMResp:
		p.fields(c)
	case *CancelSM:
		p.fields(c)
	case *CancelSMResp:
		p.fields(c)
	case *ReplaceSM:
		p.fields(c)
	case *ReplaceSMResp:
		p.fields(c)
	case *EnquireLink:
		p.fields(c)
	case *EnquireLinkResp:
		p.fields(c)
	case *AlertNotification:
		p.fields(c)
	default:
		// Unreachable: fields is unexported, so the set of PDUs is closed.
		c.fail("PDU", "not a PDU of this package", StatusSysErr, 0)
	}
}

type codecMode uint8

const (
	decoding codecMode = iota
	encoding
	// filling sets every field to an arbitrary value within its bounds,
	// drawn from fieldCodec.rand: the round-trip tests use it, so the
	// bounds they test are the ones the codec enforces.
	filling
)

// intSource is what filling draws from; *math/rand/v2.Rand is one.
type intSource interface {
	IntN(n int) int
}

// fieldCodec walks a PDU body field by field in one direction. Each PDU
// type declares its body once, as a sequence of calls on a fieldCodec; after
// the first fault every call does nothing.
type fieldCodec struct {
	mode codecMode
	id   CommandID
	seq  uint32
	// buf is, when decoding, the private copy of the body that decoded
	// strings and slices alias; when encoding, the output, header included.
	buf []byte
	off int // decoding: offset in buf of the next field
	// bodyMayEnd lets a decoded body stop at any field boundary, leaving
	// the remaining fields zero (error responses).
	bodyMayEnd bool
	rand       intSource // filling only

	derr *DecodeError
	eerr *EncodeError
}

func (c *fieldCodec) failed() bool { return c.derr != nil || c.eerr != nil }

// done reports whether the walk should skip the next field: after a fault,
// or at the end of a body that may end early.
func (c *fieldCodec) done() bool {
	return c.failed() || (c.mode == decoding && c.bodyMayEnd && c.off == len(c.buf))
}

// fail records a fault at body offset off (decoding) or in field (encoding).
func (c *fieldCodec) fail(field, reason string, st Status, off int) {
	if c.failed() {
		return
	}
	if c.mode == decoding {
		c.derr = &DecodeError{ID: c.id, Seq: c.seq, Status: st, Field: field, Offset: HeaderLen + off, Reason: reason}
		return
	}
	c.eerr = &EncodeError{ID: c.id, Field: field, Reason: reason}
}

// need checks that n more octets remain in the body being decoded.
func (c *fieldCodec) need(n int, field string) bool {
	if left := len(c.buf) - c.off; left < n {
		c.fail(field, fmt.Sprintf("the PDU ends inside the field (%d of %d octets present)", left, n), StatusInvCmdLen, c.off)
		return false
	}
	return true
}

// u8 walks a 1-octet integer.
func (c *fieldCodec) u8(v *byte, field string) {
	if c.done() {
		return
	}
	switch c.mode {
	case decoding:
		if c.need(1, field) {
			*v = c.buf[c.off]
			c.off++
		}
	case encoding:
		c.buf = append(c.buf, *v)
	case filling:
		*v = byte(c.rand.IntN(256))
	}
}

// u32 walks a 4-octet integer.
func (c *fieldCodec) u32(v *uint32, field string) {
	if c.done() {
		return
	}
	switch c.mode {
	case decoding:
		if c.need(4, field) {
			*v = binary.BigEndian.Uint32(c.buf[c.off:])
			c.off += 4
		}
	case encoding:
		c.buf = binary.BigEndian.AppendUint32(c.buf, *v)
	case filling:
		*v = uint32(c.rand.IntN(1 << 32))
	}
}

// cstring walks a C-octet string of at most size octets including its NUL.
// A string with no NUL within size octets is answered with st.
func (c *fieldCodec) cstring(v *string, size int, field string, st Status) {
	if c.done() {
		return
	}
	switch c.mode {
	case decoding:
		rest := c.buf[c.off:]
		n := bytes.IndexByte(rest[:min(size, len(rest))], 0)
		if n < 0 {
			if len(rest) < size {
				c.fail(field, "the PDU ends before the field's NUL terminator", StatusInvCmdLen, c.off)
			} else {
				c.fail(field, fmt.Sprintf("no NUL terminator within %d octets", size), st, c.off)
			}
			return
		}
		if n > 0 {
			// The body copy is private and never written where strings
			// lie, so strings can share it instead of each being copied.
			*v = unsafe.String(&rest[0], n)
		} else {
			*v = ""
		}
		c.off += n + 1
	case encoding:
		if len(*v) >= size {
			c.fail(field, fmt.Sprintf("%d characters, at most %d fit", len(*v), size-1), st, 0)
			return
		}
		if strings.IndexByte(*v, 0) >= 0 {
			c.fail(field, "contains a NUL octet", st, 0)
			return
		}
		c.buf = append(c.buf, *v...)
		c.buf = append(c.buf, 0)
	case filling:
		*v = c.randomText(c.rand.IntN(size))
	}
}

// timeField walks a time field: a C-octet string that is empty or of the form
// YYMMDDhhmmsstnnp, answered with st when it is neither.
func (c *fieldCodec) timeField(v *string, field string, st Status) {
	if c.done() {
		return
	}
	if c.mode == filling {
		*v = c.randomTime()
		return
	}
	start := c.off
	if c.mode == encoding {
		if reason := checkTimeField(*v); reason != "" {
			c.fail(field, reason, st, 0)
			return
		}
	}
	c.cstring(v, timeLen+1, field, st)
	if c.mode == decoding && !c.failed() {
		if reason := checkTimeField(*v); reason != "" {
			c.fail(field, reason, st, start)
		}
	}
}

func checkTimeField(s string) string {
	if s == "" {
		return ""
	}
	return checkTime(s)
}

// shortMessage walks sm_length and short_message.
func (c *fieldCodec) shortMessage(v *[]byte) {
	if c.done() {
		return
	}
	const maxShortMessage = 254 // 3.4 section 5.2.21: sm_length 0 to 254
	switch c.mode {
	case decoding:
		if !c.need(1, "sm_length") {
			return
		}
		start := c.off
		n := int(c.buf[c.off])
		c.off++
		if n > maxShortMessage {
			c.fail("sm_length", fmt.Sprintf("sm_length %d, at most %d allowed", n, maxShortMessage), StatusInvMsgLen, start)
			return
		}
		if left := len(c.buf) - c.off; n > left {
			c.fail("sm_length", fmt.Sprintf("sm_length %d but only %d octets remain", n, left), StatusInvMsgLen, start)
			return
		}
		*v = nil
		if n > 0 {
			// A full slice expression keeps an append to the short message
			// from overwriting the TLVs that follow it.
			*v = c.buf[c.off : c.off+n : c.off+n]
		}
		c.off += n
	case encoding:
		if len(*v) > maxShortMessage {
			c.fail("short_message", fmt.Sprintf("%d octets, at most %d fit (use message_payload)", len(*v), maxShortMessage), StatusInvMsgLen, 0)
			return
		}
		c.buf = append(c.buf, byte(len(*v)))
		c.buf = append(c.buf, *v...)
	case filling:
		*v = c.randomOctets(c.rand.IntN(maxShortMessage + 1))
	}
}

// tlvs walks the optional parameters: the rest of the body.
func (c *fieldCodec) tlvs(v *TLVs) {
	if c.failed() {
		return
	}
	switch c.mode {
	case decoding:
		rest := c.buf[c.off:]
		if f, ok := checkTLVs(rest); !ok {
			c.fail(f.field, f.reason, f.status, c.off+f.offset)
			return
		}
		*v = nil
		if len(rest) > 0 {
			*v = TLVs(rest[:len(rest):len(rest)])
		}
		c.off = len(c.buf)
	case encoding:
		if f, ok := checkTLVs(*v); !ok {
			c.fail(f.field, f.reason, f.status, 0)
			return
		}
		c.buf = append(c.buf, *v...)
	case filling:
		*v = c.randomTLVs()
	}
}

// count walks a 1-octet count of list entries, such as number_of_dests:
// decoding and encoding check it against its bounds, filling draws one.
func (c *fieldCodec) count(v *int, least, most int, field string, st Status) {
	if c.done() {
		return
	}
	switch c.mode {
	case decoding:
		var n byte
		start := c.off
		c.u8(&n, field)
		if !c.failed() && (int(n) < least || int(n) > most) {
			c.fail(field, fmt.Sprintf("%d entries, want %d to %d", n, least, most), st, start)
		}
		*v = int(n)
	case encoding:
		if *v < least || *v > most {
			c.fail(field, fmt.Sprintf("%d entries, want %d to %d", *v, least, most), st, 0)
			return
		}
		n := byte(*v)
		c.u8(&n, field)
	case filling:
		*v = least + c.rand.IntN(most-least+1)
	}
}

// The helpers below serve filling.

func (c *fieldCodec) randomText(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(' ' + c.rand.IntN('~'-' '+1))
	}
	return string(b)
}

func (c *fieldCodec) randomOctets(n int) []byte {
	if n == 0 {
		return nil
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(c.rand.IntN(256))
	}
	return b
}

func (c *fieldCodec) randomTime() string {
	switch c.rand.IntN(3) {
	case 0:
		return ""
	case 1:
		return fmt.Sprintf("%02d%02d%02d%02d%02d%02d%d%02d%c",
			c.rand.IntN(100), 1+c.rand.IntN(12), 1+c.rand.IntN(28), c.rand.IntN(24), c.rand.IntN(60),
			c.rand.IntN(60), c.rand.IntN(10), c.rand.IntN(49), "+-"[c.rand.IntN(2)])
	default:
		return fmt.Sprintf("%012d000R", c.rand.IntN(1e12))
	}
}

func (c *fieldCodec) randomTLVs() TLVs {
	var t TLVs
	for range c.rand.IntN(5) {
		if c.rand.IntN(4) == 0 {
			// A tag no spec defines, which must survive untouched.
			t = appendTLV(t, Tag(0x7000+c.rand.IntN(0x1000)), c.randomOctets(c.rand.IntN(40)))
			continue
		}
		s := tlvSpecs[c.rand.IntN(len(tlvSpecs))]
		n := s.min + c.rand.IntN(min(s.max, 300)-s.min+1)
		t = appendTLV(t, s.tag, c.randomOctets(n))
	}
	return t
}
