package smpp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"iter"
)

// Tag is the tag of an optional parameter (TLV), SMPP 3.4 section 5.3.2.
type Tag uint16

// String returns the spec's name of the tag, e.g. "message_payload", or
// "tlv 0x1234" for a tag this package does not know.
func (tag Tag) String() string {
	if s, ok := lookupTag(tag); ok {
		return s.name
	}
	return fmt.Sprintf("tlv 0x%04X", uint16(tag))
}

// tlvSpec describes a known TLV: its name and the lengths its value may have.
type tlvSpec struct {
	tag      Tag
	name     string
	min, max int
}

func lookupTag(tag Tag) (*tlvSpec, bool) {
	// A plain binary search: the decoder looks up every TLV it reads, and
	// this is several times faster than slices.BinarySearchFunc's callback.
	lo, hi := 0, len(tlvSpecs)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if tlvSpecs[mid].tag < tag {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo < len(tlvSpecs) && tlvSpecs[lo].tag == tag {
		return &tlvSpecs[lo], true
	}
	return nil, false
}

// tlvHeaderLen is the length of a TLV's tag and length fields.
const tlvHeaderLen = 4

// maxTLVValue is the longest value a TLV can carry: its length field has
// 16 bits.
const maxTLVValue = 0xFFFF

// TLVs is the optional-parameter part of a PDU exactly as it is on the wire:
// tag, length, value, tag, length, value ... A decoded PDU's TLVs alias its
// one private copy of the body and copy nothing; TLVs this package does not
// know are kept, and re-encoded untouched and in order.
//
// Like any slice, TLVs shares its backing array: Set and Del may write to
// it, so clone a TLVs (slices.Clone) before changing one that another PDU
// still uses.
type TLVs []byte

// next reads the TLV at offset i of t. ok is false at the end of t or when
// the TLV there is malformed.
func (t TLVs) next(i int) (tag Tag, value []byte, end int, ok bool) {
	if len(t)-i < tlvHeaderLen {
		return 0, nil, i, false
	}
	tag = Tag(binary.BigEndian.Uint16(t[i:]))
	n := int(binary.BigEndian.Uint16(t[i+2:]))
	start := i + tlvHeaderLen
	if len(t)-start < n {
		return 0, nil, i, false
	}
	return tag, t[start : start+n : start+n], start + n, true
}

// find returns the offsets of the first TLV with that tag: where it starts
// and where it ends.
func (t TLVs) find(tag Tag) (start, end int, found bool) {
	for i := 0; ; {
		got, _, next, ok := t.next(i)
		if !ok {
			return 0, 0, false
		}
		if got == tag {
			return i, next, true
		}
		i = next
	}
}

// Get returns the value of the first TLV with that tag. The value aliases t.
func (t TLVs) Get(tag Tag) ([]byte, bool) {
	start, end, ok := t.find(tag)
	if !ok {
		return nil, false
	}
	return t[start+tlvHeaderLen : end : end], true
}

// ErrTLVTooLong is returned by Set (and the setters of variable-length
// TLVs) for a value longer than 65535 octets, the most a TLV's length can
// say; the TLVs are left unchanged.
var ErrTLVTooLong = errors.New("smpp: TLV value longer than 65535 octets")

// Set gives the TLV with that tag the value: the first one present is
// replaced where it stands, otherwise the TLV is appended. A value longer
// than 65535 octets is refused with ErrTLVTooLong.
func (t *TLVs) Set(tag Tag, value []byte) error {
	if len(value) > maxTLVValue {
		return fmt.Errorf("%w: %v of %d octets", ErrTLVTooLong, tag, len(value))
	}
	start, end, ok := t.find(tag)
	if !ok {
		*t = appendTLV(*t, tag, value)
		return nil
	}
	old := *t
	if end-start-tlvHeaderLen == len(value) {
		copy(old[start+tlvHeaderLen:end], value)
		return nil
	}
	// A new length moves what follows: build the stream afresh rather than
	// shift octets that may be shared with the decoded body.
	out := make(TLVs, 0, len(old)-(end-start)+tlvHeaderLen+len(value))
	out = append(out, old[:start]...)
	out = appendTLV(out, tag, value)
	*t = append(out, old[end:]...)
	return nil
}

func appendTLV(dst TLVs, tag Tag, value []byte) TLVs {
	dst = binary.BigEndian.AppendUint16(dst, uint16(tag))
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(value)))
	return append(dst, value...)
}

