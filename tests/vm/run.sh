#!/usr/bin/env bash
# Boots one of Debian's packaged kernels in qemu and runs the project's own
# integration tests inside it, on a cgroup layout of our choosing.
#
#   tests/vm/run.sh KERNEL LAYOUT [TEST-REGEX]
#     KERNEL  6.1 (linux-image-amd64, Debian 12) or 6.12 (linux-image-6.12-amd64)
#     LAYOUT  v2 (cgroup2 at /sys/fs/cgroup only) or v1 (v1 hierarchies only)
#
# The kernel .deb is fetched with apt-get download into $HUTCH_VM_CACHE
# (/var/cache/hutch-vm) and unpacked with dpkg-deb -x: nothing is installed on
# this host. The guest boots from a small initramfs made here (busybox-static,
# the virtio-9p modules) and mounts this host's root read-only over 9p under a
# tmpfs overlay, so the built programs and every tool the tests use are the
# host's own. Prints ctest's lines for each test, the skipped tests' reasons,
# and a last line "hutch-vm: guest K/L: P passed, F failed, S skipped, boot Bs,
# tests Ts" (boot: from qemu's start to the tests' start and from their end to
# qemu's exit).
# Exit 0 when every test passed or skipped, 1 on a failure or a guest that
# does not boot, 77 when qemu is not installed.
set -uo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${HUTCH_BUILD:-$src/build}
cache=${HUTCH_VM_CACHE:-/var/cache/hutch-vm}
kernel=${1:-}
layout=${2:-}
tests=${3:-.}

case $kernel in
6.1) meta=linux-image-amd64 ;;
6.12) meta=linux-image-6.12-amd64 ;;
*) echo "usage: $0 6.1|6.12 v1|v2 [TEST-REGEX]" >&2; exit 2 ;;
esac
case $layout in
v1 | v2) ;;
*) echo "usage: $0 6.1|6.12 v1|v2 [TEST-REGEX]" >&2; exit 2 ;;
esac
name="$kernel/$layout"
fail() {
	echo "hutch-vm: FAIL: $*"
	echo "hutch-vm: guest $name: 0 passed, 1 failed, 0 skipped"
	exit 1
}
command -v qemu-system-x86_64 >/dev/null || {
	echo "SKIP: qemu-system-x86_64 is not installed (qemu-system-x86)"
	exit 77
}
[ "$(id -u)" -eq 0 ] || fail "needs root (the guest's 9p root export reads every file)"
[ -x "$build/bin/hutch" ] || fail "$build is not built (bash scripts/build.sh)"
busybox=$(command -v busybox) || fail "needs busybox (busybox-static)"
command -v depmod >/dev/null || fail "needs depmod (kmod)"

