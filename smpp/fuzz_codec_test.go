package smpp

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// FuzzUnmarshal feeds arbitrary octets to the decoder, seeded with every
// golden vector and a random PDU of every type. Decoding must not panic;
// what decodes must encode, and decode again to the same PDU.
func FuzzUnmarshal(f *testing.F) {
	for _, v := range loadVectors(f) {
		f.Add(v.pdu)
	}
	r := rand.New(rand.NewPCG(5, 6))
	for _, id := range allCommandIDs() {
		b, err := Append(nil, randomPDU(r, id))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		p, err := Unmarshal(in, 0)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %v is not a *DecodeError", err)
			}
			return
		}
		b, err := Append(nil, p)
		if err != nil {
			t.Fatalf("decoded %+v but Append failed: %v", p, err)
		}
		q, err := Unmarshal(b, 0)
		if err != nil {
			t.Fatalf("re-decoding %x: %v", b, err)
		}
		if !reflect.DeepEqual(p, q) {
			t.Fatalf("decode→encode→decode changed the PDU\nfirst  %+v\nsecond %+v", p, q)
		}
		if b2, _ := Append(nil, q); !bytes.Equal(b, b2) {
			t.Fatalf("encoding is not stable\n%x\n%x", b, b2)
		}
	})
}

// FuzzParseReceipt: no panic, and once parsed, a receipt's text is a fixed
// point of Append and ParseReceipt (the first pass may drop seconds).
func FuzzParseReceipt(f *testing.F) {
	f.Add([]byte("id:5f3a0001 sub:001 dlvrd:001 submit date:2403051230 done date:2403051231 stat:DELIVRD err:000 text:"))
	f.Add([]byte("id:1 sub:001 dlvrd:000 submit date:240305123001 done date:240305123202 stat:UNDELIV err:027 Text:abc def"))
	f.Add([]byte("stat:EXPIRED id:x"))
	f.Fuzz(func(t *testing.T, in []byte) {
		r1, err := ParseReceipt(in)
		if err != nil {
			var re *ReceiptError
			if !errors.As(err, &re) {
				t.Fatalf("error %v is not a *ReceiptError", err)
			}
			return
		}
		r2, err := ParseReceipt(r1.Append(nil))
		if err != nil {
			t.Fatalf("re-parsing %q: %v", r1.String(), err)
		}
		r3, err := ParseReceipt(r2.Append(nil))
		if err != nil || r3 != r2 {
			t.Fatalf("not stable: %+v then %+v (%v)", r2, r3, err)
		}
	})
}

// FuzzParseTime: no panic, and an absolute time formats back to the same
// instant.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"261126124052000+", "000000001000000R", "261126124052348-", "991231235959948+"} {
		f.Add(s)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		at, err := ParseTime(s, now)
		if err != nil || s == "" || s[len(s)-1] == 'R' {
			return
		}
		back, err := ParseTime(AbsoluteTime(at), now)
		if err != nil || !back.Equal(at) {
			t.Fatalf("%q → %v → %q → %v (%v)", s, at, AbsoluteTime(at), back, err)
		}
	})
}
