# Shared by hutch-runc's integration tests (sourced after lib.sh): a busybox
# rootfs, bundles made by `hutch-runc spec` and edited, a private --root, a
# cgroup parent of the test's own, and cleanup of every container a test made
# (../containers.sh).
need_root
need_bin hutch-runc
. "$HUTCH_SRC/tests/integration/containers.sh"
command -v python3 >/dev/null || skip "needs python3"

ctr_area_init runc hutch-test-runc
RROOT=$T/state
ROOTFS=$T/rootfs
make_rootfs "$ROOTFS"

hrunc() { "$HUTCH_BIN/hutch-runc" --root "$RROOT" "$@"; }

_runc_ls() { "$HUTCH_BIN/hutch-runc" --root "$RROOT" list -q; }
_runc_rm() { "$HUTCH_BIN/hutch-runc" --root "$RROOT" delete -f "$1"; }
on_exit ctr_area_cleanup _runc_ls _runc_rm

# make_bundle NAME [PYTHON]: $T/NAME with config.json from `hutch-runc spec`, rootfs
# a copy of the busybox one (runc refuses a symlink), no terminal, the cgroup under CGPARENT; PYTHON edits c (the config).
make_bundle() {
	local b=$T/$1
	mkdir -p "$b"
	cp -a "$ROOTFS" "$b/rootfs"
	(cd "$b" && "$HUTCH_BIN/hutch-runc" spec) || return 1
	python3 - "$b/config.json" "$CGPARENT/$1" "${2:-}" <<'PY'
import json, sys
path, cg, edit = sys.argv[1], sys.argv[2], sys.argv[3]
c = json.load(open(path))
c["process"]["terminal"] = False
c["linux"]["cgroupsPath"] = "/" + cg
exec(edit)
json.dump(c, open(path, "w"), indent=1)
PY
	echo "$b"
}

# The host's directory of a cgroup path for a controller.
cg_host_dir() { echo "$(cgroup_mount_of "$1")$2"; } # cg_host_dir CONTROLLER PATH

# What a container may leave behind: cgroups under CGPARENT, state dirs, mounts under T,
# processes with T in their command line.
leftovers() {
	local n
	n=$(cgparent_count)
	n=$((n + $(find "$RROOT" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | wc -l)))
	n=$((n + $(grep -c "$T" /proc/self/mountinfo)))
	n=$((n + $(pgrep -f "$T" | grep -vx "$$" | wc -l)))
	echo "$n"
}

# A field of `hutch-runc state ID` (python expression over d).
state_field() { hrunc state "$1" | python3 -c "import json,sys; d=json.load(sys.stdin); print($2)"; }
