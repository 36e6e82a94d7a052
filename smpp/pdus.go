package smpp

// This file declares one struct per command_id of SMPP 3.4 and, in each
// fields method, the body's layout (3.4 chapter 4) with every field's
// maximum size including its NUL.

// Field sizes shared by several PDUs, in octets including the NUL.
const (
	sizeServiceType = 6
	sizeAddr        = 21 // source_addr, destination_addr, dl_name, ...
	sizeAddrLong    = 65 // the addresses of data_sm and alert_notification
	sizeMessageID   = 65
	sizeSystemID    = 16
	sizePassword    = 9
	sizeSystemType  = 13
	sizeAddrRange   = 41
	maxDests        = 254 // number_of_dests, 3.4 section 4.5.1
)

// New returns a zero PDU of the command id, or nil when id is not a
// command of SMPP 3.4.
func New(id CommandID) PDU {
	switch id {
	case GenericNackID:
		return new(GenericNack)
	case BindReceiverID:
		return new(BindReceiver)
	case BindReceiverRespID:
		return new(BindReceiverResp)
	case BindTransmitterID:
		return new(BindTransmitter)
	case BindTransmitterRespID:
		return new(BindTransmitterResp)
	case BindTransceiverID:
		return new(BindTransceiver)
	case BindTransceiverRespID:
		return new(BindTransceiverResp)
	case OutbindID:
		return new(Outbind)
	case UnbindID:
		return new(Unbind)
	case UnbindRespID:
		return new(UnbindResp)
	case SubmitSMID:
		return new(SubmitSM)
	case SubmitSMRespID:
		return new(SubmitSMResp)
	case SubmitMultiID:
		return new(SubmitMulti)
	case SubmitMultiRespID:
		return new(SubmitMultiResp)
	case DeliverSMID:
		return new(DeliverSM)
	case DeliverSMRespID:
		return new(DeliverSMResp)
	case DataSMID:
		return new(DataSM)
	case DataSMRespID:
		return new(DataSMResp)
	case QuerySMID:
		return new(QuerySM)
	case QuerySMRespID:
		return new(QuerySMResp)
	case CancelSMID:
		return new(CancelSM)
	case CancelSMRespID:
		return new(CancelSMResp)
	case ReplaceSMID:
		return new(ReplaceSM)
	case ReplaceSMRespID:
		return new(ReplaceSMResp)
	case EnquireLinkID:
		return new(EnquireLink)
	case EnquireLinkRespID:
		return new(EnquireLinkResp)
	case AlertNotificationID:
		return new(AlertNotification)
	}
	return nil
}

// NewResponse returns the empty response to a request of command id req,
// with the sequence number and status given. When req has no response
// (outbind, alert_notification), is itself a response, or is unknown, it
// returns a GenericNack instead, which is how SMPP answers such a PDU.
func NewResponse(req CommandID, seq uint32, status Status) PDU {
	var p PDU = new(GenericNack)
	if id, ok := req.Response(); ok {
		p = New(id)
	}
	h := p.Hdr()
	h.Seq, h.Status = seq, status
	return p
}

// GenericNack answers a PDU that could not be read or has an unknown
// command_id (4.3). It has no body.
type GenericNack struct{ Header }

// BindParams holds the body shared by the three bind requests (4.1).
type BindParams struct {
	SystemID         string // at most 15 characters
	Password         string // at most 8 characters
	SystemType       string // at most 12 characters
	InterfaceVersion byte   // 0x34 for SMPP 3.4, 0x50 for 5.0
	AddrTON, AddrNPI byte
	AddressRange     string // at most 40 characters
}

// Bind returns the bind parameters, so that code can handle the three bind
// requests alike.
func (b *BindParams) Bind() *BindParams { return b }

func (b *BindParams) fields(c *fieldCodec) {
	c.cstring(&b.SystemID, sizeSystemID, "system_id", StatusInvSysID)
	c.cstring(&b.Password, sizePassword, "password", StatusInvPaswd)
	c.cstring(&b.SystemType, sizeSystemType, "system_type", StatusInvSysTyp)
	c.u8(&b.InterfaceVersion, "interface_version")
	c.u8(&b.AddrTON, "addr_ton")
	c.u8(&b.AddrNPI, "addr_npi")
	c.cstring(&b.AddressRange, sizeAddrRange, "address_range", StatusBindFail)
}

