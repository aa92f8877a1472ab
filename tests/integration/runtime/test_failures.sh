#!/usr/bin/env bash
# Every failure, at every step of a container's creation, exits 125 with a
# one-line message and leaves no cgroup, mount, state directory or process.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

hutch run -d --name keep-$$ --cgroup-parent "$CGPARENT" --rootfs "$ROOTFS" sleep 3600 >/dev/null
hutch run --name stopped-$$ --cgroup-parent "$CGPARENT" --rootfs "$ROOTFS" true
base=$(leftovers)
check "the two containers count as leftovers here ($base)" test "$base" -gt 0

# fails DESCRIPTION MESSAGE-PART ARGS...: hutch run ARGS fails with 125, says MESSAGE-PART, leaves nothing.
fails() {
	local what=$1 msg=$2
	shift 2
	local out rc
	out=$(hutch run --cgroup-parent "$CGPARENT" "$@" 2>&1 >/dev/null)
	rc=$?
	assert_eq "$what: 125" 125 "$rc"
	assert_contains "$what: says so" "$msg" "$out"
	assert_eq "$what: one line" 1 "$(printf '%s\n' "$out" | wc -l)"
	assert_eq "$what: nothing left" "$base" "$(leftovers)"
}

for mode in "" -d; do
	echo "failures${mode:+ with $mode}"
	fails "bad flag" "unknown flag" $mode --nope --rootfs "$ROOTFS" true
	fails "bad size" "--memory" $mode -m 12q --rootfs "$ROOTFS" true
	fails "unknown image" "not found" $mode no-such-image-$$
	fails "name in use" "already in use" $mode --name keep-$$ --rootfs "$ROOTFS" true
	fails "unknown container to join" "no such container" $mode --net container:nosuch-$$ --rootfs "$ROOTFS" true
	fails "stopped container to join" "not running" $mode --pid container:stopped-$$ --rootfs "$ROOTFS" true
	fails "cgroup limit refused" "cpuset.cpus" $mode --cpuset-cpus 999 --rootfs "$ROOTFS" true
	fails "missing volume source" "$T/none" $mode -v "$T/none:/x" --rootfs "$ROOTFS" true
	fails "volume onto a file's child" "volume" $mode -v "$T:/bin/busybox/x" --rootfs "$ROOTFS" true
done

echo "command failures end cleanly"
hutch run --rm --cgroup-parent "$CGPARENT" --rootfs "$ROOTFS" no-such-command 2>/dev/null
assert_eq "127" 127 $?
assert_eq "127: nothing left" "$base" "$(leftovers)"
hutch run --rm --cgroup-parent "$CGPARENT" -m 16m --memory-swap 16m --rootfs "$ROOTFS" sh -c 'x=a; while :; do x=$x$x; done'
assert_eq "OOM: 137" 137 $?
assert_eq "OOM with --rm: nothing left" "$base" "$(leftovers)"
hutch rm -f keep-$$ stopped-$$ >/dev/null
assert_eq "after rm, nothing at all" 0 "$(leftovers)"
