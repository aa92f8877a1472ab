#!/usr/bin/env bash
# What config.json asks is what the container gets, checked by attacking it
# from inside: the host's processes, /proc/sys, masked files, capabilities,
# no_new_privs, a seccomp rule, rlimits, the user, a read-only root, the
# device policy (v1's controller and the v2 BPF program: mknod'd loop and
# fuse nodes cannot be opened, allowed ones can), the memory and pids limits.
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

# ls writes to a file, not a pipe: with a pipe, whether grep has been forked yet when ls reads /proc is a race.
out=$(in_ctr '' "kill -9 $host_pid 2>&1; ls /proc >/tmp/procs; grep -c '^[0-9]' /tmp/procs")
check "a host process cannot be signalled" kill -0 "$host_pid"
# sh and ls
assert_eq "only the container's processes in its /proc" 2 "$(echo "$out" | tail -1)"
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

echo "== devices: linux.resources.devices, the defaults, linux.devices (by attack)"
# Each backend: the host's (v1's devices controller here, the BPF program on a pure v2
# host) and, where there is a unified hierarchy, HUTCH_DEVICE_POLICY=bpf: the
# BPF_PROG_TYPE_CGROUP_DEVICE program on the container's unified cgroup.
backends=(host)
if [ -n "$(cgroup_v2_mount)" ]; then backends+=(bpf); else echo "  (no unified hierarchy: the BPF program is not tried)"; fi
mk="c['process']['capabilities'] = {k: ['CAP_MKNOD'] for k in ['bounding', 'effective', 'permitted']}"
attack='mknod /tmp/l b 7 0 && echo mknod-ok
head -c 40 /tmp/l >/dev/null 2>&1 && echo loop-read
echo x 2>/dev/null >/tmp/l && echo loop-write
mknod /tmp/fuse c 10 229 && dd if=/tmp/fuse of=/dev/null count=0 2>/dev/null && echo fuse-open
echo x 2>/dev/null >/tmp/fuse && echo fuse-write
mknod /tmp/mem c 1 1 && dd if=/tmp/mem of=/dev/null count=0 2>/dev/null && echo mem-open
echo x >/dev/null && echo null-ok
head -c 8 /dev/urandom | wc -c | grep -qx 8 && echo urandom-ok
[ -b /dev/xl ] && head -c 40 /dev/xl >/dev/null 2>&1 && echo xl-read'
no() { check "$1" test -z "$(grep -x "$2" <<<"$3")"; }
for be in "${backends[@]}"; do
	if [ "$be" = bpf ]; then export HUTCH_DEVICE_POLICY=bpf; else unset HUTCH_DEVICE_POLICY; fi
	out=$(in_ctr "$mk" "$attack")
	echo "$out" | sed "s/^/    $be: /"
	assert_contains "$be: mknod of a block device is allowed (m)" mknod-ok "$out"
	no "$be: the loop device 7:0 made inside cannot be read" loop-read "$out"
	no "$be: nor written" loop-write "$out"
	no "$be: /dev/fuse (10:229) made inside cannot be opened" fuse-open "$out"
	no "$be: /dev/mem (1:1) made inside cannot be opened" mem-open "$out"
	assert_contains "$be: /dev/null (a default rule) works" null-ok "$out"
	assert_contains "$be: /dev/urandom works" urandom-ok "$out"
	if [ -b /dev/loop0 ]; then
		out=$(in_ctr "$mk; c['linux']['devices'] = [{'path': '/dev/xl', 'type': 'b', 'major': 7, 'minor': 0}]" "$attack")
		assert_contains "$be: control: a linux.devices node (7:0) is made and readable" xl-read "$out"
		assert_contains "$be: control: so is the same device made with mknod" loop-read "$out"
		no "$be: another device still is not" fuse-open "$out"
	else
		echo "  (no /dev/loop0 on the host: the linux.devices control is not run)"
	fi
	rules="c['linux']['resources']['devices'] = [{'allow': False, 'access': 'rwm'}, {'allow': True, 'type': 'c', 'major': 10, 'minor': 229, 'access': 'rwm'}, {'allow': False, 'type': 'c', 'major': 10, 'minor': 229, 'access': 'w'}]"
	out=$(in_ctr "$mk; $rules" "$attack")
	assert_contains "$be: a rule allowing 10:229: /dev/fuse opens for reading" fuse-open "$out"
	no "$be: a later rule denying its w: not for writing (the last rule decides)" fuse-write "$out"
	no "$be: the loop device still cannot be read" loop-read "$out"
	out=$(in_ctr "$mk; c['linux']['resources']['devices'] = [{'allow': True, 'access': 'rwm'}]" "$attack")
	assert_contains "$be: allow all (docker --privileged's rule): the loop device is readable" loop-read "$out"
