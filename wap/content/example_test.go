package content_test

import (
	"fmt"

	"github.com/txpush/txpush/wap/content"
	"github.com/txpush/txpush/wap/wdp"
)

func ExampleCompile() {
	p, err := content.Compile(content.Content{
		Type: "text/vnd.wap.sl",
		Body: []byte(`<sl href="https://www.example.org/app/update.wmlc" action="cache"/>`),
	}, content.Options{TID: 2})
	if err != nil {
		panic(err)
	}
	pdu, err := p.Marshal()
	if err != nil {
		panic(err)
	}
	fmt.Println(p.ContentType.Value)
	fmt.Printf("% X\n", pdu)
	// Output:
	// application/vnd.wap.slc
	// 02 06 01 B0 02 06 6A 00 85 0C 03 65 78 61 6D 70 6C 65 00 88 03 61 70 70 2F 75 70 64 61 74 65 2E 77 6D 6C 63 00 07 01
}

func ExampleCompile_error() {
	_, err := content.Compile(content.Content{
		Type: "text/vnd.wap.si",
		Body: []byte("<si>\n  <indication href=\"http://example.com/\" created=\"2024-02-30T00:00:00Z\">x</indication>\n</si>"),
	}, content.Options{})
	fmt.Println(err)
	// Output:
	// text/vnd.wap.si: line 2, offset 46: invalid document: si: element <indication>, attribute "created": "2024-02-30T00:00:00Z": no such day in that month
}

func ExampleSegments() {
	pdu := make([]byte, 207) // a push too long for one SMS
	uds, err := content.Segments(pdu, wdp.SegmentOptions{Ref: 0x2A})
	if err != nil {
		panic(err)
	}
	for _, ud := range uds {
		fmt.Printf("% X ... (%d octets)\n", ud[:12], len(ud))
	}
	// Output:
	// 0B 05 04 0B 84 23 F0 00 03 2A 02 01 ... (140 octets)
	// 0B 05 04 0B 84 23 F0 00 03 2A 02 02 ... (91 octets)
}
