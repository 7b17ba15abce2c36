#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# Builds every libFuzzer target fuzz/fuzz_NAME.c with clang (ASan + UBSan),
# seeds it and runs it for FUZZ_SECONDS seconds.  Prints one line per target
# with the executions done and the crashes found; exits non-zero if any
# target crashed, leaked or timed out.
#
# Seeds: control-message and data-header targets get the UDP payloads of
# every capture in tests/data/captures (extracted with tshark), the config
# target gets tests/data/config, others get tests/data/NAME if it exists.
# The corpus grows in build-fuzz/corpus/NAME and is kept between runs.
#
# Usage: fuzz/run.sh [TARGET...]
set -u
cd "$(dirname "$0")/.."
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
B=build-fuzz
CC=${FUZZ_CC:-clang}
mkdir -p "$B/obj" "$B/corpus"

CFLAGS="-std=gnu11 -g -O1 -fno-omit-frame-pointer -D_GNU_SOURCE
	-Ilib -Icrypto -Idataplane -Icontrol -Ilispd
	$(pkg-config --cflags libpcap libsodium libcrypto json-c libnl-3.0 libnl-route-3.0 libmnl liburcu-qsbr liburcu-cds libseccomp libcap-ng)"
LIBS="$(pkg-config --libs libpcap libsodium libcrypto json-c libnl-3.0 libnl-route-3.0 libmnl liburcu-qsbr liburcu-cds libseccomp libcap-ng) -lev -lm -pthread"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"

# The library, instrumented for coverage but without libFuzzer's main.
objs=()
for src in lib/*.c crypto/*.c dataplane/*.c control/*.c lispd/*.c; do
	[ -f "$src" ] || continue
	[ "$src" = lispd/main.c ] && continue
	obj=$B/obj/${src//\//_}.o
	if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || \
	    [ -n "$(find lib crypto dataplane control lispd -name '*.h' -newer "$obj" 2>/dev/null | head -n 1)" ]; then
		# shellcheck disable=SC2086
		$CC $CFLAGS $SAN -fsanitize=fuzzer-no-link -c -o "$obj" "$src" ||
		    { echo "fuzz: cannot build $src" >&2; exit 1; }
	fi
	objs+=("$obj")
done

seed_captures() {	# dir
	local f hex i=0
	command -v tshark >/dev/null || return 0
	for f in tests/data/captures/*.pcap; do
		[ -f "$f" ] || continue
		tshark -r "$f" -T fields -e udp.payload 'udp' 2>/dev/null |
		while read -r hex; do
			[ -n "$hex" ] || continue
			i=$((i + 1))
			echo "$hex" | xxd -r -p > "$1/$(basename "$f" .pcap)-$i"
		done
	done
}

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	for t in fuzz/fuzz_*.c; do
		[ -f "$t" ] && targets+=("$(basename "$t" .c)")
	done
fi
if [ ${#targets[@]} -eq 0 ]; then
	echo "fuzz: no targets"; exit 1
fi

bad=0
for t in "${targets[@]}"; do
	name=${t#fuzz_}
	bin=$B/$t
	# shellcheck disable=SC2086
	$CC $CFLAGS $SAN -fsanitize=fuzzer -o "$bin" "fuzz/$t.c" "${objs[@]}" $LIBS ||
	    { echo "fuzz: cannot build $t" >&2; bad=1; continue; }
	corpus=$B/corpus/$name
	if [ ! -d "$corpus" ]; then
		mkdir -p "$corpus"
		case $name in
		config)	cp tests/data/config/* "$corpus"/ 2>/dev/null ;;
		*)	if [ -d "tests/data/$name" ]; then
				cp -r "tests/data/$name"/. "$corpus"/
			else
				seed_captures "$corpus"
			fi ;;
		esac
	fi
	log=$B/$t.log
	"$bin" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix="$B/$t-" "$corpus" >"$log" 2>&1
	rc=$?
	execs=$(grep -m1 'stat::number_of_executed_units' "$log" | awk '{print $2}')
	crashes=$(ls "$B/$t"-crash-* "$B/$t"-leak-* "$B/$t"-timeout-* 2>/dev/null | wc -l)
	printf 'fuzz.%s: %s execs, %s crashes, rc=%s\n' "$name" "${execs:-?}" "$crashes" "$rc"
	if [ $rc -ne 0 ]; then
		bad=1
		grep -E 'ERROR|SUMMARY|==[0-9]+==' "$log" | head -n 20
	fi
done
exit $bad
