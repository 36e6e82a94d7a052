package handset

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/txpush/txpush/mms"
	"github.com/txpush/txpush/sms"
	"github.com/txpush/txpush/wap/co"
	"github.com/txpush/txpush/wap/si"
	"github.com/txpush/txpush/wap/sl"
	"github.com/txpush/txpush/wap/wsp"
)

// alphabet is how the octets of a text message are read.
type alphabet uint8

const (
	gsm7   alphabet = iota // GSM 7-bit default alphabet, one septet per octet
	data8                  // 8-bit data: not text
	ucs2                   // UTF-16 big-endian
	latin1                 // ISO-8859-1 (and its subset IA5), SMPP data_coding 1 and 3
)

func (a alphabet) String() string {
	switch a {
	case gsm7:
		return "gsm7"
	case ucs2:
		return "ucs2"
	case latin1:
		return "latin1"
	}
	return "8bit"
}

// airAlphabet reads a TP-DCS (3GPP TS 23.038 §4).
func airAlphabet(dcs byte) alphabet {
	switch sms.CodingOf(dcs) {
	case sms.GSM7:
		return gsm7
	case sms.UCS2:
		return ucs2
	}
	return data8
}

// smppAlphabet reads an SMPP data_coding (3.4 section 5.2.19), which
// differs from TP-DCS below 0xC0: 1 is IA5, 3 Latin-1, 2 and 4 binary, and
// the national character sets 5–14 are not decoded (their octets are kept
// as 8-bit data).
func smppAlphabet(dc byte) alphabet {
	switch {
	case dc == 0x00:
		return gsm7
	case dc == 0x01 || dc == 0x03:
		return latin1
	case dc == 0x08:
		return ucs2
	case dc >= 0xC0:
		return airAlphabet(dc)
	}
	return data8
}

// decodeText reads the text of a whole message; 8-bit data comes back as
// data, not text.
func decodeText(a alphabet, b []byte) (text string, data []byte, err error) {
	switch a {
	case gsm7:
		text, err = sms.DecodeSeptets(b)
	case ucs2:
		text, err = sms.DecodeUCS2(b)
	case latin1:
		r := make([]byte, 0, len(b))
		for _, c := range b {
			r = utf8.AppendRune(r, rune(c))
		}
		text = string(r)
	default:
		data = append([]byte(nil), b...)
	}
	return text, data, err
}

// contentTypeMMS is the media type of an MMS PDU (WSP code 0x3E).
const contentTypeMMS = "application/vnd.wap.mms-message"

// fetchTarget is what a push makes the handset fetch.
type fetchTarget struct {
	url    string
	accept string // the Accept header
}

// describePush fills e with the push's content type, application and
// decoded document, and returns what a handset would fetch because of it
// (no URL when it would fetch nothing). The error says why the document
// could not be decoded.
func describePush(e *Event, p *wsp.Push) (fetchTarget, error) {
	e.ContentType = p.ContentType.Value
	id, uri, registered := p.ApplicationID()
	e.AppID = uri
	if name, ok := wsp.AppIDName(id); registered && ok {
		e.AppID = name // the URN, however the header was written
	}
	ct := strings.ToLower(p.ContentType.Value)
	switch ct {
	case si.ContentTypeWBXML, si.ContentType:
		var doc *si.SI
		var err error
		if ct == si.ContentTypeWBXML {
			doc, err = si.DecodeWBXML(p.Body)
		} else {
			doc, err = si.Parse(p.Body)
		}
		if err != nil {
			return fetchTarget{}, fmt.Errorf("SI: %w", err)
		}
		e.Href, e.SIID, e.Text, e.Action = doc.Href, doc.SIID, doc.Text, string(doc.ActionOrDefault())
		e.Created, e.Expires = doc.Created, doc.Expires
		// WAP-167 section 5: an expired SI is dropped silently, and a
		// delete only removes a stored SI; neither is fetched.
		e.Expired = !doc.Expires.IsZero() && !doc.Expires.After(e.At)
		if e.Expired || doc.ActionOrDefault() == si.Delete {
			return fetchTarget{}, nil
		}
		return fetchTarget{url: doc.Href, accept: "*/*"}, nil
	case sl.ContentTypeWBXML, sl.ContentType:
		var doc *sl.SL
		var err error
		if ct == sl.ContentTypeWBXML {
			doc, err = sl.DecodeWBXML(p.Body)
		} else {
			doc, err = sl.Parse(p.Body)
		}
		if err != nil {
			return fetchTarget{}, fmt.Errorf("SL: %w", err)
		}
		e.Href, e.Action = doc.Href, string(doc.ActionOrDefault())
		return fetchTarget{url: doc.Href, accept: "*/*"}, nil
	case co.ContentTypeWBXML, co.ContentType:
		var doc *co.CO
		var err error
		if ct == co.ContentTypeWBXML {
			doc, err = co.DecodeWBXML(p.Body)
		} else {
			doc, err = co.Parse(p.Body)
		}
		if err != nil {
			return fetchTarget{}, fmt.Errorf("CO: %w", err)
		}
		for _, inv := range doc.Invalidations {
			e.Invalidations = append(e.Invalidations, Invalidation{Service: inv.Target == co.Service, URI: inv.URI})
		}
		return fetchTarget{}, nil
	case contentTypeMMS:
		pdu, err := mms.Parse(p.Body)
		if err != nil {
			return fetchTarget{}, fmt.Errorf("MMS: %w", err)
		}
		n, ok := pdu.(*mms.NotificationInd)
		if !ok {
			return fetchTarget{}, errors.New("MMS: pushed PDU is not an m-notification-ind")
		}
		e.Href, e.TransactionID, e.MessageSize = n.ContentLocation, n.TransactionID, n.Size
		if n.Subject != nil {
			e.Subject = n.Subject.Text
		}
		if n.From != nil && !n.From.Insert {
			e.From = n.From.Address.Text
		}
		return fetchTarget{url: n.ContentLocation, accept: contentTypeMMS}, nil
	}
	// Another content type (SyncML, provisioning ...): recorded, not read.
	return fetchTarget{}, nil
}
