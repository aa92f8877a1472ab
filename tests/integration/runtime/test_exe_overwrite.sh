#!/usr/bin/env bash
# The CVE-2019-5736 class: no process hutch puts into a container has a
# writable host file as its exe. Performed against a copy of the hutch
# binary (the one attacked is not the build's; hutch-init is inside it):
# from inside a running container, pid 1's exe (hutch-init, run from a
# sealed memfd) is opened for writing, through /proc/1/exe and through an
# fd reopened via /proc/self/fd, truncated, and chmod'ed to setuid (what a
# busy binary does not stop); a container whose /bin/sh is
# "#!/proc/self/exe" makes `hutch exec C sh` run hutch-init inside, and its
# exe is attacked the same way. Every write fails, and the host binary's
# hash and mode stay as they were. From the host, every process in the
# container's pid namespace, during an exec too, is checked to run no file
# of the host's hutch.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

mkdir -p "$T/bin"
cp "$HUTCH_BIN/hutch" "$T/bin/hutch"
chmod 0755 "$T/bin/hutch"
victim=$T/bin/hutch
vh() { "$victim" --root "$HROOT" "$@"; }
hash_before=$(sha256sum <"$victim")
mode_before=$(stat -c %a "$victim")

mkdir -p "$T/img"
cp -a "$ROOTFS/." "$T/img/"
name=cve-$$
vh run -d --name "$name" --rootfs "$T/img" /bin/busybox sleep 300 >/dev/null
assert_eq "started" 0 $?

echo "pid 1 (hutch-init) from inside"
out=$(vh exec "$name" /bin/busybox sh -c '
	ls -l /proc/1/exe >/dev/null && echo exe-visible
	echo "exe: $(readlink /proc/1/exe)"
	{ echo x >>/proc/1/exe; } 2>&1 && echo WROTE-APPEND
	{ printf "#!/bin/sh\necho pwned\n" 1<>/proc/1/exe; } 2>&1 && echo WROTE-RW
	exec 3</proc/1/exe
	{ echo x >>/proc/self/fd/3; } 2>&1 && echo WROTE-FD
	chmod 4755 /proc/1/exe 2>&1 && echo CHMODDED
	chown 1:1 /proc/1/exe 2>&1 && echo CHOWNED
	truncate -s 0 /proc/1/exe 2>&1 && echo TRUNCATED
	true')
echo "$out" | sed 's/^/    /'
assert_contains "pid 1's exe is there to attack" exe-visible "$out"
assert_contains "pid 1 runs hutch-init from a memfd" "exe: /memfd:hutch-init" "$out"
# chmod of the memfd (a file of this container alone) is refused from 6.3 on (F_SEAL_EXEC).
for w in WROTE-APPEND WROTE-RW WROTE-FD TRUNCATED; do
	check "no $w" test -z "$(grep -x "$w" <<<"$out")"
done
assert_contains "refused while it runs" "Text file busy" "$out"

echo "no process in the container's pid namespace runs the host's hutch (during an exec too)"
vh exec "$name" /bin/busybox sleep 60 &
exec_pid=$!
pidns=$(readlink "/proc/$(inspect_field "$name" 'd["pid"]')/ns/pid")
victim_id=$(stat -c %d:%i "$victim")
scan() { # the processes of the container's pid namespace: how many, and which run the victim
	n=0 bad=0
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/ns/pid" 2>/dev/null)" = "$pidns" ] || continue
		id=$(stat -L -c %d:%i "$p/exe" 2>/dev/null) || continue
		n=$((n + 1))
		[ "$id" = "$victim_id" ] && { bad=$((bad + 1)); echo "    $p runs the host's hutch"; }
	done
}
# (the exec'd sleep takes a while to appear on a loaded machine)
for _ in $(seq 100); do
	scan
	[ "$n" -ge 3 ] && break
	sleep 0.1
done
kill "$exec_pid"
wait "$exec_pid"
check "pid 1, the command, the exec'd sleep: 3 processes or more seen ($n)" test "$n" -ge 3
assert_eq "none runs the host's hutch" 0 "$bad"

echo "#!/proc/self/exe through hutch exec"
vh exec "$name" /bin/busybox sh -c 'rm /bin/sh; printf "#!/proc/self/exe\n" >/bin/sh; chmod 755 /bin/sh'
out=$(vh exec "$name" sh 2>&1)
assert_contains "hutch-init ran inside the container in sh's place (its own message)" \
	"hutch-init: a container's init" "$out"

echo "hutch-init's memfd held past its processes (the next thing a CVE-2019-5736 payload does)"
# An fd that outlives every process running the file: writes are no longer
# refused as busy, the seals must hold. Held here from the host's side, the
# one place an fd outlives the container.
pid1=$(inspect_field "$name" 'd["pid"]')
out=$(python3 - "$pid1" "$name" "$victim" "$HROOT" <<'PY'
import fcntl, os, subprocess, sys
pid1, name, victim, root = sys.argv[1:]
fd = os.open("/proc/%s/exe" % pid1, os.O_RDONLY)
subprocess.run([victim, "--root", root, "rm", "-f", name], check=True, stdout=subprocess.DEVNULL)
F_GET_SEALS = 1034
seals = fcntl.fcntl(fd, F_GET_SEALS)  # F_SEAL_SHRINK 2, GROW 4, WRITE 8
print("seals %#x%s" % (seals, " shrink-grow-write" if seals & 0xe == 0xe else ""))
for what, f in (("write", lambda: os.write(os.open("/proc/self/fd/%d" % fd, os.O_WRONLY), b"#!")),
                ("truncate", lambda: os.truncate("/proc/self/fd/%d" % fd, 0)),
                ("grow", lambda: os.truncate("/proc/self/fd/%d" % fd, 1 << 20))):
    try:
        f()
        print(what, "WORKED")
    except OSError as e:
        print(what, os.strerror(e.errno))
PY
)
echo "$out" | sed 's/^/    /'
assert_contains "sealed against write, shrink and grow" "shrink-grow-write" "$out"
assert_eq "no write, truncation or growth" 0 "$(grep -c WORKED <<<"$out")"
assert_contains "refused by the seals" "write Operation not permitted" "$out"
vh rm -f "$name" >/dev/null 2>&1
assert_eq "the host binary's hash is unchanged" "$hash_before" "$(sha256sum <"$victim")"
assert_eq "and its mode" "$mode_before" "$(stat -c %a "$victim")"
check "the binary still runs" "$victim" --help >/dev/null
