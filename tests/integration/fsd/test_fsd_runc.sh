#!/usr/bin/env bash
# A container made by Debian's runc with hutch-fsd's files bind-mounted over
# /proc/... as docker users write for lxcfs (-v /var/lib/lxcfs/proc/meminfo:/proc/meminfo),
# limited to 256 MiB, one CPU of quota and cpuset 0-1: what busybox's top,
# /proc/cpuinfo, /sys/devices/system/cpu/online and /proc/uptime show inside.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"
fsd_need
need_cmd runc busybox python3

mp=$FSD_TMP/mnt
start_fsd "$mp"
bundle=$FSD_TMP/bundle
bash "$HUTCH_SRC/scripts/make-busybox-rootfs.sh" "$bundle/rootfs" >/dev/null || skip "cannot build a busybox rootfs"
id=$(test_id)
(cd "$bundle" && runc spec)
ID=$id MP=$mp python3 - "$bundle/config.json" <<'PY'
import json, os, sys
path = sys.argv[1]
c = json.load(open(path))
mp = os.environ["MP"]
c["process"]["terminal"] = False
c["process"]["args"] = ["sh", "-c", """
echo "memtotal: $(awk '/^MemTotal/ { print $2 }' /proc/meminfo)"
echo "top: $(top -bn1 | grep '^Mem:')"
echo "processors: $(grep -c ^processor /proc/cpuinfo)"
echo "online: $(cat /sys/devices/system/cpu/online)"
echo "statcpus: $(grep -c '^cpu[0-9]' /proc/stat)"
echo "uptime: $(cut -d' ' -f1 /proc/uptime)"
echo "loadavg: $(cat /proc/loadavg)"
echo "swaps: $(wc -l </proc/swaps)"
"""]
c["root"]["readonly"] = True
files = ["meminfo", "cpuinfo", "stat", "uptime", "loadavg", "diskstats", "swaps"]
for f in files:
    c["mounts"].append({"destination": "/proc/" + f, "type": "bind",
                        "source": mp + "/proc/" + f, "options": ["bind", "ro"]})
c["mounts"].append({"destination": "/sys/devices/system/cpu/online", "type": "bind",
                    "source": mp + "/sys/devices/system/cpu/online", "options": ["bind", "ro"]})
c["linux"]["cgroupsPath"] = "/" + os.environ["ID"]
c["linux"]["resources"] = {
    "memory": {"limit": 256 * 1024 * 1024},
    "cpu": {"quota": 100000, "period": 100000, "cpus": "0-1"},
}
json.dump(c, open(path, "w"), indent=1)
PY
root=$FSD_TMP/runc-root
on_exit "runc --root '$root' delete -f '$id'"
out=$(cd "$bundle" && timeout 60 runc --root "$root" run "$id" 2>&1)
rc=$?
echo "$out" | sed 's/^/    /'
[ $rc -eq 0 ] || { fail "runc run exited $rc"; exit 1; }
val() { echo "$out" | sed -n "s/^$1: //p"; }

assert_eq "MemTotal is runc's memory limit" 262144 "$(val memtotal)"
top_total=$(val top | awk '{ gsub("K", ""); print $2 + $4 }')
assert_eq "busybox top's used + free is the limit (KiB)" 262144 "$top_total"
assert_eq "cpuinfo: cpuset 0-1 cut to one CPU of quota" 1 "$(val processors)"
assert_eq "online CPUs" 0 "$(val online)"
assert_eq "cpuN lines of /proc/stat" 1 "$(val statcpus)"
assert_between "uptime is the container's" 0 30 "$(val uptime)"
check "loadavg has the kernel's format" grep -Eq '^[0-9.]+ [0-9.]+ [0-9.]+ [0-9]+/[0-9]+ [0-9]+$' <<<"$(val loadavg)"
assert_eq "swaps: the header (no swap on a container without a swap limit on a host without swap)" \
	"$(($(wc -l </proc/swaps) > 1 ? 2 : 1))" "$(val swaps)"

stop_fsd "$FSD_PID"
