#!/usr/bin/env bash
# hutch run: exit codes, pid/uts/net/mount isolation, the container's mounts,
# env, workdir, user, hostname, read-only root, images, --no-pivot, --help.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

echo "exit codes"
hutch run --rm --rootfs "$ROOTFS" true
assert_eq "true exits 0" 0 $?
hutch run --rm --rootfs "$ROOTFS" sh -c 'exit 3'
assert_eq "the command's status" 3 $?
hutch run --rm --rootfs "$ROOTFS" nosuchcommand 2>/dev/null
assert_eq "command not found" 127 $?
hutch run --rm --rootfs "$ROOTFS" /etc/passwd 2>/dev/null
assert_eq "command not executable" 126 $?
hutch run --rm --rootfs "$ROOTFS" sh -c 'kill -9 $$'
assert_eq "killed by SIGKILL" 137 $?
hutch run --rm --rootfs "$ROOTFS" sh -c 'kill -TERM $$'
assert_eq "killed by SIGTERM" 143 $?
hutch run --rm --bogus --rootfs "$ROOTFS" true 2>/dev/null
assert_eq "bad flag" 125 $?
out=$(hutch run --rm -m lots --rootfs "$ROOTFS" true 2>&1)
assert_eq "bad memory value" 125 $?
assert_contains "the message names the flag" "--memory 'lots'" "$out"
hutch run --rm --rootfs "$T/nothing" true 2>/dev/null
assert_eq "missing rootfs" 125 $?

echo "isolation"
out=$(hutch run --rm --rootfs "$ROOTFS" ps -o pid,comm)
assert_eq "ps sees init and itself only" 2 "$(echo "$out" | tail -n +2 | wc -l)"
assert_contains "the command is pid 2" "    2 ps" "$out"
out=$(hutch run --rm --rootfs "$ROOTFS" sh -c 'echo $$')
assert_eq "the shell is pid 2 under the init" 2 "$out"
out=$(hutch run --rm --rootfs "$ROOTFS" cat /proc/net/dev)
assert_eq "only loopback in the network namespace" 1 "$(echo "$out" | tail -n +3 | wc -l)"
assert_contains "lo is there" "lo:" "$out"
out=$(hutch run --rm --rootfs "$ROOTFS" ip link show lo)
assert_contains "lo is up" "UP" "$out"
out=$(hutch run --rm --net host --rootfs "$ROOTFS" cat /proc/net/dev | wc -l)
assert_eq "--net host sees the host's interfaces" "$(wc -l </proc/net/dev)" "$out"
out=$(hutch run --rm --net none --rootfs "$ROOTFS" cat /proc/net/dev | tail -n +3 | wc -l)
assert_eq "--net none: loopback only" 1 "$out"
host_uts=$(readlink /proc/self/ns/uts)
out=$(hutch run --rm --uts host --rootfs "$ROOTFS" hostname)
assert_eq "--uts host: the host's name" "$(hostname)" "$out"
out=$(hutch run --rm --hostname box1 --rootfs "$ROOTFS" sh -c 'hostname; cat /etc/hostname; grep box1 /etc/hosts')
assert_eq "--hostname, /etc/hostname and /etc/hosts" "box1 box1 127.0.1.1 box1" "$(echo $out)"
assert_eq "the host's name is unchanged" "$host_uts" "$(readlink /proc/self/ns/uts)"
out=$(hutch run --rm --ipc host --rootfs "$ROOTFS" readlink /proc/self/ns/ipc)
assert_eq "--ipc host" "$(readlink /proc/self/ns/ipc)" "$out"
out=$(hutch run --rm --pid host --rootfs "$ROOTFS" sh -c 'test -d /proc/'$$' && echo sees-host')
assert_eq "--pid host sees host processes" sees-host "$out"

