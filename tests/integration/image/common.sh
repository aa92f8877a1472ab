# Shared by the image tests (sourced after lib.sh): a private image store and
# state root, a busybox root filesystem as a base layer tar, mkimage.py to
# make archives, and cleanup of every container a test made.
need_root
need_bin hutch hutch-image
need_cmd python3
command -v busybox >/dev/null || skip "needs busybox (busybox-static)"
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || true
grep -qw overlay /proc/filesystems || skip "needs overlayfs"

T=$(mktemp -d /tmp/hutch-test-img.XXXXXX)
HROOT=$T/state
export HUTCH_IMAGES_DIR=$T/images
CGPARENT=hutch-test-$$-$RANDOM
MKIMAGE="python3 $HUTCH_SRC/tests/integration/image/mkimage.py"

hutch() { "$HUTCH_BIN/hutch" --root "$HROOT" "$@"; }

_img_cleanup() {
	local id d
	for id in $("$HUTCH_BIN/hutch" --root "$HROOT" ps -a -q 2>/dev/null); do
		"$HUTCH_BIN/hutch" --root "$HROOT" rm -f "$id" >/dev/null 2>&1
	done
	for d in /sys/fs/cgroup/*/"$CGPARENT" /sys/fs/cgroup/"$CGPARENT"; do
		[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	rm -rf "$T"
}
on_exit _img_cleanup

# The base layer: busybox's root filesystem as a tar.
bash "$HUTCH_SRC/scripts/make-busybox-rootfs.sh" "$T/rootfs" >/dev/null || { echo "FAIL: make rootfs"; exit 1; }
tar -C "$T/rootfs" -cf "$T/base.tar" .

# What the store holds (but work in progress in tmp/, the lock file and the lock
# files under locks/, which a killed load or pull may leave), as a digest.
store_listing() {
	{
		(cd "$HUTCH_IMAGES_DIR" 2>/dev/null && find . -path ./tmp -prune -o -path './locks/*' -prune -o ! -name lock -print | sort)
		cat "$HUTCH_IMAGES_DIR/repositories.json" 2>/dev/null
	} | sha256sum | cut -c1-16
}
