package keepalive

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"

	"github.com/txpush/txpush/internal/ascii"
)

// readAnswer reads the answer to a POST to u from br, with up to limit
// octets of body. The usual answer (HTTP/1.1, a status that has a body, a
// Content-Length, no Transfer-Encoding, its head within br's buffer) is
// parsed here, from the buffer, into the body alone; anything else is left
// to net/http's parser, which then reads it from its first octet. For a
// PPG that posts a result notification per push, net/http's parser (a
// header map, a body reader, a limited copy) was most of what the
// answer cost.
func readAnswer(br *bufio.Reader, u *url.URL, limit int64) (status int, body []byte, keep bool, err error) {
	if head := peekHead(br); head != nil {
		if a, ok := parseAnswerHead(head); ok {
			if a.length > limit {
				return 0, nil, false, fmt.Errorf("HTTP %d: an answer longer than %d octets", a.status, limit)
			}
			br.Discard(len(head))
			body = make([]byte, a.length)
			if _, err := io.ReadFull(br, body); err != nil {
				return 0, nil, false, err
			}
			return a.status, body, a.keep, nil
		}
	}
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodPost, URL: u})
	if err != nil {
		return 0, nil, false, err
	}
	body, err = io.ReadAll(io.LimitReader(resp.Body, limit+1))
	resp.Body.Close()
	if err != nil {
		return 0, nil, false, err
	}
	if int64(len(body)) > limit {
		return 0, nil, false, fmt.Errorf("HTTP %d: an answer longer than %d octets", resp.StatusCode, limit)
	}
	return resp.StatusCode, body, !resp.Close, nil
}

// peekHead returns the answer's head, up to and with the blank line that
// ends it, as br holds it, reading more as needed; nil if it does not end
// within br's buffer or the connection fails first (net/http's parser then
// meets the same end).
func peekHead(br *bufio.Reader) []byte {
	for from := 0; ; {
		buf, _ := br.Peek(br.Buffered())
		if i := bytes.Index(buf[from:], []byte("\r\n\r\n")); i >= 0 {
			return buf[:from+i+4]
		}
		if len(buf) == br.Size() {
			return nil
		}
		from = max(0, len(buf)-3) // the blank line may straddle two reads
		if _, err := br.Peek(len(buf) + 1); err != nil {
			return nil
		}
	}
}

// answerHead is what the fast path takes from an answer's head.
type answerHead struct {
	status int
	length int64 // Content-Length
	keep   bool  // no Connection: close
}

// parseAnswerHead parses head, which ends with its blank line, if it is an
// answer the fast path takes; ok is false for anything else, valid or not,
// which net/http's parser then reads.
func parseAnswerHead(head []byte) (a answerHead, ok bool) {
	line, rest, _ := bytes.Cut(head, []byte("\r\n"))
	// "HTTP/1.1 200" and an optional reason.
	if len(line) < 12 || string(line[:9]) != "HTTP/1.1 " || (len(line) > 12 && line[12] != ' ') {
		return a, false
	}
	for _, c := range line[9:12] {
		if c < '0' || c > '9' {
			return a, false
		}
		a.status = a.status*10 + int(c-'0')
	}
	if a.status < 200 || a.status == http.StatusNoContent || a.status == http.StatusNotModified || !ascii.IsFieldValue(line[12:]) {
		return a, false // no body, or not a final answer: net/http knows
	}
	a.keep, a.length = true, -1
	for {
		line, rest, _ = bytes.Cut(rest, []byte("\r\n"))
		if len(line) == 0 {
			break // the blank line
		}
		name, value, found := bytes.Cut(line, []byte(":"))
		if !found || !ascii.IsToken(name) || !ascii.IsFieldValue(value) {
			return a, false // folded, malformed, or what net/http may refuse
		}
		value = bytes.Trim(value, " \t")
		switch {
		case ascii.EqualFold(name, "Content-Length"):
			n, ok := ascii.Decimal(value, math.MaxInt64)
			if a.length >= 0 || !ok {
				return a, false
			}
			a.length = n
		case ascii.EqualFold(name, "Transfer-Encoding"):
			return a, false
		case ascii.EqualFold(name, "Connection"):
			for tok := range bytes.SplitSeq(value, []byte(",")) {
				if ascii.EqualFold(bytes.Trim(tok, " \t"), "close") {
					a.keep = false
				}
			}
		}
	}
	return a, a.length >= 0
}