// Del removes every TLV with that tag.
func (t *TLVs) Del(tag Tag) {
	old := *t
	if _, _, ok := old.find(tag); !ok {
		return
	}
	out := make(TLVs, 0, len(old))
	for i := 0; ; {
		got, _, next, ok := old.next(i)
		if !ok {
			// Keep a malformed tail as it is: Del is not a validator.
			out = append(out, old[i:]...)
			break
		}
		if got != tag {
			out = append(out, old[i:next]...)
		}
		i = next
	}
	*t = out
}

// Each calls fn for every TLV in order until fn returns false. It stops
// silently at a malformed TLV (decoded PDUs never hold one).
func (t TLVs) Each(fn func(tag Tag, value []byte) bool) {
	for i := 0; ; {
		tag, value, next, ok := t.next(i)
		if !ok || !fn(tag, value) {
			return
		}
		i = next
	}
}

// All returns an iterator over the TLVs in order, like Each.
func (t TLVs) All() iter.Seq2[Tag, []byte] {
	return func(yield func(Tag, []byte) bool) { t.Each(yield) }
}

// tlvFault describes a malformed TLV stream: where, which TLV, the
// command_status that answers it and why.
type tlvFault struct {
	offset int
	field  string // "tlv 0x0424", or "optional parameters" for a cut header
	status Status
	reason string
}

func tlvField(tag Tag) string { return fmt.Sprintf("tlv 0x%04X", uint16(tag)) }

// checkTLVs validates a TLV stream: every header complete, every value
// within the stream, and every known TLV of a length its spec allows. It
// allocates only when it reports a fault.
func checkTLVs(t []byte) (tlvFault, bool) {
	for i := 0; i < len(t); {
		if len(t)-i < tlvHeaderLen {
			return tlvFault{offset: i, field: "optional parameters", status: StatusInvOptParStream,
				reason: fmt.Sprintf("%d octets left, too few for a TLV header of 4", len(t)-i)}, false
		}
		tag := Tag(binary.BigEndian.Uint16(t[i:]))
		n := int(binary.BigEndian.Uint16(t[i+2:]))
		if left := len(t) - i - tlvHeaderLen; n > left {
			return tlvFault{offset: i, field: tlvField(tag), status: StatusInvOptParStream,
				reason: fmt.Sprintf("length %d runs past the end of the PDU (%d octets left)", n, left)}, false
		}
		if s, ok := lookupTag(tag); ok && (n < s.min || n > s.max) {
			want := fmt.Sprintf("%d", s.min)
			if s.min != s.max {
				want = fmt.Sprintf("%d to %d", s.min, s.max)
			}
			return tlvFault{offset: i, field: tlvField(tag), status: StatusInvParLen,
				reason: fmt.Sprintf("%s has length %d, want %s", s.name, n, want)}, false
		}
		i += tlvHeaderLen + n
	}
	return tlvFault{}, true
}

// NetworkErrorCode is the value of the network_error_code TLV: the kind of
// network and its own error code, e.g. {NetworkGSM, 27} for a GSM MAP
// absentSubscriber.
type NetworkErrorCode struct {
	Type byte   // NetworkANSI136, NetworkIS95 or NetworkGSM
	Code uint16 // the network's error code
}

// The network types of network_error_code.
const (
	NetworkANSI136 byte = 1
	NetworkIS95    byte = 2
	NetworkGSM     byte = 3
)

func (t TLVs) u8(tag Tag) (byte, bool) {
	v, ok := t.Get(tag)
	if !ok || len(v) != 1 {
		return 0, false
	}
	return v[0], true
}

func (t TLVs) u16(tag Tag) (uint16, bool) {
	v, ok := t.Get(tag)
	if !ok || len(v) != 2 {
		return 0, false
	}
	return binary.BigEndian.Uint16(v), true
}

func (t TLVs) u32(tag Tag) (uint32, bool) {
	v, ok := t.Get(tag)
	if !ok || len(v) != 4 {
		return 0, false
	}
	return binary.BigEndian.Uint32(v), true
}

