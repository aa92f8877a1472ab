#!/usr/bin/env bash
# What config.json asks is what the container gets, checked by attacking it
# from inside: the host's processes, /proc/sys, masked files, capabilities,
# no_new_privs, a seccomp rule, rlimits, the user, a read-only root, the
# devices cgroup, the memory and pids limits.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/common.sh"

# in_ctr NAME PYTHON-EDIT SCRIPT: runs SCRIPT with sh in a fresh container; prints its output.
in_ctr() {
	# Called in $(...): a counter would not survive; a random name does.
	local n=$RANDOM$RANDOM b
	b=$(make_bundle "i$n" "c['mounts'].append({'destination': '/tmp', 'type': 'tmpfs', 'source': 'tmpfs', 'options': ['nosuid']}); $1")
	python3 - "$b/config.json" "$2" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["args"] = ["sh", "-c", sys.argv[2]]
json.dump(c, open(sys.argv[1], "w"))
PY
	hrunc run --bundle "$b" "iso-$n-$$" 2>&1
}

sleep 300 &
host_pid=$!
on_exit "kill_pid $host_pid"

out=$(in_ctr '' "kill -9 $host_pid 2>&1; ls /proc | grep -c '^[0-9]'")
check "a host process cannot be signalled" kill -0 "$host_pid"
# sh, ls and grep
assert_eq "only the container's processes in its /proc" 3 "$(echo "$out" | tail -1)"
assert_contains "/proc/sys is read-only" "Read-only file system" "$(in_ctr '' 'echo x >/proc/sys/kernel/domainname')"
check "/proc/keys has something on the host" test "$(wc -c </proc/keys)" -gt 0
assert_eq "/proc/keys is masked" 0 "$(in_ctr '' 'wc -c </proc/keys')"
assert_contains "no CAP_SYS_ADMIN: mount fails" "permission denied" "$(in_ctr '' 'mount -t tmpfs x /tmp 2>&1; echo')"
assert_eq "no_new_privs set" 1 "$(in_ctr '' "grep NoNewPrivs /proc/self/status | tr -dc 0-9")"
assert_eq "the bounding set is the config's (audit_write, kill, net_bind_service)" 0000000020000420 \
	"$(in_ctr '' "grep CapBnd /proc/self/status | cut -f2")"
assert_contains "the root is read-only" "Read-only file system" "$(in_ctr '' 'touch /x')"
assert_eq "rlimit NOFILE" 1024 "$(in_ctr '' 'ulimit -n')"
assert_eq "process.user: uid and extra groups" "1000 1000 5 6" \
	"$(in_ctr "c['process']['user'] = {'uid': 1000, 'gid': 1000, 'additionalGids': [5, 6]}" 'echo $(id -u) $(id -G)')"
assert_eq "only lo in the network namespace" lo "$(in_ctr '' "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '")"
assert_eq "oomScoreAdj" 500 "$(in_ctr "c['process']['oomScoreAdj'] = 500" 'cat /proc/self/oom_score_adj')"
assert_eq "sysctl" 42 "$(in_ctr "c['linux']['sysctl'] = {'kernel.shmmni': '42'}" 'cat /proc/sys/kernel/shmmni')"

echo "== user namespace, personality"
mkdir -p "$T/shared"
# The mapped root (host uid 100000) must reach its bundle (mktemp's 0700 would stop it);
# the rootfs is the host root's, so the bind goes over a directory it has (/var).
chmod 755 "$T"
userns="c['process']['rlimits'] = []; c['linux']['namespaces'].append({'type': 'user'}); c['linux']['uidMappings'] = [{'containerID': 0, 'hostID': 100000, 'size': 65536}]; c['linux']['gidMappings'] = [{'containerID': 0, 'hostID': 100000, 'size': 65536}]; c['mounts'].append({'destination': '/var', 'type': 'bind', 'source': '$T/shared', 'options': ['rbind']})"
chmod 777 "$T/shared"
out=$(in_ctr "$userns" 'id -u; touch /var/made-by-root; cat /proc/self/uid_map')
assert_contains "root in the container" "0" "$(echo "$out" | head -1)"
assert_eq "a file the container's root makes is the mapped host uid's" 100000 "$(stat -c %u "$T/shared/made-by-root" 2>/dev/null)"
assert_contains "the uid map" "100000" "$out"
assert_eq "personality LINUX32" i686 "$(in_ctr "c['linux']['personality'] = {'domain': 'LINUX32'}" 'uname -m')"

