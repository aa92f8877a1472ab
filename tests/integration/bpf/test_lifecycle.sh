#!/usr/bin/env bash
# Probe lifecycle: a probe the kernel refuses is left off with one log line
# and hutch_collector_probe_up 0 while the collector goes on serving cgroup
# metrics (here: the collector runs without CAP_BPF, CAP_PERFMON and
# CAP_SYS_ADMIN); --probes picks probes, --no-probes none, a bad list is a
# usage error (exit 2); --help says which containers get which probe.
source "$(dirname "$0")/common.sh"
need_cmd curl setpriv
lacks() { ! grep -qF -- "$1" <<<"$2"; } # lacks NEEDLE TEXT

help=$(hutch-collector --help)
assert_contains "--help names the probes flag" "--probes=LIST" "$help"
assert_contains "--help says which containers get netcg on hybrid hosts" "on hybrid hosts only containers with a cgroup of their own in the unified" "$help"
hutch-collector --probes=runqlat,bogus >/dev/null 2>"$(mktemp -u /tmp/hutch-test-XXXXXX)"
assert_eq "a bad --probes list is a usage error" 2 $?
err=$(hutch-collector --probes=bogus 2>&1 >/dev/null)
assert_contains "the message names the list" "bad --probes list: bogus" "$err"

# Only two probes asked for: only they are listed.
collector_start --probes=churn,oomkill
need_probe churn
out=$(curl -sf "$COLLECTOR_URL/metrics")
assert_contains "churn listed" 'hutch_collector_probe_up{probe="churn"} 1' "$out"
assert_contains "no events dropped with room in the map" 'hutch_collector_probe_events_dropped_total{probe="churn"} 0' "$out"
check "runqlat not loaded when not asked for" lacks 'probe="runqlat"' "$out"
check "no run-queue family" lacks 'container_cpu_runqueue_latency_seconds' "$out"
kill_pid "$COLLECTOR_PID"

# --no-probes: no probe families, no probe_up.
collector_start --no-probes
out=$(curl -sf "$COLLECTOR_URL/metrics")
check "no probe_up with --no-probes" lacks 'hutch_collector_probe_up' "$out"
kill_pid "$COLLECTOR_PID"

# Without the capabilities BPF needs, every probe is refused; the collector goes on.
log=$(mktemp /tmp/hutch-test-lifecycle-log-XXXXXX)
on_exit "rm -f '$log'"
COLLECTOR_PORT=$(free_port)
COLLECTOR_URL="http://127.0.0.1:$COLLECTOR_PORT"
setpriv --bounding-set=-bpf,-perfmon,-sys_admin --inh-caps=-bpf,-perfmon,-sys_admin \
	hutch-collector --web.listen-address="127.0.0.1:$COLLECTOR_PORT" 2>"$log" &
COLLECTOR_PID=$!
on_exit "kill_pid $COLLECTOR_PID"
wait_for 30 curl -sf -o /dev/null "$COLLECTOR_URL/healthz" || { cat "$log"; fail "collector did not start"; exit 1; }
out=$(curl -sf "$COLLECTOR_URL/metrics")
for p in runqlat oomkill churn netcg; do
	assert_contains "$p refused: probe_up 0" "hutch_collector_probe_up{probe=\"$p\"} 0" "$out"
	assert_eq "$p refused: one log line" 1 "$(grep -c "probe $p off" "$log")"
done
assert_contains "cgroup metrics still served" 'container_cpu_usage_seconds_total{cpu="total",id="/"' "$out"
check "no probe family without probes" lacks 'container_process_execs_total' "$out"
kill -TERM "$COLLECTOR_PID"
wait "$COLLECTOR_PID"
assert_eq "SIGTERM stops it cleanly" 0 $?

# The run-queue probe's path for kernels without sched_info (wakeup programs, task
# storage) loads here too, and counts.
HUTCH_RUNQLAT_WAKEUPS=1 collector_start --probes=runqlat
assert_eq "runqlat with wakeup programs is up" 1 "$(metric hutch_collector_probe_up 'probe="runqlat"')"
wait_until 30 '[ "$(hist_field container_cpu_runqueue_latency_seconds / _count)" -ge 1 ] 2>/dev/null'
assert_between "it counts the host's waits" 1 1e12 \
	"$(hist_field container_cpu_runqueue_latency_seconds / _count)"

# A full map: with room for one cgroup, execs in a second one are not counted but
# counted as dropped.
kill_pid "$COLLECTOR_PID"
HUTCH_CHURN_MAX_CGROUPS=1 collector_start --probes=churn
/bin/true # the host's root cgroup takes the one entry, if nothing else did
cg=$(test_id)-drop
cgroup_make "$cg" || skip "cannot make cgroups"
cgroup_run "$cg" sh -c 'for i in 1 2 3 4 5; do /bin/true; done; sleep 3600'
wait_for 30 sh -c "[ \"\$(curl -sf '$COLLECTOR_URL/metrics' | awk '/^hutch_collector_probe_events_dropped_total/ { print \$NF }')\" -ge 5 ]"
assert_between "execs beyond a full map are counted as dropped" 5 1e12 \
	"$(metric hutch_collector_probe_events_dropped_total 'probe="churn"')"

