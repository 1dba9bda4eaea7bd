# Run by bench/metrics inside the namespace with the population.
#   metrics-inner.sh SOCKWATCH FLOOR EXPORTER|none SCRAPES DURATION
set -eu
SOCKWATCH_BIN=$1 FLOOR=$2 EXPORTER=$3 SCRAPES=$4 DURATION=$5
hz=$(getconf CLK_TCK)

# CPU (user + system) in ticks: of the children this shell reaped, and
# of a running process.
child_ticks() { awk '{ print $16 + $17 }' "/proc/$$/stat"; }
proc_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
now_ns() { date +%s%N; }
ms() { awk -v t="$1" -v hz="$hz" -v n="$2" 'BEGIN { printf "%.2f", t * 1000 / hz / n }'; }

# A command run n times: its median wall time (ms) and CPU per run (ms),
# in $tmp/timed (not through $(...), whose subshell would reap them).
timed() { # n command...
	n=$1
	shift
	c0=$(child_ticks)
	i=0
	: >"$tmp/wall"
	while [ $i -lt "$n" ]; do
		t0=$(now_ns)
		"$@" >/dev/null
		t1=$(now_ns)
		echo $(((t1 - t0) / 1000)) >>"$tmp/wall"
		i=$((i + 1))
	done
	c1=$(child_ticks)
	wall=$(sort -n "$tmp/wall" | awk '{ a[NR] = $1 } END { printf "%.2f", a[int((NR + 1) / 2)] / 1000 }')
	echo "$wall $(ms $((c1 - c0)) "$n")" >"$tmp/timed"
}

# Scrape url SCRAPES times with curl: median and p99 latency (ms), and
# the server's CPU per scrape (ms).
scrape() { # pid url
	for _ in 1 2 3; do curl -s -o /dev/null "$2"; done
	s0=$(proc_ticks "$1")
	i=0
	: >"$tmp/lat"
	while [ $i -lt "$SCRAPES" ]; do
		curl -s -o /dev/null -w '%{time_total}\n' "$2" >>"$tmp/lat"
		i=$((i + 1))
	done
	s1=$(proc_ticks "$1")
	sort -n "$tmp/lat" | awk -v cpu="$(ms $((s1 - s0)) "$SCRAPES")" '
	{ a[NR] = $1 * 1000 }
	END { printf "%.2f %.2f %s\n", a[int((NR + 1) / 2)], a[int(NR * 0.99)], cpu }'
}

# Until the endpoint answers 200: it says 503 before its first poll.
wait_for() { # url
	i=0
	until curl -sf -o /dev/null "$1"; do
		sleep 0.1
		i=$((i + 1))
		[ $i -lt 600 ] || { echo "no answer from $1" >&2; exit 1; }
	done
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; kill $(jobs -p) 2>/dev/null || true' EXIT

timed 20 "$FLOOR"
read -r floor_wall floor_cpu <"$tmp/timed"
echo "floor: one bare dump takes $floor_wall ms, $floor_cpu ms of CPU"
timed 10 "$SOCKWATCH_BIN" dump -a --summary
read -r wall cpu <"$tmp/timed"
echo "sockwatch dump -a --summary: $wall ms, $cpu ms of CPU ($(awk -v a="$cpu" -v b="$floor_cpu" 'BEGIN { printf "%.2fx", a / b }') the floor's CPU)"
timed 10 "$SOCKWATCH_BIN" metrics --no-exact
read -r wall cpu <"$tmp/timed"
echo "sockwatch metrics, once: $wall ms, $cpu ms of CPU ($(awk -v a="$cpu" -v b="$floor_cpu" 'BEGIN { printf "%.2fx", a / b }') the floor's CPU)"

# Scrapes are served from the last rendering: with an interval of an
# hour, no poll runs while they are timed.
"$SOCKWATCH_BIN" metrics --no-exact --listen 9464 --interval 1h 2>/dev/null &
pid=$!
wait_for http://127.0.0.1:9464/metrics
set -- $(scrape $pid http://127.0.0.1:9464/metrics)
echo "sockwatch metrics --listen: scrape $1 ms median, $2 ms p99, $3 ms of CPU per scrape ($(awk -v a="$3" -v b="$floor_cpu" 'BEGIN { printf "%.2fx", a / b }') the floor's CPU)"
kill $pid
wait $pid 2>/dev/null || true

# Keeping the model: a poll and a rendering each second.
for mode in --no-exact --exact; do
	"$SOCKWATCH_BIN" metrics $mode --listen 9464 --interval 1s 2>/dev/null &
	pid=$!
	wait_for http://127.0.0.1:9464/metrics
	sleep 2
	s0=$(proc_ticks $pid)
	sleep "$DURATION"
	s1=$(proc_ticks $pid)
	cpu=$(ms $((s1 - s0)) "$DURATION")
	echo "sockwatch metrics $mode, 1s interval: $cpu ms of CPU a second ($(awk -v a="$cpu" -v b="$floor_cpu" 'BEGIN { printf "%.2fx", a / b }') one bare dump's)"
	kill $pid
	wait $pid 2>/dev/null || true
done

if [ "$EXPORTER" != none ]; then
	"$EXPORTER" --collector.disable-defaults --collector.tcpstat \
		--web.listen-address=127.0.0.1:9100 2>/dev/null &
	pid=$!
	wait_for http://127.0.0.1:9100/metrics
	set -- $(scrape $pid http://127.0.0.1:9100/metrics)
	echo "node_exporter tcpstat ($("$EXPORTER" --version 2>&1 | awk 'NR == 1 { print $3 }')): scrape $1 ms median, $2 ms p99, $3 ms of CPU per scrape ($(awk -v a="$3" -v b="$floor_cpu" 'BEGIN { printf "%.2fx", a / b }') the floor's CPU)"
	kill $pid
	wait $pid 2>/dev/null || true
fi
