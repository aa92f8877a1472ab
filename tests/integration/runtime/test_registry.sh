#!/usr/bin/env bash
# The registry tells the truth whatever happened to hutch: a container whose
# monitor was killed is listed as it is and its end recorded by the next
# command; an init that has exited but is not reaped is exited, not Up; a
# broken state.json is listed as broken, keeps its name taken and goes with
# rm -f; a full disk under the state directory fails a start cleanly, ends
# the log with a note, and still records the exit code.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"
state() { python3 -c "import json,sys; print(json.load(open('$HROOT/'+sys.argv[1]+'/state.json'))[sys.argv[2]])" "$@"; }
id_of() { hutch inspect "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])'; }
run_d() { hutch run -d --cgroup-parent "$CGPARENT" --rootfs "$ROOTFS" "$@"; }

echo "a monitor killed while its container runs"
# The container runs until the test ends it (a fixed sleep ended first on a
# loaded machine, and the end was then recorded by a ps whose words nobody read).
id=$(run_d --name orphan-$$ sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done')
mon=$(state "$id" monitor_pid)
kill -9 "$mon"
# Its death is seen once its pidfd says so, a moment after the kill (longer under load).
wait_for 15 sh -c "'$HUTCH_BIN/hutch' --root '$HROOT' ps | grep -q 'monitor gone'"
out=$(hutch ps 2>&1)
assert_contains "still listed as running, without its monitor" "(monitor gone)" "$out"
: >"$T/ps.err"
hutch kill -s TERM orphan-$$ >/dev/null # the init forwards it; the command exits 0
wait_for 15 sh -c "'$HUTCH_BIN/hutch' --root '$HROOT' ps -a 2>>'$T/ps.err' | grep orphan-$$ | grep -q Exited"
out=$(cat "$T/ps.err")
assert_contains "the next command records its end and says so" "orphan-$$" "$out"
assert_contains "...with the code its init recorded itself" "exit code 0 (its init's record)" "$out"
assert_eq "recorded as exited" exited "$(state "$id" status)"
assert_eq "with the code" 0 "$(state "$id" exit_code)"
hutch rm orphan-$$ >/dev/null
id=$(run_d --name orphan-$$ sh -c 'sleep 1; exit 3')
kill -9 "$(state "$id" monitor_pid)"
wait_for 15 sh -c "'$HUTCH_BIN/hutch' --root '$HROOT' ps -a 2>/dev/null | grep orphan-$$ | grep -q Exited"
assert_contains "a code other than 0" "Exited (3)" "$(hutch ps -a 2>/dev/null | grep orphan-$$)"
hutch rm orphan-$$ >/dev/null
id=$(run_d --name orphan-$$ sleep 60)
kill -9 "$(state "$id" monitor_pid)"
kill -9 "$(state "$id" pid)"
: >"$T/ps.err"
wait_for 15 sh -c "'$HUTCH_BIN/hutch' --root '$HROOT' ps -a 2>>'$T/ps.err' | grep orphan-$$ | grep -q Exited"
assert_contains "an init killed with its monitor: what cannot be known is said" "exit code unknown" "$(cat "$T/ps.err")"
assert_eq "its cgroup is gone" 0 "$(find /sys/fs/cgroup/*/"$CGPARENT" -mindepth 1 -type d 2>/dev/null | wc -l)"
hutch rm orphan-$$ >/dev/null

echo "exited means exited: an init its (stopped) monitor has not reaped"
id=$(run_d --name zombie-$$ sleep 100)
mon=$(state "$id" monitor_pid)
pid=$(state "$id" pid)
kill -STOP "$mon"
on_exit "kill -CONT $mon 2>/dev/null"
kill -9 "$pid"
wait_for 5 grep -q '^State:.*Z' "/proc/$pid/status"
assert_contains "the init is a zombie" "zombie" "$(grep State: /proc/$pid/status)"
assert_eq "not in ps" "" "$(hutch ps -q)"
assert_contains "ps -a says exited" "Exited" "$(hutch ps -a | grep zombie-$$)"
assert_eq "inspect: not running" False "$(inspect_field zombie-$$ 'd["Running"]')"
kill -CONT "$mon"
wait_for 5 sh -c "! kill -0 $mon 2>/dev/null"
assert_contains "the monitor then records the code" "Exited (137)" "$(hutch ps -a | grep zombie-$$)"
hutch rm zombie-$$ >/dev/null

echo "a broken state.json"
base=$(leftovers)
for how in garbage empty missing; do
	# A duration of its own, so the check below finds this container's sleep, not another test's.
	id=$(run_d --name broken-$$ sleep "6$$")
	case $how in
	garbage) printf '{"id": "%s", "status": 17, ' "$id" >"$HROOT/$id/state.json" ;;
	empty) : >"$HROOT/$id/state.json" ;;
	missing) rm "$HROOT/$id/state.json" ;;
	esac
	out=$(hutch ps -a 2>&1)
	assert_contains "$how: listed as broken, with its name" "broken-$$" "$(grep Broken <<<"$out")"
	assert_contains "$how: with the reason" "state.json" "$(grep Broken <<<"$out")"
	out=$(hutch run --name broken-$$ --cgroup-parent "$CGPARENT" --rootfs "$ROOTFS" true 2>&1)
	assert_eq "$how: the name stays taken" "hutch run: the name 'broken-$$' is already in use" "$out"
	target=broken-$$
	[ $how = empty ] && target=${id:0:10}
	hutch rm -f "$target" >/dev/null
	# Its monitor (unknown to a broken state) ends by itself once its init is killed.
	wait_until 5 'test "$(leftovers)" = "$base"'
	assert_eq "$how: rm -f $target removes everything" "$base" "$(leftovers)"
	assert_eq "$how: its process too" "" "$(pgrep -fx "sleep 6$$")"
	hutch run --rm --name broken-$$ --cgroup-parent "$CGPARENT" --rootfs "$ROOTFS" true
	assert_eq "$how: the name is free again" 0 $?
