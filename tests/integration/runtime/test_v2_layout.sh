#!/usr/bin/env bash
# hutch on a pure cgroup v2 layout: a private mount namespace in which
# /sys/fs/cgroup is only cgroup2 over the real kernel. The container is made
# in the unified tree, sees it read-only as its own root, and a limit whose
# controller the hierarchy lacks (on this hybrid host, all but hugetlb) fails
# with 125 and leaves nothing behind.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"
need_cmd unshare

export HUTCH_BIN HROOT CGPARENT ROOTFS
out=$(unshare -m --propagation private bash -c '
	umount -R /sys/fs/cgroup 2>/dev/null || umount -l /sys/fs/cgroup || exit 1
	mount -t cgroup2 none /sys/fs/cgroup || exit 1
	h() { "$HUTCH_BIN/hutch" --root "$HROOT" "$@"; }
	echo "controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"
	h run --rm --cgroup-parent "$CGPARENT" --rootfs "$ROOTFS" sh -c "grep \" /sys/fs/cgroup \" /proc/mounts; grep ^0:: /proc/self/cgroup; ls /sys/fs/cgroup/cgroup.procs"
	echo "rc=$?"
	cgs=$(find /sys/fs/cgroup/"$CGPARENT" -mindepth 1 -type d 2>/dev/null | wc -l)
	echo "left=$cgs"
	has_pids=0; grep -qw pids /sys/fs/cgroup/cgroup.controllers && has_pids=1
	echo "has_pids=$has_pids"
	if [ "$has_pids" = 0 ]; then
		h run --rm --cgroup-parent "$CGPARENT" --pids-limit 5 --rootfs "$ROOTFS" true 2>&1
		echo "limit-rc=$?"
	fi
	echo "left2=$(find /sys/fs/cgroup/"$CGPARENT" -mindepth 1 -type d 2>/dev/null | wc -l)"
	rmdir /sys/fs/cgroup/"$CGPARENT" 2>/dev/null
	exit 0
' 2>&1)
echo "$out" | sed 's/^/    /'
assert_contains "the namespace has a v2 layout" "controllers:" "$out"
assert_contains "the container runs" "rc=0" "$out"
assert_contains "/sys/fs/cgroup is a read-only cgroup2" "cgroup2 /sys/fs/cgroup cgroup2 ro" "$out"
assert_contains "the cgroup namespace is rooted at the container" "0::/" "$out"
assert_contains "no cgroup left" "left=0" "$out"
if [[ "$out" == *has_pids=0* ]]; then
	assert_contains "a limit the hierarchy cannot take: 125" "limit-rc=125" "$out"
	assert_contains "naming the file" "pids.max" "$out"
	assert_contains "and nothing left" "left2=0" "$out"
fi
assert_eq "nothing left behind" 0 "$(leftovers)"
