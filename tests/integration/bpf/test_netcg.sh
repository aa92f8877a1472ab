#!/usr/bin/env bash
# Network bytes per container (netcg probe, cgroup_skb programs): a process
# in a cgroup that has a directory in the unified hierarchy (as hutch makes
# them on hybrid hosts) sends 1 MiB over loopback to a listener outside it;
# its transmit counters show the bytes, its receive counters the ACKs. A
# cgroup that exists only in v1 hierarchies gets no such series on a hybrid
# host (the kernel has no unified cgroup to tell it apart by).
source "$(dirname "$0")/common.sh"
need_cmd curl python3
v2=$(cgroup_v2_mount)
[ -n "$v2" ] || skip "no cgroup2 mount: netcg has nothing to attach to"

name=$(test_id)
v1only=$(test_id)-v1only
cgroup_make "$name" || skip "cannot make cgroups"
[ -d "$v2/$name" ] || {
	mkdir "$v2/$name" || skip "cannot make a unified cgroup"
	on_exit "cgroup_kill_rm '$v2/$name'"
}
hybrid=0
[ -n "$(cgroup_v1_mount memory)" ] && hybrid=1
[ "$hybrid" = 1 ] && cgroup_make "$v1only"
collector_start
need_probe netcg

tmp=$(mktemp -d /tmp/hutch-test-netcg-XXXXXX)
on_exit "rm -rf '$tmp'"
port=$((COLLECTOR_PORT + 3))
# The listener (outside the cgroup) counts what it receives.
python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1)
open(sys.argv[2], "w").close()
c, _ = s.accept(); n = 0
while True:
    b = c.recv(65536)
    if not b: break
    n += len(b)
open(sys.argv[3], "w").write(str(n))' "$port" "$tmp/listening" "$tmp/received" &
on_exit "kill_pid $!"
wait_for 30 test -e "$tmp/listening"

procs=()
for c in "${CGROUP_CONTROLLERS[@]}"; do
	d=$(cgroup_v1_mount "$c")
	[ -n "$d" ] && [ -d "$d/$name" ] && procs+=("$d/$name/cgroup.procs")
done
procs+=("$v2/$name/cgroup.procs")
wait_for 30 sh -c "curl -sf '$COLLECTOR_URL/metrics' | grep -q 'container_network_cgroup_transmit_bytes_total{id=\"/$name\"'"
tx0=$(metric container_network_cgroup_transmit_bytes_total "id=\"/$name\"")
bash -c 'for f in '"${procs[*]}"'; do echo $$ >"$f" || exit 99; done; exec "$@"' _ \
	python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"x" * (1 << 20)); s.close()' "$port"
assert_eq "the sender ran in the cgroup" 0 $?
wait_for 30 test -s "$tmp/received"
assert_eq "the listener got 1 MiB" $((1 << 20)) "$(cat "$tmp/received")"
tx=$(metric container_network_cgroup_transmit_bytes_total "id=\"/$name\"")
txp=$(metric container_network_cgroup_transmit_packets_total "id=\"/$name\"")
rxp=$(metric container_network_cgroup_receive_packets_total "id=\"/$name\"")
# Payload plus IP and TCP headers of every packet; loopback's MTU makes few large packets.
assert_between "transmit bytes: 1 MiB and headers" $((1 << 20)) $((2 << 20)) $((tx - tx0))
assert_between "transmit packets" 1 100000 "${txp:-0}"
assert_between "receive packets (the listener's ACKs)" 1 100000 "${rxp:-0}"
if [ "$hybrid" = 1 ]; then
	check "the v1-only cgroup is sampled" test -n "$(metric container_memory_usage_bytes "id=\"/$v1only\"")"
	assert_eq "a v1-only cgroup has no netcg series on a hybrid host" "" \
		"$(metric container_network_cgroup_transmit_bytes_total "id=\"/$v1only\"")"
fi
