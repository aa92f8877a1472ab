#!/usr/bin/env bash
# hutch-fsd under bad input and churn: options and mount points (clear errors,
# documented exit codes, nothing left mounted), containers coming and going
# (namespace inodes and pids reused), a container moved out of a cgroup that
# is then removed, readers killed mid-request, and SIGTERM/SIGINT/SIGQUIT
# unmounting cleanly (SIGHUP upgrades in place: test_fsd_restart).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"
fsd_need

# --- options and mount points ---
hutch-fsd --help >"$FSD_TMP/help"
assert_eq "--help exits 0" 0 $?
assert_contains "--help documents the exit codes" "3  mount point missing" "$(cat "$FSD_TMP/help")"
hutch-fsd --bogus 2>"$FSD_TMP/err"
assert_eq "an unknown option exits 2" 2 $?
assert_contains "and names it" "--bogus" "$(cat "$FSD_TMP/err")"
hutch-fsd --cache-ms abc "$FSD_TMP" 2>"$FSD_TMP/err"
assert_eq "a bad --cache-ms exits 2" 2 $?
hutch-fsd "$FSD_TMP/a" "$FSD_TMP/b" 2>/dev/null
assert_eq "two mount points exit 2" 2 $?
hutch-fsd "$FSD_TMP/missing" 2>"$FSD_TMP/err"
assert_eq "a missing mount point exits 3" 3 $?
assert_contains "and says so" "missing: No such file or directory" "$(cat "$FSD_TMP/err")"
check "a missing mount point is not created" test ! -e "$FSD_TMP/missing"
touch "$FSD_TMP/file"
hutch-fsd "$FSD_TMP/file" 2>"$FSD_TMP/err"
assert_eq "a file as mount point exits 3" 3 $?
assert_contains "and says so" "not a directory" "$(cat "$FSD_TMP/err")"

mp=$FSD_TMP/mnt
start_fsd "$mp"
timeout 10 hutch-fsd "$mp" 2>"$FSD_TMP/err"
assert_eq "a mount point in use exits 3" 3 $?
assert_contains "and names what is mounted there" "already a mount point of fuse.hutch-fsd" "$(cat "$FSD_TMP/err")"
assert_eq "one mount there, not two" 1 "$(awk -v d="$mp" '$5 == d' /proc/self/mountinfo | wc -l)"

# --- containers coming and going: each sees its own limit ---
a=$(test_id)-a
b=$(test_id)-b
make_cgroup "$a" $((128 * 1024 * 1024)) max 100000 0 || skip "cannot make cgroups"
make_cgroup "$b" $((192 * 1024 * 1024)) max 100000 0 || skip "cannot make cgroups"
seen=""
for i in 1 2 3 4; do
	seen+="$(in_ctr "$a" "$mp" 'awk "/^MemTotal/ { print \$2 }" /proc/meminfo') "
	seen+="$(in_ctr "$b" "$mp" 'awk "/^MemTotal/ { print \$2 }" /proc/meminfo') "
done
assert_eq "containers one after another (reused namespace inodes) see their own MemTotal" \
	"131072 196608 131072 196608 131072 196608 131072 196608 " "$seen"

# A pid namespace without a cgroup of its own: the host's file.
host_total=$(awk '/^MemTotal/ { print $2 }' /proc/meminfo)
root_total=$(unshare --pid --fork --mount-proc awk '/^MemTotal/ { print $2 }' "$mp/proc/meminfo")
assert_eq "a pid namespace in the root cgroup sees the host's MemTotal" "$host_total" "$root_total"

