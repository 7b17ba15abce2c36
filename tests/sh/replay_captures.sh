#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# lisp-replay on foreign captures: every pcap in tests/data/captures/ (LISP
# control and data traffic from other implementations, truncated and
# invalid packets) and the golden inputs go through --etr and --itr.
# Each run must exit 0 (no crash, no sanitizer report) and print a
# summary; over all captures the ETR must have both decapsulated and
# dropped something.  The ASan/UBSan build runs too when build-san/ has
# lisp-replay (make SANITIZE=1).
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
cfg=tests/replay/site2.config

bins=()
[ -x "$BUILD/lisp-replay" ] || { echo "FAIL: $BUILD/lisp-replay not built"; exit 1; }
bins+=("$BUILD/lisp-replay")
if [ "$BUILD" != build-san ] && [ -x build-san/lisp-replay ]; then
	bins+=(build-san/lisp-replay)
fi
caps=(tests/data/captures/*.pcap tests/replay/*.pcap)
[ ${#caps[@]} -ge 10 ] || { echo "FAIL: captures missing"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export ASAN_OPTIONS=abort_on_error=0:exitcode=99:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:exitcode=98
fail=0 runs=0
for b in "${bins[@]}"; do
	: >"$tmp/all.json"
	for c in "${caps[@]}"; do
		for mode in --etr --itr; do
			runs=$((runs + 1))
			"$b" -f $cfg $mode --seed 7 --json "$c" "$tmp/out.pcap" \
			    >>"$tmp/all.json" 2>"$tmp/err"
			rc=$?
			if [ $rc -ne 0 ] || ! grep -q '^packets-in ' "$tmp/err"
			then
				echo "FAIL: $b $mode $c: exit $rc"
				sed 's/^/    | /' "$tmp/err" | tail -20
				fail=1
			fi
		done
	done
	python3 - "$tmp/all.json" "$b" <<'PY' || fail=1
import json, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
etr = [r for r in runs if r["mode"] == "etr"]
tot = {}
for r in etr:
    for k, v in r["counters"].items():
        tot[k] = tot.get(k, 0) + v
drops = {k: v for k, v in tot.items()
         if k not in ("etr-packets", "etr-bytes", "etr-not-udp",
                      "etr-not-4341")}
print("%s: %d runs, ETR over all captures: %s" %
      (sys.argv[2], len(runs), json.dumps(tot, sort_keys=True)))
ok = tot.get("etr-packets", 0) > 0 and sum(drops.values()) > 0
if not ok:
    print("FAIL: expected decapsulated and dropped packets")
sys.exit(0 if ok else 1)
PY
done
echo "$runs runs"
exit $fail
