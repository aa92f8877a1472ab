#!/usr/bin/env bash
# The collector on a pure cgroup v2 host: in a private mount namespace the
# v1 hierarchies are unmounted and cgroup2 is mounted at /sys/fs/cgroup, so the
# collector sees a v2-only layout over the real kernel's cgroup2 tree. A busy
# cgroup made there (as a v2 runtime makes one) shows its CPU time, from
# cpu.stat, its processes and its pressure stall counters.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/common.sh"
need_cmd unshare mount umount
need_hybrid_v2
v2=$V2 name=$V2_NAME
bash -c 'echo $$ >"$1/cgroup.procs" && exec sh -c "while :; do :; done"' _ "$v2/$name" &
busy=$!
on_exit "kill_pid $busy"

# The collector in a mount namespace of its own that has only cgroup2.
COLLECTOR_PORT=$(free_port)
COLLECTOR_URL="http://127.0.0.1:$COLLECTOR_PORT"
log=$(mktemp /tmp/hutch-test-v2-log-XXXXXX)
on_exit "rm -f '$log'"
"${V2_ONLY[@]}" hutch-collector --web.listen-address=127.0.0.1:"$COLLECTOR_PORT" --discovery-interval=0.2 >"$log" 2>&1 &
COLLECTOR_PID=$!
on_exit "kill_pid $COLLECTOR_PID"
wait_for 10 curl -sf -o /dev/null "$COLLECTOR_URL/healthz" || { cat "$log"; fail "collector did not start"; exit 1; }
assert_contains "the collector saw a v2 layout" "(v2 cgroups)" "$(cat "$log")"

sel="id=\"/$name\""
wait_until 5 'test -n "$(metric container_cpu_usage_seconds_total "$sel")"'
# The busy loop's own CPU time, from the kernel's count for the process, is
# what the counter must grow by: on a loaded host it gets less than a core.
proc_cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f", ($14 + $15) / hz }' "/proc/$busy/stat"; }
cpu_rates "$sel" proc_cpu_s
echo "  busy loop: counter ${RATE} s/s, kernel's per-process count ${KRATE} s/s"
assert_rate_near "cpu.stat usage grows ~1 s/s on v2 (the busy loop's own rate +-0.15)" 0.15
assert_between "and the loop is busy" 0.1 1.05 "$RATE"
assert_between "user seconds" 0 100000 "$(metric container_cpu_user_seconds_total "$sel")"
assert_eq "one process" 1 "$(metric container_processes "$sel")"
if [ -f "$v2/$name/cpu.pressure" ]; then
	assert_between "cpu pressure (PSI) exported" 0 100000 "$(metric container_pressure_cpu_waiting_seconds_total "$sel")"
fi
out=$(curl -sf "$COLLECTOR_URL/metrics")
assert_eq "promtool check metrics" "" "$(promtool check metrics <<<"$out" 2>&1)"
