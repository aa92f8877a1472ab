# Sourced by the benches (bash): where the sources and the build are, and the
# checks of what a bench needs. A missing privilege or tool skips the bench
# (exit 77, as a test does); a missing build is an error (exit 1).
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${HUTCH_BUILD:-$src/build}
_bench=$(basename "$0" .sh)

# skip, need_root, need_cmd: the tests' own.
source "$src/tests/integration/need.sh"
# bench_need_built FILE...: each must be an executable of the build (a path, or a name in $build/bin).
bench_need_built() {
	local f
	for f in "$@"; do
		[[ $f == */* ]] || f=$build/bin/$f
		[ -x "$f" ] || { echo "$_bench: $f is not built (scripts/build.sh; HUTCH_BUILD=$build)" >&2; exit 1; }
	done
}
# bench_state_tmpfs NAME: T, a new directory /tmp/hutch-bench-NAME.*, with a 64 MiB tmpfs
# at $T/run where the runtimes keep their state, as on a usual host's /run (on this VM /run
# is ext4, where every created and deleted inode costs). The caller unmounts it.
bench_state_tmpfs() {
	T=$(mktemp -d "/tmp/hutch-bench-$1.XXXXXX")
	mkdir -p "$T/run"
	mount -t tmpfs -o size=64m tmpfs "$T/run"
}
# bench_v1_mount CONTROLLER: the mount point of a cgroup v1 controller, empty when none.
bench_v1_mount() {
	awk -v c="$1" '$0 ~ / - cgroup / { n = split($NF, o, ","); for (i = 1; i <= n; i++) if (o[i] == c) { print $5; exit } }' /proc/self/mountinfo
}
