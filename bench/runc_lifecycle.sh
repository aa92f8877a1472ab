#!/usr/bin/env bash
# An OCI runtime's container life as containerd's shim drives it: create
# (--pid-file), start, wait for the process (the harness is a subreaper, as
# the shim is), delete; of /bin/true in a runc-spec bundle with memory, CPU
# and pids limits. hutch-runc against Debian's runc on the same bundle,
# alternating run by run, in one script; also `run` (all four in one
# command). Prints medians and the ratios. Needs root.
# Usage: bench/runc_lifecycle.sh [RUNS]
# HUTCH_BASELINE=/path/to/an/older/hutch-runc adds it as a third contender (a
# before/after comparison in the same run).
set -euo pipefail
runs=${1:-40}
. "$(dirname "$0")/common.sh"
hrunc=$build/bin/hutch-runc
need_root
need_cmd runc
bench_need_built "$hrunc"

bench_state_tmpfs runc
cg=hutch-bench-runc-$$
cleanup() {
	local r root
	for r in "runc runc" "$hrunc hutch-runc" ${HUTCH_BASELINE:+"$HUTCH_BASELINE base"}; do
		root=$T/run/${r##* }
		r=${r% *}
		for id in $("$r" --root "$root" list -q 2>/dev/null); do
			"$r" --root "$root" delete -f "$id" >/dev/null 2>&1 || true
		done
	done
	umount "$T/run"
	for d in /sys/fs/cgroup/*/"$cg" /sys/fs/cgroup/"$cg"; do
		[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT
bash "$src/scripts/make-busybox-rootfs.sh" "$T/bundle/rootfs"
(cd "$T/bundle" && runc spec)
python3 - "$T/bundle/config.json" "$cg" <<'PY'
import json, sys
p, cg = sys.argv[1], sys.argv[2]
c = json.load(open(p))
c["process"]["args"] = ["/bin/true"]
c["process"]["terminal"] = False
c["linux"]["cgroupsPath"] = "/" + cg + "/bench"
c["linux"]["resources"]["memory"] = {"limit": 64 << 20}
c["linux"]["resources"]["cpu"] = {"quota": 50000, "period": 100000}
c["linux"]["resources"]["pids"] = {"limit": 64}
json.dump(c, open(p, "w"), indent=1)
PY

echo "runc_lifecycle: $runs runs each, alternating; $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$runs" "$T" "$hrunc" "${HUTCH_BASELINE:-}" <<'PY'
import ctypes, os, statistics, sys, time
runs, T, hrunc, base = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
# PR_SET_CHILD_SUBREAPER: the container's process, orphaned by create, is ours to wait for.
ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)
bundle, pidfile = T + "/bundle", T + "/pid"

def spawn(cmd):
    pid = os.posix_spawnp(cmd[0], cmd, os.environ)
    _, status = os.waitpid(pid, 0)
    if status != 0:
        sys.exit("%s failed: %s" % (" ".join(cmd), status))

def lifecycle(binary, root):
    base = [binary, "--root", root]
    spawn(base + ["create", "--bundle", bundle, "--pid-file", pidfile, "b"])
    pid = int(open(pidfile).read())
    spawn(base + ["start", "b"])
    os.waitpid(pid, 0)
    spawn(base + ["delete", "b"])

def run(binary, root):
    spawn([binary, "--root", root, "run", "--bundle", bundle, "b"])

runtimes = {"runc": ("runc", T + "/run/runc"), "hutch-runc": (hrunc, T + "/run/hutch-runc")}
if base:
    runtimes["base"] = (base, T + "/run/base")
for mode in (lifecycle, run):
    times = {k: [] for k in runtimes}
    for k, (b, r) in runtimes.items():  # warm-up, and a check that both work
        mode(b, r)
    for i in range(runs):
        order = list(runtimes.items())
        for k, (b, r) in (order if i % 2 == 0 else reversed(order)):
            t0 = time.perf_counter()
            mode(b, r)
            times[k].append((time.perf_counter() - t0) * 1000)
    med = {k: statistics.median(v) for k, v in times.items()}
    print("%s (%s):" % (mode.__name__, "create + start + wait + delete" if mode is lifecycle else "run"))
    for k, v in times.items():
        print("  %-10s median %7.2f ms   min %7.2f ms   p90 %7.2f ms" % (
            k, med[k], min(v), sorted(v)[int(len(v) * 0.9) - 1]))
    for k in runtimes:
        if k != "runc":
            print("  ratio runc/%s (median): %.2fx" % (k, med["runc"] / med[k]))
PY
