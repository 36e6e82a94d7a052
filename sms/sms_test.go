package sms

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/txpush/txpush/internal/testvec"
)

const v15 = "v15-gsm-sms-deliver-tpdu/"

func TestPackHelloHello(t *testing.T) {
	septets, err := AppendSeptets(nil, "hellohello")
	if err != nil {
		t.Fatal(err)
	}
	packed := Pack(nil, septets, 0)
	if want := testvec.Hex(t, "e8329bfd4697d9ec37"); !bytes.Equal(packed, want) {
		t.Errorf("got %x, want %x", packed, want)
	}
	back, err := Unpack(packed, 0, len(septets))
	if err != nil || !bytes.Equal(back, septets) {
		t.Errorf("Unpack: %x, %v", back, err)
	}
}

func TestFillBits(t *testing.T) {
	for _, tt := range []struct{ udh, fill, septets int }{
		{0, 0, 0}, {6, 1, 7}, {7, 0, 8}, {12, 2, 14}, {1, 6, 2},
	} {
		if FillBits(tt.udh) != tt.fill || HeaderSeptets(tt.udh) != tt.septets {
			t.Errorf("UDH %d: fill %d septets %d, want %d %d", tt.udh, FillBits(tt.udh), HeaderSeptets(tt.udh), tt.fill, tt.septets)
		}
		if (tt.udh*8+tt.fill)%7 != 0 {
			t.Errorf("UDH %d: fill %d does not reach a septet boundary", tt.udh, tt.fill)
		}
	}
}

func TestAlphabet(t *testing.T) {
	all := "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	septets, err := AppendSeptets(nil, all)
	if err != nil {
		t.Fatal(err)
	}
	if len(septets) != 127 {
		t.Fatalf("%d septets for the 127 characters", len(septets))
	}
	for i, s := range septets {
		want := i
		if i >= Escape {
			want++
		}
		if int(s) != want {
			t.Fatalf("character %d: septet 0x%02X, want 0x%02X", i, s, want)
		}
	}
	ext := "\f^{}\\[~]|€"
	septets, err = AppendSeptets(nil, ext)
	if err != nil {
		t.Fatal(err)
	}
	if want := testvec.Hex(t, "1b0a1b141b281b291b2f1b3c1b3d1b3e1b401b65"); !bytes.Equal(septets, want) {
		t.Errorf("extension: %x, want %x", septets, want)
	}
	if n, err := SeptetLen(all + ext); err != nil || n != 127+20 {
		t.Errorf("SeptetLen: %d, %v", n, err)
	}
	text, err := DecodeSeptets(append(append([]byte(nil), septets...), 0x1B))
	if err != nil || text != ext {
		t.Errorf("decode: %q, %v", text, err)
	}
	// Escape + undefined septet: the default character; double escape: space.
	if text, _ := DecodeSeptets([]byte{0x1B, 0x41, 0x1B, 0x1B}); text != "A " {
		t.Errorf("got %q", text)
	}
	_, err = AppendSeptets(nil, "ok ж")
	var ue *UnencodableError
	if !errors.As(err, &ue) || ue.Rune != 'ж' || ue.Index != 3 || Is7Bit("ok ж") {
		t.Errorf("got %v", err)
	}
	if _, err := DecodeSeptets([]byte{0x41, 0x80}); !errors.Is(err, ErrBadSeptet) {
		t.Errorf("got %v", err)
	}
}

func TestUCS2(t *testing.T) {
	s := "Grüße ж 😀"
	b := AppendUCS2(nil, s)
	want := testvec.Hex(t, "0047007200fc00df0065002004360020d83dde00")
	if !bytes.Equal(b, want) {
		t.Errorf("got %x, want %x", b, want)
	}
	back, err := DecodeUCS2(b)
	if err != nil || back != s {
		t.Errorf("got %q, %v", back, err)
	}
	if got, _ := DecodeUCS2([]byte{0xD8, 0x3D, 0x00, 0x41}); got != "\uFFFDA" {
		t.Errorf("unpaired surrogate: %q", got)
	}
	if _, err := DecodeUCS2([]byte{0}); !errors.Is(err, ErrTruncated) {
		t.Errorf("odd length: %v", err)
	}
}

