//go:build !linux

package store

import "os"

// fdatasync is fsync where the system offers no fdatasync to Go.
func fdatasync(f *os.File) error { return f.Sync() }
