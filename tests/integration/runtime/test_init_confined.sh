#!/usr/bin/env bash
# The container's pid 1 (hutch-init) runs as confined as its command: the
# container's capability sets, its seccomp filter, no_new_privs with it.
# Read from /proc/1/status inside, and performed: the test makes pid 1
# itself call sethostname (needs CAP_SYS_ADMIN, which the container lacks)
# and kcmp (allowed by capabilities, denied by the seccomp filter), by
# injecting the calls with ptrace from the host; getpid is the control that
# the injection works. With the old init both calls succeeded.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"
[ "$(uname -m)" = x86_64 ] || skip "the syscall injector is x86_64 only"
CC=$(command -v cc || command -v gcc) || skip "needs a C compiler for the syscall injector"
"$CC" -O2 -o "$T/inject" "$(dirname "$0")/inject_syscall.c" || { echo "FAIL: build inject_syscall"; exit 1; }

# docker's default capabilities: chown dac_override fowner fsetid kill setgid setuid setpcap
# net_bind_service net_raw sys_chroot mknod audit_write setfcap
caps=00000000a80425fb
status_of() { # the capability, seccomp and no_new_privs lines of a pid's status inside
	hutch exec "$1" sh -c "grep -E '^(CapPrm|CapEff|CapBnd|CapInh|CapAmb|NoNewPrivs|Seccomp):' /proc/$2/status"
}

name=conf-$$
hutch run -d --name "$name" --rootfs "$ROOTFS" sleep 300 >/dev/null
pid=$(inspect_field "$name" 'd["pid"]')
init=$(status_of "$name" 1)
echo "$init" | sed 's/^/    pid 1: /'
for f in CapPrm CapEff CapBnd; do
	assert_eq "pid 1 $f is the container's" "$caps" "$(awk -v f="$f:" '$1 == f { print $2 }' <<<"$init")"
done
assert_eq "pid 1 CapInh empty" 0000000000000000 "$(awk '$1 == "CapInh:" { print $2 }' <<<"$init")"
assert_eq "pid 1 has the seccomp filter" 2 "$(awk '$1 == "Seccomp:" { print $2 }' <<<"$init")"
assert_eq "pid 1 has no_new_privs (set with the filter)" 1 "$(awk '$1 == "NoNewPrivs:" { print $2 }' <<<"$init")"
cmd=$(hutch exec "$name" sh -c 'for p in /proc/[0-9]*; do [ "$(cat $p/comm)" = sleep ] && echo ${p#/proc/}; done' | head -1)
assert_eq "the command's sets are pid 1's" "$init" "$(status_of "$name" "$cmd")"
assert_eq "an exec'd process's sets are pid 1's" "$init" "$(status_of "$name" self)"

echo "acting as pid 1"
assert_eq "control: getpid injected into pid 1 returns 1" 1 "$("$T/inject" "$pid" 39)"
hn=$(hutch exec "$name" hostname)
assert_eq "sethostname from pid 1: EPERM (no CAP_SYS_ADMIN)" -1 "$("$T/inject" "$pid" 170 s:pwned 5)"
assert_eq "the host name is unchanged" "$hn" "$(hutch exec "$name" hostname)"
assert_eq "kcmp from pid 1: EPERM (the seccomp filter)" -1 "$("$T/inject" "$pid" 312 1 1 0 0 0)"
hutch stop -t 5 "$name" >/dev/null
assert_eq "pid 1 still forwards signals after the injections (stop: 143)" 143 \
	"$(inspect_field "$name" 'd["exit_code"]')"
hutch rm "$name" >/dev/null

echo "--security-opt seccomp=unconfined"
name=unconf-$$
hutch run -d --name "$name" --security-opt seccomp=unconfined --rootfs "$ROOTFS" sleep 300 >/dev/null
pid=$(inspect_field "$name" 'd["pid"]')
init=$(status_of "$name" 1)
assert_eq "pid 1 without a filter" 0 "$(awk '$1 == "Seccomp:" { print $2 }' <<<"$init")"
assert_eq "pid 1 keeps the container's capabilities" "$caps" "$(awk '$1 == "CapEff:" { print $2 }' <<<"$init")"
assert_eq "kcmp from pid 1 then works (the control for the filter)" 0 "$("$T/inject" "$pid" 312 1 1 0 0 0)"
assert_eq "sethostname from pid 1 still EPERM" -1 "$("$T/inject" "$pid" 170 s:pwned 5)"
hutch rm -f "$name" >/dev/null