func TestSplit(t *testing.T) {
	a := func(n int) string { return strings.Repeat("a", n) }
	zh := func(n int) string { return strings.Repeat("ж", n) }
	tests := []struct {
		name   string
		s      string
		coding Coding
		sizes  []int // septets or UCS-2 units per part
	}{
		{"empty", "", GSM7, []int{0}},
		{"160", a(160), GSM7, []int{160}},
		{"161", a(161), GSM7, []int{153, 8}},
		{"escape fits single", a(158) + "€", GSM7, []int{160}},
		{"escape not cut", a(152) + "€" + a(10), GSM7, []int{152, 12}},
		{"escape at end of part", a(151) + "€" + a(10), GSM7, []int{153, 10}},
		{"70", zh(70), UCS2, []int{70}},
		{"71", zh(71), UCS2, []int{67, 4}},
		{"surrogate not cut", zh(66) + "😀" + zh(5), UCS2, []int{66, 7}},
		{"255 parts", a(153 * 255), GSM7, nil},
	}
	for _, tt := range tests {
		coding, parts := Split(tt.s)
		if coding != tt.coding || strings.Join(parts, "") != tt.s {
			t.Errorf("%s: coding %v, parts do not join to the text", tt.name, coding)
			continue
		}
		if tt.sizes == nil {
			if len(parts) != 255 {
				t.Errorf("%s: %d parts", tt.name, len(parts))
			}
			continue
		}
		var sizes []int
		for _, p := range parts {
			n := 0
			if coding == GSM7 {
				n, _ = SeptetLen(p)
			} else {
				n = len(AppendUCS2(nil, p)) / 2
			}
			sizes = append(sizes, n)
		}
		if !reflect.DeepEqual(sizes, tt.sizes) {
			t.Errorf("%s: sizes %v, want %v", tt.name, sizes, tt.sizes)
		}
	}
	if _, _, err := TextUserData(a(153*255+1), 1); !errors.Is(err, ErrTooManyParts) {
		t.Errorf("256 parts: %v", err)
	}
}

var v15Time = time.Date(2024, 3, 5, 12, 30, 50, 0, time.FixedZone("", 0))

func TestVectorV15(t *testing.T) {
	tests := []struct {
		file string
		want Deliver
	}{
		{"sms-deliver.7bit-hellohello.bin", Deliver{
			Originator: Address{TOA: TOAInternational, Digits: "358401234567"},
			SCTS:       v15Time, UDL: 10, UD: testvec.Hex(t, "e8329bfd4697d9ec37")}},
		{"sms-deliver.wap-push-seg1.bin", Deliver{UDHI: true,
			Originator: Address{TOA: TOAInternational, Digits: "358401234567"},
			DCS:        0xF5, SCTS: v15Time, UDL: 140,
			UD: testvec.Read(t, "v11-udh-2seg-8bit/seg1.ud.bin")}},
	}
	for _, tt := range tests {
		b := testvec.Read(t, v15+tt.file)
		d, err := ParseDeliver(b)
		if err != nil {
			t.Fatalf("%s: %v", tt.file, err)
		}
		if !reflect.DeepEqual(*d, tt.want) {
			t.Errorf("%s: got %+v", tt.file, *d)
		}
		enc, err := tt.want.Marshal()
		if err != nil || !bytes.Equal(enc, b) {
			t.Errorf("%s: Marshal %x, %v", tt.file, enc, err)
		}
	}
	if _, text, err := DecodeText(GSM7, UserData{Length: 10, Data: testvec.Hex(t, "e8329bfd4697d9ec37")}); err != nil || text != "hellohello" {
		t.Errorf("hellohello: %q, %v", text, err)
	}
}

// TestVectorV15Concat rebuilds v15's 7-bit concatenated part: 6-octet UDH,
// 1 fill bit, 153 septets, TP-UDL 160.
func TestVectorV15Concat(t *testing.T) {
	b := testvec.Read(t, v15+"sms-deliver.7bit-concat-part1.bin")
	d, err := ParseDeliver(b)
	if err != nil {
		t.Fatal(err)
	}
	if d.UDL != 160 || !d.UDHI || CodingOf(d.DCS) != GSM7 {
		t.Fatalf("got %+v", d)
	}
	udh, text, err := DecodeText(GSM7, UserData{UDHI: true, Length: d.UDL, Data: d.UD})
	if err != nil {
		t.Fatal(err)
	}
	if want := testvec.Hex(t, "0500035c0201"); !bytes.Equal(udh, want) {
		t.Errorf("UDH %x", udh)
	}
	if !strings.HasPrefix(text, "Part one of a long GSM 7-bit text") || !strings.HasSuffix(text, "1234") {
		t.Errorf("text %q", text)
	}
	if n, _ := SeptetLen(text); n != 153 {
		t.Errorf("%d septets", n)
	}
	coding, parts, err := TextUserData(text+" and the rest of it.", 0x5C)
	if err != nil || coding != GSM7 || len(parts) != 2 {
		t.Fatalf("%v %d parts %v", coding, len(parts), err)
	}
	if !parts[0].UDHI || parts[0].Length != 160 || !bytes.Equal(parts[0].Data, d.UD) {
		t.Errorf("part 1: length %d\n got %x\nwant %x", parts[0].Length, parts[0].Data, d.UD)
	}
	_, tail, err := DecodeText(coding, parts[1])
	if err != nil || tail != " and the rest of it." {
		t.Errorf("part 2: %q, %v", tail, err)
	}
}

func TestTextRoundTripRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	alphabet := []rune("aZ0 @£€{}[]~\\|^\f\nΔÆöж😀")
	for range 500 {
		r := make([]rune, rng.IntN(400))
		for i := range r {
			r[i] = alphabet[rng.IntN(len(alphabet))]
			if rng.IntN(3) != 0 && r[i] > 0x7F && (r[i] == 'ж' || r[i] == '😀') {
				r[i] = 'x' // keep most texts in the 7-bit alphabet
			}
		}
		s := string(r)
		coding, parts, err := TextUserData(s, 7)
		if err != nil {
			t.Fatal(err)
		}
		var joined strings.Builder
		for i, p := range parts {
			if len(p.Data) > 140 {
				t.Fatalf("part %d has %d octets", i+1, len(p.Data))
			}
			udh, text, err := DecodeText(coding, p)
			if err != nil {
				t.Fatal(err)
			}
			if len(parts) > 1 && (len(udh) != 6 || udh[4] != byte(len(parts)) || udh[5] != byte(i+1)) {
				t.Fatalf("part %d UDH %x", i+1, udh)
			}
			joined.WriteString(text)
		}
		if joined.String() != s {
			t.Fatalf("%v round trip:\n got %q\nwant %q", coding, joined.String(), s)
		}
	}
}

func TestPackRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	for range 2000 {
		septets := make([]byte, rng.IntN(200))
		for i := range septets {
			septets[i] = byte(rng.IntN(128))
		}
		fill := rng.IntN(7)
		packed := Pack(nil, septets, fill)
		if len(packed) != PackedLen(len(septets), fill) || (len(packed) > 0 && packed[0]&(1<<fill-1) != 0) {
			t.Fatalf("packed %x with %d fill bits", packed, fill)
		}
		back, err := Unpack(packed, fill, len(septets))
		if err != nil || !bytes.Equal(back, septets) {
			t.Fatalf("fill %d: %x, %v", fill, back, err)
		}
	}
	if _, err := Unpack([]byte{1}, 0, 2); !errors.Is(err, ErrTruncated) {
		t.Errorf("short input: %v", err)
	}
	if _, err := Unpack(nil, 7, 0); err == nil {
		t.Error("7 fill bits accepted")
	}
}

func TestCodingOf(t *testing.T) {
	for dcs, want := range map[byte]Coding{0x00: GSM7, 0x04: Data8, 0x08: UCS2, 0xF5: Data8, 0xF4: Data8,
		0xF0: GSM7, 0xF3: GSM7, 0x10: GSM7, 0x18: UCS2, 0x24: Data8, 0x48: UCS2, 0xC0: GSM7, 0xE0: UCS2, 0x80: Data8} {
		if got := CodingOf(dcs); got != want {
			t.Errorf("DCS 0x%02X: %v, want %v", dcs, got, want)
		}
	}
	for _, c := range []Coding{GSM7, Data8, UCS2} {
		if CodingOf(c.DCS()) != c {
			t.Errorf("%v: DCS 0x%02X reads back as %v", c, c.DCS(), CodingOf(c.DCS()))
		}
	}
}

