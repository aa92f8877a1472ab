#!/usr/bin/env bash
# Run-queue latency per container, measured by the runqlat probe: a cgroup
# pinned to one CPU with four busy tasks waits on the run queue (its
# histogram fills with latencies of milliseconds), an idle one that wakes
# now and then on the other CPU hardly waits. The protobuf answer carries the
# same histogram as a native one (schema 0), decoded here.
source "$(dirname "$0")/common.sh"
need_cmd curl
[ "$(nproc)" -ge 2 ] || skip "needs two CPUs"
[ -n "$(cgroup_v1_mount cpuset)$(cgroup_v2_mount)" ] || skip "no cpuset"

CGROUP_CONTROLLERS+=(cpuset)
busy=$(test_id)-busy
idle=$(test_id)-idle
cgroup_make "$busy" || skip "cannot make cgroups"
cgroup_make "$idle" || skip "cannot make cgroups"
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
	cgroup_run "$busy" sh -c 'while :; do :; done'
	busy_pids+=("$CGROUP_PID")
done
cgroup_run "$idle" sh -c 'while :; do sleep 0.05; done'
hist() { hist_field container_cpu_runqueue_latency_seconds "/$1" "$2" "${3:-}"; }
# Enough waits in both to compare, polled: a loaded host or an emulated guest runs the
# loops slower, never with fewer waits per wait.
wait_until 120 '[ "$(hist "$busy" _count)" -ge 200 ] 2>/dev/null && [ "$(hist "$idle" _count)" -ge 20 ] 2>/dev/null'

# One scrape for every figure compared below.
scrape=$(curl -sf "$COLLECTOR_URL/metrics")
of() { hist_field_of container_cpu_runqueue_latency_seconds "/$1" "$2" "${3:-}" <<<"$scrape"; }
count=$(of "$busy" _count)
sum=$(of "$busy" _sum)
under_1ms=$(of "$busy" _bucket 0.0009765625)
icount=$(of "$idle" _count)
isum=$(of "$idle" _sum)
echo "  busy: count=$count sum=$sum under 1 ms=$under_1ms; idle: count=$icount sum=$isum"
assert_between "busy cgroup: waits counted" 200 1e12 "${count:-0}"
assert_between "idle cgroup: wakeups counted" 20 1e12 "${icount:-0}"
# No bound on a mean wait, absolute or against the idle cgroup's: other load on the
# host shortens the hogs' slices and delays the idle cgroup's wakeups (by more than the
# hogs' waits, on a host whose every CPU is busy). What holds under any load: four
# tasks that never sleep share one CPU, each waits while another runs its slice (>= 0.75
# ms on every kernel: several ms), so some waits are over 1 ms; and while one of them
# runs the three others wait, so they wait at least 3 s per second of CPU they get
# (more when other tasks take the CPU from them). Both figures from the same scrapes:
# no wall clock, whose reading a loaded machine delays. The bound 1.5 leaves room for the
# waits still in progress at the second scrape and for a CPU second accounted late.
assert_between "busy cgroup: some waits over 1 ms" 1 1e12 \
	"$(awk -v c="${count:-0}" -v u="${under_1ms:-0}" 'BEGIN { print c - u }')"
