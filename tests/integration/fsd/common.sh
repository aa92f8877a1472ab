# Helpers of hutch-fsd's integration tests (sourced after tests/integration/lib.sh).
# Containers here are what runtimes make: a cgroup in every v1 hierarchy
# (or a cgroup2 directory), a new pid and mount namespace whose init is in it,
# and the fsd's files bind-mounted over /proc/... inside.

FSD_FILES="meminfo cpuinfo stat uptime loadavg diskstats swaps"

fsd_need() {
	need_root
	need_bin hutch-fsd
	need_cmd unshare mount umount
	[ -c /dev/fuse ] || skip "needs /dev/fuse"
	[ -n "$(cgroup_v1_mount memory)" ] || [ -n "$(cgroup_v2_mount)" ] || skip "needs cgroups"
}

# fsd_need_hammer: fsd_need, and the readers of the restart and memory tests (sets hammer).
fsd_need_hammer() {
	fsd_need
	hammer=$HUTCH_BUILD/tests/fsd_hammer
	[ -x "$hammer" ] || skip "fsd_hammer not built"
}

# hammer_in_ctr OUT N FILE...: N fsd_hammer readers of FILE... in a new 256 MiB
# container of the mount $mp, in the background (HAMMER_PID), their report in
# OUT; `touch $stop` ends them (and the test's end).
hammer_in_ctr() {
	local out=$1 n=$2 cg
	shift 2
	cg=$(test_id)
	make_cgroup "$cg" $((256 << 20)) 100000 100000 0 || { fail "make cgroup"; exit 1; }
	stop=$FSD_TMP/stop
	in_ctr "$cg" "$mp" "for i in \$(seq $n); do $hammer $stop $* & done; wait" >"$out" 2>&1 &
	HAMMER_PID=$!
	on_exit "touch $stop; kill_pid $HAMMER_PID"
}

# is_mounted DIR: a FUSE mount at DIR in our mount namespace (not the read-only
# guard a stopped hutch-fsd leaves there: is_guarded).
is_mounted() { awk -v d="$1" '$5 == d && / - fuse/ { f = 1 } END { exit !f }' /proc/self/mountinfo; }
not_mounted() { ! is_mounted "$1"; }
is_guarded() { awk -v d="$1" '$5 == d && / - tmpfs hutch-fsd-stopped / { f = 1 } END { exit !f }' /proc/self/mountinfo; }

# start_fsd MOUNTPOINT [ARGS...]: starts hutch-fsd in the background, waits for
# the mount; sets FSD_PID. Stopped (and unmounted) when the test ends.
start_fsd() {
	local mp=$1
	shift
	mkdir -p "$mp"
	hutch-fsd "$@" "$mp" 2>>"$FSD_TMP/fsd.log" &
	FSD_PID=$!
	on_exit "kill_pid $FSD_PID; umount -l '$mp' 2>/dev/null; rmdir '$mp'"
	if ! wait_for 10 is_mounted "$mp"; then
		cat "$FSD_TMP/fsd.log" >&2
		fail "hutch-fsd mounted at $mp"
		exit 1
	fi
}

# The cgroup.procs files of cgroup NAME (v1: each controller we use; v2: one).
cg_dirs() {
	local name=$1 c m
	if [ -n "$(cgroup_v1_mount memory)" ]; then
		for c in memory cpu cpuacct cpuset pids blkio; do
			m=$(cgroup_v1_mount "$c")
			[ -n "$m" ] && echo "$m/$name"
		done | sort -u
	else
		echo "$(cgroup_v2_mount)/$name"
	fi
}

# make_cgroup NAME MEM_BYTES QUOTA_US PERIOD_US CPUS: a container's cgroup with
# those limits (QUOTA_US "max" for none), removed when the test ends.
make_cgroup() {
	local name=$1 mem=$2 quota=$3 period=$4 cpus=$5 d
	for d in $(cg_dirs "$name"); do
		mkdir -p "$d" || return 1
		on_exit "cg_remove '$d'"
	done
	if [ -n "$(cgroup_v1_mount memory)" ]; then
		local cs mem_d cpu_d
		cs=$(cgroup_v1_mount cpuset)
		cat "$cs/cpuset.mems" >"$cs/$name/cpuset.mems"
		echo "$cpus" >"$cs/$name/cpuset.cpus"
		echo "$mem" >"$(cgroup_v1_mount memory)/$name/memory.limit_in_bytes"
		cpu_d=$(cgroup_v1_mount cpu)/$name
		echo "$period" >"$cpu_d/cpu.cfs_period_us"
		[ "$quota" = max ] && quota=-1
		echo "$quota" >"$cpu_d/cpu.cfs_quota_us"
	else
		local root
		root=$(cgroup_v2_mount)
		echo "+memory +cpu +cpuset +pids +io" >"$root/cgroup.subtree_control" 2>/dev/null
		d=$root/$name
		echo "$cpus" >"$d/cpuset.cpus"
		echo "$mem" >"$d/memory.max"
		echo "$quota $period" >"$d/cpu.max"
	fi
}

