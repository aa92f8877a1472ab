#!/usr/bin/env bash
# Installs the Debian 12 packages that hutch's build, tests, demo and
# benchmarks need. Idempotent: does nothing when all are present.
set -euo pipefail

packages=(
	# build
	build-essential cmake pkg-config clang llvm clang-format git
	libjson-c-dev libcmocka-dev libfuse3-dev libbpf-dev bpftool
	libmicrohttpd-dev libprotobuf-c-dev protobuf-c-compiler
	libarchive-dev libseccomp-dev libncurses-dev zlib1g-dev libcap-dev
	libssl-dev libcurl4-openssl-dev
	musl-tools # hutch-init: static musl, a few pages to exec (runtime/CMakeLists.txt)
	# run and test
	fuse3 busybox-static procps iproute2 util-linux tmux curl python3
	python3-yaml podman # the Kubernetes manifests' test, and the OCI hook run for real
	# images: archives and a registry made by independent tools
	skopeo docker-registry zstd
	# the anchors we measure against
	runc lxcfs prometheus
	# engines that drive hutch-runc in its tests (each test starts its own daemon)
	containerd podman docker.io
	# load generators for tests and benchmarks
	stress-ng hyperfine linux-perf
	strace # holds a worker on its way back from an ioctl (test_fsd_sysinfo)
	# tests/vm: Debian's kernels booted in qemu (modules prepared with kmod's depmod)
	qemu-system-x86 kmod
)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "setup-deps: missing packages (${missing[*]}); run as root to install them" >&2
	exit 1
fi
echo "setup-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Services that come with packages (lxcfs, prometheus, docker-registry, containerd, docker)
# must not start on install:
# tests start their own instances on their own ports and mount points.
policy=/usr/sbin/policy-rc.d
added_policy=0
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod +x "$policy"
	added_policy=1
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
[ "$added_policy" = 1 ] && rm -f "$policy"
exit 0
