#!/usr/bin/env bash
# hutch top on a terminal, driven through tmux as a user would: the busy cgroup
# at the top when sorted by CPU (chosen with s), reverse, the filter hiding rows,
# the detail view of a memory-limited cgroup showing its limit, all/containers,
# a cgroup removed leaving the table, a terminal too small, help, and q.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/common.sh"
need_root
need_cmd tmux

vcg_busy_mem $((48 * 1024 * 1024))
gone=$id-gone
cgroup_make "$gone"
cgroup_run "$gone" sleep 600
gone_pid=$CGROUP_PID

# Sorted by name at first: the busy one is not on top until CPU is chosen.
tm_start "TERM=xterm-256color $HUTCH_TOP -a -d 1 -s name -f '$id'" || fail "tmux starts"
check "the table shows the three cgroups" tm_wait 10 "/$gone"
screen=$(tm_screen)
echo "$screen" | head -12
assert_contains "header with host totals" "CPUs, mem " "$screen"
assert_contains "column titles" "NAME" "$screen"
first_row() { tm_screen | sed -n 5p; }
assert_contains "sorted by name: busy first (b < g < m)" "/$busy" "$(first_row)"
tm send-keys -t top r
check "r reverses: mem first" tm_wait 5 "^/$mem"
# s opens the chooser; from "name" down three entries is "cpu".
tm send-keys -t top s
check "s shows the sort chooser" tm_wait 5 "sort by"
tm send-keys -t top Down Down Down Enter
check "sort line says cpu" tm_wait 5 "sort: cpu \(reversed\)"
tm send-keys -t top r
check "sorted by CPU: busy on top" tm_wait 5 "^/$busy .* running +[0-9]+\.[0-9] "
cpu=$(tm_screen | awk -v id="/$busy" '$1 == id { print $4 }')
# Busy, not a fixed figure: other tests share this host (test_batch.sh and
# test_layouts.sh check the figure against the kernel's own count).
assert_between "busy cgroup's CPU%" 1 110 "$cpu"

# The filter hides rows.
tm send-keys -t top f
check "f opens the filter prompt" tm_wait 5 "^filter \(regex"
tm send-keys -t top C-u
tm_filter_type "$id-mem"
check "filter applied" tm_wait 5 "filter: $id-mem"
screen=$(tm_screen)
assert_contains "filter keeps mem" "/$mem" "$screen"
if grep -q -- "/$busy " <<<"$screen"; then fail "filter hides busy"; else pass "filter hides busy"; fi

# Details of the memory-limited cgroup, its limit lowered while the viewer runs
# (the table re-reads limits every 30 s; opening the details re-reads them).
vcg_memory_limit "$mem" $((40 * 1024 * 1024))
tm send-keys -t top Enter
check "detail view shows the limit" tm_wait 5 "memory: .* used, limit 40M \(41943040 bytes\)"
screen=$(tm_screen)
echo "$screen" | sed -n 4,20p
assert_contains "detail view shows the cgroup path" "cgroup: /$mem" "$screen"
assert_contains "detail view lists its process" "sleep" "$screen"
check "sparklines after a refresh" tm_wait 5 "^CPU .*\|.*\|"
tm send-keys -t top Escape
check "Esc goes back to the table" tm_wait 5 "s sort  r reverse"

# A cgroup whose process was OOM-killed: the detail view counts it.
oom=$id-oom
vcg_limited "$oom" $((16 * 1024 * 1024)) python3 -c 'import time; time.sleep(0.3); x = bytearray(128 << 20); time.sleep(60)'
oom_pid=$CGROUP_PID
wait "$oom_pid" 2>/dev/null
cgroup_run "$oom" sleep 600
tm_filter "$oom"
check "the OOM-killed cgroup's row" tm_wait 8 "^/$oom "
tm send-keys -t top Enter
check "detail view counts the OOM kill" tm_wait 5 "OOM events: [1-9][0-9]*, OOM kills: [1-9]"
tm send-keys -t top Escape

# Clear the filter; remove one cgroup: its row leaves the table.
tm_filter "$id"
check "all three again" tm_wait 5 "/$gone"
# Its detail view open while it goes: back to the table with a message.
tm_filter "$gone"
check "filter to the doomed cgroup" tm_wait 5 "filter: $gone"
tm send-keys -t top Enter
check "its detail view" tm_wait 5 "cgroup: /$gone"
kill -KILL "$gone_pid"
wait "$gone_pid" 2>/dev/null
cgroup_rm "$gone"
check "a vanished container's detail view says so" tm_wait 10 "/$gone is gone"
tm_filter "$id"
check "removed cgroup left the table" wait_for 10 bash -c "! tmux -L '$TMUX_SOCK' capture-pane -p -t top | grep -q -- '^/$gone'"
check "the others stay" tm_wait 3 "/$mem"

# a: containers only hides these plain cgroups.
tm send-keys -t top a
check "a: containers only" tm_wait 5 "containers only"
check "a: plain cgroups hidden" wait_for 5 bash -c "! tmux -L '$TMUX_SOCK' capture-pane -p -t top | grep -q -- '/$mem'"
tm send-keys -t top a
check "a again: all cgroups" tm_wait 5 "/$mem"

# Colours near a limit: ~57M of a 64M limit is past 75% (yellow) or 90% (red).
hot=$id-hot
vcg_limited "$hot" $((64 * 1024 * 1024)) python3 -c 'import time; x = b"\x01" * (50 << 20); time.sleep(600)'
tm_filter "$hot"
check "the row near its memory limit" tm_wait 8 "^/$hot .*64M \[###"
row=$(tm capture-pane -e -p -t top | grep -a -- "/$hot")
if grep -aqE $'\e\\[(1m\e\\[)?3[13]m +[0-9.]+M' <<<"$row"; then
	pass "memory near its limit is coloured (yellow or red)"
else
	fail "memory near its limit is coloured: $(cat -v <<<"$row")"
fi
cold=$(tm capture-pane -e -p -t top | grep -a -- "/$hot" | grep -ac $'\e\\[(1m\e\\[)?3[13]m +- ')
assert_eq "the CPU quota column (no quota) is not coloured" 0 "$cold"
tm_filter "$id"

# A terminal too small says so, and the table comes back when it grows.
tm resize-window -t top -x 30 -y 6
check "too small: a message" tm_wait 5 "terminal too small"
tm resize-window -t top -x 200 -y 50
check "resized back: the table" tm_wait 5 "/$mem"
if tm_dead; then fail "still running after resizes"; else pass "still running after resizes"; fi

tm send-keys -t top h
check "h shows help" tm_wait 5 "hutch top - keys"
tm send-keys -t top Escape
tm send-keys -t top q
check "q quits" wait_for 5 tm_dead
