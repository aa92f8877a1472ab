#!/usr/bin/env bash
# sysinfo(2) in containers, answered by hutch-fsd through seccomp user
# notification (fsd/agent.h). A static probe calls sysinfo() in a container
# limited to 256 MiB:
#  - hutch run: every field agrees with the same container's /proc/meminfo,
#    /proc/uptime and /proc/loadavg (a busy loop runs 11 s first, so the load
#    is not 0); busybox's free (sysinfo) shows the limit; `hutch exec` too;
#  - a probe calling sysinfo in a loop while hutch-fsd's worker is SIGKILLed
#    (also while strace holds it on its way back from an ioctl, when it may
#    have been given a call it never noted) and the program upgraded in place
#    (its draining worker SIGKILLed): no call fails, none waits for the other
#    callers to stop;
#  - Debian's runc and hutch-runc with linux.seccomp.listenerPath at the
#    agent socket (the OCI seccomp-agent protocol);
#  - hutch-fsd stopped (SIGTERM) under a running container: its sysinfo calls
#    get the kernel's answer (the host's RAM), never ENOSYS or a hang; a new
#    hutch-fsd takes the container's listener back and answers for it again.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"
fsd_need
need_cmd python3
sysinfo_need

mp=$FSD_TMP/mnt
start_fsd "$mp"
sup=$FSD_PID
export HUTCH_FSD_DIR=$mp
check "the agent socket beside the mount point" test -S "$mp.agent.sock"

sysinfo_setup
limit=$((256 * 1024 * 1024))
host_total=$(($(awk '/^MemTotal/ { print $2 }' /proc/meminfo) * 1024))

