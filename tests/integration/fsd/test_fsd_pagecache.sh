#!/usr/bin/env bash
# hutch-fsd --containers: the per-container view served from the page cache.
# A container (256 MiB, one CPU of quota over 0-1, its own pid and mount
# namespace) gets MNT/<id>/proc/... bound over its /proc files. Checked:
# - the text is the one the lxcfs-compatible view gives the same container;
# - reads do not reach the daemon (its request counters, -v log);
# - freshness, as behaviour (no timing asserted: the bound itself is measured
#   and printed): while read in a loop, uptime advances and MemFree follows
#   the container's memory up and down; a text read is never stale for long;
# - an idle file is invalidated, and its next read comes to the daemon fresh;
# - an upgrade and a SIGKILLed worker: readers see no error, texts stay fresh;
# - names that climb out of the cgroup tree are refused.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"
fsd_need
need_cmd awk md5sum
hammer=$HUTCH_BUILD/tests/fsd_hammer
[ -x "$hammer" ] || skip "fsd_hammer not built"
BOUND_MS=100
# A text older than this would be a renewal that stopped, not a slow machine.
STALE_MS=2000

lx=$FSD_TMP/lx
mp=$FSD_TMP/ctrs
start_fsd "$lx"
start_fsd "$mp" --containers -v
cg=$(test_id)
make_cgroup "$cg" $((256 * 1024 * 1024)) 100000 100000 0-1 || skip "cannot make a cgroup with limits"
id=$(printf '%s' "$cg" | sed 's/%/%25/g; s#/#%2F#g')
ctr=$mp/$id

# The container: its init sleeps; readers join it with nsenter.
stop=$FSD_TMP/stop
in_ctr "$cg" "$ctr" "touch $FSD_TMP/up; while [ ! -e $stop ]; do sleep 0.2; done" &
ctr_pid=$!
on_exit "touch $stop; kill_pid $ctr_pid"
wait_for 10 test -e "$FSD_TMP/up" || { fail "the container started"; exit 1; }
procs=$(cg_dirs "$cg" | head -1)/cgroup.procs
init=
for p in $(cat "$procs"); do
	[ "$(awk '/^NSpid/ { print $NF }' /proc/$p/status 2>/dev/null)" = 1 ] && init=$p
done
[ -n "$init" ] || { fail "found the container's init"; exit 1; }
# inside SCRIPT: runs SCRIPT in the container (its cgroups, pid and mount namespace).
inside() {
	FSD_PROCS="$(for d in $(cg_dirs "$cg"); do echo "$d/cgroup.procs"; done)" bash -c '
		for f in $FSD_PROCS; do echo $$ >"$f" || exit 1; done
		exec nsenter -t "$0" -p -m -- bash -c "$1"' "$init" "$1"
}

# Request counters of the containers' worker: the last line it logged (once a second).
reqs() {
	sleep 1.2
	grep 'requests: lookup' "$FSD_TMP/fsd.log" | tail -1 |
		awk '{ for (i = 1; i <= NF; i++) if ($i == "lookup" || $i == "getattr" || $i == "read") s += $(i + 1) } END { print s + 0 }'
}
idles() { grep 'requests: lookup' "$FSD_TMP/fsd.log" | tail -1 | sed -n 's/.*idle \([0-9]*\);.*/\1/p'; }

# 0. sendfile (busybox's cat) reads the page cache up to the size without asking
# for it: the first read of a file nobody read yet is whole.
if command -v busybox >/dev/null; then
	assert_eq "first read of a file with sendfile (busybox cat) is whole" 0 "$(busybox cat "$ctr/sys/devices/system/cpu/online")"
fi