cg_remove() {
	local d=$1 p
	[ -d "$d" ] || return 0
	for _ in $(seq 20); do
		for p in $(cat "$d/cgroup.procs" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
		rmdir "$d" 2>/dev/null && return 0
		sleep 0.1
	done
}

# in_ctr CGROUP MOUNTPOINT SCRIPT: runs bash SCRIPT as pid 1 of a new pid and
# mount namespace in CGROUP, with MOUNTPOINT's files bind-mounted over /proc's
# and /sys/devices/system/cpu/online. Prints what SCRIPT prints.
in_ctr() {
	FSD_PROCS="$(for d in $(cg_dirs "$1"); do echo "$d/cgroup.procs"; done)" \
		FSD_MP=$2 FSD_SCRIPT=$3 FSD_FILES=$FSD_FILES bash -c '
		for f in $FSD_PROCS; do echo $$ >"$f" || exit 1; done
		exec unshare --pid --fork --kill-child --mount --propagation private --mount-proc bash -c "
			for f in \$FSD_FILES; do mount --bind \$FSD_MP/proc/\$f /proc/\$f || exit 1; done
			mount --bind \$FSD_MP/sys/devices/system/cpu/online /sys/devices/system/cpu/online || exit 1
			eval \"\$FSD_SCRIPT\""'
}

# A directory for the test's files, removed at the end.
FSD_TMP=$(mktemp -d "/tmp/hutch-test-fsd-XXXXXX")
on_exit "rm -rf '$FSD_TMP'"

# sysinfo_need, sysinfo_setup: for tests of sysinfo(2) in hutch's containers: a
# busybox rootfs with a static sysinfo probe (rootfs), hutch with its own state
# (hutch, HROOT) and cgroup parent (CGPARENT), both removed at the end; kv KEY
# TEXT: the value of KEY=... in the probe's output.
sysinfo_need() {
	need_bin hutch
	need_cmd busybox cc timeout
	grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || true
	grep -qw overlay /proc/filesystems || skip "needs overlayfs"
}
sysinfo_setup() {
	rootfs=$FSD_TMP/rootfs
	bash "$HUTCH_SRC/scripts/make-busybox-rootfs.sh" "$rootfs" >/dev/null || skip "cannot build a busybox rootfs"
	cc -static -O2 -o "$rootfs/bin/probe" "$HUTCH_SRC/tests/integration/fsd/sysinfo_probe.c" ||
		skip "cannot link a static probe"
	HROOT=$FSD_TMP/state
	CGPARENT=hutch-test-sysinfo-$$-$RANDOM
	on_exit _sysinfo_cleanup
	hutch() { "$HUTCH_BIN/hutch" --root "$HROOT" "$@"; }
}
_sysinfo_cleanup() {
	local id d
	for id in $(hutch ps -a -q 2>/dev/null); do hutch rm -f "$id" >/dev/null 2>&1; done
	for d in /sys/fs/cgroup/*/"$CGPARENT" /sys/fs/cgroup/"$CGPARENT"; do
		[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
	done
}
kv() { sed -n "s/^$1=//p" <<<"$2" | head -1; }

# sysinfo_sysx: a detached 192 MiB container, sysx, whose own process calls
# sysinfo when asked (/go), so its init's listener is the one used; ask prints
# the probe's answer.
sysinfo_sysx() {
	hutch run -d --name sysx -m 192m --cgroup-parent "$CGPARENT" --rootfs "$rootfs" sh -c \
		'while :; do if [ -e /go ]; then rm -f /go; probe >/res.tmp 2>&1; mv /res.tmp /res; fi; sleep 0.1; done' >/dev/null
}
ask() {
	hutch exec sysx touch /go </dev/null
	wait_for 15 hutch exec sysx test -e /res </dev/null
	hutch exec sysx sh -c 'cat /res; rm -f /res' </dev/null
}

# stop_fsd PID: SIGTERM; passes when it exits 0 and its log holds no sanitizer report
# (the tests also run against an ASan/UBSan build: HUTCH_BUILD=build-asan).
stop_fsd() {
	kill -TERM "$1"
	wait_for 10 bash -c "! kill -0 $1 2>/dev/null"
	wait "$1"
	assert_eq "hutch-fsd stops with exit 0 on SIGTERM" 0 $?
	if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error' "$FSD_TMP/fsd.log"; then
		fail "sanitizer report in hutch-fsd's log: $(grep -m3 -E 'Sanitizer|runtime error' "$FSD_TMP/fsd.log")"
	fi
}