# ---- hutch run: the fields agree with the container's files ----
out=$(timeout -k 5 90 "$HUTCH_BIN/hutch" --root "$HROOT" run --rm -m 256m --cgroup-parent "$CGPARENT" --rootfs "$rootfs" sh -c '
	(while :; do :; done) & sleep 11
	probe
	awk "/^(MemTotal|MemFree|Shmem|Buffers|SwapTotal|SwapFree):/ { sub(\":\", \"\", \$1); print \"mi_\" \$1 \"=\" \$2 }" /proc/meminfo
	echo "up=$(cut -d" " -f1 /proc/uptime)"
	echo "la=$(cat /proc/loadavg)"
	echo "free=$(free | awk "/^Mem:/ { print \$2 }")"
	echo "bbuptime=$(uptime)"
	kill %1' </dev/null 2>&1)
echo "$out" | sed 's/^/    /'
assert_eq "sysinfo totalram: the memory limit" "$limit" "$(kv totalram "$out")"
assert_eq "sysinfo totalram = MemTotal" "$(($(kv mi_MemTotal "$out") * 1024))" "$(kv totalram "$out")"
free_diff=$(($(kv freeram "$out") - $(kv mi_MemFree "$out") * 1024))
assert_between "sysinfo freeram = MemFree (within 4 MiB: read a moment apart)" -4194304 4194304 "$free_diff"
assert_eq "sysinfo sharedram = Shmem" "$(($(kv mi_Shmem "$out") * 1024))" "$(kv sharedram "$out")"
assert_eq "sysinfo bufferram = Buffers" "$(($(kv mi_Buffers "$out") * 1024))" "$(kv bufferram "$out")"
assert_eq "sysinfo totalswap = SwapTotal" "$(($(kv mi_SwapTotal "$out") * 1024))" "$(kv totalswap "$out")"
assert_eq "sysinfo freeswap = SwapFree" "$(($(kv mi_SwapFree "$out") * 1024))" "$(kv freeswap "$out")"
assert_between "sysinfo uptime: the container's (seconds)" 11 14 "$(kv uptime "$out")"
up=$(kv up "$out")
assert_between "sysinfo uptime = /proc/uptime rounded up (within a second)" -1 1 \
	"$(awk -v a="$(kv uptime "$out")" -v b="$up" 'BEGIN { print a - b }')"
la=$(kv la "$out")
load1=$(awk -v l="$(kv load1 "$out")" 'BEGIN { printf "%.2f", l / 65536 }')
assert_between "sysinfo load1 = /proc/loadavg's (0.01)" -0.011 0.011 \
	"$(awk -v a="$load1" -v b="${la%% *}" 'BEGIN { print a - b }')"
# First read after 11 s: the load is seeded from the CPU it used since its start
# (a lower bound on this shared machine, where the loop waits for a CPU too).
assert_between "the load of a busy loop for 11 s is not 0" 0.01 1.5 "$load1"
la_total=$(awk '{ split($4, t, "/"); print t[2] }' <<<"$la")
assert_between "sysinfo procs = /proc/loadavg's task count (within 3: ps, awk come and go)" -3 3 \
	"$(($(kv procs "$out") - la_total))"
assert_eq "busybox free (sysinfo): total is the limit in KiB" 262144 "$(kv free "$out")"
bb_load1=$(sed -n 's/.*load average: \([0-9.]*\),.*/\1/p' <<<"$(kv bbuptime "$out")")
assert_between "busybox uptime (sysinfo): the container's load1 (within 0.02: read a moment later)" -0.021 0.021 \
	"$(awk -v a="${bb_load1:-9}" -v b="${la%% *}" 'BEGIN { print a - b }')"

# Eight containers started at once: each one's listener is kept (the supervisor
# holds connections until their message comes).
for i in 1 2 3 4 5 6 7 8; do
	timeout -k 5 90 "$HUTCH_BIN/hutch" --root "$HROOT" run --rm -m $((64 + i))m --cgroup-parent "$CGPARENT" --rootfs "$rootfs" \
		probe </dev/null >"$FSD_TMP/par.$i" 2>&1 &
	par="${par:-} $!"
done
for p in $par; do wait "$p"; done
good=0
for i in 1 2 3 4 5 6 7 8; do
	[ "$(kv totalram "$(cat "$FSD_TMP/par.$i")")" = $(((64 + i) * 1024 * 1024)) ] && good=$((good + 1))
done
assert_eq "eight containers started at once: each sysinfo gives its own limit" 8 "$good"

out=$(HUTCH_FSD_DIR=$FSD_TMP/not-mounted timeout -k 5 60 "$HUTCH_BIN/hutch" --root "$HROOT" run --rm -m 256m --cgroup-parent "$CGPARENT" --rootfs "$rootfs" probe </dev/null 2>&1)
assert_eq "no hutch-fsd: the kernel's sysinfo (the host's RAM)" "$host_total" "$(kv totalram "$out")"

sysinfo_sysx
out=$(ask)
assert_eq "a detached container's own process: sysinfo gives its limit" $((192 * 1024 * 1024)) "$(kv totalram "$out")"
out=$(timeout -k 5 30 "$HUTCH_BIN/hutch" --root "$HROOT" exec sysx probe </dev/null 2>&1)
assert_eq "hutch exec: sysinfo gives the limit" $((192 * 1024 * 1024)) "$(kv totalram "$out")"

# ---- crashes and upgrades under a sysinfo loop ----
bin=$FSD_TMP/bin
mkdir -p "$bin"
# Two loops: a short one, and one that calls until the short one is done. A
# worker killed while it held a call must not leave that call waiting while the
# other loop's calls keep the agent busy: the short loop ends while the other
# still calls (before, such a call waited until every other caller stopped).
timeout -k 5 90 "$HUTCH_BIN/hutch" --root "$HROOT" run --rm -m 256m --cgroup-parent "$CGPARENT" --rootfs "$rootfs" \
	sh -c 'probe loop 60 1024 /stop & other=$!
		probe loop 16 1024
		kill -0 $other 2>/dev/null && echo "the other loop still calling"
		touch /stop; wait $other' </dev/null >"$FSD_TMP/loop.out" 2>&1 &
loop_pid=$!
on_exit "kill_pid $loop_pid"
sleep 1.5
# SIGKILLs of the serving worker (a new one starts), held by strace on its way
# back from an ioctl (RECV: the kernel gave it a call it never notes; or an
# answer's), and upgrades whose draining worker is SIGKILLed at once (no new
# one starts for it).
kills=0
held=0
for i in 1 2 3 4 5 6 7 8; do
	w=$(pgrep -P "$sup" -f -- '--worker' | head -1)
	[ -n "$w" ] || continue
	if [ $((i % 2)) = 0 ]; then
		timeout -k 5 30 hutch-fsd --upgrade "$mp" >/dev/null </dev/null || fail "--upgrade $i"
	elif command -v strace >/dev/null; then
		timeout -k 2 10 strace -qq -f -e trace=ioctl -e inject=ioctl:delay_exit=300000 \
			-p "$w" -o /dev/null 2>/dev/null &
		st=$!
		sleep 1
		held=$((held + 1))
	fi
	kill -KILL "$w" 2>/dev/null && kills=$((kills + 1))
	[ $((i % 2)) = 1 ] && [ -n "${st:-}" ] && { wait "$st" 2>/dev/null; st=; }
	sleep 0.8
done
[ "$held" -gt 0 ] || echo "  (no strace: the workers were killed without being held in an ioctl)"
wait "$loop_pid"
rc=$?
sed 's/^/    /' "$FSD_TMP/loop.out"
assert_eq "the sysinfo loops ended (none hung) with every call answered" 0 "$rc"
assert_contains "no call waited for the other loop to stop" "the other loop still calling" \
	"$(cat "$FSD_TMP/loop.out")"
calls=$(awk -F'[= ]' '{ s += $2 } END { print s + 0 }' "$FSD_TMP/loop.out")
errors=$(awk -F'[= ]' '{ s += $4 } END { print s + 0 }' "$FSD_TMP/loop.out")
small=$(awk -F'[= ]' '{ s += $6 } END { print s + 0 }' "$FSD_TMP/loop.out")
check "the loops called sysinfo ($calls calls)" [ "$calls" -gt 1000 ]
assert_eq "no sysinfo call failed across $kills worker SIGKILLs ($held held in an ioctl, 4 draining after an upgrade)" 0 "$errors"
# A call a killed worker had taken is answered by the kernel: at most one per kill and loop.
assert_between "calls answered with the host's RAM (one per kill at most)" 0 $((kills * 2)) $((calls - small))
check "hutch-fsd serves after the kills and upgrades" kill -0 "$sup"

# ---- runc and hutch-runc through linux.seccomp.listenerPath ----
bundle=$FSD_TMP/bundle
mkdir -p "$bundle"
cp -a "$rootfs" "$bundle/rootfs"
(cd "$bundle" && runc spec 2>/dev/null) || python3 -c 'import json; json.dump({"ociVersion": "1.0.2", "process": {"args": ["sh"], "cwd": "/", "env": ["PATH=/bin:/usr/bin"], "user": {"uid": 0, "gid": 0}}, "root": {"path": "rootfs"}, "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}], "linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}]}}, open("'"$bundle"'/config.json", "w"))'
MP=$mp CG=$CGPARENT python3 - "$bundle/config.json" <<'PY'
import json, os, sys
c = json.load(open(sys.argv[1]))
mp = os.environ["MP"]
c["process"]["terminal"] = False
c["process"]["args"] = ["sh", "-c", "probe; echo free=$(free | awk '/^Mem:/ { print $2 }')"]
c["root"]["readonly"] = True
c["mounts"].append({"destination": "/proc/meminfo", "type": "bind",
                    "source": mp + "/proc/meminfo", "options": ["bind", "ro"]})
c["linux"]["resources"] = {"memory": {"limit": 256 * 1024 * 1024}}
c["linux"]["seccomp"] = {
    "defaultAction": "SCMP_ACT_ALLOW",
    "listenerPath": mp + ".agent.sock",
    "syscalls": [{"names": ["sysinfo"], "action": "SCMP_ACT_NOTIFY"}],
}
json.dump(c, open(sys.argv[1], "w"), indent=1)
PY
for rt in runc hutch-runc; do
	if ! command -v "$rt" >/dev/null; then
		echo "  ($rt not installed: not tried)"
		continue
	fi
	id=$(test_id)
	python3 - "$bundle/config.json" "/$CGPARENT-$rt" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["linux"]["cgroupsPath"] = sys.argv[2]
json.dump(c, open(sys.argv[1], "w"), indent=1)
PY
	on_exit "$rt --root '$FSD_TMP/$rt-root' delete -f '$id'"
	out=$(cd "$bundle" && timeout -k 5 60 "$rt" --root "$FSD_TMP/$rt-root" run "$id" </dev/null 2>&1)
	echo "$out" | sed 's/^/    /'
	assert_eq "$rt with listenerPath: sysinfo totalram is the limit" "$limit" "$(kv totalram "$out")"
	assert_eq "$rt with listenerPath: busybox free's total (KiB)" 262144 "$(kv free "$out")"
	for d in /sys/fs/cgroup/*/"$CGPARENT-$rt" /sys/fs/cgroup/"$CGPARENT-$rt"; do
		[ -d "$d" ] && rmdir "$d" 2>/dev/null
	done
done

# ---- hutch-fsd stopped under a running container, then started again ----
kill -TERM "$sup"
wait_for 10 bash -c "! kill -0 $sup 2>/dev/null"
check "hutch-fsd stopped" bash -c "! kill -0 $sup 2>/dev/null"
wait_for 5 grep -q "keeper .* answers" "$FSD_TMP/fsd.log"
keeper=$(sed -n 's/.*keeper \([0-9]*\) answers.*/\1/p' "$FSD_TMP/fsd.log" | tail -1)
check "a keeper holds the listeners ($keeper)" kill -0 "${keeper:-0}"
[ -n "$keeper" ] && on_exit "kill_pid $keeper"
out=$(ask)
assert_eq "hutch-fsd stopped: the container's sysinfo is the kernel's (the host's RAM), not an error" "$host_total" "$(kv totalram "$out")"
start_fsd "$mp"
wait_for 5 grep -q "taken from the keeper" "$FSD_TMP/fsd.log"
taken=$(sed -n 's/.* \([0-9]*\) listeners taken from the keeper.*/\1/p' "$FSD_TMP/fsd.log" | tail -1)
assert_between "the new hutch-fsd took the listeners back from the keeper" 1 10 "${taken:-0}"
out=$(ask)
assert_eq "hutch-fsd started again: the container's sysinfo is its own again" $((192 * 1024 * 1024)) "$(kv totalram "$out")"
wait_for 5 bash -c "! kill -0 $keeper 2>/dev/null"
check "the keeper exited once it handed the listeners over" bash -c "! kill -0 $keeper 2>/dev/null"
hutch rm -f sysx >/dev/null
stop_fsd "$FSD_PID"
check "no keeper is left when no container uses a listener" bash -c "! grep -q 'keeper [0-9]* answers' <(tail -3 '$FSD_TMP/fsd.log')"