# --- a recycled reader pid: the same pid in a container, then on the host ---
# The reader is the container's init itself (awk, exec'd), reading the host's
# /proc/self/stat for its host pid and then the fsd's meminfo three times (a
# reader that comes back is cached with a pidfd of it: the last opens use it).
procs=$(for d in $(cg_dirs "$a"); do echo "$d/cgroup.procs"; done)
read -r pid ctr_total < <(FSD_PROCS=$procs bash -c 'for f in $FSD_PROCS; do echo $$ >"$f"; done
	exec unshare --pid --fork --kill-child awk "FNR == 1 && NR == 1 { p = \$1 } /^MemTotal/ { print p, \$2 }" /proc/self/stat '"$mp/proc/meminfo $mp/proc/meminfo $mp/proc/meminfo"' | tail -n 1')
assert_eq "the container's reader (host pid $pid) saw the container" 131072 "$ctr_total"
recycled=""
if [ -w /proc/sys/kernel/ns_last_pid ]; then
	for _ in $(seq 50); do
		# The next pid the host hands out is $pid again, unless another process takes it first.
		got=$(bash -c "echo $((pid - 1)) >/proc/sys/kernel/ns_last_pid; bash -c 'exec awk \"FNR == 1 && NR == 1 { p = \\\$1 } /^MemTotal/ { print p, \\\$2 }\" /proc/self/stat $mp/proc/meminfo'")
		if [ "${got%% *}" = "$pid" ]; then
			recycled=${got#* }
			break
		fi
	done
fi
if [ -n "$recycled" ]; then
	assert_eq "a host reader with the container reader's recycled pid $pid sees the host" "$host_total" "$recycled"
else
	echo "  note: could not get pid $pid again (busy host); recycled-pid check not made"
fi

# --- a container moved to another cgroup, the old one removed while it reads ---
out=$FSD_TMP/moving
in_ctr "$a" "$mp" "for i in \$(seq 40); do awk '/^MemTotal/ { print \$2 }' /proc/meminfo >>$out; sleep 0.1; done" &
ctr=$!
wait_for 5 test -s "$out"
for d in $(cg_dirs "$a"); do
	for p in $(cat "$d/cgroup.procs"); do
		for e in $(cg_dirs "$b"); do
			[ "$(basename "$(dirname "$e")")" = "$(basename "$(dirname "$d")")" ] && echo "$p" >"$e/cgroup.procs"
		done
	done
done
for d in $(cg_dirs "$a"); do rmdir "$d" 2>/dev/null; done
check "the old cgroup is gone" test ! -d "$(cg_dirs "$a" | head -1)"
wait "$ctr"
assert_eq "the container read first its old limit" 131072 "$(head -1 "$out")"
assert_eq "and after the move and removal its new one" 196608 "$(tail -1 "$out")"
assert_eq "every read succeeded" 40 "$(grep -c . "$out")"

# --- readers killed mid-request ---
exec 3>&2 2>/dev/null # bash's "Killed" notes
pids=()
for i in $(seq 20); do
	in_ctr "$b" "$mp" "while :; do cat /proc/meminfo /proc/stat /proc/cpuinfo /proc/loadavg >/dev/null; done" &
	pids+=($!)
	(while :; do cat "$mp/proc/stat" "$mp/proc/meminfo" >/dev/null; done) &
	pids+=($!)
done
sleep 1
# One pass of SIGKILLs can miss some: a reader that has not yet joined the
# cgroup when cgroup.procs is read, a child forked between pkill's look and
# its parent's kill (under emulation a pass takes seconds). So the passes go
# on until every reader is gone or a zombie and the cgroup is empty, for 30 s
# at most, and the shell waits only for readers that are dead: a wait on a
# survivor would hang the test.
# Whether a process runs (not gone, not a zombie left for the shell to reap).
alive() { [ -e "/proc/$1" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }
gone() { ! alive "$1"; }
deadline=$((SECONDS + 30))
while :; do
	left=()
	for p in "${pids[@]}"; do
		alive "$p" || continue
		pkill -KILL -P "$p" 2>/dev/null
		kill -KILL "$p" 2>/dev/null
		left+=("$p")
	done
	in_cg=$(for d in $(cg_dirs "$b"); do cat "$d/cgroup.procs"; done)
	for p in $in_cg; do kill -KILL "$p" 2>/dev/null; done
	[ ${#left[@]} -eq 0 ] && [ -z "$in_cg" ] && break
	[ "$SECONDS" -ge "$deadline" ] && break
	sleep 0.2
done
dead=()
for p in "${pids[@]}"; do alive "$p" || dead+=("$p"); done
[ ${#dead[@]} -gt 0 ] && wait "${dead[@]}" 2>/dev/null
exec 2>&3 3>&-
survivors=$(for p in "${pids[@]}" $in_cg; do
	alive "$p" && echo "$p ($(awk '/^State/ { print $2 }' "/proc/$p/status" 2>/dev/null) $(cat "/proc/$p/wchan" 2>/dev/null))"
done)
assert_eq "every reader is gone 30 s after SIGKILL" "" "$survivors"
check "hutch-fsd survives readers killed mid-request" kill -0 "$FSD_PID"
assert_eq "and still serves containers" 196608 "$(in_ctr "$b" "$mp" 'awk "/^MemTotal/ { print \$2 }" /proc/meminfo')"

# --- signals unmount cleanly ---
for sig in TERM INT QUIT; do
	m=$FSD_TMP/sig-$sig
	mkdir -p "$m"
	hutch-fsd "$m" 2>"$FSD_TMP/sig.log" &
	p=$!
	on_exit "kill_pid $p; umount -l '$m'"
	wait_for 10 is_mounted "$m"
	cat "$m/proc/meminfo" >/dev/null
	kill -"$sig" "$p"
	# Bounded: a daemon that does not stop fails the check, it does not hang the test.
	if wait_for 30 gone "$p"; then
		wait "$p"
		assert_eq "SIG$sig: exit status 0" 0 $?
	else
		fail "SIG$sig: hutch-fsd (pid $p) still runs 30 s later"
		kill -KILL "$p"
	fi
	check "SIG$sig: unmounted" not_mounted "$m"
	check "SIG$sig: the read-only guard in its place" is_guarded "$m"
	check "SIG$sig: mount point usable again" test -d "$m"
done
