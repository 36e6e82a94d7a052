package wdp

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/txpush/txpush/internal/testvec"
)

func readSegments(t testing.TB, dir string, n int) [][]byte {
	t.Helper()
	var segs [][]byte
	for i := 1; i <= n; i++ {
		segs = append(segs, testvec.Read(t, fmt.Sprintf("%s/seg%d.ud.bin", dir, i)))
	}
	return segs
}

// kannelUD returns the short_message of a submit_sm that Kannel sent in
// the v16 run: the octet before the UDH is sm_length.
func kannelUD(t testing.TB, file string) []byte {
	t.Helper()
	pdu := testvec.Read(t, "v16-kannel-e2e/smpp-rx/"+file)
	i := bytes.Index(pdu, []byte{IEIPorts16, 0x04, 0x0B, 0x84, 0x23, 0xF0})
	if i < 2 {
		t.Fatalf("%s: no port UDH", file)
	}
	return pdu[i-1 : i-1+int(pdu[i-2])]
}

func pushDatagram(payload []byte) Datagram {
	return Datagram{SrcPort: PortWSP, DstPort: PortPush, Payload: payload}
}

func TestSegmentVectors(t *testing.T) {
	tests := []struct {
		name  string
		push  string
		segs  string
		n     int
		opt   SegmentOptions
		sizes []int
	}{
		{"v11 8-bit, ports first", "v11-udh-2seg-8bit/push.bin", "v11-udh-2seg-8bit", 2,
			SegmentOptions{Ref: 0x2A}, []int{128, 79}},
		{"v12 16-bit, concat first", "v12-udh-3seg-16bit/push.bin", "v12-udh-3seg-16bit", 3,
			SegmentOptions{Ref: 0x1234, Wide: true, ConcatFirst: true}, []int{127, 127, 110}},
		{"v12 alt 8-bit", "v12-udh-3seg-16bit/push.bin", "v12-udh-3seg-16bit/alt-8bit-ref", 3,
			SegmentOptions{Ref: 0x2B}, []int{128, 128, 108}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			push := testvec.Read(t, tt.push)
			want := readSegments(t, tt.segs, tt.n)
			got, err := Segment(pushDatagram(push), tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("Segment:\n got %x\nwant %x", got, want)
			}
			for i, ud := range want {
				h, payload, err := ParseUDH(ud)
				if err != nil {
					t.Fatal(err)
				}
				if len(payload) != tt.sizes[i] {
					t.Errorf("part %d: %d payload octets, want %d", i+1, len(payload), tt.sizes[i])
				}
				p, ok := h.Ports()
				if !ok || p != (Ports{Dst: PortPush, Src: PortWSP}) {
					t.Errorf("part %d: ports %+v %v", i+1, p, ok)
				}
				c, ok := h.Concat()
				want := Concat{Ref: tt.opt.Ref, Total: byte(tt.n), Seq: byte(i + 1), Wide: tt.opt.Wide}
				if !ok || c != want {
					t.Errorf("part %d: concat %+v, want %+v", i+1, c, want)
				}
				// Order of the IEs as in the vector.
				if (h[0].ID == IEIConcat8 || h[0].ID == IEIConcat16) != tt.opt.ConcatFirst {
					t.Errorf("part %d: IE order %x", i+1, ud[:3])
				}
			}
			reversed := append([][]byte(nil), want...)
			slices.Reverse(reversed)
			d, err := Join(reversed)
			if err != nil || !bytes.Equal(d.Payload, push) || d.DstPort != PortPush || d.SrcPort != PortWSP {
				t.Errorf("Join: %v, %d octets", err, len(d.Payload))
			}
		})
	}
}

// TestSegmentKannel reproduces the UDs Kannel sent in v16 (references 1,
// 2 and 4) from the pushes they carry.
func TestSegmentKannel(t *testing.T) {
	tests := []struct {
		ref   uint16
		files []string
	}{
		{0, []string{"rx-002-submit_sm.bin"}},
		{1, []string{"rx-004-submit_sm.bin", "rx-005-submit_sm.bin"}},
		{2, []string{"rx-006-submit_sm.bin", "rx-007-submit_sm.bin", "rx-008-submit_sm.bin"}},
		{4, []string{"rx-010-submit_sm.bin", "rx-011-submit_sm.bin"}},
	}
	for _, tt := range tests {
		var uds [][]byte
		for _, f := range tt.files {
			uds = append(uds, kannelUD(t, f))
		}
		d, err := Join(uds)
		if err != nil {
			t.Fatalf("%v: %v", tt.files, err)
		}
		got, err := Segment(d, SegmentOptions{Ref: tt.ref})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, uds) {
			t.Errorf("%v:\n got %x\nwant %x", tt.files, got, uds)
		}
	}
}

