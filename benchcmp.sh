#!/usr/bin/env bash
# Compares the PPG's CPU per push of two commits with `txpush bench`, the two
# benches running at the same time, round after round, so that both see the
# same load of the shared host (which moves single runs by tens of percent
# from one minute to the next; two runs side by side differ by a few).
#
# Usage: ./benchcmp.sh OLD NEW [ROUNDS] [-- BENCH-ARGS...]
#   OLD, NEW    commits (anything git rev-parse takes; "." is the working tree)
#   ROUNDS      rounds of the two runs at once (default 6)
#   BENCH-ARGS  for both runs (default: --pushes 20000 --notify=false)
# Prints each round's figures, their medians, and the median of NEW/OLD.
# Each bench takes half the machine's two cores' worth of room, so that
# both figures come out higher than a run alone gives: compare them with
# each other, not with single runs.
set -euo pipefail
cd "$(dirname "$0")"
if [ $# -lt 2 ]; then
	sed -n '2,/^set/p' "$0" | sed '$d; s/^# \{0,1\}//'
	exit 2
fi
old=$1 new=$2
shift 2
rounds=6
if [ $# -gt 0 ] && [ "$1" != "--" ]; then
	rounds=$1
	shift
fi
[ "${1:-}" = "--" ] && shift
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--pushes 20000 --notify=false)

work=$(mktemp -d)
trap 'git worktree remove --force "$work/tree" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
build() { # build REV OUT
	if [ "$1" = "." ]; then
		go build -o "$2" ./cmd/txpush
	else
		git worktree add --detach --force "$work/tree" "$1" >/dev/null 2>&1
		(cd "$work/tree" && go build -o "$2" ./cmd/txpush)
		git worktree remove --force "$work/tree" >/dev/null
	fi
}
build "$old" "$work/old"
build "$new" "$work/new"

cpu() { awk '/^ppg /{print $3}' "$1"; }
olds=() news=()
for r in $(seq "$rounds"); do
	"$work/old" bench "${args[@]}" >"$work/old.out" 2>&1 &
	a=$!
	"$work/new" bench "${args[@]}" >"$work/new.out" 2>&1 &
	b=$!
	wait "$a" "$b" || { cat "$work/old.out" "$work/new.out"; exit 1; }
	olds+=("$(cpu "$work/old.out")") news+=("$(cpu "$work/new.out")")
	printf 'round %d: PPG CPU µs/push  %s %s  %s %s\n' "$r" "$old" "${olds[-1]}" "$new" "${news[-1]}"
done
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
ratios=()
for i in "${!olds[@]}"; do
	ratios+=("$(awk -v a="${olds[$i]}" -v b="${news[$i]}" 'BEGIN {printf "%.3f", b / a}')")
done
echo "median PPG CPU µs/push: $old $(median "${olds[@]}"), $new $(median "${news[@]}")"
echo "NEW/OLD per round: ${ratios[*]}; median $(median "${ratios[@]}")"
