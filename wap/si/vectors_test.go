package si

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/txpush/txpush/internal/testvec"
)

// siVectors are the golden SI vectors. For all three, xml2wbxml and Kannel
// produce identical bytes.
var siVectors = []string{"v01-si-dates", "v02-si-kannel-sample", "v03-si-delete-info"}

func TestVectorsEncodeToolBytes(t *testing.T) {
	for _, v := range siVectors {
		t.Run(v, func(t *testing.T) {
			s, err := Parse(testvec.Read(t, v+"/si.xml"))
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.MarshalWBXML()
			if err != nil {
				t.Fatal(err)
			}
			for _, form := range []string{"si.xml2wbxml.wbxml", "si.kannel.wbxml"} {
				if want := testvec.Read(t, v+"/"+form); !bytes.Equal(got, want) {
					t.Errorf("MarshalWBXML differs from %s:\n got % X\nwant % X", form, got, want)
				}
			}
		})
	}
}

func TestVectorsDecodeEveryFormToTheSameSI(t *testing.T) {
	for _, v := range siVectors {
		t.Run(v, func(t *testing.T) {
			want, err := Parse(testvec.Read(t, v+"/si.xml"))
			if err != nil {
				t.Fatal(err)
			}
			for _, form := range []string{"si.xml2wbxml.wbxml", "si.kannel.wbxml"} {
				got, err := DecodeWBXML(testvec.Read(t, v+"/"+form))
				if err != nil {
					t.Fatalf("%s: %v", form, err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s decodes to %+v, want %+v", form, got, want)
				}
			}
			// wbxml2xml's rendering of the vector parses to the same SI.
			got, err := Parse(testvec.Read(t, v+"/si.roundtrip.xml"))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("si.roundtrip.xml parses to %+v, want %+v", got, want)
			}
		})
	}
}

func TestVectorV01Fields(t *testing.T) {
	s, err := DecodeWBXML(testvec.Read(t, "v01-si-dates/si.xml2wbxml.wbxml"))
	if err != nil {
		t.Fatal(err)
	}
	want := SI{
		Href:    "http://www.example.com/inbox/msg?id=42",
		SIID:    "mail-42@example.com",
		Action:  SignalMedium,
		Created: time.Date(2024, 3, 5, 12, 30, 0, 0, time.UTC),
		Expires: time.Date(2024, 3, 12, 0, 0, 0, 0, time.UTC),
		Text:    "New mail from Alice",
	}
	if !sameSI(s, &want) {
		t.Errorf("got %+v, want %+v", s, want)
	}
}

// TestVectorV07CarriesOurSI checks that the WSP push of v07 (tshark-checked)
// ends in exactly our compiled v01, under content type application/vnd.wap.sic.
func TestVectorV07CarriesOurSI(t *testing.T) {
	push := testvec.Read(t, "v07-wsp-push-si/push.bin")
	s, err := Parse(testvec.Read(t, "v01-si-dates/si.xml"))
	if err != nil {
		t.Fatal(err)
	}
	body, err := s.MarshalWBXML()
	if err != nil {
		t.Fatal(err)
	}
	if push[3] != 0x80|ContentTypeWBXMLCode {
		t.Errorf("content type octet 0x%02X, want 0x%02X", push[3], 0x80|ContentTypeWBXMLCode)
	}
	if !bytes.Equal(push[4:], body) {
		t.Errorf("push body % X\nwant       % X", push[4:], body)
	}
}

// sameSI compares two SIs, ignoring the attribute order they were read in.
func sameSI(a, b *SI) bool {
	x, y := *a, *b
	x.order, y.order = attrOrder{}, attrOrder{}
	if len(x.Info) == 0 && len(y.Info) == 0 {
		x.Info, y.Info = nil, nil
	}
	return x.Created.Equal(y.Created) && x.Expires.Equal(y.Expires) &&
		x.Href == y.Href && x.SIID == y.SIID && x.Action == y.Action && x.Text == y.Text &&
		reflect.DeepEqual(x.Info, y.Info)
}
