#!/usr/bin/env bash
# hutch, running as the host's root, never follows an image's symlinks out
# of the container's root, and never blocks on what it reads there. Each
# attack is performed; the host files it aims at stay as they were.
#   - a rootfs whose etc is a symlink to a host directory (hutch writes
#     hostname, hosts, resolv.conf under etc);
#   - -w /w/x with w a symlink to a host directory (hutch makes the workdir);
#   - run -u / exec -u NAME with the container's /etc/passwd a symlink to a
#     host file (hutch reads the names), or a FIFO (hutch would wait forever).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

snapshot() { (cd "$1" && find . -printf '%p %s %T@\n' | sort | md5sum); }
# A host directory and a host "passwd" the attacks aim at.
mkdir -p "$T/host/etc" "$T/host/w"
printf 'keep\n' >"$T/host/etc/hosts"
printf 'evil:x:4242:4242::/:/bin/sh\nroot:x:4243:4243::/:/bin/sh\n' >"$T/host/passwd"
before_etc=$(snapshot "$T/host")

mkimage() { # mkimage DIR: a copy of the busybox rootfs
	mkdir -p "$1"
	cp -a "$ROOTFS/." "$1/"
}

echo "a rootfs whose /etc is a symlink to a host directory"
mkimage "$T/img-etc"
rm -rf "$T/img-etc/etc"
ln -s "$T/host/etc" "$T/img-etc/etc"
out=$(hutch run --rm --rootfs "$T/img-etc" true 2>&1)
rc=$?
echo "    (run: exit $rc: $out)"
assert_eq "the host directory is untouched (nothing unlinked, nothing created)" "$before_etc" "$(snapshot "$T/host")"
assert_eq "the host's hosts file kept its content" keep "$(cat "$T/host/etc/hosts")"
# A relative link that stays in the image works as before.
mkimage "$T/img-etc2"
mv "$T/img-etc2/etc" "$T/img-etc2/etc.real"
ln -s etc.real "$T/img-etc2/etc"
assert_eq "etc -> etc.real inside the image: hosts written there" 127.0.0.1 \
	"$(hutch run --rm --hostname hh --rootfs "$T/img-etc2" sh -c 'grep -o "^127.0.0.1" /etc.real/hosts | head -1')"

echo "-w through a symlink to a host directory"
mkimage "$T/img-w"
ln -s "$T/host/w" "$T/img-w/w"
hutch run --rm -w /w/x --rootfs "$T/img-w" true >/dev/null 2>&1
check "no directory made on the host" test ! -e "$T/host/w/x"
mkimage "$T/img-w2"
ln -s /tmp "$T/img-w2/w"
assert_eq "-w /w/x with w -> /tmp inside the image: made there" /tmp/x \
	"$(hutch run --rm -w /w/x --rootfs "$T/img-w2" sh -c 'cd /w/x && readlink -f .')"

echo "run -u NAME with the image's /etc/passwd a symlink to a host file"
mkimage "$T/img-pw"
ln -sf "$T/host/passwd" "$T/img-pw/etc/passwd"
out=$(hutch run --rm -u evil --rootfs "$T/img-pw" id -u 2>&1)
rc=$?
check "the host file's user is not found (exit $rc: $out)" test "$rc" -eq 125
check "and was not used" test "$out" != 4242

echo "exec -u NAME with the container's /etc/passwd a symlink to a host file, or a FIFO"
name=pw-$$
hutch run -d --name "$name" --rootfs "$ROOTFS" sleep 120 >/dev/null
pid=$(inspect_field "$name" 'd["pid"]')
hutch exec "$name" ln -sf "$T/host/passwd" /etc/passwd
# Control: the attack's path, read as hutch read it before (through /proc/PID/root), reaches the host file.
assert_contains "control: /proc/PID/root/etc/passwd, followed from the host, is the host's file" evil \
	"$(cat "/proc/$pid/root/etc/passwd" 2>/dev/null)"
out=$(hutch exec -u evil "$name" id -u 2>&1)
rc=$?
check "exec -u evil: not found (exit $rc: $out)" test "$rc" -eq 125
out=$(hutch exec -u root "$name" id -u 2>&1)
check "exec -u root does not take the host file's uid 4243 ($out)" test "$out" != 4243
hutch exec "$name" sh -c 'rm -f /etc/passwd && mkfifo /etc/passwd'
# Control: a reader of the FIFO blocks (no writer ever comes).
timeout 2 cat "/proc/$pid/root/etc/passwd" >/dev/null 2>&1
assert_eq "control: reading the FIFO blocks" 124 $?
timeout 20 "$HUTCH_BIN/hutch" --root "$HROOT" exec -u someone "$name" true 2>/dev/null
rc=$?
check "exec -u with /etc/passwd a FIFO returns at once (exit $rc, not a timeout)" test "$rc" -eq 125
timeout 20 "$HUTCH_BIN/hutch" --root "$HROOT" exec -u 0 "$name" true
assert_eq "exec -u 0 (a number) still works" 0 $?
hutch rm -f "$name" >/dev/null
assert_eq "the host's passwd unchanged" 4242 "$(cut -d: -f3 "$T/host/passwd" | head -1)"
