#!/bin/sh
# SPDX-License-Identifier: ISC
# Installs every Debian 12 package lisp-ztr needs to build, test, fuzz and
# benchmark.  Non-interactive (tshark would otherwise ask about dumpcap).
set -eu
export DEBIAN_FRONTEND=noninteractive
# As root run apt-get directly; otherwise through sudo, keeping the
# environment so DEBIAN_FRONTEND reaches apt-get.
as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	else
		sudo -E "$@"
	fi
}
as_root apt-get update -qq
as_root apt-get install -y -qq --no-install-recommends \
	build-essential pkg-config ca-certificates \
	libpcap-dev libev-dev libnl-3-dev libnl-route-3-dev libsodium-dev \
	libmnl-dev libssl-dev libjson-c-dev liburcu-dev libseccomp-dev \
	libcap-ng-dev libxxhash-dev check \
	clang libclang-rt-14-dev \
	tshark tcpdump iproute2 iputils-ping iperf3 netcat-openbsd procps \
	psmisc kmod xxd jq python3 python3-cryptography man-db groff-base \
	mandoc ethtool openssl >/dev/null
