// Package pap implements the Push Access Protocol (WAP-247 PAP 2.0 and
// WAP-164 PAP 1.0) spoken between a Push Initiator (PI) and a Push Proxy
// Gateway (PPG): the messages and their XML documents, the multipart/related
// envelope a push travels in, the client address grammar of the PPG Service
// specification, the status codes and message states, and a PI client.
//
// The package is a library for both ends. A PPG reads a request with
// ReadRequest, which parses the control document and returns it with the
// content and capabilities entities, and answers with Marshal; a PI uses
// Client, and NotificationHandler for the result notifications the PPG posts
// back. Nothing here logs, keeps global state or touches the network except
// Client.
//
// Parsing is strict where a wrong guess would deliver the wrong thing or to
// the wrong recipient (a missing push-id or address, a malformed timestamp,
// an unknown enumeration value, a duplicated attribute, two content
// entities): such input is refused with an *Error that carries the PAP
// status code which answers it and the offending fragment of the document.
// It is lenient where PIs in the field are merely sloppy: any of the three
// PAP public identifiers or none, white space around attribute values and
// around "=", lower-case address keywords and enumerations, explicit end
// tags with white-space content, a preamble and bare LF line ends in the
// multipart body. A document type declaration is read for its public
// identifier only: no DTD is ever fetched, and an internal subset that
// declares anything (entities included) is refused.
package pap
