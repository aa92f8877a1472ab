# Shared helpers for integration tests (sourced, bash). A test prints what it
# checks, exits 0 on success, 1 on failure, 77 to skip with a printed reason.
# Everything a test creates is registered with on_exit and undone even when
# the test fails.
set -uo pipefail

HUTCH_SRC=${HUTCH_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
HUTCH_BUILD=${HUTCH_BUILD:-$HUTCH_SRC/build}
HUTCH_BIN=$HUTCH_BUILD/bin
export PATH=$HUTCH_BIN:$PATH

_test_name=$(basename "${0%.sh}")
_cleanups=()
_failures=0
_checks=0

# on_exit CMD...: run CMD (a string for eval) when the test ends, last registered first.
on_exit() { _cleanups+=("$*"); }
_run_cleanups() {
	local i
	for ((i = ${#_cleanups[@]} - 1; i >= 0; i--)); do
		eval "${_cleanups[$i]}" >/dev/null 2>&1 || true
	done
}
_finish() {
	local rc=$?
	_run_cleanups
	if [ "$rc" -eq 77 ]; then
		exit 77
	fi
	if [ "$_failures" -gt 0 ] || [ "$rc" -ne 0 ]; then
		echo "FAIL: $_test_name: $_failures of $_checks checks failed (exit $rc)"
		exit 1
	fi
	if [ "$_checks" -eq 0 ]; then
		echo "FAIL: $_test_name: asserted nothing"
		exit 1
	fi
	echo "ok: $_test_name: $_checks checks"
	exit 0
}
trap _finish EXIT
trap 'exit 130' INT TERM

# skip, need_root, need_cmd
source "$(dirname "${BASH_SOURCE[0]}")/need.sh"
need_bin() {
	local b
	for b in "$@"; do [ -x "$HUTCH_BIN/$b" ] || skip "$b is not built"; done
}

pass() {
	_checks=$((_checks + 1))
	echo "  ok   $*"
}
fail() {
	_checks=$((_checks + 1))
	_failures=$((_failures + 1))
	echo "  FAIL $*"
}
# check DESCRIPTION CMD...: passes when CMD succeeds.
check() {
	local what=$1
	shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}
assert_eq() { # assert_eq DESCRIPTION EXPECTED ACTUAL
	if [ "$2" == "$3" ]; then pass "$1 ($3)"; else fail "$1: expected '$2', got '$3'"; fi
}
assert_contains() { # assert_contains DESCRIPTION NEEDLE HAYSTACK
	if [[ "$3" == *"$2"* ]]; then pass "$1"; else fail "$1: '$2' not in: ${3:0:400}"; fi
}
assert_between() { # assert_between DESCRIPTION LOW HIGH VALUE (numbers, may be decimal)
	if awk -v lo="$2" -v hi="$3" -v v="$4" 'BEGIN { exit !(v >= lo && v <= hi) }'; then
		pass "$1 ($4 in [$2, $3])"
	else
		fail "$1: $4 not in [$2, $3]"
	fi
}

# The cgroup v1 mount point of a controller, or the cgroup2 mount, read from mountinfo.
cgroup_v1_mount() {
	awk -v c="$1" '$0 ~ / - cgroup / { n = split($NF, o, ","); for (i = 1; i <= n; i++) if (o[i] == c) { print $5; exit } }' /proc/self/mountinfo
}
cgroup_v2_mount() { awk '$0 ~ / - cgroup2 / { print $5; exit }' /proc/self/mountinfo; }

# Plain test cgroups, made as docker's cgroupfs driver makes them: /NAME in the
# hierarchy of each of CGROUP_CONTROLLERS on a v1 or hybrid host, or under the
# cgroup2 mount on a v2 host.
CGROUP_CONTROLLERS=(memory cpu cpuacct pids blkio)

# cgroup_dirs NAME: the directories of cgroup NAME, one per hierarchy.
cgroup_dirs() {
	local name=$1 c d v2
	if [ -n "$(cgroup_v1_mount memory)" ]; then
		for c in "${CGROUP_CONTROLLERS[@]}"; do
			d=$(cgroup_v1_mount "$c")
			[ -n "$d" ] && echo "$d/$name"
		done | sort -u
	else
		v2=$(cgroup_v2_mount)
		[ -n "$v2" ] && echo "$v2/$name"
	fi
}

# cgroup_kill_rm DIR: kills what is left in a cgroup directory, then removes it.
cgroup_kill_rm() {
	local dir=$1 p
	[ -d "$dir" ] || return 0
	for p in $(cat "$dir/cgroup.procs" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
	for _ in $(seq 50); do rmdir "$dir" 2>/dev/null && return 0; sleep 0.1; done
	return 1
}

# cgroup_make NAME: makes cgroup /NAME in every hierarchy (skips the test when there is
# no cgroup filesystem); removed on exit.
cgroup_make() {
	local d
	[ -n "$(cgroup_dirs "$1")" ] || skip "no cgroup filesystem"
	for d in $(cgroup_dirs "$1"); do
		[ -d "$d" ] && continue
		mkdir -p "$d" || return 1
		on_exit "cgroup_kill_rm '$d'"
	done
}

# cgroup_rm NAME: kills what runs in cgroup NAME and removes it now.
cgroup_rm() {
	local d
	for d in $(cgroup_dirs "$1"); do cgroup_kill_rm "$d"; done
}

# cgroup_run NAME CMD...: runs CMD in the background inside cgroup NAME (every
# hierarchy); sets CGROUP_PID. The process is killed on exit.
cgroup_run() {
	local name=$1 d procs=()
	shift
	for d in $(cgroup_dirs "$name"); do procs+=("$d/cgroup.procs"); done
	# The shell joins the cgroup first, then becomes CMD: nothing runs outside it.
	bash -c 'for f in '"${procs[*]}"'; do echo $$ > "$f" || exit 99; done; exec "$@"' _ "$@" &
	CGROUP_PID=$!
	on_exit "kill_pid $CGROUP_PID"
}

# A loopback port for a server of ours, derived from our pid, below the ephemeral range
# (32768 and up on Linux) so no outgoing connection holds it; +1 and +2 stay free too.
free_port() { echo $((20000 + ($$ * 7 + RANDOM) % 12000)); }

# collector_start [FLAG...]: starts hutch-collector (discovery and limits re-read every
# 0.2 s, and FLAGs) on a port of its own (another one if that is taken); sets
# COLLECTOR_PORT, COLLECTOR_PID, COLLECTOR_URL and COLLECTOR_LOG (its stderr).
# Fails the test when it does not come up.
collector_start() {
	COLLECTOR_LOG=$(mktemp /tmp/hutch-test-collector-log-XXXXXX)
	on_exit "rm -f '$COLLECTOR_LOG'"
	local try
	for try in 1 2 3 4 5; do
		COLLECTOR_PORT=$(free_port)
		hutch-collector --web.listen-address="127.0.0.1:$COLLECTOR_PORT" \
			--discovery-interval=0.2 --spec-interval=0.2 "$@" 2>"$COLLECTOR_LOG" &
		COLLECTOR_PID=$!
		on_exit "kill_pid $COLLECTOR_PID"
		COLLECTOR_URL="http://127.0.0.1:$COLLECTOR_PORT"
		wait_for 10 sh -c "curl -sf -o /dev/null '$COLLECTOR_URL/healthz' || ! kill -0 $COLLECTOR_PID 2>/dev/null"
		kill -0 "$COLLECTOR_PID" 2>/dev/null && break
	done
	wait_for 10 curl -sf -o /dev/null "$COLLECTOR_URL/healthz" || {
		cat "$COLLECTOR_LOG"
		fail "collector did not start"
		exit 1
	}
}

# "${V2_ONLY[@]}" CMD...: runs CMD in a private mount namespace where /sys/fs/cgroup is
# the cgroup2 mount alone, as a pure v2 host shows the kernel's tree (an array, not a
# function, so that CMD & gives CMD's own pid).
V2_ONLY=(unshare -m --propagation private bash -c '
	umount -R /sys/fs/cgroup 2>/dev/null || umount -l /sys/fs/cgroup || exit 1
	mount -t cgroup2 none /sys/fs/cgroup || exit 1
	exec "$@"' _)

# need_hybrid_v2: for a test of a pure v2 layout made on this hybrid host (in a
# private mount namespace with only cgroup2 mounted over the kernel's tree). Skips
# without cgroup2, or on a v2 host (the other tests run there); sets V2 (the
# cgroup2 mount) and V2_NAME, a new cgroup2 directory $V2/$V2_NAME removed on exit.
need_hybrid_v2() {
	V2=$(cgroup_v2_mount)
	[ -n "$V2" ] || skip "no cgroup2 mount"
	[ -n "$(cgroup_v1_mount memory)" ] || skip "already a v2 host: the other tests run there"
	V2_NAME=$(test_id)-v2
	mkdir "$V2/$V2_NAME" || skip "cannot make a cgroup2 directory"
	on_exit "cgroup_kill_rm '$V2/$V2_NAME'"
}

# A unique name for things a test creates: contains "hutch-test" so leftovers are findable.
test_id() { echo "hutch-test-${_test_name//_/-}-$$-$RANDOM"; }

# wait_for TIMEOUT_S CMD...: polls CMD until it succeeds; returns 1 on timeout.
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -ge "$deadline" ] && return 1
		sleep 0.1
	done
}

# in_pty SECONDS COMMAND: runs the shell command COMMAND with a fresh pty as its
# controlling terminal (util-linux script) and prints what it wrote there. The
# command stays in the terminal's foreground process group (timeout
# --foreground; a background group is stopped by SIGTTOU at its first
# tcsetattr), and is killed SECONDS later, then 5 s later by SIGKILL (a client
# that proxies signals, as ctr and podman do, outlives a SIGTERM). SHELL is
# set: script runs it, and a shell that forks instead of exec'ing would leave
# the command in a background group.
in_pty() {
	local secs=$1
	shift
	SHELL=/bin/sh script -qec "exec timeout --foreground -k 5 $secs $*" /dev/null </dev/null | tr -d '\0\r'
}

# wait_until TIMEOUT_S EXPR: as wait_for, for a shell expression that is
# evaluated anew at each try, so the $(...) in it are run again (wait_for's
# arguments are expanded once, by the caller).
wait_until() {
	local deadline=$((SECONDS + $1))
	until eval "$2"; do
		[ "$SECONDS" -ge "$deadline" ] && return 1
		sleep 0.1
	done
}

# Kills a process and waits for it, by pid.
kill_pid() {
	local pid=$1
	kill -TERM "$pid" 2>/dev/null || return 0
	for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null || true
}

# hutch's default cgroup parent (/hutch in every hierarchy) is made by the first
# container that needs it. A test that made it removes it when it ends (rmdir:
# only when empty), so the host is left as the test found it.
_hutch_parents_before=$(awk '$0 ~ / - cgroup2? / { print $5 }' /proc/self/mountinfo |
	while read -r m; do [ -d "$m/hutch" ] && echo "$m/hutch"; done)
_remove_new_hutch_parents() {
	local m
	for m in $(awk '$0 ~ / - cgroup2? / { print $5 }' /proc/self/mountinfo); do
		[ -d "$m/hutch" ] || continue
		grep -qxF "$m/hutch" <<<"$_hutch_parents_before" && continue
		rmdir "$m/hutch" 2>/dev/null
	done
	return 0
}
# Registered first, so it runs last, after the test's own cleanups.
_cleanups=("_remove_new_hutch_parents" "${_cleanups[@]}")
