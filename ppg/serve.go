package ppg

import (
	"container/heap"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/txpush/txpush/pap"
	"github.com/txpush/txpush/store"
	"github.com/txpush/txpush/wap/content"
	"github.com/txpush/txpush/wap/wdp"
)

// maxDesc bounds a desc attribute built from the PI's input.
const maxDesc = 400

// ServeHTTP serves PAP: a request in the body of a POST, answered in the
// response body in the PAP version of the request.
func (p *PPG) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "PAP requests are POSTed", http.StatusMethodNotAllowed)
		return
	}
	req, err := pap.ReadRequest(r.Header.Get("Content-Type"), r.Body, p.cfg.MaxBody)
	if err != nil {
		p.replyBad(w, r, err)
		return
	}
	pi, status, desc := p.authenticate(r)
	if status != 0 {
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Basic realm="txpush PPG", charset="UTF-8"`)
		}
		p.reply(w, status, p.refusal(r, req.Message, pap.CodeForbidden, desc), nil)
		return
	}
	switch m := req.Message.(type) {
	case *pap.PushMessage:
		status, resp := p.push(r, pi, m, req)
		p.reply(w, status, resp, nil)
		// Dispatch after answering: the PI need not wait for it.
		p.pump()
	case *pap.CancelMessage:
		p.reply(w, http.StatusOK, p.cancel(r.Context(), pi, m), nil)
	case *pap.StatusQueryMessage:
		p.reply(w, http.StatusOK, p.statusQuery(r.Context(), pi, m), nil)
	case *pap.CCQMessage:
		resp, caps := p.ccq(m)
		p.reply(w, http.StatusOK, resp, caps)
	default:
		bad := &pap.BadMessageResponse{
			Header: pap.Header{Version: pap.HeaderOf(m).Version},
			Code:   pap.CodeBadRequest,
			Desc:   fmt.Sprintf("a PPG does not take a %s", m.Kind()),
		}
		p.reply(w, http.StatusBadRequest, bad, nil)
	}
}

// replyBad answers a request that could not be read: with the operation's
// response when the fault came after its push-id, else badmessage-response.
func (p *PPG) replyBad(w http.ResponseWriter, r *http.Request, err error) {
	var pe *pap.Error
	if errors.As(err, &pe) && pe.Kind == pap.KindPushMessage && pe.ID != "" && !errors.Is(err, pap.ErrTooLarge) {
		resp := p.pushResponse(r, pe.Version, pe.ID, pe.Code, clean(pe.Code.Text()+": "+pe.Reason))
		p.reply(w, http.StatusOK, resp, nil)
		return
	}
	bad := pap.NewBadMessageResponse(err)
	status := http.StatusBadRequest
	if errors.Is(err, os.ErrDeadlineExceeded) {
		// The server's read timeout passed with the body still coming: the
		// rest of it cannot be read, so the connection closes after this.
		status = http.StatusRequestTimeout
		bad.Code = pap.CodeBadRequest
		bad.Desc = "the request body did not arrive within the PPG's read timeout"
		bad.Fragment = ""
		w.Header().Set("Connection", "close")
	} else if errors.Is(err, pap.ErrTooLarge) {
		status = http.StatusRequestEntityTooLarge
		bad.Code = pap.CodeBadRequest
		bad.Desc = fmt.Sprintf("request body larger than the %d octets this PPG accepts", p.cfg.MaxBody)
		bad.Fragment = ""
	} else if pe == nil {
		bad.Desc = clean("the request could not be read: " + err.Error())
	}
	p.reply(w, status, bad, nil)
}

// authenticate names the PI that sent r, or says why it may not: the HTTP
// status to answer (401 without credentials, 403 otherwise) and a reason.
func (p *PPG) authenticate(r *http.Request) (pi string, status int, desc string) {
	ip := remoteIP(r)
	if len(p.pis) == 0 {
		if !ip.IsLoopback() {
			return "", http.StatusForbidden, "no PI accounts are configured: only loopback clients are served"
		}
		return "", 0, ""
	}
	user, pass, ok := r.BasicAuth()
	if !ok {
		return "", http.StatusUnauthorized, "HTTP Basic authentication is required"
	}
	acct := p.pis[user]
	if acct == nil || subtle.ConstantTimeCompare([]byte(pass), []byte(acct.Password)) != 1 {
		return "", http.StatusForbidden, "unknown PI or wrong password"
	}
	if len(acct.nets) > 0 && !slices.ContainsFunc(acct.nets, func(n netip.Prefix) bool { return n.Contains(ip) }) {
		return "", http.StatusForbidden, "the PI may not connect from " + ip.String()
	}
	return acct.Name, 0, ""
}

func remoteIP(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		a, _ := netip.ParseAddr(r.RemoteAddr)
		return a.Unmap()
	}
	return ap.Addr().Unmap()
}

// refusal is the answer to request m refused as a whole with code.
func (p *PPG) refusal(r *http.Request, m pap.Message, code pap.Code, desc string) pap.Message {
	v := pap.HeaderOf(m).Version
	h := pap.Header{Version: v}
	switch m := m.(type) {
	case *pap.PushMessage:
		return p.pushResponse(r, v, m.PushID, code, desc)
	case *pap.CancelMessage:
		return &pap.CancelResponse{Header: h, PushID: m.PushID,
			Results: []pap.CancelResult{{Code: code, Desc: desc, Addresses: m.Addresses}}}
	case *pap.StatusQueryMessage:
		return &pap.StatusQueryResponse{Header: h, PushID: m.PushID,
			Results: []pap.StatusQueryResult{{State: pap.StateUnknown, Code: code, Desc: desc, Addresses: m.Addresses}}}
	case *pap.CCQMessage:
		return &pap.CCQResponse{Header: h, QueryID: m.QueryID, Code: code, Desc: desc, Address: m.Address}
	}
	return &pap.BadMessageResponse{Header: h, Code: code, Desc: desc}
}

func (p *PPG) pushResponse(r *http.Request, v pap.Version, id string, code pap.Code, desc string) *pap.PushResponse {
	return p.responseTo(v, id, p.senderAddress(r), code, desc)
}

func (p *PPG) responseTo(v pap.Version, id, sender string, code pap.Code, desc string) *pap.PushResponse {
	return &pap.PushResponse{
		Header:        pap.Header{Version: v},
		PushID:        id,
		SenderAddress: sender,
		SenderName:    p.cfg.SenderName,
		ReplyTime:     p.clk.Now().UTC().Truncate(time.Second),
		Result:        pap.Result{Code: code, Desc: desc},
	}
}

func (p *PPG) senderAddress(r *http.Request) string {
	if p.cfg.SenderAddress != "" {
		return p.cfg.SenderAddress
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return clean(scheme + "://" + r.Host + r.URL.Path)
}

// reply writes m (with the capabilities entity of a ccq-response).
func (p *PPG) reply(w http.ResponseWriter, status int, m pap.Message, caps *pap.Entity) {
	contentType := "application/xml"
	var body []byte
	var err error
	if caps != nil {
		contentType, body, err = pap.WriteRequest(m, nil, caps)
	} else {
		buf, _ := p.answers.Get().(*[]byte)
		if buf == nil {
			buf = new([]byte)
		}
		// A Write does not keep its octets, so the buffer can go back
		// once written.
		defer func() {
			if cap(body) <= 16<<10 { // not a rare large answer's
				*buf = body[:0]
				p.answers.Put(buf)
			}
		}()
		body, err = pap.Append((*buf)[:0], m)
	}
	if err != nil {
		p.log.Error("ppg: writing a PAP answer", "kind", m.Kind(), "err", err)
		status = http.StatusInternalServerError
		contentType = "application/xml"
		body, _ = pap.Marshal(&pap.BadMessageResponse{
			Header: pap.Header{Version: pap.HeaderOf(m).Version},
			Code:   pap.CodeInternalServerError,
			Desc:   "the answer could not be written",
		})
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	w.Write(body)
}

// push accepts or refuses a push-message received over HTTP.
func (p *PPG) push(r *http.Request, pi string, m *pap.PushMessage, req *pap.Request) (int, pap.Message) {
	code, desc := p.accept(r.Context(), pi, m, req)
	status := http.StatusOK
	switch code {
	case pap.CodeAccepted:
		status = http.StatusAccepted
	case pap.CodeServiceUnavailable:
		status = http.StatusServiceUnavailable
	}
	return status, p.pushResponse(r, m.Version, m.PushID, code, desc)
}

// Push accepts or refuses a push-message from the PI account pi without
// HTTP, for a program that runs the PPG in its own process (the simulator
// drives the PPG this way). req is what pap.ReadRequest returns for a
// push-message: the message, its control entity (stored as received, so
// that a restart recovers the push's version and quality of service) and
// its content entity. The push goes through the same checks, the same
// durable write and the same life cycle as one posted to /pap; the PI's
// account limits on destinations apply, its network limits do not. The
// answer is the push-response /pap would give, 1001 when accepted; the
// push may have been handed to the dispatcher before Push returns.
func (p *PPG) Push(ctx context.Context, pi string, req *pap.Request) *pap.PushResponse {
	m, ok := req.Message.(*pap.PushMessage)
	if !ok || req.Content == nil || req.Control == nil {
		var v pap.Version
		if req.Message != nil {
			if h := pap.HeaderOf(req.Message); h != nil {
				v = h.Version
			}
		}
		return p.responseTo(v, "", p.cfg.SenderAddress, pap.CodeBadRequest,
			"a push needs a push-message, its control entity and a content entity")
	}
	code, desc := p.accept(ctx, pi, m, req)
	resp := p.responseTo(m.Version, m.PushID, p.cfg.SenderAddress, code, desc)
	p.pump()
	return resp
}

// accept decides a push-message and returns the result code and its
// description. An accepted push is stored durably before accept returns
// 1001.
func (p *PPG) accept(ctx context.Context, pi string, m *pap.PushMessage, req *pap.Request) (pap.Code, string) {
	refuse := func(code pap.Code, desc string) (pap.Code, string) {
		return code, clean(desc)
	}
	acct := p.pis[pi]
	deliveries := make([]store.Delivery, 0, len(m.Addresses))
	for _, a := range m.Addresses {
		switch a.Type {
		case pap.TypePLMN:
		case pap.TypeIPv4, pap.TypeIPv6:
			return refuse(pap.CodeRequiredBearerNotAvailable,
				"address "+a.String()+": this PPG pushes over SMS and has no IP bearer")
		default:
			return refuse(pap.CodeAddressError,
				"address "+a.String()+": only PLMN addresses (phone numbers) are served")
		}
		msisdn := strings.TrimPrefix(a.Value, "+")
		if msisdn == "" || strings.Trim(msisdn, "0123456789") != "" {
			return refuse(pap.CodeAddressError, "address "+a.String()+": not a phone number")
		}
		if acct != nil && len(acct.prefixes) > 0 &&
			!slices.ContainsFunc(acct.prefixes, func(pre string) bool { return strings.HasPrefix(msisdn, pre) }) {
			return refuse(pap.CodeForbidden, "address "+a.String()+": not a number this PI may push to")
		}
		deliveries = append(deliveries, store.Delivery{Address: a.String(), MSISDN: msisdn, State: store.DeliveryPending,
			Ref: p.nextRef()})
	}
	if m.NotifyTo != "" {
		u, err := url.Parse(m.NotifyTo)
		if err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
			return refuse(pap.CodeBadRequest, "ppg-notify-requested-to must be an absolute http or https URL")
		}
		if acct != nil && !acct.mayNotify(u) {
			return refuse(pap.CodeForbidden, "ppg-notify-requested-to "+m.NotifyTo+" is not a URL this PI may have notifications posted to")
		}
	}
	var notes []string
	if q := m.QoS; q != nil {
		switch q.DeliveryMethod {
		case pap.DeliveryConfirmed:
			return refuse(pap.CodeDeliveryMethodNotPossible,
				"confirmed delivery is not possible: connectionless push over SMS has no confirmation")
		case pap.DeliveryPreferConfirmed:
			notes = append(notes, "delivery-method preferconfirmed downgraded to unconfirmed")
		}
		if q.NetworkRequired && q.Network != "" && !strings.EqualFold(q.Network, "GSM") {
			return refuse(pap.CodeRequiredNetworkNotAvailable, "network "+q.Network+" is not available: this PPG serves GSM")
		}
		if q.BearerRequired && q.Bearer != "" && !strings.EqualFold(q.Bearer, "SMS") {
			return refuse(pap.CodeRequiredBearerNotAvailable, "bearer "+q.Bearer+" is not available: this PPG pushes over SMS")
		}
	}
	if code, desc := p.matchCapabilities(req.Capabilities, m.Addresses); code != 0 {
		return refuse(code, desc)
	}
	if m.ProgressNotesRequested {
		notes = append(notes, "progress notes are not supported and will not be sent")
	}
	payload, code, desc := p.compile(req.Content)
	if code != 0 {
		return refuse(code, desc)
	}
	now := p.clk.Now()
	priority := PriorityMedium
	if m.QoS != nil {
		switch m.QoS.Priority {
		case pap.PriorityHigh:
			priority = PriorityHigh
		case pap.PriorityLow:
			priority = PriorityLow
		}
	}
	sp := &store.Push{
		PI:            pi,
		PushID:        m.PushID,
		ReceivedAt:    now,
		Control:       req.Control.Body,
		ContentType:   req.Content.ContentType(),
		Content:       payload,
		NotifyTo:      m.NotifyTo,
		Priority:      int(priority),
		DeliverAfter:  m.DeliverAfter,
		DeliverBefore: m.DeliverBefore,
		Deliveries:    deliveries,
	}
	for i := range sp.Deliveries {
		sp.Deliveries[i].NextAttempt = m.DeliverAfter
		sp.Deliveries[i].UpdatedAt = now
	}
	if err := p.store.InsertPush(ctx, sp); err != nil {
		if errors.Is(err, store.ErrDuplicate) {
			return refuse(pap.CodeDuplicatePushID, "push-id "+m.PushID+" was already used by this PI")
		}
		p.log.Error("ppg: storing a push", "pi", pi, "push_id", m.PushID, "err", err)
		return pap.CodeServiceUnavailable, "the push could not be stored; try again later"
	}
	op := &openPush{
		key:        pushKey{pi, m.PushID},
		version:    m.Version,
		qos:        usedQoS(m.QoS),
		priority:   priority,
		receivedAt: now,
		notifyTo:   m.NotifyTo,
		before:     m.DeliverBefore,
		payload:    payload,
	}
	for i, d := range sp.Deliveries {
		op.deliveries = append(op.deliveries, &delivery{push: op, index: i, addr: m.Addresses[i], state: d})
	}
	// Before the push can be dispatched, so that its outcome finds it.
	p.status.accepted(op.key, len(op.deliveries), now)
	p.mu.Lock()
	if !p.closed {
		p.registerLocked(op, p.clk.Now())
	}
	p.mu.Unlock()
	p.counters.accepted.Add(1)
	desc = pap.CodeAccepted.Text()
	if len(notes) > 0 {
		desc += "; " + strings.Join(notes, "; ")
	}
	return pap.CodeAccepted, desc
}

// compile turns the content entity into the WSP push PDU, or says why it
// cannot be sent.
func (p *PPG) compile(e *pap.Entity) ([]byte, pap.Code, string) {
	c := content.Content{Type: e.ContentType(), Body: e.Body}
	var keysArray [8]string // on the stack for the usual few headers
	keys := keysArray[:0]
	for k := range e.Header {
		if !strings.EqualFold(k, "Content-Type") {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys) // the map's order is random; the push must not be
	for _, k := range keys {
		for _, v := range e.Header[k] {
			c.Headers = append(c.Headers, content.Header{Name: k, Value: v})
		}
	}
	push, err := content.Compile(c, content.Options{})
	if err != nil {
		return nil, pap.CodeTransformationFailure, "the content cannot be sent: " + err.Error()
	}
	pdu, err := push.Marshal()
	if err != nil {
		return nil, pap.CodeTransformationFailure, "the content cannot be sent: " + err.Error()
	}
	if n := wdp.PartCount(len(pdu), false); n > p.cfg.MaxSegments {
		return nil, pap.CodeNotPossible, fmt.Sprintf(
			"the push is %d octets and needs %d SMS, more than the %d a handset is expected to reassemble; it was not sent",
			len(pdu), n, p.cfg.MaxSegments)
	}
	return pdu, 0, ""
}

// cancel serves a cancel-message: only pending deliveries can be cancelled.
func (p *PPG) cancel(ctx context.Context, pi string, m *pap.CancelMessage) pap.Message {
	h := pap.Header{Version: m.Version}
	resp := &pap.CancelResponse{Header: h, PushID: m.PushID}
	sp, code, desc := p.lookup(ctx, pi, m.PushID)
	if code != 0 {
		resp.Results = []pap.CancelResult{{Code: code, Desc: desc, Addresses: m.Addresses}}
		return resp
	}
	targets, missing := selectDeliveries(sp, m.Addresses)
	var cancelled, refused, failed []pap.Address
	// The cancelled state is written first and applied once stored: a
	// write that fails leaves the delivery as it was, in memory and in
	// the store alike.
	type cancelWrite struct {
		d  *delivery
		st store.Delivery
		u  store.DeliveryUpdate
	}
	var writes []cancelWrite
	const cancelDesc = "cancelled by the PI"
	p.mu.Lock()
	now := p.clk.Now()
	op := p.open[pushKey{pi, m.PushID}]
	for _, i := range targets {
		var d *delivery
		if op != nil {
			d = op.deliveries[i]
		}
		if d == nil || d.inFlight || d.cancelling || d.state.State != store.DeliveryPending {
			refused = append(refused, addressOf(sp.Deliveries[i]))
			continue
		}
		d.cancelling = true
		if d.queued {
			heap.Remove(&p.ready, d.qindex)
		}
		st := d.finalState(now, store.DeliveryCancelled, pap.CodeOK, cancelDesc)
		writes = append(writes, cancelWrite{d, st, p.finalUpdateLocked(d, st, now)})
	}
	p.mu.Unlock()
	for _, w := range writes {
		a := addressOf(sp.Deliveries[w.u.Index])
		err := p.store.UpdateDelivery(ctx, w.u)
		p.mu.Lock()
		w.d.cancelling = false
		switch {
		case err == nil:
			p.applyFinalLocked(w.d, w.st, now)
		case !p.closed:
			// Not cancelled: the delivery goes on as before.
			if due, at := w.d.state.NextAttempt, p.clk.Now(); due.After(at) {
				p.armLocked(w.d, due.Sub(at))
			} else {
				p.readyLocked(w.d)
			}
		}
		p.mu.Unlock()
		if err != nil {
			p.log.Error("ppg: recording a cancellation", "pi", pi, "push_id", m.PushID, "index", w.u.Index, "err", err)
			failed = append(failed, a)
			continue
		}
		if w.u.Notify != nil {
			p.notes.add(w.u.Notify)
		}
		cancelled = append(cancelled, a)
	}
	if len(failed) > 0 {
		p.pump()
	}
	add := func(code pap.Code, desc string, as []pap.Address) {
		if len(as) > 0 {
			resp.Results = append(resp.Results, pap.CancelResult{Code: code, Desc: desc, Addresses: as})
		}
	}
	add(pap.CodeOK, "cancelled", cancelled)
	add(pap.CodeCancellationNotPossible, "already sent, being sent, or finished", refused)
	add(pap.CodeAddressNotFound, "not an address of this push", missing)
	add(pap.CodeInternalServerError, "the cancellation could not be recorded", failed)
	return resp
}

// statusQuery serves a statusquery-message.
func (p *PPG) statusQuery(ctx context.Context, pi string, m *pap.StatusQueryMessage) pap.Message {
	resp := &pap.StatusQueryResponse{Header: pap.Header{Version: m.Version}, PushID: m.PushID}
	sp, code, desc := p.lookup(ctx, pi, m.PushID)
	if code != 0 {
		resp.Results = []pap.StatusQueryResult{{State: pap.StateUnknown, Code: code, Desc: desc, Addresses: m.Addresses}}
		return resp
	}
	targets, missing := selectDeliveries(sp, m.Addresses)
	// The in-memory state of an open push is ahead of the store's by the
	// writes still being committed.
	p.mu.Lock()
	if op := p.open[pushKey{pi, m.PushID}]; op != nil {
		for i, d := range op.deliveries {
			sp.Deliveries[i] = d.state
		}
	}
	p.mu.Unlock()
	for _, i := range targets {
		d := sp.Deliveries[i]
		res := pap.StatusQueryResult{
			EventTime: d.UpdatedAt.UTC().Truncate(time.Second),
			State:     messageState(d.State),
			Code:      pap.Code(d.Code),
			Desc:      d.Desc,
			Addresses: []pap.Address{addressOf(d)},
		}
		if !d.State.Final() {
			res.Code, res.Desc = pap.CodeAccepted, "not yet delivered"
		}
		if !res.Code.Valid() {
			res.Code = pap.CodeInternalServerError
		}
		resp.Results = append(resp.Results, res)
	}
	if len(missing) > 0 {
		resp.Results = append(resp.Results, pap.StatusQueryResult{
			State: pap.StateUnknown, Code: pap.CodeAddressNotFound,
			Desc: "not an address of this push", Addresses: missing,
		})
	}
	return resp
}

// lookup finds a push of pi: 2004 when pi has none of that id, 2001 when
// it belongs to another PI.
func (p *PPG) lookup(ctx context.Context, pi, id string) (*store.Push, pap.Code, string) {
	sp, err := p.store.GetPush(ctx, pi, id)
	if err == nil {
		return sp, 0, ""
	}
	if !errors.Is(err, store.ErrNotFound) {
		p.log.Error("ppg: reading a push", "pi", pi, "push_id", id, "err", err)
		return nil, pap.CodeInternalServerError, "the push could not be read"
	}
	for other := range p.pis {
		if other == pi {
			continue
		}
		if _, err := p.store.GetPush(ctx, other, id); err == nil {
			return nil, pap.CodeForbidden, "push-id " + clean(id) + " belongs to another PI"
		}
	}
	return nil, pap.CodePushIDNotFound, "no push with push-id " + clean(id)
}

// selectDeliveries returns the indexes of sp's deliveries to the given
// addresses (all of them when none is given), and the addresses it has
// none to.
func selectDeliveries(sp *store.Push, addrs []pap.Address) (targets []int, missing []pap.Address) {
	if len(addrs) == 0 {
		for i := range sp.Deliveries {
			targets = append(targets, i)
		}
		return targets, nil
	}
	for _, a := range addrs {
		found := false
		for i, d := range sp.Deliveries {
			if sameAddress(addressOf(d), a) && !slices.Contains(targets, i) {
				targets = append(targets, i)
				found = true
			}
		}
		if !found {
			missing = append(missing, a)
		}
	}
	return targets, missing
}

// sameAddress compares client addresses by type and value; the
// ppg-specifier names the PPG, not the client.
func sameAddress(a, b pap.Address) bool {
	return a.Type == b.Type && a.Value == b.Value
}

func addressOf(d store.Delivery) pap.Address {
	a, err := pap.ParseAddress(d.Address)
	if err != nil {
		return pap.Address{Value: "+" + d.MSISDN, Type: pap.TypePLMN}
	}
	return a
}

// ccq answers a client capabilities query from the configured profiles.
func (p *PPG) ccq(m *pap.CCQMessage) (pap.Message, *pap.Entity) {
	resp := &pap.CCQResponse{Header: pap.Header{Version: m.Version}, QueryID: m.QueryID, Address: m.Address}
	if m.Address.Type != pap.TypePLMN {
		resp.Code, resp.Desc = pap.CodeAddressError, "only PLMN addresses (phone numbers) are served"
		return resp, nil
	}
	profile, ok := p.cfg.DeviceProfiles[strings.TrimPrefix(m.Address.Value, "+")]
	if !ok {
		resp.Code, resp.Desc = pap.CodeCapabilitiesNotAvailable, "no capabilities are known for this client"
		return resp, nil
	}
	resp.Code, resp.Desc = pap.CodeOK, pap.CodeOK.Text()
	return resp, pap.NewEntity("application/xml", []byte(profile))
}

// clean makes s fit a desc attribute: characters XML cannot carry are
// replaced and the length is bounded.
func clean(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == utf8.RuneError || r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xFFFE || r == 0xFFFF {
			return '?'
		}
		return r
	}, s)
	if len(s) > maxDesc {
		cut := maxDesc
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}
