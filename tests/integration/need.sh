# The checks of what a script needs (sourced, bash), shared by the integration
# tests (lib.sh) and the benches (bench/common.sh): a missing privilege or tool
# skips the script with a printed reason (exit 77).
skip() {
	echo "SKIP: $*"
	exit 77
}
need_root() { [ "$(id -u)" -eq 0 ] || skip "needs root"; }
need_cmd() {
	local c
	for c in "$@"; do command -v "$c" >/dev/null || skip "needs $c"; done
}
