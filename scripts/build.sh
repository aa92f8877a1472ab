#!/usr/bin/env bash
# Configures and builds hutch into build/ (or $HUTCH_BUILD_DIR), with any extra
# cmake arguments given. Used by the demo, the tests and the benchmarks.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${HUTCH_BUILD_DIR:-$src/build}
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHUTCH_WERROR=ON "$@" >/dev/null
target=()
[ -n "${HUTCH_BUILD_TARGET:-}" ] && target=(--target "$HUTCH_BUILD_TARGET")
cmake --build "$build" "${target[@]}" -j "$(nproc)" >/dev/null || {
	# Show the compiler's words once, not buried in make's progress lines.
	cmake --build "$build" "${target[@]}" -j1 2>&1 | grep -E 'error|warning' | head -40 >&2
	exit 1
}
