package mms

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/txpush/txpush/internal/testvec"
)

const v06 = "v06-mms-notification-ind/m-notification-ind.bin"

// v06Notification is the content of vector v06 (mms-notification.md §3).
func v06Notification() *NotificationInd {
	return &NotificationInd{
		TransactionID:   "T0001",
		Version:         Version12,
		From:            &From{Address: EncodedString{Text: "+358401234567/TYPE=PLMN"}},
		Subject:         &EncodedString{Text: "Holiday photos"},
		Class:           ClassPersonal,
		Size:            12345,
		Expiry:          Expiry{After: 7 * 24 * time.Hour},
		ContentLocation: "http://mmsc.example.com/mms?id=AB12",
	}
}

func TestVectorV06(t *testing.T) {
	want := testvec.Read(t, v06)
	got, err := v06Notification().Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Marshal:\n got %x\nwant %x", got, want)
	}
	p, err := Parse(want)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p, v06Notification()) {
		t.Errorf("Parse: got %+v", p)
	}
	// v09 carries the same octets after its 6-octet WSP push header.
	push := testvec.Read(t, "v09-wsp-push-mms/push.bin")
	if !bytes.Equal(push[6:], want) {
		t.Error("v09 body differs from v06")
	}
}

// TestFieldEncodings checks the worked encodings of mms-notification.md.
func TestFieldEncodings(t *testing.T) {
	yes := true
	base := func(mod func(n *NotificationInd)) *NotificationInd {
		n := v06Notification()
		n.From, n.Subject = nil, nil
		mod(n)
		return n
	}
	tests := []struct {
		name string
		n    *NotificationInd
		want string // octets expected somewhere in the encoding
	}{
		{"subject utf-8", base(func(n *NotificationInd) { n.Subject = &EncodedString{Charset: 106, Text: "Grüße"} }),
			"96 09 EA 47 72 C3 BC C3 9F 65 00"},
		{"absolute expiry", base(func(n *NotificationInd) {
			n.Expiry = Expiry{Absolute: true, At: time.Date(2024, 3, 12, 0, 0, 0, 0, time.UTC)}
		}), "88 06 80 04 65 EF 9B 00"},
		{"relative expiry", base(func(n *NotificationInd) {}), "88 05 81 03 09 3A 80"},
		{"size", base(func(n *NotificationInd) {}), "8E 02 30 39"},
		{"insert address", base(func(n *NotificationInd) { n.From = &From{Insert: true} }), "89 01 81"},
		{"from with charset", base(func(n *NotificationInd) {
			n.From = &From{Address: EncodedString{Charset: 106, Text: "a@b"}}
		}), "89 07 80 05 EA 61 40 62 00"},
		{"class text", base(func(n *NotificationInd) { n.Class = "x-own" }), "8A 78 2D 6F 77 6E 00"},
		{"class auto", base(func(n *NotificationInd) { n.Class = "Auto" }), "8A 83"},
		{"delivery report", base(func(n *NotificationInd) { n.DeliveryReport = &yes }), "86 80"},
		{"priority", base(func(n *NotificationInd) { n.Priority = PriorityHigh }), "8F 82"},
		{"version 1.0", base(func(n *NotificationInd) { n.Version = Version10 }), "8C 82 98 54 30 30 30 31 00 8D 90"},
		{"other field", base(func(n *NotificationInd) { n.Other = []Field{{Code: 0x33, Value: []byte{0x80}}} }), "B3 80"},
		{"long location", base(func(n *NotificationInd) { n.ContentLocation = strings.Repeat("u", 200) }), "83 75 75"},
	}
	for _, tt := range tests {
		b, err := tt.n.Marshal()
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if !bytes.Contains(b, testvec.Hex(t, tt.want)) {
			t.Errorf("%s: %x does not contain %s", tt.name, b, tt.want)
		}
		p, err := Parse(b)
		if err != nil {
			t.Errorf("%s: parse: %v", tt.name, err)
			continue
		}
		want := *tt.n
		if tt.name == "class auto" {
			want.Class = ClassAuto
		}
		if !reflect.DeepEqual(p, &want) {
			t.Errorf("%s: round trip got %+v, want %+v", tt.name, p, &want)
		}
	}
}

