#!/usr/bin/env bash
# Run-queue latency per container, measured by the runqlat probe: a cgroup
# pinned to one CPU with four busy tasks waits on the run queue (its
# histogram fills with latencies of milliseconds), an idle one that wakes
# now and then on the other CPU hardly waits. The protobuf answer carries the
# same histogram as a native one (schema 0), decoded here.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../collector/common.sh"
source "$(dirname "$0")/common.sh"
need_root
need_bin hutch-collector
need_cmd curl
[ "$(nproc)" -ge 2 ] || skip "needs two CPUs"
[ -n "$(cgroup_v1_mount cpuset)$(cgroup_v2_mount)" ] || skip "no cpuset"

CG_CONTROLLERS+=(cpuset)
busy=$(test_id)-busy
idle=$(test_id)-idle
cg_make "$busy" || skip "cannot make cgroups"
cg_make "$idle" || skip "cannot make cgroups"
pin() { # pin NAME CPU
	local d
	d=$(cg_dir "$1" cpuset)
	if [ -f "$d/cpuset.mems" ]; then
		cat "$(dirname "$d")/cpuset.mems" >"$d/cpuset.mems"
		echo "$2" >"$d/cpuset.cpus"
	else
		echo "+cpuset" >"$(dirname "$d")/cgroup.subtree_control" 2>/dev/null
		echo "$2" >"$d/cpuset.cpus"
	fi
}
pin "$busy" 0 || skip "cannot pin a cgroup to CPU 0"
pin "$idle" 1 || skip "cannot pin a cgroup to CPU 1"

collector_start
need_probe runqlat

busy_pids=()
for _ in 1 2 3 4; do
	cg_run "$busy" sh -c 'while :; do :; done'
	busy_pids+=("$CG_PID")
done
cg_run "$idle" sh -c 'while :; do sleep 0.05; done'
sleep 3

count=$(hist_field container_cpu_runqueue_latency_seconds "/$busy" _count)
sum=$(hist_field container_cpu_runqueue_latency_seconds "/$busy" _sum)
under_1ms=$(hist_field container_cpu_runqueue_latency_seconds "/$busy" _bucket 0.0009765625)
echo "  busy: count=$count sum=$sum under 1 ms=$under_1ms"
assert_between "busy cgroup: waits counted" 20 1e9 "${count:-0}"
assert_between "busy cgroup: mean wait over 1 ms" 0.001 10 \
	"$(awk -v s="${sum:-0}" -v c="${count:-1}" 'BEGIN { print s / (c ? c : 1) }')"
# Other load on the host shortens the busy tasks' slices, so not "most": many.
assert_between "busy cgroup: many waits over 1 ms" 0 0.8 \
	"$(awk -v u="${under_1ms:-1}" -v c="${count:-1}" 'BEGIN { print u / (c ? c : 1) }')"

icount=$(hist_field container_cpu_runqueue_latency_seconds "/$idle" _count)
isum=$(hist_field container_cpu_runqueue_latency_seconds "/$idle" _sum)
echo "  idle: count=$icount sum=$isum"
assert_between "idle cgroup: wakeups counted" 20 1e9 "${icount:-0}"
# Other load on the host delays the idle cgroup's wakeups too: compared with the busy one.
imean=$(awk -v s="${isum:-1}" -v c="${icount:-1}" 'BEGIN { print s / (c ? c : 1) }')
bmean=$(awk -v s="${sum:-0}" -v c="${count:-1}" 'BEGIN { print s / (c ? c : 1) }')
assert_between "idle cgroup: mean wait under half the busy one's and 5 ms" 0 \
	"$(awk -v b="$bmean" 'BEGIN { m = b / 2; print (m < 0.005) ? m : 0.005 }')" "$imean"