// BindRespParams holds the body shared by the three bind responses.
type BindRespParams struct {
	SystemID string // the SMSC's id, at most 15 characters
	TLVs     TLVs   // sc_interface_version, when the SMSC sends it
}

// BindResp returns the bind response parameters, so that code can handle
// the three bind responses alike.
func (b *BindRespParams) BindResp() *BindRespParams { return b }

func (b *BindRespParams) fields(c *fieldCodec) {
	c.cstring(&b.SystemID, sizeSystemID, "system_id", StatusInvSysID)
	c.tlvs(&b.TLVs)
}

// BindTransmitter asks to bind as a transmitter (4.1.1).
type BindTransmitter struct {
	Header
	BindParams
}

// BindTransmitterResp answers a BindTransmitter.
type BindTransmitterResp struct {
	Header
	BindRespParams
}

// BindReceiver asks to bind as a receiver (4.1.3).
type BindReceiver struct {
	Header
	BindParams
}

// BindReceiverResp answers a BindReceiver.
type BindReceiverResp struct {
	Header
	BindRespParams
}

// BindTransceiver asks to bind as a transceiver (4.1.5).
type BindTransceiver struct {
	Header
	BindParams
}

// BindTransceiverResp answers a BindTransceiver.
type BindTransceiverResp struct {
	Header
	BindRespParams
}

// Outbind asks an ESME to bind as a receiver (4.1.7). It has no response.
type Outbind struct {
	Header
	SystemID string // at most 15 characters
	Password string // at most 8 characters
}

func (p *Outbind) fields(c *fieldCodec) {
	c.cstring(&p.SystemID, sizeSystemID, "system_id", StatusInvSysID)
	c.cstring(&p.Password, sizePassword, "password", StatusInvPaswd)
}

// Unbind ends a session (4.2).
type Unbind struct{ Header }

// UnbindResp answers an Unbind.
type UnbindResp struct{ Header }

// ShortMessage holds the body shared by submit_sm (4.4) and deliver_sm
// (4.6), which have the same layout.
type ShortMessage struct {
	ServiceType   string // at most 5 characters; "" is the SMSC default
	SourceAddrTON byte
	SourceAddrNPI byte
	SourceAddr    string // at most 20 characters
	DestAddrTON   byte
	DestAddrNPI   byte
	// DestinationAddr is at most 20 characters.
	DestinationAddr string
	ESMClass        byte // messaging mode, message type and GSM features
	ProtocolID      byte
	PriorityFlag    byte
	// ScheduleDeliveryTime and ValidityPeriod are "" or a time string of
	// the form YYMMDDhhmmsstnnp (see ParseTime, AbsoluteTime, RelativeTime).
	ScheduleDeliveryTime string
	ValidityPeriod       string
	RegisteredDelivery   byte
	ReplaceIfPresentFlag byte
	DataCoding           byte
	SMDefaultMsgID       byte
	// ShortMessage is at most 254 octets; sm_length is its length. Longer
	// messages travel in the message_payload TLV instead.
	ShortMessage []byte
	TLVs         TLVs
}

func (m *ShortMessage) fields(c *fieldCodec) {
	c.cstring(&m.ServiceType, sizeServiceType, "service_type", StatusInvSerTyp)
	c.u8(&m.SourceAddrTON, "source_addr_ton")
	c.u8(&m.SourceAddrNPI, "source_addr_npi")
	c.cstring(&m.SourceAddr, sizeAddr, "source_addr", StatusInvSrcAdr)
	c.u8(&m.DestAddrTON, "dest_addr_ton")
	c.u8(&m.DestAddrNPI, "dest_addr_npi")
	c.cstring(&m.DestinationAddr, sizeAddr, "destination_addr", StatusInvDstAdr)
	c.u8(&m.ESMClass, "esm_class")
	c.u8(&m.ProtocolID, "protocol_id")
	c.u8(&m.PriorityFlag, "priority_flag")
	c.timeField(&m.ScheduleDeliveryTime, "schedule_delivery_time", StatusInvSched)
	c.timeField(&m.ValidityPeriod, "validity_period", StatusInvExpiry)
	c.u8(&m.RegisteredDelivery, "registered_delivery")
	c.u8(&m.ReplaceIfPresentFlag, "replace_if_present_flag")
	c.u8(&m.DataCoding, "data_coding")
	c.u8(&m.SMDefaultMsgID, "sm_default_msg_id")
	c.shortMessage(&m.ShortMessage)
	c.tlvs(&m.TLVs)
}

