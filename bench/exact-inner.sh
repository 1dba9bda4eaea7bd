# Run by bench/exact inside the namespace with the population: the floor's
# CPU per dump, then the monitor's CPU per second in each mode, idle and
# under each churn rate, and tcpstates' under the same churn.
set -eu
. "$(dirname "$0")/lib.sh"
SOCKWATCH_BIN=$1 FLOOR=$2 KEYLAT=$3 CHURN=$4 DURATION=$5
shift 5
RATES="$*"
hz=$(getconf CLK_TCK)

floor_ms=$(floor_cpu_ms "$FLOOR" 20)
echo "floor: one bare dump costs $floor_ms ms of CPU"

# The monitor on a terminal of its own, its CPU over DURATION seconds
# after a warm-up; with a churn of RATE connections a second beside it.
monitor_cpu() { # mode rate
	if [ "$2" -gt 0 ]; then
		start_group "$CHURN" -r "$2" -d $((DURATION + 10)) >/dev/null
		load=$!
	fi
	"$KEYLAT" -w 5 -d "$DURATION" -k 1 -x 160 -y 50 -- \
		"$SOCKWATCH_BIN" -n --interval 1s "$1" |
		awk '/^monitor_cpu_ms_per_second/ { print $2 }'
	if [ "$2" -gt 0 ]; then
		kill_groups "$load"
		wait "$load" 2>/dev/null || true
	fi
}

for rate in 0 $RATES; do
	exact=$(monitor_cpu --exact "$rate")
	polling=$(monitor_cpu --no-exact "$rate")
	awk -v r="$rate" -v e="$exact" -v p="$polling" -v f="$floor_ms" 'BEGIN {
		printf "churn %5s/s: exact %6.1f ms/s (%.2fx the floor), polling %6.1f ms/s (%.2fx)\n",
			r, e, e / f, p, p / f }'
done

# tcpstates (libbpf-tools) under the same churn, for reference.
if command -v tcpstates >/dev/null 2>&1; then
	for rate in $RATES; do
		start_group "$CHURN" -r "$rate" -d $((DURATION + 5)) >/dev/null
		load=$!
		sleep 2
		c0=$(child_ticks)
		timeout -s INT "$DURATION" tcpstates >/dev/null 2>&1 || true
		c1=$(child_ticks)
		kill_groups "$load"
		wait "$load" 2>/dev/null || true
		awk -v a="$c0" -v b="$c1" -v hz="$hz" -v d="$DURATION" -v r="$rate" \
			'BEGIN { printf "tcpstates at %5s/s: %6.1f ms/s\n", r, (b - a) * 1000 / hz / d }'
	done
fi