# Protobuf: the same histogram as a native one of schema 0, whose buckets add up.
PROTO='application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited'
decode=$HUTCH_BUILD/tests/hutch-pb-decode
if [ -x "$decode" ]; then
	line=$(curl -sf -H "Accept: $PROTO" "$COLLECTOR_URL/metrics" | "$decode" |
		grep "^# native container_cpu_runqueue_latency_seconds .*id=/$busy\(,\|$\)")
	echo "  $line"
	assert_contains "native histogram of schema 0" "schema=0 " "$line"
	assert_contains "native buckets consistent with the count" "valid=1" "$line"
	assert_contains "zero bucket of 2^-30 s" "zero_threshold=9.3132257461547852e-10" "$line"
	nb=$(sed -n 's/.* buckets=\([0-9]*\) .*/\1/p' <<<"$line")
	assert_between "native buckets hold the waits" 20 1e9 "${nb:-0}"
else
	fail "hutch-pb-decode is not built"
fi

# A real Prometheus with native histograms asks for protobuf and answers a quantile.
if command -v prometheus >/dev/null && command -v python3 >/dev/null; then
	tmp=$(mktemp -d /tmp/hutch-test-bpf-prom-XXXXXX)
	on_exit "rm -rf '$tmp'"
	port=$((COLLECTOR_PORT + 1))
	check "prometheus with native histograms starts" prom_start "$tmp" "$port" \
		--enable-feature=native-histograms
	q="histogram_quantile(0.9, container_cpu_runqueue_latency_seconds{id=\"/$busy\"})"
	wait_for 30 prom_has_value "$port" "$q"
	# The mean wait is ~10 ms (four tasks on one CPU); how many short waits there are
	# besides depends on the host's other load, so the 90th percentile is checked.
	assert_between "PromQL: 90th percentile of the busy cgroup's waits over 1 ms" 0.001 10 \
		"$(prom_query "$port" "$q")"
	assert_between "PromQL: its median, a positive number" 1e-9 10 \
		"$(prom_query "$port" "histogram_quantile(0.5, container_cpu_runqueue_latency_seconds{id=\"/$busy\"})")"
	assert_between "PromQL: histogram_count over the native histogram" 20 1e9 \
		"$(prom_query "$port" "histogram_count(container_cpu_runqueue_latency_seconds{id=\"/$busy\"})")"
else
	echo "  (no prometheus or python3: PromQL part not run)"
fi

# Removing the busy cgroup frees its entries in the per-CPU tables (of every collector
# on the host: each has the cgroup_rmdir program).
if command -v bpftool >/dev/null; then
	key=$(stat -c %i "$(cg_dir "$busy" cpu)")
	# cache_has KEY: whether any runqlat_cache map holds an entry of KEY on any CPU.
	cache_has() {
		local id
		for id in $(bpftool map show -j | python3 -c 'import json, sys
print(" ".join(str(m["id"]) for m in json.load(sys.stdin) if m.get("name") == "runqlat_cache"))'); do
			bpftool map dump id "$id" -j 2>/dev/null | python3 -c '
import json, sys
key = int(sys.argv[1])
for e in json.load(sys.stdin):
    for v in e.get("values", []):
        b = v["value"][:8]
        if isinstance(b, list) and int.from_bytes(bytes(int(x, 16) for x in b), "little") == key:
            sys.exit(0)
sys.exit(1)' "$key" && return 0
		done
		return 1
	}
	check "the busy cgroup counts in a per-CPU entry" cache_has "$key"
	for p in "${busy_pids[@]}"; do kill_pid "$p"; done
	for c in "${CG_CONTROLLERS[@]}"; do
		d=$(cgroup_v1_mount "$c")
		[ -n "$d" ] && [ -d "$d/$busy" ] && rmdir "$d/$busy"
	done
	v2=$(cgroup_v2_mount)
	[ -z "$(cgroup_v1_mount memory)" ] && [ -d "$v2/$busy" ] && rmdir "$v2/$busy"
	cache_lacks() { ! cache_has "$1"; }
	check "its per-CPU entries are freed once it is removed" cache_lacks "$key"
fi