done

echo "a full disk under the state directory"
SMALL=$T/small
mkdir -p "$SMALL"
mount -t tmpfs -o size=2m tmpfs "$SMALL" || skip "cannot mount a tmpfs"
on_exit "umount -l $SMALL"
hs() { "$HUTCH_BIN/hutch" --root "$SMALL/state" "$@"; }
hs run --rm --cgroup-parent "$CGPARENT" --rootfs "$ROOTFS" true # makes the root
dd if=/dev/zero of="$SMALL/fill" bs=4k 2>/dev/null
for mode in --rm -d ""; do
	out=$(hs run $mode --cgroup-parent "$CGPARENT" --rootfs "$ROOTFS" true 2>&1)
	rc=$?
	assert_eq "full ($mode): 125" 125 $rc
	assert_contains "full ($mode): says why" "No space left on device" "$out"
	assert_eq "full ($mode): nothing left" "" "$(ls -A "$SMALL/state" | grep -v '^\.lock$\|^\.names$')"
done
rm "$SMALL/fill"
for mode in -d ""; do
	name=big${mode:-fg}-$$
	if [ "$mode" = -d ]; then
		hs run -d --name $name --cgroup-parent "$CGPARENT" --rootfs "$ROOTFS" \
			sh -c 'yes 0123456789abcdef | head -c 4000000; echo; exit 7' >/dev/null
		wait_for 20 sh -c "'$HUTCH_BIN/hutch' --root '$SMALL/state' ps -a | grep $name | grep -q Exited"
	else
		hs run --name $name --cgroup-parent "$CGPARENT" --rootfs "$ROOTFS" \
			sh -c 'yes 0123456789abcdef | head -c 4000000; echo; exit 7' >/dev/null 2>"$T/fg.err"
		assert_eq "foreground: its exit code despite the full disk" 7 $?
		assert_contains "foreground: says the state could not be written" "No space left" "$(cat "$T/fg.err")"
	fi
	id=$(hs inspect $name | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
	assert_contains "$mode: exit code recorded" "Exited (7)" "$(hs ps -a | grep $name)"
	assert_contains "$mode: the log says where it stops" "[hutch: the log stops here: No space left on device" \
		"$(hs logs $name | tail -c 200)"
	assert_eq "$mode: inspect says the log is truncated" True \
		"$(hs inspect $name | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["LogTruncated"])')"
	assert_eq "$mode: inspect's ExitCode" 7 \
		"$(hs inspect $name | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["ExitCode"])')"
	hs rm $name >/dev/null
	assert_eq "$mode: removed" "" "$(ls -A "$SMALL/state" | grep -v '^\.lock$\|^\.names$')"
done
