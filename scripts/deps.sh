#!/bin/sh
# Install the Debian packages sockwatch needs to build, run and test.
# Called by the Makefile before building; does nothing when all is present,
# and only explains what is missing when not run as root.
set -eu

# clang, bpftool and libbpf build the exact-mode collector's BPF program;
# libmicrohttpd serves the metrics endpoint (binutils' objdump names its
# soname for the build).
need="pkg-config binutils libmnl-dev libncurses-dev clang libbpf-dev bpftool libelf-dev zlib1g-dev libmicrohttpd-dev"
case "${1:-build}" in
test) need="$need libcriterion-dev iproute2 tmux python3 mandoc valgrind" ;;
bench) need="$need iproute2 linux-perf libbpf-tools jc curl" ;;
fuzz) need="$need libclang-rt-14-dev" ;;
esac

missing=""
for pkg in $need; do
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	case "$status" in
	*"ok installed") ;;
	*) missing="$missing $pkg" ;;
	esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "sockwatch: missing Debian packages:$missing" >&2
	echo "sockwatch: run as root to install them, or: apt-get install$missing" >&2
	exit 1
fi
echo "sockwatch: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
