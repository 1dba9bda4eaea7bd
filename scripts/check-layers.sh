#!/bin/sh
# The data flows one way: collectors never draw, views never talk to netlink.
set -eu
status=0
collectors="src/diag.c src/destroy.c src/proc.c src/netns.c src/collect.c src/fetcher.c
	src/filter_bytecode.c src/stack/source.c"
for f in $collectors; do
	[ -f "$f" ] || continue
	if grep -n '#include <n\?curses' "$f"; then
		echo "layers: collector $f must not include curses" >&2
		status=1
	fi
done
for f in src/tui/*.c src/format*.c; do
	[ -f "$f" ] || continue
	if grep -n '#include <libmnl' "$f"; then
		echo "layers: view $f must not include libmnl" >&2
		status=1
	fi
done
[ $status -eq 0 ] && echo "layers: ok"
exit $status
