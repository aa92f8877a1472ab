#!/usr/bin/env bash
# With a small file limit (RLIMIT_NOFILE 1024) the collector keeps only as many
# cgroups' files open as fit and opens the rest per scrape: every cgroup is
# still reported, with the same values, and the limit is never hit.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/common.sh"
need_cmd prlimit
[ -n "$(cgroup_v1_mount memory)" ] || skip "the budget matters on v1 (one file per controller file)"

base_cgroup_make
for i in $(seq 60); do
	for c in "${CGROUP_CONTROLLERS[@]}"; do
		d=$(cgroup_v1_mount "$c")
		[ -n "$d" ] && mkdir "$d/$base/c$i"
	done
done
on_exit "for c in ${CGROUP_CONTROLLERS[*]}; do d=\$(cgroup_v1_mount \$c); [ -n \"\$d\" ] && rmdir \"\$d/$base\"/c* 2>/dev/null; done; true"
d=$(cg_dir "$base" memory)
for i in $(seq 60); do echo $((40 << 20)) >"$d/c$i/memory.limit_in_bytes"; done

# hutch-collector raises its soft limit to the hard one: cap both.
COLLECTOR_PORT=$(free_port)
COLLECTOR_URL="http://127.0.0.1:$COLLECTOR_PORT"
prlimit --nofile=1024:1024 hutch-collector --web.listen-address="127.0.0.1:$COLLECTOR_PORT" 2>/dev/null &
COLLECTOR_PID=$!
on_exit "kill_pid $COLLECTOR_PID"
wait_for 10 curl -sf -o /dev/null "$COLLECTOR_URL/healthz" || { fail "collector did not start"; exit 1; }

for round in 1 2; do
	n=$(curl -sf "$COLLECTOR_URL/metrics" | grep -c "^container_memory_usage_bytes{id=\"/$base/c")
	assert_eq "round $round: all 60 cgroups reported" 60 "$n"
done
n=$(curl -sf "$COLLECTOR_URL/metrics" | grep -c "^container_spec_memory_limit_bytes{id=\"/$base/c[0-9]*\",image=\"\",name=\"\"} 41943040$")
assert_eq "every cgroup's limit, kept open or not" 60 "$n"
fds=$(metric process_open_fds "")
assert_between "open files within the limit" 10 1000 "$fds"
assert_eq "max files is the limit" 1024 "$(metric process_max_fds "")"
