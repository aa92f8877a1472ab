#!/usr/bin/env bash
# Cgroups that come and go between scrapes leave no stale series and no
# leaked handles; cgroup names with quotes, backslashes and UTF-8 (cgroupfs
# refuses newlines)
# come out escaped (promtool stays clean) and never upset the daemon.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/common.sh"
need_cmd promtool
[ -n "$(cgroup_v1_mount memory)$(cgroup_v2_mount)" ] || skip "no cgroup filesystem"

base_cgroup_make
# On pure v2 a cgroup's children have the controllers their parent enables
# (as systemd enables them for its slices): memory, for the series counted here.
if [ -z "$(cgroup_v1_mount memory)" ]; then
	echo +memory >"$(cgroup_v2_mount)/$base/cgroup.subtree_control" ||
		skip "cannot enable the memory controller under /$base"
fi
collector_start --discovery-interval=0
series_of() { curl -sf "$COLLECTOR_URL/metrics" | grep -c "^container_memory_usage_bytes{id=\"/$base/" || true; }
fds() { metric process_open_fds ""; }

# A first round opens the collector's own files; later rounds must come back to it.
# The mounts, looked up once (this test makes hundreds of cgroups).
declare -A MNT
for c in "${CGROUP_CONTROLLERS[@]}"; do MNT[$c]=$(cgroup_v1_mount "$c"); done
V2=$(cgroup_v2_mount)
mk() {
	local c
	if [ -z "${MNT[memory]}" ]; then
		mkdir "$V2/$base/$1"
		return
	fi
	for c in "${CGROUP_CONTROLLERS[@]}"; do
		[ -z "${MNT[$c]}" ] || mkdir "${MNT[$c]}/$base/$1" || return 1
	done
}
rm_() {
	local c
	if [ -z "${MNT[memory]}" ]; then
		rmdir "$V2/$base/$1"
		return
	fi
	for c in "${CGROUP_CONTROLLERS[@]}"; do [ -z "${MNT[$c]}" ] || rmdir "${MNT[$c]}/$base/$1"; done
}
round() {
	local i
	for i in $(seq 40); do mk "c$i"; done
	assert_eq "40 new cgroups seen on the next scrape" 40 "$(series_of)"
	for i in $(seq 40); do rm_ "c$i"; done
	assert_eq "removed cgroups leave no series" 0 "$(series_of)"
}
round
fds0=$(fds)
for _ in 1 2 3; do round; done
fds1=$(fds)
# No file of a removed cgroup stays open (exact, whatever other tests' cgroups do).
assert_eq "no file of a removed cgroup left open after 4 rounds" "" \
	"$(ls -l "/proc/$COLLECTOR_PID/fd" | grep -E "/$base/c[0-9]+(/|$)")"
# Overall, only growth is a leak; other tests' cgroups come and go meanwhile (a loose bound).
assert_between "open files about the same after 3 rounds (was $fds0)" 0 $((fds0 + 60)) "$fds1"

# Awkward names: the id label escapes them and the answer stays valid.
weird='we"ird\name-ü'
mk "$weird" || skip "cgroupfs refused the name"
on_exit "rm_ '$weird'"
out=$(curl -sf "$COLLECTOR_URL/metrics")
assert_contains "escaped id label" "id=\"/$base/we\\\"ird\\\\name-ü\"" "$out"
assert_eq "promtool check metrics" "" "$(promtool check metrics <<<"$out" 2>&1)"
rm_ "$weird"
check "collector still healthy" curl -sf -o /dev/null "$COLLECTOR_URL/healthz"