# busy_now: the busy cgroup's total wait and CPU time, in seconds, from one scrape.
busy_now() {
	curl -sf "$COLLECTOR_URL/metrics" | awk -v id="id=\"/$busy\"" '
		index($0, "container_cpu_runqueue_latency_seconds_sum{") == 1 && index($0, id) { w = $NF }
		index($0, "container_cpu_usage_seconds_total{cpu=\"total\",") == 1 && index($0, id) { c = $NF }
		END { print w + 0, c + 0 }'
}
read -r w0 c0 <<<"$(busy_now)"
sleep 5
read -r w1 c1 <<<"$(busy_now)"
echo "  busy over 5 s: waited $(awk -v a="$w0" -v b="$w1" 'BEGIN { print b - a }') s, ran $(awk -v a="$c0" -v b="$c1" 'BEGIN { print b - a }') s"
assert_between "busy cgroup: at least 3 s of waits per s of CPU (4 tasks, 1 CPU)" 1.5 1e12 \
	"$(awk -v w0="$w0" -v w1="$w1" -v c0="$c0" -v c1="$c1" 'BEGIN { printf "%.3f", (c1 > c0) ? (w1 - w0) / (c1 - c0) : 0 }')"

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
# Nothing of it depends on the kernel: the tests/vm guests (HUTCH_VM_CGROUP), where it
# takes a minute of emulation, leave it to the host.
if [ -n "${HUTCH_VM_CGROUP:-}" ]; then
	echo "  (a tests/vm guest: the PromQL part runs on the host)"
elif command -v prometheus >/dev/null && command -v python3 >/dev/null; then
	tmp=$(mktemp -d /tmp/hutch-test-bpf-prom-XXXXXX)
	on_exit "rm -rf '$tmp'"
	port=$((COLLECTOR_PORT + 1))
	check "prometheus with native histograms starts" prom_start "$tmp" "$port" \
		--enable-feature=native-histograms
	q90="histogram_quantile(0.9, container_cpu_runqueue_latency_seconds{id=\"/$busy\"})"
	q50="histogram_quantile(0.5, container_cpu_runqueue_latency_seconds{id=\"/$busy\"})"
	check "PromQL answers over the native histogram" wait_for 60 prom_has_value "$port" "$q90"
	# The values depend on the host's load; that they are quantiles of these waits does not.
	assert_between "PromQL: the busy cgroup's median wait, a positive number" 1e-9 100 \
		"$(prom_query "$port" "$q50")"
	# Both at one evaluation time (two queries could straddle a scrape).
	assert_eq "PromQL: its 90th percentile, at least the median" 1 \
		"$(prom_query "$port" "$q90 >= bool $q50")"
	assert_between "PromQL: histogram_count over the native histogram" 20 1e12 \
		"$(prom_query "$port" "histogram_count(container_cpu_runqueue_latency_seconds{id=\"/$busy\"})")"
else
	echo "  (no prometheus or python3: PromQL part not run)"
fi

# Removing the busy cgroup frees its histogram, in the per-CPU tables and in the shared
# hash (where it counts when its table entry is another cgroup's), of every collector on
# the host: each has the cgroup_rmdir program.
if command -v bpftool >/dev/null; then
	key=$(stat -c %i "$(cg_dir "$busy" cpu)")
	# held KEY: whether any runqlat map holds KEY: an entry of a per-CPU table on any
	# CPU (its first 8 bytes), or a key of a shared hash.
	held() {
		bpftool map show -j | python3 -c '
import json, subprocess, sys
key = int(sys.argv[1])
def u64(b):
    return int.from_bytes(bytes(int(x, 16) for x in b[:8]), "little") if isinstance(b, list) else None
for m in json.load(sys.stdin):
    if m.get("name") not in ("runqlat_cache", "runqlat_hists"):
        continue
    out = subprocess.run(["bpftool", "map", "dump", "id", str(m["id"]), "-j"], capture_output=True, text=True).stdout
    for e in json.loads(out or "[]"):
        if m["name"] == "runqlat_hists" and u64(e.get("key")) == key:
            sys.exit(0)
        if m["name"] == "runqlat_cache" and any(u64(v.get("value")) == key for v in e.get("values", [])):
            sys.exit(0)
sys.exit(1)' "$1"
	}
	check "the busy cgroup's histogram is in the maps" held "$key"
	for p in "${busy_pids[@]}"; do kill_pid "$p"; done
	cgroup_rm "$busy"
	check "the busy cgroup is removed" test ! -d "$(cg_dir "$busy" cpu)"
	check "its histogram is freed once it is removed" eval '! held "$key"'
fi
