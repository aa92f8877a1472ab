#!/usr/bin/env bash
# Process churn per container (churn probe): a process in a plain v1 cgroup
# (as docker's cgroupfs driver makes them) runs 100 programs; the cgroup
# shows 100 more execs and forks, a sibling none. When the cgroup is removed
# its entry leaves the probe's map.
source "$(dirname "$0")/common.sh"
need_cmd curl

name=$(test_id)
other=$(test_id)-other
cgroup_make "$name" || skip "cannot make cgroups"
cgroup_make "$other" || skip "cannot make cgroups"
collector_start
need_probe churn

tmp=$(mktemp -d /tmp/hutch-test-churn-XXXXXX)
on_exit "rm -rf '$tmp'"
mkfifo "$tmp/go" "$tmp/done"
# Waits for "go", runs /bin/true 100 times (bash forks, the child execs), says "done",
# then waits: nothing else forks or execs in the cgroup meanwhile.
cgroup_run "$name" bash -c 'read <"$1"; for ((i = 0; i < 100; i++)); do /bin/true; done; echo >"$2"; read <"$1"' \
	_ "$tmp/go" "$tmp/done"
cgroup_run "$other" sleep 3600
wait_for 30 sh -c "[ -n \"\$(cat '$(cg_dir "$name" cpu)/cgroup.procs')\" ]"
wait_for 30 sh -c "curl -sf '$COLLECTOR_URL/metrics' | grep -q 'container_process_execs_total{id=\"/$name\"'"
execs0=$(metric container_process_execs_total "id=\"/$name\"")
forks0=$(metric container_process_forks_total "id=\"/$name\"")
oexecs0=$(metric container_process_execs_total "id=\"/$other\"")
echo >"$tmp/go"
read -r <"$tmp/done"
execs1=$(metric container_process_execs_total "id=\"/$name\"")
forks1=$(metric container_process_forks_total "id=\"/$name\"")
oexecs1=$(metric container_process_execs_total "id=\"/$other\"")
assert_eq "100 execs counted on the cgroup" 100 $((execs1 - execs0))
assert_eq "100 forks counted on the cgroup" 100 $((forks1 - forks0))
assert_eq "none on the sibling" 0 $((oexecs1 - oexecs0))

# A removed cgroup's entry is dropped from the map (cgroup_rmdir).
map=$(probe_map_id churn)
cpu_dir=$(cg_dir "$name" cpu)
id=$(stat -c %i "$cpu_dir")
if command -v bpftool >/dev/null && [ -n "$map" ]; then
	check "the cgroup has an entry" sh -c "bpftool map lookup id $map key hex $(key_hex "$id") >/dev/null 2>&1"
	echo >"$tmp/go"
	wait_for 30 sh -c "[ -z \"\$(cat '$cpu_dir/cgroup.procs' 2>/dev/null)\" ]"
	for d in $(for c in "${CGROUP_CONTROLLERS[@]}"; do cgroup_v1_mount "$c"; done; cgroup_v2_mount); do
		[ -d "$d/$name" ] && rmdir "$d/$name"
	done
	check "its entry is gone once the cgroup is removed" \
		sh -c "! bpftool map lookup id $map key hex $(key_hex "$id") >/dev/null 2>&1"
	wait_for 30 sh -c "! curl -sf '$COLLECTOR_URL/metrics' | grep -q 'id=\"/$name\"'"
	check "no series left for it" sh -c "! curl -sf '$COLLECTOR_URL/metrics' | grep -q 'container_process_execs_total{id=\"/$name\"'"
else
	echo "  (no bpftool: map cleanup not checked)"
fi
