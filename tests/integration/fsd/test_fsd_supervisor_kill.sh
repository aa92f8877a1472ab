#!/usr/bin/env bash
# SIGKILL of hutch-fsd's supervisor itself (the process that only holds the
# connection): its worker gets its death signal, drains, and becomes the
# supervisor (an exec with the connection's fd and INIT), which starts a new
# worker; readers in a container looping over meminfo see no error, a later
# worker SIGKILL is replaced again, and a SIGTERM still unmounts cleanly.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"
fsd_need

mp=$FSD_TMP/mnt
start_fsd "$mp"
sup=$FSD_PID
wait_for 10 pgrep -P "$sup" >/dev/null
worker=$(pgrep -P "$sup" | head -1)
check "a worker serves under the supervisor" [ -n "$worker" ]
on_exit "kill_pid $worker"
name=$(test_id)
make_cgroup "$name" $((256 * 1024 * 1024)) max 100000 0-1 || skip "cannot make cgroups"
in_ctr "$name" "$mp" '
	end=$((SECONDS + 6)); n=0; e=0
	while [ $SECONDS -lt $end ]; do
		v=$(awk "/^MemTotal/ { print \$2 }" /proc/meminfo 2>/dev/null)
		[ "$v" = 262144 ] || e=$((e + 1))
		n=$((n + 1))
	done
	echo "reads=$n errors=$e"' >"$FSD_TMP/reads" &
rd=$!
sleep 1.5
kill -KILL "$sup"
wait_for 10 bash -c "pgrep -P $worker >/dev/null"
new_worker=$(pgrep -P "$worker" | head -1)
check "the old worker became the supervisor and started a worker ($new_worker)" [ -n "$new_worker" ]
sleep 1
[ -n "$new_worker" ] && kill -KILL "$new_worker"
wait_for 10 bash -c "pgrep -P $worker | grep -vx '$new_worker' >/dev/null"
check "a worker SIGKILLed after the takeover is replaced" bash -c "pgrep -P $worker | grep -vqx '$new_worker'"
wait "$rd"
cat "$FSD_TMP/reads" | sed 's/^/    /'
reads=$(sed -n 's/.*reads=\([0-9]*\).*/\1/p' "$FSD_TMP/reads")
check "the readers read ($reads reads)" [ "${reads:-0}" -gt 20 ]
assert_eq "no read failed or saw the host's MemTotal across both kills" "errors=0" "$(grep -o 'errors=[0-9]*' "$FSD_TMP/reads")"
assert_contains "the log says what happened" "becomes the supervisor" "$(cat "$FSD_TMP/fsd.log")"
kill -TERM "$worker"
wait_for 10 bash -c "! kill -0 $worker 2>/dev/null"
check "the new supervisor stops on SIGTERM" bash -c "! kill -0 $worker 2>/dev/null"
wait_for 5 not_mounted "$mp"
check "and unmounts" not_mounted "$mp"
