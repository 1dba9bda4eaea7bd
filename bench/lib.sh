# Shell pieces the benchmarks share; source it: . "$BENCH_DIR/lib.sh"

# TCP sockets allocated on the whole host (/proc/net/sockstat's alloc:
# every namespace, also sockets still being torn down).
sockstat_alloc() {
	awk '/^TCP:/ { for (i = 2; i < NF; i++) if ($i == "alloc") print $(i + 1) }' \
		/proc/net/sockstat
}

# Wait (up to 120 s) until at most LIMIT (default 200) TCP sockets are
# allocated on the host: the kernel's dump walks the host-wide socket
# hash, so other namespaces' sockets would slow every dump and skew what
# is timed.  Fails with a message naming WHO when they stay.
settle_sockets() { # who [limit]
	limit=${2:-200}
	i=0
	while [ "$(sockstat_alloc)" -gt "$limit" ] && [ $i -lt 120 ]; do
		sleep 1
		i=$((i + 1))
	done
	if [ "$(sockstat_alloc)" -gt "$limit" ]; then
		echo "$1: $(sockstat_alloc) TCP sockets alive on the host: results would be skewed" >&2
		return 1
	fi
}

# CPU (user + system) of the children this shell has reaped, in ticks.
child_ticks() { awk '{ print $16 + $17 }' "/proc/$$/stat"; }

# CPU (user + system) of a running process, in ticks; empty when gone.
# The command name may hold spaces: count fields from the closing ')'.
process_ticks() { # pid
	sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null |
		awk '{ print $12 + $13 }'
}

# Resident memory of a running process in KiB; empty when gone.
process_rss_kib() { # pid
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null
}

# The CPU of one bare sock_diag dump (build/bench/floor), in ms: the mean
# over RUNS runs, from this shell's reaped children's times.
floor_cpu_ms() { # floor [runs]
	runs=${2:-20}
	c0=$(child_ticks)
	i=0
	while [ $i -lt "$runs" ]; do "$1" >/dev/null; i=$((i + 1)); done
	c1=$(child_ticks)
	awk -v a="$c0" -v b="$c1" -v hz="$(getconf CLK_TCK)" -v n="$runs" \
		'BEGIN { printf "%.1f", (b - a) * 1000 / hz / n }'
}

# Run a command in the background in a process group of its own (setsid:
# a background job of a non-interactive shell is not a group leader, so
# setsid does not fork and $! is the group's id).
start_group() { # command...
	setsid "$@" &
}

# End process groups: SIGTERM, a moment to exit, then SIGKILL for what is
# left.  Safe with groups already gone.
kill_groups() { # pgid...
	for g in "$@"; do kill -TERM -- "-$g" 2>/dev/null || true; done
	i=0
	while [ $i -lt 20 ]; do
		alive=0
		for g in "$@"; do
			kill -0 -- "-$g" 2>/dev/null && alive=1
		done
		[ $alive -eq 0 ] && break
		sleep 0.1
		i=$((i + 1))
	done
	for g in "$@"; do kill -KILL -- "-$g" 2>/dev/null || true; done
}