func TestNotifyRespInd(t *testing.T) {
	no := false
	n := &NotifyRespInd{TransactionID: "T0001", Version: Version12, Status: StatusRetrieved, ReportAllowed: &no}
	b, err := n.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	want := testvec.Hex(t, "8C 83 98 54 30 30 30 31 00 8D 92 95 81 91 81")
	if !bytes.Equal(b, want) {
		t.Errorf("got %x, want %x", b, want)
	}
	p, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p, n) {
		t.Errorf("got %+v", p)
	}
	if _, err := ParseNotificationInd(b); err == nil {
		t.Error("ParseNotificationInd accepted m-notifyresp-ind")
	}
}

func TestParseErrors(t *testing.T) {
	v := testvec.Read(t, v06)
	tests := []struct {
		name   string
		in     []byte
		field  string
		offset int
	}{
		{"empty", nil, "X-Mms-Message-Type", 0},
		{"tid first", testvec.Hex(t, "98 41 00 8C 82 8D 92"), "X-Mms-Message-Type", 0},
		{"version before tid", testvec.Hex(t, "8C 82 8D 92 98 41 00"), "X-Mms-Transaction-ID", 2},
		{"send-req", testvec.Hex(t, "8C 80 98 41 00 8D 92"), "X-Mms-Message-Type", 1},
		{"empty tid", testvec.Hex(t, "8C 82 98 00 8D 92"), "X-Mms-Transaction-ID", 3},
		{"major 2", testvec.Hex(t, "8C 82 98 41 00 8D A0"), "X-Mms-MMS-Version", 6},
		{"no class", bytes.Replace(v, []byte{0x8A, 0x80}, nil, 1), "X-Mms-Message-Class", len(v) - 2},
		{"no location", v[:67], "X-Mms-Content-Location", 67},
		{"duplicate size", append(append([]byte(nil), v...), 0x8E, 0x01, 0x05), "X-Mms-Message-Size", len(v)},
		{"bad class", bytes.Replace(v, []byte{0x8A, 0x80}, []byte{0x8A, 0x90}, 1), "X-Mms-Message-Class", 55},
		{"bad expiry token", bytes.Replace(v, testvec.Hex(t, "88 05 81"), testvec.Hex(t, "88 05 82"), 1), "X-Mms-Expiry", 62},
		{"expiry too long", bytes.Replace(v, testvec.Hex(t, "88 05 81"), testvec.Hex(t, "88 06 81"), 1), "X-Mms-Expiry", 67},
		{"from token", bytes.Replace(v, testvec.Hex(t, "89 19 80"), testvec.Hex(t, "89 19 82"), 1), "From", 13},
		{"not a field", append(append([]byte(nil), v...), 0x20), "field", len(v)},
		{"bad status", testvec.Hex(t, "8C 83 98 41 00 8D 92 95 90"), "X-Mms-Status", 8},
		{"no status", testvec.Hex(t, "8C 83 98 41 00 8D 92"), "X-Mms-Status", 7},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in)
		var de *DecodeError
		if !errors.As(err, &de) {
			t.Errorf("%s: got %v, want *DecodeError", tt.name, err)
			continue
		}
		if de.Field != tt.field || de.Offset != tt.offset {
			t.Errorf("%s: got %q at %d (%v), want %q at %d", tt.name, de.Field, de.Offset, err, tt.field, tt.offset)
		}
	}
}

func TestEncodeErrors(t *testing.T) {
	tests := map[string]func(n *NotificationInd){
		"no tid":         func(n *NotificationInd) { n.TransactionID = "" },
		"no location":    func(n *NotificationInd) { n.ContentLocation = "" },
		"version 2":      func(n *NotificationInd) { n.Version = 0x20 },
		"empty class":    func(n *NotificationInd) { n.Class = "" },
		"NUL in subject": func(n *NotificationInd) { n.Subject = &EncodedString{Text: "a\x00"} },
		"bad priority":   func(n *NotificationInd) { n.Priority = 0x90 },
		"past 1970":      func(n *NotificationInd) { n.Expiry = Expiry{Absolute: true, At: time.Unix(-1, 0)} },
		"negative delay": func(n *NotificationInd) { n.Expiry = Expiry{After: -time.Second} },
		"other is known": func(n *NotificationInd) { n.Other = []Field{{Code: fieldMessageSize, Value: []byte{0x80}}} },
		"other bad":      func(n *NotificationInd) { n.Other = []Field{{Code: 0x33, Value: []byte{0x80, 0x80}}} },
	}
	for name, mod := range tests {
		n := v06Notification()
		mod(n)
		out, err := n.Append([]byte("keep"))
		var ee *EncodeError
		if !errors.As(err, &ee) || string(out) != "keep" {
			t.Errorf("%s: got %q, %v", name, out, err)
		}
	}
	r := &NotifyRespInd{TransactionID: "x", Version: Version12}
	if _, err := r.Marshal(); err == nil {
		t.Error("notifyresp without status encoded")
	}
}

