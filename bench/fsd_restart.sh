#!/usr/bin/env bash
# hutch-fsd restarted under load, at the issue's size: 50 readers in 25
# containers loop over every file (tests/integration/fsd/fsd_hammer.c) while
# hutch-fsd is upgraded in place 100 times and its worker SIGKILLed 10 times.
# Prints the reads, the failed/empty/short reads (must be 0) and the longest
# pause a reader saw. Needs root, /dev/fuse and a build (scripts/build.sh).
#   READERS=50 UPGRADES=100 KILLS=10 bench/fsd_restart.sh
set -uo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
FSD_RESTART_READERS=${READERS:-50} FSD_RESTART_UPGRADES=${UPGRADES:-100} \
	FSD_RESTART_KILLS=${KILLS:-10} bash "$src/tests/integration/fsd/test_fsd_restart.sh" |
	grep -E '^readers:|FAIL|^ok|resends'