# --- The kernel: the meta package's current image, fetched once into the cache.
pkg=$(apt-cache depends --important "$meta" 2>/dev/null | awk '/Depends: linux-image-/ { print $2; exit }')
[ -n "$pkg" ] || fail "apt does not know $meta: is Debian 12's archive (and bookworm-security) in sources.list, and apt-get update run?"
tree=$cache/$pkg
if [ ! -e "$tree/.unpacked" ]; then
	mkdir -p "$cache" || fail "cannot make $cache"
	dl=$(mktemp -d "$cache/download.XXXXXX")
	chmod 755 "$dl"
	echo "hutch-vm: fetching $pkg (apt-get download)"
	if ! (cd "$dl" && apt-get download -q "$pkg" 2>&1 | grep -v '^W: Download is performed unsandboxed'); then
		:
	fi
	deb=$(ls "$dl"/*.deb 2>/dev/null | head -1)
	[ -n "$deb" ] || { rm -rf "$dl"; fail "apt-get download $pkg failed: no network to Debian's archive? (the kernel for the $kernel guest)"; }
	rm -rf "$tree"
	mkdir -p "$tree"
	dpkg-deb -x "$deb" "$tree" || { rm -rf "$dl" "$tree"; fail "dpkg-deb -x $deb failed"; }
	rm -rf "$dl"
	kver=$(ls "$tree/lib/modules" | head -1)
	# modules.dep for modprobe in the guest; written into the cache, not the host's /lib/modules.
	depmod -b "$tree" "$kver" || fail "depmod for $kver"
	touch "$tree/.unpacked"
fi
kver=$(ls "$tree/lib/modules" | head -1)
vmlinuz=$tree/boot/vmlinuz-$kver
[ -f "$vmlinuz" ] || fail "no $vmlinuz in $pkg"
moddir=$tree/lib/modules/$kver

work=$(mktemp -d /tmp/hutch-vm.XXXXXX)
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
results=$work/results
mkdir -p "$work/initrd"/{bin,mod,proc,sys,dev} "$results"

# --- The initramfs: busybox and the modules to reach the host's root, dependencies first.
cp "$busybox" "$work/initrd/bin/busybox"
cp "$src/tests/vm/init" "$work/initrd/init"
chmod 755 "$work/initrd/init"
declare -A seen=()
load=()
add_module() { # add_module NAME: the module and its dependencies, unless built in
	local name=$1 path dep
	path=$(awk -v n="$name" -F: '{ f = $1; sub(/.*\//, "", f); sub(/\.ko(\.[a-z]+)?$/, "", f); gsub(/-/, "_", f) } f == n { print $1; exit }' "$moddir/modules.dep")
	[ -n "$path" ] || return 0 # built in
	[ -n "${seen[$path]:-}" ] && return 0
	seen[$path]=1
	for dep in $(awk -v p="$path" -F: '$1 == p { print $2 }' "$moddir/modules.dep"); do
		dep=${dep##*/}
		dep=${dep%%.ko*}
		add_module "${dep//-/_}"
	done
	local base=${path##*/}
	base=${base%%.ko*}.ko
	case $path in
	*.xz) xz -dc "$moddir/$path" >"$work/initrd/mod/$base" ;;
	*.zst) zstd -qdc "$moddir/$path" >"$work/initrd/mod/$base" ;;
	*) cp "$moddir/$path" "$work/initrd/mod/$base" ;;
	esac
	load+=("$base")
}
for m in virtio_pci 9pnet_virtio 9p overlay; do
	add_module "$m"
done
printf '%s\n' "${load[@]}" >"$work/initrd/modules.load"
(cd "$work/initrd" && find . | "$busybox" cpio -o -H newc 2>/dev/null | gzip -1) >"$work/initrd.gz" ||
	fail "cannot make the initramfs"

# --- What the guest runs (read by stage 1 from the results share).
cat >"$results/env" <<ENV
export HUTCH_SRC='$src' HUTCH_BUILD='$build' HUTCH_VM_CGROUP='$layout'
export HUTCH_VM_MODULES='$tree/lib/modules'
export HUTCH_VM_MODPROBE='fuse overlay veth bridge'
export HUTCH_VM_TESTS='$tests' HUTCH_VM_CTEST_ARGS='${HUTCH_VM_CTEST_ARGS:-}'
export HUTCH_VM_CMD=$(printf %q "${HUTCH_VM_CMD:-}")
ENV

