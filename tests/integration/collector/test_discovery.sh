#!/usr/bin/env bash
# New cgroups are sampled at the very next scrape, not after the discovery
# interval (the collector watches the cgroup tree with inotify): with a 60 s
# interval, a container that lives 3 s is counted while it runs and gone the
# scrape after it ends. A cgroup made in the memory hierarchy only (v1) is
# exported too, with its memory series and no cpu ones.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/common.sh"

base_cgroup_make
collector_start --discovery-interval=60 --spec-interval=60
metric container_memory_usage_bytes "id=\"/$base\"" >/dev/null

# A 3-second container, made after the collector's first walk.
cgroup_make "$base/short"
cgroup_run "$base/short" sleep 3
wait_for 5 grep -q . "$(cg_dir "$base/short" memory)/cgroup.procs"
assert_eq "a new cgroup is in the very next scrape" 1 \
	"$(metric container_processes "id=\"/$base/short\"")"
wait_for 10 sh -c "! kill -0 $CGROUP_PID 2>/dev/null"
cgroup_kill_rm "$(cg_dir "$base/short" memory)"
for c in "${CGROUP_CONTROLLERS[@]}"; do
	d=$(cgroup_v1_mount "$c")
	[ -z "$d" ] || cgroup_kill_rm "$d/$base/short"
done
assert_eq "and gone from the scrape after its removal" "" \
	"$(metric container_memory_usage_bytes "id=\"/$base/short\"")"

# A cgroup in one v1 hierarchy only.
mem=$(cgroup_v1_mount memory)
[ -n "$mem" ] || skip "no cgroup v1 memory hierarchy (a v2 host): the rest is v1 only"
mkdir "$mem/$base/memonly"
on_exit "cgroup_kill_rm '$mem/$base/memonly'"
cg_pid_run() { bash -c 'echo $$ > "$1/cgroup.procs" && exec sleep 30' _ "$1" & CGROUP_PID=$!; on_exit "kill_pid $CGROUP_PID"; }
cg_pid_run "$mem/$base/memonly"
check "a memory-only cgroup is exported" \
	test -n "$(metric container_memory_usage_bytes "id=\"/$base/memonly\"")"
assert_eq "with no cpu series" "" "$(metric container_cpu_usage_seconds_total "id=\"/$base/memonly\"")"
# Engines make a cgroup one hierarchy at a time: seen in memory first, it gains its cpu
# series once the cpu directory is there too.
mkdir "$mem/$base/late"
on_exit "cgroup_kill_rm '$mem/$base/late'"
check "seen with its memory directory alone" \
	test -n "$(metric container_memory_usage_bytes "id=\"/$base/late\"")"
cpu=$(cgroup_v1_mount cpuacct)
mkdir "$cpu/$base/late"
on_exit "cgroup_kill_rm '$cpu/$base/late'"
check "its cpu series at the next scrape once the cpuacct directory exists" \
	test -n "$(metric container_cpu_usage_seconds_total "id=\"/$base/late\"")"
check "collector still healthy" curl -sf -o /dev/null "$COLLECTOR_URL/healthz"
