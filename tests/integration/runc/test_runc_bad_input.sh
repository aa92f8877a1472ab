#!/usr/bin/env bash
# Bad bundles and hooks: hutch-runc fails as runc does (non-zero exit, the
# error on stderr and as JSON in --log) and leaves nothing behind: no state
# directory, cgroup, process or mount.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/common.sh"

LOG=$T/log.json
# expect_fail NAME WHAT-IN-THE-MESSAGE HUTCH-RUNC-ARGS...: create fails with the message
# on stderr and in the JSON log, and leaves nothing.
expect_fail() {
	local name=$1 msg=$2
	shift 2
	: >"$LOG"
	local err rc
	err=$("$HUTCH_BIN/hutch-runc" --root "$RROOT" --log "$LOG" --log-format json "$@" 2>&1 >/dev/null)
	rc=$?
	check "$name: exits non-zero ($rc)" test "$rc" -ne 0
	assert_contains "$name: stderr says why" "$msg" "$err"
	local logged
	logged=$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    d = json.loads(l)
    if d["level"] == "error": print(d["msg"])' "$LOG")
	assert_contains "$name: the --log JSON says why" "$msg" "$logged"
	assert_eq "$name: nothing left" 0 "$(leftovers)"
}

B=$(make_bundle ok 'c["process"]["args"] = ["true"]')

echo "== config.json"
echo '{"ociVersion": "1.0.2", "process": ' >"$B/config.json"
expect_fail "invalid JSON" "config.json: not valid JSON" create --bundle "$B" bad1
B=$(make_bundle v2 'c["ociVersion"] = "2.0.0"')
expect_fail "unknown version" "ociVersion: 2.0.0 is not supported" create --bundle "$B" bad2
B=$(make_bundle mt 'c["process"]["user"]["uid"] = "root"')
expect_fail "a field of the wrong type" "process.user.uid: not an integer" create --bundle "$B" bad3
mkdir -p "$T/noconf"
expect_fail "no config.json" "config.json not found" create --bundle "$T/noconf" bad4
B=$(make_bundle nr 'c["root"]["path"] = "nosuchdir"')
expect_fail "missing rootfs" "rootfs ($T/nr/nosuchdir) does not exist" create --bundle "$B" bad5
B=$(make_bundle sl 'c["root"]["path"] = "link"')
ln -s rootfs "$B/link"
expect_fail "a symlinked rootfs (runc refuses one)" "invalid rootfs: not an absolute path, or a symlink" create --bundle "$B" bad7
B=$(make_bundle sl2 'c["root"]["path"] = "./rootfs/"; c["process"]["args"] = ["true"]')
check "a rootfs named with ./ and a trailing / is no symlink" hrunc run --bundle "$B" ok7
B=$(make_bundle ne 'c["process"]["args"] = ["/no/such/program"]')
expect_fail "missing executable" 'exec: "/no/such/program"' create --bundle "$B" bad6

echo "== cgroupsPath"
B=$(make_bundle cg1 'c["linux"]["cgroupsPath"] = "/a/../../escape"')
expect_fail "cgroupsPath with .." "'..' is not allowed" create --bundle "$B" bad7
B=$(make_bundle cg2 'c["linux"]["cgroupsPath"] = "/not/slice/form"')
expect_fail "systemd cgroupsPath not slice:prefix:name" "not slice:prefix:name" --systemd-cgroup create --bundle "$B" bad8
B=$(make_bundle cg3 'c["linux"]["cgroupsPath"] = "system:x:y"')
expect_fail "systemd cgroupsPath with a bad slice" "is not a slice name" --systemd-cgroup create --bundle "$B" bad9
B=$(make_bundle lim 'c["linux"]["resources"]["cpu"] = {"cpus": "1000"}')
expect_fail "a limit the kernel refuses" "cpuset" create --bundle "$B" bad10

