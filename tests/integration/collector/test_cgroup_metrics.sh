#!/usr/bin/env bash
# hutch-collector against plain cgroups it did not make (as docker's cgroupfs
# driver makes them): a busy cgroup's CPU counter grows about one second per
# second, a memory hog's usage and limit are right, an OOM is counted, limits
# show as spec metrics, and a removed cgroup's series disappear.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/common.sh"
need_cmd python3

busy=$(test_id)-busy
hog=$(test_id)-hog
oom=$(test_id)-oom
for c in "$busy" "$hog" "$oom"; do cgroup_make "$c" || skip "cannot make cgroups"; done

# A quota of 1.5 CPUs: counted in cfs periods, never binding for one busy thread.
echo 150000 >"$(cg_dir "$busy" cpu)/cpu.cfs_quota_us" 2>/dev/null ||
	echo "150000 100000" >"$(cg_dir "$busy" cpu)/cpu.max"
mem_limit() { # NAME BYTES
	local d
	d=$(cg_dir "$1" memory)
	if [ -f "$d/memory.limit_in_bytes" ]; then echo "$2" >"$d/memory.limit_in_bytes"; else echo "$2" >"$d/memory.max"; fi
}
mem_limit "$hog" $((64 << 20))
mem_limit "$oom" $((16 << 20))
[ -f "$(cg_dir "$oom" memory)/memory.memsw.limit_in_bytes" ] &&
	echo $((16 << 20)) >"$(cg_dir "$oom" memory)/memory.memsw.limit_in_bytes"

cgroup_run "$busy" sh -c 'while :; do :; done'
CG_PID_BUSY=$CGROUP_PID
cgroup_run "$hog" python3 -c 'import time; b = bytearray(32 << 20); b[::4096] = b"x" * len(b[::4096]); time.sleep(60)'
collector_start

# CPU: one busy thread; the counter grows as fast as the kernel counts that thread (on a
# shared machine it may get less than a whole core, never more), measured over 3 s.
busy_pid=$CG_PID_BUSY
kernel_s() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f", ($14 + $15) / hz }' "/proc/$busy_pid/stat"; }
wait_until 10 'test -n "$(metric container_cpu_usage_seconds_total "id=\"/$busy\"")"'
CPU_RATE_SECONDS=3 cpu_rates "id=\"/$busy\"" kernel_s
assert_rate_near "busy cgroup's cpu grows as the kernel counts its thread (${KRATE} s/s, +-0.1)" 0.1
assert_between "and at most one core" 0.01 1.05 "$RATE"
assert_eq "cpu quota as spec" 150000 "$(metric container_spec_cpu_quota "id=\"/$busy\"")"
assert_eq "cpu period as spec" 100000 "$(metric container_spec_cpu_period "id=\"/$busy\"")"
periods=$(metric container_cpu_cfs_periods_total "id=\"/$busy\"")
assert_between "cfs periods counted" 1 1000000 "$periods"
assert_eq "one process in the busy cgroup" 1 "$(metric container_processes "id=\"/$busy\"")"

# Memory: 32 MiB touched under a 64 MiB limit.
wait_for 10 metric_ge container_memory_rss "id=\"/$hog\"" 30000001
usage=$(metric container_memory_usage_bytes "id=\"/$hog\"")
assert_between "hog's usage ~32 MiB" $((32 << 20)) $((60 << 20)) "$usage"
assert_between "hog's working set" $((30 << 20)) $((60 << 20)) "$(metric container_memory_working_set_bytes "id=\"/$hog\"")"
assert_eq "hog's limit" $((64 << 20)) "$(metric container_spec_memory_limit_bytes "id=\"/$hog\"")"

# OOM: 64 MiB asked under 16 MiB (with swap capped too) is killed and counted.
before=$(metric container_oom_events_total "id=\"/$oom\"")
assert_eq "no OOM before" 0 "$before"
cgroup_run "$oom" python3 -c 'b = bytearray(64 << 20); b[::4096] = b"x" * len(b[::4096])'
wait "$CGROUP_PID" 2>/dev/null
check "the allocation was killed" test $? -ne 0
wait_for 5 metric_ge container_oom_events_total "id=\"/$oom\"" 1
after=$(metric container_oom_events_total "id=\"/$oom\"")
assert_between "OOM counted" 1 5 "$after"

# promtool is clean on this answer.
out=$(curl -sf "$COLLECTOR_URL/metrics" | promtool check metrics 2>&1)
assert_eq "promtool check metrics" "" "$out"

# A removed cgroup leaves no stale series.
kill_pid "$CGROUP_PID"
for c in memory cpu cpuacct pids blkio; do
	d=$(cgroup_v1_mount "$c")
	[ -n "$d" ] && [ -d "$d/$oom" ] && rmdir "$d/$oom"
done
[ -n "$(cgroup_v1_mount memory)" ] || rmdir "$(cgroup_v2_mount)/$oom"
wait_until 5 'test -z "$(metric container_memory_usage_bytes "id=\"/$oom\"")"'
assert_eq "removed cgroup's series gone" "" "$(metric container_memory_usage_bytes "id=\"/$oom\"")"
check "collector still healthy" curl -sf -o /dev/null "$COLLECTOR_URL/healthz"
