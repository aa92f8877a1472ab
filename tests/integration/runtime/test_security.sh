#!/usr/bin/env bash
# docker's security defaults, tried as an attacker would: a default container
# cannot set up io_uring, make keyrings, new user or mount namespaces, mount,
# or open vsock; a JSON profile's denial holds (also for exec); --cap-drop ALL
# leaves root unable to chown or mknod; --privileged reaches a host device;
# --ulimit and the default limits are what /proc/self/limits shows; bad
# profiles and flags exit 125 and leave nothing behind.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"
need_cmd cc

# The probe, static, inside the rootfs (busybox has no io_uring or keyctl applet).
cc -static -O2 -o "$ROOTFS/bin/probe" "$(dirname "$0")/syscall_probe.c" ||
	skip "cannot build a static probe (libc6-dev's libc.a)"
run() { hutch run --rm --cgroup-parent "$CGPARENT" --rootfs "$ROOTFS" "$@"; }

# The host must allow what the container may not, or a refusal proves nothing.
for p in io_uring keyctl userns clone_newns; do
	"$ROOTFS/bin/probe" $p >/dev/null || skip "the host itself refuses $p"
done

echo "default container: seccomp allow list, docker's 14 capabilities, no_new_privs"
for p in io_uring keyctl userns clone_newns; do
	out=$(run probe $p 2>&1)
	assert_eq "$p refused" "$p: Operation not permitted" "$out"
done
out=$(run sh -c 'mount -t tmpfs x /mnt 2>&1; echo rc=$?')
assert_contains "mount refused" "rc=1" "$out"
out=$(run sh -c 'unshare -U true 2>&1; echo rc=$?')
assert_contains "unshare -U refused" "rc=1" "$out"
if "$ROOTFS/bin/probe" vsock >/dev/null 2>&1; then
	assert_eq "vsock socket refused" "vsock: Operation not permitted" "$(run probe vsock 2>&1)"
fi
status=$(run cat /proc/self/status)
assert_contains "docker's default capabilities" "CapEff:	00000000a80425fb" "$status"
assert_contains "same bounding set" "CapBnd:	00000000a80425fb" "$status"
assert_contains "no inheritable" "CapInh:	0000000000000000" "$status"
assert_contains "seccomp filter" "Seccomp:	2" "$status"
assert_contains "no_new_privs" "NoNewPrivs:	1" "$status"
out=$(run sh -c 'mknod /tmp/n c 1 3 && chown 1:1 /tmp/n && echo made')
assert_eq "default root may mknod and chown (CAP_MKNOD, CAP_CHOWN)" made "$out"

echo "seccomp=unconfined lifts the filter (the refusals above were its doing)"
out=$(run --security-opt seccomp=unconfined probe io_uring 2>&1)
assert_eq "io_uring without a filter" "io_uring: ok" "$out"
out=$(run --security-opt seccomp=unconfined grep Seccomp: /proc/self/status)
assert_contains "no filter" "0" "$out"

echo "no-new-privileges=false: independent of seccomp"
status=$(run --security-opt no-new-privileges=false cat /proc/self/status)
assert_contains "no_new_privs off" "NoNewPrivs:	0" "$status"
assert_contains "filter still there" "Seccomp:	2" "$status"
assert_eq "and still refuses" "io_uring: Operation not permitted" \
	"$(run --security-opt no-new-privileges=false probe io_uring 2>&1)"

echo "a docker JSON profile"
cat >"$T/deny-mkdir.json" <<'JSON'
{
  "defaultAction": "SCMP_ACT_ALLOW",
  "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86"]}],
  "syscalls": [
    {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13,
     "comment": "EACCES, to tell it from other refusals"},
    {"names": ["chmod", "fchmodat"], "action": "SCMP_ACT_ERRNO",
     "excludes": {"caps": ["CAP_FOWNER"]}}
  ]
}
JSON
out=$(run --security-opt seccomp="$T/deny-mkdir.json" sh -c 'mkdir /tmp/x 2>&1; echo rc=$?')
assert_contains "mkdir refused with the profile's errno" "Permission denied" "$out"
assert_contains "mkdir failed" "rc=1" "$out"
out=$(run --security-opt seccomp="$T/deny-mkdir.json" sh -c 'chmod 600 /etc/hostname && echo chmod ok; probe io_uring')
assert_contains "excludes.caps: FOWNER keeps chmod" "chmod ok" "$out"
assert_contains "a profile allowing by default allows io_uring" "io_uring: ok" "$out"
out=$(run --cap-drop FOWNER --security-opt seccomp="$T/deny-mkdir.json" sh -c 'chmod 600 /tmp 2>&1; echo rc=$?')
assert_contains "without FOWNER the chmod rule applies" "rc=1" "$out"
name=sec-$$
hutch run -d --name $name --cgroup-parent "$CGPARENT" --security-opt seccomp="$T/deny-mkdir.json" \
	--rootfs "$ROOTFS" sleep 60 >/dev/null
