#!/usr/bin/env bash
# Limits: written into the container's cgroup (as the host and the container
# see it) and in effect: a memory hog is OOM-killed (137, OOMKilled), the pids
# limit stops forks, a --cpus 0.25 busy loop gets about a quarter of a CPU.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

v2=0
[ -z "$(cgroup_v1_mount memory)" ] && v2=1

name=lim-$$
hutch run -d --name "$name" --cgroup-parent "$CGPARENT" -m 64m --memory-swap 96m --cpus 0.5 \
	--cpu-shares 512 --cpuset-cpus 0 --pids-limit 50 --rootfs "$ROOTFS" sleep 60 >/dev/null
assert_eq "started detached" 0 $?
path=$(inspect_field "$name" 'd["cgroup_path"]')
assert_contains "cgroup under --cgroup-parent" "/$CGPARENT/" "$path"
if [ "$v2" = 0 ]; then
	mem=$(cgroup_v1_mount memory)$path
	cpu=$(cgroup_v1_mount cpu)$path
	assert_eq "memory.limit_in_bytes" $((64 << 20)) "$(cat "$mem/memory.limit_in_bytes")"
	if [ -f "$mem/memory.memsw.limit_in_bytes" ]; then
		assert_eq "memory.memsw.limit_in_bytes" $((96 << 20)) "$(cat "$mem/memory.memsw.limit_in_bytes")"
	fi
	assert_eq "cpu.cfs_quota_us" 50000 "$(cat "$cpu/cpu.cfs_quota_us")"
	assert_eq "cpu.cfs_period_us" 100000 "$(cat "$cpu/cpu.cfs_period_us")"
	assert_eq "cpu.shares" 512 "$(cat "$cpu/cpu.shares")"
	assert_eq "cpuset.cpus" 0 "$(cat "$(cgroup_v1_mount cpuset)$path/cpuset.cpus")"
	assert_eq "pids.max" 50 "$(cat "$(cgroup_v1_mount pids)$path/pids.max")"
	pid=$(inspect_field "$name" 'd["pid"]')
	check "the init is in the memory cgroup" grep -qx "$pid" "$mem/cgroup.procs"
	u=$(cgroup_v2_mount)
	if [ -n "$u" ]; then
		check "also in the unified hierarchy (hybrid)" grep -q "^0::$path\$" "/proc/$pid/cgroup"
	fi
	out=$(hutch exec "$name" cat /sys/fs/cgroup/memory/memory.limit_in_bytes)
	assert_eq "the container sees its limit at its cgroup root" $((64 << 20)) "$out"
else
	u=$(cgroup_v2_mount)$path
	assert_eq "memory.max" $((64 << 20)) "$(cat "$u/memory.max")"
	assert_eq "cpu.max" "50000 100000" "$(cat "$u/cpu.max")"
	assert_eq "pids.max" 50 "$(cat "$u/pids.max")"
fi
out=$(inspect_field "$name" 'd["limits"]["memory_bytes"], d["limits"]["cpu_quota_us"], d["limits"]["pids_max"]')
assert_eq "inspect shows the limits" "$((64 << 20)) 50000 50" "$out"
hutch rm -f "$name" >/dev/null

echo "memory limit in effect"
hutch run --name oom-$$ --cgroup-parent "$CGPARENT" -m 32m --memory-swap 32m --rootfs "$ROOTFS" \
	sh -c 'x=aaaaaaaa; while true; do x="$x$x"; done' 2>/dev/null
assert_eq "a memory hog is OOM-killed: 137" 137 $?
assert_eq "inspect: OOMKilled" True "$(inspect_field oom-$$ 'd["OOMKilled"]')"
assert_eq "inspect: ExitCode" 137 "$(inspect_field oom-$$ 'd["ExitCode"]')"
hutch rm oom-$$ >/dev/null
hutch run --rm --cgroup-parent "$CGPARENT" -m 32m --rootfs "$ROOTFS" sh -c 'x=$(head -c 1000000 /dev/zero | tr "\0" a); echo ${#x}' >/dev/null
assert_eq "a small allocation under the limit is fine" 0 $?

echo "pids limit in effect"
spawn='for i in 1 2 3 4 5 6 7 8; do sleep 1 & done; wait'
out=$(hutch run --rm --cgroup-parent "$CGPARENT" --pids-limit 5 --rootfs "$ROOTFS" sh -c "$spawn" 2>&1)
check "8 tasks do not fit under --pids-limit 5" test $? -ne 0
assert_contains "the fork fails" "fork" "$out"
hutch run --rm --cgroup-parent "$CGPARENT" --pids-limit 12 --rootfs "$ROOTFS" sh -c "$spawn"
assert_eq "they fit under --pids-limit 12" 0 $?

echo "cpu quota in effect"
# Usage per CFS period of a busy loop, from cpuacct/cpu.stat (v1) or cpu.stat
# (v2), not from timing the loop: the kernel counts the periods the cgroup was
# runnable in, so a test slowed down between its reads (a loaded guest) cannot
# skew the ratio as wall-clock time would.
hutch run -d --name cpu-$$ --cgroup-parent "$CGPARENT" --cpus 0.25 --rootfs "$ROOTFS" \
	sh -c 'while :; do :; done' >/dev/null
path=$(inspect_field cpu-$$ 'd["cgroup_path"]')
# usage_and_periods: "USAGE_US PERIODS"
usage_and_periods() {
	if [ "$v2" = 0 ]; then
		echo "$(($(cat "$(cgroup_v1_mount cpuacct)$path/cpuacct.usage") / 1000))" \
			"$(awk '$1 == "nr_periods" { print $2 }' "$(cgroup_v1_mount cpu)$path/cpu.stat")"
	else
		awk '$1 == "usage_usec" { u = $2 } $1 == "nr_periods" { p = $2 } END { print u, p }' \
			"$(cgroup_v2_mount)$path/cpu.stat"
	fi
}
sleep 0.3
read -r u0 p0 <<<"$(usage_and_periods)"
sleep 2
read -r u1 p1 <<<"$(usage_and_periods)"
# --cpus 0.25: a quota of 25 ms in each 100 ms period.
ratio=$(awk -v du=$((u1 - u0)) -v dp=$((p1 - p0)) 'BEGIN { printf "%.3f", (dp > 0 ? du / (dp * 100000) : 0) }')
assert_between "a busy loop under --cpus 0.25 uses at most about a quarter CPU" 0.001 0.32 "$ratio"
if [ "$v2" = 0 ]; then
	thr=$(awk '$1 == "nr_throttled" { print $2 }' "$(cgroup_v1_mount cpu)$path/cpu.stat")
	check "and is throttled ($thr periods)" test "$thr" -gt 0
fi
hutch rm -f cpu-$$ >/dev/null
assert_eq "nothing left behind" 0 "$(leftovers)"
