#!/usr/bin/env bash
# containerd drives hutch-runc: the runc v2 shim (io.containerd.runc.v2) with
# hutch-runc as its BinaryName (ctr --runc-binary), as a Kubernetes node's
# RuntimeClass would. A containerd of the test's own (its own root, state and
# sockets) is started here when Debian's containerd package is installed.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/common.sh"
need_cmd containerd ctr containerd-shim-runc-v2

D=$T/containerd
NS=hutch-test-$$
mkdir -p "$D"
cat >"$D/config.toml" <<TOML
version = 2
root = "$D/root"
state = "$D/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$D/sock"
[ttrpc]
  address = "$D/ttrpc.sock"
TOML
containerd --config "$D/config.toml" >"$D/log" 2>&1 &
cpid=$!
# The shim puts the namespace's containers under a cgroup named after it, which
# outlives them: removed (depth first) in every hierarchy when the test ends.
on_exit "kill_pid $cpid; rm -rf /run/containerd/runc/$NS; find /sys/fs/cgroup/*/$NS /sys/fs/cgroup/$NS -depth -type d -exec rmdir {} + 2>/dev/null"
wait_for 20 test -S "$D/sock" || { echo "FAIL: containerd did not start: $(tail -5 "$D/log")"; exit 1; }
# stdin from /dev/null: ctr reads it, and from a terminal in a background group it would stop.
C() { timeout -k 5 60 ctr -a "$D/sock" -n "$NS" "$@" </dev/null; }
RUN=(--runtime io.containerd.runc.v2 --runc-binary "$HUTCH_BIN/hutch-runc" --rootfs "$ROOTFS")

out=$(C run --rm "${RUN[@]}" c1 /bin/sh -c 'echo hello; exit 3'); rc=$?
assert_eq "ctr run: the output" hello "$out"
assert_eq "ctr run: the exit code" 3 "$rc"
out=$(in_pty 60 "ctr -a '$D/sock' -n '$NS' run --rm -t ${RUN[*]} c2 /bin/sh -c 'tty; exit 2'")
assert_contains "ctr run -t: a pty (by the console socket)" /dev/pts/0 "$out"

check "ctr run -d" C run -d "${RUN[@]}" c3 /bin/sleep 300
assert_eq "hutch-runc made it: its state in the shim's root" running \
	"$("$HUTCH_BIN/hutch-runc" --root "/run/containerd/runc/$NS" state c3 | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')"
out=$(C task exec --exec-id e1 c3 /bin/sh -c 'echo exec; exit 4'); rc=$?
assert_eq "ctr task exec: output" exec "$out"
assert_eq "ctr task exec: exit code" 4 "$rc"
check "ctr task pause" C task pause c3
assert_eq "paused" PAUSED "$(C task ls | awk '$1 == "c3" { print $3 }')"
check "ctr task resume" C task resume c3
check "ctr task kill" C task kill -s KILL c3
wait_for 10 bash -c "[ \"\$(timeout 10 ctr -a '$D/sock' -n '$NS' task ls | awk '\$1 == \"c3\" { print \$3 }')\" = STOPPED ]"
assert_eq "stopped" STOPPED "$(C task ls | awk '$1 == "c3" { print $3 }')"
check "ctr task delete" C task delete c3
check "ctr container delete" C container delete c3
C run --rm --memory-limit 33554432 "${RUN[@]}" c4 /bin/sh -c 'head -c 200000000 /dev/zero | tail' >/dev/null 2>&1
rc=$?
assert_eq "over --memory-limit: 137" 137 "$rc"
assert_eq "no container left in the shim's root" 0 "$(find "/run/containerd/runc/$NS" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)"
