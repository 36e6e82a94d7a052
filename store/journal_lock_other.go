//go:build !unix

package store

import "os"

// lockJournal only creates name where there is no flock: two processes
// must not open one journal.
func lockJournal(name string) (*os.File, error) {
	return os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
}