// SubmitSM submits a short message to the SMSC (4.4).
type SubmitSM struct {
	Header
	ShortMessage
}

// messageIDResp holds the body shared by submit_sm_resp, deliver_sm_resp
// and data_sm_resp.
//
// An error response is encoded with its message_id even when that is empty,
// so a failed submit_sm_resp is the header and one NUL octet. 3.4 says the
// body is not returned on error, but most SMSCs send the lone NUL, and
// node-smpp, Kannel and this package's decoder all accept both forms; a
// fixed layout keeps encoding free of status-dependent cases.
func messageIDResp(c *fieldCodec, id *string, tlvs *TLVs) {
	c.cstring(id, sizeMessageID, "message_id", StatusInvMsgID)
	c.tlvs(tlvs)
}

// SubmitSMResp answers a SubmitSM. Its TLVs are those of SMPP 5.0
// (additional_status_info_text, delivery_failure_reason, network_error_code,
// dpf_result); 3.4 defines none.
type SubmitSMResp struct {
	Header
	MessageID string // the SMSC's id of the message, at most 64 characters
	TLVs      TLVs
}

func (p *SubmitSMResp) fields(c *fieldCodec) { messageIDResp(c, &p.MessageID, &p.TLVs) }

// DestAddress is one destination of a SubmitMulti: an SME address or the
// name of a distribution list kept by the SMSC.
type DestAddress struct {
	// DistributionList makes Addr a dl_name (dest_flag 2) rather than an
	// SME address (dest_flag 1); a distribution list has no TON or NPI.
	DistributionList bool
	TON, NPI         byte
	Addr             string // at most 20 characters
}

// The dest_flag values of submit_multi (4.5.1.1).
const (
	destFlagSME              = 1
	destFlagDistributionList = 2
)

func (d *DestAddress) fields(c *fieldCodec) {
	if c.done() {
		return
	}
	var flag byte = destFlagSME
	start := c.off
	switch c.mode {
	case encoding:
		if d.DistributionList {
			flag = destFlagDistributionList
			if d.TON != 0 || d.NPI != 0 {
				c.fail("dest_flag", "a distribution list has no TON or NPI", StatusInvDestFlag, 0)
				return
			}
		}
		c.u8(&flag, "dest_flag")
	case decoding:
		c.u8(&flag, "dest_flag")
		if !c.failed() && flag != destFlagSME && flag != destFlagDistributionList {
			c.fail("dest_flag", "want 1 (SME address) or 2 (distribution list)", StatusInvDestFlag, start)
			return
		}
		d.DistributionList = flag == destFlagDistributionList
	case filling:
		d.DistributionList = c.rand.IntN(2) == 0
	}
	if d.DistributionList {
		c.cstring(&d.Addr, sizeAddr, "dl_name", StatusInvDLName)
		return
	}
	c.u8(&d.TON, "dest_addr_ton")
	c.u8(&d.NPI, "dest_addr_npi")
	c.cstring(&d.Addr, sizeAddr, "destination_addr", StatusInvDstAdr)
}

// SubmitMulti submits one short message to several destinations (4.5).
type SubmitMulti struct {
	Header
	ServiceType          string
	SourceAddrTON        byte
	SourceAddrNPI        byte
	SourceAddr           string
	DestAddresses        []DestAddress // 1 to 254
	ESMClass             byte
	ProtocolID           byte
	PriorityFlag         byte
	ScheduleDeliveryTime string
	ValidityPeriod       string
	RegisteredDelivery   byte
	ReplaceIfPresentFlag byte
	DataCoding           byte
	SMDefaultMsgID       byte
	ShortMessage         []byte
	TLVs                 TLVs
}

