package httpfast

import (
	"bytes"
	"net/http"
	"net/textproto"

	"github.com/txpush/txpush/internal/ascii"
)

// requestHead is what the fast path takes from a request head.
type requestHead struct {
	path          string
	header        http.Header
	host          string
	contentLength int64
	close         bool // Connection: close
}

// headStatus says what parseHead made of the octets it was given.
type headStatus int

const (
	headIncomplete headStatus = iota // valid so far; the rest is to come
	headDeclined                     // not a request the fast path takes
	headComplete
)

// maxContentLength bounds the Content-Length the fast path takes; a larger
// one goes to net/http (and a PPG refuses it by its own limit anyway).
const maxContentLength = 1 << 40

// parseHead parses the request head at the start of b if it is in the one
// form the fast path takes:
//
//	POST SP path SP HTTP/1.1 CRLF
//	*( field-name ":" OWS field-value OWS CRLF )
//	CRLF
//
// with path one of paths, exactly one Host field of host characters, exactly one
// Content-Length of digits, no Transfer-Encoding, Expect or Upgrade field,
// a Connection field of close or keep-alive only, field names of token
// characters and values without control characters but HTAB. It returns the
// head and its length when complete; headDeclined as soon as anything
// departs from that form, whatever follows.
func parseHead(b []byte, paths []string) (requestHead, int, headStatus) {
	var h requestHead
	line, rest, ok := cutLine(b)
	if !ok {
		if !bytes.HasPrefix([]byte("POST "), b[:min(len(b), len("POST "))]) {
			return h, 0, headDeclined
		}
		return h, 0, headIncomplete
	}
	target, found := bytes.CutPrefix(line, []byte("POST "))
	if !found {
		return h, 0, headDeclined
	}
	target, found = bytes.CutSuffix(target, []byte(" HTTP/1.1"))
	if !found {
		return h, 0, headDeclined
	}
	for _, p := range paths {
		if string(target) == p {
			h.path = p
			break
		}
	}
	if h.path == "" {
		return h, 0, headDeclined
	}
	// The fields are found first and their values made strings after, all
	// from one copy of the head: a request's header costs a few
	// allocations, not two per field.
	start := len(b) - len(rest) // of the fields, which the copy starts at
	var fieldsBuf [16]headField
	fields := fieldsBuf[:0]
	host := headField{}
	hosts, lengths := 0, 0
	for {
		line, rest, ok = cutLine(rest)
		if !ok {
			return h, 0, headIncomplete
		}
		if len(line) == 0 {
			break
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 || !ascii.IsToken(line[:colon]) {
			return h, 0, headDeclined // also a folded line, which starts with a space
		}
		value := bytes.Trim(line[colon+1:], " \t") // OWS
		if !ascii.IsFieldValue(value) {
			return h, 0, headDeclined
		}
		f := headField{key: canonicalKey(line[:colon])}
		if len(value) > 0 { // bytes.Trim returns nil, of no offset, for an empty value
			f.from = cap(b) - cap(value) - start // value is a subslice of b
			f.to = f.from + len(value)
		}
		switch f.key {
		case "Transfer-Encoding", "Expect", "Upgrade":
			return h, 0, headDeclined
		case "Host":
			// As net/http does: the host is the request's, not a field,
			// and one with other characters than a host's is refused.
			if !isHost(value) {
				return h, 0, headDeclined
			}
			hosts++
			host = f
			continue
		case "Content-Length":
			lengths++
			n, ok := ascii.Decimal(value, maxContentLength)
			if !ok {
				return h, 0, headDeclined
			}
			h.contentLength = n
		case "Connection":
			switch {
			case ascii.EqualFold(value, "close"):
				h.close = true
			case ascii.EqualFold(value, "keep-alive"):
			default:
				return h, 0, headDeclined
			}
		}
		fields = append(fields, f)
	}
	if hosts != 1 || lengths != 1 {
		return h, 0, headDeclined
	}
	n := len(b) - len(rest)
	all := string(b[start:n])
	h.host = all[host.from:host.to]
	h.header = make(http.Header, len(fields))
	values := make([]string, len(fields))
	for i, f := range fields {
		values[i] = all[f.from:f.to]
		if vs, ok := h.header[f.key]; ok {
			h.header[f.key] = append(vs, values[i])
		} else {
			h.header[f.key] = values[i : i+1 : i+1]
		}
	}
	return h, n, headComplete
}

// headField is a header field of a head being parsed: its canonical name
// and where its value is in the fields' part of the head.
type headField struct {
	key      string
	from, to int
}

// cutLine returns the line at the start of b without its CRLF, and what
// follows; ok is false if b holds no complete line. A bare LF, or a CR
// anywhere but before the LF, is left in the line, where the checks that
// follow decline it.
func cutLine(b []byte) (line, rest []byte, ok bool) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return nil, b, false
	}
	line = b[:i]
	if len(line) == 0 || line[len(line)-1] != '\r' {
		// A bare LF: return a line the checks decline (a CR is never a
		// valid octet in one).
		return []byte{'\r'}, b[i+1:], true
	}
	return line[:len(line)-1], b[i+1:], true
}

// isHost reports whether b has only characters a host and port may: those
// of a registered name, an IPv6 literal's brackets and colons, and
// percent-encodings (RFC 3986), which net/http's server checks too.
func isHost(b []byte) bool { return hostChars.All(b) }

var hostChars = ascii.AlnumAnd("-._~%!$&'()*+,;=:[]")

// commonKeys are the field names PIs send, in canonical form, so that the
// usual ones take no allocation.
var commonKeys = func() map[string]string {
	m := make(map[string]string)
	for _, k := range []string{"Host", "Content-Type", "Content-Length", "Authorization", "User-Agent",
		"Accept", "Accept-Encoding", "Connection", "Transfer-Encoding", "Expect", "Upgrade",
		"X-Wap-Application-Id", "Date", "Cache-Control", "Accept-Charset", "Accept-Language"} {
		m[k] = k
	}
	return m
}()

// canonicalKey is textproto.CanonicalMIMEHeaderKey without an allocation
// for the common names.
func canonicalKey(b []byte) string {
	var buf [32]byte
	if len(b) <= len(buf) {
		upper := true
		for i, c := range b {
			if upper && c >= 'a' && c <= 'z' {
				c -= 'a' - 'A'
			} else if !upper && c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			buf[i] = c
			upper = c == '-'
		}
		if k, ok := commonKeys[string(buf[:len(b)])]; ok {
			return k
		}
	}
	return textproto.CanonicalMIMEHeaderKey(string(b))
}