echo "== hooks"
printf '#!/bin/sh\necho hook-says-no >&2\nexit 3\n' >"$T/fail.sh"
printf '#!/bin/sh\necho $$ >%s\nexec sleep 100\n' "$T/hang.pid" >"$T/hang.sh"
chmod +x "$T/fail.sh" "$T/hang.sh"
B=$(make_bundle hk1 "c['hooks'] = {'prestart': [{'path': '$T/fail.sh'}]}")
expect_fail "a prestart hook that fails" "prestart hook $T/fail.sh: exit status 3" create --bundle "$B" bad11
B=$(make_bundle hk2 "c['hooks'] = {'createRuntime': [{'path': '$T/hang.sh', 'timeout': 1}]}")
start=$SECONDS
expect_fail "a createRuntime hook that hangs" "createRuntime hook $T/hang.sh: timed out after 1 s" create --bundle "$B" bad12
check "the hang is cut at its timeout" test $((SECONDS - start)) -le 5
check "the hung hook was killed" bash -c "! kill -0 \$(cat '$T/hang.pid') 2>/dev/null"
B=$(make_bundle hk3 "c['hooks'] = {'createContainer': [{'path': '$T/fail.sh'}]}")
expect_fail "a createContainer hook that fails" "createContainer hook $T/fail.sh: exit status 3" create --bundle "$B" bad13
B=$(make_bundle hk4 "c['hooks'] = {'prestart': [{'path': '$T/no-such-hook'}]}")
expect_fail "a hook that does not exist" "exit status 127" create --bundle "$B" bad14

echo "== the hooks' stdin and order"
printf '#!/bin/sh\n{ echo "$1"; cat; echo; } >>%s\n' "$T/hooks.out" >"$T/rec.sh"
chmod +x "$T/rec.sh"
# startContainer's path is the container's: T is bound in at the same place.
B=$(make_bundle hk5 "c['mounts'].append({'destination': '$T', 'type': 'bind', 'source': '$T', 'options': ['rbind']}); c['process']['args'] = ['true']; c['hooks'] = {k: [{'path': '$T/rec.sh', 'args': ['rec.sh', k]}] for k in ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop']}")
check "run with every hook" hrunc run --bundle "$B" hooks1
order=$(awk 'NR % 2 == 1' "$T/hooks.out" | tr '\n' ' ')
assert_eq "hooks ran in the spec's order" "prestart createRuntime createContainer startContainer poststart poststop " "$order"
check "each got the state JSON with the id" bash -c "awk 'NR % 2 == 0' '$T/hooks.out' | python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin if l.strip()]' && [ \$(grep -c '\"id\":\"hooks1\"' '$T/hooks.out') = 6 ]"
assert_eq "nothing left after run" 0 "$(leftovers)"

echo "== the same mistakes with runc"
if command -v runc >/dev/null; then
	B=$(make_bundle v3 'c["ociVersion"] = "2.0.0"')
	mkdir -p "$T/noconf2"
	runc --root "$T/rs" create --bundle "$T/noconf2" x >/dev/null 2>&1; a=$?
	hrunc create --bundle "$T/noconf2" x >/dev/null 2>&1; b=$?
	assert_eq "no config.json: runc's exit code" "$a" "$b"
	B=$(make_bundle nr2 'c["root"]["path"] = "nosuchdir"')
	runc --root "$T/rs" create --bundle "$B" x >/dev/null 2>&1; a=$?
	hrunc create --bundle "$B" x >/dev/null 2>&1; b=$?
	assert_eq "missing rootfs: runc's exit code" "$a" "$b"
	runc --root "$T/rs" create --bundle "$T/sl" x >/dev/null 2>&1; a=$?
	hrunc create --bundle "$T/sl" x >/dev/null 2>&1; b=$?
	assert_eq "symlinked rootfs: runc's exit code" "$a" "$b"
	runc --root "$T/rs" delete -f x >/dev/null 2>&1
fi
assert_eq "nothing left at the end" 0 "$(leftovers)"
