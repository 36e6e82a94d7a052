package smpp

import (
	"errors"
	"testing"
	"time"
)

func TestParseReceipt(t *testing.T) {
	utc := func(y int, mo time.Month, d, h, mi, s int) time.Time {
		return time.Date(y, mo, d, h, mi, s, 0, time.UTC)
	}
	tests := []struct {
		name string
		in   string
		want Receipt
	}{
		{"appendix B layout",
			"id:0123456789 sub:001 dlvrd:001 submit date:2403051230 done date:2403051231 stat:DELIVRD err:000 text:Hello world, this is",
			Receipt{ID: "0123456789", Sub: 1, Dlvrd: 1, SubmitDate: utc(2024, 3, 5, 12, 30, 0), DoneDate: utc(2024, 3, 5, 12, 31, 0),
				Stat: "DELIVRD", Err: "000", Text: "Hello world, this is"}},
		{"Text: capitalised as in the appendix",
			"id:7 sub:001 dlvrd:000 submit date:2403051230 done date:2403051232 stat:UNDELIV err:027 Text:abc",
			Receipt{ID: "7", Sub: 1, SubmitDate: utc(2024, 3, 5, 12, 30, 0), DoneDate: utc(2024, 3, 5, 12, 32, 0),
				Stat: "UNDELIV", Err: "027", Text: "abc"}},
		{"dates with seconds, hex id, no text",
			"id:5F3A00FF sub:001 dlvrd:001 submit date:240305123001 done date:240305123159 stat:DELIVRD err:000",
			Receipt{ID: "5F3A00FF", Sub: 1, Dlvrd: 1, SubmitDate: utc(2024, 3, 5, 12, 30, 1), DoneDate: utc(2024, 3, 5, 12, 31, 59),
				Stat: "DELIVRD", Err: "000"}},
		{"only id and stat, other order, unknown word",
			"stat:EXPIRED foo:bar id:abc-def",
			Receipt{ID: "abc-def", Stat: "EXPIRED"}},
		{"upper-case keys, empty text",
			"ID:1 SUB:002 DLVRD:001 SUBMIT DATE:0000000000 DONE DATE:2512312359 STAT:ACCEPTD ERR:000 TEXT:",
			Receipt{ID: "1", Sub: 2, Dlvrd: 1, DoneDate: utc(2025, 12, 31, 23, 59, 0), Stat: "ACCEPTD", Err: "000"}},
	}
	for _, tt := range tests {
		got, err := ParseReceipt([]byte(tt.in))
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.name, got, tt.want)
		}
	}
}

func TestParseReceiptErrors(t *testing.T) {
	tests := []struct {
		in     string
		field  string
		offset int
	}{
		{"sub:001 stat:DELIVRD", "id", 0},
		{"id:1 sub:001", "stat", 0},
		{"id:1 sub:0x1 stat:DELIVRD", "sub", 9},
		{"id:1 dlvrd: stat:DELIVRD", "dlvrd", 11},
		{"id:1 submit date:24030512 stat:DELIVRD", "submit date", 17},
		{"id:1 done date:2413051230 stat:DELIVRD", "done date", 15},
		{"id:1 done date:24030512a0 stat:DELIVRD", "done date", 15},
	}
	for _, tt := range tests {
		_, err := ParseReceipt([]byte(tt.in))
		var re *ReceiptError
		if !errors.As(err, &re) {
			t.Errorf("%q: got %v, want a *ReceiptError", tt.in, err)
			continue
		}
		if re.Field != tt.field || re.Offset != tt.offset {
			t.Errorf("%q: error at %s offset %d, want %s offset %d (%v)", tt.in, re.Field, re.Offset, tt.field, tt.offset, err)
		}
	}
}

func TestReceiptAppend(t *testing.T) {
	r := Receipt{ID: "5f3a0001", Sub: 1, Dlvrd: 12, SubmitDate: time.Date(2024, 3, 5, 12, 30, 45, 0, time.UTC),
		Stat: StateDelivered.Stat(), Err: "000", Text: "hello"}
	want := "id:5f3a0001 sub:001 dlvrd:012 submit date:2403051230 done date:0000000000 stat:DELIVRD err:000 text:hello"
	if got := string(r.Append([]byte{})); got != want {
		t.Errorf("Append:\n got %s\nwant %s", got, want)
	}
	if got := r.String(); got != want {
		t.Errorf("String() = %s", got)
	}
	back, err := ParseReceipt([]byte(want))
	if err != nil {
		t.Fatal(err)
	}
	// Append writes dates to the minute.
	r.SubmitDate = r.SubmitDate.Truncate(time.Minute)
	if back != r {
		t.Errorf("round trip:\n got %+v\nwant %+v", back, r)
	}
	if got := string(Receipt{Sub: 1234}.Append(nil)); got[:17] != "id: sub:1234 dlvr" {
		t.Errorf("4-digit count: %s", got)
	}
}

func TestMessageState(t *testing.T) {
	tests := []struct {
		state      MessageState
		name, stat string
	}{
		{StateEnroute, "ENROUTE", "ENROUTE"},
		{StateDelivered, "DELIVERED", "DELIVRD"},
		{StateExpired, "EXPIRED", "EXPIRED"},
		{StateDeleted, "DELETED", "DELETED"},
		{StateUndeliverable, "UNDELIVERABLE", "UNDELIV"},
		{StateAccepted, "ACCEPTED", "ACCEPTD"},
		{StateUnknown, "UNKNOWN", "UNKNOWN"},
		{StateRejected, "REJECTED", "REJECTD"},
	}
	for i, tt := range tests {
		if byte(tt.state) != byte(i+1) {
			t.Errorf("%s = %d, want %d", tt.name, tt.state, i+1)
		}
		if tt.state.String() != tt.name || tt.state.Stat() != tt.stat || len(tt.stat) != 7 {
			t.Errorf("state %d: String %q Stat %q", byte(tt.state), tt.state.String(), tt.state.Stat())
		}
		for _, s := range []string{tt.stat, tt.name} {
			if got, ok := StateFromStat(s); !ok || got != tt.state {
				t.Errorf("StateFromStat(%q) = %v, %v", s, got, ok)
			}
		}
	}
	if _, ok := StateFromStat("DELIVER"); ok {
		t.Error("StateFromStat accepted DELIVER")
	}
	if s := MessageState(9); s.String() != "message_state(9)" || s.Stat() != "" {
		t.Errorf("state 9: %q %q", s.String(), s.Stat())
	}
}
