# Run by bench/tui inside the namespace with the population (not on its
# own): the floor's CPU per dump, then the monitor's CPU over DURATION
# seconds at a 1 s interval, the split per refresh, and key latency.
set -eu
. "$(dirname "$0")/lib.sh"
SOCKWATCH_BIN=$1 FLOOR=$2 KEYLAT=$3 DURATION=$4 KEYS=$5
stats=$(mktemp)
keys=$(mktemp)
trap 'rm -f "$stats" "$keys"' EXIT

# The floor: CPU of one bare dump, user + system.
floor_ms=$(floor_cpu_ms "$FLOOR" 20)

# The monitor on a terminal of its own (build/bench/keylat): its CPU over
# DURATION seconds after a warm-up that covers the first refresh and the
# owners' first scan, then KEYS key presses timed to the screen.
"$KEYLAT" -w 5 -d "$DURATION" -k "$KEYS" -x 160 -y 50 -- \
	env SOCKWATCH_TUI_STATS="$stats" "$SOCKWATCH_BIN" -n --interval 1s >"$keys"
i=0
while [ ! -s "$stats" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done

awk '{ v[$1] = $2 } END {
	printf "connections %s refreshes %s\n", v["connections"], v["refreshes"]
	printf "collect_ms %.1f model_ms %.1f owners_ms %.1f sort_ms %.1f draw_ms %.2f max_collect_ms %.1f max_draw_ms %.1f\n",
		v["collect_us"] / 1000, v["model_us"] / 1000, v["owners_us"] / 1000,
		v["sort_us"] / 1000, v["draw_us"] / 1000, v["max_collect_us"] / 1000,
		v["max_draw_us"] / 1000
	printf "first_apply_ms %.1f max_apply_ms %.1f keys %s keys_during_poll %s\n",
		v["first_apply_us"] / 1000, v["max_apply_us"] / 1000, v["keys"],
		v["keys_during_poll"] }' "$stats"
echo "floor_cpu_ms_per_dump $floor_ms"
awk '/^monitor_cpu_ms_per_second/ { print "monitor_cpu_ms_per_refresh", $2 }
     /^key_latency_ms/' "$keys"