// TestVectorV15 checks that the WAP push TPDU of v15 carries v11's first
// part as its user data.
func TestVectorV15(t *testing.T) {
	tpdu := testvec.Read(t, "v15-gsm-sms-deliver-tpdu/sms-deliver.wap-push-seg1.bin")
	seg1 := testvec.Read(t, "v11-udh-2seg-8bit/seg1.ud.bin")
	if len(seg1) != MaxUserData || !bytes.Equal(tpdu[len(tpdu)-MaxUserData:], seg1) {
		t.Error("v15 user data differs from v11 part 1")
	}
}

func TestSegmentSizes(t *testing.T) {
	tests := []struct {
		n     int
		wide  bool
		parts int
		last  int
	}{
		{0, false, 1, 0}, {133, false, 1, 133}, {134, false, 2, 6}, {256, false, 2, 128},
		{257, false, 3, 1}, {134, true, 2, 7}, {32640, false, 255, 128}, {32385, true, 255, 127},
	}
	for _, tt := range tests {
		payload := make([]byte, tt.n)
		for i := range payload {
			payload[i] = byte(i)
		}
		segs, err := Segment(pushDatagram(payload), SegmentOptions{Ref: 7, Wide: tt.wide})
		if err != nil {
			t.Fatalf("%d: %v", tt.n, err)
		}
		if len(segs) != tt.parts || PartCount(tt.n, tt.wide) != tt.parts {
			t.Errorf("%d octets: %d parts (PartCount %d), want %d", tt.n, len(segs), PartCount(tt.n, tt.wide), tt.parts)
		}
		for i, s := range segs {
			if len(s) > MaxUserData {
				t.Errorf("%d octets: part %d has %d octets of user data", tt.n, i+1, len(s))
			}
		}
		_, last, _ := ParseUDH(segs[len(segs)-1])
		if len(last) != tt.last {
			t.Errorf("%d octets: last part carries %d, want %d", tt.n, len(last), tt.last)
		}
		d, err := Join(segs)
		if err != nil || !bytes.Equal(d.Payload, payload) {
			t.Errorf("%d octets: Join: %v", tt.n, err)
		}
	}
	for _, tt := range []struct {
		n    int
		wide bool
	}{{32641, false}, {32386, true}} {
		if _, err := Segment(pushDatagram(make([]byte, tt.n)), SegmentOptions{Wide: tt.wide}); !errors.Is(err, ErrTooLong) {
			t.Errorf("%d octets: got %v, want ErrTooLong", tt.n, err)
		}
	}
	if _, err := Segment(pushDatagram(make([]byte, 300)), SegmentOptions{Ref: 256}); err == nil {
		t.Error("16-bit reference accepted for the 8-bit IE")
	}
}

func TestJoinErrors(t *testing.T) {
	push := testvec.Read(t, "v12-udh-3seg-16bit/push.bin")
	segs, _ := Segment(pushDatagram(push), SegmentOptions{Ref: 1})
	other, _ := Segment(pushDatagram(push), SegmentOptions{Ref: 2})
	single, _ := Segment(pushDatagram(push[:10]), SegmentOptions{})
	tests := map[string][][]byte{
		"none":          nil,
		"missing":       segs[:2],
		"repeated":      {segs[0], segs[0], segs[2]},
		"other ref":     {segs[0], other[1], segs[2]},
		"single + more": {single[0], segs[1]},
		"bad udh":       {{0x05, 0x00}},
	}
	for name, uds := range tests {
		if _, err := Join(uds); err == nil {
			t.Errorf("%s: joined", name)
		}
	}
}

