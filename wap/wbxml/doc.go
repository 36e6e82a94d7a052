// Package wbxml encodes and decodes WAP Binary XML (WBXML 1.0–1.3,
// WAP-192-WBXML) documents, the compact form in which SI, SL, CO and other
// WAP content types travel over the air.
//
// The package is driven by token tables: a TokenTable lists the tag tokens,
// attribute-start tokens (an attribute name, possibly with the beginning of
// its value) and attribute-value tokens of one document type. The same
// tables serve the encoder, which always picks the longest attribute-start
// prefix and uses value tokens wherever their text occurs (as libwbxml
// does), and the decoder, which accepts every legal way of splitting a value
// into tokens and strings, string-table references, entities, OPAQUE data,
// code-page switches and elements whose content flag is set over empty
// content.
//
// Documents are held as a small tree (Document, Element, Attr, Text,
// Opaque). ParseXML reads the textual form of such a document and
// Document.AppendXML writes it, so that packages built on this one can
// share one validation path for XML and WBXML input. A DocType ties such a
// package's token table and root element to its conversion, so that both
// forms are read, checked for the right document type and converted alike.
//
// Decoding never panics: malformed input gives a *DecodeError naming the
// offset, what was found and what was expected; nesting depth is bounded.
package wbxml
