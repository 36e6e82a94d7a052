package smpp

import "fmt"

// CommandID is an SMPP command_id (3.4 section 5.1.2).
type CommandID uint32

// The command_ids of SMPP 3.4.
const (
	GenericNackID         CommandID = 0x80000000
	BindReceiverID        CommandID = 0x00000001
	BindReceiverRespID    CommandID = 0x80000001
	BindTransmitterID     CommandID = 0x00000002
	BindTransmitterRespID CommandID = 0x80000002
	QuerySMID             CommandID = 0x00000003
	QuerySMRespID         CommandID = 0x80000003
	SubmitSMID            CommandID = 0x00000004
	SubmitSMRespID        CommandID = 0x80000004
	DeliverSMID           CommandID = 0x00000005
	DeliverSMRespID       CommandID = 0x80000005
	UnbindID              CommandID = 0x00000006
	UnbindRespID          CommandID = 0x80000006
	ReplaceSMID           CommandID = 0x00000007
	ReplaceSMRespID       CommandID = 0x80000007
	CancelSMID            CommandID = 0x00000008
	CancelSMRespID        CommandID = 0x80000008
	BindTransceiverID     CommandID = 0x00000009
	BindTransceiverRespID CommandID = 0x80000009
	OutbindID             CommandID = 0x0000000B
	EnquireLinkID         CommandID = 0x00000015
	EnquireLinkRespID     CommandID = 0x80000015
	SubmitMultiID         CommandID = 0x00000021
	SubmitMultiRespID     CommandID = 0x80000021
	AlertNotificationID   CommandID = 0x00000102
	DataSMID              CommandID = 0x00000103
	DataSMRespID          CommandID = 0x80000103
)

const respBit CommandID = 0x80000000

var commandNames = map[CommandID]string{
	GenericNackID:         "generic_nack",
	BindReceiverID:        "bind_receiver",
	BindReceiverRespID:    "bind_receiver_resp",
	BindTransmitterID:     "bind_transmitter",
	BindTransmitterRespID: "bind_transmitter_resp",
	QuerySMID:             "query_sm",
	QuerySMRespID:         "query_sm_resp",
	SubmitSMID:            "submit_sm",
	SubmitSMRespID:        "submit_sm_resp",
	DeliverSMID:           "deliver_sm",
	DeliverSMRespID:       "deliver_sm_resp",
	UnbindID:              "unbind",
	UnbindRespID:          "unbind_resp",
	ReplaceSMID:           "replace_sm",
	ReplaceSMRespID:       "replace_sm_resp",
	CancelSMID:            "cancel_sm",
	CancelSMRespID:        "cancel_sm_resp",
	BindTransceiverID:     "bind_transceiver",
	BindTransceiverRespID: "bind_transceiver_resp",
	OutbindID:             "outbind",
	EnquireLinkID:         "enquire_link",
	EnquireLinkRespID:     "enquire_link_resp",
	SubmitMultiID:         "submit_multi",
	SubmitMultiRespID:     "submit_multi_resp",
	AlertNotificationID:   "alert_notification",
	DataSMID:              "data_sm",
	DataSMRespID:          "data_sm_resp",
}

func (id CommandID) String() string {
	if n, ok := commandNames[id]; ok {
		return n
	}
	return fmt.Sprintf("command_id(0x%08X)", uint32(id))
}

// Known reports whether id is a command_id of SMPP 3.4.
func (id CommandID) Known() bool { _, ok := commandNames[id]; return ok }

// IsResponse reports whether id has the response bit set.
func (id CommandID) IsResponse() bool { return id&respBit != 0 }

// Response returns the command_id of the response to request id, and false
// when the request has no response (outbind, alert_notification) or id is
// not a known request.
func (id CommandID) Response() (CommandID, bool) {
	if id.IsResponse() || id == OutbindID || id == AlertNotificationID || !id.Known() {
		return 0, false
	}
	return id | respBit, true
}
