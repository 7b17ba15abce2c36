#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# Every libFuzzer target (fuzz/fuzz_*.c) builds with clang and runs 5
# seconds without a crash, leak or timeout (fuzz/run.sh prints one line
# per target with its executions).  Skips only when clang is missing.
set -u
cd "$(dirname "$0")/../.."
CC=${FUZZ_CC:-clang}
command -v "$CC" >/dev/null 2>&1 ||
	{ echo "clang not installed (scripts/install-deps.sh)"; exit 77; }
n=$(ls fuzz/fuzz_*.c 2>/dev/null | wc -l)
[ "$n" -gt 0 ] || { echo "FAIL: no fuzz targets"; exit 1; }
out=$(FUZZ_SECONDS=${FUZZ_SMOKE_SECONDS:-5} fuzz/run.sh 2>&1)
rc=$?
echo "$out"
ran=$(grep -c '^fuzz\..*execs, 0 crashes, rc=0$' <<<"$out")
if [ $rc -ne 0 ] || [ "$ran" -ne "$n" ]; then
	echo "FAIL: $ran of $n fuzz targets ran clean (rc=$rc)"
	exit 1
fi
echo "zz_fuzz_smoke: $n targets ran clean"
