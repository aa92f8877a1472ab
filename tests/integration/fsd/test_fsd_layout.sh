#!/usr/bin/env bash
# lxcfs's layout beyond the per-container /proc files: proc/slabinfo and the
# whole sys/devices/system/cpu directory. A container of one CPU (cpuset 1,
# half a CPU of quota) that binds the directory over /sys/devices/system/cpu
# sees cpu0 alone, possible = present = online, offline empty, and every CPU
# count agrees (nproc, getconf's _NPROCESSORS_CONF, which counts the cpuN
# entries); the host's other files read as the host's; nothing is writable.
# A reader outside containers sees the host's tree, entry for entry.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"
fsd_need
need_cmd getconf nproc find readlink
[ "$(nproc --all)" -ge 2 ] || skip "needs 2 CPUs (a container of CPU 1 must not see cpu1)"

mp=$FSD_TMP/mnt
start_fsd "$mp"
cpu=$mp/sys/devices/system/cpu

# The host's reader: the same tree (names and types) as the kernel's.
tree() { (cd "$1" && find . -printf '%y %p\n' | sort); }
assert_eq "the host's reader sees /sys/devices/system/cpu entry for entry" \
	"$(tree /sys/devices/system/cpu)" "$(tree "$cpu")"
assert_eq "a file the host's kernel_max" "$(cat /sys/devices/system/cpu/kernel_max)" "$(cat "$cpu/kernel_max")"
assert_eq "a symlink: cpu0/subsystem" "$(readlink /sys/devices/system/cpu/cpu0/subsystem)" \
	"$(readlink "$cpu/cpu0/subsystem")"
assert_eq "proc/slabinfo is the host's format" "slabinfo - version: 2.1" "$(head -1 "$mp/proc/slabinfo")"
check "a write is refused" bash -c "! echo 1 2>/dev/null >'$cpu/cpu0/uevent'"

cg=$(test_id)
make_cgroup "$cg" $((256 << 20)) 50000 100000 1 || { fail "make cgroup"; exit 1; }
out=$(in_ctr "$cg" "$mp" "
	mount --bind $cpu /sys/devices/system/cpu || exit 1
	mount --bind $mp/proc/slabinfo /proc/slabinfo || exit 1
	d=/sys/devices/system/cpu
	echo \"cpus: \$(cd \$d && ls -d cpu[0-9]* | tr '\n' ' ')\"
	for f in online possible present offline; do echo \"\$f: \$(cat \$d/\$f)\"; done
	echo \"nproc: \$(nproc)\"
	echo \"conf: \$(getconf _NPROCESSORS_CONF)\"
	echo \"cpu1: \$(test -e \$d/cpu1 && echo yes || echo no)\"
	echo \"topology: \$(cat \$d/cpu0/topology/core_id)\"
	echo \"slab: \$(head -1 /proc/slabinfo)\"")
echo "$out" | sed 's/^/    /'
field() { echo "$out" | sed -n "s/^$1: //p"; }
assert_eq "cpuN entries: the one visible CPU" "cpu0 " "$(field cpus)"
assert_eq "cpu1 is not there" no "$(field cpu1)"
assert_eq "online" 0 "$(field online)"
assert_eq "possible = online" 0 "$(field possible)"
assert_eq "present = online" 0 "$(field present)"
assert_eq "offline is empty" "" "$(field offline)"
assert_eq "nproc" 1 "$(field nproc)"
assert_eq "getconf _NPROCESSORS_CONF (counts cpuN)" 1 "$(field conf)"
assert_eq "cpu0's files are the host's cpu0's" "$(cat /sys/devices/system/cpu/cpu0/topology/core_id)" "$(field topology)"
assert_eq "proc/slabinfo in the container" "slabinfo - version: 2.1" "$(field slab)"
stop_fsd "$FSD_PID"
