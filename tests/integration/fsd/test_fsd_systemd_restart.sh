#!/usr/bin/env bash
# `systemctl restart hutch-fsd` (deploy/hutch-fsd.service: Type=notify, a fd
# store, RestartKillSignal=SIGUSR2) keeps the mount and sysinfo's listeners:
# the supervisor stores the FUSE connection and its INIT at start, and at the
# restart signal sysinfo's socket, page and listeners; the next instance takes
# them from $LISTEN_FDS. Readers in a container loop over the files across two
# restarts: no failed, empty or short read; a container's sysinfo is its own
# before and after (not ENOSYS, not the host's); the mount is the same one.
# systemd's part is played by fake_systemd.py (sd_notify's FDSTORE/READY,
# $LISTEN_FDS) unless systemd is pid 1, where the real unit could run: this
# test does not install units on the host.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"
fsd_need_hammer
need_cmd python3
sysinfo_need
[ "$(cat /proc/1/comm 2>/dev/null)" = systemd ] ||
	echo "    pid 1 is $(cat /proc/1/comm 2>/dev/null), not systemd: fake_systemd.py plays its part"

mp=$FSD_TMP/mnt
mkdir -p "$mp"
export HUTCH_FSD_DIR=$mp
events=$FSD_TMP/systemd.log
: >"$events"
python3 "$(dirname "$0")/fake_systemd.py" "$FSD_TMP/notify.sock" "$events" -- \
	hutch-fsd "$mp" 2>>"$FSD_TMP/fsd.log" &
fake=$!
on_exit "kill_pid $fake; umount -l '$mp' 2>/dev/null; umount -l '$mp' 2>/dev/null"
ready() { [ "$(grep -c '^ready ' "$events")" -ge "$1" ]; }
wait_for 15 ready 1 || { cat "$FSD_TMP/fsd.log" "$events"; fail "hutch-fsd told READY"; exit 1; }
check "serving" is_mounted "$mp"
mount_id() { awk -v d="$mp" '$5 == d && / - fuse/ { print $1 }' /proc/self/mountinfo; }
id0=$(mount_id)
assert_contains "the connection and its INIT are in the fd store" "store hutch-fsd-init 1" "$(cat "$events")"

sysinfo_setup
sysinfo_sysx
limit=$((192 * 1024 * 1024))
assert_eq "before: the container's sysinfo is its own" "$limit" "$(kv totalram "$(ask)")"

hammer_in_ctr "$FSD_TMP/reads" 2 /proc/meminfo /proc/stat /proc/uptime /sys/devices/system/cpu/online
readers=$HAMMER_PID

for n in 2 3; do
	kill -USR1 "$fake" # systemctl restart
	wait_for 30 ready "$n" || { fail "restart $((n - 1)): the new instance told READY"; break; }
	assert_eq "restart $((n - 1)): the same mount" "$id0" "$(mount_id)"
	assert_eq "restart $((n - 1)): the container's sysinfo is still its own" "$limit" "$(kv totalram "$(ask)")"
done
touch "$stop"
wait "$readers"
sum() { awk -v k="$1" '{ for (i = 1; i <= NF; i++) { split($i, a, "="); if (a[1] == k) s += a[2] } } END { print s + 0 }' "$FSD_TMP/reads"; }
echo "    $(sum reads) reads across 2 restarts; longest pause $(awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^max_ms=/) { split($i, a, "="); if (a[2] > m) m = a[2] } } END { print m + 0 }' "$FSD_TMP/reads") ms"
check "readers read" test "$(sum reads)" -gt 10
assert_eq "failed reads" 0 "$(sum errors)"
assert_eq "empty reads" 0 "$(sum empty)"
assert_eq "short reads" 0 "$(sum short)"
log=$(cat "$FSD_TMP/fsd.log")
assert_contains "the restarted instance took the connection" "from systemd's fd store" "$log"
assert_contains "the listeners waited in the fd store" "listeners wait in systemd's fd store" "$log"
assert_contains "and the next instance took them" "listeners kept across the exec" "$log"
check "no keeper was needed" bash -c "! grep -q 'keeper [0-9]* answers' '$FSD_TMP/fsd.log'"
check "the agent's fds left the store once taken" grep -q "^remove hutch-fsd-agent$" "$events"

# systemctl stop: SIGTERM unmounts (the guard in its place), the store is flushed.
kill -TERM "$fake"
wait_for 20 bash -c "! kill -0 $fake 2>/dev/null"
check "stopped" not_mounted "$mp"
assert_contains "with exit 0" "exit" "$(grep '^exit ' "$events" | tail -1)"
assert_eq "the last instance's exit status" 0 "$(grep '^exit ' "$events" | tail -1 | cut -d' ' -f3)"
