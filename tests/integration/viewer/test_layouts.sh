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

# Pure v1: the same busy cgroup in the v1 hierarchies, the cgroup2 mount unmounted.
cgroup_make "$id-v1"
cgroup_run "$id-v1" bash -c 'while :; do :; done'
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
last=$(awk 'BEGIN { RS = ""; } { t = $0 } END { print t }' <<<"$out")
echo "$last"
assert_contains "v1: the layout is v1" "host (v1)" "$(head -1 <<<"$last")"
cpu=$(awk -v id="/$id-v1" '$NF == id { print $4 }' <<<"$last")
# Against the kernel's count over the run: other tests share this host.
assert_between "v1: busy cgroup CPU% (cpuacct.usage) near the kernel's $TRUTH_PCT" \
	"$(awk -v t="$TRUTH_PCT" 'BEGIN { print t - 10 }')" "$(awk -v t="$TRUTH_PCT" 'BEGIN { print t + 10 }')" "$cpu"
assert_between "v1: busy" 10 110 "$cpu"

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
last=$(awk 'BEGIN { RS = ""; } { t = $0 } END { print t }' <<<"$out")
echo "$last"
assert_contains "v2: the layout is v2" "host (v2)" "$(head -1 <<<"$last")"
cpu=$(awk -v id="/$id-v2" '$NF == id { print $4 }' <<<"$last")
assert_between "v2: busy cgroup CPU% (cpu.stat usage_usec) near the kernel's $truth" \
	"$(awk -v t="$truth" 'BEGIN { print t - 10 }')" "$(awk -v t="$truth" 'BEGIN { print t + 10 }')" "$cpu"
assert_between "v2: busy" 10 110 "$cpu"
assert_eq "v2: running" running "$(awk -v id="/$id-v2" '$NF == id { print $3 }' <<<"$last")"
