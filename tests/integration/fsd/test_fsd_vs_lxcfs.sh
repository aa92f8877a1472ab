#!/usr/bin/env bash
# hutch-fsd and Debian's lxcfs (--enable-cfs) serving the same container:
# MemTotal, free's total and the CPU counts agree; every path lxcfs serves
# (but its legacy cgroup/ tree, see fsd/README.md) is served by hutch-fsd too,
# as the same type (a bind of any of them works with either).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"
fsd_need
need_cmd lxcfs free

mp=$FSD_TMP/hutch
start_fsd "$mp"
lx=$FSD_TMP/lxcfs
mkdir -p "$lx"
lxcfs --enable-cfs -f -p "$FSD_TMP/lxcfs.pid" "$lx" >"$FSD_TMP/lxcfs.log" 2>&1 &
lxpid=$!
on_exit "kill_pid $lxpid; umount -l '$lx' 2>/dev/null"
wait_for 10 test -e "$lx/proc/meminfo" || skip "lxcfs did not come up: $(head -3 "$FSD_TMP/lxcfs.log")"

# case NAME MEM QUOTA PERIOD CPUS
compare() {
	local cg
	cg=$(test_id)-$1
	make_cgroup "$cg" "$2" "$3" "$4" "$5" || skip "cannot make a cgroup with limits"
	local script='
		echo "memtotal: $(awk "/^MemTotal/ { print \$2 }" /proc/meminfo)"
		echo "free: $(free -b | awk "/^Mem:/ { print \$2 }")"
		echo "processors: $(grep -c ^processor /proc/cpuinfo)"
		echo "statcpus: $(grep -c "^cpu[0-9]" /proc/stat)"
		echo "online: $(cat /sys/devices/system/cpu/online)"'
	local h l
	h=$(in_ctr "$cg" "$mp" "$script")
	l=$(in_ctr "$cg" "$lx" "$script")
	echo "    hutch-fsd: $(echo $h)"
	echo "    lxcfs:     $(echo $l)"
	local k
	for k in memtotal free processors; do
		assert_eq "$1: $k as lxcfs shows it" "$(echo "$l" | sed -n "s/^$k: //p")" \
			"$(echo "$h" | sed -n "s/^$k: //p")"
	done
	# /proc/stat's cpuN lines are the CPUs cpuinfo shows (quota cut). lxcfs 5.0 agrees
	# on v1 and hybrid; on pure v2 its stat view (per-CPU usage from cpuacct, which v2
	# has not) falls back to the whole cpuset (2 CPUs for 1 CPU of quota) while its
	# own cpuinfo shows 1: we keep stat consistent with cpuinfo and online.
	local want_stat
	want_stat=$(echo "$l" | sed -n "s/^statcpus: //p")
	[ "$want_stat" = "$(echo "$l" | sed -n "s/^processors: //p")" ] ||
		want_stat=$(echo "$h" | sed -n "s/^processors: //p")
	assert_eq "$1: statcpus as lxcfs shows it (as many as cpuinfo where lxcfs disagrees with itself)" \
		"$want_stat" "$(echo "$h" | sed -n "s/^statcpus: //p")"
	# lxcfs 5.0 lists the cpuset's CPUs in online (not cut to the quota): ours are renumbered and cut.
	assert_eq "$1: online has as many CPUs as cpuinfo" "$(echo "$h" | sed -n 's/^processors: //p')" \
		"$(echo "$h" | sed -n 's/^online: //p' | awk -F- '{ print NF == 2 ? $2 - $1 + 1 : 1 }')"
}

# The layout, as the host sees both mounts: lxcfs's paths (type and path), less cgroup/.
tree() { (cd "$1" && find . -path ./cgroup -prune -o -printf '%y %p\n' | sort -u); }
missing=$(comm -23 <(tree "$lx") <(tree "$mp"))
assert_eq "every path lxcfs serves outside cgroup/ is served by hutch-fsd ($(tree "$lx" | wc -l) paths)" "" "$missing"

compare 300m-1cpu $((300 * 1024 * 1024)) 100000 100000 0-1
compare 1g-2cpus $((1024 * 1024 * 1024)) max 100000 0-1
compare 200m-halfcpu-cpu1 $((200 * 1024 * 1024)) 50000 100000 1

stop_fsd "$FSD_PID"
