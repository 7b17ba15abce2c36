#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# The CI entry point and the README's commands stay runnable:
#  - scripts/install-deps.sh is run with apt-get, sudo and id replaced by
#    recording stubs, once as uid 0 and once as uid 1000: as root apt-get
#    runs directly, otherwise through "sudo -E"; both times apt-get sees
#    DEBIAN_FRONTEND=noninteractive and is asked to update, then to
#    install (among others) the build and validator packages;
#  - .ci/run runs exactly the README's test command;
#  - every script the README names exists and is executable.
set -u
cd "$(dirname "$0")/../.." || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir "$tmp/bin"
cat >"$tmp/bin/apt-get" <<'STUB'
#!/bin/sh
echo "apt-get DEBIAN_FRONTEND=${DEBIAN_FRONTEND:-unset} $*" >>"$STUBLOG"
STUB
cat >"$tmp/bin/sudo" <<'STUB'
#!/bin/sh
echo "sudo $1" >>"$STUBLOG"
[ "$1" = -E ] || { echo "sudo without -E" >>"$STUBLOG"; exit 1; }
shift
exec "$@"
STUB
cat >"$tmp/bin/id" <<'STUB'
#!/bin/sh
[ "$1" = -u ] && { echo "$FAKE_UID"; exit 0; }
exit 1
STUB
chmod +x "$tmp/bin/"*

for uid in 0 1000; do
	log=$tmp/log.$uid
	: >"$log"
	# The caller's DEBIAN_FRONTEND must not leak into the check.
	env -u DEBIAN_FRONTEND PATH="$tmp/bin:$PATH" STUBLOG="$log" \
	    FAKE_UID=$uid sh scripts/install-deps.sh >"$tmp/out.$uid" 2>&1 ||
	    { cat "$tmp/out.$uid" "$log" >&2; fail "install-deps.sh as uid $uid"; }
	n=$(grep -c '^apt-get ' "$log")
	[ "$n" -eq 2 ] || { cat "$log" >&2; fail "uid $uid: $n apt-get runs, want 2"; }
	grep -q '^apt-get DEBIAN_FRONTEND=noninteractive update' "$log" ||
	    { cat "$log" >&2; fail "uid $uid: no non-interactive update"; }
	inst=$(grep '^apt-get DEBIAN_FRONTEND=noninteractive install' "$log") ||
	    { cat "$log" >&2; fail "uid $uid: no non-interactive install"; }
	for p in build-essential libpcap-dev libev-dev libnl-route-3-dev \
	    libsodium-dev libmnl-dev libssl-dev check clang tshark; do
		case " $inst " in
		*" $p "*) ;;
		*) fail "uid $uid: package $p not installed" ;;
		esac
	done
	nsudo=$(grep -c '^sudo ' "$log")
	if [ "$uid" -eq 0 ]; then
		[ "$nsudo" -eq 0 ] || fail "root ran sudo $nsudo times"
	else
		[ "$nsudo" -eq 2 ] || { cat "$log" >&2; fail "uid 1000: sudo ran $nsudo times, want 2"; }
	fi
	echo "ok: install-deps.sh as uid $uid: $n apt-get runs, $nsudo via sudo -E, non-interactive"
done

# .ci/run is the README's test command.
cmd=$(grep -v '^#' .ci/run | grep -v '^set ' | grep -v '^cd ' | grep -v '^$' |
    grep -v '^#!/')
grep -qF -- "$cmd" README.md || fail ".ci/run runs '$cmd', not in README"
echo "ok: .ci/run runs the README's command: $cmd"

for s in $(grep -o '\./scripts/[a-z_-]*\.sh' README.md | sort -u); do
	[ -x "$s" ] || fail "README names $s, not executable"
	sh -n "$s" 2>/dev/null || bash -n "$s" || fail "$s: syntax"
	echo "ok: README's $s exists and parses"
done
echo "ok: ci entry"
