#!/usr/bin/env bash
# docker drives hutch-runc: a dockerd of the test's own (its data and exec
# roots, socket, no iptables, no bridge) with --add-runtime hutch=hutch-runc,
# as daemon.json's "runtimes" registers it; an image imported from the busybox
# rootfs; docker run --runtime hutch (exit code, -t), exec, stop, rm, OOM.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/common.sh"
[ -x /usr/sbin/dockerd ] || skip "needs dockerd (Debian's docker.io package)"
need_cmd /usr/bin/docker

D=$T/docker
mkdir -p "$D"
/usr/sbin/dockerd --data-root "$D/data" --exec-root "$D/exec" --pidfile "$D/pid" -H "unix://$D/sock" \
	--iptables=false --ip-masq=false --bridge=none --storage-driver vfs \
	--add-runtime "hutch=$HUTCH_BIN/hutch-runc" >"$D/log" 2>&1 &
dpid=$!
on_exit "kill_pid $dpid; grep -o ' $D[^ ]*' /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l"
wait_for 60 test -S "$D/sock" || { echo "FAIL: dockerd did not start: $(tail -5 "$D/log")"; exit 1; }
DK() { timeout -k 5 120 /usr/bin/docker -H "unix://$D/sock" "$@"; }
wait_for 30 DK version >/dev/null 2>&1
tar -C "$ROOTFS" -c . | DK import - hutch-busybox >/dev/null || { echo "FAIL: docker import"; exit 1; }

out=$(DK run --rm --runtime hutch --network none hutch-busybox sh -c 'echo hello; exit 3'); rc=$?
assert_eq "docker run --runtime hutch: output" hello "$out"
assert_eq "docker run: exit code" 3 "$rc"
out=$(in_pty 60 "/usr/bin/docker -H unix://$D/sock run --rm -t --runtime hutch --network none hutch-busybox tty")
assert_contains "docker run -t: a pty" /dev/pts/0 "$out"
check "docker run -d" DK run -d --name d1 --runtime hutch --network none hutch-busybox sleep 300
assert_eq "docker inspect: the runtime" hutch "$(DK inspect -f '{{.HostConfig.Runtime}}' d1)"
out=$(DK exec d1 sh -c 'echo exec; exit 4'); rc=$?
assert_eq "docker exec: output" exec "$out"
assert_eq "docker exec: exit code" 4 "$rc"
out=$(in_pty 60 "/usr/bin/docker -H unix://$D/sock exec -t d1 tty")
assert_contains "docker exec -t: a pty" /dev/pts/ "$out"
check "docker stop" DK stop -t 1 d1
assert_eq "stopped by SIGKILL after the grace (sleep as pid 1 ignores SIGTERM): 137" 137 \
	"$(DK inspect -f '{{.State.ExitCode}}' d1)"
check "docker rm" DK rm d1
DK run --rm --runtime hutch --network none -m 32m --memory-swap 32m hutch-busybox \
	sh -c 'head -c 200000000 /dev/zero | tail' >/dev/null 2>&1
assert_eq "over -m: 137" 137 "$?"
assert_eq "no container left" "" "$(DK ps -aq)"
