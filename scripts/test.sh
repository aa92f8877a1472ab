#!/usr/bin/env bash
# The test command: installs what it needs, builds, and runs every test —
# unit tests (also under ASan+UBSan), integration tests against the real host,
# a smoke run of each fuzzer, the format check, and a selection of the
# integration tests again inside qemu guests booted on Debian's own 6.1 and
# 6.12 kernels with pure cgroup v2 and pure v1 layouts (tests/vm). Prints
# skipped tests with their reasons and ends with one "N passed, N failed,
# N skipped" line that counts the guests' tests too.
set -uo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
cd "$src"

bash scripts/setup-deps.sh || exit 1

passed=0 failed=0 skipped=0
# print_flaky LOG: names the tests that failed once in ctest's LOG and passed
# on their rerun (--repeat until-pass:2 prints both runs).
print_flaky() {
	awk '/Test +#[0-9]+: /{ n = $0; sub(/.*Test +#[0-9]+: /, "", n); sub(/ .*/, "", n)
		if ($0 ~ /\*\*\*Failed|\*\*\*Timeout|Timeout/) bad[n] = 1; else if ($0 ~ /Passed/) ok[n] = 1 }
		END { for (n in bad) if (n in ok) print "FLAKY: " n " failed, then passed on its rerun" }' "$1"
}
# run_ctest BUILD_DIR CTEST_ARGS...: runs ctest, adds its counts to the totals.
run_ctest() {
	local dir=$1
	shift
	local log=$dir/ctest-output.txt
	# A test that fails is run once more: one that then passes is counted as
	# passed but named below as flaky, with its failed run's output above.
	(cd "$dir" && ctest --output-on-failure --timeout 600 --repeat until-pass:2 "$@") 2>&1 | tee "$log"
	local total fail skip
	total=$(sed -n 's/.*tests failed out of \([0-9]*\).*/\1/p' "$log" | tail -1)
	fail=$(sed -n 's/.* \([0-9]*\) tests failed out of.*/\1/p' "$log" | tail -1)
	skip=$(grep -c '\*\*\*Skipped' "$log")
	total=${total:-0} fail=${fail:-0}
	passed=$((passed + total - fail - skip))
	failed=$((failed + fail))
	skipped=$((skipped + skip))
	print_flaky "$log"
	# Why each skipped test skipped: the SKIP: lines they printed.
	if [ "$skip" -gt 0 ] && [ -f "$dir/Testing/Temporary/LastTest.log" ]; then
		echo "skipped, with their reasons:"
		awk '/^[0-9]+\/[0-9]+ Test: /{name=$3} /^SKIP:/{print "  " name ": " $0}' \
			"$dir/Testing/Temporary/LastTest.log"
	fi
}

echo "== build (warnings are errors)"
HUTCH_BUILD_DIR=$src/build bash scripts/build.sh || { echo "0 passed, 1 failed"; exit 1; }

echo "== build with AddressSanitizer + UndefinedBehaviorSanitizer"
HUTCH_BUILD_DIR=$src/build-asan bash scripts/build.sh -DHUTCH_SANITIZE=ON \
	|| { echo "0 passed, 1 failed"; exit 1; }

# What packagers build: Release with gcc, Debug with clang (built, not run).
echo "== build Release (gcc) and Debug (clang)"
HUTCH_BUILD_DIR=$src/build-release CC=gcc bash scripts/build.sh -DCMAKE_BUILD_TYPE=Release \
	|| { echo "0 passed, 1 failed"; exit 1; }
if command -v clang >/dev/null; then
	HUTCH_BUILD_DIR=$src/build-clang CC=clang bash scripts/build.sh -DCMAKE_BUILD_TYPE=Debug \
		|| { echo "0 passed, 1 failed"; exit 1; }
fi

echo "== unit tests under ASan+UBSan"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	run_ctest "$src/build-asan" -L unit

if command -v clang >/dev/null; then
	echo "== fuzzers (libFuzzer smoke runs)"
	HUTCH_BUILD_DIR=$src/build-fuzz HUTCH_BUILD_TARGET=fuzzers CC=clang bash scripts/build.sh -DHUTCH_FUZZ=ON \
		&& run_ctest "$src/build-fuzz" -L fuzz
else
	echo "SKIP: fuzzers: clang is not installed"
	skipped=$((skipped + 1))
fi

echo "== unit, integration and style tests"
run_ctest "$src/build" -LE fuzz

echo "== guests: Debian's kernels in qemu, pure cgroup v2 and v1 (tests/vm)"
vm_log=$src/build/vm-output.txt
HUTCH_BUILD=$src/build bash tests/vm/matrix.sh 2>&1 | tee "$vm_log"
while read -r p f s; do
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
done < <(sed -n 's/^hutch-vm: guest [^:]*: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped.*/\1 \2 \3/p' "$vm_log")
# No qemu: each guest skipped, with the reason printed above.
skipped=$((skipped + $(grep -c '^SKIP: qemu' "$vm_log")))

echo
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
