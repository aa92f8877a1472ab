#!/usr/bin/env bash
# A foreground container's output goes to the terminal (stdout and stderr
# apart) and into its log, as docker's does: `hutch logs` shows it after the
# container exited, --tail too; a reader that goes away does not stop the
# container or the log; -t output is logged too; a --rm container keeps
# nothing to ask for.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

name=fg-$$
hutch run --name "$name" --rootfs "$ROOTFS" \
	sh -c 'echo out-1; echo err-1 >&2; echo out-2; exit 3' >"$T/out" 2>"$T/err"
assert_eq "the command's exit code" 3 $?
assert_eq "stdout on hutch's stdout" "out-1 out-2" "$(echo $(cat "$T/out"))"
assert_eq "stderr on hutch's stderr" "err-1" "$(cat "$T/err")"
assert_eq "inspect: exited" exited "$(inspect_field "$name" 'd["status"]')"
logs=$(hutch logs "$name")
assert_eq "logs after the exit: both streams" "err-1 out-1 out-2" "$(echo $(sort <<<"$logs"))"
assert_eq "logs: stdout in its order" "out-1 out-2" "$(echo $(grep out <<<"$logs"))"
assert_eq "logs --tail 0" "" "$(hutch logs --tail 0 "$name")"
assert_eq "logs --tail 3: three lines" 3 "$(hutch logs --tail 3 "$name" | wc -l)"
hutch rm "$name" >/dev/null || fail "rm"

# The reader (head) leaves early: the container runs to its end, all of it logged.
hutch run --name "$name-pipe" --rootfs "$ROOTFS" sh -c 'seq 1 20000; echo done' | head -1 >"$T/head"
assert_eq "the run's status when its reader left" 0 "${PIPESTATUS[0]}"
assert_eq "head got the first line" 1 "$(cat "$T/head")"
assert_eq "the log has every line" "20001 done" "$(hutch logs "$name-pipe" | wc -l) $(hutch logs --tail 1 "$name-pipe")"

# -t: the pty's output is logged (with the terminal's line endings).
if command -v script >/dev/null; then
	in_pty 60 "$HUTCH_BIN/hutch --root $HROOT run -t --name $name-tty --rootfs $ROOTFS sh -c 'echo tty-out'" >"$T/tty" 2>&1
	assert_contains "-t: output on the terminal" tty-out "$(cat "$T/tty")"
	assert_contains "-t: output in the log" tty-out "$(hutch logs "$name-tty")"
fi

# --rm: the output still reaches the terminal; no container, no log is left.
out=$(hutch run --rm --name "$name-rm" --rootfs "$ROOTFS" sh -c 'echo rm-out')
assert_eq "--rm: output" rm-out "$out"
hutch logs "$name-rm" >/dev/null 2>&1
assert_eq "--rm: logs has no such container" 125 $?

for n in "$name-pipe" "$name-tty"; do hutch rm "$n" >/dev/null 2>&1; done
assert_eq "nothing left behind" 0 "$(leftovers)"
