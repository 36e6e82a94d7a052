package mms_test

import (
	"fmt"
	"time"

	"github.com/txpush/txpush/mms"
)

func ExampleNotificationInd_Marshal() {
	n := mms.NotificationInd{
		TransactionID:   "T1",
		Version:         mms.Version12,
		Class:           mms.ClassPersonal,
		Size:            12345,
		Expiry:          mms.Expiry{After: 7 * 24 * time.Hour},
		ContentLocation: "http://m/1",
	}
	b, err := n.Marshal()
	if err != nil {
		panic(err)
	}
	fmt.Printf("% X\n", b)
	// Output: 8C 82 98 54 31 00 8D 92 8A 80 8E 02 30 39 88 05 81 03 09 3A 80 83 68 74 74 70 3A 2F 2F 6D 2F 31 00
}
