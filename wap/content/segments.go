package content

import (
	"fmt"

	"github.com/txpush/txpush/wap/wdp"
)

// Segments cuts an encoded push PDU into the user data of the SMS that
// carry it: WDP over GSM SMS from the WSP connectionless port 9200 to the
// handset's connectionless push port 2948, one SMS with the port IE alone
// when the PDU fits (133 octets), else concatenated parts as opt says (see
// wdp.Segment). The parts share one backing array.
func Segments(pushPDU []byte, opt wdp.SegmentOptions) ([][]byte, error) {
	return wdp.Segment(wdp.Datagram{SrcPort: wdp.PortWSP, DstPort: wdp.PortPush, Payload: pushPDU}, opt)
}

// PartCount returns how many SMS the push of c needs, compiled with opts.
func PartCount(c Content, opts Options) (int, error) {
	push, err := Compile(c, opts)
	if err != nil {
		return 0, err
	}
	pdu, err := push.Marshal()
	if err != nil {
		return 0, err
	}
	return wdp.PartCount(len(pdu), false), nil
}

// PaddingFor returns the least padding, from 0 to max, with which build
// makes a content that compiles (with opts) into a push needing exactly
// parts SMS: how a load generator or a simulator makes pushes of a given
// size. The push must not shrink as the padding grows.
func PaddingFor(parts, max int, opts Options, build func(pad int) (Content, error)) (int, error) {
	count := func(pad int) (int, error) {
		c, err := build(pad)
		if err != nil {
			return 0, err
		}
		return PartCount(c, opts)
	}
	lo, hi := 0, max
	for lo < hi {
		mid := (lo + hi) / 2
		n, err := count(mid)
		if err != nil {
			return 0, err
		}
		if n >= parts {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	n, err := count(lo)
	if err != nil {
		return 0, err
	}
	if n != parts {
		return 0, fmt.Errorf("content: no padding up to %d makes a push of exactly %d SMS", max, parts)
	}
	return lo, nil
}
