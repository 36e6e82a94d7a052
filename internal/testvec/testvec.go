// Package testvec gives tests the repository's golden vectors
// (testdata/vectors at the module root) by paths relative to that directory,
// whichever package directory the test runs in, so that no package needs
// its own ../../ prefix or its own copy of these helpers. It is for tests
// only: every function fails the test it is given instead of returning an
// error.
package testvec

import (
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Dir returns the absolute path of the testdata/vectors directory.
func Dir(t testing.TB) string {
	t.Helper()
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(root, "testdata", "vectors")
}

// moduleRoot finds the module root from the path of this source file, two
// directories below it. A binary built with -trimpath records a
// module-relative path instead; the root is then the nearest directory
// holding go.mod above the working directory, which go test sets to the
// directory of the package under test.
func moduleRoot() (string, error) {
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		return filepath.Join(filepath.Dir(file), "..", ".."), nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		if filepath.Dir(dir) == dir {
			return "", errors.New("testvec: no go.mod in " + wd + " or above it")
		}
	}
}

// Read returns the content of the vector file rel, a slash-separated path
// relative to testdata/vectors such as
// "v06-mms-notification-ind/m-notification-ind.bin".
func Read(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(Dir(t), filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ReadHex returns the octets written as hex in the vector file rel (the
// .hex files beside the binary vectors).
func ReadHex(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := decodeHex(string(Read(t, rel)))
	if err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	return b
}

// Hex returns the octets written as hex digits in s, in either case. White
// space between them is ignored, so that s can be grouped as a
// specification prints it: "8C 82 98".
func Hex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := decodeHex(s)
	if err != nil {
		t.Fatalf("testvec.Hex(%q): %v", s, err)
	}
	return b
}

func decodeHex(s string) ([]byte, error) {
	return hex.DecodeString(strings.Join(strings.Fields(s), ""))
}

// Glob returns the vector files matching pattern (filepath.Match syntax,
// relative to testdata/vectors), as slash-separated paths relative to
// testdata/vectors that Read accepts, in lexical order. It fails t when
// nothing matches, so that a test or fuzz corpus built from the result
// cannot pass empty.
func Glob(t testing.TB, pattern string) []string {
	t.Helper()
	dir := Dir(t)
	matches, err := filepath.Glob(filepath.Join(dir, filepath.FromSlash(pattern)))
	if err != nil {
		t.Fatalf("testvec.Glob(%q): %v", pattern, err)
	}
	if len(matches) == 0 {
		t.Fatalf("testvec.Glob(%q): no vector files match in %s", pattern, dir)
	}
	rels := make([]string, len(matches))
	for i, m := range matches {
		rel, err := filepath.Rel(dir, m)
		if err != nil {
			t.Fatal(err)
		}
		rels[i] = filepath.ToSlash(rel)
	}
	return rels
}
