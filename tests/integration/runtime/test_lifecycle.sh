#!/usr/bin/env bash
# Detached containers: -d prints the id, ps/inspect show them, logs (--tail,
# -f), stop with a grace period, kill -s, rm (-f), --rm, names in use.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

name=lc-$$
id=$(hutch run -d --name "$name" --rootfs "$ROOTFS" \
	sh -c 'trap "echo got-usr1" USR1; trap "echo got-term; exit 7" TERM; echo line1; echo line2; echo err-line >&2; while :; do sleep 0.1; done')
assert_eq "run -d prints a 64-hex id" 1 "$(grep -cE '^[0-9a-f]{64}$' <<<"$id")"
check "state.json written" test -f "$HROOT/$id/state.json"
assert_eq "state.json is JSON with the name" "$name" \
	"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["name"])' "$HROOT/$id/state.json")"
out=$(hutch ps)
assert_contains "ps lists it" "$name" "$out"
assert_contains "ps: Up" "Up " "$out"
assert_eq "ps -q: the short id" "${id:0:12}" "$(hutch ps -q)"
out=$(hutch ps --format json | python3 -c 'import json,sys; d=json.loads(sys.stdin.readline()); print(d["Names"], d["State"], d["ID"])')
assert_eq "ps --format json" "$name running $id" "$out"
assert_eq "inspect by id prefix" "$name" "$(inspect_field "${id:0:8}" 'd["name"]')"
assert_eq "inspect: Running" True "$(inspect_field "$name" 'd["Running"]')"
check "inspect: namespace ids" test -n "$(inspect_field "$name" 'd["namespace_ids"]["pid"]')"
wait_for 5 grep -q err-line "$HROOT/$id/container.log"
out=$(hutch logs "$name")
assert_eq "logs: stdout and stderr" "line1 line2 err-line" "$(echo $out)"
assert_eq "logs --tail 1" err-line "$(hutch logs --tail 1 "$name")"

hutch run -d --name "$name" --rootfs "$ROOTFS" true >/dev/null 2>&1
assert_eq "a name in use" 125 $?
hutch rm "$name" 2>/dev/null
assert_eq "rm of a running container without -f" 125 $?

hutch kill -s USR1 "$name" >/dev/null
wait_for 5 grep -q got-usr1 "$HROOT/$id/container.log"
assert_contains "kill -s USR1 reaches the command through the init" got-usr1 "$(hutch logs "$name")"
hutch logs -f "$name" >"$T/follow" &
follower=$!
on_exit "kill $follower"
sleep 0.3
hutch stop -t 10 "$name" >/dev/null
assert_eq "stop" 0 $?
wait_for 5 bash -c "! kill -0 $follower 2>/dev/null"
check "logs -f ends when the container does" bash -c "! kill -0 $follower 2>/dev/null"
assert_contains "logs -f followed to the end" got-term "$(cat "$T/follow")"
assert_eq "SIGTERM handled: the command's status" 7 "$(inspect_field "$name" 'd["ExitCode"]')"
assert_eq "status exited" exited "$(inspect_field "$name" 'd["status"]')"
check "FinishedAt set" test -n "$(inspect_field "$name" 'd["FinishedAt"]')"
assert_contains "ps -a shows it exited" "Exited (7)" "$(hutch ps -a)"
assert_eq "ps hides it" "" "$(hutch ps -q)"
hutch rm "$name" >/dev/null
assert_eq "rm removes the state" "" "$(ls "$HROOT" | grep -v '^\.')"

echo "grace period"
hutch run -d --name stubborn-$$ --rootfs "$ROOTFS" sh -c 'trap "echo ignoring" TERM; while :; do sleep 0.1; done' >/dev/null
sleep 0.3
start=$SECONDS
hutch stop -t 1 stubborn-$$ >/dev/null
assert_eq "a command ignoring SIGTERM is killed: 137" 137 "$(inspect_field stubborn-$$ 'd["ExitCode"]')"
assert_contains "it got SIGTERM first" ignoring "$(hutch logs stubborn-$$)"
hutch rm stubborn-$$ >/dev/null

echo "signals to a foreground hutch run"
"$HUTCH_BIN/hutch" --root "$HROOT" run --name fg-$$ --rootfs "$ROOTFS" sh -c 'trap "exit 9" TERM; echo ready; while :; do sleep 0.1; done' >"$T/fg.out" &
fg=$!
wait_for 10 grep -q ready "$T/fg.out"
kill -TERM "$fg"
wait "$fg"
assert_eq "SIGTERM to hutch run reaches the command: its status" 9 $?
hutch rm fg-$$ >/dev/null

echo "rm -f, --rm"
hutch run -d --name force-$$ --rootfs "$ROOTFS" sleep 60 >/dev/null
hutch rm -f force-$$ >/dev/null
assert_eq "rm -f of a running container" 0 $?
assert_eq "gone" "" "$(hutch ps -a -q)"
hutch run -d --rm --name auto-$$ --rootfs "$ROOTFS" sleep 0.2 >/dev/null
wait_for 5 bash -c "[ -z \"\$('$HUTCH_BIN/hutch' --root '$HROOT' ps -a -q)\" ]"
assert_eq "-d --rm removes itself" "" "$(hutch ps -a -q)"
hutch run --rm --rootfs "$ROOTFS" true
assert_eq "--rm leaves no state" "" "$(ls "$HROOT" | grep -v '^\.')"
hutch run --name kept-$$ --rootfs "$ROOTFS" sh -c 'exit 4'
assert_eq "without --rm, the exited container stays" "exited 4" "$(inspect_field kept-$$ 'd["status"], d["ExitCode"]')"
hutch rm kept-$$ >/dev/null
for verb in stop kill rm logs inspect; do
	hutch "$verb" nosuch-$$ 2>/dev/null
	assert_eq "$verb of an unknown container" 125 $?
done
assert_eq "nothing left behind" 0 "$(leftovers)"
