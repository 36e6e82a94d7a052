package wsp

import (
	"strconv"
	"strings"
)

// contentTypes is the WSP well-known content type table (WAP-230 Appendix
// A, OMNA registry), indexed by code; the wire octet is 0x80 | code.
// The registry spells code 0x0E "multipart/byterantes"; the correct MIME
// spelling is used here.
var contentTypes = [...]string{
	0x00: "*/*",
	0x01: "text/*",
	0x02: "text/html",
	0x03: "text/plain",
	0x04: "text/x-hdml",
	0x05: "text/x-ttml",
	0x06: "text/x-vCalendar",
	0x07: "text/x-vCard",
	0x08: "text/vnd.wap.wml",
	0x09: "text/vnd.wap.wmlscript",
	0x0A: "text/vnd.wap.wta-event",
	0x0B: "multipart/*",
	0x0C: "multipart/mixed",
	0x0D: "multipart/form-data",
	0x0E: "multipart/byteranges",
	0x0F: "multipart/alternative",
	0x10: "application/*",
	0x11: "application/java-vm",
	0x12: "application/x-www-form-urlencoded",
	0x13: "application/x-hdmlc",
	0x14: "application/vnd.wap.wmlc",
	0x15: "application/vnd.wap.wmlscriptc",
	0x16: "application/vnd.wap.wta-eventc",
	0x17: "application/vnd.wap.uaprof",
	0x18: "application/vnd.wap.wtls-ca-certificate",
	0x19: "application/vnd.wap.wtls-user-certificate",
	0x1A: "application/x-x509-ca-cert",
	0x1B: "application/x-x509-user-cert",
	0x1C: "image/*",
	0x1D: "image/gif",
	0x1E: "image/jpeg",
	0x1F: "image/tiff",
	0x20: "image/png",
	0x21: "image/vnd.wap.wbmp",
	0x22: "application/vnd.wap.multipart.*",
	0x23: "application/vnd.wap.multipart.mixed",
	0x24: "application/vnd.wap.multipart.form-data",
	0x25: "application/vnd.wap.multipart.byteranges",
	0x26: "application/vnd.wap.multipart.alternative",
	0x27: "application/xml",
	0x28: "text/xml",
	0x29: "application/vnd.wap.wbxml",
	0x2A: "application/x-x968-cross-cert",
	0x2B: "application/x-x968-ca-cert",
	0x2C: "application/x-x968-user-cert",
	0x2D: "text/vnd.wap.si",
	0x2E: "application/vnd.wap.sic",
	0x2F: "text/vnd.wap.sl",
	0x30: "application/vnd.wap.slc",
	0x31: "text/vnd.wap.co",
	0x32: "application/vnd.wap.coc",
	0x33: "application/vnd.wap.multipart.related",
	0x34: "application/vnd.wap.sia",
	0x35: "text/vnd.wap.connectivity-xml",
	0x36: "application/vnd.wap.connectivity-wbxml",
	0x37: "application/pkcs7-mime",
	0x38: "application/vnd.wap.hashed-certificate",
	0x39: "application/vnd.wap.signed-certificate",
	0x3A: "application/vnd.wap.cert-response",
	0x3B: "application/xhtml+xml",
	0x3C: "application/wml+xml",
	0x3D: "text/css",
	0x3E: "application/vnd.wap.mms-message",
	0x3F: "application/vnd.wap.rollover-certificate",
	0x40: "application/vnd.wap.locc+wbxml",
	0x41: "application/vnd.wap.loc+xml",
	0x42: "application/vnd.syncml.dm+wbxml",
	0x43: "application/vnd.syncml.dm+xml",
	0x44: "application/vnd.syncml.notification",
	0x45: "application/vnd.wap.xhtml+xml",
}

// ContentTypeCode returns the well-known code of a MIME type (compared
// without regard to case), e.g. 0x2E for "application/vnd.wap.sic".
func ContentTypeCode(mime string) (code byte, ok bool) {
	for i, s := range contentTypes {
		if len(s) == len(mime) && strings.EqualFold(s, mime) {
			return byte(i), true
		}
	}
	return 0, false
}

// ContentTypeName returns the MIME type of a well-known content type code.
func ContentTypeName(code uint64) (string, bool) {
	if code < uint64(len(contentTypes)) {
		return contentTypes[code], true
	}
	return "", false
}

// Push application ids (OMNA push application id registry). The header
// X-Wap-Application-Id carries one as an Integer-value.
const (
	AppIDAny         = 0x00 // x-wap-application:*
	AppIDPushSIA     = 0x01 // x-wap-application:push.sia
	AppIDWMLUA       = 0x02 // x-wap-application:wml.ua, the default
	AppIDWTAUA       = 0x03 // x-wap-application:wta.ua
	AppIDMMSUA       = 0x04 // x-wap-application:mms.ua
	AppIDPushSyncML  = 0x05 // x-wap-application:push.syncml
	AppIDLocUA       = 0x06 // x-wap-application:loc.ua
	AppIDSyncMLDM    = 0x07 // x-wap-application:syncml.dm
	AppIDDRMUA       = 0x08 // x-wap-application:drm.ua
	AppIDEMNUA       = 0x09 // x-wap-application:emn.ua
	AppIDWirelessVil = 0x0A // x-wap-application:wv.ua
)

