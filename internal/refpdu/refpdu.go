// Package refpdu builds the SMPP PDU the project's performance figures are
// stated for, so that smpp's codec benchmarks and txpush bench's host
// reference time the same octets.
package refpdu

import "github.com/txpush/txpush/smpp"

// SubmitSM returns a transaction-mode submit_sm (esm_class 0x42, the WDP
// ports in TLVs) carrying a 200-octet message_payload: a push of about one
// SMS as the PPG hands it to the SMSC.
func SubmitSM() ([]byte, error) {
	p := &smpp.SubmitSM{Header: smpp.Header{Seq: 0x101}}
	m := &p.ShortMessage
	m.SourceAddrTON, m.SourceAddr = 5, "PPG"
	m.DestAddrTON, m.DestAddrNPI, m.DestinationAddr = 1, 1, "358401234567"
	m.ESMClass, m.DataCoding = 0x42, 0x04
	m.ValidityPeriod = "000000001000000R"
	payload := make([]byte, 200)
	for i := range payload {
		payload[i] = byte(i)
	}
	m.TLVs.SetSourcePort(9200)
	m.TLVs.SetDestinationPort(2948)
	m.TLVs.SetMessagePayload(payload)
	return smpp.Append(nil, p)
}
