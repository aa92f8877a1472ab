#!/usr/bin/env bash
# Container start-to-exit latency: `hutch run --rm` of /bin/true with a memory
# and a CPU limit against `runc run` of the same busybox rootfs with the same
# limits (Debian's runc), alternating run by run, in one script. Prints both
# medians and the ratio. Needs root. Usage: bench/runtime_start.sh [RUNS]
# HUTCH_BASELINE=/path/to/an/older/hutch adds it as a third contender (a
# before/after comparison in the same run).
set -euo pipefail
runs=${1:-40}
. "$(dirname "$0")/common.sh"
hutch=$build/bin/hutch
need_root
need_cmd runc
bench_need_built "$hutch"

bench_state_tmpfs rt
trap 'runc --root "$T/run/runc" delete -f "bench-$$" >/dev/null 2>&1 || true; umount "$T/run"; rm -rf "$T"' EXIT
bash "$src/scripts/make-busybox-rootfs.sh" "$T/bundle/rootfs"

# runc's bundle: its default spec (new pid, net, ipc, uts, mount, cgroup
# namespaces), /bin/true, no terminal, 64 MiB and half a CPU.
(cd "$T/bundle" && runc spec)
python3 - "$T/bundle/config.json" <<'PY'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["process"]["args"] = ["/bin/true"]
c["process"]["terminal"] = False
c["root"]["readonly"] = False
c["linux"]["resources"] = {"memory": {"limit": 64 << 20}, "cpu": {"quota": 50000, "period": 100000}}
json.dump(c, open(p, "w"), indent=1)
PY

echo "runtime_start: $runs runs each, alternating; $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$runs" "$T" "$hutch" "$$" "${HUTCH_BASELINE:-}" <<'PY'
import os, statistics, subprocess, sys, time
runs, T, hutch, tag, base = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
def hutch_cmd(binary):
    return [binary, "--root", T + "/run/hutch", "run", "--rm", "-m", "64m", "--cpus", "0.5",
            "--rootfs", T + "/bundle/rootfs", "/bin/true"]
cmds = {
    "runc": ["runc", "--root", T + "/run/runc", "run", "-b", T + "/bundle", "bench-" + tag],
    "hutch": hutch_cmd(hutch),
}
if base:
    cmds["base"] = hutch_cmd(base)
times = {k: [] for k in cmds}
for name, cmd in cmds.items():  # warm-up, and a check that both work
    subprocess.run(cmd, check=True, stdin=subprocess.DEVNULL)
for i in range(runs):
    for name, cmd in (cmds.items() if i % 2 == 0 else reversed(list(cmds.items()))):
        # posix_spawn and waitpid: the least the harness can add to either
        t0 = time.perf_counter()
        pid = os.posix_spawnp(cmd[0], cmd, os.environ)
        _, status = os.waitpid(pid, 0)
        times[name].append((time.perf_counter() - t0) * 1000)
        if status != 0:
            sys.exit("%s failed: %s" % (name, status))
med = {k: statistics.median(v) for k, v in times.items()}
for k, v in times.items():
    print("  %-6s median %7.2f ms   min %7.2f ms   p90 %7.2f ms" % (
        k, med[k], min(v), sorted(v)[int(len(v) * 0.9) - 1]))
for k in cmds:
    if k != "runc":
        print("  ratio runc/%s (median): %.2fx" % (k, med["runc"] / med[k]))
PY
