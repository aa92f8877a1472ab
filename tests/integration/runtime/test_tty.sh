#!/usr/bin/env bash
# -it: an interactive shell on a real pty from the container's own devpts,
# with the terminal's window size, job control and ^C; exec -it the same.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"
need_cmd python3
drive="python3 $(dirname "$0")/pty_drive.py"

out=$($drive 30 101 -- "$HUTCH_BIN/hutch" --root "$HROOT" run --rm -it --rootfs "$ROOTFS" sh <<'STEPS'
send tty; stty size; echo "TERM=$TERM"
expect TERM=xterm
send sleep 30
pause 1
ctrl-c
send echo after-$((40+2))
expect after-42
send sleep 30 &
pause 0.5
send jobs; echo jobs-done
expect jobs-done
send exit 5
STEPS
)
rc=$?
assert_eq "the session's exit status" 5 "$rc"
assert_contains "the pty is the container's /dev/pts/0" "/dev/pts/0" "$out"
assert_contains "the window size of the user's terminal" "30 101" "$out"
assert_contains "^C stops the foreground job, the shell goes on" "after-42" "$out"
assert_contains "job control: jobs lists the background job" "Running" "$out"

name=tty-$$
hutch run -d --name "$name" --rootfs "$ROOTFS" sleep 60 >/dev/null
out=$($drive 24 80 -- "$HUTCH_BIN/hutch" --root "$HROOT" exec -it "$name" sh <<'STEPS'
send tty; ps -o pid,comm | grep -c sleep; echo done-$((1+1))
expect done-2
send exit 3
STEPS
)
assert_eq "exec -it: the session's status" 3 $?
assert_contains "exec -it gets a pty of the container's devpts" "/dev/pts/" "$out"
assert_contains "exec -it sees the container's processes" "done-2" "$out"
hutch rm -f "$name" >/dev/null
assert_eq "nothing left behind" 0 "$(leftovers)"
