#!/usr/bin/env bash
# Lists the C functions under the given folders that are not under a bar of
# lines, longest first: from the line naming the function to its closing brace, in
# the kernel style of the committed .clang-format (a function's braces alone at
# column 0).
#   scripts/check-funclen.sh [--under N] [--enforce] DIR...   (N: 120)
# Without --enforce it only reports (exit 0); with it, any function of N lines
# or more fails the check (exit 1).
set -u
under=120
enforce=0
while [ $# -gt 0 ]; do
	case $1 in
	--under) under=$2; shift 2 ;;
	--enforce) enforce=1; shift ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || { echo "usage: $0 [--under N] [--enforce] DIR..." >&2; exit 2; }
cd "$(dirname "$0")/.." || exit 2
files=$(find "$@" -name '*.c' | sort)
[ -n "$files" ] || { echo "no C files under: $*" >&2; exit 2; }
over=$(awk -v under="$under" '
	FNR == 1 { sig = 0; name = "?"; start = 0 }
	# The last line that calls or declares something before a function opens is its signature.
	!start && match($0, /[A-Za-z_][A-Za-z0-9_]*[ \t]*\(/) {
		sig = FNR
		name = substr($0, RSTART, RLENGTH)
		sub(/[ \t]*\($/, "", name)
	}
	$0 == "{" && !start && FNR > 1 { start = sig ? sig : FNR; fname = name; next }
	$0 == "}" && start {
		n = FNR - start + 1
		if (n >= under)
			printf "%5d %s:%d %s\n", n, FILENAME, start, fname
		start = 0
	}
' $files | sort -rn) # $files: one name a word (no spaces in the tree's C files)
if [ -z "$over" ]; then
	echo "every function in $* is under $under lines"
	exit 0
fi
echo "functions of $under lines or more in $* (longest first):"
echo "$over"
if [ "$enforce" = 1 ]; then
	exit 1
fi
echo "(reported only: add --enforce to fail on these)"
exit 0
