package wdp_test

import (
	"fmt"
	"time"

	"github.com/txpush/txpush/clock"
	"github.com/txpush/txpush/wap/wdp"
)

func ExampleSegment() {
	push := make([]byte, 207)
	parts, err := wdp.Segment(wdp.Datagram{SrcPort: wdp.PortWSP, DstPort: wdp.PortPush, Payload: push},
		wdp.SegmentOptions{Ref: 0x2A})
	if err != nil {
		panic(err)
	}
	for _, ud := range parts {
		fmt.Printf("% X | %d octets\n", ud[:12], len(ud)-12)
	}
	// Output:
	// 0B 05 04 0B 84 23 F0 00 03 2A 02 01 | 128 octets
	// 0B 05 04 0B 84 23 F0 00 03 2A 02 02 | 79 octets
}

func ExampleReassembler() {
	clk := clock.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	r := wdp.NewReassembler(wdp.ReassemblerConfig{
		Clock:   clk,
		Timeout: time.Minute,
		OnResult: func(res wdp.Result) {
			fmt.Println(res.Outcome, "with parts", len(res.Parts), "at", clk.Now().Format("15:04:05"))
		},
	})
	parts, _ := wdp.Segment(wdp.Datagram{SrcPort: wdp.PortWSP, DstPort: wdp.PortPush, Payload: make([]byte, 300)},
		wdp.SegmentOptions{Ref: 7})
	res, _ := r.Add("+358401234567", parts[2])
	fmt.Println(res.Outcome)
	clk.Advance(time.Minute)
	// Output:
	// pending
	// timed out with parts 1 at 00:01:00
}
