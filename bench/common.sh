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
# bench_v1_mount CONTROLLER: the mount point of a cgroup v1 controller, empty when none.
bench_v1_mount() {
	awk -v c="$1" '$0 ~ / - cgroup / { n = split($NF, o, ","); for (i = 1; i <= n; i++) if (o[i] == c) { print $5; exit } }' /proc/self/mountinfo
}
