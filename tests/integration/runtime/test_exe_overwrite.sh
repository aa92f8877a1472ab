#!/usr/bin/env bash
# The CVE-2019-5736 class: no process hutch puts into a container has a
# writable host file as its exe. Performed against a copy of the hutch
# binary (the one attacked is not the build's): from inside a running
# container, pid 1's exe (hutch-init, a clone of hutch) is opened for
# writing, through /proc/1/exe and through an O_PATH fd reopened via
# /proc/self/fd, and chmod'ed to setuid (what a busy binary does not stop);
# a container whose /bin/sh is "#!/proc/self/exe" makes `hutch exec C sh`
# run hutch itself inside. Every attempt fails, with EROFS, and the host
# binary's hash and mode stay as they were.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

mkdir -p "$T/bin"
cp "$HUTCH_BIN/hutch" "$T/bin/hutch"
chmod 0755 "$T/bin/hutch"
victim=$T/bin/hutch
vh() { "$victim" --root "$HROOT" "$@"; }
hash_before=$(sha256sum <"$victim")
mode_before=$(stat -c %a "$victim")

mkdir -p "$T/img"
cp -a "$ROOTFS/." "$T/img/"
name=cve-$$
vh run -d --name "$name" --rootfs "$T/img" /bin/busybox sleep 300 >/dev/null
assert_eq "started" 0 $?

echo "pid 1 (hutch-init) from inside"
out=$(vh exec "$name" /bin/busybox sh -c '
	ls -l /proc/1/exe >/dev/null && echo exe-visible
	{ echo x >>/proc/1/exe; } 2>&1 && echo WROTE-APPEND
	{ printf "#!/bin/sh\necho pwned\n" 1<>/proc/1/exe; } 2>&1 && echo WROTE-RW
	exec 3</proc/1/exe
	{ echo x >>/proc/self/fd/3; } 2>&1 && echo WROTE-FD
	chmod 4755 /proc/1/exe 2>&1 && echo CHMODDED
	chown 1:1 /proc/1/exe 2>&1 && echo CHOWNED
	truncate -s 0 /proc/1/exe 2>&1 && echo TRUNCATED
	true')
echo "$out" | sed 's/^/    /'
assert_contains "pid 1's exe is there to attack" exe-visible "$out"
for w in WROTE-APPEND WROTE-RW WROTE-FD CHMODDED CHOWNED TRUNCATED; do
	check "no $w" test -z "$(grep -x "$w" <<<"$out")"
done
assert_contains "refused as a read-only file system" "Read-only file system" "$out"

echo "#!/proc/self/exe through hutch exec"
vh exec "$name" /bin/busybox sh -c 'rm /bin/sh; printf "#!/proc/self/exe\n" >/bin/sh; chmod 755 /bin/sh'
out=$(vh exec "$name" sh 2>&1)
assert_contains "hutch ran inside the container in sh's place (its own message)" "hutch" "$out"
out=$(vh exec "$name" /bin/busybox sh -c '
	sh & p=$!
	for i in 1 2 3 4 5 6 7 8 9 10; do
		[ -e /proc/$p/exe ] || break
		{ echo x >>/proc/$p/exe; } 2>/dev/null && echo WROTE
		chmod 4755 /proc/$p/exe 2>/dev/null && echo CHMODDED
	done; wait; true')
# (p may still be the shell's fork, busybox, when it is tried: what counts is the host file below.)
echo "$out" | sed 's/^/    /'
vh rm -f "$name" >/dev/null
assert_eq "the host binary's hash is unchanged" "$hash_before" "$(sha256sum <"$victim")"
assert_eq "and its mode" "$mode_before" "$(stat -c %a "$victim")"
check "the binary still runs" "$victim" --help >/dev/null
