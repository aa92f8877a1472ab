# Shared by the runtime's integration tests (sourced after lib.sh): a busybox
# rootfs, a private --root for hutch's state, and cleanup of every container
# a test made, even when it fails (../containers.sh).
need_root
need_bin hutch
. "$HUTCH_SRC/tests/integration/containers.sh"
need_overlay

ctr_area_init rt
HROOT=$T/state
ROOTFS=$T/rootfs
export HUTCH_IMAGES_DIR=$T/images
make_rootfs "$ROOTFS"

hutch() { "$HUTCH_BIN/hutch" --root "$HROOT" "$@"; }

_rt_ls() { "$HUTCH_BIN/hutch" --root "$HROOT" ps -a -q; }
_rt_rm() { "$HUTCH_BIN/hutch" --root "$HROOT" rm -f "$1"; }
on_exit ctr_area_cleanup _rt_ls _rt_rm

# The host's directory of a container's cgroup for a controller.
cg_dir() { # cg_dir CONTROLLER ID
	local path
	path=$(hutch inspect "$2" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["cgroup_path"])')
	echo "$(cgroup_mount_of "$1")$path"
}
# A field of `hutch inspect NAME`'s first object (python expression over d).
inspect_field() { hutch inspect "$1" | python3 -c "import json,sys; d=json.load(sys.stdin)[0]; print($2)"; }

# What a failed run may leave behind: cgroups under CGPARENT, state dirs, names, mounts under T.
leftovers() {
	local n
	n=$(cgparent_count)
	# container directories (half-made .new-* and half-removed .trash-* ones too) and names
	n=$((n + $(find "$HROOT" -mindepth 1 -maxdepth 1 -type d ! -name .names 2>/dev/null | wc -l)))
	n=$((n + $(find "$HROOT/.names" -mindepth 1 2>/dev/null | wc -l)))
	n=$((n + $(grep -c "$T" /proc/self/mountinfo)))
	n=$((n + $(pgrep -f "$HROOT" | wc -l)))
	echo "$n"
}