echo "== seccomp"
seccomp="c['linux']['seccomp'] = {'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['mkdir', 'mkdirat'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 13}]}"
assert_contains "a denied call fails with its errnoRet (EACCES)" "Permission denied" "$(in_ctr "$seccomp" 'mkdir /tmp/d 2>&1')"
assert_eq "without the rule it works" ok "$(in_ctr '' 'mkdir /tmp/d && echo ok')"
assert_eq "the filter is on the process" 2 "$(in_ctr "$seccomp" "grep Seccomp: /proc/self/status | tr -dc 0-9")"

echo "== seccomp notify: the listener gets the fd and the state"
cat >"$T/agent.py" <<'PY'
import array, json, os, socket, sys
path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(1)
open(out + ".ready", "w").close()
c, _ = s.accept()
fds = array.array("i")
msg, anc, _, _ = c.recvmsg(65536, socket.CMSG_SPACE(4 * fds.itemsize))
for level, kind, data in anc:
    if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
        fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
st = json.loads(msg)
kind = os.readlink("/proc/self/fd/%d" % fds[0]) if fds else "none"
open(out, "w").write("%s %s\n" % (st["id"], kind))
# Closing the listener: the notified calls fail with ENOSYS from now.
PY
python3 "$T/agent.py" "$T/agent.sock" "$T/agent.out" &
apid=$!
on_exit "kill_pid $apid"
wait_for 10 test -e "$T/agent.out.ready"
notify="c['linux']['seccomp'] = {'defaultAction': 'SCMP_ACT_ALLOW', 'listenerPath': '$T/agent.sock', 'syscalls': [{'names': ['mkdir', 'mkdirat'], 'action': 'SCMP_ACT_NOTIFY'}]}"
out=$(in_ctr "$notify" 'sleep 0.5; mkdir /tmp/d 2>&1; echo done')
wait "$apid"
assert_contains "the agent got a seccomp notify fd with the container's state" "anon_inode:seccomp notify" "$(cat "$T/agent.out")"
assert_contains "a notified call fails once the agent is gone" "Function not implemented" "$out"

echo "== devices cgroup"
if [ -n "$(cgroup_v1_mount devices)" ]; then
	mk="c['process']['capabilities'] = {k: ['CAP_MKNOD'] for k in ['bounding', 'effective', 'permitted']}"
	assert_contains "a made disk node cannot be opened" "Operation not permitted" \
		"$(in_ctr "$mk" 'mknod /tmp/sda b 8 0 && head -c 1 /tmp/sda 2>&1')"
else
	echo "  (no v1 devices controller: device rules on cgroup v2 are not enforced by hutch-runc)"
fi

echo "== limits"
mem="c['linux']['resources']['memory'] = {'limit': 33554432, 'swap': 33554432}"
in_ctr "$mem" 'head -c 200000000 /dev/zero | tail >/dev/null' >/dev/null
rc=$?
# The shell's pipe: tail is killed; sh reports 128+9.
assert_eq "over the memory limit: OOM-killed (137)" 137 "$rc"
out=$(in_ctr "c['linux']['resources']['pids'] = {'limit': 8}" 'for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 2 & done 2>&1; wait')
assert_contains "the pids limit stops forks" "can't fork" "$out"
assert_eq "nothing left" 0 "$(leftovers)"
