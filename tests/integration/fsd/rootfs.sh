#!/usr/bin/env bash
# rootfs.sh DIR: a tiny root filesystem from Debian's busybox-static, enough
# for the fsd tests' runc containers (sh, cat, grep, awk, top, ...).
set -euo pipefail
dir=$1
bb=$(command -v busybox)
file "$bb" 2>/dev/null | grep -q 'statically linked' || ldd "$bb" 2>&1 | grep -q 'not a dynamic' ||
	{ echo "rootfs.sh: $bb is not static (install busybox-static)" >&2; exit 1; }
mkdir -p "$dir"/{bin,proc,sys,dev,tmp,etc}
cp "$bb" "$dir/bin/busybox"
for cmd in sh cat grep awk head tail wc sed cut top uptime free nproc sleep ls echo tr; do
	ln -sf busybox "$dir/bin/$cmd"
done
echo "root:x:0:0:root:/:/bin/sh" >"$dir/etc/passwd"
