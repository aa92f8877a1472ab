# Shared by the viewer's integration tests (sourced after ../lib.sh, whose
# cgroup_make and cgroup_run make the test cgroups and run processes inside):
# their limits and CPU time, and hutch-top under tmux.

HUTCH_TOP=${HUTCH_TOP:-$HUTCH_BUILD/bin/hutch-top}
[ -x "$HUTCH_TOP" ] || skip "hutch-top is not built ($HUTCH_TOP)"

# vcg_memory_limit NAME BYTES
vcg_memory_limit() {
	local d
	d=$(cgroup_v1_mount memory)
	if [ -n "$d" ]; then
		echo "$2" >"$d/$1/memory.limit_in_bytes"
	else
		echo "$2" >"$(cgroup_v2_mount)/$1/memory.max"
	fi
}

# vcg_busy NAME: cgroup NAME with a busy loop in it.
vcg_busy() {
	cgroup_make "$1"
	cgroup_run "$1" bash -c 'while :; do :; done'
}

# vcg_limited NAME BYTES CMD...: cgroup NAME, its memory limited to BYTES, CMD run in it.
vcg_limited() {
	local name=$1 bytes=$2
	shift 2
	cgroup_make "$name"
	vcg_memory_limit "$name" "$bytes"
	cgroup_run "$name" "$@"
}
# vcg_sleeper NAME BYTES: cgroup NAME, its memory limited to BYTES, a sleep in it.
vcg_sleeper() { vcg_limited "$1" "$2" sleep 600; }

# vcg_busy_mem BYTES: sets id (a fresh test id), busy (cgroup $id-busy, a busy loop in
# it) and mem ($id-mem, limited to BYTES, a sleep in it).
vcg_busy_mem() {
	id=$(test_id)
	busy=$id-busy
	mem=$id-mem
	vcg_busy "$busy"
	vcg_sleeper "$mem" "$1"
}

# last_table [FILE]: the last table of hutch-top -b's output (blank-line separated).
last_table() { awk 'BEGIN { RS = ""; } { t = $0 } END { print t }' "$@"; }

# tmux: a private server socket per test, so nothing is shared with the user's tmux.
TMUX_SOCK="hutch-test-viewer-$$"
tm() { tmux -L "$TMUX_SOCK" "$@"; }
# tm_start CMD...: a 200x50 session running CMD; killed on exit.
# A test's second session starts on a fresh server: the first one's dead pane (kept by
# remain-on-exit) would hold the name, and a server on its way out refuses new clients.
tm_start() {
	tm kill-server 2>/dev/null
	local sock=${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$TMUX_SOCK
	wait_for 5 test ! -S "$sock" || rm -f "$sock"
	tm new-session -d -s top -x 200 -y 50 "$*" || return 1
	tm set-option -t top remain-on-exit on >/dev/null
	on_exit "tmux -L '$TMUX_SOCK' kill-server; rm -f '${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$TMUX_SOCK'"
}
tm_screen() { tm capture-pane -p -t top; }
# tm_wait TIMEOUT REGEX: waits until the screen matches (extended regex).
tm_wait() {
	local deadline=$((SECONDS + $1))
	until tm_screen | grep -Eq -- "$2"; do
		[ "$SECONDS" -ge "$deadline" ] && return 1
		sleep 0.2
	done
}
# tm_filter TEXT: the filter prompt (f) cleared and set to TEXT.
tm_filter() {
	tm send-keys -t top f
	tm_filter_type "$1"
}
# tm_filter_type TEXT: in an open filter prompt, what it held erased and TEXT entered.
tm_filter_type() {
	for _ in $(seq 80); do tm send-keys -t top BSpace; done
	tm send-keys -t top -l "$1"
	tm send-keys -t top Enter
}
tm_dead() { [ "$(tm list-panes -t top -F '#{pane_dead}' 2>/dev/null)" = 1 ]; }

# CPU time of cgroup NAME in nanoseconds, as the kernel counts it (cpuacct.usage on
# v1, cpu.stat usage_usec on v2): the truth a CPU % is checked against.
vcg_cpu_ns() {
	local d
	d=$(cgroup_v1_mount cpuacct)
	if [ -n "$d" ]; then
		cat "$d/$1/cpuacct.usage"
	else
		awk '$1 == "usage_usec" { print $2 * 1000 }' "$(cgroup_v2_mount)/$1/cpu.stat"
	fi
}

# cpu_truth NAME CMD...: runs CMD (a hutch-top -b -n 1 run), prints its output, and sets
# TRUTH_PCT to the cgroup's CPU % of one core over the time CMD ran.
cpu_truth() {
	local name=$1 c0 c1 t0 t1
	shift
	c0=$(vcg_cpu_ns "$name")
	t0=$(date +%s%N)
	"$@"
	t1=$(date +%s%N)
	c1=$(vcg_cpu_ns "$name")
	TRUTH_PCT=$(awk -v a="$c0" -v b="$c1" -v s="$t0" -v e="$t1" 'BEGIN { printf "%.1f", (b - a) / (e - s) * 100 }')
}