echo "filesystem"
out=$(hutch run --rm --rootfs "$ROOTFS" sh -c 'cat /proc/self/mountinfo')
assert_contains "root is an overlay" " / / " "$out"
check "root's lower layer is the image" grep -q "lowerdir=$ROOTFS" <<<"$out"
check "/proc mounted" grep -q " /proc proc " <<<"$(hutch run --rm --rootfs "$ROOTFS" cat /proc/mounts)"
out=$(hutch run --rm --rootfs "$ROOTFS" sh -c 'ls /dev; ls -l /dev/null | cut -c1')
for dev in null zero full random urandom tty pts shm mqueue ptmx; do
	assert_contains "/dev/$dev" "$dev" "$out"
done
out=$(hutch run --rm --rootfs "$ROOTFS" sh -c 'echo x > /dev/null && head -c 4 /dev/zero | wc -c')
assert_eq "/dev/null and /dev/zero work" 4 "$out"
out=$(hutch run --rm --rootfs "$ROOTFS" sh -c 'grep -E " /dev/pts | /sys | /sys/fs/cgroup " /proc/mounts')
assert_contains "devpts is a new instance" "ptmxmode=666" "$out"
check "/sys is read-only" grep -q "sysfs /sys sysfs ro" <<<"$out"
check "/sys/fs/cgroup is read-only" grep -qE " /sys/fs/cgroup [a-z0-9]+ ro" <<<"$out"
hutch run --rm --rootfs "$ROOTFS" sh -c 'echo 1 > /sys/fs/cgroup/pids/pids.max' 2>/dev/null
check "the cgroup tree cannot be written" test $? -ne 0
out=$(hutch run --rm --rootfs "$ROOTFS" cat /proc/self/cgroup)
check "the cgroup namespace is rooted at the container's cgroup" grep -q '^0::/$' <<<"$out"
hutch run --rm --rootfs "$ROOTFS" sh -c 'echo hi > /written; mkdir /newdir'
assert_eq "the image is untouched" "" "$(ls "$ROOTFS/written" "$ROOTFS/newdir" 2>/dev/null)"
out=$(hutch run --rm --read-only --rootfs "$ROOTFS" sh -c 'touch /x 2>/dev/null; echo $?; touch /tmp/y 2>/dev/null; echo $?; echo ok > /dev/shm/z && cat /dev/shm/z')
assert_eq "--read-only: root not writable, /dev/shm is" "1 1 ok" "$(echo $out)"
out=$(hutch run --rm --no-pivot --rootfs "$ROOTFS" sh -c 'ls /bin/busybox && echo $$')
assert_eq "--no-pivot runs" "/bin/busybox 2" "$(echo $out)"

out=$(hutch run --rm --rootfs "$ROOTFS" sh -c 'wc -c </proc/keys; grep -c " /proc/sys ro," /proc/self/mountinfo; echo 1 >/proc/sys/kernel/sysrq 2>/dev/null; echo $?')
assert_eq "/proc/keys masked, /proc/sys read-only" "0 1 1" "$(echo $out)"

out=$(hutch run --rm --rootfs "$ROOTFS" sh -c 'grep Seccomp: /proc/self/status; unshare -U true 2>/dev/null; echo $?')
assert_eq "seccomp filter: no user namespaces of its own" "Seccomp: 2 1" "$(echo $out)"
out=$(hutch run --rm --security-opt seccomp=unconfined --rootfs "$ROOTFS" sh -c 'grep Seccomp: /proc/self/status')
assert_eq "--security-opt seccomp=unconfined" "Seccomp: 0" "$(echo $out)"
name=sc-$$
hutch run -d --name "$name" --rootfs "$ROOTFS" sleep 30 >/dev/null
assert_eq "exec gets the filter too" "Seccomp: 2" "$(echo $(hutch exec "$name" grep Seccomp: /proc/self/status))"
hutch rm -f "$name" >/dev/null

