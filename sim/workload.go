package sim

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/txpush/txpush/mms"
	"github.com/txpush/txpush/pap"
	"github.com/txpush/txpush/wap/content"
)

// maxSegments is the most SMS a simulated push may need (the sweep's
// range, sim-parameters.md).
const maxSegments = 6

// maxPushes keeps push numbers within idWidth digits, and MSISDNs within
// 15.
const (
	idWidth   = 7
	maxPushes = 9_999_999
)

// contentHost is where every pushed URL points; the handset's event
// gives the URL back, and the push's number is read from its path.
const contentHost = "http://content.sim/"

// kind is a content type of the workload.
type kind uint8

const (
	kindSI kind = iota
	kindSL
	kindMMS
	numKinds
)

var kindNames = [numKinds]string{kindSI: "SI", kindSL: "SL", kindMMS: "MMS"}

// workload makes the pushes of a run: the same for every mode of a
// point, given the seed.
type workload struct {
	cfg Config
	// pad is, per kind and segment count, the padding that makes the
	// compiled push need exactly that many SMS.
	pad [numKinds][maxSegments + 1]int
}

func newWorkload(cfg Config) (*workload, error) {
	w := &workload{cfg: cfg}
	for k := range numKinds {
		for n := 1; n <= maxSegments; n++ {
			p, err := w.padFor(k, n)
			if err != nil {
				return nil, err
			}
			w.pad[k][n] = p
		}
	}
	return w, nil
}

// padFor finds the least padding with which a push of kind k compiles to
// n SMS, compiling as the PPG does.
func (w *workload) padFor(k kind, n int) (int, error) {
	pad, err := content.PaddingFor(n, 200*maxSegments, content.Options{}, func(pad int) (content.Content, error) {
		e, err := entity(k, 0, pad)
		if err != nil {
			return content.Content{}, err
		}
		return content.Content{Type: e.ContentType(), Body: e.Body}, nil
	})
	if err != nil {
		return 0, fmt.Errorf("sim: a %s push of %d SMS: %w", kindNames[k], n, err)
	}
	return pad, nil
}

// pushID and msisdn name push i.
func pushID(i int) string { return fmt.Sprintf("sim-%0*d", idWidth, i) }
func msisdn(i int) string { return fmt.Sprintf("35850%0*d", idWidth, i) }

// hrefOf is the URL push i points at.
func hrefOf(i int, pad int) string {
	return fmt.Sprintf("%s%0*d", contentHost, idWidth, i) + "/" + strings.Repeat("x", pad)
}

// pushOf reads the push number back from a URL made by hrefOf.
func pushOf(href string) (int, bool) {
	rest, ok := strings.CutPrefix(href, contentHost)
	if !ok {
		return 0, false
	}
	return pushNumber(rest)
}

// pushNumber reads the idWidth digits at the start of s, as pushID and
// hrefOf write them.
func pushNumber(s string) (int, bool) {
	if len(s) < idWidth {
		return 0, false
	}
	n := 0
	for _, c := range s[:idWidth] {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// entity is the content entity of push i of kind k with pad octets of
// padding: in the SI's text, or in the URL of an SL or an MMS
// notification.
func entity(k kind, i, pad int) (*pap.Entity, error) {
	switch k {
	case kindSI:
		doc := `<?xml version="1.0"?>` +
			`<!DOCTYPE si PUBLIC "-//WAPFORUM//DTD SI 1.0//EN" "http://www.wapforum.org/DTD/si.dtd">` +
			`<si><indication href="` + hrefOf(i, 0) + `" si-id="` + pushID(i) + `">News ` +
			strings.Repeat("n", pad) + `</indication></si>`
		return pap.NewEntity("text/vnd.wap.si", []byte(doc)), nil
	case kindSL:
		doc := `<?xml version="1.0"?>` +
			`<!DOCTYPE sl PUBLIC "-//WAPFORUM//DTD SL 1.0//EN" "http://www.wapforum.org/DTD/sl.dtd">` +
			`<sl href="` + hrefOf(i, pad) + `"/>`
		return pap.NewEntity("text/vnd.wap.sl", []byte(doc)), nil
	default:
		n := &mms.NotificationInd{
			TransactionID:   pushID(i),
			Version:         mms.Version12,
			From:            &mms.From{Address: mms.EncodedString{Text: "+358401234567/TYPE=PLMN"}},
			Class:           mms.ClassPersonal,
			Size:            20000,
			Expiry:          mms.Expiry{After: 7 * 24 * time.Hour},
			ContentLocation: hrefOf(i, pad),
		}
		b, err := n.Marshal()
		if err != nil {
			return nil, err
		}
		return pap.NewEntity("application/vnd.wap.mms-message", b), nil
	}
}

// plan is what the workload decides for each push: its kind and size.
type plan struct {
	kind     kind
	segments int
}

// plans draws the kind and segment count of every push from the seed.
func (w *workload) plans() []plan {
	rng := rand.New(rand.NewPCG(w.cfg.Network.Seed, 0x5eed_0f_1a5d))
	m := w.cfg.Mix
	total := m.SI + m.SL + m.MMS
	out := make([]plan, w.cfg.Pushes)
	for i := range out {
		u, v := rng.Float64()*total, rng.Float64()
		k, two := kindMMS, m.MMSTwo
		switch {
		case u < m.SI:
			k, two = kindSI, m.SITwo
		case u < m.SI+m.SL:
			k, two = kindSL, m.SLTwo
		}
		n := 1
		if v < two {
			n = 2
		}
		if w.cfg.Segments > 0 {
			n = w.cfg.Segments
		}
		out[i] = plan{kind: k, segments: n}
	}
	return out
}

// request is the PAP request of push i, accepted at now.
func (w *workload) request(i int, p plan, now time.Time) (*pap.Request, error) {
	e, err := entity(p.kind, i, w.pad[p.kind][p.segments])
	if err != nil {
		return nil, err
	}
	m := &pap.PushMessage{
		PushID:        pushID(i),
		Addresses:     []pap.Address{{Value: "+" + msisdn(i), Type: pap.TypePLMN, Host: "ppg.sim"}},
		DeliverBefore: now.Add(w.cfg.DeliverBefore).UTC().Truncate(time.Second),
	}
	control, err := pap.Marshal(m)
	if err != nil {
		return nil, err
	}
	return &pap.Request{Message: m, Control: pap.NewEntity("application/xml", control), Content: e}, nil
}
