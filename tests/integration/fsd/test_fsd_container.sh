#!/usr/bin/env bash
# hutch-fsd seen from inside a container (a cgroup with 256 MiB, one CPU of
# quota over a cpuset of two, and its own pid and mount namespace with the
# fsd's files bind-mounted over /proc): procps' free, top, uptime, nproc-style
# counts, chunked reads; and the host's files for a reader in the host's pid namespace.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"
fsd_need
need_cmd free top uptime dd busybox

mp=$FSD_TMP/mnt
start_fsd "$mp"
cg=$(test_id)
make_cgroup "$cg" $((256 * 1024 * 1024)) 100000 100000 0-1 || skip "cannot make a cgroup with limits"

out=$(in_ctr "$cg" "$mp" '
	echo "free: $(free -b | awk "/^Mem:/ { print \$2 }")"
	echo "free-used: $(free -b | awk "/^Mem:/ { print \$3 }")"
	echo "processors: $(grep -c ^processor /proc/cpuinfo)"
	echo "online: $(cat /sys/devices/system/cpu/online)"
	echo "statcpus: $(grep -c "^cpu[0-9]" /proc/stat)"
	echo "top: $(top -bn1 | grep -E "^(MiB|KiB) Mem")"
	echo "topcpus: $(top -bn1 -1 | grep -c "^%Cpu")"
	echo "uptime: $(uptime)"
	echo "procuptime: $(cut -d" " -f1 /proc/uptime)"
	echo "loadavg: $(cat /proc/loadavg)"
	echo "processes: $(awk "/^processes/ { print \$2 }" /proc/stat)"
	p0=$(awk "/^processes/ { print \$2 }" /proc/stat)
	sleep 30 & hi=$!; for i in 1 2 3; do /bin/true; done; kill $hi; wait $hi 2>/dev/null
	# (stat is cached for 100 ms: poll for the newer text)
	for i in $(seq 100); do
		p1=$(awk "/^processes/ { print \$2 }" /proc/stat)
		[ "$p1" -ge $((p0 + 4)) ] && break
		sleep 0.1
	done
	echo "processes-before: $p0"
	echo "processes-after: $p1"
	echo "running: $(awk "/^procs_running/ { print \$2 }" /proc/stat)"
	cat /proc/meminfo >/tmp/meminfo.cat 2>/dev/null
	echo "memtotal-cat: $(grep MemTotal /proc/meminfo)"
	echo "memtotal-dd7: $(dd if=/proc/meminfo bs=7 2>/dev/null | grep MemTotal)"
	echo "keys-cat: $(cut -d: -f1 /proc/meminfo | md5sum)"
	echo "keys-dd7: $(dd if=/proc/meminfo bs=7 2>/dev/null | cut -d: -f1 | md5sum)"
	echo "cpuinfo-cat: $(md5sum </proc/cpuinfo)"
	echo "cpuinfo-dd7: $(dd if=/proc/cpuinfo bs=7 2>/dev/null | md5sum)"
	echo "cpuinfo-dd1: $(dd if=/proc/cpuinfo bs=1 2>/dev/null | md5sum)"
	echo "cpuinfo-skip: $(dd if=/proc/cpuinfo bs=1 skip=3 count=10 2>/dev/null)"
	echo "cpuinfo-len: $(wc -c </proc/cpuinfo)"
	echo "cpuinfo-sendfile: $(busybox cat /proc/cpuinfo 2>/dev/null | md5sum)"
	echo "online-sendfile: $(busybox cat /sys/devices/system/cpu/online 2>/dev/null)"
')
echo "$out" | sed 's/^/    /'
val() { echo "$out" | sed -n "s/^$1: //p"; }

assert_eq "free -b total is the memory limit" 268435456 "$(val free)"
assert_between "free -b used is the container's (small, not the host's)" 1 $((64 * 1024 * 1024)) "$(val free-used)"
assert_eq "cpuinfo processors: the cpuset 0-1 cut to one CPU of quota" 1 "$(val processors)"
assert_eq "sys/devices/system/cpu/online" 0 "$(val online)"
assert_eq "cpuN lines in /proc/stat" 1 "$(val statcpus)"
assert_contains "top -bn1 shows 256 MiB" "256.0 total" "$(val top)"
assert_eq "top -1 shows one CPU line" 1 "$(val topcpus)"
assert_contains "uptime prints the container's own uptime" "up 0 min" "$(val uptime)"
assert_between "/proc/uptime is the container's (seconds)" 0 30 "$(val procuptime)"
assert_contains "uptime prints a load average" "load average:" "$(val uptime)"
check "loadavg has the kernel's format" grep -Eq '^[0-9]+\.[0-9]{2} [0-9]+\.[0-9]{2} [0-9]+\.[0-9]{2} [0-9]+/[0-9]+ [0-9]+$' <<<"$(val loadavg)"
# processes: a fork counter that never goes back (the host's, as lxcfs's), though the
# container's highest pid (sleep) exited; it counted the four forks at least.
check "processes counted the container's forks and did not go back ($(val processes-before) -> $(val processes-after))" \
	test "$(val processes-after)" -ge $(($(val processes-before) + 4))
assert_between "procs_running: the container's" 0 10 "$(val running)"
assert_eq "MemTotal read 7 bytes at a time" "$(val memtotal-cat)" "$(val memtotal-dd7)"
assert_eq "meminfo keys read 7 bytes at a time" "$(val keys-cat)" "$(val keys-dd7)"
assert_eq "cpuinfo read 7 bytes at a time" "$(val cpuinfo-cat)" "$(val cpuinfo-dd7)"
assert_eq "cpuinfo read 1 byte at a time" "$(val cpuinfo-cat)" "$(val cpuinfo-dd1)"
assert_eq "a read at offset 3" "$(grep -m1 ^processor /proc/cpuinfo | cut -c4-13)" "$(val cpuinfo-skip)"
assert_between "cpuinfo is not truncated (one CPU's block)" 500 100000 "$(val cpuinfo-len)"
assert_eq "cpuinfo read with sendfile (busybox cat)" "$(val cpuinfo-cat)" "$(val cpuinfo-sendfile)"
assert_eq "online read with sendfile (busybox cat)" 0 "$(val online-sendfile)"

# The host's pid namespace reads the host's files.
host_total=$(awk '/^MemTotal/ { print $2 }' /proc/meminfo)
assert_eq "a host reader sees the host's MemTotal" "$host_total" "$(awk '/^MemTotal/ { print $2 }' "$mp/proc/meminfo")"
assert_eq "a host reader sees the host's cpuinfo" "$(grep -c ^processor /proc/cpuinfo)" "$(grep -c ^processor "$mp/proc/cpuinfo")"
assert_eq "a host reader sees the host's online CPUs" "$(cat /sys/devices/system/cpu/online)" "$(cat "$mp/sys/devices/system/cpu/online")"
# sendfile reads through the page cache up to the inode's size, which one
# container's short read shrinks: a bigger file read next is still whole.
assert_eq "host sendfile after a container's" "$(md5sum <"$mp/proc/cpuinfo")" "$(busybox cat "$mp/proc/cpuinfo" | md5sum)"
assert_eq "container sendfile after the host's" "$(val cpuinfo-cat)" "$(in_ctr "$cg" "$mp" 'busybox cat /proc/cpuinfo | md5sum')"
assert_eq "host sendfile after a container's, again" "$(md5sum <"$mp/proc/cpuinfo")" "$(busybox cat "$mp/proc/cpuinfo" | md5sum)"
check "the tree lists lxcfs's proc files" test "$(cd "$mp" && find proc -type f | sort | tr '\n' ' ')" = "proc/cpuinfo proc/diskstats proc/loadavg proc/meminfo proc/pressure/cpu proc/pressure/io proc/pressure/memory proc/slabinfo proc/stat proc/swaps proc/uptime "
check "and sys/devices/system/cpu/online" test -f "$mp/sys/devices/system/cpu/online"
check "files are read-only" bash -c "! (echo x >'$mp/proc/meminfo') 2>/dev/null"

# --no-cfs: the whole cpuset.
mp2=$FSD_TMP/mnt-nocfs
start_fsd "$mp2" --no-cfs
assert_eq "--no-cfs shows the cpuset's two CPUs" 2 "$(in_ctr "$cg" "$mp2" 'grep -c ^processor /proc/cpuinfo')"
assert_eq "--no-cfs online list" 0-1 "$(in_ctr "$cg" "$mp2" 'cat /sys/devices/system/cpu/online')"

# A process using memory shows up in free's used column.
used=$(in_ctr "$cg" "$mp" 'head -c 100000000 /dev/zero | tail -c 1 >/dev/null; A=$(head -c 64000000 /dev/zero | tr "\0" x); sleep 0.3; free -b | awk "/^Mem:/ { print \$3 }"; : "${#A}"')
assert_between "free's used grows with a 64 MB string in the container" $((60 * 1000 * 1000)) $((250 * 1024 * 1024)) "$used"

# A busy container: top's first frame (two reads of one open /proc/stat a
# moment apart) shows it busy, not "0.0 us, 100.0 id" from one cached text.
# In a small container the two reads are a few ms apart, less than the
# file's 10 ms tick, so a frame may see no tick pass (100.0 id, as top on the
# host can): of 8 runs, at least one must show the busy loop.
busy=$(in_ctr "$cg" "$mp" '
	(while :; do :; done) & sleep 0.5
	for i in 1 2 3 4 5 6 7 8; do top -bn1 | grep -m1 "^%Cpu"; done; kill $!')
echo "$busy" | sed 's/^/    busy: /'
n_busy=$(awk -F, '{ for (i = 1; i <= NF; i++) if ($i ~ / id/) { sub(/ id.*/, "", $i); if ($i + 0 < 70) n++ } } END { print n + 0 }' <<<"$busy")
assert_between "top -bn1's first frame shows a busy container busy (runs of 8)" 1 8 "$n_busy"

# libfuse's own multi-threaded loop serves the same.
mp3=$FSD_TMP/mnt-mt
start_fsd "$mp3" --mt-loop
assert_eq "--mt-loop: free -b total" 268435456 "$(in_ctr "$cg" "$mp3" 'free -b | awk "/^Mem:/ { print \$2 }"')"

# By default one answering thread per CPU (2 to 4 CPUs); --one-answerer serves the same with one.
if [ "$(nproc)" -gt 1 ] && [ "$(nproc)" -le 4 ]; then
	check "one answering thread per CPU by default" grep -q "answering threads, one per CPU" "$FSD_TMP/fsd.log"
fi
mp4=$FSD_TMP/mnt-one
start_fsd "$mp4" --one-answerer
assert_eq "--one-answerer: free -b total" 268435456 "$(in_ctr "$cg" "$mp4" 'free -b | awk "/^Mem:/ { print \$2 }"')"

stop_fsd "$FSD_PID"
