#!/usr/bin/env bash
# hutch-runc's commands over runc-spec-shaped bundles, as containerd's shim
# drives them: create leaves the process waiting, start lets it exec, state,
# ps, exec, pause/resume, update, events, kill, delete; run's exit codes. Where
# runc's output is deterministic (state's fields and their order, features'
# keys, exit codes of the same mistakes) Debian's runc is run beside it.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/common.sh"

B=$(make_bundle lc 'c["process"]["args"] = ["sleep", "1000"]')
ID=lc-$$

echo "== create: the process is made and waits"
check "create exits 0" hrunc create --bundle "$B" --pid-file "$T/lc.pid" "$ID"
pid=$(cat "$T/lc.pid")
assert_eq "state says created" created "$(state_field "$ID" 'd["status"]')"
assert_eq "state's pid is the pid file's" "$pid" "$(state_field "$ID" 'd["pid"]')"
check "the process is alive" kill -0 "$pid"
# It has not exec'd the command: its program is hutch-init, from a sealed
# memfd (never hutch-runc's file), waiting for start; and it is in its cgroup.
check "not exec'd before start" test "$(readlink "/proc/$pid/exe")" = "/memfd:hutch-init (deleted)"
memcg=$(cg_host_dir memory "/$CGPARENT/lc")
check "in its cgroup before start" grep -qx "$pid" "$memcg/cgroup.procs"
check "in its own pid namespace" test "$(readlink /proc/$pid/ns/pid)" != "$(readlink /proc/self/ns/pid)"

echo "== start"
check "start exits 0" hrunc start "$ID"
wait_for 5 bash -c "readlink /proc/$pid/exe | grep -q busybox"
check "the process exec'd its args" bash -c "tr '\0' ' ' </proc/$pid/cmdline | grep -q 'sleep 1000'"
assert_eq "state says running" running "$(state_field "$ID" 'd["status"]')"
check "start again fails" bash -c "! '$HUTCH_BIN/hutch-runc' --root '$RROOT' start '$ID' 2>/dev/null"

echo "== state as runc prints it"
keys=$(hrunc state "$ID" | python3 -c 'import json,sys; print(" ".join(json.load(sys.stdin)))')
assert_eq "state's fields, in runc's order" "ociVersion id pid status bundle rootfs created owner" "$keys"
check "created is RFC 3339 in UTC" bash -c "hrunc() { '$HUTCH_BIN/hutch-runc' --root '$RROOT' \"\$@\"; }; hrunc state '$ID' | grep -Eq '\"created\": \"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}(\.[0-9]+)?Z\"'"
if command -v runc >/dev/null; then
	RB=$(make_bundle rc 'c["process"]["args"] = ["sleep", "1000"]')
	RR=$T/runc-state
	on_exit "runc --root '$RR' delete -f rc-$$"
	if runc --root "$RR" create --bundle "$RB" "rc-$$" >/dev/null 2>&1; then
		norm='import json,sys; d=json.load(sys.stdin); [d.pop(k) for k in ("ociVersion","id","pid","bundle","rootfs","created")]; print(json.dumps(d, sort_keys=True))'
		assert_eq "state (statuses, owner) as runc's after create" \
			"$(runc --root "$RR" state "rc-$$" | python3 -c "$norm")" \
			"$(hrunc create --bundle "$RB" "h2-$$" >/dev/null && hrunc state "h2-$$" | python3 -c "$norm")"
		runc_keys=$(runc --root "$RR" state "rc-$$" | python3 -c 'import json,sys; print(" ".join(json.load(sys.stdin)))')
		assert_eq "the same fields as runc's state" "$runc_keys" "$keys"
		hrunc delete "h2-$$"
		runc --root "$RR" delete -f "rc-$$"
	else
		echo "  (runc create failed here: state not compared)"
	fi
	# The same mistakes, the same exit codes.
	runc --root "$RR" state nosuch >/dev/null 2>&1; a=$?
	hrunc state nosuch >/dev/null 2>&1; b=$?
	assert_eq "state of no such container: runc's exit code" "$a" "$b"
	runc --root "$RR" delete --force nosuch >/dev/null 2>&1; a=$?
	hrunc delete --force nosuch >/dev/null 2>&1; b=$?
	assert_eq "delete --force of no such container: runc's exit code" "$a" "$b"
	runc --root "$RR" kill nosuch >/dev/null 2>&1; a=$?
	hrunc kill nosuch >/dev/null 2>&1; b=$?
	assert_eq "kill of no such container: runc's exit code" "$a" "$b"
	fk=$(runc features | python3 -c 'import json,sys; d=json.load(sys.stdin); print(sorted(d), sorted(d["linux"]))')
	assert_eq "features: runc's keys" "$fk" "$(hrunc features | python3 -c 'import json,sys; d=json.load(sys.stdin); print(sorted(d), sorted(d["linux"]))')"
