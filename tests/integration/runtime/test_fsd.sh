#!/usr/bin/env bash
# When a FUSE filesystem with lxcfs's layout is mounted at the fsd directory
# (HUTCH_FSD_DIR, default /var/lib/hutch-fsd), hutch binds its /proc and /sys
# files over the container's; --no-fsd opts out. Tested with Debian's lxcfs,
# which serves the same layout as hutch-fsd.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"
need_cmd lxcfs
[ -e /dev/fuse ] || skip "needs /dev/fuse"

fsd=$T/fsd
mkdir -p "$fsd"
lxcfs -f -p "$T/lxcfs.pid" "$fsd" >"$T/lxcfs.log" 2>&1 &
lxpid=$!
on_exit "kill_pid $lxpid; umount -l '$fsd'"
wait_for 10 test -f "$fsd/proc/meminfo" || { cat "$T/lxcfs.log"; skip "lxcfs did not mount"; }
export HUTCH_FSD_DIR=$fsd
base=$(leftovers) # the fsd mount itself

out=$(hutch run --rm -m 96m --cpuset-cpus 0 --rootfs "$ROOTFS" sh -c 'head -1 /proc/meminfo; nproc; cat /sys/devices/system/cpu/online; grep -c ^processor /proc/cpuinfo; grep -c fuse /proc/mounts')
set -- $out
assert_eq "MemTotal is the container's limit" "$((96 * 1024))" "$2"
assert_eq "nproc follows --cpuset-cpus" 1 "$4"
assert_eq "/sys/devices/system/cpu/online" 0 "$5"
assert_eq "/proc/cpuinfo shows one CPU" 1 "$6"
assert_between "the fsd's files are bind-mounted" 6 8 "$7"
out=$(hutch run --rm --no-fsd -m 96m --rootfs "$ROOTFS" sh -c 'head -1 /proc/meminfo; grep -c fuse /proc/mounts')
set -- $out
assert_eq "--no-fsd: the host's MemTotal" "$(awk '/^MemTotal/ { print $2 }' /proc/meminfo)" "$2"
assert_eq "--no-fsd: no fsd mounts" 0 "$4"
out=$(HUTCH_FSD_DIR=$T/not-mounted hutch run --rm -m 96m --rootfs "$ROOTFS" grep -c fuse /proc/mounts)
assert_eq "no fsd mounted there: nothing bound" 0 "$out"
assert_eq "nothing left behind" "$base" "$(leftovers)"
