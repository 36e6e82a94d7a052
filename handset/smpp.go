package handset

import (
	"fmt"

	"github.com/txpush/txpush/smpp"
	"github.com/txpush/txpush/wap/wdp"
)

// The answers a handset gives over SMPP.
//
// A deliver_sm or data_sm that carries a short message is answered
// ESME_ROK once the handset has taken it, whether or not its content
// can be understood: like a phone's RP-ACK, the answer says the SMS
// arrived, and an SMSC must not resend a message whose content is at
// fault. What the handset made of it is reported as events.
//
// A PDU that cannot be an SMS at all is refused with ESME_RX_P_APPN (a
// permanent error of the receiving application), so that the SMSC does not
// retry it: short_message and message_payload both present, or SAR
// parameters out of range. Incomplete SAR parameters (some but not all of
// sar_msg_ref_num, sar_total_segments, sar_segment_seqnum) get
// ESME_RMISSINGOPTPARAM. After Close every message is refused with
// ESME_RX_T_APPN, a temporary error: the handset is off.
//
// A delivery receipt or another esm_class message type is not an SMS for
// the user: it is answered ESME_ROK and reported as an error event. Other
// requests get ESME_RINVCMDID.

// ServeSMPP takes deliver_sm and data_sm for the handset their
// destination_addr names; one without a destination is refused with
// ESME_RINVDSTADR. It makes a Population an smpp.Handler.
func (p *Population) ServeSMPP(w smpp.ResponseWriter, r *smpp.Request) {
	p.serveSMPP(w, r, "")
}

// serveSMPP answers a request for msisdn, or for the destination_addr
// when msisdn is "".
func (p *Population) serveSMPP(w smpp.ResponseWriter, r *smpp.Request, msisdn string) {
	var (
		dest string
		in   inbound
		rej  *rejection
		resp smpp.PDU
	)
	switch pdu := r.PDU.(type) {
	case *smpp.DeliverSM:
		m := &pdu.ShortMessage
		dest = m.DestinationAddr
		in, rej = smppInbound(m.SourceAddr, m.ESMClass, m.DataCoding, m.ShortMessage, m.TLVs)
		resp = &smpp.DeliverSMResp{}
	case *smpp.DataSM:
		dest = pdu.DestinationAddr
		in, rej = smppInbound(pdu.SourceAddr, pdu.ESMClass, pdu.DataCoding, nil, pdu.TLVs)
		resp = &smpp.DataSMResp{}
	default:
		w.Respond(smpp.NewResponse(r.PDU.CommandID(), r.PDU.Hdr().Seq, smpp.StatusInvCmdID))
		return
	}
	if msisdn == "" {
		msisdn = dest
	}
	if msisdn == "" {
		rej = &rejection{status: smpp.StatusInvDstAdr, reason: "no destination_addr: which handset is it for?"}
	}
	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	switch {
	case closed:
		resp.Hdr().Status = smpp.StatusRxTAppn
	case rej != nil:
		resp.Hdr().Status = rej.status
		if msisdn != "" {
			p.fail(Event{At: p.cfg.Clock.Now(), MSISDN: msisdn, Originator: in.originator},
				fmt.Errorf("%v: %s", r.PDU.CommandID(), rej.reason))
		}
	default:
		p.receive(msisdn, in, p.cfg.Clock.Now())
	}
	w.Respond(resp)
}

// rejection is why an SMPP message is not taken as an SMS, and the
// command_status that says so (ESME_ROK for one that is ignored).
type rejection struct {
	status smpp.Status
	reason string
}

// smppInbound turns the fields of a deliver_sm or data_sm into the SMS a
// handset receives. Ports given as source_port/destination_port and
// segmentation given as SAR parameters become the UDH they stand for
// (23.040 IEs 05 and 08) when the message has no UDH of its own.
func smppInbound(source string, esmClass, dataCoding byte, short []byte, tlvs smpp.TLVs) (inbound, *rejection) {
	in := inbound{originator: source, ud: short, udhi: esmClass&0x40 != 0, coding: smppAlphabet(dataCoding)}
	if mt := esmClass & 0x3C; mt != 0 {
		return in, &rejection{status: smpp.StatusOK,
			reason: fmt.Sprintf("esm_class message type 0x%02X (a receipt or acknowledgement) is not an SMS for the handset; ignored", mt)}
	}
	if payload, ok := tlvs.MessagePayload(); ok {
		if len(short) > 0 {
			return in, &rejection{status: smpp.StatusRxPAppn, reason: "both short_message and message_payload are present"}
		}
		in.ud = payload
	}
	if in.udhi {
		return in, nil // the UDH in the user data is what the handset reads
	}
	var udh wdp.UDH
	if dst, ok := tlvs.DestinationPort(); ok {
		src, _ := tlvs.SourcePort()
		udh = append(udh, wdp.Ports{Dst: dst, Src: src}.IE())
	}
	ref, hasRef := tlvs.SarMsgRefNum()
	total, hasTotal := tlvs.SarTotalSegments()
	seq, hasSeq := tlvs.SarSegmentSeqnum()
	switch {
	case hasRef && hasTotal && hasSeq:
		if total == 0 || seq == 0 || seq > total {
			return in, &rejection{status: smpp.StatusRxPAppn,
				reason: fmt.Sprintf("sar_segment_seqnum %d of sar_total_segments %d: want 1..total", seq, total)}
		}
		udh = append(udh, wdp.Concat{Ref: ref, Total: total, Seq: seq, Wide: true}.IE())
	case hasRef || hasTotal || hasSeq:
		return in, &rejection{status: smpp.StatusMissingOptParam,
			reason: "sar_msg_ref_num, sar_total_segments and sar_segment_seqnum must come together"}
	}
	if len(udh) == 0 {
		return in, nil
	}
	ud, err := udh.Append(make([]byte, 0, udh.Len()+len(in.ud)))
	if err != nil { // two IEs of fixed size always fit
		return in, &rejection{status: smpp.StatusRxPAppn, reason: err.Error()}
	}
	in.ud, in.udhi = append(ud, in.ud...), true
	return in, nil
}
