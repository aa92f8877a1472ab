#!/usr/bin/env bash
# hutch top's detail view over a real hutch-collector with its eBPF probes: two busy
# loops pinned to one CPU in one cgroup wait for each other on the run queue, so the
# detail view shows the run-queue latency over the last interval (p50, p99, mean),
# and a loop that forks shows forks and execs. Without --url the same view says the
# probes need the collector.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/common.sh"
need_root
need_cmd curl tmux taskset
need_bin hutch-collector

id=$(test_id)
busy=$id-rq
cgroup_make "$busy"
cgroup_run "$busy" taskset -c 0 bash -c 'while :; do :; done'
cgroup_run "$busy" taskset -c 0 bash -c 'while :; do :; done'
cgroup_run "$busy" bash -c 'while :; do /bin/true; sleep 0.2; done'

collector_start --probes=runqlat,churn,oomkill
port=$COLLECTOR_PORT log=$COLLECTOR_LOG
# The probes come up as the collector starts; a kernel that refuses one says 0.
wait_for 10 sh -c "curl -s 'http://127.0.0.1:$port/metrics' | grep -q 'hutch_collector_probe_up{probe=\"runqlat\"}'"
# The scrape is kept before grep looks at it: under pipefail, grep -q leaving
# early made curl fail with a broken pipe, and the test skipped a loaded probe.
scrape=$(curl -s "http://127.0.0.1:$port/metrics")
if ! grep -q 'hutch_collector_probe_up{probe="runqlat"} 1' <<<"$scrape"; then
	cat "$log"
	skip "the collector's runqlat probe did not load here"
fi
check "the collector counts the cgroup's waits" wait_for 10 sh -c \
	"curl -s 'http://127.0.0.1:$port/metrics' | grep -q 'container_cpu_runqueue_latency_seconds_count{id=\"/$busy\"'"

tm_start "TERM=xterm $HUTCH_TOP -a -d 1 -f '$busy' --url http://127.0.0.1:$port" || fail "tmux starts"
check "the busy cgroup's row" tm_wait 10 "^/$busy"
tm send-keys -t top Enter
re='run-queue latency \(last interval [0-9.]+s, [1-9][0-9]* waits\): p50 [0-9.]+(ns|us|ms|s)  p99 [0-9.]+(ns|us|ms|s)  mean [0-9.]+(ns|us|ms|s)'
if check "detail view: run-queue latency over the last interval" tm_wait 10 "$re"; then
	tm_screen | grep -E "run-queue latency"
else
	tm_screen
fi
check "detail view: forks and execs from the churn probe" tm_wait 10 \
	"processes forked: [1-9][0-9]*, execs: [1-9][0-9]*"
# p99 is at least p50: both read back in seconds.
line=$(tm_screen | grep -Eo "$re" | head -1)
secs() { awk -v v="$1" 'BEGIN { n = v + 0; u = v; sub(/^[0-9.]+/, "", u);
	m = (u == "ns") ? 1e-9 : (u == "us") ? 1e-6 : (u == "ms") ? 1e-3 : 1; printf "%.12f", n * m }'; }
p50=$(secs "$(sed -E 's/.*p50 ([^ ]+) .*/\1/' <<<"$line")")
p99=$(secs "$(sed -E 's/.*p99 ([^ ]+) .*/\1/' <<<"$line")")
if awk -v a="$p50" -v b="$p99" 'BEGIN { exit !(a > 0 && b >= a) }'; then
	pass "p99 ($p99 s) >= p50 ($p50 s) > 0"
else
	fail "p99 ($p99 s) >= p50 ($p50 s) > 0 ('$line')"
fi
tm send-keys -t top q
check "q quits" wait_for 5 tm_dead
tm kill-server 2>/dev/null

# Host mode: the same view says where the latency comes from.
tm_start "TERM=xterm $HUTCH_TOP -a -d 1 -f '$busy'" || fail "tmux starts (host)"
check "host: the busy cgroup's row" tm_wait 10 "^/$busy"
tm send-keys -t top Enter
check "host: run-queue latency needs the collector" tm_wait 10 \
	"run-queue latency: needs hutch-collector's probes \(--url\)"
tm send-keys -t top q
check "host: q quits" wait_for 5 tm_dead
