package sms_test

import (
	"fmt"

	"github.com/txpush/txpush/sms"
)

func ExampleTextUserData() {
	coding, parts, err := sms.TextUserData("hellohello", 0)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%v DCS %02X UDL %d UD % X\n", coding, coding.DCS(), parts[0].Length, parts[0].Data)
	// Output: GSM 7-bit DCS 00 UDL 10 UD E8 32 9B FD 46 97 D9 EC 37
}

func ExampleSplit() {
	coding, parts := sms.Split("Grüße aus Москва")
	fmt.Println(coding, len(parts))
	// Output: UCS-2 1
}
