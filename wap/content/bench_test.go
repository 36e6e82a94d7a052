package content

import "testing"

// typicalSI is the SI a PPG compiles most: href, si-id, created and a
// 60-character message.
var typicalSI = []byte(`<?xml version="1.0"?>
<!DOCTYPE si PUBLIC "-//WAPFORUM//DTD SI 1.0//EN" "http://www.wapforum.org/DTD/si.dtd">
<si>
  <indication href="http://www.example.com/inbox/msg?id=42" si-id="mail-42@example.com" created="2024-03-05T12:30:00Z">New message from Alice Smith: lunch at noon on Friday, okay?</indication>
</si>
`)

// BenchmarkCompileSI measures the PPG's whole content step for a typical
// SI: XML to the octets of the WSP push PDU, appended to a reused buffer.
func BenchmarkCompileSI(b *testing.B) {
	c := Content{Type: "text/vnd.wap.si", Body: typicalSI}
	var buf []byte
	b.ReportAllocs()
	b.SetBytes(int64(len(typicalSI)))
	for b.Loop() {
		p, err := Compile(c, Options{TID: 1})
		if err != nil {
			b.Fatal(err)
		}
		if buf, err = p.Append(buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompileMMS measures a pass-through: the m-notification-ind is
// parsed to check it and wrapped with the implied application id.
func BenchmarkCompileMMS(b *testing.B) {
	c := Content{Type: MMSContentType, Body: readVector(b, "v06-mms-notification-ind", "m-notification-ind.bin")}
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		p, err := Compile(c, Options{TID: 1})
		if err != nil {
			b.Fatal(err)
		}
		if buf, err = p.Append(buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
}