// cstring returns a C-octet string value without its NUL. Some SMSCs leave
// the NUL out, so it is dropped when present rather than required. The
// string is a copy: a TLV value may later be overwritten in place by Set.
func (t TLVs) cstring(tag Tag) (string, bool) {
	v, ok := t.Get(tag)
	if !ok {
		return "", false
	}
	if n := len(v); n > 0 && v[n-1] == 0 {
		v = v[:n-1]
	}
	return string(v), true
}

func (t TLVs) networkErrorCode(tag Tag) (NetworkErrorCode, bool) {
	v, ok := t.Get(tag)
	if !ok || len(v) != 3 {
		return NetworkErrorCode{}, false
	}
	return NetworkErrorCode{Type: v[0], Code: binary.BigEndian.Uint16(v[1:])}, true
}

func (t TLVs) messageState(tag Tag) (MessageState, bool) {
	v, ok := t.u8(tag)
	return MessageState(v), ok
}

// The fixed-size setters cannot fail: their values are a few octets.
func (t *TLVs) setU8(tag Tag, v byte) { _ = t.Set(tag, []byte{v}) }

func (t *TLVs) setU16(tag Tag, v uint16) {
	var b [2]byte
	binary.BigEndian.PutUint16(b[:], v)
	_ = t.Set(tag, b[:])
}

func (t *TLVs) setU32(tag Tag, v uint32) {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], v)
	_ = t.Set(tag, b[:])
}

func (t *TLVs) setCString(tag Tag, s string) error {
	b := make([]byte, 0, len(s)+1)
	return t.Set(tag, append(append(b, s...), 0))
}

func (t *TLVs) setNetworkErrorCode(tag Tag, v NetworkErrorCode) {
	_ = t.Set(tag, []byte{v.Type, byte(v.Code >> 8), byte(v.Code)})
}

func (t *TLVs) setMessageState(tag Tag, v MessageState) { t.setU8(tag, byte(v)) }

// The TLV tags of SMPP 3.4 section 5.3.2, and congestion_state of SMPP 5.0.
const (
	TagDestAddrSubunit          Tag = 0x0005 // dest_addr_subunit
	TagDestNetworkType          Tag = 0x0006 // dest_network_type
	TagDestBearerType           Tag = 0x0007 // dest_bearer_type
	TagDestTelematicsID         Tag = 0x0008 // dest_telematics_id
	TagSourceAddrSubunit        Tag = 0x000D // source_addr_subunit
	TagSourceNetworkType        Tag = 0x000E // source_network_type
	TagSourceBearerType         Tag = 0x000F // source_bearer_type
	TagSourceTelematicsID       Tag = 0x0010 // source_telematics_id
	TagQOSTimeToLive            Tag = 0x0017 // qos_time_to_live
	TagPayloadType              Tag = 0x0019 // payload_type
	TagAdditionalStatusInfoText Tag = 0x001D // additional_status_info_text
	TagReceiptedMessageID       Tag = 0x001E // receipted_message_id
	TagMSMsgWaitFacilities      Tag = 0x0030 // ms_msg_wait_facilities
	TagPrivacyIndicator         Tag = 0x0201 // privacy_indicator
	TagSourceSubaddress         Tag = 0x0202 // source_subaddress
	TagDestSubaddress           Tag = 0x0203 // dest_subaddress
	TagUserMessageReference     Tag = 0x0204 // user_message_reference
	TagUserResponseCode         Tag = 0x0205 // user_response_code
	TagSourcePort               Tag = 0x020A // source_port
	TagDestinationPort          Tag = 0x020B // destination_port
	TagSarMsgRefNum             Tag = 0x020C // sar_msg_ref_num
	TagLanguageIndicator        Tag = 0x020D // language_indicator
	TagSarTotalSegments         Tag = 0x020E // sar_total_segments
	TagSarSegmentSeqnum         Tag = 0x020F // sar_segment_seqnum
	TagSCInterfaceVersion       Tag = 0x0210 // sc_interface_version
	TagCallbackNumPresInd       Tag = 0x0302 // callback_num_pres_ind
	TagCallbackNumAtag          Tag = 0x0303 // callback_num_atag
	TagNumberOfMessages         Tag = 0x0304 // number_of_messages
	TagCallbackNum              Tag = 0x0381 // callback_num
	TagDPFResult                Tag = 0x0420 // dpf_result
	TagSetDPF                   Tag = 0x0421 // set_dpf
	TagMSAvailabilityStatus     Tag = 0x0422 // ms_availability_status
	TagNetworkErrorCode         Tag = 0x0423 // network_error_code
	TagMessagePayload           Tag = 0x0424 // message_payload
	TagDeliveryFailureReason    Tag = 0x0425 // delivery_failure_reason
	TagMoreMessagesToSend       Tag = 0x0426 // more_messages_to_send
	TagMessageState             Tag = 0x0427 // message_state
	TagCongestionState          Tag = 0x0428 // congestion_state
	TagUSSDServiceOp            Tag = 0x0501 // ussd_service_op
	TagDisplayTime              Tag = 0x1201 // display_time
	TagSMSSignal                Tag = 0x1203 // sms_signal
	TagMSValidity               Tag = 0x1204 // ms_validity
	TagAlertOnMessageDelivery   Tag = 0x130C // alert_on_message_delivery
	TagITSReplyType             Tag = 0x1380 // its_reply_type
	TagITSSessionInfo           Tag = 0x1383 // its_session_info
)

