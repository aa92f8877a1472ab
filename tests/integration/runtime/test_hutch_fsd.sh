#!/usr/bin/env bash
# hutch's containers with hutch-fsd itself: a container limited to 256 MiB and
# half a CPU sees its limits in procps-style tools, whether the reader is the
# container's own command or a `hutch exec` (whose parent is outside the
# container's pid namespace); --no-fsd sees the host. The image gets the
# host's procps tools (busybox's free and uptime use sysinfo(2), which no
# FUSE daemon can change).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"
need_bin hutch-fsd
[ -e /dev/fuse ] || skip "needs /dev/fuse"

fsd=$T/fsd
mkdir -p "$fsd"
hutch-fsd "$fsd" >"$T/fsd.log" 2>&1 &
fsd_pid=$!
on_exit "kill_pid $fsd_pid; umount -l '$fsd'"
wait_for 10 test -f "$fsd/proc/meminfo" || { cat "$T/fsd.log"; fail "hutch-fsd did not mount"; exit 1; }
export HUTCH_FSD_DIR=$fsd
host_kb=$(awk '/^MemTotal/ { print $2 }' /proc/meminfo)
bash "$HUTCH_SRC/scripts/add-host-tools.sh" "$ROOTFS" free top uptime getconf || { fail "add procps to the image"; exit 1; }

out=$(hutch run --rm -m 256m --cpus 0.5 --cgroup-parent "$CGPARENT" --rootfs "$ROOTFS" \
	sh -c '/usr/bin/free | awk "/^Mem:/ { print \$2 }"; /usr/bin/getconf _NPROCESSORS_ONLN; grep -c ^processor /proc/cpuinfo; cat /sys/devices/system/cpu/online; cut -d" " -f1 /proc/uptime; /usr/bin/uptime')
echo "$out" | sed 's/^/    /'
set -- $out
assert_eq "procps free inside the container: 256 MiB" "$((256 * 1024))" "${1:-}"
assert_eq "sysconf(_SC_NPROCESSORS_ONLN): one CPU for half a CPU of quota" 1 "${2:-}"
assert_eq "/proc/cpuinfo: one processor" 1 "${3:-}"
assert_eq "cpu/online" 0 "${4:-}"
# The container's own uptime: well under the host's (a loaded TCG guest can take
# seconds to start a container, so the bound is generous, not tight).
own_max=$(awk '{ m = $1 - 10; print (m < 30 ? m : 30) }' /proc/uptime)
assert_between "/proc/uptime: the container's own, seconds old" 0 "$own_max" "${5:-}"
assert_contains "procps uptime: up 0 min" "up 0 min" "$out"
# /proc/pressure/* bound too where the kernel has PSI.
want=0
[ -e /proc/pressure/cpu ] && want=3
assert_eq "/proc/pressure/{cpu,memory,io} are hutch-fsd's" "$want" \
	"$(hutch run --rm --cgroup-parent "$CGPARENT" --rootfs "$ROOTFS" sh -c 'grep -c " /proc/pressure/[a-z]* .* fuse.hutch-fsd " /proc/self/mountinfo')"
# procps top, on its own so what it says on failure is kept (it has exited 1
# with no output twice in ~36 loaded runs; the cause is not found yet).
top_run() {
	hutch run --rm -e TERM=xterm -m 256m --cpus 0.5 --cgroup-parent "$CGPARENT" --rootfs "$ROOTFS" \
		sh -c '/usr/bin/top -bn1 2>&1; echo "top exit $?"'
}
top_out=$(top_run)
if [[ "$top_out" != *"Mem :"* ]]; then
	echo "  top's first try printed: ${top_out:0:400} (trying once more)"
	top_out=$(top_run)
fi
assert_contains "procps top: 256 MiB total" "256.0 total" "$top_out"
assert_contains "procps top exits 0" "top exit 0" "$top_out"

hutch run -d --name fsdx -m 192m --cpus 0.5 --cgroup-parent "$CGPARENT" --rootfs "$ROOTFS" sleep 60 >/dev/null
sleep 1.5
out=$(hutch exec fsdx sh -c 'head -1 /proc/meminfo | awk "{ print \$2 }"; /usr/bin/getconf _NPROCESSORS_ONLN; cut -d" " -f1 /proc/uptime; grep -c ^cpu /proc/stat')
set -- $out
assert_eq "hutch exec: MemTotal is the limit" "$((192 * 1024))" "${1:-}"
assert_eq "hutch exec: sysconf(_SC_NPROCESSORS_ONLN)" 1 "${2:-}"
assert_between "hutch exec: uptime since the container's init" 1 "$own_max" "${3:-}"
assert_eq "hutch exec: /proc/stat has cpu and cpu0" 2 "${4:-}"
hutch rm -f fsdx >/dev/null

out=$(hutch run --rm --no-fsd -m 256m --cgroup-parent "$CGPARENT" --rootfs "$ROOTFS" head -1 /proc/meminfo)
assert_eq "--no-fsd: the host's MemTotal" "$host_kb" "$(echo "$out" | awk '{ print $2 }')"
check "hutch-fsd still serving" kill -0 "$fsd_pid"
! grep -q "ERROR\|Sanitizer" "$T/fsd.log"
check "hutch-fsd logged no error" [ $? -eq 0 ]
