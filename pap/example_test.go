package pap_test

import (
	"fmt"
	"strings"

	"github.com/txpush/txpush/pap"
)

func ExampleParseAddress() {
	a, err := pap.ParseAddress("wappush=+358-40-1234567/type=plmn@ppg.example.com")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(a.Value, a.Type, a.Host)
	fmt.Println(a)

	_, err = pap.ParseAddress("WAPPUSH=+358401234567;TYPE=PLMN@ppg.example.com")
	fmt.Println(err)
	// Output:
	// +358401234567 PLMN ppg.example.com
	// WAPPUSH=+358401234567/TYPE=PLMN@ppg.example.com
	// pap: address attribute address-value at offset 21: ";TYPE=" is not the grammar: the type follows "/TYPE=" (2002 Address error)
}

// A PPG reads a push and answers in the version the PI used.
func ExampleReadRequest() {
	body := "--b\r\nContent-Type: application/xml\r\n\r\n" +
		`<?xml version="1.0"?>
<!DOCTYPE pap PUBLIC "-//WAPFORUM//DTD PAP 1.0//EN" "http://www.wapforum.org/DTD/pap_1.0.dtd">
<pap><push-message push-id="p1@pi.example.com">
<address address-value="WAPPUSH=+358401234567/TYPE=PLMN@ppg.example.com"/>
</push-message></pap>` +
		"\r\n--b\r\nContent-Type: text/vnd.wap.sl\r\n\r\n<sl href=\"http://example.com/\"/>\r\n--b--\r\n"
	req, err := pap.ReadRequest(`multipart/related; boundary=b; type="application/xml"`, strings.NewReader(body), 0)
	if err != nil {
		// A PPG would answer pap.NewBadMessageResponse(err).
		fmt.Println(err)
		return
	}
	push := req.Message.(*pap.PushMessage)
	fmt.Println(push.PushID, push.Addresses[0].Value, req.Content.ContentType(), string(req.Content.Body))

	answer, _ := pap.Marshal(&pap.PushResponse{
		Header: pap.Header{Version: push.Version},
		PushID: push.PushID,
		Result: pap.Result{Code: pap.CodeAccepted, Desc: pap.CodeAccepted.Text()},
	})
	fmt.Print(string(answer))
	// Output:
	// p1@pi.example.com +358401234567 text/vnd.wap.sl <sl href="http://example.com/"/>
	// <?xml version="1.0"?>
	// <!DOCTYPE pap PUBLIC "-//WAPFORUM//DTD PAP 1.0//EN" "http://www.wapforum.org/DTD/pap_1.0.dtd">
	// <pap>
	//   <push-response push-id="p1@pi.example.com">
	//     <response-result code="1001" desc="Accepted for processing"/>
	//   </push-response>
	// </pap>
}
