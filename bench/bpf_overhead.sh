#!/usr/bin/env bash
# Cost of hutch-collector's eBPF probes on a context-switch-heavy load, in one
# run. The load: two processes pinned to one CPU ping-pong a byte over pipes
# (as `perf bench sched pipe`: every round trip is two context switches and
# two wakeups, nothing else), the worst case for the run-queue probe, which
# runs on every context switch.
#
# 1. bench/bpf_switch_cost.c measures CPU time per round trip in short
#    batches with and without, alternating, starting and stopping the probes
#    between batches through the collector's own probe code; the figure is
#    the median of the pairs' ratios. Beside the probes it measures, the same
#    way, two references (bench/bpf/): a program on a tracepoint the load never
#    hits (the method's own bias: should read ~0%), and an empty program on
#    sched_switch (the kernel's price of running any program on every context
#    switch: the floor for any probe of this kind).
# 2. The kernel's own count of each program's time per run (BPF_ENABLE_STATS;
#    the empty program shows what the statistics add to each figure), and from
#    it the probes' sched_switch programs above the empty one, per switch and
#    as a share of a round trip: the same target, less moved by a loaded machine.
# 3. End to end: `perf bench sched pipe` with no programs, with the empty
#    sched_switch program held attached, and with a running hutch-collector
#    (ROUNDS rounds, the three in turn), as a cross-check.
# 4. The same with `stress-ng --switch` on every CPU, not pinned (context
#    switches between CPUs, as a loaded host has them).
# Targets (issue 13): the probes' cost above the empty sched_switch program
# (1.) at most 0.5%; the collector end to end on stress-ng --switch (4.)
# within noise (no slowdown the rounds' own spread does not cover: 0% inside
# the interquartile range of the rounds' ratios). 3. and 4. print the
# collector against no programs and against the empty program: what any
# program on sched_switch costs there is the kernel's, not the probes'. An absolute "< 2%" pinned is
# below the floor of some VMs (the empty program alone costs +2.7% on ours).
#   PAIRS=301 LOOPS=2000 ROUNDS=11 LOOPS_E2E=30000 SWITCH_OPS=200000 CPU=0 FIFO= bench/bpf_overhead.sh
# FIFO=1 runs the ping-pong as SCHED_FIFO, so that other work on a shared
# machine cannot run on its CPU during a batch (on a quiet machine leave it off).
set -euo pipefail
. "$(dirname "$0")/common.sh"
PAIRS=${PAIRS:-301}
LOOPS=${LOOPS:-2000}
ROUNDS=${ROUNDS:-11}
LOOPS_E2E=${LOOPS_E2E:-30000}
SWITCH_OPS=${SWITCH_OPS:-200000}
CPU=${CPU:-0}
PROBES=${PROBES:-all}
need_root
cost=$build/bin/bpf_switch_cost
bench_need_built hutch-collector "$cost" # bpf_switch_cost needs the eBPF toolchain
need_cmd perf
clang=$(command -v clang || command -v clang-14) || { echo "SKIP: needs clang"; exit 77; }
[ -f "$build/bpf/gen/vmlinux.h" ] || { echo "no $build/bpf/gen/vmlinux.h (build first)"; exit 1; }

tmp=$(mktemp -d /tmp/hutch-test-bench-bpf-XXXXXX)
cpid=
cleanup() {
	if [ -n "$cpid" ]; then kill -TERM "$cpid" 2>/dev/null || true; wait "$cpid" 2>/dev/null || true; fi
	rm -rf "$tmp"
}
trap cleanup EXIT
for ref in floor control; do
	"$clang" -g -O2 -target bpf -D__TARGET_ARCH_x86 -I"$build/bpf/gen" \
		-c "$src/bench/bpf/switch_$ref.bpf.c" -o "$tmp/$ref.bpf.o"
done

fifo=()
[ -n "${FIFO:-}" ] && fifo=(-f)
args=(-r "$PAIRS" -l "$LOOPS" -c "$CPU" "${fifo[@]}")
slowdown() { sed -n 's/.*median of the pairs: \([-+0-9.]*\)%.*/\1/p'; }
echo "probes' cost on a pinned pipe ping-pong ($(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg))"
echo "1. CPU time per round trip, with and without, alternating:"
"$cost" "${args[@]}" -o "$tmp/control.bpf.o" | tee "$tmp/control" | sed 's/^/   /'
"$cost" "${args[@]}" -o "$tmp/floor.bpf.o" | tee "$tmp/floor" | sed 's/^/   /'
"$cost" "${args[@]}" -p "$PROBES" | tee "$tmp/probes" | sed 's/^/   /'
c=$(slowdown <"$tmp/control") f=$(slowdown <"$tmp/floor") p=$(slowdown <"$tmp/probes")
awk -v c="$c" -v f="$f" -v p="$p" 'BEGIN {
	printf "   => probes %+.2f%%; an empty sched_switch program %+.2f%%; control %+.2f%%\n", p, f, c
	printf "   => the probes above the empty program: %+.2f%% (target <= 0.5%%: %s)\n", p - f, (p - f <= 0.5) ? "met" : "MISSED" }'

