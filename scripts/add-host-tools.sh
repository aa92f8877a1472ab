#!/usr/bin/env bash
# Copies host programs and the shared libraries they load into a root
# filesystem, at the same paths, so a busybox image can run the real procps
# tools (free, top, uptime) and glibc's getconf, as a distribution image would.
#   add-host-tools.sh ROOTFS PROGRAM...
set -euo pipefail
root=${1:?usage: add-host-tools.sh ROOTFS PROGRAM...}
shift
[ -d "$root" ] || { echo "add-host-tools: $root is not a directory" >&2; exit 1; }
copy() { # copy PATH: the file at the same path under root (symlinks resolved)
	local dst=$root$1
	[ -e "$dst" ] && return 0
	mkdir -p "$(dirname "$dst")"
	cp -L "$1" "$dst"
}
for prog in "$@"; do
	path=$(command -v "$prog") || { echo "add-host-tools: no $prog on this host" >&2; exit 1; }
	# busybox's applet links have the same names: the real program goes in /usr/bin.
	rm -f "$root/bin/$prog" "$root/usr/bin/$prog"
	mkdir -p "$root/usr/bin"
	cp -L "$path" "$root/usr/bin/$prog"
	# Programs on ncurses (top) need the terminal database.
	if ldd "$path" | grep -q 'libtinfo\|libncurses' && [ -d /lib/terminfo ] && [ ! -d "$root/lib/terminfo" ]; then
		mkdir -p "$root/lib"
		cp -a /lib/terminfo "$root/lib/terminfo"
	fi
	for lib in $(ldd "$path" | awk '/=>/ { print $3 } /^\t\// { print $1 }'); do
		copy "$lib"
	done
done
