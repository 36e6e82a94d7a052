package ppg

import (
	"fmt"
	"testing"
)

// The notifier parses a notification URL once while it is in use, and
// forgets all it kept once it holds urlCacheSize.
func TestURLCache(t *testing.T) {
	var c urlCache
	a, err := c.parse("http://pi.example:8080/notify?pi=1")
	if err != nil {
		t.Fatal(err)
	}
	if a.Host != "pi.example:8080" || a.Path != "/notify" || a.RawQuery != "pi=1" {
		t.Fatalf("parsed %+v", a)
	}
	if b, err := c.parse("http://pi.example:8080/notify?pi=1"); err != nil || b != a {
		t.Fatalf("again: %p, %v; want the same %p", b, err, a)
	}
	if _, err := c.parse("http://pi.example/%zz"); err == nil {
		t.Fatal("a URL that does not parse was taken")
	}
	for i := range urlCacheSize {
		if _, err := c.parse(fmt.Sprintf("http://pi%d.example/", i)); err != nil {
			t.Fatal(err)
		}
	}
	if len(c.m) > urlCacheSize {
		t.Fatalf("the cache holds %d URLs, more than %d", len(c.m), urlCacheSize)
	}
	if b, _ := c.parse("http://pi.example:8080/notify?pi=1"); b == a {
		t.Error("the first URL was still kept after urlCacheSize others")
	}
}
