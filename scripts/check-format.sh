#!/usr/bin/env bash
# Checks every tracked C source and header against the committed .clang-format.
# Generated files (vmlinux.h, skeletons, protobuf-c output) are not tracked.
set -u
clang_format=${1:-clang-format}
cd "$(dirname "$0")/.." || exit 1
files=$(git ls-files '*.c' '*.h' 2>/dev/null)
[ -n "$files" ] || files=$(find lib runtime fsd collector viewer bpf tests bench -name '*.[ch]' 2>/dev/null)
bad=0
for f in $files; do
	if ! "$clang_format" --dry-run --Werror "$f" >/dev/null 2>&1; then
		echo "not formatted: $f (run: clang-format -i $f)"
		bad=1
	fi
done
exit $bad