echo "process settings"
printf 'A=from-file\n# comment\nB=b\n' >"$T/envfile"
out=$(hutch run --rm --env-file "$T/envfile" -e A=from-flag -e C=c --rootfs "$ROOTFS" sh -c 'echo $A $B $C $PATH')
assert_eq "-e over --env-file" "from-flag b c /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" "$out"
out=$(hutch run --rm -w /srv/app --rootfs "$ROOTFS" pwd)
assert_eq "-w (made when missing)" /srv/app "$out"
out=$(hutch run --rm -u 1000:1001 --rootfs "$ROOTFS" id)
assert_eq "-u" "uid=1000 gid=1001" "$out"
out=$(hutch run --rm -u nobody --rootfs "$ROOTFS" id)
assert_eq "-u NAME from the image's /etc/passwd" "uid=65534(nobody) gid=65534(nogroup)" "$out"
out=$(hutch run --rm -u nosuchuser --rootfs "$ROOTFS" id 2>&1)
assert_eq "-u of an unknown name" 125 $?
assert_contains "says so" "no such user" "$out"
# Volume targets through the image's symlinks stay in the root filesystem:
# an absolute link is the container's path, a dangling one is refused.
mkdir -p "$T/vsrc" && echo vol-data >"$T/vsrc/f"
ln -s "$T/outside" "$ROOTFS/escape"
mkdir -p "$ROOTFS$T/outside"
out=$(hutch run --rm -v "$T/vsrc:/escape/vol" --rootfs "$ROOTFS" cat /escape/vol/f)
assert_eq "a volume under an absolute symlink of the image" vol-data "$out"
check "... mounted in the rootfs, nothing made on the host's $T/outside" test ! -e "$T/outside"
ln -s /nonexistent-$$/x "$ROOTFS/dangling"
out=$(hutch run --rm -v "$T/vsrc:/dangling/vol" --rootfs "$ROOTFS" true 2>&1)
assert_eq "a volume under a dangling symlink: refused" 125 $?
assert_contains "... says so" "leads nowhere" "$out"
check "... nothing made on the host" test ! -e /nonexistent-$$
rm -f "$ROOTFS/escape" "$ROOTFS/dangling"
# Supplementary groups: the image's /etc/group lines that list the user.
echo "app:x:1234:1234::/:/bin/sh" >>"$ROOTFS/etc/passwd"
printf 'app:x:1234:\naudio:x:29:app\nvideo:x:44:other,app\nstaff:x:50:apple\n' >>"$ROOTFS/etc/group"
out=$(hutch run --rm -u app --rootfs "$ROOTFS" sh -c 'id -u; id -g; grep ^Groups: /proc/self/status')
assert_eq "-u NAME: its supplementary groups from /etc/group" "1234 1234 Groups: 29 44" "$(echo $out)"
out=$(hutch run --rm -u 1234:50 --rootfs "$ROOTFS" sh -c 'id -g; grep ^Groups: /proc/self/status')
assert_eq "-u UID:GID: the uid's groups too" "50 Groups: 29 44" "$(echo $out)"
out=$(hutch run --rm -u nobody --rootfs "$ROOTFS" grep ^Groups: /proc/self/status)
assert_eq "-u of a user in no group: none" "Groups:" "$(echo $out)"
out=$(hutch run --rm --rootfs "$ROOTFS" sh -c 'grep CapBnd /proc/self/status')
assert_eq "docker's default capability bounding set" "CapBnd:	00000000a80425fb" "$out"

echo "images"
out=$(hutch run --rm busybox echo from-image)
assert_eq "busybox image built on first use" from-image "$out"
check "the image is in the store" test -x "$HUTCH_IMAGES_DIR/busybox/bin/busybox"
out=$(hutch images)
assert_contains "hutch images lists it" busybox "$out"
hutch run --rm nosuchimage true 2>/dev/null
assert_eq "unknown image" 125 $?

echo "help"
for verb in run exec ps stop kill rm logs inspect images top; do
	out=$(hutch "$verb" --help)
	check "$verb --help" test $? -eq 0 -a -n "$out"
done
out=$(hutch --help)
assert_contains "hutch --help lists the verbs" inspect "$out"
hutch nosuchverb 2>/dev/null
assert_eq "unknown verb" 125 $?
assert_eq "nothing left behind" 0 "$(leftovers)"
