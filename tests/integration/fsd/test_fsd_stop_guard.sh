#!/usr/bin/env bash
# A stopped hutch-fsd (SIGTERM: a real stop, not an upgrade) leaves no mount
# point where a runtime would make a directory where a file belongs: docker's
# daemon makes a missing -v source with MkdirAll (mkdir -p here), and a
# container started so would get a directory at /proc/meminfo. The stop leaves
# a read-only guard there instead (that mkdir fails: the runtime refuses to
# start the container). Starting on it removes the guard and serves files
# again; starting on a bare mount point where a runtime made such directories
# (a hutch-fsd from before the guard) removes them; both say so in the log.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"
fsd_need

mp=$FSD_TMP/mnt
start_fsd "$mp"
check "serving: proc/meminfo is a file" test -f "$mp/proc/meminfo"
stop_fsd "$FSD_PID"
check "stopped: no FUSE mount" not_mounted "$mp"
check "stopped: the read-only guard" is_guarded "$mp"
out=$(mkdir -p "$mp/proc/meminfo" 2>&1)
assert_contains "a runtime's mkdir -p of the bind source fails" "Read-only file system" "$out"
check "no directory where proc/meminfo belongs" test ! -e "$mp/proc/meminfo"
assert_contains "the log says what the stop left" "read-only guard" "$(cat "$FSD_TMP/fsd.log")"

# Started again on the guard: the guard goes, the files are back.
: >"$FSD_TMP/fsd.log"
start_fsd "$mp"
check "started on the guard: proc/meminfo is a file again" test -f "$mp/proc/meminfo"
assert_contains "the file is served" "MemTotal" "$(head -1 "$mp/proc/meminfo")"
assert_contains "the log says it removed the guard" "removed the read-only guard" "$(cat "$FSD_TMP/fsd.log")"
check "one mount there: the FUSE one" test "$(awk -v d="$mp" '$5 == d' /proc/self/mountinfo | wc -l)" -eq 1
stop_fsd "$FSD_PID"

# A bare mount point where a runtime made directories (no guard: a daemon from
# before it, or an admin's umount): the start removes the empty ones.
umount "$mp"
check "bare: the guard removed by hand" not_mounted "$mp"
mkdir -p "$mp/proc/meminfo" "$mp/sys/devices/system/cpu/online"
: >"$FSD_TMP/fsd.log"
start_fsd "$mp"
check "started on the bare directories: proc/meminfo is a file" test -f "$mp/proc/meminfo"
assert_contains "the log says what it removed" "removed 7 empty directories" "$(cat "$FSD_TMP/fsd.log")"
stop_fsd "$FSD_PID"
umount "$mp"
assert_eq "nothing left under the mount point" "" "$(ls -A "$mp")"