// tlvSpecs lists every known TLV with the lengths its value may have, sorted
// by tag. Decoding rejects a known TLV of another length with ESME_RINVPARLEN.
var tlvSpecs = [...]tlvSpec{
	{TagDestAddrSubunit, "dest_addr_subunit", 1, 1},
	{TagDestNetworkType, "dest_network_type", 1, 1},
	{TagDestBearerType, "dest_bearer_type", 1, 1},
	{TagDestTelematicsID, "dest_telematics_id", 2, 2},
	{TagSourceAddrSubunit, "source_addr_subunit", 1, 1},
	{TagSourceNetworkType, "source_network_type", 1, 1},
	{TagSourceBearerType, "source_bearer_type", 1, 1},
	{TagSourceTelematicsID, "source_telematics_id", 1, 1},
	{TagQOSTimeToLive, "qos_time_to_live", 4, 4},
	{TagPayloadType, "payload_type", 1, 1},
	{TagAdditionalStatusInfoText, "additional_status_info_text", 1, 256},
	{TagReceiptedMessageID, "receipted_message_id", 1, 65},
	{TagMSMsgWaitFacilities, "ms_msg_wait_facilities", 1, 1},
	{TagPrivacyIndicator, "privacy_indicator", 1, 1},
	{TagSourceSubaddress, "source_subaddress", 2, 23},
	{TagDestSubaddress, "dest_subaddress", 2, 23},
	{TagUserMessageReference, "user_message_reference", 2, 2},
	{TagUserResponseCode, "user_response_code", 1, 1},
	{TagSourcePort, "source_port", 2, 2},
	{TagDestinationPort, "destination_port", 2, 2},
	{TagSarMsgRefNum, "sar_msg_ref_num", 2, 2},
	{TagLanguageIndicator, "language_indicator", 1, 1},
	{TagSarTotalSegments, "sar_total_segments", 1, 1},
	{TagSarSegmentSeqnum, "sar_segment_seqnum", 1, 1},
	{TagSCInterfaceVersion, "sc_interface_version", 1, 1},
	{TagCallbackNumPresInd, "callback_num_pres_ind", 1, 1},
	{TagCallbackNumAtag, "callback_num_atag", 0, 65},
	{TagNumberOfMessages, "number_of_messages", 1, 1},
	{TagCallbackNum, "callback_num", 4, 19},
	{TagDPFResult, "dpf_result", 1, 1},
	{TagSetDPF, "set_dpf", 1, 1},
	{TagMSAvailabilityStatus, "ms_availability_status", 1, 1},
	{TagNetworkErrorCode, "network_error_code", 3, 3},
	{TagMessagePayload, "message_payload", 0, 65535},
	{TagDeliveryFailureReason, "delivery_failure_reason", 1, 1},
	{TagMoreMessagesToSend, "more_messages_to_send", 1, 1},
	{TagMessageState, "message_state", 1, 1},
	{TagCongestionState, "congestion_state", 1, 1},
	{TagUSSDServiceOp, "ussd_service_op", 1, 1},
	{TagDisplayTime, "display_time", 1, 1},
	{TagSMSSignal, "sms_signal", 2, 2},
	{TagMSValidity, "ms_validity", 1, 1},
	{TagAlertOnMessageDelivery, "alert_on_message_delivery", 0, 1},
	{TagITSReplyType, "its_reply_type", 1, 1},
	{TagITSSessionInfo, "its_session_info", 2, 2},
}