func (p *SubmitMulti) fields(c *fieldCodec) {
	c.cstring(&p.ServiceType, sizeServiceType, "service_type", StatusInvSerTyp)
	c.u8(&p.SourceAddrTON, "source_addr_ton")
	c.u8(&p.SourceAddrNPI, "source_addr_npi")
	c.cstring(&p.SourceAddr, sizeAddr, "source_addr", StatusInvSrcAdr)
	n := len(p.DestAddresses)
	c.count(&n, 1, maxDests, "number_of_dests", StatusInvNumDests)
	if c.mode != encoding && !c.failed() {
		p.DestAddresses = make([]DestAddress, n)
	}
	for i := range p.DestAddresses {
		p.DestAddresses[i].fields(c)
	}
	c.u8(&p.ESMClass, "esm_class")
	c.u8(&p.ProtocolID, "protocol_id")
	c.u8(&p.PriorityFlag, "priority_flag")
	c.timeField(&p.ScheduleDeliveryTime, "schedule_delivery_time", StatusInvSched)
	c.timeField(&p.ValidityPeriod, "validity_period", StatusInvExpiry)
	c.u8(&p.RegisteredDelivery, "registered_delivery")
	c.u8(&p.ReplaceIfPresentFlag, "replace_if_present_flag")
	c.u8(&p.DataCoding, "data_coding")
	c.u8(&p.SMDefaultMsgID, "sm_default_msg_id")
	c.shortMessage(&p.ShortMessage)
	c.tlvs(&p.TLVs)
}

// UnsuccessSME is a destination of a SubmitMulti that the SMSC refused.
type UnsuccessSME struct {
	TON, NPI    byte
	Addr        string // at most 20 characters
	ErrorStatus Status // why this destination failed
}

func (u *UnsuccessSME) fields(c *fieldCodec) {
	c.u8(&u.TON, "dest_addr_ton")
	c.u8(&u.NPI, "dest_addr_npi")
	c.cstring(&u.Addr, sizeAddr, "destination_addr", StatusInvDstAdr)
	c.u32((*uint32)(&u.ErrorStatus), "error_status_code")
}

// SubmitMultiResp answers a SubmitMulti. TLVs are those SMPP 5.0 allows.
type SubmitMultiResp struct {
	Header
	MessageID string
	Unsuccess []UnsuccessSME // at most 254
	TLVs      TLVs
}

func (p *SubmitMultiResp) fields(c *fieldCodec) {
	c.cstring(&p.MessageID, sizeMessageID, "message_id", StatusInvMsgID)
	n := len(p.Unsuccess)
	c.count(&n, 0, maxDests, "no_unsuccess", StatusInvNumDests)
	if c.mode != encoding && !c.failed() {
		p.Unsuccess = nil
		if n > 0 {
			p.Unsuccess = make([]UnsuccessSME, n)
		}
	}
	for i := range p.Unsuccess {
		p.Unsuccess[i].fields(c)
	}
	c.tlvs(&p.TLVs)
}

// DeliverSM delivers a short message or a delivery receipt to an ESME
// (4.6).
type DeliverSM struct {
	Header
	ShortMessage
}

// DeliverSMResp answers a DeliverSM; its message_id is unused and empty.
type DeliverSMResp struct {
	Header
	MessageID string
	TLVs      TLVs
}

func (p *DeliverSMResp) fields(c *fieldCodec) { messageIDResp(c, &p.MessageID, &p.TLVs) }

// DataSM carries a message in either direction, its content in TLVs (4.7).
type DataSM struct {
	Header
	ServiceType        string
	SourceAddrTON      byte
	SourceAddrNPI      byte
	SourceAddr         string // at most 64 characters
	DestAddrTON        byte
	DestAddrNPI        byte
	DestinationAddr    string // at most 64 characters
	ESMClass           byte
	RegisteredDelivery byte
	DataCoding         byte
	TLVs               TLVs
}

func (p *DataSM) fields(c *fieldCodec) {
	c.cstring(&p.ServiceType, sizeServiceType, "service_type", StatusInvSerTyp)
	c.u8(&p.SourceAddrTON, "source_addr_ton")
	c.u8(&p.SourceAddrNPI, "source_addr_npi")
	c.cstring(&p.SourceAddr, sizeAddrLong, "source_addr", StatusInvSrcAdr)
	c.u8(&p.DestAddrTON, "dest_addr_ton")
	c.u8(&p.DestAddrNPI, "dest_addr_npi")
	c.cstring(&p.DestinationAddr, sizeAddrLong, "destination_addr", StatusInvDstAdr)
	c.u8(&p.ESMClass, "esm_class")
	c.u8(&p.RegisteredDelivery, "registered_delivery")
	c.u8(&p.DataCoding, "data_coding")
	c.tlvs(&p.TLVs)
}

