package wsp_test

import (
	"fmt"

	"github.com/txpush/txpush/wap/wsp"
)

func ExamplePush_Marshal() {
	p := wsp.Push{
		TID:         3,
		ContentType: wsp.ContentType{Value: "application/vnd.wap.mms-message"},
		Headers:     []wsp.Header{{Name: wsp.HeaderAppID, Value: "x-wap-application:mms.ua"}},
		Body:        []byte{0x8C, 0x82},
	}
	b, err := p.Marshal()
	if err != nil {
		panic(err)
	}
	fmt.Printf("% X\n", b)
	// Output: 03 06 03 BE AF 84 8C 82
}

func ExampleParse() {
	p, err := wsp.Parse([]byte{0x04, 0x06, 0x06, 0x03, 0xAE, 0x81, 0xEA, 0xAF, 0x82, 0x02, 0x05})
	if err != nil {
		panic(err)
	}
	id, uri, _ := p.ApplicationID()
	fmt.Println(p.ContentType.Value, p.ContentType.Params, id, uri, len(p.Body))
	// Output: application/vnd.wap.sic [{charset utf-8}] 2 x-wap-application:wml.ua 2
}
