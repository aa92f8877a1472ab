#!/usr/bin/env bash
# The collector over hutch's own containers: named and imaged from hutch's
# state (/run/hutch), a busy container's CPU counter grows about as fast as the
# kernel's count for its process, its limits are the spec, an OOM-killed
# container is counted, traffic over its own loopback shows no network series
# (cAdvisor leaves lo out; test_network.sh counts a real interface), and a
# removed container's series are gone.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/common.sh"
need_bin hutch
need_cmd python3
command -v busybox >/dev/null || skip "needs busybox (busybox-static)"
grep -qw overlay /proc/filesystems || skip "needs overlayfs"

T=$(mktemp -d /tmp/hutch-test-colhutch-XXXXXX)
export HUTCH_IMAGES_DIR=$T/images
export HUTCH_FSD_DIR=$T/no-fsd # the host's files: this test is about the collector
busy=$(test_id)-busy
hog=$(test_id)-hog
on_exit "rm -rf '$T'"
on_exit "hutch rm -f $busy $hog"
bash "$HUTCH_SRC/scripts/make-busybox-rootfs.sh" --image busybox >/dev/null || { fail "make the busybox image"; exit 1; }

hutch run -d --name "$busy" -m 96m --cpus 0.5 busybox \
	sh -c 'ping -c 50 -i 0.01 -s 1000 127.0.0.1 >/dev/null; while :; do :; done' >/dev/null
hutch run -d --name "$hog" -m 32m --memory-swap 32m busybox \
	sh -c 'sleep 1; head -c 200m /dev/zero | tail >/dev/null; sleep 60' >/dev/null
collector_start
cg=$(hutch inspect "$busy" | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["cgroup_path"])')
sel="id=\"$cg\""
wait_until 10 'test -n "$(metric container_cpu_usage_seconds_total "$sel")"' || { fail "no series for $cg"; exit 1; }

line=$(curl -sf "$COLLECTOR_URL/metrics" | grep -F "container_spec_memory_limit_bytes{" | grep -F "$sel")
assert_contains "named from hutch's state" "name=\"$busy\"" "$line"
assert_contains "imaged from hutch's state" 'image="busybox"' "$line"
assert_eq "memory limit" $((96 << 20)) "$(metric container_spec_memory_limit_bytes "$sel")"
assert_eq "cpu quota" 50000 "$(metric container_spec_cpu_quota "$sel")"
assert_eq "cpu period" 100000 "$(metric container_spec_cpu_period "$sel")"

# CPU: the counter grows as the kernel counts the container's busy shell.
pid=$(hutch inspect "$busy" | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["pid"])')
cpu_s() { # the CPU seconds of every process in the container, from the kernel
	local p t=0
	for p in $(pgrep -P "$pid") "$pid"; do
		t=$(awk -v t="$t" -v hz="$(getconf CLK_TCK)" '{ printf "%.3f", t + ($14 + $15) / hz }' "/proc/$p/stat" 2>/dev/null || echo "$t")
	done
	echo "$t"
}
sleep 1
cpu_rates "$sel" cpu_s
echo "  busy container: counter ${RATE} s/s, kernel ${KRATE} s/s, quota 0.5"
assert_rate_near "cpu counter grows with the kernel's count (+-0.1)" 0.1
assert_between "and within the quota" 0.05 0.56 "$RATE"
# Throttled periods: the kernel's count, read before and after the scrape (a
# machine loaded by other work may give the loop less than its quota, and then
# the kernel throttles nothing: the collector must say what the kernel says).
throttled() {
	local f
	f="$(cgroup_v1_mount cpu)$cg/cpu.stat"
	[ -f "$f" ] || f="$(cgroup_v2_mount)$cg/cpu.stat"
	awk '$1 == "nr_throttled" { print $2 }' "$f"
}
k0=$(throttled)
m=$(metric container_cpu_cfs_throttled_periods_total "$sel")
k1=$(throttled)
echo "  throttled periods: kernel $k0 .. $k1, collector $m"
assert_between "throttled periods as the kernel counts them" "$k0" "$k1" "$m"

# Network: 50 pings of 1000 bytes over the container's own loopback, not shown.
assert_eq "no loopback series, as cAdvisor" "" \
	"$(metric container_network_receive_bytes_total "interface=\"lo\",$sel")"

# OOM: the hog's shell pipeline is killed by the kernel in its 32 MiB cgroup.
hcg=$(hutch inspect "$hog" | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["cgroup_path"])')
wait_for 30 metric_ge container_oom_events_total "id=\"$hcg\"" 1
assert_between "OOM counted on the hog" 1 5 "$(metric container_oom_events_total "id=\"$hcg\"")"
assert_eq "no OOM on the busy one" 0 "$(metric container_oom_events_total "$sel")"

hutch rm -f "$busy" >/dev/null
wait_until 10 'test -z "$(metric container_cpu_usage_seconds_total "$sel")"'
assert_eq "a removed container's series are gone" "" "$(metric container_cpu_usage_seconds_total "$sel")"