// DataSMResp answers a DataSM; in transaction mode its TLVs say why a
// delivery failed (delivery_failure_reason, network_error_code, ...).
type DataSMResp struct {
	Header
	MessageID string
	TLVs      TLVs
}

func (p *DataSMResp) fields(c *fieldCodec) { messageIDResp(c, &p.MessageID, &p.TLVs) }

// QuerySM asks for the state of a submitted message (4.8).
type QuerySM struct {
	Header
	MessageID     string
	SourceAddrTON byte
	SourceAddrNPI byte
	SourceAddr    string
}

func (p *QuerySM) fields(c *fieldCodec) {
	c.cstring(&p.MessageID, sizeMessageID, "message_id", StatusInvMsgID)
	c.u8(&p.SourceAddrTON, "source_addr_ton")
	c.u8(&p.SourceAddrNPI, "source_addr_npi")
	c.cstring(&p.SourceAddr, sizeAddr, "source_addr", StatusInvSrcAdr)
}

// QuerySMResp answers a QuerySM.
type QuerySMResp struct {
	Header
	MessageID    string
	FinalDate    string // "" or YYMMDDhhmmsstnnp: when the message reached its final state
	MessageState MessageState
	ErrorCode    byte // the network's error code
}

func (p *QuerySMResp) fields(c *fieldCodec) {
	c.cstring(&p.MessageID, sizeMessageID, "message_id", StatusInvMsgID)
	c.timeField(&p.FinalDate, "final_date", StatusQueryFail)
	c.u8((*byte)(&p.MessageState), "message_state")
	c.u8(&p.ErrorCode, "error_code")
}

// CancelSM cancels messages not yet delivered (4.9).
type CancelSM struct {
	Header
	ServiceType     string
	MessageID       string
	SourceAddrTON   byte
	SourceAddrNPI   byte
	SourceAddr      string
	DestAddrTON     byte
	DestAddrNPI     byte
	DestinationAddr string
}

func (p *CancelSM) fields(c *fieldCodec) {
	c.cstring(&p.ServiceType, sizeServiceType, "service_type", StatusInvSerTyp)
	c.cstring(&p.MessageID, sizeMessageID, "message_id", StatusInvMsgID)
	c.u8(&p.SourceAddrTON, "source_addr_ton")
	c.u8(&p.SourceAddrNPI, "source_addr_npi")
	c.cstring(&p.SourceAddr, sizeAddr, "source_addr", StatusInvSrcAdr)
	c.u8(&p.DestAddrTON, "dest_addr_ton")
	c.u8(&p.DestAddrNPI, "dest_addr_npi")
	c.cstring(&p.DestinationAddr, sizeAddr, "destination_addr", StatusInvDstAdr)
}

// CancelSMResp answers a CancelSM. It has no body.
type CancelSMResp struct{ Header }

// ReplaceSM replaces a message not yet delivered (4.10).
type ReplaceSM struct {
	Header
	MessageID            string
	SourceAddrTON        byte
	SourceAddrNPI        byte
	SourceAddr           string
	ScheduleDeliveryTime string
	ValidityPeriod       string
	RegisteredDelivery   byte
	SMDefaultMsgID       byte
	ShortMessage         []byte
}

func (p *ReplaceSM) fields(c *fieldCodec) {
	c.cstring(&p.MessageID, sizeMessageID, "message_id", StatusInvMsgID)
	c.u8(&p.SourceAddrTON, "source_addr_ton")
	c.u8(&p.SourceAddrNPI, "source_addr_npi")
	c.cstring(&p.SourceAddr, sizeAddr, "source_addr", StatusInvSrcAdr)
	c.timeField(&p.ScheduleDeliveryTime, "schedule_delivery_time", StatusInvSched)
	c.timeField(&p.ValidityPeriod, "validity_period", StatusInvExpiry)
	c.u8(&p.RegisteredDelivery, "registered_delivery")
	c.u8(&p.SMDefaultMsgID, "sm_default_msg_id")
	c.shortMessage(&p.ShortMessage)
}

