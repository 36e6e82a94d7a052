package smpp

import (
	"bytes"
	"encoding/hex"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func tlvHex(tb testing.TB, s string) TLVs {
	tb.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestTLVsGetSetDel(t *testing.T) {
	// source_port 9200, an unknown vendor TLV, user_message_reference 7.
	tl := tlvHex(t, "020A 0002 23F0  1401 0003 AABBCC  0204 0002 0007")

	if v, ok := tl.Get(0x1401); !ok || !bytes.Equal(v, []byte{0xAA, 0xBB, 0xCC}) {
		t.Errorf("Get(vendor) = %x, %v", v, ok)
	}
	if _, ok := tl.Get(TagMessagePayload); ok {
		t.Error("Get of an absent tag succeeded")
	}

	// Same length: replaced where it stands.
	tl.SetSourcePort(2948)
	assertTLVs(t, tl, "020A 0002 0B84  1401 0003 AABBCC  0204 0002 0007")

	// New length: still where it stood, what follows kept in order.
	tl.Set(0x1401, []byte{1})
	assertTLVs(t, tl, "020A 0002 0B84  1401 0001 01  0204 0002 0007")

	// Absent: appended.
	tl.SetMessagePayload([]byte("hi"))
	assertTLVs(t, tl, "020A 0002 0B84  1401 0001 01  0204 0002 0007  0424 0002 6869")

	tl.Del(TagUserMessageReference)
	assertTLVs(t, tl, "020A 0002 0B84  1401 0001 01  0424 0002 6869")

	// Del removes every occurrence.
	tl = append(tl, tlvHex(t, "020A 0002 0001")...)
	tl.Del(TagSourcePort)
	assertTLVs(t, tl, "1401 0001 01  0424 0002 6869")
	tl.Del(TagSourcePort) // absent: nothing happens
	assertTLVs(t, tl, "1401 0001 01  0424 0002 6869")

	var empty TLVs
	empty.SetSCInterfaceVersion(0x34)
	assertTLVs(t, empty, "0210 0001 34")
}

func assertTLVs(t *testing.T, got TLVs, want string) {
	t.Helper()
	w, _ := hex.DecodeString(strings.ReplaceAll(want, " ", ""))
	if !bytes.Equal(got, w) {
		t.Errorf("TLVs\n got %x\nwant %x", []byte(got), w)
	}
}

func TestTLVsSetDoesNotTouchSharedBody(t *testing.T) {
	// A decoded PDU's TLVs alias its body; changing one TLV's length must
	// not move octets under the strings decoded from the same body.
	p := mustUnmarshal(t, loadVector(t, "v14-smpp-deliver-sm-receipt/deliver_sm.delivrd.bin")).(*DeliverSM)
	before := p.ShortMessage.DestinationAddr
	p.TLVs.SetReceiptedMessageID("a much longer message id")
	p.TLVs.Del(TagMessageState)
	if p.ShortMessage.DestinationAddr != before || p.SourceAddr != "358401234567" {
		t.Error("a TLV change altered the mandatory fields")
	}
	if id, _ := p.TLVs.ReceiptedMessageID(); id != "a much longer message id" {
		t.Errorf("receipted_message_id = %q", id)
	}
}

func TestTLVsEach(t *testing.T) {
	tl := tlvHex(t, "020A 0002 23F0  1401 0000  0204 0002 0007  FFFF 00")
	var tags []Tag
	tl.Each(func(tag Tag, _ []byte) bool { tags = append(tags, tag); return true })
	// The malformed tail ends the walk.
	if want := []Tag{TagSourcePort, 0x1401, TagUserMessageReference}; !slices.Equal(tags, want) {
		t.Errorf("Each visited %v, want %v", tags, want)
	}
	tags = nil
	tl.Each(func(tag Tag, _ []byte) bool { tags = append(tags, tag); return false })
	if len(tags) != 1 {
		t.Errorf("Each went on after false: %v", tags)
	}
	tags = nil
	for tag := range tl.All() {
		tags = append(tags, tag)
		if tag == 0x1401 {
			break
		}
	}
	if want := []Tag{TagSourcePort, 0x1401}; !slices.Equal(tags, want) {
		t.Errorf("All visited %v, want %v", tags, want)
	}
}

func TestTypedAccessorsOnWire(t *testing.T) {
	var tl TLVs
	tl.SetSourcePort(9200)
	tl.SetDestinationPort(2948)
	tl.SetUserMessageReference(7)
	tl.SetReceiptedMessageID("5f3a0001")
	tl.SetMessageState(StateDelivered)
	tl.SetNetworkErrorCode(NetworkErrorCode{Type: NetworkGSM, Code: 27})
	tl.SetQOSTimeToLive(0x01020304)
	tl.SetAlertOnMessageDelivery()
	assertTLVs(t, tl, "020A 0002 23F0  020B 0002 0B84  0204 0002 0007  001E 0009 356633613030303100"+
		"  0427 0001 02  0423 0003 03001B  0017 0004 01020304  130C 0000")
	if !tl.AlertOnMessageDelivery() {
		t.Error("AlertOnMessageDelivery() = false")
	}
	// A typed getter refuses a value of the wrong length.
	tl.Set(TagSourcePort, []byte{1})
	if _, ok := tl.SourcePort(); ok {
		t.Error("SourcePort() read a 1-octet value")
	}
	// A C-octet string without its NUL, as some SMSCs send it.
	tl.Set(TagReceiptedMessageID, []byte("abc"))
	if id, _ := tl.ReceiptedMessageID(); id != "abc" {
		t.Errorf("ReceiptedMessageID() = %q", id)
	}
}

// TestEveryTypedAccessor calls each SetX of TLVs with a value, then X, and
// expects the value back, in a TLV whose length its spec allows.
func TestEveryTypedAccessor(t *testing.T) {
	pt := reflect.TypeFor[*TLVs]()
	vt := reflect.TypeFor[TLVs]()
	seen := map[Tag]bool{}
	for i := range pt.NumMethod() {
		set := pt.Method(i)
		name, ok := strings.CutPrefix(set.Name, "Set")
		if _, isGetter := vt.MethodByName(set.Name); !ok || name == "" || isGetter {
			continue // not a setter: SetDPF, for one, reads set_dpf
		}
		get, ok := vt.MethodByName(name)
		if !ok {
			t.Errorf("%s has no getter %s", set.Name, name)
			continue
		}
		var tl TLVs
		var arg []reflect.Value
		if set.Type.NumIn() == 2 {
			arg = []reflect.Value{sampleValue(set.Type.In(1))}
		}
		set.Func.Call(append([]reflect.Value{reflect.ValueOf(&tl)}, arg...))
		if _, ok := checkTLVs(tl); !ok {
			t.Errorf("%s wrote a TLV its spec refuses: %x", set.Name, []byte(tl))
			continue
		}
		tag, _, _, _ := tl.next(0)
		if _, known := lookupTag(tag); !known || tag.String() == "" {
			t.Errorf("%s wrote unknown tag %v", set.Name, tag)
		}
		seen[tag] = true
		out := get.Func.Call([]reflect.Value{reflect.ValueOf(tl)})
		if len(arg) == 0 {
			if !out[0].Bool() {
				t.Errorf("%s() = false after %s()", name, set.Name)
			}
			continue
		}
		if !out[1].Bool() || !reflect.DeepEqual(out[0].Interface(), arg[0].Interface()) {
			t.Errorf("%s() = %v, %v; want %v", name, out[0], out[1], arg[0])
		}
	}
	for _, s := range tlvSpecs {
		if !seen[s.tag] {
			t.Errorf("no typed accessor writes %s", s.name)
		}
	}
}

// sampleValue returns a non-zero value of type ty that fits every TLV of
// that Go type (octet strings: 4 octets, within callback_num's 4 to 19).
func sampleValue(ty reflect.Type) reflect.Value {
	switch ty {
	case reflect.TypeFor[[]byte]():
		return reflect.ValueOf([]byte{1, 2, 3, 4})
	case reflect.TypeFor[string]():
		return reflect.ValueOf("abc")
	case reflect.TypeFor[NetworkErrorCode]():
		return reflect.ValueOf(NetworkErrorCode{Type: 3, Code: 0x1234})
	}
	v := reflect.New(ty).Elem()
	v.SetUint(0x12)
	return v
}

func TestTagTable(t *testing.T) {
	if !slices.IsSortedFunc(tlvSpecs[:], func(a, b tlvSpec) int { return int(a.tag) - int(b.tag) }) {
		t.Error("tlvSpecs is not sorted by tag, lookupTag needs it")
	}
	for i := 1; i < len(tlvSpecs); i++ {
		if tlvSpecs[i].tag == tlvSpecs[i-1].tag {
			t.Errorf("tag %v listed twice", tlvSpecs[i].tag)
		}
	}
	tests := map[Tag]string{
		TagMessagePayload:     "message_payload",
		TagSourcePort:         "source_port",
		TagReceiptedMessageID: "receipted_message_id",
		0x1401:                "tlv 0x1401",
	}
	for tag, want := range tests {
		if got := tag.String(); got != want {
			t.Errorf("Tag(0x%04X).String() = %q, want %q", uint16(tag), got, want)
		}
	}
}

func TestSetTooLong(t *testing.T) {
	var tl TLVs
	tl.SetUserMessageReference(7)
	before := slices.Clone(tl)
	if err := tl.SetMessagePayload(make([]byte, 65536)); !errors.Is(err, ErrTLVTooLong) {
		t.Errorf("Set of a 65536-octet value: %v, want ErrTLVTooLong", err)
	}
	if !bytes.Equal(tl, before) {
		t.Error("a refused Set changed the TLVs")
	}
	if err := tl.SetMessagePayload(make([]byte, 65535)); err != nil {
		t.Errorf("Set of a 65535-octet value: %v", err)
	}
}
