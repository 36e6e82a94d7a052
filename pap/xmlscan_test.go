package pap

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/txpush/txpush/internal/testvec"
)

// checkSameAsDecoder parses doc with the scanner and with encoding/xml
// alone, and fails unless both accept it as the same message or refuse it
// with the same *Error: code, element, offset, reason, fragment and cause.
func checkSameAsDecoder(t *testing.T, doc []byte) {
	t.Helper()
	want, wantErr := parse(doc, false)
	got, gotErr := parse(doc, true)
	switch {
	case (gotErr == nil) != (wantErr == nil):
		t.Fatalf("%q\nscanner: %v, %v\ndecoder: %v, %v", doc, got, gotErr, want, wantErr)
	case wantErr != nil:
		if !reflect.DeepEqual(gotErr, wantErr) {
			t.Fatalf("%q\nscanner refuses with %#v (%#v)\ndecoder refuses with %#v (%#v)",
				doc, gotErr, errors.Unwrap(gotErr), wantErr, errors.Unwrap(wantErr))
		}
	case !reflect.DeepEqual(got, want):
		t.Fatalf("%q\nscanner reads %#v\ndecoder reads %#v", doc, got, want)
	}
}

// differentialSeeds returns every PAP document of the vectors (and the
// other XML and envelopes beside them), and the seeds of FuzzParseMessage.
func differentialSeeds(t testing.TB) [][]byte {
	var docs [][]byte
	for _, pattern := range []string{"v17-pap/examples/*.xml", "v17-pap/inputs/*.xml", "v17-pap/*.xml",
		"v17-pap/*.multipart", "v16-kannel-e2e/pap-responses/*.xml"} {
		for _, name := range testvec.Glob(t, pattern) {
			docs = append(docs, testvec.Read(t, name))
		}
	}
	docs = append(docs, []byte(`<?xml version="1.0" encoding="ISO-8859-1"?>`+"\n"+dt20+
		"<pap><push-message push-id=\"\xe9\xe9\xe9\">"+goodAddr+"</push-message></pap>"))
	files, err := filepath.Glob("testdata/fuzz/FuzzParseMessage/*")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		// go test fuzz v1, then one line: []byte("...")
		_, arg, _ := strings.Cut(string(b), "\n")
		arg = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(arg), "[]byte("), ")")
		doc, err := strconv.Unquote(arg)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		docs = append(docs, []byte(doc))
	}
	return docs
}

// TestScannerReadsVectors checks that the scanner reads every PAP
// document of the vectors itself, leaving nothing to encoding/xml, and
// reads it as encoding/xml does.
func TestScannerReadsVectors(t *testing.T) {
	for _, doc := range differentialSeeds(t) {
		checkSameAsDecoder(t, doc)
		if !bytes.Contains(doc, []byte("<pap")) || bytes.Contains(doc, []byte("ISO-8859-1")) {
			continue
		}
		p := newParser(doc)
		d := bytes.TrimPrefix(doc, []byte("\xEF\xBB\xBF"))
		var pro prolog
		rootAt, whole := p.prolog(d, int64(len(doc)-len(d)), &pro)
		if p.err != nil || whole {
			continue
		}
		if _, read := p.treeScan(len(doc)-len(d)+rootAt, pro); !read {
			t.Errorf("the scanner leaves to encoding/xml:\n%s", doc)
		}
	}
}

// TestScannerTruncated compares the readings of every beginning of every
// vector, which finds the end of the input in each state of the scanner.
func TestScannerTruncated(t *testing.T) {
	for _, doc := range differentialSeeds(t) {
		for n := range doc {
			checkSameAsDecoder(t, doc[:n])
		}
	}
}

// TestScannerMutated compares the readings of a push-message with each
// octet in turn replaced by one that matters to XML.
func TestScannerMutated(t *testing.T) {
	doc := testvec.Read(t, "v17-pap/examples/01-push-message.xml")
	octets := []byte("<>&;\"= /!-\r\x00\xc3")
	if testing.Short() {
		octets = octets[:4]
	}
	mutant := bytes.Clone(doc)
	for i := range doc {
		for _, c := range octets {
			mutant[i] = c
			checkSameAsDecoder(t, mutant)
		}
		mutant[i] = doc[i]
	}
}