// ReplaceSMResp answers a ReplaceSM. It has no body.
type ReplaceSMResp struct{ Header }

// EnquireLink checks that the peer is alive (4.11).
type EnquireLink struct{ Header }

// EnquireLinkResp answers an EnquireLink.
type EnquireLinkResp struct{ Header }

// AlertNotification tells an ESME that a handset it asked about is
// reachable again (4.12). It has no response.
type AlertNotification struct {
	Header
	SourceAddrTON byte
	SourceAddrNPI byte
	SourceAddr    string // the handset, at most 64 characters
	ESMEAddrTON   byte
	ESMEAddrNPI   byte
	ESMEAddr      string // the ESME that asked, at most 64 characters
	TLVs          TLVs   // ms_availability_status
}

func (p *AlertNotification) fields(c *fieldCodec) {
	c.u8(&p.SourceAddrTON, "source_addr_ton")
	c.u8(&p.SourceAddrNPI, "source_addr_npi")
	c.cstring(&p.SourceAddr, sizeAddrLong, "source_addr", StatusInvSrcAdr)
	c.u8(&p.ESMEAddrTON, "esme_addr_ton")
	c.u8(&p.ESMEAddrNPI, "esme_addr_npi")
	c.cstring(&p.ESMEAddr, sizeAddrLong, "esme_addr", StatusInvDstAdr)
	c.tlvs(&p.TLVs)
}

// The bodiless PDUs.

func (*GenericNack) fields(*fieldCodec)     {}
func (*Unbind) fields(*fieldCodec)          {}
func (*UnbindResp) fields(*fieldCodec)      {}
func (*CancelSMResp) fields(*fieldCodec)    {}
func (*ReplaceSMResp) fields(*fieldCodec)   {}
func (*EnquireLink) fields(*fieldCodec)     {}
func (*EnquireLinkResp) fields(*fieldCodec) {}

// CommandID methods.

func (*GenericNack) CommandID() CommandID         { return GenericNackID }
func (*BindReceiver) CommandID() CommandID        { return BindReceiverID }
func (*BindReceiverResp) CommandID() CommandID    { return BindReceiverRespID }
func (*BindTransmitter) CommandID() CommandID     { return BindTransmitterID }
func (*BindTransmitterResp) CommandID() CommandID { return BindTransmitterRespID }
func (*BindTransceiver) CommandID() CommandID     { return BindTransceiverID }
func (*BindTransceiverResp) CommandID() CommandID { return BindTransceiverRespID }
func (*Outbind) CommandID() CommandID             { return OutbindID }
func (*Unbind) CommandID() CommandID              { return UnbindID }
func (*UnbindResp) CommandID() CommandID          { return UnbindRespID }
func (*SubmitSM) CommandID() CommandID            { return SubmitSMID }
func (*SubmitSMResp) CommandID() CommandID        { return SubmitSMRespID }
func (*SubmitMulti) CommandID() CommandID         { return SubmitMultiID }
func (*SubmitMultiResp) CommandID() CommandID     { return SubmitMultiRespID }
func (*DeliverSM) CommandID() CommandID           { return DeliverSMID }
func (*DeliverSMResp) CommandID() CommandID       { return DeliverSMRespID }
func (*DataSM) CommandID() CommandID              { return DataSMID }
func (*DataSMResp) CommandID() CommandID          { return DataSMRespID }
func (*QuerySM) CommandID() CommandID             { return QuerySMID }
func (*QuerySMResp) CommandID() CommandID         { return QuerySMRespID }
func (*CancelSM) CommandID() CommandID            { return CancelSMID }
func (*CancelSMResp) CommandID() CommandID        { return CancelSMRespID }
func (*ReplaceSM) CommandID() CommandID           { return ReplaceSMID }
func (*ReplaceSMResp) CommandID() CommandID       { return ReplaceSMRespID }
func (*EnquireLink) CommandID() CommandID         { return EnquireLinkID }
func (*EnquireLinkResp) CommandID() CommandID     { return EnquireLinkRespID }
func (*AlertNotification) CommandID() CommandID   { return AlertNotificationID }
