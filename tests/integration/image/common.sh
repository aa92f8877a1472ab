# Shared by the image tests (sourced after lib.sh): a private image store and
# state root, a busybox root filesystem as a base layer tar, mkimage.py to
# make archives, and cleanup of every container a test made (../containers.sh).
need_root
need_bin hutch hutch-image
need_cmd python3
. "$HUTCH_SRC/tests/integration/containers.sh"
need_overlay

ctr_area_init img
HROOT=$T/state
export HUTCH_IMAGES_DIR=$T/images
MKIMAGE="python3 $HUTCH_SRC/tests/integration/image/mkimage.py"

hutch() { "$HUTCH_BIN/hutch" --root "$HROOT" "$@"; }

_img_ls() { "$HUTCH_BIN/hutch" --root "$HROOT" ps -a -q; }
_img_rm() { "$HUTCH_BIN/hutch" --root "$HROOT" rm -f "$1"; }
on_exit ctr_area_cleanup _img_ls _img_rm

# The base layer: busybox's root filesystem as a tar.
make_rootfs "$T/rootfs" quiet
tar -C "$T/rootfs" -cf "$T/base.tar" .

# What the store holds (but work in progress in tmp/, the lock file and the lock
# files under locks/, which a killed load or pull may leave), as a digest.
store_listing() {
	{
		(cd "$HUTCH_IMAGES_DIR" 2>/dev/null && find . -path ./tmp -prune -o -path './locks/*' -prune -o ! -name lock -print | sort)
		cat "$HUTCH_IMAGES_DIR/repositories.json" 2>/dev/null
	} | sha256sum | cut -c1-16
}