// TestScannerOctets puts every octet value in each place of a document
// where the rules for it differ: names, values, text, references,
// instructions, comments, CDATA and after the root.
func TestScannerOctets(t *testing.T) {
	places := []string{
		"<pap><push-message push-id=\"a%s\">" + goodAddr + "</push-message></pap>",
		"<pap><push-message push-id='%s'>" + goodAddr + "</push-message></pap>",
		"<pap><push-message push-id=\"a\">%s" + goodAddr + "</push-message></pap>",
		"<pap><push-message push-id=\"a\" %s>" + goodAddr + "</push-message></pap>",
		"<pap><push-message push-id%s=\"a\">" + goodAddr + "</push-message></pap>",
		"<pap><push-message push-id=%s\"a\">" + goodAddr + "</push-message></pap>",
		"<pap><push-message%s push-id=\"a\">" + goodAddr + "</push-message></pap>",
		"<pap><push-message push-id=\"a\"%s>" + goodAddr + "</push-message></pap>",
		"<pap><push-message push-id=\"a\"/%s" + goodAddr + "</push-message></pap>",
		"<pap><%spush-message push-id=\"a\">" + goodAddr + "</push-message></pap>",
		"<pap><push-message push-id=\"a\">" + goodAddr + "</push-message%s></pap>",
		"<pap><push-message push-id=\"a\">" + goodAddr + "</%spush-message></pap>",
		"<pap><push-message push-id=\"a\">" + goodAddr + "<%s/></push-message></pap>",
		"<pap><push-message push-id=\"a\">" + goodAddr + "<a%sb/></push-message></pap>",
		"<pap><push-message push-id=\"a\">" + goodAddr + "<_%s/></push-message></pap>",
		"<pap><push-message push-id=\"&%s;\">" + goodAddr + "</push-message></pap>",
		"<pap><push-message push-id=\"&a%s;\">" + goodAddr + "</push-message></pap>",
		"<pap><push-message push-id=\"&amp%s\">" + goodAddr + "</push-message></pap>",
		"<pap><push-message push-id=\"&#%s;\">" + goodAddr + "</push-message></pap>",
		"<pap><push-message push-id=\"&#x%s;\">" + goodAddr + "</push-message></pap>",
		"<pap><push-message push-id=\"&#6%s\">" + goodAddr + "</push-message></pap>",
		"<pap><push-message push-id=\"a\">&%s;" + goodAddr + "</push-message></pap>",
		"<pap><push-message push-id=\"a\">]]%s" + goodAddr + "</push-message></pap>",
		"<pap><push-message push-id=\"a\"><?%s?>" + goodAddr + "</push-message></pap>",
		"<pap><push-message push-id=\"a\"><?pi %s?>" + goodAddr + "</push-message></pap>",
		"<pap><push-message push-id=\"a\"><?pi%s?>" + goodAddr + "</push-message></pap>",
		"<pap><push-message push-id=\"a\"><!%s-- c -->" + goodAddr + "</push-message></pap>",
		"<pap><push-message push-id=\"a\"><!-%s c -->" + goodAddr + "</push-message></pap>",
		"<pap><push-message push-id=\"a\"><!-- %s -->" + goodAddr + "</push-message></pap>",
		"<pap><push-message push-id=\"a\"><!-- --%s" + goodAddr + "</push-message></pap>",
		"<pap><push-message push-id=\"a\"><![CDATA[%s]]>" + goodAddr + "</push-message></pap>",
		"<pap><push-message push-id=\"a\"><![CDAT%s[ ]]>" + goodAddr + "</push-message></pap>",
		"<pap><push-message push-id=\"a\">" + goodAddr + "</push-message></pap>%s",
		"<pap><push-message push-id=\"a\">" + goodAddr + "</push-message></pap><%s/>",
		"<pap><push-message push-id=\"a\">" + goodAddr + "</push-message></pap><!--%s-->",
		"<pap><push-message push-id=\"a\">" + goodAddr + "</push-message></pap><?x %s?>",
		"<pap><push-message push-id=\"a\">" + goodAddr + "</push-message></pap>&#%s;",
	}
	for _, place := range places {
		for c := range 256 {
			checkSameAsDecoder(t, []byte(strings.Replace(place, "%s", string([]byte{byte(c)}), 1)))
		}
	}
}

