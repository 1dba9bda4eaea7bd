# Run by bench/tui inside the namespace with the population (not on its
# own): the floor's CPU per dump, then the monitor's CPU over DURATION
# seconds at a 1 s interval, the split per refresh, and key latency.
set -eu
SOCKWATCH_BIN=$1 FLOOR=$2 DURATION=$3 KEYS=$4
sock=sockwatch-bench-$$
stats=$(mktemp)
trap 'tmux -L $sock kill-server 2>/dev/null || true; rm -f "$stats"' EXIT

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# The floor: CPU of one bare dump, user + system, from this shell's
# reaped children's times (/proc/PID/stat cutime and cstime).
child_ticks() { awk '{ print $16 + $17 }' "/proc/$$/stat"; }
runs=20
c0=$(child_ticks)
i=0
while [ $i -lt $runs ]; do "$FLOOR" >/dev/null; i=$((i + 1)); done
c1=$(child_ticks)
floor_ms=$(awk -v a="$c0" -v b="$c1" -v hz="$(getconf CLK_TCK)" -v n=$runs \
	'BEGIN { printf "%.1f", (b - a) * 1000 / hz / n }')

tmux -u -L $sock -f /dev/null new-session -d -x 160 -y 50 \
	"exec env SOCKWATCH_TUI_STATS=$stats $SOCKWATCH_BIN -n --interval 1s"
pid=$(tmux -L $sock list-panes -F '#{pane_pid}')
# Wait for the first refresh, and the owners' first scan, to be over.
sleep 5
t0=$(cpu_ticks "$pid")
sleep "$DURATION"
t1=$(cpu_ticks "$pid")
hz=$(getconf CLK_TCK)
mon_ms=$(awk -v a="$t0" -v b="$t1" -v hz="$hz" -v d="$DURATION" \
	'BEGIN { printf "%.1f", (b - a) * 1000 / hz / d }')

# Key latency: '?' opens help; time until the screen shows it.  The keys
# go at spread-out moments, so some land during a dump.
lat=""
k=0
while [ $k -lt "$KEYS" ]; do
	sleep 0.$(( (k * 37) % 10 ))3
	a=$(now_ms)
	tmux -L $sock send-keys -t 0 '?'
	while ! tmux -L $sock capture-pane -p -t 0 | grep -q 'TCP states'; do :; done
	b=$(now_ms)
	lat="$lat $((b - a))"
	tmux -L $sock send-keys -t 0 Escape
	while tmux -L $sock capture-pane -p -t 0 | grep -q 'TCP states'; do :; done
	k=$((k + 1))
done
tmux -L $sock send-keys -t 0 q
i=0
while [ ! -s "$stats" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done

awk '{ v[$1] = $2 } END {
	printf "connections %s refreshes %s\n", v["connections"], v["refreshes"]
	printf "collect_ms %.1f model_ms %.1f owners_ms %.1f sort_ms %.1f draw_ms %.2f max_collect_ms %.1f max_draw_ms %.1f\n",
		v["collect_us"] / 1000, v["model_us"] / 1000, v["owners_us"] / 1000,
		v["sort_us"] / 1000, v["draw_us"] / 1000, v["max_collect_us"] / 1000,
		v["max_draw_us"] / 1000 }' "$stats"
echo "floor_cpu_ms_per_dump $floor_ms"
echo "monitor_cpu_ms_per_refresh $mon_ms"
echo "key_latency_ms$lat" | tr ' ' '\n' | tail -n +2 | sort -n | awk '
	{ a[NR] = $1 } END { printf "key_latency_ms median %d p90 %d max %d (n=%d)\n",
		a[int((NR + 1) / 2)], a[int(NR * 0.9 + 0.5)], a[NR], NR }'
