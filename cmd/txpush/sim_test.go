package main

import (
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSimCommand: `txpush sim` runs a small sweep, prints its table and
// writes the CSV, the markdown and the plots; bad flags are refused with
// a message.
func TestSimCommand(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := run([]string{"sim", "--pushes", "300", "--sweep", "segments", "--values", "1,2",
		"--modes", "txn,saf", "--out", dir}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	rows := 0
	for _, line := range strings.Split(stdout.String(), "\n") {
		if strings.HasPrefix(line, "| 1 |") || strings.HasPrefix(line, "| 2 |") {
			rows++
		}
	}
	if rows != 4 {
		t.Errorf("%d table rows, want 2 points × 2 modes:\n%s", rows, stdout.String())
	}
	f, err := os.Open(filepath.Join(dir, "results.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil || len(records) != 5 || records[1][2] != "txn" || records[1][3] != "300" {
		t.Errorf("results.csv: %v %v", records, err)
	}
	for _, name := range []string{"delivered-ever.svg", "delivered-30s.svg", "latency-cdf.svg"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			XMLName xml.Name
			Groups  []struct {
				Class string `xml:"class,attr"`
			} `xml:"g"`
		}
		if err := xml.Unmarshal(b, &doc); err != nil || doc.XMLName.Local != "svg" {
			t.Errorf("%s: not an SVG document: %v", name, err)
		}
		if !bytes.Contains(b, []byte("txn")) || !bytes.Contains(b, []byte("saf")) {
			t.Errorf("%s: the modes are not in the legend", name)
		}
	}

	for _, args := range [][]string{
		{"sim", "--modes", "nosuch"},
		{"sim", "--sweep", "nosuch"},
		{"sim", "--sweep", "failure", "--values", "2"},
		{"sim", "--set", "absent-share"},
	} {
		stderr.Reset()
		if code := run(args, &stdout, &stderr); code == 0 || !strings.Contains(stderr.String(), "txpush sim:") {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr.String())
		}
	}
	stdout.Reset()
	if code := run([]string{"sim", "--list"}, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "saf-operator") ||
		!strings.Contains(stdout.String(), "reassembly") {
		t.Errorf("--list: exit %d:\n%s", code, stdout.String())
	}
}
