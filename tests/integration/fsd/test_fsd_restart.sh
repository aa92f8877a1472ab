#!/usr/bin/env bash
# hutch-fsd never breaks a running container: readers in containers loop over
# every file while hutch-fsd is upgraded in place (a new program file renamed
# over the old, as a package manager does, then `hutch-fsd --upgrade`, SIGHUP
# or SIGUSR1) and its worker is SIGKILLed: zero failed, empty or short reads;
# the longest pause a reader saw is printed. Then: signals that used to kill it
# (USR1, USR2, HUP) keep it serving; chmod/chown/truncate answer as /proc's own
# files; a dead mount left by a daemon that died is repaired at start.
# Sizes: FSD_RESTART_READERS (10), FSD_RESTART_UPGRADES (20), FSD_RESTART_KILLS (5);
# bench/fsd_restart.sh runs the issue's full size.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"
fsd_need_hammer
readers=${FSD_RESTART_READERS:-10}
upgrades=${FSD_RESTART_UPGRADES:-20}
kills=${FSD_RESTART_KILLS:-5}

# The program runs from a copy that each upgrade replaces by rename.
mkdir -p "$FSD_TMP/bin"
cp "$HUTCH_BIN/hutch-fsd" "$FSD_TMP/bin/hutch-fsd"
new_binary() {
	cp "$HUTCH_BIN/hutch-fsd" "$FSD_TMP/bin/.hutch-fsd.new" && mv -f "$FSD_TMP/bin/.hutch-fsd.new" "$FSD_TMP/bin/hutch-fsd"
}
PATH=$FSD_TMP/bin:$PATH
mp=$FSD_TMP/mnt
start_fsd "$mp"
sup=$FSD_PID
workers() { cat /proc/"$sup"/task/"$sup"/children 2>/dev/null; }

# Readers: READERS processes over containers of two readers each.
cg=$(test_id)
stop=$FSD_TMP/stop
n_ctr=$(((readers + 1) / 2))
ctr_pids=()
for i in $(seq "$n_ctr"); do
	make_cgroup "$cg-$i" $((256 << 20)) 100000 100000 0 || { fail "make cgroup"; exit 1; }
	in_ctr "$cg-$i" "$mp" "
		files='/proc/meminfo /proc/cpuinfo /proc/stat /proc/uptime /proc/loadavg /proc/diskstats /proc/swaps /sys/devices/system/cpu/online $mp/proc/pressure/cpu $mp/proc/pressure/memory $mp/proc/pressure/io'
		$hammer $stop \$files & $hammer $stop \$files; wait" >"$FSD_TMP/readers-$i" 2>&1 &
	ctr_pids+=($!)
	on_exit "touch $stop; kill_pid $!"
done
sleep 1

upgraded=0 killed=0 busy=0
every=$((upgrades / (kills + 1) + 1))
for u in $(seq "$upgrades"); do
	new_binary
	case $((u % 3)) in
	0) out=$(hutch-fsd --upgrade "$mp" 2>&1) ;;
	1) kill -HUP "$sup"; sleep 0.2; out=ok ;;
	2) kill -USR1 "$sup"; sleep 0.2; out=ok ;;
	esac
	case $out in ok*) upgraded=$((upgraded + 1)) ;; *busy*) busy=$((busy + 1)) ;; *) echo "upgrade $u: $out" ;; esac
	sleep 0.1
	if [ $((u % every)) -eq 0 ] && [ "$killed" -lt "$kills" ]; then
		w=$(workers | tr ' ' '\n' | grep . | tail -n 1)
		[ -n "$w" ] && kill -KILL "$w" && killed=$((killed + 1))
		sleep 0.3
	fi
done
while [ "$killed" -lt "$kills" ]; do
	w=$(workers | tr ' ' '\n' | grep . | tail -n 1)
	[ -n "$w" ] && kill -KILL "$w" && killed=$((killed + 1))
	sleep 0.3
done
sleep 0.5
touch "$stop"
for p in "${ctr_pids[@]}"; do wait "$p"; done

