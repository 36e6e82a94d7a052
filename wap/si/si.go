// Package si implements the WAP Service Indication (SI 1.0,
// WAP-167-ServiceInd): the push document that shows the user a message and
// a URL to fetch. It parses and validates the XML form a push initiator
// sends, compiles it to WBXML for the air, decodes that WBXML again on the
// handset side, and writes the XML back.
package si

import (
	"time"

	"github.com/txpush/txpush/wap/wbxml"
)

// Media types and their WSP well-known content-type codes (WAP-230-WSP
// table 40).
const (
	ContentType          = "text/vnd.wap.si"
	ContentTypeWBXML     = "application/vnd.wap.sic"
	ContentTypeCode      = 0x2D // text/vnd.wap.si
	ContentTypeWBXMLCode = 0x2E // application/vnd.wap.sic
)

// Identifiers of the SI 1.0 DTD.
const (
	PublicID = wbxml.PublicIDSI10 // WBXML public identifier
	FPI      = "-//WAPFORUM//DTD SI 1.0//EN"
	SystemID = "http://www.wapforum.org/DTD/si.dtd"
)

// Version is the WBXML version SI documents are compiled to: 1.2, as Kannel
// and xml2wbxml -v 1.2 produce and every SI-capable handset reads.
const Version = wbxml.Version12

// Table holds the SI 1.0 tokens (WAP-167 section 9). It is read-only.
var Table = &wbxml.TokenTable{
	PublicID: PublicID,
	FPI:      FPI,
	SystemID: SystemID,
	Tags: []wbxml.Tag{
		{Token: 0x05, Name: "si"},
		{Token: 0x06, Name: "indication"},
		{Token: 0x07, Name: "info"},
		{Token: 0x08, Name: "item"},
	},
	AttrStarts: []wbxml.AttrStart{
		{Token: 0x05, Name: "action", Prefix: "signal-none"},
		{Token: 0x06, Name: "action", Prefix: "signal-low"},
		{Token: 0x07, Name: "action", Prefix: "signal-medium"},
		{Token: 0x08, Name: "action", Prefix: "signal-high"},
		{Token: 0x09, Name: "action", Prefix: "delete"},
		{Token: 0x0A, Name: "created"},
		{Token: 0x0B, Name: "href"},
		{Token: 0x0C, Name: "href", Prefix: "http://"},
		{Token: 0x0D, Name: "href", Prefix: "http://www."},
		{Token: 0x0E, Name: "href", Prefix: "https://"},
		{Token: 0x0F, Name: "href", Prefix: "https://www."},
		{Token: 0x10, Name: "si-expires"},
		{Token: 0x11, Name: "si-id"},
		{Token: 0x12, Name: "class"},
	},
	AttrValues: []wbxml.AttrValue{
		{Token: 0x85, Value: ".com/"},
		{Token: 0x86, Value: ".edu/"},
		{Token: 0x87, Value: ".net/"},
		{Token: 0x88, Value: ".org/"},
	},
}

// Action says how intrusively the handset presents the indication.
type Action string

// The values of the action attribute.
const (
	SignalNone   Action = "signal-none"
	SignalLow    Action = "signal-low"
	SignalMedium Action = "signal-medium" // the default
	SignalHigh   Action = "signal-high"
	Delete       Action = "delete" // remove the stored SI with this si-id
)

func (a Action) valid() bool {
	switch a {
	case SignalNone, SignalLow, SignalMedium, SignalHigh, Delete:
		return true
	}
	return false
}

// SI is a Service Indication.
type SI struct {
	// Href is the URL the user is offered; "" if absent.
	Href string
	// SIID identifies the indication so that a later one can replace or
	// delete it; "" if absent, in which case Href stands for it.
	SIID string
	// Created is when the content was created, used to discard an SI older
	// than the stored one with the same id; zero if absent.
	Created time.Time
	// Expires is the si-expires date after which the handset drops the
	// SI; zero if absent.
	Expires time.Time
	// Action is "" when the attribute is absent, which means SignalMedium.
	Action Action
	// Text is the message shown to the user.
	Text string
	// Info holds the optional info items.
	Info []Item

	// order is the order in which the indication's attributes were read,
	// so that a parsed document compiles as xml2wbxml compiles it.
	order attrOrder
}

// Item is an info item: an application-specific class and text.
type Item struct {
	Class string
	Text  string
}

// ID returns the SI's identity: si-id, or href when si-id is absent.
func (s *SI) ID() string {
	if s.SIID != "" {
		return s.SIID
	}
	return s.Href
}

// ActionOrDefault returns the action, SignalMedium when absent.
func (s *SI) ActionOrDefault() Action {
	if s.Action == "" {
		return SignalMedium
	}
	return s.Action
}

// Attribute identities of <indication>, in the order used for an SI built
// in code (that of the WAP Forum's and Kannel's samples).
type attrID uint8

const (
	attrNone attrID = iota
	attrHref
	attrSIID
	attrAction
	attrCreated
	attrExpires
	numAttrs = int(attrExpires)
)

var attrNames = [...]string{attrHref: "href", attrSIID: "si-id", attrAction: "action", attrCreated: "created", attrExpires: "si-expires"}

type attrOrder [numAttrs]attrID

// sequence returns the order in which to write the attributes: those read,
// in their order, then any others in the canonical order.
func (o *attrOrder) sequence() attrOrder {
	seq := *o
	n := 0
	var seen [numAttrs + 1]bool
	for _, id := range o {
		if id == attrNone {
			break
		}
		seen[id] = true
		n++
	}
	for id := attrHref; int(id) <= numAttrs; id++ {
		if !seen[id] {
			seq[n] = id
			n++
		}
	}
	return seq
}

func (o *attrOrder) add(id attrID) {
	for i := range o {
		if o[i] == attrNone {
			o[i] = id
			return
		}
	}
}
