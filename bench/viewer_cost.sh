#!/usr/bin/env bash
# CPU cost of hutch top at a 1 s refresh over 500 containers, against
# systemd-cgtop (Debian's systemd) over the same cgroups, in one run:
# hutch-top -b, hutch-top's screen (under tmux), and systemd-cgtop -b -d 1
# run side by side for DURATION seconds; each one's CPU time is read from
# /proc/PID/stat and printed as % of one core.
#
#   bash bench/viewer_cost.sh [N_CGROUPS=500] [DURATION=20]
#
# The cgroups are /hutch/hutch-bench-viewer-<pid>-<i> (hutch containers to the
# viewer), made in the cpu, cpuacct, memory, pids and blkio hierarchies (or the
# cgroup2 mount), one in ten with a sleeping process; all removed on exit.
set -euo pipefail
n=${1:-500}
duration=${2:-20}
. "$(dirname "$0")/common.sh"
top=${HUTCH_TOP:-$build/bin/hutch-top}
need_root
bench_need_built "$top"
need_cmd systemd-cgtop tmux

v1_mount() { awk -v c="$1" '$0 ~ / - cgroup / { n = split($NF, o, ","); for (i = 1; i <= n; i++) if (o[i] == c) { print $5; exit } }' /proc/self/mountinfo; }
dirs=()
if [ -n "$(v1_mount memory)" ]; then
	for c in cpu cpuacct memory pids blkio; do
		d=$(v1_mount "$c")
		[ -n "$d" ] && dirs+=("$d")
	done
	mapfile -t dirs < <(printf '%s\n' "${dirs[@]}" | sort -u)
else
	dirs=("$(awk '$0 ~ / - cgroup2 / { print $5; exit }' /proc/self/mountinfo)")
fi
prefix=hutch/hutch-bench-viewer-$$
made_parent=()
pids=()
sock=hutch-bench-viewer-$$
cleanup() {
	tmux -L "$sock" kill-server 2>/dev/null || true
	rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$sock"
	for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	for d in "${dirs[@]}"; do
		for ((i = 0; i < n; i++)); do rmdir "$d/$prefix-$i" 2>/dev/null || true; done
	done
	for d in "${made_parent[@]}"; do rmdir "$d" 2>/dev/null || true; done
}
trap cleanup EXIT
for d in "${dirs[@]}"; do
	[ -d "$d/hutch" ] || { mkdir "$d/hutch" && made_parent+=("$d/hutch"); }
	for ((i = 0; i < n; i++)); do mkdir "$d/$prefix-$i"; done
done
for ((i = 0; i < n; i += 10)); do
	procs=()
	for d in "${dirs[@]}"; do procs+=("$d/$prefix-$i/cgroup.procs"); done
	bash -c 'for f in "$@"; do echo $$ > "$f"; done; exec sleep 3600' _ "${procs[@]}" &
	pids+=($!)
done

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

"$top" -b -d 1 >/dev/null &
batch=$!
pids+=("$batch")
systemd-cgtop -b -d 1 -n 100000 >/dev/null &
cgtop=$!
pids+=("$cgtop")
tmux -L "$sock" new-session -d -x 200 -y 50 "TERM=xterm-256color exec $top -d 1"
screen=$(tmux -L "$sock" list-panes -F '#{pane_pid}')
sleep 2 # past start-up: the steady refresh is what is measured
b0=$(ticks "$batch") c0=$(ticks "$cgtop") s0=$(ticks "$screen")
sleep "$duration"
b1=$(ticks "$batch") c1=$(ticks "$cgtop") s1=$(ticks "$screen")
shown=$("$top" -b -n 1 -d 0.5 -f "hutch-bench-viewer-$$" | head -1)

pct() { awk -v a="$1" -v b="$2" -v hz="$hz" -v s="$duration" 'BEGIN { printf "%.2f", (b - a) / hz / s * 100 }'; }
pb=$(pct "$b0" "$b1")
ps=$(pct "$s0" "$s1")
pc=$(pct "$c0" "$c1")
echo "viewer cost: $n cgroups under /hutch, 1 s refresh, ${duration} s, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  hutch-top: $shown"
printf '  %-32s %8s%% of one core\n' "hutch-top -b -d 1" "$pb" "hutch-top (ncurses, 200x50)" "$ps" \
	"systemd-cgtop -b -d 1" "$pc"
awk -v b="$pb" -v c="$pc" 'BEGIN { if (c > 0) printf "  ratio hutch-top -b / systemd-cgtop: %.2f\n", b / c }'