// TestScannerMarkup compares the readings of documents that hold the
// markup PAP documents seldom do, right and wrong.
func TestScannerMarkup(t *testing.T) {
	in := func(attrs, inner string) string {
		return "<pap><push-message push-id=\"a\"" + attrs + ">" + goodAddr + inner + "</push-message></pap>"
	}
	docs := []string{
		in(` source-reference="&lt;&gt;&amp;&apos;&quot;"`, ""),
		in(` source-reference="&#65;&#x42;&#x10FFFF;&#xD800;&#0;&#x110000;"`, ""),
		in(` source-reference="&#xFFFE;"`, ""),
		in(` source-reference="&#xD800;&#xDFFF;&#x10000;"`, ""),
		in(` source-reference="&#0000065;&#x0041;&#9;"`, ""),
		in(` source-reference="&#99999999999999999999999;"`, ""),
		in(` source-reference="&#X41;"`, ""),
		in(` source-reference="&#;"`, ""),
		in(` source-reference="&#x;"`, ""),
		in(` source-reference="&1a;"`, ""),
		in(` source-reference="&a:b;"`, ""),
		in(` source-reference="&é;"`, ""),
		in(` source-reference="a]]>b"`, ""),
		in(` source-reference="a
b	c"`, ""),
		in(" source-reference=\"a\r\nb\rc\r\r\n\"", ""),
		in(" source-reference=\"\r&#13;\n&#10;\r\"", ""),
		in(" source-reference=\"é€𝄞\"", ""),
		in(" source-reference=\"\xed\xa0\x80\"", ""),
		in(" source-reference=\"\xef\xbf\xbe\"", ""),
		in(" source-reference=\"\xe2\x82&amp;\"", ""),
		in(" source-reference=\"\xe2\x82\"", ""),
		in(" source-reference=\"\x01&#xZ;\"", ""),
		in(" source-reference=\"\x01<\"", ""),
		in(` a:b="1" c:d="2" a:e="3"`, ""),
		in(` a:b="1" a:b="2"`, ""),
		in(` :b="1" :b="2"`, ""),
		in(` b:="1"`, ""),
		in(` a:b:c="1"`, ""),
		in(` é="1"`, ""),
		in(` push-id="b"`, ""),
		in(`push-id2="b"`, ""),
		in(` x = 'it"s' y="it's"`, ""),
		in(` x`, ""),
		in(` x=y`, ""),
		in(` x=`, ""),
		in(` 1x="1"`, ""),
		in(` .x="1"`, ""),
		in(` -x="1"`, ""),
		in(``, "<!-- c --><?pi x?><![CDATA[ \r\n\t]]>&#32;&#x9;&#13;&#10;\r\n"),
		in(``, "<![CDATA[x]]>"),
		in(``, "<![CDATA[]]>"),
		in(``, "<![CDATA[\x00]]>"),
		in(``, "<![CDATA[ ]]"),
		in(``, "&#65;"),
		in(``, "&amp;"),
		in(``, " ]]> "),
		in(``, " ]\r]> "),
		in(``, " ]]&amp;> "),
		in(``, "<!DOCTYPE pap>"),
		in(``, "<!ELEMENT pap ANY>"),
		in(``, "<!>"),
		in(``, `<?xml version="1.0"?>`),
		in(``, `<?xml version="1.1"?>`),
		in(``, `<?xml encoding="EBCDIC"?>`),
		in(``, `<?xml encoding="ISO-8859-1"?>`),
		in(``, `<?XML version="1.0"?>`),
		in(``, `<?xml-stylesheet href="x"?>`),
		in(``, `<?wap-pap-ver supported-versions="1.0"?>`),
		in(``, `<?wap-pap-ver supported-versions="3.0"?>`),
		in(``, `<?a:b:c?>`),
		in(``, `<?é?>`),
		in(``, `<?1?>`),
		in(``, `<!--->`),
		in(``, `<!---->`),
		in(``, `<!----->`),
		in(``, `<!-- - -->`),
		in(``, `<a:b/>`),
		in(``, `<a:b></a:b>`),
		in(``, `<a:b></a:c>`),
		in(``, `<a:b:c/>`),
		in(``, `<é/>`),
		in(``, `</é>`),
		in(``, `</>`),
		in(``, `</ a>`),
		in(``, `</address >`),
		in(``, `<address address-value="WAPPUSH=+1/TYPE=PLMN"></address >`),
		in(``, `<address address-value="WAPPUSH=+1/TYPE=PLMN"></address x>`),
		in(``, `<address address-value="WAPPUSH=+1/TYPE=PLMN"></p:address x>`),
		in(``, `<quality-of-service/ >`),
		in(``, strings.Repeat("<a>", 7)+strings.Repeat("</a>", 7)),
		in(``, strings.Repeat("<a>", 6)+strings.Repeat("</a>", 6)),
		"<pap/>",
		"<pap></pap>",
		"<pap><!-- -->",
		"<pap>",
		"</pap>",
		"<![CDATA[ ]]><pap/>",
		"<![CDATA[x]]><pap/>",
		"<!ELEMENT x><pap/>",
		"<!-x><pap/>",
		"<pap><ccq-message query-id=\"q\">" + goodAddr + "</ccq-message></pap>\r\n<!-- -->\n<?x?>\t",
		"<pap><ccq-message query-id=\"q\">" + goodAddr + "</ccq-message></pap><?wap-pap-ver supported-versions='1.*'?>",
		"<pap><ccq-message query-id=\"q\">" + goodAddr + "</ccq-message></pap><!DOCTYPE pap>",
		"<pap><ccq-message query-id=\"q\">" + goodAddr + "</ccq-message></pap><p",
		"<pap><ccq-message query-id=\"q\">" + goodAddr + "</ccq-message></pap>\x00",
		"<pap><ccq-message query-id=\"q\">" + goodAddr + "</ccq-message></pap>\xff",
		"<pap\n><ccq-message\nquery-id=\"q\"\n>\n" + goodAddr + "\n</ccq-message\n>\n</pap\n>\n",
		"<pap>\n\n<ccq-message query-id=\"q\">\n" + goodAddr + "\n</ccq-message>\n\n<x\n",
		"<pap>\n\n<ccq-message query-id=\"q\">\n" + goodAddr + "\n</ccq-message>\n\n&bad;\n",
	}
	for _, doc := range docs {
		checkSameAsDecoder(t, []byte(doc))
		checkSameAsDecoder(t, []byte(xmlDecl+dt20+doc))
	}
}

// FuzzParseMessageDifferential checks that the scanner and encoding/xml
// read every input alike: both refuse it with the same *Error, or both
// accept it as the same message.
func FuzzParseMessageDifferential(f *testing.F) {
	for _, doc := range differentialSeeds(f) {
		f.Add(doc)
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		checkSameAsDecoder(t, doc)
	})
}
