#!/usr/bin/env bash
# hutch-fsd's memory stays bounded under a flood of opens: 200 readers in one
# container (open, read, close in a loop, fsd_hammer) for FSD_MEMORY_SECONDS
# (20; a minute in the issue): the worker's RSS after the first 5 s grows by
# less than 4 MB, and no read fails. (Handles live in a bounded table, not
# until RELEASE; max_background lets the kernel send RELEASEs along.)
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"
fsd_need_hammer
seconds=${FSD_MEMORY_SECONDS:-20}
mp=$FSD_TMP/mnt
start_fsd "$mp"
hammer_in_ctr "$FSD_TMP/out" 200 /proc/meminfo /proc/stat /proc/loadavg
p=$HAMMER_PID
rss() { awk '/^VmRSS/ { print $2 }' /proc/"$(pgrep -P "$FSD_PID" | head -1)"/status; }
sleep 5
first=$(rss)
samples=$first
for _ in $(seq $(((seconds - 5) / 5))); do
	sleep 5
	samples="$samples $(rss)"
done
last=$(rss)
touch "$stop"
wait "$p"
reads=$(awk '{ for (i = 1; i <= NF; i++) { split($i, a, "="); if (a[1] == "reads") s += a[2] } } END { print s + 0 }' "$FSD_TMP/out")
errors=$(awk '{ for (i = 1; i <= NF; i++) { split($i, a, "="); if (a[1] == "errors" || a[1] == "empty" || a[1] == "short") s += a[2] } } END { print s + 0 }' "$FSD_TMP/out")
echo "200 readers, ${seconds} s: $reads reads; worker RSS (kB, every 5 s): $samples"
check "readers read" test "$reads" -gt 1000
assert_eq "failed, empty or short reads" 0 "$errors"
assert_between "RSS growth after the first 5 s (kB)" -100000 4096 $((last - first))
stop_fsd "$FSD_PID"