// DestAddrSubunit returns dest_addr_subunit, the subunit of the destination handset (GSM).
func (t TLVs) DestAddrSubunit() (byte, bool) { return t.u8(TagDestAddrSubunit) }

// SetDestAddrSubunit sets dest_addr_subunit.
func (t *TLVs) SetDestAddrSubunit(v byte) { t.setU8(TagDestAddrSubunit, v) }

// DestNetworkType returns dest_network_type, the network type of the destination.
func (t TLVs) DestNetworkType() (byte, bool) { return t.u8(TagDestNetworkType) }

// SetDestNetworkType sets dest_network_type.
func (t *TLVs) SetDestNetworkType(v byte) { t.setU8(TagDestNetworkType, v) }

// DestBearerType returns dest_bearer_type, the bearer to deliver the message on.
func (t TLVs) DestBearerType() (byte, bool) { return t.u8(TagDestBearerType) }

// SetDestBearerType sets dest_bearer_type.
func (t *TLVs) SetDestBearerType(v byte) { t.setU8(TagDestBearerType, v) }

// DestTelematicsID returns dest_telematics_id, the telematic interworking for the destination.
func (t TLVs) DestTelematicsID() (uint16, bool) { return t.u16(TagDestTelematicsID) }

// SetDestTelematicsID sets dest_telematics_id.
func (t *TLVs) SetDestTelematicsID(v uint16) { t.setU16(TagDestTelematicsID, v) }

// SourceAddrSubunit returns source_addr_subunit, the subunit of the originating handset (GSM).
func (t TLVs) SourceAddrSubunit() (byte, bool) { return t.u8(TagSourceAddrSubunit) }

// SetSourceAddrSubunit sets source_addr_subunit.
func (t *TLVs) SetSourceAddrSubunit(v byte) { t.setU8(TagSourceAddrSubunit, v) }

// SourceNetworkType returns source_network_type, the network type of the originator.
func (t TLVs) SourceNetworkType() (byte, bool) { return t.u8(TagSourceNetworkType) }

// SetSourceNetworkType sets source_network_type.
func (t *TLVs) SetSourceNetworkType(v byte) { t.setU8(TagSourceNetworkType, v) }

// SourceBearerType returns source_bearer_type, the bearer the message came in on.
func (t TLVs) SourceBearerType() (byte, bool) { return t.u8(TagSourceBearerType) }

// SetSourceBearerType sets source_bearer_type.
func (t *TLVs) SetSourceBearerType(v byte) { t.setU8(TagSourceBearerType, v) }

// SourceTelematicsID returns source_telematics_id, the telematic interworking of the originator (1 octet in 3.4, unlike dest_telematics_id).
func (t TLVs) SourceTelematicsID() (byte, bool) { return t.u8(TagSourceTelematicsID) }

// SetSourceTelematicsID sets source_telematics_id.
func (t *TLVs) SetSourceTelematicsID(v byte) { t.setU8(TagSourceTelematicsID, v) }

// QOSTimeToLive returns qos_time_to_live, seconds the message may live.
func (t TLVs) QOSTimeToLive() (uint32, bool) { return t.u32(TagQOSTimeToLive) }

// SetQOSTimeToLive sets qos_time_to_live.
func (t *TLVs) SetQOSTimeToLive(v uint32) { t.setU32(TagQOSTimeToLive, v) }

// PayloadType returns payload_type, 0 WDP (default), 1 WCMP.
func (t TLVs) PayloadType() (byte, bool) { return t.u8(TagPayloadType) }

// SetPayloadType sets payload_type.
func (t *TLVs) SetPayloadType(v byte) { t.setU8(TagPayloadType, v) }

// AdditionalStatusInfoText returns additional_status_info_text, free text explaining a response. A trailing NUL is dropped.
func (t TLVs) AdditionalStatusInfoText() (string, bool) {
	return t.cstring(TagAdditionalStatusInfoText)
}

