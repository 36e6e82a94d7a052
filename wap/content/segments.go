package content

import "github.com/txpush/txpush/wap/wdp"

// Segments cuts an encoded push PDU into the user data of the SMS that
// carry it: WDP over GSM SMS from the WSP connectionless port 9200 to the
// handset's connectionless push port 2948, one SMS with the port IE alone
// when the PDU fits (133 octets), else concatenated parts as opt says (see
// wdp.Segment). The parts share one backing array.
func Segments(pushPDU []byte, opt wdp.SegmentOptions) ([][]byte, error) {
	return wdp.Segment(wdp.Datagram{SrcPort: wdp.PortWSP, DstPort: wdp.PortPush, Payload: pushPDU}, opt)
}
