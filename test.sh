#!/usr/bin/env bash
# The test command: installs what the tests need when it is missing, then
# runs the checks CI runs. Usage: ./test.sh [--no-fuzz] [--fuzztime 3s]
set -euo pipefail
cd "$(dirname "$0")"

fuzztime=3s
fuzz=1
while [ $# -gt 0 ]; do
	case "$1" in
	--no-fuzz) fuzz=0 ;;
	--fuzztime) fuzztime=$2; shift ;;
	*) echo "test.sh: unknown flag $1" >&2; exit 2 ;;
	esac
	shift
done

step() { printf '\n== %s\n' "$*"; }

# Debian packages the tests drive as independent peers.
need_debs=()
dpkg -s libnet-smpp-perl >/dev/null 2>&1 || need_debs+=(libnet-smpp-perl)
command -v xml2wbxml >/dev/null 2>&1 || need_debs+=(libwbxml2-utils)
command -v chromium >/dev/null 2>&1 || need_debs+=(chromium)
if [ ${#need_debs[@]} -gt 0 ]; then
	step "installing Debian packages: ${need_debs[*]}"
	sudo_cmd=""
	[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
	$sudo_cmd apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need_debs[@]}" >/dev/null
fi

# staticcheck, pinned, built once into the Go bin directory.
gobin="$(go env GOPATH)/bin"
if [ ! -x "$gobin/staticcheck" ]; then
	step "installing staticcheck"
	go install honnef.co/go/tools/cmd/staticcheck@v0.8.2
fi

step "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
	echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

step "go vet"
go vet ./...

step "staticcheck"
"$gobin/staticcheck" ./...

step "go test -race"
go test -race -count=1 ./...

if [ "$fuzz" = 1 ]; then
	step "fuzz targets, $fuzztime each"
	for pkg in $(go list ./...); do
		for target in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
			echo "-- $pkg $target"
			# The fuzzing engine can end a short run with "context deadline
			# exceeded" on a loaded machine without having found anything;
			# such a run (no failing input written) is tried once more.
			if ! go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg" >/tmp/txpush-fuzz.log 2>&1; then
				if grep -q 'Failing input written' /tmp/txpush-fuzz.log ||
					! go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg" >/tmp/txpush-fuzz.log 2>&1; then
					cat /tmp/txpush-fuzz.log; exit 1
				fi
			fi
		done
	done
fi
echo
echo "all checks passed"
