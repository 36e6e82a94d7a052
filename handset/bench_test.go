package handset_test

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/txpush/txpush/clock"
	"github.com/txpush/txpush/handset"
	"github.com/txpush/txpush/internal/testvec"
	"github.com/txpush/txpush/radio"
)

// populationSize is the number of handsets the simulator models.
const populationSize = 100_000

// BenchmarkPopulationReceive3 delivers the three segments of vector v12 (a
// 364-octet SI push, 16-bit reference) to the handsets of a Population of
// 100,000 in turn, on a virtual clock: one op is one whole push received,
// reassembled and decoded. It also reports the heap each idle handset
// costs once every one of them has received a push.
func BenchmarkPopulationReceive3(b *testing.B) {
	var segs [][]byte
	for _, name := range testvec.Glob(b, "v12-udh-3seg-16bit/seg*.ud.bin") {
		segs = append(segs, testvec.Read(b, name))
	}
	clk := clock.NewVirtual(t0)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	// The numbers count against the handsets: the Population keeps each
	// one as its key, as it keeps the Destination of the first SMS.
	msisdns := make([]string, populationSize)
	for i := range msisdns {
		msisdns[i] = fmt.Sprintf("3584%08d", i)
	}
	pop, err := handset.NewPopulation(handset.Config{Clock: clk})
	if err != nil {
		b.Fatal(err)
	}
	defer pop.Close()
	receive := func(msisdn string) {
		for _, ud := range segs {
			pop.Receive(radio.SMS{Originator: testPPG, Destination: msisdn, UserData: ud, UDHI: true, DataCoding: 0x04}, clk.Now())
		}
	}
	for _, m := range msisdns {
		receive(m)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if tot := pop.Totals(); tot.Pushes != populationSize {
		b.Fatalf("%d pushes decoded, want %d (totals %+v)", tot.Pushes, populationSize, tot)
	}
	// Less the slice of numbers, which only the benchmark holds.
	perHandset := float64(after.HeapAlloc-before.HeapAlloc-uint64(populationSize*16)) / populationSize

	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		receive(msisdns[i%populationSize])
		i++
	}
	b.StopTimer()
	b.ReportMetric(perHandset, "B/handset")
	if n, _ := pop.Pending(); n != 0 {
		b.Fatalf("%d messages left pending", n)
	}
	runtime.KeepAlive(msisdns)
}
