#!/usr/bin/env bash
# The container's own load average: two busy processes in a container raise its
# loadavg and procs_running while an idle container beside it stays at 0 (the
# sampler counts every 200 ms here instead of the kernel's 5 s; the decay uses
# the real interval, so the averages mean the same).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"
fsd_need

mp=$FSD_TMP/mnt
start_fsd "$mp" --sample-ms 200
busy=$(test_id)-busy
idle=$(test_id)-idle
make_cgroup "$busy" $((256 * 1024 * 1024)) max 100000 0-1 || skip "cannot make cgroups"
make_cgroup "$idle" $((256 * 1024 * 1024)) max 100000 0-1 || skip "cannot make cgroups"

in_ctr "$busy" "$mp" '
	cat /proc/loadavg >/dev/null
	(while :; do :; done) & (while :; do :; done) &
	sleep 4
	echo "loadavg: $(cat /proc/loadavg)"
	echo "running: $(awk "/^procs_running/ { print \$2 }" /proc/stat)"
	echo "uptime: $(uptime)"
	kill %1 %2' >"$FSD_TMP/busy" &
ctr=$!
sleep 2
idle_out=$(in_ctr "$idle" "$mp" 'cat /proc/loadavg >/dev/null; sleep 1.5; cat /proc/loadavg')
wait "$ctr"
sed 's/^/    /' "$FSD_TMP/busy"
echo "    idle: $idle_out"
val() { sed -n "s/^$1: //p" "$FSD_TMP/busy"; }

load1=$(val loadavg | cut -d' ' -f1)
# Two runnable tasks for ~4 s: 2 * (1 - e^(-4/60)) = 0.13; at least a little of it.
assert_between "the busy container's 1-minute load" 0.05 0.5 "$load1"
assert_between "its 5-minute load is lower" 0 "$load1" "$(val loadavg | cut -d' ' -f2)"
assert_between "its running tasks (loadavg's 4th field)" 1 3 "$(val loadavg | cut -d' ' -f4 | cut -d/ -f1)"
assert_between "its procs_running in /proc/stat" 1 3 "$(val running)"
# uptime reads /proc/loadavg again a moment later: the sampler (every 200 ms here)
# may have moved it (0.15 against 0.18 in a slow 6.1 guest); within 0.05.
up_load1=$(val uptime | sed -n 's/.*load average: \([0-9.]*\),.*/\1/p')
assert_between "uptime shows that load (within 0.05: read a moment later)" -0.05 0.05 \
	"$(awk -v a="${up_load1:-9}" -v b="$load1" 'BEGIN { print a - b }')"
assert_eq "the idle container beside it has no load" 0.00 "$(echo "$idle_out" | cut -d' ' -f1)"
assert_eq "and no running tasks but its reader" 1 "$(echo "$idle_out" | cut -d' ' -f4 | cut -d/ -f1 | awk '{ print ($1 <= 1) }')"
stop_fsd "$FSD_PID"
