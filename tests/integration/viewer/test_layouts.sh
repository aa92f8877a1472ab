#!/usr/bin/env bash
# CPU % on every layout over the real kernel: the other tests run on this hybrid
# host; here hutch-top runs in private mount namespaces that show it a pure v1
# host (the cgroup2 mount taken away) and a pure v2 host (only cgroup2 at
# /sys/fs/cgroup), each with a busy loop in a cgroup it can see.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/common.sh"
need_root
need_cmd unshare mount umount
v2=$(cgroup_v2_mount)
[ -n "$(cgroup_v1_mount cpuacct)" ] || skip "not a v1 or hybrid host: the other tests cover v2"

id=$(test_id)

# assert_busy_on LAYOUT SOURCE TRUTH OUT: hutch-top -b's last table in OUT is of a
# LAYOUT host and shows cgroup /$id-LAYOUT busy, its CPU% (read from SOURCE) within 10
# of TRUTH, the kernel's count over the run (other tests share this host); sets last.
assert_busy_on() {
	local cpu
	last=$(last_table <<<"$4")
	echo "$last"
	assert_contains "$1: the layout is $1" "host ($1)" "$(head -1 <<<"$last")"
	cpu=$(awk -v id="/$id-$1" '$NF == id { print $4 }' <<<"$last")
	assert_between "$1: busy cgroup CPU% ($2) near the kernel's $3" \
		"$(awk -v t="$3" 'BEGIN { print t - 10 }')" "$(awk -v t="$3" 'BEGIN { print t + 10 }')" "$cpu"
	# Busy: at least half the kernel's count (a share of a loaded host, not a fixed figure).
	assert_between "$1: busy" "$(awk -v t="$3" 'BEGIN { print (t / 2 > 0.1) ? t / 2 : 0.1 }')" 110 "$cpu"
}

# Pure v1: the same busy cgroup in the v1 hierarchies, the cgroup2 mount unmounted.
vcg_busy "$id-v1"
run_v1() {
	unshare -m --propagation private bash -c '
		'"${v2:+umount -l $v2 || exit 1}"'
		exec "$@"' _ "$HUTCH_TOP" "$@"
}
tmp=$(mktemp /tmp/hutch-test-viewer-XXXXXX)
on_exit "rm -f '$tmp'"
cpu_truth "$id-v1" run_v1 -b -n 1 -d 2 -a -f "$id-v1" >"$tmp" 2>&1
assert_eq "v1: exit 0" 0 $?
out=$(cat "$tmp")
assert_busy_on v1 cpuacct.usage "$TRUTH_PCT" "$out"

# Pure v2: a cgroup2 directory with a busy loop, seen through a cgroup2-only mount.
if [ -z "$v2" ]; then
	skip "no cgroup2 mount for the v2 half"
fi
mkdir "$v2/$id-v2" || skip "cannot make a cgroup2 directory"
on_exit "cgroup_kill_rm '$v2/$id-v2'"
bash -c 'echo $$ >"$1/cgroup.procs" && exec sh -c "while :; do :; done"' _ "$v2/$id-v2" &
busy=$!
on_exit "kill -KILL $busy; wait $busy"
u0=$(awk '$1 == "usage_usec" { print $2 }' "$v2/$id-v2/cpu.stat")
t0=$(date +%s%N)
out=$("${V2_ONLY[@]}" "$HUTCH_TOP" -b -n 1 -d 2 -a -f "$id-v2" 2>&1)
assert_eq "v2: exit 0" 0 $?
t1=$(date +%s%N)
u1=$(awk '$1 == "usage_usec" { print $2 }' "$v2/$id-v2/cpu.stat")
truth=$(awk -v a="$u0" -v b="$u1" -v s="$t0" -v e="$t1" 'BEGIN { printf "%.1f", (b - a) * 1000 / (e - s) * 100 }')
assert_busy_on v2 "cpu.stat usage_usec" "$truth" "$out"
assert_eq "v2: running" running "$(awk -v id="/$id-v2" '$NF == id { print $3 }' <<<"$last")"
