#!/usr/bin/env bash
# hutch-fsd on a pure cgroup v2 host: in a private mount namespace the v1
# hierarchies are unmounted and cgroup2 is mounted at /sys/fs/cgroup, so the
# daemon sees a v2-only layout over the real kernel's cgroup2 tree. A container
# there (a cgroup2 directory, its own pid namespace, reading through the
# daemon's mount namespace) sees its own CPU time from cpu.stat in /proc/stat,
# its own PSI and uptime. (Here the memory and cpuset controllers stay bound to
# v1, so memory reads as the host's: the unit tests cover v2's memory files.)
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"
fsd_need
need_cmd nsenter
need_hybrid_v2
v2=$V2
name=$V2_NAME

mp=$FSD_TMP/mnt
mkdir -p "$mp"
"${V2_ONLY[@]}" hutch-fsd "$mp" 2>"$FSD_TMP/fsd.log" &
FSD_PID=$!
on_exit "kill_pid $FSD_PID"
wait_for 10 nsenter -t "$FSD_PID" -m test -e "$mp/proc/meminfo" || { cat "$FSD_TMP/fsd.log"; fail "hutch-fsd did not mount"; exit 1; }
assert_contains "the daemon saw a v2 layout" "v2 cgroups" "$(cat "$FSD_TMP/fsd.log")"

# The container: in the v2 cgroup, its own pid namespace, in the daemon's mount namespace.
out=$(bash -c 'echo $$ >"$1/cgroup.procs" && exec nsenter -t "$2" -m unshare --pid --fork --kill-child bash -c "
	end=\$((SECONDS + 2)); while [ \$SECONDS -lt \$end ]; do :; done
	sleep 0.3
	echo \"stat: \$(head -1 $3/proc/stat)\"
	echo \"uptime: \$(cut -d\" \" -f1 $3/proc/uptime)\"
	echo \"memtotal: \$(awk \"/^MemTotal/ { print \\\$2 }\" $3/proc/meminfo)\"
	echo \"psi: \$(head -1 $3/proc/pressure/cpu 2>&1)\"
	echo \"cpus: \$(grep -c ^processor $3/proc/cpuinfo)\""' _ "$v2/$name" "$FSD_PID" "$mp")
echo "$out" | sed 's/^/    /'
val() { echo "$out" | sed -n "s/^$1: //p"; }

busy=$(val stat | awk '{ print $2 + $4 }')
hz=$(getconf CLK_TCK)
# The cgroup's own count (its processes have ended, so it no longer moves) at USER_HZ:
# the busy loop's 1-2 s when the machine is idle, less when other work shares the CPUs.
# The host's cpu line would be days of ticks.
truth=$(awk -v hz="$hz" '$1 == "usage_usec" { printf "%d", $2 * hz / 1000000 }' "$v2/$name/cpu.stat")
check "the busy loop ran (cpu.stat: $truth ticks)" test "${truth:-0}" -ge $((hz / 5))
assert_between "/proc/stat cpu user+system is the container's (cpu.stat: $truth ticks)" \
	$((truth * 9 / 10 - 2)) $((truth * 11 / 10 + 2)) "$busy"
assert_between "uptime is the container's (1-2 s of work, then reads)" 1 20 "$(val uptime)"
assert_eq "no memory controller in v2 here: the host's MemTotal" "$(awk '/^MemTotal/ { print $2 }' /proc/meminfo)" "$(val memtotal)"
assert_eq "no cpuset or quota: every online CPU" "$(grep -c ^processor /proc/cpuinfo)" "$(val cpus)"
if [ -f "$v2/$name/cpu.pressure" ]; then
	want=$(head -1 "$v2/$name/cpu.pressure" | sed 's/.*total=//')
	got=$(val psi | sed 's/.*total=//')
	assert_between "pressure/cpu is the cgroup's own (total near its cpu.pressure)" 0 $((want + 2000000)) "$got"
	check "and not the host's" test "$got" != "$(head -1 /proc/pressure/cpu | sed 's/.*total=//')"
fi
stop_fsd "$FSD_PID"
