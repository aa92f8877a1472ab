#!/usr/bin/env bash
# exec enters every namespace of the container and its cgroup; volumes rw and
# ro; --pid/--net/--ipc container:NAME share the other container's namespaces.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

mkdir -p "$T/rw" "$T/ro"
echo from-host >"$T/ro/file"
name=ex-$$
hutch run -d --name "$name" --hostname exhost -e BASE=1 -w /srv -v "$T/rw:/data" -v "$T/ro:/conf:ro" \
	--rootfs "$ROOTFS" sh -c 'echo started; sleep 60' >/dev/null
assert_eq "started" 0 $?
pid=$(inspect_field "$name" 'd["pid"]')

echo "volumes"
hutch exec "$name" sh -c 'echo written > /data/out'
assert_eq "rw volume: the host sees the write" written "$(cat "$T/rw/out" 2>/dev/null)"
assert_eq "ro volume readable" from-host "$(hutch exec "$name" cat /conf/file)"
hutch exec "$name" sh -c 'echo x > /conf/file' 2>/dev/null
check "ro volume not writable" test $? -ne 0
assert_eq "ro volume: the host file unchanged" from-host "$(cat "$T/ro/file")"
hutch run --rm -v "$T/missing:/x" --rootfs "$ROOTFS" true 2>/dev/null
assert_eq "a missing volume source is an error" 125 $?

echo "exec"
for ns in pid net ipc uts mnt cgroup; do
	want=$(readlink "/proc/$pid/ns/$ns")
	got=$(hutch exec "$name" readlink /proc/self/ns/$ns)
	assert_eq "exec in the container's $ns namespace" "$want" "$got"
done
out=$(hutch exec "$name" sh -c 'cat /sys/fs/cgroup/pids/cgroup.procs 2>/dev/null || cat /sys/fs/cgroup/cgroup.procs; echo self $$')
self=$(echo "$out" | awk '/^self/ { print $2 }')
check "exec joins the container's cgroup" grep -qx "$self" <<<"$out"
out=$(hutch exec "$name" ps -o pid,comm)
assert_contains "exec sees the container's processes" "sleep" "$out"
assert_eq "exec: hostname" exhost "$(hutch exec "$name" hostname)"
assert_eq "exec: env and workdir from the container, -e added" "1 2 /srv" \
	"$(hutch exec -e MORE=2 "$name" sh -c 'echo $BASE $MORE $(pwd)')"
assert_eq "exec -w" /tmp "$(hutch exec -w /tmp "$name" pwd)"
assert_eq "exec -u" "uid=1234 gid=1234" "$(hutch exec -u 1234 "$name" id)"
assert_eq "exec -u NAME from the container's /etc/passwd" "uid=65534(nobody) gid=65534(nogroup)" "$(hutch exec -u nobody "$name" id)"
hutch exec "$name" sh -c 'exit 9'
assert_eq "exec: the command's status" 9 $?
hutch exec "$name" nosuchcommand 2>/dev/null
assert_eq "exec: command not found" 127 $?
echo piped | hutch exec -i "$name" cat >"$T/piped"
assert_eq "exec -i passes stdin" piped "$(cat "$T/piped")"

echo "shared namespaces"
out=$(hutch run --rm --pid "container:$name" --rootfs "$ROOTFS" ps -o comm)
assert_contains "--pid container:NAME sees the other's processes" sleep "$out"
out=$(hutch run --rm --net "container:$name" --rootfs "$ROOTFS" readlink /proc/self/ns/net)
assert_eq "--net container:NAME" "$(readlink /proc/$pid/ns/net)" "$out"
out=$(hutch run --rm --ipc "container:$name" --rootfs "$ROOTFS" readlink /proc/self/ns/ipc)
assert_eq "--ipc container:NAME" "$(readlink /proc/$pid/ns/ipc)" "$out"
out=$(hutch run --rm --rootfs "$ROOTFS" readlink /proc/self/ns/net)
check "a new container has its own network namespace" test "$out" != "$(readlink /proc/$pid/ns/net)"
hutch run --rm --pid container:nosuch --rootfs "$ROOTFS" true 2>/dev/null
assert_eq "--pid container:unknown" 125 $?

hutch stop -t 0 "$name" >/dev/null
hutch exec "$name" true 2>/dev/null
assert_eq "exec into a stopped container" 125 $?
hutch run --rm --pid "container:$name" --rootfs "$ROOTFS" true 2>/dev/null
assert_eq "--pid container:stopped" 125 $?
hutch rm "$name" >/dev/null
assert_eq "nothing left behind" 0 "$(leftovers)"
