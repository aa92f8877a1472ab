# Shared by the viewer's integration tests (sourced after ../lib.sh): plain
# cgroups made in every v1 hierarchy (or the cgroup2 mount on a v2 host),
# processes run inside them, and hutch-top under tmux.

HUTCH_TOP=${HUTCH_TOP:-$HUTCH_BUILD/bin/hutch-top}
[ -x "$HUTCH_TOP" ] || skip "hutch-top is not built ($HUTCH_TOP)"

VIEWER_CONTROLLERS=(cpu cpuacct memory pids blkio)

# The directories of cgroup NAME, one per hierarchy.
vcg_dirs() {
	local name=$1 c d v2
	if [ -n "$(cgroup_v1_mount memory)" ]; then
		for c in "${VIEWER_CONTROLLERS[@]}"; do
			d=$(cgroup_v1_mount "$c")
			[ -n "$d" ] && echo "$d/$name"
		done | sort -u
	else
		v2=$(cgroup_v2_mount)
		[ -n "$v2" ] && echo "$v2/$name"
	fi
}

# Kills what is left in a cgroup directory, then removes it.
vcg_kill_rm() {
	local dir=$1 p
	[ -d "$dir" ] || return 0
	for p in $(cat "$dir/cgroup.procs" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
	for _ in $(seq 50); do rmdir "$dir" 2>/dev/null && return 0; sleep 0.1; done
	return 1
}

# vcg_make NAME: makes cgroup /NAME everywhere; removed on exit.
vcg_make() {
	local d
	[ -n "$(vcg_dirs "$1")" ] || skip "no cgroup filesystem"
	for d in $(vcg_dirs "$1"); do
		[ -d "$d" ] && continue
		mkdir -p "$d" || return 1
		on_exit "vcg_kill_rm '$d'"
	done
	# v1 cpusets need cpus and mems before a task may join (only when cpuset is used).
	return 0
}

# vcg_rm NAME: kills and removes the cgroup now.
vcg_rm() {
	local d
	for d in $(vcg_dirs "$1"); do vcg_kill_rm "$d"; done
}

# vcg_run NAME CMD...: runs CMD in the background inside cgroup NAME; sets VCG_PID.
vcg_run() {
	local name=$1 d procs=()
	shift
	for d in $(vcg_dirs "$name"); do procs+=("$d/cgroup.procs"); done
	bash -c 'for f in '"${procs[*]}"'; do echo $$ > "$f" || exit 99; done; exec "$@"' _ "$@" &
	VCG_PID=$!
	on_exit "kill -KILL $VCG_PID; wait $VCG_PID"
}

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
