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

skip() {
	echo "SKIP: $*"
	exit 77
}
need_root() { [ "$(id -u)" -eq 0 ] || skip "needs root"; }
need_cmd() {
	local c
	for c in "$@"; do command -v "$c" >/dev/null || skip "needs $c"; done
}
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
