# Shared by the runtime's integration tests (sourced after lib.sh): a busybox
# rootfs, a private --root for hutch's state, and cleanup of every container
# a test made, even when it fails.
need_root
need_bin hutch
command -v busybox >/dev/null || skip "needs busybox (busybox-static)"
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || true
grep -qw overlay /proc/filesystems || skip "needs overlayfs"

T=$(mktemp -d /tmp/hutch-test-rt.XXXXXX)
HROOT=$T/state
ROOTFS=$T/rootfs
export HUTCH_IMAGES_DIR=$T/images
# A cgroup parent of the test's own, so leftovers are easy to count.
CGPARENT=hutch-test-$$-$RANDOM
bash "$HUTCH_SRC/scripts/make-busybox-rootfs.sh" "$ROOTFS" || { echo "FAIL: make rootfs"; exit 1; }

hutch() { "$HUTCH_BIN/hutch" --root "$HROOT" "$@"; }

_rt_cleanup() {
	local id
	for id in $("$HUTCH_BIN/hutch" --root "$HROOT" ps -a -q 2>/dev/null); do
		"$HUTCH_BIN/hutch" --root "$HROOT" rm -f "$id" >/dev/null 2>&1
	done
	local d
	for d in /sys/fs/cgroup/*/"$CGPARENT" /sys/fs/cgroup/"$CGPARENT"; do
		[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	rm -rf "$T"
}
on_exit _rt_cleanup

# The host's directory of a container's cgroup for a controller.
cg_dir() { # cg_dir CONTROLLER ID
	local mnt
	mnt=$(cgroup_v1_mount "$1")
	[ -n "$mnt" ] || mnt=$(cgroup_v2_mount)
	local path
	path=$(hutch inspect "$2" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["cgroup_path"])')
	echo "$mnt$path"
}
# A field of `hutch inspect NAME`'s first object (python expression over d).
inspect_field() { hutch inspect "$1" | python3 -c "import json,sys; d=json.load(sys.stdin)[0]; print($2)"; }

# What a failed run may leave behind: cgroups under CGPARENT, state dirs, names, mounts under T.
leftovers() {
	local n=0 d
	for d in /sys/fs/cgroup/*/"$CGPARENT" /sys/fs/cgroup/"$CGPARENT"; do
		[ -d "$d" ] && n=$((n + $(find "$d" -mindepth 1 -type d | wc -l)))
	done
	# container directories (half-made .new-* and half-removed .trash-* ones too) and names
	n=$((n + $(find "$HROOT" -mindepth 1 -maxdepth 1 -type d ! -name .names 2>/dev/null | wc -l)))
	n=$((n + $(find "$HROOT/.names" -mindepth 1 2>/dev/null | wc -l)))
	n=$((n + $(grep -c "$T" /proc/self/mountinfo)))
	n=$((n + $(pgrep -f "$HROOT" | wc -l)))
	echo "$n"
}
