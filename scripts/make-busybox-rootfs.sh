#!/usr/bin/env bash
# Makes a tiny root filesystem from the host's busybox (Debian's busybox-static):
# DIR/bin/busybox, a link per applet, /etc/passwd and /etc/group, empty /proc,
# /sys, /dev, /tmp. Used by the runtime's tests, the demo and the benchmarks.
#   make-busybox-rootfs.sh DIR            build it in DIR (must not exist yet)
#   make-busybox-rootfs.sh --image [NAME] install it as image NAME (default busybox)
#                                         under /var/lib/hutch/images (HUTCH_IMAGES_DIR)
set -euo pipefail
if [ "${1:-}" = --image ]; then
	dir=${HUTCH_IMAGES_DIR:-/var/lib/hutch/images}/${2:-busybox}
	[ -d "$dir" ] && exit 0
else
	dir=${1:?usage: make-busybox-rootfs.sh DIR | --image [NAME]}
fi
bb=
for c in /bin/busybox /usr/bin/busybox "$(command -v busybox || true)"; do
	[ -n "$c" ] && [ -x "$c" ] && { bb=$c; break; }
done
[ -n "$bb" ] || { echo "make-busybox-rootfs: no busybox (apt-get install busybox-static)" >&2; exit 1; }
# A dynamically linked busybox would need the host's libc inside the rootfs.
if ldd "$bb" >/dev/null 2>&1; then
	echo "make-busybox-rootfs: $bb is not static (apt-get install busybox-static)" >&2
	exit 1
fi
tmp=$dir.tmp.$$
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"/{bin,etc,proc,sys,dev,root,tmp,var}
chmod 1777 "$tmp/tmp"
cp "$bb" "$tmp/bin/busybox"
# One process for the ~400 links (a mkdir and an ln per applet cost minutes
# in the emulated guests of tests/vm).
"$bb" --list-full | python3 -S -c '
import os, sys
root = sys.argv[1]
for applet in sys.stdin.read().split():
    if applet == "bin/busybox":
        continue
    path = os.path.join(root, applet)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if os.path.lexists(path):
        os.unlink(path)
    os.symlink("/bin/busybox", path)
' "$tmp"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$tmp/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$tmp/etc/group"
mkdir -p "$(dirname "$dir")"
mv "$tmp" "$dir"
trap - EXIT
