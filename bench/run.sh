#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# Runs every benchmark: each built $BUILD/bench/bench_* binary, then each
# bench/*.sh script.  Benchmarks print "name: value unit" lines; this
# script only runs them and reports failures (figures are never pass/fail).
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD
rc=0
for b in "$BUILD"/bench/bench_*; do
	[ -x "$b" ] && [ -f "$b" ] || continue
	case "$b" in *.o|*.d) continue ;; esac
	echo "# $(basename "$b")"
	"$b" || { echo "# $(basename "$b") FAILED (rc=$?)"; rc=1; }
done
for s in bench/*.sh; do
	[ -f "$s" ] || continue
	[ "$(basename "$s")" = run.sh ] && continue
	echo "# $(basename "$s")"
	bash "$s" || { echo "# $(basename "$s") FAILED (rc=$?)"; rc=1; }
done
exit $rc
