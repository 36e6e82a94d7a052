#!/usr/bin/env bash
# Runs the benchmarks whose figures docs/PERFORMANCE.md reports, one after
# another (never in parallel: the machine has 2 cores). Usage: ./bench.sh
set -euo pipefail
cd "$(dirname "$0")"
run() { echo "\$ go test -run '^\$' $*"; go test -run '^$' "$@" | grep -E '^(Benchmark|ok|FAIL)' ; echo; }
echo "# $(go version) on $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, $(date -u +%F)"
echo
run -bench 'UnmarshalSubmitSM$|AppendSubmitSM$' -benchmem -benchtime 2s ./smpp
run -bench 'RoundTrip' -benchtime 3s ./smpp
run -bench 'HeldResponses' -benchtime 60000x ./smpp
run -bench 'CompileSI$|CompileMMS' -benchmem ./wap/content
run -bench 'SIEncode$|SIDecodeWBXML' -benchmem ./wap/si
run -bench 'SegmentReassemble3|PushAppend' -benchmem ./wap/wdp ./wap/wsp
run -bench 'TransactionOverSMPP|StoreForwardOverSMPP' -benchtime 2s ./smsc
run -bench 'TransactionMemoryInFlight|TxnMemory10k|Txn3Segments|GateWait' -benchmem ./smsc
run -bench 'InsertGroupCommit|InsertUnbatched|CheckpointFinishedPushes' ./store
run -bench 'PurgeFinishedPushes' -benchtime 50000x ./store
run -bench 'PushLifeCycleAsync' -benchtime 30000x ./store
run -bench 'ReadRequest|ParseMessage' -benchmem ./pap
run -bench 'PopulationReceive3' -benchmem ./handset
run -bench 'HTTPServerFloor' -benchtime 100000x ./cmd/txpush
run -bench 'Deliver' -benchmem ./radio
txpush() { echo "\$ txpush $*"; go run ./cmd/txpush "$@" | sed -n '/^throughput/,$p'; echo; }
txpush bench --pushes 20000
txpush bench --pushes 20000 --notify=false
txpush bench --pushes 20000 --hold 2s
txpush bench --pushes 20000 --hold 2s --notify=false
txpush bench --rate 1000 --duration 10s
txpush bench --pushes 20000 --smsc txpush
txpush bench --rate 1000 --duration 10s --smsc txpush
