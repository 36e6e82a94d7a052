package pap

import (
	"errors"
	"time"
)

// Version is the PAP version of a document.
type Version int

// The versions this package reads and writes. The zero value is PAP 2.0.
const (
	PAP20 Version = iota // PAP 2.0, WAP-247 (2.x documents are read as 2.0)
	PAP10                // PAP 1.0, WAP-164
)

func (v Version) String() string {
	if v == PAP10 {
		return "1.0"
	}
	return "2.0"
}

// Kind names a PAP operation: the element inside the pap root.
type Kind string

// The PAP operations.
const (
	KindPushMessage                Kind = "push-message"
	KindPushResponse               Kind = "push-response"
	KindCancelMessage              Kind = "cancel-message"
	KindCancelResponse             Kind = "cancel-response"
	KindResultNotification         Kind = "resultnotification-message"
	KindResultNotificationResponse Kind = "resultnotification-response"
	KindStatusQueryMessage         Kind = "statusquery-message"
	KindStatusQueryResponse        Kind = "statusquery-response"
	KindCCQMessage                 Kind = "ccq-message"
	KindCCQResponse                Kind = "ccq-response"
	KindBadMessageResponse         Kind = "badmessage-response"
)

// Message is one PAP document. Its concrete type is one of the pointer
// types of this package named after the operations (*PushMessage,
// *PushResponse, ...); the set is closed.
type Message interface {
	// Kind returns the operation.
	Kind() Kind
	header() *Header
}

// Header is what a document says besides its operation: the version its
// document type declaration names (or that it is answered in), and the
// product-name attribute of the pap root.
type Header struct {
	Version     Version
	ProductName string
}

func (h *Header) header() *Header { return h }

// HeaderOf returns the header of m, through which a PPG answers in the
// version of the request.
func HeaderOf(m Message) *Header { return m.header() }

// QualityOfService is the quality-of-service element. Parsing fills in the
// defaults of absent attributes (priority medium, delivery-method
// notspecified); Marshal leaves out empty enumerations and false flags.
type QualityOfService struct {
	Priority        Priority
	DeliveryMethod  DeliveryMethod
	Network         string // e.g. "GSM"; compare case-insensitively
	NetworkRequired bool
	Bearer          string // e.g. "SMS"; compare case-insensitively
	BearerRequired  bool
}

// PushMessage is a push submission (PI → PPG). The content entity travels
// beside it in the multipart envelope.
type PushMessage struct {
	Header
	PushID                 string    // required; globally unique, e.g. "id@pi-domain"
	DeliverBefore          time.Time // deliver-before-timestamp; zero when absent
	DeliverAfter           time.Time // deliver-after-timestamp; zero when absent
	SourceReference        string
	NotifyTo               string // ppg-notify-requested-to: where to post the result notification
	ProgressNotesRequested bool
	Addresses              []Address // at least one
	QoS                    *QualityOfService
}

// Result is the response-result element: a status code and its description.
type Result struct {
	Code Code
	Desc string
}

// ProgressNote is a progress-note element of a push-response.
type ProgressNote struct {
	Stage string // required
	Note  string
	Time  time.Time
}

// PushResponse is the PPG's answer to a push-message.
type PushResponse struct {
	Header
	PushID        string // required
	SenderAddress string // the PPG's URL (Kannel writes a path)
	SenderName    string
	ReplyTime     time.Time
	ProgressNotes []ProgressNote
	Result        Result
}

// CancelMessage asks the PPG to cancel a push, for the listed addresses or,
// with none, for all of them.
type CancelMessage struct {
	Header
	PushID    string
	Addresses []Address
}

// CancelResult is the outcome of a cancellation for some addresses.
type CancelResult struct {
	Code      Code
	Desc      string
	Addresses []Address
}

// CancelResponse is the PPG's answer to a cancel-message.
type CancelResponse struct {
	Header
	PushID  string
	Results []CancelResult // at least one
}

// ResultNotification is the resultnotification-message the PPG posts to the
// PI when a push reached its final state.
type ResultNotification struct {
	Header
	PushID        string
	SenderAddress string
	SenderName    string
	ReceivedTime  time.Time // when the PPG got the push
	EventTime     time.Time // when the final state was reached
	State         MessageState
	Code          Code
	Desc          string
	Address       Address
	QoS           *QualityOfService // the quality of service actually used
}

// ResultNotificationResponse is the PI's answer to a result notification.
type ResultNotificationResponse struct {
	Header
	PushID    string
	Code      Code
	Desc      string
	Addresses []Address
}

// StatusQueryMessage asks for the state of a push, for the listed
// addresses or all of them.
type StatusQueryMessage struct {
	Header
	PushID    string
	Addresses []Address
}

// StatusQueryResult is the state of a push for some addresses.
type StatusQueryResult struct {
	EventTime time.Time
	State     MessageState
	Code      Code
	Desc      string
	Addresses []Address
	QoS       *QualityOfService
}

// StatusQueryResponse is the PPG's answer to a statusquery-message.
type StatusQueryResponse struct {
	Header
	PushID  string
	Results []StatusQueryResult // at least one
}

// CCQMessage is a client capabilities query.
type CCQMessage struct {
	Header
	QueryID string
	AppID   string
	Address Address
}

// CCQResponse is the PPG's answer to a ccq-message; the capabilities, when
// known, travel as a second entity of the envelope.
type CCQResponse struct {
	Header
	QueryID string
	Code    Code
	Desc    string
	Address Address
}

// BadMessageResponse is the PPG's answer to a request it could not
// understand.
type BadMessageResponse struct {
	Header
	Code     Code
	Desc     string
	Fragment string // bad-message-fragment: the unparsable part, echoed
}

// Kind returns KindPushMessage.
func (*PushMessage) Kind() Kind { return KindPushMessage }

// Kind returns KindPushResponse.
func (*PushResponse) Kind() Kind { return KindPushResponse }

// Kind returns KindCancelMessage.
func (*CancelMessage) Kind() Kind { return KindCancelMessage }

// Kind returns KindCancelResponse.
func (*CancelResponse) Kind() Kind { return KindCancelResponse }

// Kind returns KindResultNotification.
func (*ResultNotification) Kind() Kind { return KindResultNotification }

// Kind returns KindResultNotificationResponse.
func (*ResultNotificationResponse) Kind() Kind { return KindResultNotificationResponse }

// Kind returns KindStatusQueryMessage.
func (*StatusQueryMessage) Kind() Kind { return KindStatusQueryMessage }

// Kind returns KindStatusQueryResponse.
func (*StatusQueryResponse) Kind() Kind { return KindStatusQueryResponse }

// Kind returns KindCCQMessage.
func (*CCQMessage) Kind() Kind { return KindCCQMessage }

// Kind returns KindCCQResponse.
func (*CCQResponse) Kind() Kind { return KindCCQResponse }

// Kind returns KindBadMessageResponse.
func (*BadMessageResponse) Kind() Kind { return KindBadMessageResponse }

// NewBadMessageResponse returns the badmessage-response that answers err,
// in the version of the document at fault as far as it was read: the code,
// reason and fragment of an *Error, or 2000 for any other error.
func NewBadMessageResponse(err error) *BadMessageResponse {
	r := &BadMessageResponse{Code: CodeBadRequest, Desc: CodeBadRequest.Text()}
	var e *Error
	if errors.As(err, &e) {
		r.Version = e.Version
		r.Code = e.Code
		r.Desc = xmlText([]byte(e.Code.Text() + ": " + e.Reason))
		r.Fragment = e.Fragment
	}
	return r
}