mv "$T/deny-mkdir.json" "$T/moved.json" # exec uses what run compiled, not the file
out=$(hutch exec $name sh -c 'mkdir /tmp/y 2>&1; echo rc=$?')
assert_contains "exec runs under the container's profile" "Permission denied" "$out"
out=$( (ulimit -S -c 4096 && hutch exec $name cat /proc/self/status /proc/self/limits))
assert_contains "exec: the container's capabilities" "CapEff:	00000000a80425fb" "$out"
assert_contains "exec: no_new_privs" "NoNewPrivs:	1" "$out"
assert_contains "exec: the container's core limit, not the caller's" "Max core file size        0" "$out"
hutch rm -f $name >/dev/null

base=$(leftovers)
# fails DESCRIPTION MESSAGE-PART ARGS...: exits 125 with MESSAGE-PART on one line, nothing left.
fails() {
	local what=$1 msg=$2 out rc
	shift 2
	out=$(hutch run --cgroup-parent "$CGPARENT" "$@" --rootfs "$ROOTFS" true 2>&1 >/dev/null)
	rc=$?
	assert_eq "$what: 125" 125 "$rc"
	assert_contains "$what: says so" "$msg" "$out"
	assert_eq "$what: one line" 1 "$(printf '%s\n' "$out" | wc -l)"
	assert_eq "$what: nothing left" "$base" "$(leftovers)"
}
echo '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_NOPE"}]}' >"$T/bad1.json"
echo '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [' >"$T/bad2.json"
for mode in "" -d; do
	fails "unknown action$mode" "syscalls[0]: unknown action 'SCMP_ACT_NOPE'" $mode --security-opt seccomp="$T/bad1.json"
	fails "truncated JSON$mode" "not a JSON object" $mode --security-opt seccomp="$T/bad2.json"
	fails "missing profile$mode" "No such file" $mode --security-opt seccomp="$T/none.json"
	fails "unknown capability$mode" "--cap-add 'SYS_FLY'" $mode --cap-add SYS_FLY
	fails "bad ulimit$mode" "--ulimit 'nofile=10:5'" $mode --ulimit nofile=10:5
	fails "unknown ulimit$mode" "unknown limit 'files'" $mode --ulimit files=5
	fails "bad security-opt$mode" "--security-opt 'apparmor=x'" $mode --security-opt apparmor=x
	fails "hard limit above the kernel's$mode" "--ulimit nofile" $mode --ulimit nofile=1:2000000000
done

echo "--cap-drop ALL: root without capabilities"
out=$(run --cap-drop ALL sh -c 'grep CapEff /proc/self/status; chown 1 /tmp 2>&1; echo chown=$?; mknod /tmp/n c 1 3 2>&1; echo mknod=$?')
assert_contains "no capabilities" "CapEff:	0000000000000000" "$out"
assert_contains "chown refused" "chown=1" "$out"
assert_contains "mknod refused" "mknod=1" "$out"
out=$(run --cap-drop ALL --cap-add CHOWN sh -c 'chown 1 /tmp && echo chown ok')
assert_eq "--cap-add after ALL dropped" "chown ok" "$out"
out=$(run --cap-add SYS_ADMIN sh -c 'mount -t tmpfs x /tmp && echo mounted')
assert_eq "--cap-add SYS_ADMIN brings mount through the profile too" mounted "$out"

echo "--privileged: all capabilities, the host's devices, no filter, no masks"
dev=""
for d in loop-control fuse kvm kmsg; do [ -c /dev/$d ] && dev=$d && break; done
[ -n "$dev" ] || skip "no host device to try"
out=$(run sh -c "ls /dev/$dev 2>&1; echo rc=\$?")
assert_contains "a default container has no /dev/$dev" "rc=1" "$out"
out=$(run --privileged sh -c "exec 3<>/dev/$dev && echo opened; grep Seccomp: /proc/self/status; wc -c </proc/timer_list; echo x >/proc/sys/kernel/hostname && echo sysctl written")
assert_contains "/dev/$dev opened" "opened" "$out"
assert_contains "no filter" "Seccomp:	0" "$out"
assert_contains "/proc/sys writable (its own UTS namespace)" "sysctl written" "$out"
timers=$(printf '%s\n' "$out" | sed -n 3p)
check "/proc/timer_list not masked ($timers bytes)" test "$timers" -gt 0
assert_eq "masked in a default container" 0 "$(run sh -c 'wc -c </proc/timer_list')"
assert_eq "all capabilities" "$(grep CapBnd /proc/self/status | cut -f2)" \
	"$(run --privileged grep CapEff /proc/self/status | cut -f2)"

echo "--ulimit and the default limits"
limits=$(run --ulimit nofile=100:200 --ulimit nproc=50 cat /proc/self/limits)
assert_contains "nofile" "$(printf 'Max open files            100                  200                  files')" "$limits"
assert_contains "nproc" "Max processes             50                   50                   processes" "$limits"
# The shell's limits do not leak in: a core limit and a low nofile in the caller.
limits=$( (ulimit -S -c 4096 && ulimit -S -n 200 && run cat /proc/self/limits))
assert_contains "core 0 by default" "Max core file size        0" "$limits"
assert_contains "nofile 1024 by default" "Max open files            1024 " "$limits"
out=$(run --ulimit nofile=20 sh -c 'ulimit -n 21 2>&1; echo rc=$?')
assert_contains "the hard limit holds" "rc=1" "$out"
