package testvec

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestDirIsTheVectorsDirectory(t *testing.T) {
	if _, err := os.Stat(filepath.Join(Dir(t), "README.md")); err != nil {
		t.Fatalf("no README.md in %s: %v", Dir(t), err)
	}
}

// TestReadHexMatchesRead checks both readers against each other on a pair
// of vector files that hold the same octets, one as hex.
func TestReadHexMatchesRead(t *testing.T) {
	bin := Read(t, "v06-mms-notification-ind/m-notification-ind.bin")
	if got := ReadHex(t, "v06-mms-notification-ind/m-notification-ind.hex"); !bytes.Equal(got, bin) {
		t.Errorf("ReadHex:\n got %x\nwant %x", got, bin)
	}
	// X-Mms-Message-Type m-notification-ind, the first octets of v06.
	if want := Hex(t, "8C 82"); !bytes.HasPrefix(bin, want) {
		t.Errorf("v06 starts % X, want % X", bin[:2], want)
	}
}

func TestHex(t *testing.T) {
	for _, s := range []string{"8c8298", "8C 82 98", " 8c\n82\t98\n"} {
		if got := Hex(t, s); !bytes.Equal(got, []byte{0x8C, 0x82, 0x98}) {
			t.Errorf("Hex(%q) = % X", s, got)
		}
	}
	for _, s := range []string{"8", "8c 8", "zz", "8c 9g"} {
		if b, err := decodeHex(s); err == nil {
			t.Errorf("decodeHex(%q) = % X, want an error", s, b)
		}
	}
}

func TestGlob(t *testing.T) {
	got := Glob(t, "v0[1-3]-*/si.xml")
	want := []string{"v01-si-dates/si.xml", "v02-si-kannel-sample/si.xml", "v03-si-delete-info/si.xml"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	for _, rel := range got {
		if !bytes.Contains(Read(t, rel), []byte("<si>")) {
			t.Errorf("%s holds no <si>", rel)
		}
	}
}
