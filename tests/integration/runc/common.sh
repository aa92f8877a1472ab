# Shared by hutch-runc's integration tests (sourced after lib.sh): a busybox
# rootfs, bundles made by `hutch-runc spec` and edited, a private --root, a
# cgroup parent of the test's own, and cleanup of every container a test made.
need_root
need_bin hutch-runc
command -v busybox >/dev/null || skip "needs busybox (busybox-static)"
command -v python3 >/dev/null || skip "needs python3"

T=$(mktemp -d /tmp/hutch-test-runc.XXXXXX)
RROOT=$T/state
ROOTFS=$T/rootfs
CGPARENT=hutch-test-runc-$$-$RANDOM
bash "$HUTCH_SRC/scripts/make-busybox-rootfs.sh" "$ROOTFS" || { echo "FAIL: make rootfs"; exit 1; }

hrunc() { "$HUTCH_BIN/hutch-runc" --root "$RROOT" "$@"; }

_runc_cleanup() {
	local id
	for id in $("$HUTCH_BIN/hutch-runc" --root "$RROOT" list -q 2>/dev/null); do
		"$HUTCH_BIN/hutch-runc" --root "$RROOT" delete -f "$id" >/dev/null 2>&1
	done
	local d
	for d in /sys/fs/cgroup/*/"$CGPARENT" /sys/fs/cgroup/"$CGPARENT"; do
		[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	rm -rf "$T"
}
on_exit _runc_cleanup

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
cg_host_dir() { # cg_host_dir CONTROLLER PATH
	local mnt
	mnt=$(cgroup_v1_mount "$1")
	[ -n "$mnt" ] || mnt=$(cgroup_v2_mount)
	echo "$mnt$2"
}

# What a container may leave behind: cgroups under CGPARENT, state dirs, mounts under T,
# processes with T in their command line.
leftovers() {
	local n=0 d
	for d in /sys/fs/cgroup/*/"$CGPARENT" /sys/fs/cgroup/"$CGPARENT"; do
		[ -d "$d" ] && n=$((n + $(find "$d" -mindepth 1 -type d | wc -l)))
	done
	n=$((n + $(find "$RROOT" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | wc -l)))
	n=$((n + $(grep -c "$T" /proc/self/mountinfo)))
	n=$((n + $(pgrep -f "$T" | grep -vx "$$" | wc -l)))
	echo "$n"
}

# A field of `hutch-runc state ID` (python expression over d).
state_field() { hrunc state "$1" | python3 -c "import json,sys; d=json.load(sys.stdin); print($2)"; }