// appIDPrefix starts the URN form of every registered application id.
const appIDPrefix = "x-wap-application:"

var appIDs = [...]string{
	AppIDAny:         "*",
	AppIDPushSIA:     "push.sia",
	AppIDWMLUA:       "wml.ua",
	AppIDWTAUA:       "wta.ua",
	AppIDMMSUA:       "mms.ua",
	AppIDPushSyncML:  "push.syncml",
	AppIDLocUA:       "loc.ua",
	AppIDSyncMLDM:    "syncml.dm",
	AppIDDRMUA:       "drm.ua",
	AppIDEMNUA:       "emn.ua",
	AppIDWirelessVil: "wv.ua",
}

// AppIDByName returns the registered id of a push application given as its
// URN ("x-wap-application:mms.ua"), its short name ("mms.ua") or a decimal
// or 0x-prefixed hexadecimal number ("4", "0x8000"). Names compare without
// regard to case.
func AppIDByName(name string) (id uint64, ok bool) {
	// Only a name that starts with a digit can be a number; checking first
	// spares the allocation of a failed ParseUint.
	if name != "" && name[0] >= '0' && name[0] <= '9' {
		v, err := strconv.ParseUint(name, 0, 32)
		return v, err == nil
	}
	short := name
	if len(name) >= len(appIDPrefix) && strings.EqualFold(name[:len(appIDPrefix)], appIDPrefix) {
		short = name[len(appIDPrefix):]
	}
	for i, s := range appIDs {
		if strings.EqualFold(s, short) {
			return uint64(i), true
		}
	}
	return 0, false
}

// AppIDName returns the URN of a registered push application id, e.g.
// "x-wap-application:mms.ua" for 4.
func AppIDName(id uint64) (string, bool) {
	if id < uint64(len(appIDs)) {
		return appIDPrefix + appIDs[id], true
	}
	return "", false
}

// Header field names of WSP (WAP-230 Appendix A, encoding versions 1.1 to
// 1.4), indexed by code; the wire octet is 0x80 | code.
var fieldNames = [...]string{
	0x00: "Accept", 0x01: "Accept-Charset", 0x02: "Accept-Encoding",
	0x03: "Accept-Language", 0x04: "Accept-Ranges", 0x05: "Age",
	0x06: "Allow", 0x07: "Authorization", 0x08: "Cache-Control",
	0x09: "Connection", 0x0A: "Content-Base", 0x0B: "Content-Encoding",
	0x0C: "Content-Language", 0x0D: "Content-Length", 0x0E: "Content-Location",
	0x0F: "Content-MD5", 0x10: "Content-Range", 0x11: "Content-Type",
	0x12: "Date", 0x13: "Etag", 0x14: "Expires", 0x15: "From", 0x16: "Host",
	0x17: "If-Modified-Since", 0x18: "If-Match", 0x19: "If-None-Match",
	0x1A: "If-Range", 0x1B: "If-Unmodified-Since", 0x1C: "Location",
	0x1D: "Last-Modified", 0x1E: "Max-Forwards", 0x1F: "Pragma",
	0x20: "Proxy-Authenticate", 0x21: "Proxy-Authorization", 0x22: "Public",
	0x23: "Range", 0x24: "Referer", 0x25: "Retry-After", 0x26: "Server",
	0x27: "Transfer-Encoding", 0x28: "Upgrade", 0x29: "User-Agent",
	0x2A: "Vary", 0x2B: "Via", 0x2C: "Warning", 0x2D: "WWW-Authenticate",
	0x2E: "Content-Disposition", 0x2F: "X-Wap-Application-Id",
	0x30: "X-Wap-Content-URI", 0x31: "X-Wap-Initiator-URI",
	0x32: "Accept-Application", 0x33: "Bearer-Indication", 0x34: "Push-Flag",
	0x35: "Profile", 0x36: "Profile-Diff", 0x37: "Profile-Warning",
	0x38: "Expect", 0x39: "TE", 0x3A: "Trailer", 0x3B: "Accept-Charset",
	0x3C: "Accept-Encoding", 0x3D: "Cache-Control", 0x3E: "Content-Range",
	0x3F: "X-Wap-Tod", 0x40: "Content-ID", 0x41: "Set-Cookie", 0x42: "Cookie",
	0x43: "Encoding-Version", 0x44: "Profile-Warning",
	0x45: "Content-Disposition", 0x46: "X-WAP-Security", 0x47: "Cache-Control",
}