# The source and build trees get shares of their own, laid over the guest's root at
# the same paths: a tree under /tmp (or /run, /var/tmp, /dev/shm) would be hidden by
# the guest's tmpfs there. Each line of the shares file: TAG PATH.
shares=(-virtfs "local,path=$src,mount_tag=src0,readonly=on,security_model=none,multidevs=remap")
echo "src0 $src" >"$results/shares"
case $build/ in
"$src"/*) ;;
*)
	shares+=(-virtfs "local,path=$build,mount_tag=src1,readonly=on,security_model=none,multidevs=remap")
	echo "src1 $build" >>"$results/shares"
	;;
esac

# KVM when the CPU has virtualization extensions to give (a /dev/kvm without
# them, as in some nested VMs, hangs the guest); TCG otherwise.
accel=(-accel tcg -cpu max)
if [ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo && [ "${HUTCH_VM_ACCEL:-}" != tcg ]; then
	accel=(-accel kvm -cpu host)
fi
echo "hutch-vm: guest $name: kernel $kver ($pkg), ${accel[1]}"
start=$(date +%s.%N)
timeout "${HUTCH_VM_TIMEOUT:-900}" qemu-system-x86_64 "${accel[@]}" \
	-m "${HUTCH_VM_MEM:-2048}" -smp "${HUTCH_VM_CPUS:-2}" \
	-kernel "$vmlinuz" -initrd "$work/initrd.gz" \
	-append "console=ttyS0 panic=-1 quiet loglevel=4" \
	-virtfs "local,path=/,mount_tag=hostroot,readonly=on,security_model=none,multidevs=remap" \
	-virtfs "local,path=$results,mount_tag=results,security_model=none" \
	"${shares[@]}" \
	-nic none -display none -monitor none -no-reboot \
	-serial "file:$work/console.log" >"$work/qemu.log" 2>&1
qrc=$?
total=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
# To look into a guest: its console and results share, kept where asked.
if [ -n "${HUTCH_VM_KEEP:-}" ]; then
	mkdir -p "$HUTCH_VM_KEEP"
	cp -r "$work/console.log" "$results/." "$HUTCH_VM_KEEP/"
fi

if [ ! -f "$results/ctest-rc" ]; then
	echo "hutch-vm: guest $name did not finish (qemu exit $qrc, ${total}s); its console:"
	tail -60 "$work/console.log" | sed 's/^/    /'
	sed 's/^/    qemu: /' "$work/qemu.log"
	fail "guest $name did not boot or did not finish its tests"
fi
secs=$(cat "$results/test-seconds")
boot=$(awk -v t="$total" -v s="$secs" 'BEGIN { printf "%.1f", t - s }')
log=$results/ctest-output.txt
grep -E '^ *([0-9]+/[0-9]+ )?Test +#|^(SKIP|FAIL|ok):|^ +FAIL ' "$log" | grep -v '^ *Start ' || true
# Failed tests' full output, as ctest --output-on-failure gave it.
if grep -q '\*\*\*Failed\|Timeout' "$log"; then
	echo "hutch-vm: output of the failed tests in guest $name:"
	awk '/Test +#[0-9]+:.*(\*\*\*Failed|Timeout)/ { p = 1 } /Test +#[0-9]+:.*Passed/ { p = 0 } p' "$log" | sed 's/^/    /' | head -300
fi
total_n=$(sed -n 's/.*tests failed out of \([0-9]*\).*/\1/p' "$log" | tail -1)
fail_n=$(sed -n 's/.* \([0-9]*\) tests failed out of.*/\1/p' "$log" | tail -1)
skip_n=$(grep -c '\*\*\*Skipped' "$log")
total_n=${total_n:-0} fail_n=${fail_n:-0}
if [ "$total_n" -eq 0 ]; then
	tail -30 "$log" | sed 's/^/    /'
	fail "guest $name ran no tests"
fi
if [ "$skip_n" -gt 0 ] && [ -f "$results/LastTest.log" ]; then
	echo "skipped in guest $name, with their reasons:"
	awk '/^[0-9]+\/[0-9]+ Test: /{name=$3} /^SKIP:/{print "  " name ": " $0}' "$results/LastTest.log"
fi
awk '/Test +#[0-9]+: /{ n = $0; sub(/.*Test +#[0-9]+: /, "", n); sub(/ .*/, "", n)
	if ($0 ~ /\*\*\*Failed|Timeout/) bad[n] = 1; else if ($0 ~ /Passed/) ok[n] = 1 }
	END { for (n in bad) if (n in ok) print "FLAKY: " n " failed, then passed on its rerun" }' "$log"
echo "hutch-vm: guest $name: $((total_n - fail_n - skip_n)) passed, $fail_n failed, $skip_n skipped, boot ${boot}s, tests ${secs}s"
[ "$fail_n" -eq 0 ]