else
	echo "  (no runc here: outputs not compared)"
fi
check "features lists the hooks" bash -c "'$HUTCH_BIN/hutch-runc' features | grep -q createContainer"

echo "== list, ps"
check "list shows it" bash -c "'$HUTCH_BIN/hutch-runc' --root '$RROOT' list | grep -q '^$ID '"
assert_eq "list --format json" "$ID running" "$(hrunc list --format json | python3 -c 'import json,sys; print(*[(d["id"], d["status"]) for d in json.load(sys.stdin)][0])')"
assert_eq "ps --format json: the process" "[$pid]" "$(hrunc ps --format json "$ID")"
out=$(hrunc ps "$ID")
assert_contains "ps (table): ps -ef's header" "UID        PID  PPID" "$(head -1 <<<"$out")"
assert_eq "ps (table): only the container's process, with ps -ef's columns" "$pid sleep 1000" \
	"$(tail -n +2 <<<"$out" | awk '{print $2, $8, $9}')"
assert_eq "ps ID PS-ARGS: ps run with them" "$pid sleep" "$(hrunc ps "$ID" -o pid,comm | tail -n +2 | awk '{print $1, $2}')"
assert_eq "ps ID -- PS-ARGS: the same" "sleep $pid" "$(hrunc ps "$ID" -- -o comm,pid | tail -n +2 | awk '{print $1, $2}')"
out=$(hrunc ps "$ID" -o comm 2>&1); rc=$?
assert_eq "ps without a PID column: fails" 1 "$rc"
assert_contains "ps without a PID column: says so (runc's words)" "couldn't find PID field in ps output" "$out"

echo "== exec"
out=$(hrunc exec "$ID" sh -c 'echo in; hostname; exit 5'); rc=$?
assert_eq "exec's output" "$(printf 'in\nhutch')" "$out"
assert_eq "exec's exit code is the command's" 5 "$rc"
echo '{"user":{"uid":1000,"gid":1000},"args":["id","-u"],"cwd":"/tmp","env":["PATH=/bin:/usr/bin"]}' >"$T/proc.json"
assert_eq "exec --process FILE (as its user)" 1000 "$(hrunc exec --process "$T/proc.json" "$ID")"
check "exec --detach --pid-file" hrunc exec -d --pid-file "$T/ex.pid" "$ID" sleep 30
check "the detached process is in the container's pid namespace" \
	test "$(readlink /proc/"$(cat "$T/ex.pid")"/ns/pid)" = "$(readlink /proc/$pid/ns/pid)"
hrunc exec "$ID" nosuchcmd >/dev/null 2>&1; rc=$?
check "exec of a missing command fails ($rc)" test "$rc" -ne 0
assert_eq "exec's flag form: --user, --additional-gids, --cwd, --env" "1000 1000 7 /tmp v" \
	"$(hrunc exec --user 1000:1000 --additional-gids 7 --cwd /tmp --env X=v "$ID" sh -c 'echo $(id -u) $(id -G) $PWD $X')"
assert_eq "exec --cap adds to the bundle's sets" 0000000020000421 \
	"$(hrunc exec --cap CAP_CHOWN "$ID" sh -c 'grep CapEff /proc/self/status | cut -f2')"
hrunc exec --user bad "$ID" true 2>/dev/null; rc=$?
assert_eq "exec --user of a name: refused" 1 "$rc"

echo "== pause, resume"
check "pause" hrunc pause "$ID"
assert_eq "state says paused" paused "$(state_field "$ID" 'd["status"]')"
frz=$(cg_host_dir freezer "/$CGPARENT/lc")
[ -f "$frz/freezer.state" ] && assert_eq "the freezer holds it" FROZEN "$(cat "$frz/freezer.state")"
check "resume" hrunc resume "$ID"
assert_eq "state says running again" running "$(state_field "$ID" 'd["status"]')"

echo "== update, events"
echo '{"memory":{"limit":67108864},"pids":{"limit":50}}' | hrunc update -r - "$ID"
assert_eq "update -r: memory limit" 67108864 "$(cat "$memcg/memory.limit_in_bytes" 2>/dev/null || cat "$memcg/memory.max")"
pidscg=$(cg_host_dir pids "/$CGPARENT/lc")
assert_eq "update -r: pids limit" 50 "$(cat "$pidscg/pids.max")"
check "update --pids-limit" hrunc update --pids-limit 40 "$ID"
assert_eq "update flag form: pids limit" 40 "$(cat "$pidscg/pids.max")"
check "update --memory 48M --cpu-quota" hrunc update --memory 48M --cpu-period 100000 --cpu-quota 30000 "$ID"
assert_eq "update flag form: memory limit" 50331648 "$(cat "$memcg/memory.limit_in_bytes" 2>/dev/null || cat "$memcg/memory.max")"
cpucg=$(cg_host_dir cpu "/$CGPARENT/lc")
assert_eq "update flag form: cpu quota" 30000 "$(cat "$cpucg/cpu.cfs_quota_us" 2>/dev/null || cut -d' ' -f1 "$cpucg/cpu.max")"
hrunc update --memory lots "$ID" 2>/dev/null; rc=$?
assert_eq "update --memory of no size: refused" 1 "$rc"
ev=$(hrunc events --stats "$ID")
assert_eq "events --stats: memory usage, pids" "stats True 2" "$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["type"], d["data"]["memory"]["usage"]["usage"] > 0, d["data"]["pids"]["current"])' "$ev")"

