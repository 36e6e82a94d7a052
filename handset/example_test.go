package handset_test

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/txpush/txpush/clock"
	"github.com/txpush/txpush/handset"
	"github.com/txpush/txpush/radio"
	"github.com/txpush/txpush/wap/si"
	"github.com/txpush/txpush/wap/wdp"
	"github.com/txpush/txpush/wap/wsp"
)

// A handset on a virtual clock receives an SI push in two SMS and prints
// its events in the JSON form of `txpush handset`.
func Example() {
	clk := clock.NewVirtual(time.Date(2024, 3, 5, 12, 0, 0, 0, time.UTC))
	enc := json.NewEncoder(os.Stdout)
	h, err := handset.New("358401234567", handset.Config{
		Clock:      clk,
		Reassembly: handset.ReassemblyFeature,
		OnEvent:    func(e handset.Event) { enc.Encode(e) },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer h.Close()

	doc := &si.SI{Href: "http://www.example.com/news", Text: "A long enough announcement to need two short messages, " +
		"since a single SMS carries at most 133 octets of push after its port addressing header."}
	body, _ := doc.MarshalWBXML()
	push, _ := (&wsp.Push{ContentType: wsp.ContentType{Value: si.ContentTypeWBXML}, Body: body}).Marshal()
	parts, _ := wdp.Segment(wdp.Datagram{SrcPort: wdp.PortWSP, DstPort: wdp.PortPush, Payload: push}, wdp.SegmentOptions{Ref: 7})
	for _, ud := range parts {
		h.Receive(radio.SMS{Originator: "PPG", UserData: ud, UDHI: true, DataCoding: 0x04}, clk.Now())
		clk.Advance(1200 * time.Millisecond)
	}
	// Output:
	// {"kind":"segment","at":"2024-03-05T12:00:00.000Z","msisdn":"358401234567","originator":"PPG","ref":7,"total":2,"seq":1,"segments":1,"src_port":9200,"dst_port":2948}
	// {"kind":"push","at":"2024-03-05T12:00:01.200Z","msisdn":"358401234567","originator":"PPG","ref":7,"total":2,"segments":2,"first_segment":"2024-03-05T12:00:00.000Z","last_segment":"2024-03-05T12:00:01.200Z","reassembled":"2024-03-05T12:00:01.200Z","src_port":9200,"dst_port":2948,"content_type":"application/vnd.wap.sic","app_id":"x-wap-application:wml.ua","href":"http://www.example.com/news","text":"A long enough announcement to need two short messages, since a single SMS carries at most 133 octets of push after its port addressing header.","action":"signal-medium"}
}
