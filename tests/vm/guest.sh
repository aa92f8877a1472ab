#!/usr/bin/env bash
# Stage 2, PID 1 of the guest after switch_root: the host's own bash over the
# overlay root. Mounts the cgroup layout the harness asked for
# (HUTCH_VM_CGROUP=v2: cgroup2 at /sys/fs/cgroup only; v1: v1 hierarchies
# only, as systemd's legacy mode lays them out), makes the guest kernel's
# modules reachable by modprobe, runs the project's integration tests with
# ctest and writes their output to /results, then powers the guest off.
set -uo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb LANG=C.UTF-8

log() { echo "hutch-vm: $*"; }
off() {
	sync
	echo o >/proc/sysrq-trigger
	sleep 30
}
trap off EXIT

hostname hutch-vm
ip link set lo up

# The guest kernel's modules (unpacked from the .deb, depmod run by the
# harness), where modprobe looks: tests load what they need (veth, ...).
mkdir -p /lib/modules
mount --bind "$HUTCH_VM_MODULES" /lib/modules
for m in $HUTCH_VM_MODPROBE; do
	modprobe "$m" || log "modprobe $m failed"
done

mount_v2() {
	mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup || return 1
	# As systemd does: every controller enabled for the root's children, and
	# no process left in the root (tests run in a leaf, like a service).
	local c
	for c in $(cat /sys/fs/cgroup/cgroup.controllers); do
		echo "+$c" >/sys/fs/cgroup/cgroup.subtree_control || log "cannot enable $c"
	done
	mkdir -p /sys/fs/cgroup/init.scope /sys/fs/cgroup/system.slice/hutch-tests.service
	echo $$ >/sys/fs/cgroup/init.scope/cgroup.procs
}
mount_v1() {
	mount -t tmpfs -o mode=0755 cgroup /sys/fs/cgroup || return 1
	# systemd's legacy layout: co-mounted pairs with symlinks, a named
	# hierarchy for systemd, and no cgroup2 anywhere.
	local c
	for c in $(awk '!/^#/ && $4 == 1 { print $1 }' /proc/cgroups); do
		case $c in
		cpu | cpuacct) c=cpu,cpuacct ;;
		net_cls | net_prio) c=net_cls,net_prio ;;
		esac
		[ -d "/sys/fs/cgroup/$c" ] && continue
		mkdir "/sys/fs/cgroup/$c"
		mount -t cgroup -o "$c" cgroup "/sys/fs/cgroup/$c" || log "cannot mount v1 $c"
	done
	ln -s cpu,cpuacct /sys/fs/cgroup/cpu
	ln -s cpu,cpuacct /sys/fs/cgroup/cpuacct
	ln -s net_cls,net_prio /sys/fs/cgroup/net_cls
	ln -s net_cls,net_prio /sys/fs/cgroup/net_prio
	mkdir /sys/fs/cgroup/systemd
	mount -t cgroup -o none,name=systemd cgroup /sys/fs/cgroup/systemd
	mount -o remount,ro /sys/fs/cgroup
}
case $HUTCH_VM_CGROUP in
v2) mount_v2 ;;
v1) mount_v1 ;;
*) false ;;
esac || {
	log "BOOT FAILED: cannot mount the $HUTCH_VM_CGROUP cgroup layout"
	exit 1
}
log "cgroups: $(awk '$0 ~ / - cgroup2? / { printf "%s ", $5 }' /proc/self/mountinfo)"

# The tests run with ctest in the build dir (writable here: the overlay keeps
# Testing/ in the guest), with the same output lines as on the host.
cd "$HUTCH_BUILD" || exit 1
run_tests() {
	if [ "$HUTCH_VM_CGROUP" = v2 ]; then
		echo $BASHPID >/sys/fs/cgroup/system.slice/hutch-tests.service/cgroup.procs
	fi
	ctest --output-on-failure --timeout 300 --repeat until-pass:2 -L integration -R "$HUTCH_VM_TESTS" $HUTCH_VM_CTEST_ARGS
}
start=$(date +%s.%N)
log "stage 2 ready at $(cut -d' ' -f1 /proc/uptime)s of uptime"
if [ -n "${HUTCH_VM_CMD:-}" ]; then
	# A command instead of the tests (to look into a guest by hand).
	run_tests() { bash -c "$HUTCH_VM_CMD"; }
fi
run_tests 2>&1 | tee /results/ctest-output.txt
echo "rc=${PIPESTATUS[0]}" >/results/ctest-rc
cp Testing/Temporary/LastTest.log /results/ 2>/dev/null
awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f\n", e - s }' >/results/test-seconds
log "tests done"
