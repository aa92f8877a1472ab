#!/usr/bin/env bash
# Every probe loads and attaches on this kernel and cgroup layout: the
# collector started with all of them reports each one up, and logs no
# "probe ... off". Cheap, so it runs on the host and in every tests/vm guest
# (Debian's 6.1 and 6.12 on pure v2 and pure v1): a probe a kernel's verifier
# rejects fails here, with the verifier's complaint from the collector's log.
# netcg attaches to a cgroup2 hierarchy: on a pure v1 host, which has none,
# it is off by design (collector/README.md), with a log line saying so.
source "$(dirname "$0")/common.sh"
need_cmd curl

collector_start --probes=all
up=$(metric hutch_collector_probe_up 'probe="runqlat"')
[ -n "$up" ] || skip "collector built without eBPF probes"
echo "  kernel $(uname -r), cgroups: $(awk '$0 ~ / - cgroup2? / { printf "%s ", $5 }' /proc/self/mountinfo)"
probes=(runqlat oomkill churn netcg)
if [ -z "$(cgroup_v2_mount)" ]; then
	probes=(runqlat oomkill churn)
	assert_eq "pure v1: netcg is off" 0 "$(metric hutch_collector_probe_up 'probe="netcg"')"
	assert_contains "pure v1: the log says why" "probe netcg off: no cgroup2 hierarchy" "$(cat "$COLLECTOR_LOG")"
fi
for p in "${probes[@]}"; do
	assert_eq "probe $p is up" 1 "$(metric hutch_collector_probe_up "probe=\"$p\"")"
done
off=$(grep 'probe .* off' "$COLLECTOR_LOG" | grep -v 'probe netcg off: no cgroup2 hierarchy')
assert_eq "no other probe left off" "" "$off"
