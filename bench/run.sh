#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# Runs every benchmark: the $BUILD/bench/bench_* binaries, then every
# bench/*.sh script (but this one).  Each prints "name: value unit" lines;
# figures are never pass/fail, so a benchmark that cannot run says why and
# the run goes on.
#
# Usage: bench/run.sh [NAME-FILTER]
set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
export BUILD
filter=${1:-}
rc=0

for b in "$BUILD"/bench/bench_*; do
	[ -x "$b" ] || continue
	name=$(basename "$b")
	[ -n "$filter" ] && [[ $name != *$filter* ]] && continue
	echo "# $name"
	"$b" || { echo "# $name failed (rc=$?)"; rc=1; }
done
for s in bench/*.sh; do
	[ -f "$s" ] || continue
	name=$(basename "$s" .sh)
	[ "$name" = run ] && continue
	[ -n "$filter" ] && [[ $name != *$filter* ]] && continue
	echo "# $name"
	bash "$s" || { echo "# $name failed (rc=$?)"; rc=1; }
done
exit $rc
