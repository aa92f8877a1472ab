#!/usr/bin/env bash
# hutch run with hutch-fsd --containers serving: the container gets its own
# files (MNT/<cgroup path>/proc/..., served from the page cache) bound over
# /proc, not the lxcfs layout's, and sees its limits through them; without
# the per-container view it falls back to the lxcfs layout.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"
need_bin hutch-fsd
[ -e /dev/fuse ] || skip "needs /dev/fuse"

fsd=$T/fsd
ctrs=$T/fsdc
mkdir -p "$fsd" "$ctrs"
hutch-fsd "$fsd" >"$T/fsd.log" 2>&1 &
fsd_pid=$!
on_exit "kill_pid $fsd_pid; umount -l '$fsd'"
hutch-fsd --containers "$ctrs" >"$T/fsdc.log" 2>&1 &
fsdc_pid=$!
on_exit "kill_pid $fsdc_pid; umount -l '$ctrs'"
wait_for 10 test -f "$fsd/proc/meminfo" || { cat "$T/fsd.log"; fail "hutch-fsd did not mount"; exit 1; }
wait_for 10 bash -c "grep -q ' $ctrs ' /proc/self/mountinfo" || { cat "$T/fsdc.log"; fail "hutch-fsd --containers did not mount"; exit 1; }
export HUTCH_FSD_DIR=$fsd HUTCH_FSD_CONTAINERS_DIR=$ctrs
bash "$HUTCH_SRC/scripts/add-host-tools.sh" "$ROOTFS" free || { fail "add procps to the image"; exit 1; }

out=$(hutch run --rm -m 256m --cpus 0.5 --cgroup-parent "$CGPARENT" --rootfs "$ROOTFS" sh -c '
	echo "free $(/usr/bin/free | awk "/^Mem:/ { print \$2 }")"
	echo "cpus $(grep -c ^processor /proc/cpuinfo)"
	echo "online $(cat /sys/devices/system/cpu/online)"
	echo "uptime $(cut -d" " -f1 /proc/uptime)"
	echo "src $(awk "\$5 == \"/proc/meminfo\" { print \$4 }" /proc/self/mountinfo)"
	echo "binds $(grep -c " fuse.hutch-fsd " /proc/self/mountinfo)"
	for i in 1 2 3 4 5 6 7 8 9 10; do cat /proc/meminfo /proc/stat /proc/uptime >/dev/null; done
	echo "again $(grep MemTotal /proc/meminfo | awk "{ print \$2 }")"')
echo "$out" | sed 's/^/    /'
val() { echo "$out" | sed -n "s/^$1 //p"; }
assert_eq "procps free: 256 MiB through the per-container files" "$((256 * 1024))" "$(val free)"
assert_eq "cpuinfo: one processor" 1 "$(val cpus)"
assert_eq "cpu/online" 0 "$(val online)"
assert_between "/proc/uptime: the container's own" 0 5 "$(val uptime)"
check "/proc/meminfo is bound from the container's own directory (/<cgroup path>/proc/meminfo)" \
	grep -q "^/${CGPARENT}%2F[0-9a-f]*/proc/meminfo$" <<<"$(val src)"
assert_between "the files are hutch-fsd's (all bound)" 8 11 "$(val binds)"
assert_eq "read again: still the limit" "$((256 * 1024))" "$(val again)"

# Without the per-container view: the lxcfs layout, as before.
kill_pid "$fsdc_pid"
umount -l "$ctrs" 2>/dev/null
src=$(hutch run --rm -m 256m --cgroup-parent "$CGPARENT" --rootfs "$ROOTFS" sh -c 'awk "\$5 == \"/proc/meminfo\" { print \$4 }" /proc/self/mountinfo; grep MemTotal /proc/meminfo')
echo "$src" | sed 's/^/    /'
check "fallback: /proc/meminfo bound from the lxcfs layout" grep -q '^/proc/meminfo$' <<<"$src"
check "fallback: MemTotal still the limit" grep -q ' 262144 kB' <<<"$src"