cat "$FSD_TMP"/readers-* >"$FSD_TMP/all"
sum() { awk -v k="$1" '{ for (i = 1; i <= NF; i++) { split($i, a, "="); if (a[1] == k) s += a[2] } } END { print s + 0 }' "$FSD_TMP/all"; }
maxof() { awk -v k="$1" '{ for (i = 1; i <= NF; i++) { split($i, a, "="); if (a[1] == k && a[2] > m) m = a[2] } } END { print m + 0 }' "$FSD_TMP/all"; }
echo "readers: $(grep -c '^reads=' "$FSD_TMP/all") of $readers; $(sum reads) reads; $upgraded upgrades (+$busy refused while busy), $killed worker SIGKILLs; longest pause $(maxof max_ms) ms, p99.9 $(maxof p999_ms) ms"
grep -v '^reads=' "$FSD_TMP/all" | head -5
assert_eq "every reader reported" "$readers" "$(grep -c '^reads=' "$FSD_TMP/all")"
check "readers read" test "$(sum reads)" -gt 1000
assert_eq "failed reads (ENOTCONN, EIO, ECONNABORTED, ...)" 0 "$(sum errors)"
assert_eq "empty reads" 0 "$(sum empty)"
assert_eq "short reads" 0 "$(sum short)"
check "most upgrades were done" test "$upgraded" -ge $((upgrades / 2))
assert_eq "worker SIGKILLs" "$kills" "$killed"
grep -q FUSE_NOTIFY_RESEND "$FSD_TMP/fsd.log" && echo "(this kernel resends what a killed worker had read)"
check "the supervisor lives on" kill -0 "$sup"
check "still mounted" is_mounted "$mp"

# --- signals that used to kill it ---
for sig in USR1 USR2 HUP; do
	kill -"$sig" "$sup"
	sleep 0.3
	check "SIG$sig: still running" kill -0 "$sup"
	assert_contains "SIG$sig: still serving" "MemTotal" "$(head -1 "$mp/proc/meminfo")"
done

# --- chmod, chown, truncate: as on a read-only /proc file ---
out=$(chmod 600 "$mp/proc/meminfo" 2>&1)
assert_contains "chmod: Operation not permitted" "Operation not permitted" "$out"
out=$(chown nobody "$mp/proc/meminfo" 2>&1)
assert_contains "chown: Operation not permitted" "Operation not permitted" "$out"
out=$(truncate -s 0 "$mp/proc/meminfo" 2>&1)
assert_contains "truncate: Permission denied" "Permission denied" "$out"
out=$(perl -e 'truncate($ARGV[0], 0) or print "$!\n"' "$mp/proc/meminfo" 2>&1)
assert_contains "truncate(2) by path: Permission denied" "Permission denied" "$out"

# --- a dead mount from a daemon that died is repaired at start ---
stop_fsd "$sup"
m2=$FSD_TMP/stale
mkdir -p "$m2"
# A connection nobody serves, then its server gone: "Transport endpoint is not connected".
python3 - "$m2" <<'EOF' || skip "cannot make a dead FUSE mount"
import os, sys, ctypes
fd = os.open("/dev/fuse", os.O_RDWR)
libc = ctypes.CDLL(None, use_errno=True)
opts = f"fd={fd},rootmode=40000,user_id=0,group_id=0".encode()
if libc.mount(b"hutch-fsd", sys.argv[1].encode(), b"fuse.hutch-fsd", 0, opts) != 0:
    sys.exit(1)
EOF
on_exit "umount -l '$m2'"
check "the mount is dead (ENOTCONN)" bash -c "stat '$m2' 2>&1 | grep -q 'not connected'"
hutch-fsd "$m2" 2>"$FSD_TMP/stale.log" &
p2=$!
on_exit "kill_pid $p2"
wait_for 10 bash -c "head -1 '$m2/proc/meminfo' 2>/dev/null | grep -q MemTotal"
assert_contains "started on the dead mount: serves" "MemTotal" "$(head -1 "$m2/proc/meminfo" 2>&1)"
assert_contains "and says what it did" "dead FUSE mount" "$(cat "$FSD_TMP/stale.log")"
kill -TERM "$p2"
wait "$p2"
assert_eq "stops with 0" 0 $?
check "no FUSE mount left" not_mounted "$m2"
check "the read-only guard in its place" is_guarded "$m2"
