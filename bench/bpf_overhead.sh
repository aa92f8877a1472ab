#!/usr/bin/env bash
# Cost of hutch-collector's eBPF probes on a context-switch-heavy load, in one
# run: `perf bench sched pipe` (two tasks ping-ponging over a pipe: every op
# is two context switches and a wakeup or two, the events the runqlat probe
# handles), alternately without and with a collector whose probes are
# attached, pinned to one CPU (the worst case: nothing but switches; "spread"
# lets them run on any CPU). It measures the CPU time per op of the two tasks
# (the probes run in their context switches). Prints the medians, the
# slowdown (median of the paired rounds), and then, from one more round with
# kernel.bpf_stats_enabled, the probes' own cost per event as the kernel
# measures it (the stats add their own clock reads to each figure).
#   ROUNDS=41 LOOPS=30000 PROBES=all MODES="pinned spread" SPREAD_LOOPS=20000 bench/bpf_overhead.sh
# Other helpers load the machine at the same time: figures vary by run.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${HUTCH_BUILD:-$src/build}
ROUNDS=${ROUNDS:-41}
LOOPS=${LOOPS:-30000}
SPREAD_LOOPS=${SPREAD_LOOPS:-20000}
# "spread" (not pinned) is mostly noise on a small VM: the two tasks land on one CPU
# or on two from run to run, and cross-CPU wakeups cost 10x more; off by default.
MODES=${MODES:-pinned}
PROBES=${PROBES:-all}
CPU=${CPU:-0}
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
[ -x "$build/bin/hutch-collector" ] || { echo "build hutch-collector first ($build)"; exit 1; }
command -v perf >/dev/null || { echo "SKIP: needs perf (linux-perf)"; exit 77; }

tmp=$(mktemp -d /tmp/hutch-test-bench-bpf-XXXXXX)
cpid=
stats0=$(cat /proc/sys/kernel/bpf_stats_enabled)
cleanup() {
	if [ -n "$cpid" ]; then kill -TERM "$cpid" 2>/dev/null || true; wait "$cpid" 2>/dev/null || true; fi
	echo "$stats0" >/proc/sys/kernel/bpf_stats_enabled
	rm -rf "$tmp"
}
trap cleanup EXIT

port=$((20000 + ($$ * 7 + RANDOM) % 12000))
collector_up() {
	"$build/bin/hutch-collector" --web.listen-address="127.0.0.1:$port" --probes="$PROBES" \
		2>"$tmp/log" &
	cpid=$!
	for _ in $(seq 100); do
		grep -q listening "$tmp/log" && return 0
		kill -0 "$cpid" 2>/dev/null || break
		sleep 0.05
	done
	cat "$tmp/log"
	echo "collector did not start"
	exit 1
}
collector_down() {
	kill -TERM "$cpid"
	wait "$cpid" || true
	cpid=
}
# CPU time per op of one run, in microseconds: pipe_us pinned|spread. The CPU time of
# the two tasks (perf stat's task-clock, which includes the probes' work in their
# context switches), not the wall time: other load on a shared machine moves the wall
# time far more than the probes do.
pipe_us() {
	local loops=$LOOPS pin=(taskset -c "$CPU")
	if [ "$1" = spread ]; then
		loops=$SPREAD_LOOPS
		pin=()
	fi
	perf stat -x, -e task-clock -o "$tmp/stat" "${pin[@]}" perf bench sched pipe -l "$loops" \
		>/dev/null 2>&1
	awk -F, -v n="$loops" '$3 == "task-clock" { printf "%.4f\n", $1 * 1000 / n }' "$tmp/stat"
}
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "perf bench sched pipe, $ROUNDS rounds each way, probes: $PROBES ($(nproc) CPUs)"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
for mode in $MODES; do
	if [ "$mode" = pinned ]; then
		echo "pinned to CPU $CPU, $LOOPS ops per run:"
	else
		echo "spread over the CPUs, $SPREAD_LOOPS ops per run:"
	fi
	: >"$tmp/without"
	: >"$tmp/with"
	: >"$tmp/ratio"
	for r in $(seq "$ROUNDS"); do
		# Alternate which goes first, so a drift in the machine's load cancels out.
		if [ $((r % 2)) = 1 ]; then
			a=$(pipe_us $mode)
			collector_up
			b=$(pipe_us $mode)
			collector_down
		else
			collector_up
			b=$(pipe_us $mode)
			collector_down
			a=$(pipe_us $mode)
		fi
		echo "$a" >>"$tmp/without"
		echo "$b" >>"$tmp/with"
		awk -v a="$a" -v b="$b" 'BEGIN { print b / a }' >>"$tmp/ratio"
		printf '  round %d: without %s us/op, with probes %s us/op (CPU time)\n' "$r" "$a" "$b"
	done
	m0=$(median <"$tmp/without")
	m1=$(median <"$tmp/with")
	mr=$(median <"$tmp/ratio")
	awk -v a="$m0" -v b="$m1" -v r="$mr" -v m="$mode" 'BEGIN {
		printf "  %s: median without %.3f us/op, with probes %.3f us/op (%+.0f ns per op)\n", m, a, b, (b - a) * 1000
		printf "  %s: slowdown, median of the paired rounds: %+.2f%% (target < 2%%)\n", m, (r - 1) * 100 }'
done

# The kernel's own account of the programs (run count and time), one more round.
echo 1 >/proc/sys/kernel/bpf_stats_enabled
collector_up
pipe_us pinned >/dev/null
bpftool prog show -j >"$tmp/progs.json"
collector_down
python3 - "$tmp/progs.json" <<'PY'
import json, sys
progs = json.load(open(sys.argv[1]))
print("per-event cost (kernel.bpf_stats_enabled, one round):")
for p in progs:
    n = p.get("name", "")
    if not (n.startswith("runqlat_") or n.startswith("churn_") or n.startswith("oomkill_") or n.startswith("netcg_")):
        continue
    cnt, ns = p.get("run_cnt", 0), p.get("run_time_ns", 0)
    if cnt:
        print("  %-20s %10d runs  %6.1f ns/run" % (n, cnt, ns / cnt))
PY
