#!/usr/bin/env bash
# hutch top as the hutch runtime's verb over real hutch containers (busybox image,
# a private --root): `hutch --root DIR top` names them from DIR's state; a busy
# container is at the top by CPU with runtime hutch and a CPU % near the kernel's
# count; the detail view of a -m 64m container shows 64M; a container that
# `hutch stop`s leaves the table.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/common.sh"
need_root
need_cmd tmux python3
HUTCH=$HUTCH_BUILD/bin/hutch
[ -x "$HUTCH" ] || skip "hutch is not built ($HUTCH)"
command -v busybox >/dev/null || skip "needs busybox (busybox-static)"
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || true
grep -qw overlay /proc/filesystems || skip "needs overlayfs"

T=$(mktemp -d /tmp/hutch-test-viewer-hutch.XXXXXX)
HROOT=$T/state
export HUTCH_IMAGES_DIR=$T/images
# hutch-fsd is not mounted there: the containers see the host's /proc.
export HUTCH_FSD_DIR=$T/no-fsd
mkdir -p "$HUTCH_FSD_DIR"
_cleanup() {
	local id
	for id in $("$HUTCH" --root "$HROOT" ps -a -q 2>/dev/null); do
		"$HUTCH" --root "$HROOT" rm -f "$id" >/dev/null 2>&1
	done
	rm -rf "$T"
}
on_exit _cleanup
bash "$HUTCH_SRC/scripts/make-busybox-rootfs.sh" --image || fail "make the busybox image"
h() { "$HUTCH" --root "$HROOT" "$@"; }

n=v$$r$RANDOM
busy_id=$(h run -d --name "${n}busy" busybox sh -c 'while :; do :; done') || fail "run the busy container"
mem_id=$(h run -d --name "${n}mem" -m 64m busybox sleep 600) || fail "run the 64m container"
stop_id=$(h run -d --name "${n}stop" busybox sleep 600) || fail "run the container to stop"
[ -n "$busy_id" ] && [ -n "$mem_id" ] && [ -n "$stop_id" ] || fail "container ids"

# Batch: names from --root's state, runtime hutch, CPU % against the kernel's count.
tmp=$T/out
cpu_truth "hutch/$busy_id" h top -b -n 1 -d 2 -f "$n" >"$tmp" 2>&1
rc=$?
out=$(cat "$tmp")
echo "$out"
assert_eq "hutch --root DIR top -b exits 0" 0 "$rc"
row=$(awk -v n="${n}busy" '$1 == n' <<<"$out")
assert_contains "the busy container named from --root's state, first" "${n}busy" "$(sed -n 3p <<<"$out")"
assert_eq "runtime hutch" hutch "$(awk '{ print $2 }' <<<"$row")"
assert_eq "cgroup path" "/hutch/$busy_id" "$(awk '{ print $NF }' <<<"$row")"
assert_between "busy container's CPU% near the kernel's $TRUTH_PCT" \
	"$(awk -v t="$TRUTH_PCT" 'BEGIN { print t - 10 }')" "$(awk -v t="$TRUTH_PCT" 'BEGIN { print t + 10 }')" \
	"$(awk '{ print $4 }' <<<"$row")"
assert_eq "the 64m container's limit" 64M "$(awk -v n="${n}mem" '$1 == n { print $7 }' <<<"$out")"
# Without hutch's root the viewer cannot name them: the id shows. With
# --hutch-root (what `hutch --root` passes) the name does.
out=$("$HUTCH_TOP" -b -n 1 -d 0.3 -f "$busy_id" 2>&1)
assert_eq "the default root: named by id" "$busy_id" "$(awk -v p="/hutch/$busy_id" '$NF == p { print $1 }' <<<"$out")"
out=$("$HUTCH_TOP" --hutch-root "$HROOT" -b -n 1 -d 0.3 -f "$busy_id" 2>&1)
assert_eq "--hutch-root: named" "${n}busy" "$(awk -v p="/hutch/$busy_id" '$NF == p { print $1 }' <<<"$out")"

# The screen, as `hutch --root DIR top` under tmux.
first_row() { tm_screen | awk '/^ *NAME /{ getline; print; exit }'; }
first_row_is() { first_row | grep -Eq "^$1 +hutch "; }
row_gone() { ! tm_screen | grep -q "^$1 "; }
tm_start "TERM=xterm $HUTCH --root $HROOT top -d 1 -f '$n'" || fail "tmux starts"
check "screen: three containers" tm_wait 10 "^${n}stop "
check "screen: the busy container at the top by CPU" wait_for 10 first_row_is "${n}busy" || tm_screen
first_row
check "screen: the 64m container shows 64M" tm_wait 5 "^${n}mem +hutch .* 64M "

# The detail view of the 64m container.
tm send-keys -t top f
tm send-keys -t top "${n}mem" Enter
check "filter: only the 64m container" wait_for 10 row_gone "${n}busy"
tm send-keys -t top Enter
check "detail view: the 64m limit" tm_wait 10 "limit 64M \(67108864 bytes\)"
check "detail view: cgroup path" tm_wait 5 "cgroup: /hutch/$mem_id"
check "detail view: runtime hutch" tm_wait 5 "^${n}mem +\(hutch, running\)"
tm send-keys -t top Escape
# The prompt starts from the filter in force: take "mem" off it.
tm send-keys -t top f BSpace BSpace BSpace Enter
check "filter back: the container to stop shows" tm_wait 10 "^${n}stop "

# hutch stop: the container leaves the table.
h stop "${n}stop" >/dev/null || fail "hutch stop"
check "a stopped container leaves the table" wait_for 10 row_gone "${n}stop"
check "the others stay" tm_wait 5 "^${n}busy "
if tm_dead; then fail "hutch top still running"; else pass "hutch top still running"; fi
tm send-keys -t top q
check "q quits" wait_for 5 tm_dead
