#!/usr/bin/env bash
# podman drives hutch-runc (--runtime): run, exit codes, exec, -t, stop, rm,
# with a podman store of the test's own (Debian's podman package; conmon).
# The host here lacks CAP_SYS_RESOURCE, so podman's default rlimits (nofile
# and nproc 1048576, above the current hard limits) cannot be set by runc or
# hutch-runc: the test asks for lower ones.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/common.sh"
need_cmd podman conmon

PD=$T/podman
P() {
	timeout -k 5 120 podman --root "$PD/root" --runroot "$PD/run" --runtime "$HUTCH_BIN/hutch-runc" \
		--cgroup-manager cgroupfs --events-backend file --storage-driver vfs "$@" </dev/null
}
on_exit "P rm -fa; rm -rf $PD"
O=(--ulimit nofile=1024:1024 --ulimit nproc=4096:4096 --network none --rootfs "$ROOTFS")

out=$(P run --rm "${O[@]}" /bin/sh -c 'echo hello; exit 3'); rc=$?
assert_eq "podman run: output" hello "$out"
assert_eq "podman run: exit code" 3 "$rc"
out=$(in_pty 60 "podman --root '$PD/root' --runroot '$PD/run' --runtime '$HUTCH_BIN/hutch-runc' --cgroup-manager cgroupfs --events-backend file --storage-driver vfs run --rm -t ${O[*]} /bin/sh -c 'tty; exit 2'")
assert_contains "podman run -t: a pty" /dev/pts/0 "$out"
check "podman run -d" P run -d --name p1 "${O[@]}" /bin/sleep 300
out=$(P exec p1 /bin/sh -c 'echo exec; exit 4'); rc=$?
assert_eq "podman exec: output" exec "$out"
assert_eq "podman exec: exit code" 4 "$rc"
check "podman pause" P pause p1
assert_eq "paused" paused "$(P inspect -f '{{.State.Status}}' p1)"
check "podman unpause" P unpause p1
check "podman stop" P stop -t 1 p1
assert_eq "stopped by SIGKILL after the grace (sleep as pid 1 ignores SIGTERM): 137" 137 \
	"$(P inspect -f '{{.State.ExitCode}}' p1)"
check "podman rm" P rm p1
P run --rm --memory 32m --memory-swap 32m "${O[@]}" /bin/sh -c 'head -c 200000000 /dev/zero | tail' >/dev/null 2>&1
assert_eq "over --memory: 137" 137 "$?"
assert_eq "no container left" "" "$(P ps -aq)"