// SetAdditionalStatusInfoText sets additional_status_info_text, adding the NUL terminator.
func (t *TLVs) SetAdditionalStatusInfoText(v string) error {
	return t.setCString(TagAdditionalStatusInfoText, v)
}

// ReceiptedMessageID returns receipted_message_id, the message_id a receipt is about. A trailing NUL is dropped.
func (t TLVs) ReceiptedMessageID() (string, bool) { return t.cstring(TagReceiptedMessageID) }

// SetReceiptedMessageID sets receipted_message_id, adding the NUL terminator.
func (t *TLVs) SetReceiptedMessageID(v string) error { return t.setCString(TagReceiptedMessageID, v) }

// MSMsgWaitFacilities returns ms_msg_wait_facilities, the message waiting indication.
func (t TLVs) MSMsgWaitFacilities() (byte, bool) { return t.u8(TagMSMsgWaitFacilities) }

// SetMSMsgWaitFacilities sets ms_msg_wait_facilities.
func (t *TLVs) SetMSMsgWaitFacilities(v byte) { t.setU8(TagMSMsgWaitFacilities, v) }

// PrivacyIndicator returns privacy_indicator, the privacy level (CDMA, TDMA).
func (t TLVs) PrivacyIndicator() (byte, bool) { return t.u8(TagPrivacyIndicator) }

// SetPrivacyIndicator sets privacy_indicator.
func (t *TLVs) SetPrivacyIndicator(v byte) { t.setU8(TagPrivacyIndicator, v) }

// SourceSubaddress returns source_subaddress, the originator's subaddress. The slice aliases t.
func (t TLVs) SourceSubaddress() ([]byte, bool) { return t.Get(TagSourceSubaddress) }

// SetSourceSubaddress sets source_subaddress.
func (t *TLVs) SetSourceSubaddress(v []byte) error { return t.Set(TagSourceSubaddress, v) }

// DestSubaddress returns dest_subaddress, the destination's subaddress. The slice aliases t.
func (t TLVs) DestSubaddress() ([]byte, bool) { return t.Get(TagDestSubaddress) }

// SetDestSubaddress sets dest_subaddress.
func (t *TLVs) SetDestSubaddress(v []byte) error { return t.Set(TagDestSubaddress, v) }

// UserMessageReference returns user_message_reference, the ESME's own reference, echoed in receipts.
func (t TLVs) UserMessageReference() (uint16, bool) { return t.u16(TagUserMessageReference) }

// SetUserMessageReference sets user_message_reference.
func (t *TLVs) SetUserMessageReference(v uint16) { t.setU16(TagUserMessageReference, v) }

// UserResponseCode returns user_response_code, a user response code (CDMA, TDMA).
func (t TLVs) UserResponseCode() (byte, bool) { return t.u8(TagUserResponseCode) }

// SetUserResponseCode sets user_response_code.
func (t *TLVs) SetUserResponseCode(v byte) { t.setU8(TagUserResponseCode, v) }

// SourcePort returns source_port, the originating application port (WDP).
func (t TLVs) SourcePort() (uint16, bool) { return t.u16(TagSourcePort) }

// SetSourcePort sets source_port.
func (t *TLVs) SetSourcePort(v uint16) { t.setU16(TagSourcePort, v) }

// DestinationPort returns destination_port, the destination application port (WDP).
func (t TLVs) DestinationPort() (uint16, bool) { return t.u16(TagDestinationPort) }

// SetDestinationPort sets destination_port.
func (t *TLVs) SetDestinationPort(v uint16) { t.setU16(TagDestinationPort, v) }

// SarMsgRefNum returns sar_msg_ref_num, the reference shared by the segments of a message.
func (t TLVs) SarMsgRefNum() (uint16, bool) { return t.u16(TagSarMsgRefNum) }

// SetSarMsgRefNum sets sar_msg_ref_num.
func (t *TLVs) SetSarMsgRefNum(v uint16) { t.setU16(TagSarMsgRefNum, v) }

// LanguageIndicator returns language_indicator, the language of the message.
func (t TLVs) LanguageIndicator() (byte, bool) { return t.u8(TagLanguageIndicator) }

// SetLanguageIndicator sets language_indicator.
func (t *TLVs) SetLanguageIndicator(v byte) { t.setU8(TagLanguageIndicator, v) }

