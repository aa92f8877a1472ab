#!/usr/bin/env bash
# SIGKILL of hutch at any moment of a start: `hutch run`, `run --rm`,
# `run -d`, and `run -d` with its monitor, each killed 0-6 ms in, many
# times. Afterwards `hutch ps -a` must show everything that is left and
# `hutch rm -f` must remove it: no cgroup, state directory, name, mount or
# process may remain.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"
need_cmd cc
cc -O2 -o "$T/kill_at" "$(dirname "$0")/kill_at.c" || skip "cannot build the kill helper"
TRIES=${HUTCH_CRASH_TRIES:-25}
naps=$((200 + $$ % 700)) # the containers' command: sleep $naps, to count them by
stray() { pgrep -fx "sleep $naps" | wc -l; }

hutch run -d --name keep-$$ --cgroup-parent "$CGPARENT" --rootfs "$ROOTFS" sleep 600 >/dev/null
base=$(leftovers)

for mode in "" "--rm" "-d" "-d -t"; do
	flags=${mode% -t}
	tree=""
	[ "$mode" = "-d -t" ] && tree=-t
	echo "hutch run $mode killed 0-6 ms into its start, $TRIES times"
	for i in $(seq "$TRIES"); do
		"$T/kill_at" $(((i * 6000 / TRIES) + RANDOM % 250)) $tree "$HUTCH_BIN/hutch" --root "$HROOT" \
			run $flags --cgroup-parent "$CGPARENT" --rootfs "$ROOTFS" sleep $naps 2>/dev/null
	done
	hutch ps -a >"$T/ps.out" 2>"$T/ps.err"
	echo "  ps -a lists $(($(wc -l <"$T/ps.out") - 1)) containers, $(stray) commands still run"
	sed -n 's/.*  \(Up\|Exited\|Created\|Broken\)/\1/p' "$T/ps.out" | sed 's/[0-9]\+ seconds\?//g' |
		sort | uniq -c | sed 's/^/   /'
	[ -s "$T/ps.err" ] && sed 's/[0-9a-f]\{12\}/ID/g; s/^/  (ps said) /' "$T/ps.err" | sort | uniq -c
	for id in $(hutch ps -a -q 2>/dev/null); do
		[ "$(hutch inspect "$id" 2>/dev/null | grep -c "\"name\": \"keep-$$\"")" = 1 ] && continue
		hutch rm -f "$id" >/dev/null 2>&1 || echo "  rm -f $id failed"
	done
	# What a killed start may have left running dies with its cgroup; give the kernel a moment.
	wait_until 5 'test "$(stray)" = 0'
	assert_eq "$mode: nothing left (cgroups, state dirs, mounts, processes)" "$base" "$(leftovers)"
	assert_eq "$mode: no command still running" 0 "$(stray)"
	assert_eq "$mode: no half-made or half-removed directory" "" \
		"$(find "$HROOT" -mindepth 1 -maxdepth 1 -name '.new-*' -o -mindepth 1 -maxdepth 1 -name '.trash-*')"
	assert_eq "$mode: only keep's name is reserved" "keep-$$" "$(ls "$HROOT/.names")"
	assert_eq "$mode: ps -a shows only keep" 1 "$(hutch ps -a -q 2>/dev/null | wc -l)"
done
hutch rm -f keep-$$ >/dev/null
