# Shared by the areas whose tests run containers (runtime, runc, image), sourced by
# their common.sh after lib.sh: the test's private directory T, a cgroup parent
# CGPARENT of its own (so leftovers are easy to count), a busybox rootfs, and
# cleanup of every container a test made, even when it fails.

command -v busybox >/dev/null || skip "needs busybox (busybox-static)"

# need_overlay: skips the test without overlayfs (loading the module first).
need_overlay() {
	grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || true
	grep -qw overlay /proc/filesystems || skip "needs overlayfs"
}

# ctr_area_init NAME: T, a new /tmp/hutch-test-NAME.XXXXXX, and CGPARENT, a fresh name
# with PREFIX (the second argument, hutch-test by default).
ctr_area_init() {
	T=$(mktemp -d "/tmp/hutch-test-$1.XXXXXX")
	CGPARENT=${2:-hutch-test}-$$-$RANDOM
}

# make_rootfs DIR [quiet]: a busybox root filesystem in DIR (quiet: the script's
# output dropped); the test fails without one.
make_rootfs() {
	if [ "${2:-}" = quiet ]; then
		bash "$HUTCH_SRC/scripts/make-busybox-rootfs.sh" "$1" >/dev/null
	else
		bash "$HUTCH_SRC/scripts/make-busybox-rootfs.sh" "$1"
	fi || { echo "FAIL: make rootfs"; exit 1; }
}

# cgparent_dirs: CGPARENT's directory in each hierarchy, those that exist.
cgparent_dirs() {
	local d
	for d in /sys/fs/cgroup/*/"$CGPARENT" /sys/fs/cgroup/"$CGPARENT"; do
		[ -d "$d" ] && echo "$d"
	done
}

# cgparent_count: how many cgroups are left below CGPARENT, in every hierarchy.
cgparent_count() {
	local n=0 d
	for d in $(cgparent_dirs); do
		n=$((n + $(find "$d" -mindepth 1 -type d | wc -l)))
	done
	echo "$n"
}

# ctr_area_cleanup LS RM: for on_exit: RM ID for each container LS lists (both
# commands), then CGPARENT's cgroups and T.
ctr_area_cleanup() {
	local id d
	for id in $("$1" 2>/dev/null); do
		"$2" "$id" >/dev/null 2>&1
	done
	for d in $(cgparent_dirs); do
		find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	rm -rf "$T"
}

# cgroup_mount_of CONTROLLER: its cgroup v1 mount, or the cgroup2 mount.
cgroup_mount_of() {
	local mnt
	mnt=$(cgroup_v1_mount "$1")
	[ -n "$mnt" ] || mnt=$(cgroup_v2_mount)
	echo "$mnt"
}