// SarTotalSegments returns sar_total_segments, the number of segments of a message.
func (t TLVs) SarTotalSegments() (byte, bool) { return t.u8(TagSarTotalSegments) }

// SetSarTotalSegments sets sar_total_segments.
func (t *TLVs) SetSarTotalSegments(v byte) { t.setU8(TagSarTotalSegments, v) }

// SarSegmentSeqnum returns sar_segment_seqnum, the number of this segment, from 1.
func (t TLVs) SarSegmentSeqnum() (byte, bool) { return t.u8(TagSarSegmentSeqnum) }

// SetSarSegmentSeqnum sets sar_segment_seqnum.
func (t *TLVs) SetSarSegmentSeqnum(v byte) { t.setU8(TagSarSegmentSeqnum, v) }

// SCInterfaceVersion returns sc_interface_version, the SMPP version the SMSC speaks (0x34), in bind responses.
func (t TLVs) SCInterfaceVersion() (byte, bool) { return t.u8(TagSCInterfaceVersion) }

// SetSCInterfaceVersion sets sc_interface_version.
func (t *TLVs) SetSCInterfaceVersion(v byte) { t.setU8(TagSCInterfaceVersion, v) }

// CallbackNumPresInd returns callback_num_pres_ind, presentation and screening of the callback number.
func (t TLVs) CallbackNumPresInd() (byte, bool) { return t.u8(TagCallbackNumPresInd) }

// SetCallbackNumPresInd sets callback_num_pres_ind.
func (t *TLVs) SetCallbackNumPresInd(v byte) { t.setU8(TagCallbackNumPresInd, v) }

// CallbackNumAtag returns callback_num_atag, the alphanumeric display tag of the callback number. The slice aliases t.
func (t TLVs) CallbackNumAtag() ([]byte, bool) { return t.Get(TagCallbackNumAtag) }

// SetCallbackNumAtag sets callback_num_atag.
func (t *TLVs) SetCallbackNumAtag(v []byte) error { return t.Set(TagCallbackNumAtag, v) }

// NumberOfMessages returns number_of_messages, the number of messages waiting in a mailbox.
func (t TLVs) NumberOfMessages() (byte, bool) { return t.u8(TagNumberOfMessages) }

// SetNumberOfMessages sets number_of_messages.
func (t *TLVs) SetNumberOfMessages(v byte) { t.setU8(TagNumberOfMessages, v) }

// CallbackNum returns callback_num, a callback number. The slice aliases t.
func (t TLVs) CallbackNum() ([]byte, bool) { return t.Get(TagCallbackNum) }

// SetCallbackNum sets callback_num.
func (t *TLVs) SetCallbackNum(v []byte) error { return t.Set(TagCallbackNum, v) }

// DPFResult returns dpf_result, whether a delivery pending flag was set (responses).
func (t TLVs) DPFResult() (byte, bool) { return t.u8(TagDPFResult) }

// SetDPFResult sets dpf_result.
func (t *TLVs) SetDPFResult(v byte) { t.setU8(TagDPFResult, v) }

// SetDPF returns (it does not set) set_dpf, whether to set a delivery pending flag on failure.
func (t TLVs) SetDPF() (byte, bool) { return t.u8(TagSetDPF) }

// SetSetDPF sets set_dpf.
func (t *TLVs) SetSetDPF(v byte) { t.setU8(TagSetDPF, v) }

// MSAvailabilityStatus returns ms_availability_status, 0 available, 1 denied, 2 unavailable (alert_notification).
func (t TLVs) MSAvailabilityStatus() (byte, bool) { return t.u8(TagMSAvailabilityStatus) }

// SetMSAvailabilityStatus sets ms_availability_status.
func (t *TLVs) SetMSAvailabilityStatus(v byte) { t.setU8(TagMSAvailabilityStatus, v) }

// NetworkErrorCode returns network_error_code, the network's own error: type and code.
func (t TLVs) NetworkErrorCode() (NetworkErrorCode, bool) {
	return t.networkErrorCode(TagNetworkErrorCode)
}

// SetNetworkErrorCode sets network_error_code.
func (t *TLVs) SetNetworkErrorCode(v NetworkErrorCode) { t.setNetworkErrorCode(TagNetworkErrorCode, v) }

// MessagePayload returns message_payload, the message itself, instead of short_message. The slice aliases t.
func (t TLVs) MessagePayload() ([]byte, bool) { return t.Get(TagMessagePayload) }

