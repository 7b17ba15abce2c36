#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# Runs the whole test suite: every Check unit suite in $BUILD/tests/, then
# every script test in tests/sh/ (independent decoders, network
# namespaces, install).  A script exits 0 for pass, 77 for skip (with its
# reason on stderr), anything else for failure.  Skips are listed loudly at
# the end; under CI=true a skip counts as a failure, because CI runs as
# root with every dependency installed and nothing there may be skipped.
#
# Usage: tests/run.sh [--unit-only] [NAME-FILTER]
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD
unit_only=0
filter=""
for a in "$@"; do
	case "$a" in
	--unit-only) unit_only=1 ;;
	*) filter=$a ;;
	esac
done

pass=0 fail=0 skip=0
failed=() skipped=()
logdir=$BUILD/test-logs
mkdir -p "$logdir"

run_one() {	# name, command...
	local name=$1; shift
	local log=$logdir/$name.log start end rc
	start=$(date +%s)
	"$@" >"$log" 2>&1
	rc=$?
	end=$(date +%s)
	case $rc in
	0)	pass=$((pass + 1)); printf 'PASS  %-40s %4ss\n' "$name" $((end - start)) ;;
	77)	skip=$((skip + 1)); skipped+=("$name: $(tail -n 1 "$log")")
		printf 'SKIP  %-40s (%s)\n' "$name" "$(tail -n 1 "$log")" ;;
	*)	fail=$((fail + 1)); failed+=("$name")
		printf 'FAIL  %-40s rc=%s, log follows\n' "$name" "$rc"
		sed 's/^/    | /' "$log" | tail -n 60 ;;
	esac
	# Check's own summary line, so the suite's counts are visible.
	grep -E '^[0-9]+%: Checks:' "$log" | sed 's/^/      /'
}

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	[ -n "$filter" ] && [[ $name != *$filter* ]] && continue
	CK_FORK=yes run_one "$name" "$t"
done

if [ $unit_only -eq 0 ]; then
	for t in tests/sh/*.sh; do
		[ -f "$t" ] || continue
		name=$(basename "$t" .sh)
		[ -n "$filter" ] && [[ $name != *$filter* ]] && continue
		run_one "$name" bash "$t"
	done
fi

if [ ${#skipped[@]} -gt 0 ]; then
	echo
	echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
	echo "!!! ${#skipped[@]} test(s) SKIPPED -- these were NOT run:"
	for s in "${skipped[@]}"; do echo "!!!   $s"; done
	echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
	if [ "${CI:-}" = true ]; then
		echo "CI=true: a skipped test is a failure here"
		fail=$((fail + skip))
	fi
fi
if [ ${#failed[@]} -gt 0 ]; then
	echo
	echo "failed: ${failed[*]}"
fi
echo
echo "tests: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ] && [ $((pass + fail)) -gt 0 ]
