#!/usr/bin/env bash
# hutch-fsd against Debian's lxcfs (--enable-cfs), side by side in one run.
# The reader sits in a cgroup limited to 512 MiB and one CPU of quota, in its
# own pid namespace (as in a container), and reads each virtual file through
# both daemons and the host's own /proc file (bench/fsd_read.c: open, read to
# EOF, close). Then READERS readers, each in its own pid namespace in that
# cgroup, read meminfo, stat and cpuinfo in a loop for SECONDS through one
# daemon at a time: the daemon's CPU use and the reads it served.
# Last, CONTAINERS containers (cgroups with their own pid namespace), one
# reader each, read the same three files through each daemon's path for them
# (lxcfs, hutch-fsd's lxcfs layout, and each container's own directory of
# hutch-fsd --containers): the daemon's CPU (schedstat: every thread of it and
# its children) against the reads served.
#   ITER=2000 ROUNDS=5 READERS=50 SECONDS_LOOP=10 CONTAINERS=50 bench/fsd_read.sh
# PIN=CPU runs both daemons and the readers on that one CPU: on a VM whose
# idle vCPUs halt, a wakeup across vCPUs (each FUSE round trip has two) costs
# far more than the daemons' own work, and where the scheduler puts the
# reader and the daemon's thread decides most of an unpinned run's figures.
# The "per-ctr" column reads the same files through hutch-fsd --containers
# (MNT/<cgroup path>/proc/..., served from the page cache; the reader's own
# container's directory, as hutch run binds it).
# Other engineers load the machine at the same time: figures vary by run.
# COMPARE=/path/to/an/older/hutch-fsd adds a column read through that binary
# too, in the same run (an A/B of two builds; in the containers' part a row
# "oldctrs": that binary's --containers); NOLOOP=1 skips the readers loop,
# CTRS_ONLY=1 runs only the containers' part.
# The containers' part runs each daemon in a loop, then lxcfs and the
# per-container path again with every reader paced so that both serve the
# total rate lxcfs reached ("the same reads"; RATE=N: N reads/s each), and
# prints the CPU ratio.
# IDLE=1000 runs only the idle part: that many cgroups, each container's
# directory looked up through hutch-fsd --containers, then SECONDS_LOOP
# seconds without reads: the daemon's CPU (target < 1% of a core) and RSS.
set -euo pipefail
. "$(dirname "$0")/common.sh"
ITER=${ITER:-500}
ROUNDS=${ROUNDS:-11}
READERS=${READERS:-50}
CONTAINERS=${CONTAINERS:-50}
SECONDS_LOOP=${SECONDS_LOOP:-10}
need_root
bench_need_built hutch-fsd
need_cmd lxcfs
[ -n "$(bench_v1_mount memory)" ] || { echo "SKIP: needs cgroup v1 memory (this bench makes v1 cgroups)"; exit 77; }
cg=hutch-test-bench-fsd-$$
dirs=$(for c in memory cpu cpuacct cpuset pids; do bench_v1_mount $c; done | sort -u)
tmp=$(mktemp -d /tmp/hutch-test-bench-fsd-XXXXXX)
fsd_pid= lx_pid= old_pid= ctr_pid= oldctr_pid=
cleanup() {
	for d in $dirs; do
		[ -d "$d/$cg" ] || continue
		for p in $(cat "$d/$cg/cgroup.procs" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
	done
	for p in $fsd_pid $lx_pid $old_pid $ctr_pid $oldctr_pid; do kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
	umount -l "$tmp/hutch" "$tmp/lxcfs" "$tmp/old" "$tmp/ctrs" "$tmp/oldctrs" 2>/dev/null || true
	for d in $dirs; do
		for c in "$d/$cg"/[ci]*/ "$d/$cg"; do
			[ -d "$c" ] || continue
			for p in $(cat "$c/cgroup.procs" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
			for _ in 1 2 3 4 5; do [ -d "$c" ] && rmdir "$c" 2>/dev/null || break; sleep 0.2; done
		done
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cc -O2 -o "$tmp/fsd_read" "$src/bench/fsd_read.c"
for d in $dirs; do mkdir "$d/$cg"; done
cs=$(bench_v1_mount cpuset)
cat "$cs/cpuset.mems" >"$cs/$cg/cpuset.mems"
if [ -n "${PIN:-}" ]; then echo "$PIN" >"$cs/$cg/cpuset.cpus"; else cat "$cs/cpuset.cpus" >"$cs/$cg/cpuset.cpus"; fi
echo $((512 * 1024 * 1024)) >"$(bench_v1_mount memory)/$cg/memory.limit_in_bytes"
echo 100000 >"$(bench_v1_mount cpu)/$cg/cpu.cfs_quota_us"

mkdir -p "$tmp/hutch" "$tmp/lxcfs" "$tmp/old" "$tmp/ctrs" "$tmp/oldctrs"
pin=()
[ -n "${PIN:-}" ] && pin=(taskset -c "$PIN")
"${pin[@]}" "$build/bin/hutch-fsd" "$tmp/hutch" 2>"$tmp/fsd.log" &
fsd_pid=$!
"${pin[@]}" lxcfs --enable-cfs -f -p "$tmp/lxcfs.pid" "$tmp/lxcfs" >"$tmp/lxcfs.log" 2>&1 &
lx_pid=$!
"${pin[@]}" "$build/bin/hutch-fsd" --containers "$tmp/ctrs" 2>"$tmp/ctrs.log" &
ctr_pid=$!
# The container's directory: its cgroup path ("/$cg": no '/' or '%' to escape).
ctr=$tmp/ctrs/$cg
if [ -n "${COMPARE:-}" ]; then
	"${pin[@]}" "$COMPARE" "$tmp/old" 2>"$tmp/old.log" &
	old_pid=$!
	"${pin[@]}" "$COMPARE" --containers "$tmp/oldctrs" 2>"$tmp/oldctrs.log" &
	oldctr_pid=$!
fi
for _ in $(seq 100); do
	[ -e "$tmp/hutch/proc/meminfo" ] && [ -e "$tmp/lxcfs/proc/meminfo" ] && [ -e "$ctr/proc/meminfo" ] &&
		{ [ -z "${COMPARE:-}" ] || { [ -e "$tmp/old/proc/meminfo" ] && [ -e "$tmp/oldctrs/$cg/proc/meminfo" ]; }; } && break
	sleep 0.1
done

# in_cg CMD...: CMD as pid 1 of a new pid namespace in the cgroup.
in_cg() {
	CG_PROCS="$(for d in $dirs; do echo "$d/$cg/cgroup.procs"; done)" bash -c \
		'for f in $CG_PROCS; do echo $$ >"$f"; done; exec unshare --pid --fork --kill-child "$@"' _ "$@"
}

# CPU of a process tree in microseconds (schedstat: exact, where ticks miss short runs).
cpu_us() {
	local p
	for p in $1 $(pgrep -P "$1"); do cat /proc/"$p"/task/*/schedstat 2>/dev/null; done | awk '{ s += $1 } END { printf "%d", s / 1000 }'
}
rss_kb() {
	local p
	for p in $1 $(pgrep -P "$1"); do awk '/^VmRSS/ { print $2 }' /proc/"$p"/status 2>/dev/null; done | awk '{ s += $1 } END { print s + 0 }'
}

if [ -n "${IDLE:-}" ]; then
	mem=$(bench_v1_mount memory)
	rss0=$(rss_kb "$ctr_pid")
	for i in $(seq "$IDLE"); do mkdir "$mem/$cg/i$i"; done
	for i in $(seq "$IDLE"); do stat "$tmp/ctrs/$cg%2Fi$i/proc/meminfo" >/dev/null; done
	sleep 2
	t0=$(cpu_us "$ctr_pid")
	sleep "$SECONDS_LOOP"
	t1=$(cpu_us "$ctr_pid")
	echo "$IDLE idle containers (looked up, not read) for ${SECONDS_LOOP}s, load $(cut -d' ' -f1-3 /proc/loadavg):"
	awk -v t="$((t1 - t0))" -v s="$SECONDS_LOOP" -v a="$rss0" -v b="$(rss_kb "$ctr_pid")" -v n="$IDLE" \
		'BEGIN { printf "hutch-fsd --containers: %.3f%% of a core (target < 1%%), RSS %d -> %d kB (%.1f kB per container)\n", t / 1e4 / s, a, b, (b - a) / n }'
	for i in $(seq "$IDLE"); do rmdir "$mem/$cg/i$i"; done
	exit 0
fi

if [ -z "${CTRS_ONLY:-}" ]; then
files="proc/meminfo proc/cpuinfo proc/stat proc/uptime proc/loadavg proc/diskstats proc/swaps sys/devices/system/cpu/online"
args=()
for f in $files; do
	args+=("/$f" "$tmp/lxcfs/$f" "$tmp/hutch/$f" "$ctr/$f")
	[ -z "${COMPARE:-}" ] || args+=("$tmp/old/$f")
done
in_cg "$tmp/fsd_read" lat "$ITER" "$ROUNDS" "${args[@]}" >"$tmp/lat"
echo "hutch-fsd vs lxcfs $(lxcfs --version 2>&1 | head -1) --enable-cfs: read latency (open+read+close), us, median of $ROUNDS x $ITER"
echo "reader in a 512 MiB / 1 CPU cgroup and its own pid namespace${PIN:+, daemons and reader on CPU $PIN}; load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-32s %10s %10s %10s %14s %10s %12s %12s%s\n' file "host /proc" lxcfs hutch-fsd "lxcfs/hutch" \
	per-ctr "lxcfs/ctr" "ctr/host" "${COMPARE:+ $(printf '%10s %10s' compare old/new)}"
for f in $files; do
	h=$(awk -v p="/$f" '$1 == p { print $2 }' "$tmp/lat")
	l=$(awk -v p="$tmp/lxcfs/$f" '$1 == p { print $2 }' "$tmp/lat")
	u=$(awk -v p="$tmp/hutch/$f" '$1 == p { print $2 }' "$tmp/lat")
	ratio=$(awk -v l="$l" -v u="$u" 'BEGIN { if (l == "-" || u == "-" || u == 0) print "-"; else printf "%.1fx", l / u }')
	c=$(awk -v p="$ctr/$f" '$1 == p { print $2 }' "$tmp/lat")
	lc=$(awk -v l="$l" -v u="$c" 'BEGIN { if (l == "-" || u == "-" || u == 0) print "-"; else printf "%.1fx", l / u }')
	ch=$(awk -v h="$h" -v u="$c" 'BEGIN { if (h == "-" || u == "-" || h == 0) print "-"; else printf "%.2fx", u / h }')
	extra=
	if [ -n "${COMPARE:-}" ]; then
		o=$(awk -v p="$tmp/old/$f" '$1 == p { print $2 }' "$tmp/lat")
		extra=$(awk -v o="$o" -v u="$u" 'BEGIN { if (o == "-" || u == "-" || u == 0) r = "-"; else r = sprintf("%.2fx", o / u); printf " %10s %10s", o, r }')
	fi
	printf '%-32s %10s %10s %10s %14s %10s %12s %12s%s\n' "$f" "$h" "$l" "$u" "$ratio" "$c" "$lc" "$ch" "$extra"
done
[ -z "${COMPARE:-}" ] || echo "(compare: $COMPARE)"
[ -z "${NOLOOP:-}" ] || exit 0

# A daemon's CPU: the process and its children (hutch-fsd's workers serve, its supervisor waits).
cpu_ticks() {
	local p t=0
	for p in $1 $(pgrep -P "$1"); do t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0))); done
	echo "$t"
}
echo
echo "$READERS readers in their own pid namespaces, reading meminfo, stat and cpuinfo in a loop for ${SECONDS_LOOP}s:"
printf '%-10s %12s %12s %16s\n' daemon "CPU %" "reads/s" "CPU us/read"
hz=$(getconf CLK_TCK)
for d in lxcfs hutch ctrs ${COMPARE:+old}; do
	case $d in lxcfs) pid=$lx_pid ;; hutch) pid=$fsd_pid ;; old) pid=$old_pid ;; ctrs) pid=$ctr_pid ;; esac
	dir=$tmp/$d
	[ "$d" = ctrs ] && dir=$ctr
	t0=$(cpu_ticks "$pid")
	for i in $(seq "$READERS"); do
		in_cg "$tmp/fsd_read" loop "$SECONDS_LOOP" "$dir/proc/meminfo" "$dir/proc/stat" "$dir/proc/cpuinfo" >"$tmp/loop-$d-$i" &
	done
	wait $(jobs -p | grep -v -e "^$fsd_pid\$" -e "^$lx_pid\$" -e "^${old_pid:-x}\$" -e "^$ctr_pid\$" -e "^${oldctr_pid:-x}\$")
	t1=$(cpu_ticks "$pid")
	reads=$(cat "$tmp"/loop-$d-* | awk '{ n += $1; f += $2 } END { print n, f }')
	awk -v t="$((t1 - t0))" -v hz="$hz" -v s="$SECONDS_LOOP" -v r="${reads% *}" -v d="$d" \
		'BEGIN { printf "%-10s %11.0f%% %12.0f %16.1f\n", d, 100 * t / hz / s, r / s, r ? 1e6 * t / hz / r : 0 }'
done

fi

echo
echo "$CONTAINERS containers, one reader each (its own cgroup and pid namespace), reading meminfo, stat and cpuinfo for ${SECONDS_LOOP}s:"
for i in $(seq "$CONTAINERS"); do
	for d in $dirs; do mkdir -p "$d/$cg/c$i"; done
	cat "$cs/$cg/cpuset.mems" >"$cs/$cg/c$i/cpuset.mems"
	cat "$cs/$cg/cpuset.cpus" >"$cs/$cg/c$i/cpuset.cpus"
	echo $((256 * 1024 * 1024)) >"$(bench_v1_mount memory)/$cg/c$i/memory.limit_in_bytes"
done
# ctr_run DAEMON RATE: every container's reader through DAEMON's path, in a loop
# (RATE 0) or paced at RATE reads a second each: prints the table's row, and
# leaves "CPU% reads/s" in $tmp/res-DAEMON-RATE.
ctr_run() {
	local d=$1 rate=$2 pid dir t0 t1 reads i mode
	case $d in lxcfs) pid=$lx_pid ;; hutch) pid=$fsd_pid ;; ctrs) pid=$ctr_pid ;; oldctrs) pid=$oldctr_pid ;; esac
	mode=(loop "$SECONDS_LOOP")
	[ "$rate" = 0 ] || mode=(rate "$SECONDS_LOOP" "$rate")
	rm -f "$tmp"/ctr-"$d"-*
	t0=$(cpu_us "$pid")
	for i in $(seq "$CONTAINERS"); do
		dir=$tmp/$d
		[ "$d" = ctrs ] || [ "$d" = oldctrs ] && dir=$tmp/$d/$cg%2Fc$i
		CG_PROCS="$(for x in $dirs; do echo "$x/$cg/c$i/cgroup.procs"; done)" bash -c \
			'for f in $CG_PROCS; do echo $$ >"$f"; done; exec unshare --pid --fork --kill-child "$@"' _ \
			"$tmp/fsd_read" "${mode[@]}" "$dir/proc/meminfo" "$dir/proc/stat" "$dir/proc/cpuinfo" >"$tmp/ctr-$d-$i" &
	done
	wait $(jobs -p | grep -v -e "^$fsd_pid\$" -e "^$lx_pid\$" -e "^${old_pid:-x}\$" -e "^$ctr_pid\$" -e "^${oldctr_pid:-x}\$")
	t1=$(cpu_us "$pid")
	reads=$(cat "$tmp"/ctr-"$d"-* | awk '{ n += $1; f += $2 } END { print n, f }')
	awk -v t="$((t1 - t0))" -v s="$SECONDS_LOOP" -v r="${reads% *}" -v f="${reads#* }" -v d="$d" -v out="$tmp/res-$d-$rate" \
		'BEGIN { printf "%-10s %11.1f%% %12.0f %16.2f%s\n", d, t / 1e4 / s, r / s, r ? t / r : 0, f ? sprintf(" (%d failed)", f) : ""; printf "%.3f %.0f\n", t / 1e4 / s, r / s >out }'
}
# ratio A B: "A/B" of the CPU% in two result files.
ratio() {
	awk 'NR == FNR { a = $1; next } { printf "%.3f", ($1 > 0 ? a / $1 : 0) }' "$1" "$2"
}
echo "in a loop (each daemon as fast as it serves):"
printf '%-10s %12s %12s %16s\n' daemon "CPU %" "reads/s" "CPU us/read"
for d in lxcfs hutch ctrs ${COMPARE:+oldctrs}; do ctr_run "$d" 0; done
# The same reads: every daemon at the total rate lxcfs reached in the loop.
total=$(awk '{ print $2 }' "$tmp/res-lxcfs-0")
each=$(awk -v t="$total" -v n="$CONTAINERS" 'BEGIN { r = t / n; print (r > 1 ? int(r) : 1) }')
# RATE=N paces at N reads/s each instead (a rate lxcfs reached on a busier machine).
each=${RATE:-$each}
why="lxcfs's rate in the loop"
[ -z "${RATE:-}" ] || why="RATE; lxcfs reached $total in the loop"
echo "the same reads: each reader paced at $each reads/s ($((each * CONTAINERS)) reads/s in all, $why):"
printf '%-10s %12s %12s %16s\n' daemon "CPU %" "reads/s" "CPU us/read"
for d in lxcfs ctrs ${COMPARE:+oldctrs}; do ctr_run "$d" "$each"; done
echo "per-ctr CPU / lxcfs CPU: $(ratio "$tmp/res-ctrs-$each" "$tmp/res-lxcfs-$each") for the same reads" \
	"(target < 0.1), $(ratio "$tmp/res-ctrs-0" "$tmp/res-lxcfs-0") in the loop (per-ctr serving $(awk 'NR == FNR { a = $2; next } { printf "%.0fx", $2 ? a / $2 : 0 }' "$tmp/res-ctrs-0" "$tmp/res-lxcfs-0") the reads)"
[ -z "${COMPARE:-}" ] || echo "compare's per-ctr CPU / lxcfs CPU: $(ratio "$tmp/res-oldctrs-$each" "$tmp/res-lxcfs-$each") for the same reads;" \
	"old / new per-ctr CPU: $(ratio "$tmp/res-oldctrs-$each" "$tmp/res-ctrs-$each") (compare: $COMPARE)"