echo "== --systemd-cgroup: no systemd here, so the cgroupfs path systemd would give the scope"
sl=hutchsd$$
on_exit "for d in /sys/fs/cgroup/*/$sl.slice /sys/fs/cgroup/$sl.slice; do [ -d \"\$d\" ] && find \"\$d\" -depth -type d -exec rmdir {} +; done"
b=$(make_bundle sd "c['linux']['cgroupsPath'] = '$sl-inner.slice:pre:ctr'; c['process']['args'] = ['sleep', '100']")
check "create --systemd-cgroup with slice:prefix:name" hrunc --systemd-cgroup create --bundle "$b" sd-$$
scope=$(cg_host_dir memory "/$sl.slice/$sl-inner.slice/pre-ctr.scope")
check "its process is in /$sl.slice/$sl-inner.slice/pre-ctr.scope (slices nested as systemd's)" \
	grep -qx "$(state_field sd-$$ 'd["pid"]')" "$scope/cgroup.procs"
check "delete --force" hrunc delete --force sd-$$
check "the scope is removed" test ! -d "$scope"

echo "== kill, delete"
hrunc delete "$ID" 2>/dev/null; rc=$?
assert_eq "delete of a running container fails" 1 "$rc"
check "kill --all KILL" hrunc kill --all "$ID" KILL
wait_for 5 bash -c "! kill -0 $pid 2>/dev/null"
assert_eq "state says stopped" stopped "$(state_field "$ID" 'd["status"]')"
check "delete" hrunc delete "$ID"
assert_eq "nothing left (cgroups, state, mounts, processes)" 0 "$(leftovers)"

echo "== delete --force, a created container's delete"
check "create" hrunc create --bundle "$B" "$ID-2"
check "delete of a created container" hrunc delete "$ID-2"
check "create, start" bash -c "'$HUTCH_BIN/hutch-runc' --root '$RROOT' create --bundle '$B' '$ID-3' && '$HUTCH_BIN/hutch-runc' --root '$RROOT' start '$ID-3'"
check "delete --force of a running one" hrunc delete --force "$ID-3"
assert_eq "nothing left" 0 "$(leftovers)"

echo "== run: the process's exit code, signals"
B2=$(make_bundle ex 'c["process"]["args"] = ["sh", "-c", "echo out; exit 7"]')
out=$(hrunc run --bundle "$B2" "$ID-4"); rc=$?
assert_eq "run's output" out "$out"
assert_eq "run's exit code" 7 "$rc"
hrunc run --bundle "$B" "$ID-5" &
runpid=$!
wait_for 10 bash -c "'$HUTCH_BIN/hutch-runc' --root '$RROOT' state '$ID-5' 2>/dev/null | grep -q running"
kill -KILL "$(state_field "$ID-5" 'd["pid"]')"
wait "$runpid"; rc=$?
assert_eq "killed by SIGKILL: run exits 137" 137 "$rc"
assert_eq "run deleted it" 0 "$(leftovers)"
B4=$(make_bundle pf 'c["process"]["args"] = ["sh", "-c", "cat <&3; cat <&4 2>/dev/null || echo no-fd-4"]')
echo preserved >"$T/fd3"
out=$(hrunc run --no-pivot --preserve-fds 1 --bundle "$B4" "$ID-7" 3<"$T/fd3" 4<"$T/fd3")
assert_eq "run --no-pivot --preserve-fds 1: fd 3 passed in, fd 4 not" "$(printf 'preserved\nno-fd-4')" "$out"
check "run --detach" hrunc run -d --bundle "$B" "$ID-6"
assert_eq "detached: running" running "$(state_field "$ID-6" 'd["status"]')"
hrunc kill "$ID-6" KILL
wait_for 5 bash -c "[ \"\$('$HUTCH_BIN/hutch-runc' --root '$RROOT' state '$ID-6' | grep -c stopped)\" = 1 ]"
check "delete" hrunc delete "$ID-6"
assert_eq "nothing left after run" 0 "$(leftovers)"
