#!/usr/bin/env bash
# The probes on a pure cgroup v2 layout: the collector runs in a private
# mount namespace with only cgroup2 mounted (over the real kernel's tree), so
# it configures the probes to key on the unified cgroup. A cgroup made there
# that runs 100 programs and a busy loop shows 100 execs and run-queue
# waits under its id.
source "$(dirname "$0")/common.sh"
need_cmd curl unshare mount umount
need_hybrid_v2
name=$V2_NAME
tmp=$(mktemp -d /tmp/hutch-test-bpf-v2-XXXXXX)
on_exit "rm -rf '$tmp'"
mkfifo "$tmp/go" "$tmp/done"

COLLECTOR_PORT=$(free_port)
COLLECTOR_URL="http://127.0.0.1:$COLLECTOR_PORT"
COLLECTOR_LOG=$tmp/log
"${V2_ONLY[@]}" hutch-collector --web.listen-address=127.0.0.1:"$COLLECTOR_PORT" --discovery-interval=0.2 >"$COLLECTOR_LOG" 2>&1 &
COLLECTOR_PID=$!
on_exit "kill_pid $COLLECTOR_PID"
wait_for 30 curl -sf -o /dev/null "$COLLECTOR_URL/healthz" || { cat "$COLLECTOR_LOG"; fail "collector did not start"; exit 1; }
assert_contains "the collector saw a v2 layout" "(v2 cgroups)" "$(cat "$COLLECTOR_LOG")"
need_probe churn

# Only in the unified hierarchy (v1 hierarchies: the root), as on a v2 host.
bash -c 'echo $$ >"$1/cgroup.procs" || exit 99; read <"$2"; for ((i = 0; i < 100; i++)); do /bin/true; done; echo >"$3"; read <"$2"; exec sh -c "while :; do :; done"' \
	_ "$V2/$name" "$tmp/go" "$tmp/done" &
on_exit "kill_pid $!"
sel="id=\"/$name\""
wait_until 30 'test -n "$(metric container_process_execs_total "$sel")"'
e0=$(metric container_process_execs_total "$sel")
echo >"$tmp/go"
read -r <"$tmp/done"
e1=$(metric container_process_execs_total "$sel")
assert_eq "100 execs on the unified cgroup's key" 100 $((e1 - e0))
echo >"$tmp/go"
if [ "$(metric hutch_collector_probe_up 'probe="runqlat"')" = 1 ]; then
	# The busy loop is preempted now and then (timer ticks, other tasks): waits counted.
	wait_until 30 'test -n "$(hist_field container_cpu_runqueue_latency_seconds "/$name" _count)"'
	assert_between "run-queue waits on the unified cgroup's key" 1 1e9 \
		"$(hist_field container_cpu_runqueue_latency_seconds "/$name" _count)"
fi