echo "2. each program's time per run (the kernel's statistics):"
"$cost" -s -r 50 -l "$LOOPS" -c "$CPU" -o "$tmp/floor.bpf.o" | sed -n 's/^  /   /p' | tee "$tmp/floor.stats"
"$cost" -s -r 50 -l "$LOOPS" -c "$CPU" -p "$PROBES" | sed -n 's/^  /   /p' | tee "$tmp/probes.stats"
# The same target by the kernel's count, which the machine's load moves far less than
# the A/B: the programs run on sched_switch above the empty one, per switch, as a
# share of a round trip (two switches) without programs.
rt=$(sed -n 's/.*median without \([0-9.]*\) ns.*/\1/p' "$tmp/probes")
awk -v rt="$rt" 'FNR == NR && $1 == "floor_switch" { f = $(NF - 1) }
	FNR != NR && $1 ~ /^runqlat_switch/ { p += $(NF - 1); n++ }
	END { if (n && f && rt) printf "   => on sched_switch, the probes above the empty program: %+.1f ns per switch, %+.2f%% of a %.0f ns round trip (target <= 0.5%%: %s)\n",
		p - f, 200 * (p - f) / rt, rt, (200 * (p - f) / rt <= 0.5) ? "met" : "MISSED" }' \
	"$tmp/floor.stats" "$tmp/probes.stats"

[ "$ROUNDS" -gt 0 ] || exit 0
port=$((20000 + ($$ * 7 + RANDOM) % 12000))
# held_up LOG WORD WHAT COMMAND...: COMMAND in the background (its pid in cpid),
# waited for until it writes WORD to LOG.
held_up() {
	local log=$1 word=$2 what=$3
	shift 3
	"$@" >"$log" 2>&1 &
	cpid=$!
	for _ in $(seq 100); do
		grep -q "$word" "$log" && return 0
		kill -0 "$cpid" 2>/dev/null || break
		sleep 0.05
	done
	cat "$log"
	echo "$what did not start"
	exit 1
}
collector_up() {
	held_up "$tmp/log" listening "the collector" \
		"$build/bin/hutch-collector" --web.listen-address="127.0.0.1:$port" --probes="$PROBES"
}
held_down() {
	kill -TERM "$cpid"
	wait "$cpid" || true
	cpid=
}
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# CPU time per op (perf stat's task-clock of the load: the probes' work in its
# context switches included), in microseconds: cpu_us OPS COMMAND...
cpu_us() {
	local ops=$1
	shift
	perf stat -x, -e task-clock -o "$tmp/stat" "$@" >/dev/null 2>&1
	awk -F, -v n="$ops" '$3 == "task-clock" { printf "%.4f\n", $1 * 1000 / n }' "$tmp/stat"
}
floor_up() { held_up "$tmp/floor.hold" attached "the empty program" "$cost" -w -o "$tmp/floor.bpf.o"; }
# arm_us ARM OPS COMMAND...: CPU time per op with nothing (none), the empty
# sched_switch program (floor) or a running collector attached.
arm_us() {
	local arm=$1
	shift
	case $arm in
	floor) floor_up ;;
	collector) collector_up ;;
	esac
	cpu_us "$@"
	[ "$arm" = none ] || held_down
}
# quartiles: the median and quartiles of the numbers on stdin, and whether 0
# lies between the quartiles.
quartiles() {
	sort -g | awk '{ v[NR] = $1 } END {
		q1 = v[int((NR + 3) / 4)]; q3 = v[int((3 * NR + 3) / 4)]
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%+.2f%% (quartiles %+.2f%% .. %+.2f%%: %s)", m, q1, q3,
			(q1 <= 0 && q3 >= 0) ? "within noise" : "beyond noise" }'
}
# end_to_end TITLE OPS COMMAND...: ROUNDS rounds of three runs, without
# programs, with the empty sched_switch program, with a running collector (in
# turn which goes first), so that the collector's cost can be told from the
# kernel's price of any program on the hook.
end_to_end() {
	local title=$1 ops=$2 r i arms a
	shift 2
	echo "$title, $ROUNDS rounds: no programs, the empty sched_switch program, hutch-collector --probes=$PROBES:"
	: >"$tmp/rounds"
	for r in $(seq "$ROUNDS"); do
		arms=(none floor collector)
		declare -A got=()
		for i in 0 1 2; do
			a=${arms[$(((i + r) % 3))]}
			got[$a]=$(arm_us "$a" "$ops" "$@")
		done
		echo "${got[none]} ${got[floor]} ${got[collector]}" >>"$tmp/rounds"
		unset got
	done
	printf '   median CPU time per op: none %s us, empty program %s us, collector %s us\n' \
		"$(cut -d' ' -f1 "$tmp/rounds" | median)" "$(cut -d' ' -f2 "$tmp/rounds" | median)" \
		"$(cut -d' ' -f3 "$tmp/rounds" | median)"
	echo "   => collector vs none: $(awk '{ print ($3 / $1 - 1) * 100 }' "$tmp/rounds" | quartiles)"
	echo "   => empty program vs none: $(awk '{ print ($2 / $1 - 1) * 100 }' "$tmp/rounds" | quartiles)"
	echo "   => collector vs the empty program: $(awk '{ print ($3 / $2 - 1) * 100 }' "$tmp/rounds" | quartiles)"
}
end_to_end "3. end to end: perf bench sched pipe -l $LOOPS_E2E pinned to CPU $CPU" "$LOOPS_E2E" \
	taskset -c "$CPU" perf bench sched pipe -l "$LOOPS_E2E"
# The issue's other example: stress-ng's switch workers (pairs over a pipe), on
# every CPU, not pinned; op = one context switch.
if command -v stress-ng >/dev/null; then
	end_to_end "4. end to end: stress-ng --switch $(nproc) --switch-ops $SWITCH_OPS, not pinned" \
		"$SWITCH_OPS" stress-ng --switch "$(nproc)" --switch-ops "$SWITCH_OPS" -q
fi
