#!/usr/bin/env bash
# Input that would reach a file or a mount unchecked is refused before
# anything is made (exit 125, a one-line message, nothing left): a
# --hostname that would add a line to /etc/hosts (RFC 1123 as docker), a
# volume over /proc or /sys (also through an image's symlink), --cpus beyond
# the host's CPUs (docker's message). Valid values still work.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

base=$(leftovers)
refused() { # refused DESCRIPTION MESSAGE-PART ARGS...
	local what=$1 msg=$2 out rc
	shift 2
	out=$(hutch run --rm --cgroup-parent "$CGPARENT" "$@" 2>&1 >/dev/null)
	rc=$?
	assert_eq "$what: 125" 125 "$rc"
	assert_contains "$what: says so" "$msg" "$out"
	assert_eq "$what: one line" 1 "$(printf '%s\n' "$out" | wc -l)"
	assert_eq "$what: nothing left" "$base" "$(leftovers)"
}

echo "--hostname"
# The attack: a new line and an address, for the container's /etc/hosts.
refused "newline in --hostname" "invalid hostname format" \
	--hostname $'x\n6.6.6.6 evil' --rootfs "$ROOTFS" cat /etc/hosts
refused "space in --hostname" "invalid hostname format" --hostname 'a b' --rootfs "$ROOTFS" true
refused "underscore in --hostname" "invalid hostname format" --hostname a_b --rootfs "$ROOTFS" true
refused "label ending in '-'" "invalid hostname format" --hostname a-.b --rootfs "$ROOTFS" true
refused "64 characters" "invalid hostname format" --hostname "$(printf 'a%.0s' {1..64})" \
	--rootfs "$ROOTFS" true
out=$(hutch run --rm --hostname web-1.example --rootfs "$ROOTFS" sh -c 'hostname; grep -c . /etc/hosts')
assert_eq "a valid name: set, and /etc/hosts has its three lines" "web-1.example 3" "$(echo $out)"

echo "volumes over the kernel's filesystems"
mkdir -p "$T/vol"
for target in /proc /proc/sys /sys /sys/fs/cgroup //proc /./sys/kernel; do
	refused "-v DIR:$target" "over /proc or /sys" -v "$T/vol:$target" --rootfs "$ROOTFS" true
done
# The same through the image: /kp is a symlink to /proc (resolved in the container's root).
mkdir -p "$T/linked"
cp -a "$ROOTFS/." "$T/linked/"
ln -s /proc "$T/linked/kp"
ln -s ../sys "$T/linked/ks"
refused "-v DIR:/kp, /kp -> /proc in the image" "over /proc or /sys" -v "$T/vol:/kp" --rootfs "$T/linked" true
refused "-v DIR:/ks/fs, /ks -> ../sys in the image" "over /proc or /sys" -v "$T/vol:/ks/fs" --rootfs "$T/linked" true
assert_eq "-v DIR:/procfs (a name that only starts the same) works" ok \
	"$(hutch run --rm -v "$T/vol:/procfs" --rootfs "$ROOTFS" sh -c 'test -d /procfs && echo ok')"

echo "--cpus"
n=$(nproc)
refused "--cpus 1000" "Range of CPUs is from 0.01 to $n.00, as there are only $n CPUs available" \
	--cpus 1000 --rootfs "$ROOTFS" true
refused "--cpus $((n + 1))" "Range of CPUs is from 0.01 to $n.00" --cpus $((n + 1)) --rootfs "$ROOTFS" true
refused "--cpus 0.001" "Range of CPUs is from 0.01" --cpus 0.001 --rootfs "$ROOTFS" true
hutch run --rm --cpus "$n" --rootfs "$ROOTFS" true
assert_eq "--cpus $n (all of them) works" 0 $?