// TestTruncated cuts v06 at every length: each prefix is an error.
func TestTruncated(t *testing.T) {
	v := testvec.Read(t, v06)
	for i := range len(v) {
		_, err := Parse(v[:i])
		var de *DecodeError
		if !errors.As(err, &de) {
			t.Fatalf("v06[:%d]: got %v, want *DecodeError", i, err)
		}
		if de.Offset > i {
			t.Errorf("v06[:%d]: offset %d beyond the input", i, de.Offset)
		}
	}
}

func randomText(rng *rand.Rand, n int) string {
	b := make([]byte, 1+rng.IntN(n))
	for i := range b {
		b[i] = byte(0x20 + rng.UintN(0x5F))
	}
	return string(b)
}

func TestRoundTripRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 3000 {
		n := &NotificationInd{
			TransactionID:   randomText(rng, 30),
			Version:         Version(0x10 + rng.IntN(4)),
			Class:           classes[rng.IntN(len(classes))],
			Size:            rng.Uint64(),
			ContentLocation: "http://" + randomText(rng, 150),
		}
		if rng.IntN(2) == 0 {
			n.Expiry = Expiry{Absolute: true, At: time.Unix(rng.Int64N(1<<40), 0).UTC()}
		} else {
			n.Expiry = Expiry{After: time.Duration(rng.Int64N(1<<32)) * time.Second}
		}
		switch rng.IntN(3) {
		case 0:
			n.From = &From{Insert: true}
		case 1:
			n.From = &From{Address: EncodedString{Charset: uint64(rng.IntN(3) * 53), Text: randomText(rng, 60)}}
		}
		if rng.IntN(2) == 0 {
			n.Subject = &EncodedString{Charset: uint64(rng.IntN(2) * 106), Text: randomText(rng, 100)}
		}
		if rng.IntN(2) == 0 {
			n.Class = MessageClass("x" + strconv.Itoa(rng.IntN(99)))
		}
		if rng.IntN(3) == 0 {
			b := rng.IntN(2) == 0
			n.DeliveryReport = &b
		}
		if rng.IntN(3) == 0 {
			n.Priority = Priority(0x80 + rng.IntN(3))
		}
		b, err := n.Marshal()
		if err != nil {
			t.Fatalf("%+v: %v", n, err)
		}
		p, err := Parse(b)
		if err != nil {
			t.Fatalf("%x: %v", b, err)
		}
		if !reflect.DeepEqual(p, n) {
			t.Fatalf("round trip:\n got %+v\nwant %+v", p, n)
		}
	}
}

func TestGarbage(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	v := testvec.Read(t, v06)
	for range 20000 {
		// Mutate a few octets of v06 so that most inputs get past the
		// leading fields.
		b := append([]byte(nil), v[:rng.IntN(len(v)+1)]...)
		for range 1 + rng.IntN(4) {
			if len(b) > 0 {
				b[rng.IntN(len(b))] = byte(rng.UintN(256))
			}
		}
		p, err := Parse(b)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("%x: %T %v is not a *DecodeError", b, err, err)
			}
			continue
		}
		checkStable(t, p)
	}
}

// checkStable checks that a parsed PDU encodes and that encoding reaches a
// fixed point.
func checkStable(t testing.TB, p PDU) {
	t.Helper()
	b2, err := p.Append(nil)
	if err != nil {
		t.Fatalf("%+v: re-encode: %v", p, err)
	}
	p2, err := Parse(b2)
	if err != nil {
		t.Fatalf("%x: parse of own encoding: %v", b2, err)
	}
	b3, err := p2.Append(nil)
	if err != nil || !bytes.Equal(b2, b3) {
		t.Fatalf("encoding not stable: %v\n%x\n%x", err, b2, b3)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(testvec.Read(f, v06))
	f.Add(testvec.Hex(f, "8C 83 98 54 30 30 30 31 00 8D 92 95 81 91 81"))
	f.Add(testvec.Hex(f, "8C 82 98 41 00 8D 92 8A 80 8E 01 05 88 06 80 04 65 EF 9B 00 83 75 00 96 09 EA 47 72 C3 BC C3 9F 65 00 89 01 81"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Parse(b)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("%T %v is not a *DecodeError", err, err)
			}
			return
		}
		checkStable(t, p)
	})
}
