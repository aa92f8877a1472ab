#!/usr/bin/env bash
# A real Prometheus (Debian's) on loopback scrapes the collector and answers
# PromQL with the expected values: once with its default negotiation
# (OpenMetrics text) and once with native histograms on, which makes it ask
# for protobuf, where the collector's native histogram must come through.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/common.sh"
need_cmd prometheus python3

name=$(test_id)
cgroup_make "$name" || skip "cannot make cgroups"
d=$(cg_dir "$name" memory)
if [ -f "$d/memory.limit_in_bytes" ]; then echo $((48 << 20)) >"$d/memory.limit_in_bytes"; else echo $((48 << 20)) >"$d/memory.max"; fi
cgroup_run "$name" sleep 120
collector_start

tmp=$(mktemp -d /tmp/hutch-test-prometheus-XXXXXX)
on_exit "rm -rf '$tmp'"


p1=$((COLLECTOR_PORT + 1))
check "prometheus starts" prom_start "$tmp/p1" "$p1"
wait_for 30 prom_has_value "$p1" "container_spec_memory_limit_bytes{id=\"/$name\"}"
assert_eq "PromQL: the cgroup's memory limit" $((48 << 20)) \
	"$(prom_query "$p1" "container_spec_memory_limit_bytes{id=\"/$name\"}")"
assert_eq "PromQL: one process in it" 1 "$(prom_query "$p1" "container_processes{id=\"/$name\"}")"
assert_eq "target is up" 1 "$(prom_query "$p1" 'up{job="hutch-test"}')"
n=$(prom_query "$p1" 'count(container_cpu_usage_seconds_total{job="hutch-test",cpu="total"})')
assert_between "every cgroup's cpu series" 1 100000 "$n"
# The failcnt counter (no _total) keeps cAdvisor's name through OpenMetrics.
assert_eq "failcnt keeps its name" 0 "$(prom_query "$p1" "container_memory_failcnt{id=\"/$name\"}")"
kill_pid "$PROM_PID"

p2=$((COLLECTOR_PORT + 2))
check "prometheus with native histograms starts" prom_start "$tmp/p2" "$p2" --enable-feature=native-histograms
wait_for 30 prom_has_value "$p2" "histogram_count(hutch_collector_scrape_duration_seconds)"
c=$(prom_query "$p2" "histogram_count(hutch_collector_scrape_duration_seconds)")
assert_between "PromQL over the native histogram (protobuf)" 1 100000 "$c"
assert_eq "PromQL over protobuf: the memory limit" $((48 << 20)) \
	"$(prom_query "$p2" "container_spec_memory_limit_bytes{id=\"/$name\"}")"