// SetMessagePayload sets message_payload.
func (t *TLVs) SetMessagePayload(v []byte) error { return t.Set(TagMessagePayload, v) }

// DeliveryFailureReason returns delivery_failure_reason, why a transaction-mode delivery failed (data_sm_resp).
func (t TLVs) DeliveryFailureReason() (byte, bool) { return t.u8(TagDeliveryFailureReason) }

// SetDeliveryFailureReason sets delivery_failure_reason.
func (t *TLVs) SetDeliveryFailureReason(v byte) { t.setU8(TagDeliveryFailureReason, v) }

// MoreMessagesToSend returns more_messages_to_send, 1 when more messages follow for the same handset.
func (t TLVs) MoreMessagesToSend() (byte, bool) { return t.u8(TagMoreMessagesToSend) }

// SetMoreMessagesToSend sets more_messages_to_send.
func (t *TLVs) SetMoreMessagesToSend(v byte) { t.setU8(TagMoreMessagesToSend, v) }

// MessageState returns message_state, the state of the message a receipt is about.
func (t TLVs) MessageState() (MessageState, bool) { return t.messageState(TagMessageState) }

// SetMessageState sets message_state.
func (t *TLVs) SetMessageState(v MessageState) { t.setMessageState(TagMessageState, v) }

// CongestionState returns congestion_state, the sender's load, 0-100 (SMPP 5.0).
func (t TLVs) CongestionState() (byte, bool) { return t.u8(TagCongestionState) }

// SetCongestionState sets congestion_state.
func (t *TLVs) SetCongestionState(v byte) { t.setU8(TagCongestionState, v) }

// USSDServiceOp returns ussd_service_op, the USSD operation.
func (t TLVs) USSDServiceOp() (byte, bool) { return t.u8(TagUSSDServiceOp) }

// SetUSSDServiceOp sets ussd_service_op.
func (t *TLVs) SetUSSDServiceOp(v byte) { t.setU8(TagUSSDServiceOp, v) }

// DisplayTime returns display_time, how long the handset displays the message (CDMA, TDMA).
func (t TLVs) DisplayTime() (byte, bool) { return t.u8(TagDisplayTime) }

// SetDisplayTime sets display_time.
func (t *TLVs) SetDisplayTime(v byte) { t.setU8(TagDisplayTime, v) }

// SMSSignal returns sms_signal, the alerting tone (TDMA).
func (t TLVs) SMSSignal() (uint16, bool) { return t.u16(TagSMSSignal) }

// SetSMSSignal sets sms_signal.
func (t *TLVs) SetSMSSignal(v uint16) { t.setU16(TagSMSSignal, v) }

// MSValidity returns ms_validity, how long the handset keeps the message (CDMA, TDMA).
func (t TLVs) MSValidity() (byte, bool) { return t.u8(TagMSValidity) }

// SetMSValidity sets ms_validity.
func (t *TLVs) SetMSValidity(v byte) { t.setU8(TagMSValidity, v) }

// AlertOnMessageDelivery reports whether alert_on_message_delivery is present: asks the handset to alert the user (CDMA).
func (t TLVs) AlertOnMessageDelivery() bool { _, ok := t.Get(TagAlertOnMessageDelivery); return ok }

// SetAlertOnMessageDelivery adds alert_on_message_delivery with an empty value, as SMPP 3.4 defines it.
func (t *TLVs) SetAlertOnMessageDelivery() { _ = t.Set(TagAlertOnMessageDelivery, nil) }

// ITSReplyType returns its_reply_type, the reply method expected (CDMA).
func (t TLVs) ITSReplyType() (byte, bool) { return t.u8(TagITSReplyType) }

// SetITSReplyType sets its_reply_type.
func (t *TLVs) SetITSReplyType(v byte) { t.setU8(TagITSReplyType, v) }

// ITSSessionInfo returns its_session_info, the session of an interactive teleservice (CDMA).
func (t TLVs) ITSSessionInfo() (uint16, bool) { return t.u16(TagITSSessionInfo) }

// SetITSSessionInfo sets its_session_info.
func (t *TLVs) SetITSSessionInfo(v uint16) { t.setU16(TagITSSessionInfo, v) }
