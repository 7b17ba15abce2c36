#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# The map-cache stress test (2 lookup threads, 1 churning writer) under
# ThreadSanitizer, via `make tsan` (builds into build-tsan/).  Any TSan
# report fails the test.  A few seconds.
set -u
cd "$(dirname "$0")/../.."
if ! echo 'int main(void){return 0;}' | ${CC:-cc} -fsanitize=thread -x c \
    -o /dev/null - 2>/dev/null; then
	echo "compiler cannot build with -fsanitize=thread" >&2
	exit 77
fi
if ! command -v setarch >/dev/null; then
	echo "setarch (util-linux) not installed" >&2
	exit 77
fi
exec make --no-print-directory tsan