# 1. The same text as the lxcfs-compatible view gives the container's readers.
out=$(inside "
	echo \"memtotal \$(grep MemTotal /proc/meminfo)\"
	echo \"lx-memtotal \$(grep MemTotal $lx/proc/meminfo)\"
	echo \"keys \$(cut -d: -f1 /proc/meminfo | md5sum)\"
	echo \"lx-keys \$(cut -d: -f1 $lx/proc/meminfo | md5sum)\"
	echo \"cpuinfo \$(md5sum </proc/cpuinfo)\"
	echo \"lx-cpuinfo \$(md5sum <$lx/proc/cpuinfo)\"
	echo \"swaps \$(md5sum </proc/swaps)\"
	echo \"lx-swaps \$(md5sum <$lx/proc/swaps)\"
	echo \"online \$(cat /sys/devices/system/cpu/online)\"
	echo \"lx-online \$(cat $lx/sys/devices/system/cpu/online)\"
	echo \"statcpus \$(grep -c '^cpu' /proc/stat)\"
	echo \"lx-statcpus \$(grep -c '^cpu' $lx/proc/stat)\"
	echo \"uptime \$(cut -d' ' -f1 /proc/uptime)\"
	echo \"lx-uptime \$(cut -d' ' -f1 $lx/proc/uptime)\"
	echo \"memfree \$(awk '/^MemFree/ { print \$2 }' /proc/meminfo)\"
	echo \"lx-memfree \$(awk '/^MemFree/ { print \$2 }' $lx/proc/meminfo)\"
	echo \"dd7 \$(dd if=/proc/cpuinfo bs=7 2>/dev/null | md5sum)\"
	echo \"size \$(stat -c %s /proc/meminfo) \$(wc -c </proc/meminfo)\"
")
echo "$out" | sed 's/^/    /'
val() { echo "$out" | sed -n "s/^$1 //p"; }
assert_eq "MemTotal is the limit, as through the lxcfs view" "$(val lx-memtotal)" "$(val memtotal)"
check "MemTotal is 256 MiB" grep -q ' 262144 kB' <<<"$(val memtotal)"
assert_eq "meminfo's lines, as through the lxcfs view" "$(val lx-keys)" "$(val keys)"
assert_eq "cpuinfo, as through the lxcfs view" "$(val lx-cpuinfo)" "$(val cpuinfo)"
assert_eq "swaps, as through the lxcfs view" "$(val lx-swaps)" "$(val swaps)"
assert_eq "cpu/online, as through the lxcfs view" "$(val lx-online)" "$(val online)"
assert_eq "cpu/online is the one CPU of quota" 0 "$(val online)"
assert_eq "stat's cpu lines, as through the lxcfs view" "$(val lx-statcpus)" "$(val statcpus)"
assert_between "uptime within 0.2 s of the lxcfs view's" -0.2 0.2 "$(awk -v a="$(val uptime)" -v b="$(val lx-uptime)" 'BEGIN { print a - b }')"
assert_between "MemFree within 4 MiB of the lxcfs view's" -4096 4096 "$(($(val memfree) - $(val lx-memfree)))"
assert_eq "cpuinfo read 7 bytes at a time" "$(val cpuinfo)" "$(val dd7)"
read -r st_size wc_size <<<"$(val size)"
assert_eq "stat's size is the text's (no truncation)" "$st_size" "$wc_size"

# 2. Reads do not reach the daemon: a reader loops over meminfo for 3 s.
before=$(reqs)
inside "rm -f $FSD_TMP/hstop; (sleep 3; touch $FSD_TMP/hstop) & $hammer $FSD_TMP/hstop /proc/meminfo" >"$FSD_TMP/h1"
after=$(reqs)
cat "$FSD_TMP/h1" | sed 's/^/    /'
reads=$(sed -n 's/.*reads=\([0-9]*\).*/\1/p' "$FSD_TMP/h1")
n=$((after - before))
echo "    $reads reads, $n requests reached the daemon"
assert_between "reads done" 1000 100000000 "$reads"
check "no failed, empty or short reads" grep -q 'errors=0 empty=0 short=0' "$FSD_TMP/h1"
# Each push (every 50 ms while read) costs the next reader one GETATTR; nothing else comes.
assert_between "requests reaching the daemon: at most 2 per 50 ms period (+10)" 0 $((3 * 20 * 2 + 10)) "$n"
check "fewer requests than a hundredth of the reads" test $((n * 100)) -lt "$reads"

# 3. Freshness: uptime read from the host against the container's real uptime.
hz=$(getconf CLK_TCK)
start_ticks=$(awk '{ print $22 }' /proc/$init/stat)
stale_max() {
	local i a b u t worst=-1
	for ((i = 0; i < $1; i++)); do
		read -r t _ </proc/uptime
		read -r u _ <"$ctr/proc/uptime"
		worst=$(awk -v t="$t" -v u="$u" -v s="$start_ticks" -v hz="$hz" -v w="$worst" \
			'BEGIN { d = (t - s / hz - u) * 1000; print (d > w ? d : w) }')
		sleep 0.01
	done
	echo "$worst"
}
worst=$(stale_max 200)
echo "    uptime: the oldest text read in 200 reads was $worst ms behind (bound ${BOUND_MS} ms, +10 ms resolution)"
assert_between "uptime read in a loop is renewed (never ${STALE_MS} ms behind)" -20 "$STALE_MS" "$worst"
read -r u1 _ <"$ctr/proc/uptime"
sleep 0.5
read -r u2 _ <"$ctr/proc/uptime"
check "uptime advances between two reads 0.5 s apart ($u1 -> $u2)" awk -v a="$u1" -v b="$u2" 'BEGIN { exit !(b - a >= 0.1) }'

# Memory grows by 64 MiB, then shrinks again, while a reader in the container
# reads meminfo (the pages are the pusher's): MemFree follows both ways.
free_kb() { awk '/^MemFree/ { print $2 }' "$ctr/proc/meminfo"; }
inside "(while [ ! -e $FSD_TMP/bgstop ]; do cat /proc/meminfo >/dev/null; sleep 0.02; done) &" &
on_exit "touch $FSD_TMP/bgstop"
sleep 0.5
f0=$(free_kb)
inside "mkdir -p /tmp/pcgrow && mount -t tmpfs none /tmp/pcgrow && dd if=/dev/zero of=/tmp/pcgrow/x bs=1M count=64 2>/dev/null"
t0=$(date +%s%N)
check "64 MiB more usage shows in MemFree" wait_until 20 '[ $((f0 - $(free_kb))) -ge $((60 * 1024)) ]'
echo "    MemFree $f0 -> $(free_kb) kB, seen after $((($(date +%s%N) - t0) / 1000000)) ms (bound ${BOUND_MS} ms)"
inside "rm /tmp/pcgrow/x"
check "64 MiB less usage shows in MemFree" wait_until 20 '[ $(($(free_kb) - f0)) -ge -4096 ]'
touch "$FSD_TMP/bgstop"

# 4. Idle: a file nobody reads for a second is invalidated (the counter is
# logged once a second, when it moved); its next read comes to the daemon, fresh.
sleep 2.5
i0=$(idles)
read -r u _ <"$ctr/proc/uptime"
sleep 2.5
i1=$(idles)
check "an idle file was invalidated ($i0 -> $i1)" test "${i1:-0}" -gt "${i0:-0}"
r0=$(reqs)
read -r u _ <"$ctr/proc/uptime"
read -r t _ </proc/uptime
r1=$(reqs)
check "the first read after idle reached the daemon ($r0 -> $r1)" test "$r1" -gt "$r0"
assert_between "and was fresh (ms behind)" -20 "$STALE_MS" "$(awk -v t="$t" -v u="$u" -v s="$start_ticks" -v hz="$hz" 'BEGIN { print (t - s / hz - u) * 1000 }')"

# 5. Upgrade and a killed worker while a reader loops: no error, still fresh.
inside "rm -f $FSD_TMP/hstop2; $hammer $FSD_TMP/hstop2 /proc/meminfo /proc/uptime /proc/stat /proc/cpuinfo" >"$FSD_TMP/h2" &
hp=$!
sleep 0.5
check "hutch-fsd --containers --upgrade" timeout -k 5 20 hutch-fsd --upgrade "$mp" </dev/null
sleep 0.5
worker=$(pgrep -P "$FSD_PID" -f -- '--worker' | head -1)
[ -n "$worker" ] && kill -KILL "$worker"
check "a worker was killed" test -n "$worker"
sleep 1
worst=$(stale_max 100)
echo "    after the upgrade and the kill: $worst ms behind at worst (bound ${BOUND_MS} ms)"
assert_between "uptime renewed after an upgrade and a worker's SIGKILL (never ${STALE_MS} ms behind)" -20 "$STALE_MS" "$worst"
touch "$FSD_TMP/hstop2"
wait "$hp"
cat "$FSD_TMP/h2" | sed 's/^/    /'
check "no failed, empty or short reads across the upgrade and the kill" grep -q 'errors=0 empty=0 short=0' "$FSD_TMP/h2"
assert_eq "the container's MemTotal after all that" "$(val memtotal)" "$(inside 'grep MemTotal /proc/meminfo')"

# 6. Names that are no container: refused.
check "a name climbing out of the tree is refused" bash -c "! cat '$mp/..%2F..%2Fetc/proc/meminfo' 2>/dev/null"
check "a name with a bad escape is refused" bash -c "! ls '$mp/a%41b' 2>/dev/null"
check "an unknown cgroup is refused" bash -c "! ls '$mp/no-such-cgroup-$RANDOM' 2>/dev/null"
check "files are read-only" bash -c "! (echo x >'$ctr/proc/meminfo') 2>/dev/null"

touch "$stop"
wait "$ctr_pid" 2>/dev/null
stop_fsd "$FSD_PID"

