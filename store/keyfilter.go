package store

import "hash/maphash"

// keyFilter is a Bloom filter of push ids: it answers "certainly not
// stored" for almost every new push id without reading SQLite. A "maybe"
// is settled by a read. It never forgets a key (a purged push's id only
// costs a read), and past the number of keys it was sized for it answers
// "maybe" more often, which costs reads, never a wrong answer.
type keyFilter struct {
	seed maphash.Seed
	bits []uint64
}

// keyFilterBitsPerKey and keyFilterProbes give about 1 % false "maybe"s
// at the sized number of keys.
const (
	keyFilterBitsPerKey = 10
	keyFilterProbes     = 7
)

func newKeyFilter(keys int) *keyFilter {
	words := max(keys*keyFilterBitsPerKey/64, 1)
	return &keyFilter{seed: maphash.MakeSeed(), bits: make([]uint64, words)}
}

// probes returns the two hashes whose combinations pick the bits.
func (f *keyFilter) probes(pi, pushID string) (uint64, uint64) {
	var h maphash.Hash
	h.SetSeed(f.seed)
	h.WriteString(pi)
	h.WriteByte(0)
	h.WriteString(pushID)
	sum := h.Sum64()
	return sum & 0xffffffff, sum>>32 | 1
}

func (f *keyFilter) add(pi, pushID string) {
	h1, h2 := f.probes(pi, pushID)
	m := uint64(len(f.bits)) * 64
	for i := range uint64(keyFilterProbes) {
		b := (h1 + i*h2) % m
		f.bits[b/64] |= 1 << (b % 64)
	}
}

func (f *keyFilter) mayContain(pi, pushID string) bool {
	h1, h2 := f.probes(pi, pushID)
	m := uint64(len(f.bits)) * 64
	for i := range uint64(keyFilterProbes) {
		b := (h1 + i*h2) % m
		if f.bits[b/64]&(1<<(b%64)) == 0 {
			return false
		}
	}
	return true
}
