package pap

import "testing"

func TestCodes(t *testing.T) {
	cases := []struct {
		code      Code
		class     Class
		known     bool
		canonical Code
		text      string
	}{
		{CodeOK, ClassSuccess, true, CodeOK, "OK"},
		{CodeAccepted, ClassSuccess, true, CodeAccepted, "Accepted for processing"},
		{CodeAddressError, ClassClientError, true, CodeAddressError, "Address error"},
		{CodeVersionNotSupported, ClassServerError, true, CodeVersionNotSupported, "Version not supported"},
		{CodeReplacementNotSupported, ClassServerError, true, CodeReplacementNotSupported, "Replacement not supported"},
		{CodeServiceUnavailable, ClassServiceFailure, true, CodeServiceUnavailable, "Service unavailable"},
		{5028, ClassMobileAbort, false, CodeMobileClientAborted, "Mobile client aborted"}, // Kannel's "user pending"
		{2600, ClassClientError, false, CodeBadRequest, "Bad request"},
		{1999, ClassSuccess, false, CodeOK, "OK"},
		{4500, ClassServiceFailure, false, CodeServiceFailure, "Service failure"},
	}
	for _, c := range cases {
		if c.code.Class() != c.class || c.code.Known() != c.known || c.code.Canonical() != c.canonical ||
			c.code.Text() != c.text || !c.code.Valid() || c.code.Success() != (c.class == ClassSuccess) {
			t.Errorf("%d: class %v known %v canonical %d text %q", c.code, c.code.Class(), c.code.Known(), c.code.Canonical(), c.code.Text())
		}
	}
	for _, c := range []Code{0, 999, 6000, -1000} {
		if c.Valid() || c.Text() != "" || c.Canonical() != c {
			t.Errorf("%d is taken for a valid code", c)
		}
	}
	if s := CodeAddressError.String(); s != "2002 Address error" {
		t.Errorf("String() = %q", s)
	}
	// Every code of pap.md §4 is defined.
	for _, c := range []Code{1000, 1001, 2000, 2001, 2002, 2003, 2004, 2005, 2006, 2007, 2008,
		3000, 3001, 3002, 3003, 3004, 3005, 3006, 3007, 3008, 3009, 3010, 3011, 4000, 4001, 5000} {
		if !c.Known() {
			t.Errorf("%d is not defined", c)
		}
	}
	if len(codeText) != 26 {
		t.Errorf("%d codes defined, pap.md lists 26", len(codeText))
	}
}

func TestEnumerations(t *testing.T) {
	for _, s := range []MessageState{StateUndeliverable, StatePending, StateExpired, StateDelivered,
		StateAborted, StateTimeout, StateCancelled, StateUnknown} {
		if !s.Valid() {
			t.Errorf("%q not valid", s)
		}
		if s.Final() == (s == StatePending || s == StateUnknown) {
			t.Errorf("%q: Final() = %v", s, s.Final())
		}
	}
	for _, bad := range []MessageState{"", "Delivered", "canceled"} {
		if bad.Valid() {
			t.Errorf("%q valid", bad)
		}
	}
	if !PriorityLow.Valid() || Priority("urgent").Valid() || Priority("").Valid() {
		t.Error("Priority.Valid")
	}
	if !DeliveryPreferConfirmed.Valid() || DeliveryMethod("reliable").Valid() {
		t.Error("DeliveryMethod.Valid")
	}
	if ClassMobileAbort.String() != "mobile client abort" || Class(9).String() != "class 9" {
		t.Error("Class.String")
	}
}