// Header field codes this package encodes and decodes by value.
const (
	fieldContentLength   = 0x0D
	fieldContentLocation = 0x0E
	fieldAppID           = 0x2F
	fieldContentURI      = 0x30
	fieldInitiatorURI    = 0x31
	fieldPushFlag        = 0x34
	fieldEncodingVersion = 0x43
)

// Canonical names of the headers a push uses.
const (
	HeaderContentLength   = "Content-Length"
	HeaderContentLocation = "Content-Location"
	HeaderAppID           = "X-Wap-Application-Id"
	HeaderContentURI      = "X-Wap-Content-URI"
	HeaderInitiatorURI    = "X-Wap-Initiator-URI"
	HeaderPushFlag        = "Push-Flag"
	HeaderEncodingVersion = "Encoding-Version"
)

// interpretedField returns the code of a header this package encodes by
// value.
func interpretedField(name string) (byte, bool) {
	for _, code := range [...]byte{fieldContentLength, fieldContentLocation, fieldAppID,
		fieldContentURI, fieldInitiatorURI, fieldPushFlag, fieldEncodingVersion} {
		if strings.EqualFold(fieldNames[code], name) {
			return code, true
		}
	}
	return 0, false
}

// fieldCode returns the lowest code of a header field name, for headers
// carried with a raw binary value.
func fieldCode(name string) (byte, bool) {
	for i, s := range fieldNames {
		if strings.EqualFold(s, name) {
			return byte(i), true
		}
	}
	return 0, false
}

// Well-known parameters of a content type (WAP-230 Table 38) that this
// package reads by value.
const (
	paramQ        = 0x00
	paramCharset  = 0x01
	paramLevel    = 0x02
	paramType     = 0x03
	paramNameOld  = 0x05
	paramFileOld  = 0x06
	paramTypeRel  = 0x09
	paramStartOld = 0x0A
	paramInfoOld  = 0x0B
	paramComOld   = 0x0C
	paramDomOld   = 0x0D
	paramMaxAge   = 0x0E
	paramPathOld  = 0x0F
	paramSecure   = 0x10
	paramSEC      = 0x11
	paramMAC      = 0x12
	paramSize     = 0x16
	paramName     = 0x17
	paramFilename = 0x18
	paramStart    = 0x19
	paramInfo     = 0x1A
	paramComment  = 0x1B
	paramDomain   = 0x1C
	paramPath     = 0x1D
)

var paramNames = [...]string{
	paramQ: "q", paramCharset: "charset", paramLevel: "level", paramType: "type",
	paramNameOld: "name", paramFileOld: "filename", 0x07: "differences",
	0x08: "padding", paramTypeRel: "type", paramStartOld: "start",
	paramInfoOld: "start-info", paramComOld: "comment", paramDomOld: "domain",
	paramMaxAge: "max-age", paramPathOld: "path", paramSecure: "secure",
	paramSEC: "sec", paramMAC: "mac", 0x13: "creation-date",
	0x14: "modification-date", 0x15: "read-date", paramSize: "size",
	paramName: "name", paramFilename: "filename", paramStart: "start",
	paramInfo: "start-info", paramComment: "comment", paramDomain: "domain",
	paramPath: "path",
}

// charsets maps IANA MIBenum numbers to charset names for the values a
// push is likely to carry.
var charsets = [...]struct {
	mib  uint64
	name string
}{
	{0, "*"}, {3, "us-ascii"}, {4, "iso-8859-1"}, {5, "iso-8859-2"}, {6, "iso-8859-3"},
	{7, "iso-8859-4"}, {8, "iso-8859-5"}, {9, "iso-8859-6"}, {10, "iso-8859-7"},
	{11, "iso-8859-8"}, {12, "iso-8859-9"}, {17, "shift_jis"}, {106, "utf-8"},
	{1000, "iso-10646-ucs-2"}, {1013, "utf-16be"}, {1014, "utf-16le"},
	{1015, "utf-16"}, {2026, "big5"}, {2252, "windows-1252"},
}

// CharsetMIBenum returns the IANA MIBenum of a charset name ("utf-8" → 106),
// or the number itself when name is decimal.
func CharsetMIBenum(name string) (uint64, bool) {
	if name != "" && name[0] >= '0' && name[0] <= '9' {
		v, err := strconv.ParseUint(name, 10, 32)
		return v, err == nil
	}
	for _, c := range charsets {
		if strings.EqualFold(c.name, name) {
			return c.mib, true
		}
	}
	return 0, false
}

// CharsetName returns the name of a MIBenum (106 → "utf-8"), or the number
// in decimal when the table does not know it.
func CharsetName(mib uint64) string {
	for _, c := range charsets {
		if c.mib == mib {
			return c.name
		}
	}
	return strconv.FormatUint(mib, 10)
}
