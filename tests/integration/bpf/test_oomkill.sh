#!/usr/bin/env bash
# OOM kills per container (oomkill probe): a memory hog in a cgroup limited
# to 32 MiB is killed by the OOM killer; the kill is counted once, on that
# cgroup (the victim's), and on no other; the kernel's own count agrees.
source "$(dirname "$0")/common.sh"
need_cmd curl python3

name=$(test_id)
other=$(test_id)-other
cgroup_make "$name" || skip "cannot make cgroups"
cgroup_make "$other" || skip "cannot make cgroups"
mem=$(cg_dir "$name" memory)
limit=$((32 << 20))
if [ -f "$mem/memory.limit_in_bytes" ]; then
	echo "$limit" >"$mem/memory.limit_in_bytes"
	[ -f "$mem/memory.memsw.limit_in_bytes" ] && echo "$limit" >"$mem/memory.memsw.limit_in_bytes"
else
	echo "$limit" >"$mem/memory.max"
	echo 0 >"$mem/memory.swap.max" 2>/dev/null
fi
cgroup_run "$other" sleep 3600
# A second collector on the older kernels' attach point (fentry/__oom_kill_process).
HUTCH_OOMKILL_FENTRY=1 collector_start
FENTRY_URL=$COLLECTOR_URL
FENTRY_LOG=$COLLECTOR_LOG
collector_start
need_probe oomkill

before=$(metric container_oom_kills_total "id=\"/$other\"")
assert_eq "no kill before" 0 "$(metric container_oom_kills_total "id=\"/$name\"")"
# Touches 256 MiB in a cgroup of 32 MiB: the OOM killer's only choice is this process.
cgroup_run "$name" python3 -c 'a = bytearray(256 << 20); import time; time.sleep(60)'
hog=$CGROUP_PID
wait "$hog" 2>/dev/null
rc=$?
assert_eq "the hog was killed by SIGKILL" 137 "$rc"
wait_for 30 sh -c "[ \"\$(curl -sf '$COLLECTOR_URL/metrics' | awk '/^container_oom_kills_total\{id=\"\/$name\"/ { print \$NF }')\" = 1 ]"
assert_eq "one OOM kill on the victim's cgroup" 1 "$(metric container_oom_kills_total "id=\"/$name\"")"
assert_eq "none on the sibling" "$before" "$(metric container_oom_kills_total "id=\"/$other\"")"
if [ -f "$mem/memory.oom_control" ]; then
	assert_eq "the kernel's count agrees" 1 "$(awk '$1 == "oom_kill" { print $2 }' "$mem/memory.oom_control")"
elif [ -f "$mem/memory.events" ]; then
	assert_eq "the kernel's count agrees" 1 "$(awk '$1 == "oom_kill" { print $2 }' "$mem/memory.events")"
fi
sleep 1
assert_eq "still one a second later" 1 "$(metric container_oom_kills_total "id=\"/$name\"")"

# The same kill through the older kernels' attach point, if this kernel has it.
if grep -q "probe oomkill attached" "$FENTRY_LOG"; then
	n=$(curl -sf "$FENTRY_URL/metrics" | awk -v id="id=\"/$name\"" 'index($0, "container_oom_kills_total{") == 1 && index($0, id) { print $NF }')
	assert_eq "fentry/__oom_kill_process: one kill on the victim's cgroup" 1 "$n"
else
	echo "  (fentry/__oom_kill_process not attachable here: $(grep 'probe oomkill' "$FENTRY_LOG"))"
fi
