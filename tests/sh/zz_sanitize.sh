#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# All Check suites under ASan + UBSan (make sanitize, build-san/).  The
# nested make runs the `unit` target, i.e. tests/run.sh --unit-only, so
# it does not recurse into these script tests.  BUILD is unset: the
# outer tests/run.sh exports BUILD=build, which would make the
# sanitizer build write its objects into the normal build directory.
set -u
cd "$(dirname "$0")/../.."
# CK_TIMEOUT_MULTIPLIER: Check's 4 s per-test timeout is a hang guard;
# sanitized tests that map the map-cache's virtual reservations take
# 2-7 s here (see the Makefile's sanitize target).
env -u BUILD -u MAKEFLAGS -u MAKELEVEL CK_TIMEOUT_MULTIPLIER=10 \
    make -s --no-print-directory SANITIZE=1 BUILD=build-san OPT="-O1 -g" unit
rc=$?
[ $rc -eq 0 ] && echo "zz_sanitize: all unit suites pass under ASan+UBSan"
exit $rc
