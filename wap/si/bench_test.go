package si

import (
	"encoding/xml"
	"testing"
)

// typicalSI is the SI a PPG compiles most: href, si-id, created and a
// 60-character message.
var typicalSI = []byte(`<?xml version="1.0"?>
<!DOCTYPE si PUBLIC "-//WAPFORUM//DTD SI 1.0//EN" "http://www.wapforum.org/DTD/si.dtd">
<si>
  <indication href="http://www.example.com/inbox/msg?id=42" si-id="mail-42@example.com" created="2024-03-05T12:30:00Z">You have a new message from Alice: lunch at noon tomorrow?</indication>
</si>
`)

// BenchmarkSIEncode measures the PPG's part of a push: SI XML to WBXML.
func BenchmarkSIEncode(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(typicalSI)))
	for b.Loop() {
		s, err := Parse(typicalSI)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.MarshalWBXML(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSIMarshalWBXML(b *testing.B) {
	s, err := Parse(typicalSI)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.MarshalWBXML(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSIDecodeWBXML measures the handset's side.
func BenchmarkSIDecodeWBXML(b *testing.B) {
	s, err := Parse(typicalSI)
	if err != nil {
		b.Fatal(err)
	}
	wb, err := s.MarshalWBXML()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeWBXML(wb); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSIEncodingXMLUnmarshal is for comparison only: what reading the
// same document with encoding/xml alone would cost, without validation or
// compiling. It is why Parse uses wbxml.ParseXML.
func BenchmarkSIEncodingXMLUnmarshal(b *testing.B) {
	type indication struct {
		Href    string `xml:"href,attr"`
		SIID    string `xml:"si-id,attr"`
		Created string `xml:"created,attr"`
		Text    string `xml:",chardata"`
	}
	var doc struct {
		Indication indication `xml:"indication"`
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := xml.Unmarshal(typicalSI, &doc); err != nil {
			b.Fatal(err)
		}
	}
}
