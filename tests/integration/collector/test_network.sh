#!/usr/bin/env bash
# Network counters come from the container's own network namespace: a
# process in a plain cgroup and a new netns (unshare -n) sends from eth0 to
# eth1 (a veth pair, both ends inside) and over its loopback; the collector
# shows those bytes for that cgroup only, and never loopback (cAdvisor leaves
# lo out); a cgroup in the host's namespace shows no network series.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/common.sh"
need_cmd python3 unshare ip

net=$(test_id)-net
hostns=$(test_id)-host
cgroup_make "$net" || skip "cannot make cgroups"
cgroup_make "$hostns" || skip "cannot make cgroups"

# 200 datagrams of 1000 bytes out of eth0 to a neighbour on eth1 (which counts and drops
# them: not its address), as many over the namespace's loopback, then wait.
cgroup_run "$net" unshare -n sh -c 'ip link set lo up && ip link add eth0 type veth peer name eth1 &&
ip addr add 10.200.0.1/24 dev eth0 && ip link set eth0 up && ip link set eth1 up &&
ip neigh add 10.200.0.2 lladdr 02:00:00:00:00:02 dev eth0 && exec python3 -c "
import socket, time
r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); r.bind((\"127.0.0.1\", 9999))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(200): s.sendto(b\"x\" * 1000, (\"10.200.0.2\", 9999))
for _ in range(200): s.sendto(b\"x\" * 1000, (\"127.0.0.1\", 9999))
time.sleep(60)"'
netpid=$CGROUP_PID
cgroup_run "$hostns" sleep 60
collector_start

sel="interface=\"eth0\",id=\"/$net\""
wait_for 10 metric_ge container_network_transmit_packets_total "$sel" 200
tx=$(metric container_network_transmit_bytes_total "$sel")
# 200 x (1000 + 28 IP/UDP + 14 link header) bytes, plus nothing else in a fresh namespace.
assert_between "tx bytes in the container's namespace" 200000 220000 "$tx"
assert_between "rx bytes on the other end" 200000 220000 \
	"$(metric container_network_receive_bytes_total "interface=\"eth1\",id=\"/$net\"")"
assert_between "tx packets" 200 210 "$(metric container_network_transmit_packets_total "$sel")"
assert_eq "no receive errors" 0 "$(metric container_network_receive_errors_total "$sel")"
assert_eq "no loopback series, though lo carried as much" "" \
	"$(metric container_network_transmit_bytes_total "interface=\"lo\",id=\"/$net\"")"
assert_eq "no series for a cgroup in the host's namespace" "" \
	"$(metric container_network_receive_bytes_total "id=\"/$hostns\"")"
check "the test's process is alive" kill -0 "$netpid"