done
unset HUTCH_DEVICE_POLICY

echo "== blockIO, hugepageLimits, unified: what the cgroup files hold; domainname: what the container sees"
# A created container (its process waits for start): its cgroup's files, read from the host.
disk=$(lsblk -dn -o MAJ:MIN,TYPE 2>/dev/null | awk '$2 == "disk" {print $1; exit}' | tr -d ' ')
res="c['domainname'] = 'example.org'"
[ -n "$disk" ] && res="$res; c['linux']['resources']['blockIO'] = {'throttleReadBpsDevice': [{'major': ${disk%:*}, 'minor': ${disk#*:}, 'rate': 1048576}], 'throttleWriteIOPSDevice': [{'major': ${disk%:*}, 'minor': ${disk#*:}, 'rate': 300}]}"
huge=
if [ -d /sys/kernel/mm/hugepages/hugepages-2048kB ] && grep -qw hugetlb /proc/cgroups; then
	huge=1
	res="$res; c['linux']['resources']['hugepageLimits'] = [{'pageSize': '2MB', 'limit': 4194304}]"
fi
[ -n "$(cgroup_v2_mount)" ] && res="$res; c['linux']['resources']['unified'] = {'cgroup.max.descendants': '5'}"
b=$(make_bundle res "$res; c['process']['args'] = ['sh', '-c', 'cat /proc/sys/kernel/domainname']")
check "create with blockIO, hugepageLimits, unified and domainname" hrunc create --bundle "$b" res-$$
if [ -n "$disk" ]; then
	blk=$(cg_host_dir blkio "/$CGPARENT/res")
	if [ -f "$blk/blkio.throttle.read_bps_device" ]; then
		assert_eq "blockIO throttleReadBpsDevice: v1's file" "$disk 1048576" "$(cat "$blk/blkio.throttle.read_bps_device")"
		assert_eq "blockIO throttleWriteIOPSDevice: v1's file" "$disk 300" "$(cat "$blk/blkio.throttle.write_iops_device")"
	else
		assert_contains "blockIO throttles: v2's io.max" "$disk rbps=1048576 wbps=max riops=max wiops=300" "$(cat "$blk/io.max")"
	fi
else
	echo "  SKIP: blockIO: no disk on this host"
fi
if [ -n "$huge" ]; then
	hd=$(cg_host_dir hugetlb "/$CGPARENT/res")
	assert_eq "hugepageLimits 2MB" 4194304 "$(cat "$hd/hugetlb.2MB.limit_in_bytes" 2>/dev/null || cat "$hd/hugetlb.2MB.max")"
else
	echo "  SKIP: hugepageLimits: no 2MB pages or no hugetlb controller"
fi
if [ -n "$(cgroup_v2_mount)" ]; then
	assert_eq "unified: cgroup.max.descendants in the unified cgroup" 5 "$(cat "$(cgroup_v2_mount)/$CGPARENT/res/cgroup.max.descendants")"
else
	echo "  SKIP: unified: no cgroup v2 hierarchy"
fi
hostdom=$(cat /proc/sys/kernel/domainname)
hrunc start res-$$
wait_for 5 bash -c "[ \"\$('$HUTCH_BIN/hutch-runc' --root '$RROOT' state res-$$ | grep -c stopped)\" = 1 ]"
hrunc delete res-$$
out=$(in_ctr "c['domainname'] = 'example.org'" 'cat /proc/sys/kernel/domainname')
assert_eq "domainname: the container's" example.org "$out"
assert_eq "the host's domain name is unchanged" "$hostdom" "$(cat /proc/sys/kernel/domainname)"

echo "== limits"
mem="c['linux']['resources']['memory'] = {'limit': 33554432, 'swap': 33554432}"
in_ctr "$mem" 'head -c 200000000 /dev/zero | tail >/dev/null' >/dev/null
rc=$?
# The shell's pipe: tail is killed; sh reports 128+9.
assert_eq "over the memory limit: OOM-killed (137)" 137 "$rc"
out=$(in_ctr "c['linux']['resources']['pids'] = {'limit': 8}" 'for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 2 & done 2>&1; wait')
assert_contains "the pids limit stops forks" "can't fork" "$out"
assert_eq "nothing left" 0 "$(leftovers)"
