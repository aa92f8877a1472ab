#!/usr/bin/env bash
# The guest matrix scripts/test.sh runs: Debian's own kernels in qemu, each on
# a cgroup layout this host does not have. Which tests run in which guest is
# chosen to fit CI's budget (at most 10 minutes on 2 CPUs under TCG); see
# tests/vm/README.md. HUTCH_VM_GUESTS="6.1/v2 ..." runs only some guests.
# Prints each guest's test lines, its "hutch-vm: guest ...: P passed, ..."
# line and the time it took; exits 1 if any guest failed or did not boot.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)

# GUEST TEST-REGEX (ctest -R over the integration tests' names)
matrix=(
	"6.1/v2 bpf/test_probes_load|bpf/test_runqlat|bpf/test_oomkill|collector/test_formats|runtime/test_v2_layout|runtime/test_limits|runtime/test_hutch_fsd$|runtime/test_hutch_fsd_pagecache"
	"6.12/v2 bpf/test_probes_load|bpf/test_oomkill|runtime/test_v2_layout|runtime/test_limits|runtime/test_devices|runtime/test_exe_overwrite|runtime/test_init_confined|runtime/test_paths_in_root|runtime/test_hutch_fsd$"
	"6.1/v1 bpf/test_probes_load|bpf/test_oomkill|runtime/test_limits"
)

rc=0
start=$SECONDS
for entry in "${matrix[@]}"; do
	guest=${entry%% *}
	tests=${entry#* }
	if [ -n "${HUTCH_VM_GUESTS:-}" ] && [[ " $HUTCH_VM_GUESTS " != *" $guest "* ]]; then
		continue
	fi
	echo "-- guest $guest: Debian's $(cut -d/ -f1 <<<"$guest") kernel, pure cgroup $(cut -d/ -f2 <<<"$guest")"
	t0=$SECONDS
	bash "$here/run.sh" "${guest%/*}" "${guest#*/}" "$tests"
	r=$?
	echo "-- guest $guest took $((SECONDS - t0))s"
	if [ "$r" -eq 77 ]; then
		continue
	fi
	[ "$r" -eq 0 ] || rc=1
done
echo "-- guests took $((SECONDS - start))s in all"
exit $rc