func TestDeliverFields(t *testing.T) {
	d := Deliver{MoreMessages: true, LoopPrevention: true, StatusReport: true, ReplyPath: true,
		Originator: Address{TOA: TOAAlphanumeric, Digits: "Kannel"}, PID: 0x41, DCS: 0x08,
		SCTS: time.Date(2099, 12, 31, 23, 59, 59, 0, time.FixedZone("", -(5*60+45)*60)), UDL: 4, UD: []byte{0, 0x41, 0, 0x42}}
	b, err := d.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if b[0] != 0xA8 || b[1] != 11 || b[2] != TOAAlphanumeric {
		t.Errorf("header %x", b[:3])
	}
	back, err := ParseDeliver(b)
	if err != nil {
		t.Fatal(err)
	}
	if _, off := back.SCTS.Zone(); off != -(5*60+45)*60 || !back.SCTS.Equal(d.SCTS) {
		t.Errorf("SCTS %v", back.SCTS)
	}
	back.SCTS = d.SCTS // same instant and offset; the *Location differs
	if !reflect.DeepEqual(*back, d) {
		t.Errorf("got %+v, want %+v", *back, d)
	}
	bad := []Deliver{
		{Originator: Address{TOA: TOAInternational, Digits: "12x"}, SCTS: v15Time},
		{Originator: Address{TOA: TOAInternational, Digits: "1"}, SCTS: v15Time, UDL: 3, UD: []byte{1}},
		{Originator: Address{TOA: TOAInternational, Digits: "1"}, SCTS: time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC)},
		{Originator: Address{TOA: TOAInternational, Digits: "1"}, SCTS: time.Date(2020, 1, 1, 0, 0, 0, 0, time.FixedZone("", 600))},
		{Originator: Address{TOA: TOAAlphanumeric, Digits: "twelve chars"}, SCTS: v15Time},
	}
	for _, d := range bad {
		if out, err := d.Append([]byte("x")); err == nil || string(out) != "x" {
			t.Errorf("%+v: encoded %x", d, out)
		}
	}
}

func TestParseDeliverErrors(t *testing.T) {
	good := testvec.Read(t, v15+"sms-deliver.7bit-hellohello.bin")
	for i := range len(good) {
		_, err := ParseDeliver(good[:i])
		var de *DecodeError
		if !errors.As(err, &de) || !errors.Is(err, ErrTruncated) {
			t.Errorf("cut at %d: %v", i, err)
		}
	}
	mod := func(at int, v byte) []byte {
		b := bytes.Clone(good)
		b[at] = v
		return b
	}
	tests := []struct {
		name   string
		in     []byte
		field  string
		offset int
	}{
		{"submit", mod(0, 0x01), "TP-MTI", 0},
		{"too many digits", mod(1, 21), "TP-OA", 1},
		{"filler inside", mod(3, 0xF5), "TP-OA", 3},
		{"bad month", mod(12, 0x31), "TP-SCTS", 11},
		{"not BCD", mod(13, 0xA0), "TP-SCTS", 13},
		{"UDL too long", mod(18, 161), "TP-UDL", 18},
		{"extra octets", append(bytes.Clone(good), 0), "TP-UD", len(good)},
	}
	for _, tt := range tests {
		_, err := ParseDeliver(tt.in)
		var de *DecodeError
		if !errors.As(err, &de) || de.Field != tt.field || de.Offset != tt.offset {
			t.Errorf("%s: got %v, want %s at %d", tt.name, err, tt.field, tt.offset)
		}
	}
}

// FuzzDecode7bit unpacks arbitrary octets with every fill, decodes the
// septets, and checks that the text encodes back to itself.
func FuzzDecode7bit(f *testing.F) {
	f.Add(testvec.Hex(f, "e8329bfd4697d9ec37"))
	concat := testvec.Read(f, v15+"sms-deliver.7bit-concat-part1.bin")
	f.Add(concat[len(concat)-134:])
	f.Add([]byte{0x1B, 0x1B, 0x65})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, packed []byte) {
		for fill := range 7 {
			count := (len(packed)*8 - fill) / 7
			if count < 0 {
				continue
			}
			septets, err := Unpack(packed, fill, count)
			if err != nil {
				t.Fatalf("fill %d: %v", fill, err)
			}
			text, err := DecodeSeptets(septets)
			if err != nil {
				t.Fatal(err)
			}
			if !utf8.ValidString(text) {
				t.Fatalf("invalid UTF-8 %q", text)
			}
			again, err := AppendSeptets(nil, text)
			if err != nil {
				t.Fatalf("decoded text %q does not encode: %v", text, err)
			}
			back, err := Unpack(Pack(nil, again, fill), fill, len(again))
			if err != nil {
				t.Fatal(err)
			}
			if text2, _ := DecodeSeptets(back); text2 != text {
				t.Fatalf("text %q came back as %q", text, text2)
			}
		}
		// The same octets as a TPDU: typed errors only, stable encoding.
		d, err := ParseDeliver(packed)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("%T %v", err, err)
			}
			return
		}
		b2, err := d.Marshal()
		if err != nil {
			t.Fatalf("%+v: %v", d, err)
		}
		d2, err := ParseDeliver(b2)
		if err != nil {
			t.Fatal(err)
		}
		b3, err := d2.Marshal()
		if err != nil || !bytes.Equal(b2, b3) {
			t.Fatalf("unstable: %x %x %v", b2, b3, err)
		}
	})
}
