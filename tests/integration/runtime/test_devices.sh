#!/usr/bin/env bash
# The device policy, performed: inside a default container a block device
# node made with mknod (a loop device, 7:0) cannot be read or written,
# /dev/fuse and /dev/kvm (nodes made inside) cannot be opened, while null,
# zero, urandom, tty and the pty work; --device HOST[:CTR[:rwm]] adds one
# device with the access given; --privileged copies the host's whole /dev
# tree (subdirectories too: /dev/net/tun opened). Run twice: with the host's policy backend
# (the v1 devices controller on hybrid/v1 hosts, the BPF program on v2) and
# with HUTCH_DEVICE_POLICY=bpf, the cgroup v2 BPF_PROG_TYPE_CGROUP_DEVICE
# program attached to the container's unified cgroup (on a hybrid host that
# is /sys/fs/cgroup/unified). The control: the same read of the loop device
# succeeds when --device allows it.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

base=$(leftovers)
backends=(host)
if [ -n "$(cgroup_v2_mount)" ]; then backends+=(bpf); else echo "  (no unified hierarchy: the BPF program is not tried)"; fi
loop=
for d in /dev/loop0 /dev/loop-control; do [ -b "$d" ] && loop=$d && break; done

for be in "${backends[@]}"; do
	echo "policy backend: $be"
	if [ "$be" = bpf ]; then export HUTCH_DEVICE_POLICY=bpf; else unset HUTCH_DEVICE_POLICY; fi
	out=$(hutch run --rm --cgroup-parent "$CGPARENT" --rootfs "$ROOTFS" sh -c '
		mknod /tmp/l b 7 0 && echo mknod-ok
		head -c 40 /tmp/l >/dev/null 2>&1 && echo loop-read
		echo x 2>/dev/null >/tmp/l && echo loop-write
		mknod /tmp/fuse c 10 229 && dd if=/tmp/fuse of=/dev/null count=0 2>/dev/null && echo fuse-open
		mknod /tmp/kvm c 10 232 && dd if=/tmp/kvm of=/dev/null count=0 2>/dev/null && echo kvm-open
		mknod /tmp/tty1 c 4 1 && dd if=/tmp/tty1 of=/dev/null count=0 2>/dev/null && echo tty1-open
		mknod /tmp/mem c 1 1 && dd if=/tmp/mem of=/dev/null count=0 2>/dev/null && echo mem-open
		echo x >/dev/null && echo null-ok
		head -c 8 /dev/zero | wc -c | grep -qx 8 && echo zero-ok
		head -c 8 /dev/urandom | wc -c | grep -qx 8 && echo urandom-ok
		mknod /tmp/null2 c 1 3 && echo y >/tmp/null2 && echo null-node-ok')
	echo "$out" | sed 's/^/    /'
	assert_contains "$be: mknod of a block device is allowed (docker's m)" mknod-ok "$out"
	check "$be: the loop device 7:0 cannot be read" test -z "$(grep -x loop-read <<<"$out")"
	check "$be: nor written" test -z "$(grep -x loop-write <<<"$out")"
	check "$be: /dev/fuse (10:229) cannot be opened" test -z "$(grep -x fuse-open <<<"$out")"
	check "$be: /dev/kvm (10:232) cannot be opened" test -z "$(grep -x kvm-open <<<"$out")"
	check "$be: a host tty (4:1) cannot be opened" test -z "$(grep -x tty1-open <<<"$out")"
	check "$be: /dev/mem (1:1) cannot be opened" test -z "$(grep -x mem-open <<<"$out")"
	for ok in null-ok zero-ok urandom-ok null-node-ok; do
		assert_contains "$be: $ok" "$ok" "$out"
	done
	out=$(hutch run --rm -t --cgroup-parent "$CGPARENT" --rootfs "$ROOTFS" sh -c 'tty; echo x >/dev/tty && echo tty-ok' </dev/null | tr -d '\r')
	assert_contains "$be: the pty (136:N) and /dev/tty (5:0) work" "tty-ok" "$out"
	assert_contains "$be: on /dev/pts" "/dev/pts/0" "$out"

	echo "  --device"
	if [ -n "$loop" ]; then
		out=$(hutch run --rm --cgroup-parent "$CGPARENT" --device "$loop:/dev/xl:r" --rootfs "$ROOTFS" sh -c \
			'head -c 40 /dev/xl >/dev/null && echo read-ok; echo x 2>/dev/null >/dev/xl && echo write-ok; mknod /tmp/l2 b 7 1 2>/dev/null && head -c 1 /tmp/l2 >/dev/null 2>&1 && echo other-read')
		assert_contains "$be: control: --device $loop:/dev/xl:r is readable" read-ok "$out"
		check "$be: but not writable (r only)" test -z "$(grep -x write-ok <<<"$out")"
		check "$be: and another loop device still is not readable" test -z "$(grep -x other-read <<<"$out")"
	else
		echo "  (no loop device on the host: the --device control is not run)"
	fi
	out=$(hutch run --rm --cgroup-parent "$CGPARENT" --device /dev/null:/dev/extra-null --rootfs "$ROOTFS" sh -c 'ls -l /dev/extra-null; echo x >/dev/extra-null && echo w-ok')
	assert_contains "$be: --device HOST:CTR makes the node with the host's numbers" "1,   3" "$out"
	assert_contains "$be: and allows it" w-ok "$out"
	assert_eq "$be: nothing left" "$base" "$(leftovers)"
done
unset HUTCH_DEVICE_POLICY

echo "bad --device"
for bad in "relative" "/dev/null:rel" "/dev/null:/dev/x:rx" "/dev/null:/proc/x"; do
	out=$(hutch run --rm --cgroup-parent "$CGPARENT" --device "$bad" --rootfs "$ROOTFS" true 2>&1)
	assert_eq "--device $bad: 125" 125 $?
	assert_contains "--device $bad: says so" "--device" "$out"
done
out=$(hutch run --rm --cgroup-parent "$CGPARENT" --device /etc/hostname --rootfs "$ROOTFS" true 2>&1)
assert_eq "--device of a regular file: 125" 125 $?
assert_contains "--device of a regular file: says so" "not a device node" "$out"
out=$(hutch run --rm --cgroup-parent "$CGPARENT" --device /dev/nosuch-$$ --rootfs "$ROOTFS" true 2>&1)
assert_eq "--device of a missing node: 125" 125 $?
assert_eq "nothing left" "$base" "$(leftovers)"

echo "--privileged: the host's whole /dev tree, as docker"
# Every char and block node under the host's /dev (pts, shm, mqueue and dot
# directories aside; ptmx is the container's own devpts's), subdirectories
# too, with the host's numbers; opened for real where the host has
# /dev/net/tun.
want=$(cd /dev && find . -path ./pts -prune -o -path ./shm -prune -o -path ./mqueue -prune -o \
	-path './.*' -prune -o -path ./ptmx -prune -o \( -type c -o -type b \) -printf '%p %M\n' | sort)
nested=$(grep -c '^\./[^ ]*/' <<<"$want")
[ "$nested" -gt 0 ] || echo "  (the host's /dev has no nodes in subdirectories: only the top level is compared)"
got=$(hutch run --rm --privileged --cgroup-parent "$CGPARENT" --rootfs "$ROOTFS" sh -c \
	'cd /dev && find . -path ./pts -prune -o -path ./shm -prune -o -path ./mqueue -prune -o \( -type c -o -type b \) -print | while read -r f; do echo "$f $(stat -c %A "$f")"; done' | sort)
missing=$(comm -23 <(cut -d' ' -f1 <<<"$want") <(cut -d' ' -f1 <<<"$got"))
assert_eq "every host node is there ($(wc -l <<<"$want"), $nested in subdirectories)" "" "$missing"
assert_eq "with the host's modes" "" "$(comm -23 <(echo "$want") <(echo "$got"))"
if [ -c /dev/net/tun ]; then
	out=$(hutch run --rm --privileged --cgroup-parent "$CGPARENT" --rootfs "$ROOTFS" sh -c \
		'ls -l /dev/net/tun; exec 3<>/dev/net/tun && echo tun-opened')
	assert_contains "/dev/net/tun: 10, 200" "10, 200" "$out"
	assert_contains "/dev/net/tun opens" tun-opened "$out"
	out=$(hutch run --rm --cgroup-parent "$CGPARENT" --rootfs "$ROOTFS" sh -c 'ls /dev/net 2>&1')
	assert_contains "without --privileged, no /dev/net" "No such file" "$out"
fi
assert_eq "nothing left" "$base" "$(leftovers)"
