#!/usr/bin/env bash
# -u with capabilities and seccomp profiles that forbid the switch itself:
# hutch-init switches the user first (keeping the capabilities across it),
# then cuts the capabilities, then loads the filter (runc's order), so
# `-u 1000 --cap-drop SETUID` and a profile that denies setuid run as the
# user, and the process cannot setuid back (tried with the system call). The
# capability sets are read from /proc (bounding: the requested ones; a
# non-root user keeps none after its exec, as docker's); pid 1 runs as the
# user too (as docker's --init), so it forwards `hutch stop`'s SIGTERM even
# with --cap-drop KILL. `hutch exec -u` the same.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"
need_cmd cc

cc -static -O2 -o "$ROOTFS/bin/probe" "$(dirname "$0")/syscall_probe.c" ||
	skip "cannot build a static probe (libc6-dev's libc.a)"
run() { hutch run --rm --cgroup-parent "$CGPARENT" --rootfs "$ROOTFS" "$@"; }
# docker's 14 default capabilities, and the same without CAP_SETUID (bit 7)
caps_default=00000000a80425fb
caps_nosetuid=00000000a804257b
report='id -u; grep -E "^Cap(Bnd|Prm|Eff):" /proc/self/status; probe setuid=0;
	echo "pid1 uid $(awk "/^Uid:/{print \$2}" /proc/1/status) $(grep CapEff /proc/1/status)"'

echo "-u 1000 --cap-drop SETUID: the switch is made, and there is no way back"
out=$(run -u 1000 --cap-drop SETUID sh -c "$report" 2>&1)
echo "$out" | sed 's/^/    /'
assert_eq "uid" 1000 "$(head -1 <<<"$out")"
assert_contains "bounding set: the requested one" "CapBnd:	$caps_nosetuid" "$out"
assert_contains "no effective capability left to a non-root user" \
	"CapEff:	0000000000000000" "$out"
assert_contains "setuid(0) refused" "setuid=0: Operation not permitted" "$out"
assert_contains "pid 1 is the user's too, without capabilities" \
	"pid1 uid 1000 CapEff:	0000000000000000" "$out"

echo "root without CAP_SETUID cannot become another user"
out=$(run --cap-drop SETUID sh -c 'grep CapEff /proc/self/status; probe setuid=1000' 2>&1)
assert_contains "effective set: the requested one" "CapEff:	$caps_nosetuid" "$out"
assert_contains "setuid(1000) refused" "setuid=1000: Operation not permitted" "$out"
out=$(run sh -c 'grep CapEff /proc/self/status; probe setuid=1000' 2>&1)
assert_contains "control: docker's set, and setuid(1000) works" \
	"CapEff:	$caps_default"$'\n'"setuid=1000: ok" "$out"

echo "a profile that denies the set*id calls, with -u 1000"
cat >"$T/deny-setid.json" <<'JSON'
{
  "defaultAction": "SCMP_ACT_ALLOW",
  "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86"]}],
  "syscalls": [
    {"names": ["setuid", "setresuid", "setreuid", "setgid", "setresgid", "setregid", "setgroups"],
     "action": "SCMP_ACT_ERRNO", "errnoRet": 13, "comment": "EACCES: the filter's, not the capabilities'"}
  ]
}
JSON
out=$(run -u 1000 --security-opt seccomp="$T/deny-setid.json" sh -c 'id -u; probe setuid=0' 2>&1)
assert_eq "the switch is made before the filter, and the filter holds after" \
	$'1000\nsetuid=0: Permission denied' "$out"
# Without no_new_privs the filter needs CAP_SYS_ADMIN and goes first (runc's
# order too): then the profile forbids the switch, and hutch says so.
out=$(run -u 1000 --security-opt no-new-privileges=false --security-opt seccomp="$T/deny-setid.json" \
	true 2>&1)
rc=$?
assert_eq "no-new-privileges=false: the switch refused (126)" 126 "$rc"
assert_contains "and said" "set user 1000:1000: Permission denied" "$out"

echo "pid 1 as the user forwards SIGTERM with --cap-drop KILL"
name=term-$$
hutch run -d --name "$name" --cgroup-parent "$CGPARENT" -u 1000 --cap-drop KILL --rootfs "$ROOTFS" \
	sh -c 'trap "echo got-term; exit 7" TERM; echo up; while :; do sleep 0.1; done' >/dev/null
for _ in $(seq 50); do hutch logs "$name" 2>/dev/null | grep -q up && break; sleep 0.1; done
hutch stop -t 10 "$name" >/dev/null
assert_eq "the command's own exit (7), not a SIGKILL's 137" 7 "$(inspect_field "$name" 'd["exit_code"]')"
assert_contains "its trap ran" got-term "$(hutch logs "$name" 2>&1)"
hutch rm -f "$name" >/dev/null

echo "hutch exec -u 1000 into a container without CAP_SETUID"
hutch run -d --name "$name" --cgroup-parent "$CGPARENT" --cap-drop SETUID --rootfs "$ROOTFS" \
	sleep 300 >/dev/null
out=$(hutch exec -u 1000 "$name" sh -c 'id -u; probe setuid=0' 2>&1)
assert_eq "exec runs as 1000, and cannot come back" $'1000\nsetuid=0: Operation not permitted' "$out"
hutch rm -f "$name" >/dev/null
check "nothing left" test "$(leftovers)" -eq 0