func TestParseUDH(t *testing.T) {
	good := []struct {
		ud      []byte
		ies     int
		payload int
	}{
		{[]byte{0}, 0, 0},
		{[]byte{6, 5, 4, 0x0B, 0x84, 0x23, 0xF0, 1, 2}, 1, 2},
		{[]byte{4, 4, 2, 0xF0, 0xF1, 9}, 1, 1},
		{[]byte{7, 0x24, 1, 1, 0x70, 2, 0xAA, 0xBB}, 2, 0}, // unknown IEs kept raw
		{[]byte{0}, 0, 0},
	}
	for _, tt := range good {
		h, payload, err := ParseUDH(tt.ud)
		if err != nil || len(h) != tt.ies || len(payload) != tt.payload {
			t.Errorf("%x: %v %d IEs %d payload, %v", tt.ud, h, len(h), len(payload), err)
			continue
		}
		b, err := h.Append(nil)
		if err != nil || !bytes.Equal(b, tt.ud[:1+int(tt.ud[0])]) || h.Len() != len(b) {
			t.Errorf("%x: Append gave %x, %v", tt.ud, b, err)
		}
	}
	p, ok := UDH{Ports{Dst: 0xF0, Src: 0xF1, Narrow: true}.IE()}.Ports()
	if !ok || p != (Ports{Dst: 0xF0, Src: 0xF1, Narrow: true}) {
		t.Errorf("8-bit ports: %+v", p)
	}
	bad := []struct {
		ud        []byte
		field     string
		offset    int
		truncated bool
	}{
		{nil, "UDHL", 0, true},
		{[]byte{5, 0, 3, 1}, "UDHL", 0, true},
		{[]byte{1, 0}, "IE", 1, true},
		{[]byte{3, 0, 3, 1}, "IEI 0x00", 1, true},
		{[]byte{4, 0, 2, 1, 1}, "IEI 0x00", 1, false},
		{[]byte{5, 5, 3, 1, 2, 3}, "IEI 0x05", 1, false},
		{[]byte{5, 0, 3, 1, 0, 0}, "IEI 0x00", 1, false},
		{[]byte{5, 0, 3, 1, 2, 3}, "IEI 0x00", 1, false},
		{[]byte{6, 8, 4, 0, 1, 2, 0}, "IEI 0x08", 1, false},
		{[]byte{11, 0, 3, 1, 2, 1, 8, 4, 0, 1, 2, 1}, "IEI 0x08", 6, false},
		{[]byte{8, 4, 2, 1, 1, 4, 2, 1, 1}, "IEI 0x04", 5, false},
	}
	for _, tt := range bad {
		_, _, err := ParseUDH(tt.ud)
		var de *DecodeError
		if !errors.As(err, &de) || de.Field != tt.field || de.Offset != tt.offset || errors.Is(err, ErrTruncated) != tt.truncated {
			t.Errorf("%x: got %v (%+v), want %s at %d truncated=%v", tt.ud, err, de, tt.field, tt.offset, tt.truncated)
		}
	}
	if _, err := (UDH{{ID: 0x70, Data: make([]byte, 140)}}).Append(nil); err == nil {
		t.Error("oversized UDH encoded")
	}
}

// TestParseUDHPrefixes cuts the vector parts inside their header: every
// cut is a truncation error.
func TestParseUDHPrefixes(t *testing.T) {
	for _, ud := range append(readSegments(t, "v11-udh-2seg-8bit", 2), readSegments(t, "v12-udh-3seg-16bit", 3)...) {
		for i := 0; i <= int(ud[0]); i++ {
			if _, _, err := ParseUDH(ud[:i]); !errors.Is(err, ErrTruncated) {
				t.Errorf("%x: got %v", ud[:i], err)
			}
		}
	}
}

func TestGarbageUDH(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for range 50000 {
		b := make([]byte, rng.IntN(20))
		for i := range b {
			b[i] = byte(rng.UintN(16)) // small values reach the IE parser
		}
		h, _, err := ParseUDH(b)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("%x: %T", b, err)
			}
			continue
		}
		if enc, err := h.Append(nil); err != nil || !bytes.Equal(enc, b[:1+int(b[0])]) {
			t.Fatalf("%x: re-encoded %x, %v", b, enc, err)
		}
	}
}

func FuzzUDH(f *testing.F) {
	for _, s := range append(readSegments(f, "v11-udh-2seg-8bit", 2), readSegments(f, "v12-udh-3seg-16bit", 3)...) {
		f.Add(s)
	}
	f.Add([]byte{6, 5, 4, 0x0B, 0x84, 0x23, 0xF0})
	f.Fuzz(func(t *testing.T, ud []byte) {
		h, payload, err := ParseUDH(ud)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("%T %v is not a *DecodeError", err, err)
			}
			return
		}
		enc, err := h.Append(nil)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(append(enc, payload...), ud) {
			t.Fatalf("re-encoded %x, input %x", enc, ud)
		}
	})
}
