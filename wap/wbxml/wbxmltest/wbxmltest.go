// Package wbxmltest runs libwbxml's command-line tools, xml2wbxml and
// wbxml2xml, as an independent WBXML implementation to check this module's
// encoder and decoder against. It is for tests only.
package wbxmltest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// RequireTools fails t when the libwbxml tools are missing, saying how to
// get them; under -short it skips instead.
func RequireTools(t testing.TB) {
	t.Helper()
	for _, tool := range []string{"xml2wbxml", "wbxml2xml"} {
		if _, err := exec.LookPath(tool); err != nil {
			if testing.Short() {
				t.Skipf("%s not installed (skipped under -short)", tool)
			}
			t.Fatalf("%s not found: run ./test.sh at the repository root, which installs Debian's libwbxml2-utils", tool)
		}
	}
}

// XML2WBXML compiles the XML document xml with `xml2wbxml -n -v 1.2`: no
// string table, WBXML 1.2, as the golden vectors were made.
func XML2WBXML(t testing.TB, xml []byte) []byte {
	t.Helper()
	RequireTools(t)
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.xml"), filepath.Join(dir, "out.wbxml")
	if err := os.WriteFile(in, xml, 0o600); err != nil {
		t.Fatal(err)
	}
	run(t, "xml2wbxml", "-n", "-v", "1.2", "-o", out, in)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// WBXML2XML decodes the WBXML document b with `wbxml2xml -m 1` (one element
// per line) and returns the XML.
func WBXML2XML(t testing.TB, b []byte) []byte {
	t.Helper()
	RequireTools(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "in.wbxml")
	if err := os.WriteFile(in, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return run(t, "wbxml2xml", "-m", "1", "-o", "-", in)
}

func run(t testing.TB, name string, args ...string) []byte {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v\n%s%s", name, args, err, stdout.Bytes(), stderr.Bytes())
	}
	return stdout.Bytes()
}
