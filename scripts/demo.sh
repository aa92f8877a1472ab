#!/usr/bin/env bash
# The README's demo: installs what it needs, builds, and shows hutch's main job
# on this host, for real. Starts hutch-fsd and hutch-collector, runs a container
# limited to 256 MiB and half a CPU, shows what free, top, uptime and nproc say
# inside it, shows that container's lines from /metrics, and says how to open
# `hutch top`. Everything it starts is stopped and removed when it ends.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
cd "$src"
[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (it creates cgroups, namespaces and a FUSE mount)" >&2; exit 1; }

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "installing packages and building (scripts/setup-deps.sh, scripts/build.sh)"
bash scripts/setup-deps.sh
HUTCH_BUILD_DIR=$src/build bash scripts/build.sh
bin=$src/build/bin
export PATH=$bin:$PATH

tmp=$(mktemp -d /tmp/hutch-demo-XXXXXX)
cgroup_mounts() { awk '$0 ~ / - cgroup2? / { print $5 }' /proc/self/mountinfo; }
# hutch's default cgroup parent: removed at the end if the demo's container made it.
parents_before=$(for m in $(cgroup_mounts); do if [ -d "$m/hutch" ]; then echo "$m/hutch"; fi; done)
fsd_pid= col_pid= ctr= cg_dirs=() load_pid=
cleanup() {
	set +e
	[ -n "$ctr" ] && hutch rm -f "$ctr" >/dev/null 2>&1
	for m in $(cgroup_mounts); do
		[ -d "$m/hutch" ] && ! grep -qxF "$m/hutch" <<<"$parents_before" && rmdir "$m/hutch"
	done
	[ -n "$load_pid" ] && kill -KILL "$load_pid" 2>/dev/null && wait "$load_pid" 2>/dev/null
	for d in "${cg_dirs[@]}"; do rmdir "$d" 2>/dev/null; done
	[ -n "$col_pid" ] && kill -TERM "$col_pid" 2>/dev/null && wait "$col_pid" 2>/dev/null
	if [ -n "$fsd_pid" ] && kill -TERM "$fsd_pid" 2>/dev/null; then
		wait "$fsd_pid" 2>/dev/null
		# A stopped hutch-fsd leaves a read-only guard on its mount point (so no
		# runtime makes directories there); the demo started it, so it goes too.
		awk -v d="$fsd_dir" '$5 == d && / - tmpfs hutch-fsd-stopped / { found = 1 } END { exit !found }' \
			/proc/self/mountinfo && umount "$fsd_dir"
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step "this host's cgroup layout, read from /proc/self/mountinfo"
awk '$0 ~ / - cgroup2? / { split($0, a, " - "); split(a[2], f, " "); printf "  %-8s %-32s %s\n", f[1], $5, f[3] }' /proc/self/mountinfo

fsd_dir=/var/lib/hutch-fsd
fsd_mounted() { awk -v d="$fsd_dir" '$5 == d && / - fuse/ { found = 1 } END { exit !found }' /proc/self/mountinfo; }
if [ -x "$bin/hutch-fsd" ]; then
	step "starting hutch-fsd at $fsd_dir (lxcfs's layout)"
	if fsd_mounted; then
		echo "  already mounted; using the running one"
	else
		mkdir -p "$fsd_dir"
		hutch-fsd "$fsd_dir" 2>"$tmp/fsd.log" &
		fsd_pid=$!
		for _ in $(seq 50); do fsd_mounted && break; sleep 0.1; done
		fsd_mounted || { cat "$tmp/fsd.log"; exit 1; }
		ls "$fsd_dir/proc" | sed 's/^/  proc\//'
	fi
fi

step "starting hutch-collector on 127.0.0.1:9655"
port=9655
if curl -sf -o /dev/null "http://127.0.0.1:$port/healthz"; then
	port=$((20000 + RANDOM % 10000))
fi
hutch-collector --web.listen-address=127.0.0.1:$port 2>"$tmp/collector.log" &
col_pid=$!
for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.1; done
cat "$tmp/collector.log"

if [ -x "$bin/hutch" ]; then
	step "running a container: 256 MiB, half a CPU, busy"
	# An image of busybox plus the host's procps tools (busybox's own free and
	# uptime ask the kernel through sysinfo(2), which no FUSE daemon can change).
	export HUTCH_IMAGES_DIR=$tmp/images
	bash scripts/make-busybox-rootfs.sh --image demo >/dev/null
	bash scripts/add-host-tools.sh "$HUTCH_IMAGES_DIR/demo" free top uptime nproc getconf
	ctr=hutch-demo-$$
	echo "  \$ hutch run -d --name $ctr -m 256m --cpus 0.5 demo sh -c 'while :; do :; done'"
	hutch run -d --name "$ctr" -m 256m --cpus 0.5 demo sh -c 'while :; do :; done' | sed 's/^/  /'
	sleep 2
	for cmd in "/usr/bin/free -m" "/usr/bin/top -bn1" "/usr/bin/uptime" "/usr/bin/nproc" \
		"/usr/bin/getconf _NPROCESSORS_ONLN" "grep -c ^processor /proc/cpuinfo"; do
		echo "  \$ hutch exec $ctr $cmd"
		# shellcheck disable=SC2086
		{ hutch exec -e TERM=xterm "$ctr" $cmd 2>&1 || true; } | head -7 | sed 's/^/    /'
	done
	echo "  nproc counts the CPUs the scheduler lets it use (sched_getaffinity): --cpus sets a quota, not"
	echo "  an affinity, so it says 2 as under docker; programs that ask sysconf or /proc see 1."
	echo "  (the host has $(nproc) CPUs and $(awk '/MemTotal/ { printf "%d MiB", $2 / 1024 }' /proc/meminfo))"
	cg_id=$(hutch inspect "$ctr" | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["cgroup_path"])')
else
	step "runtime not built yet: a plain cgroup instead, 256 MiB and half a CPU, busy"
	cg_id=/hutch-demo-$$
	for c in memory cpu,cpuacct cpu cpuacct pids; do
		d=$(awk -v c="$c" '$0 ~ / - cgroup / { n = split($NF, o, ","); for (i = 1; i <= n; i++) if (o[i] == c) { print $5; exit } }' /proc/self/mountinfo)
		[ -n "$d" ] && [ ! -d "$d$cg_id" ] && mkdir "$d$cg_id" && cg_dirs+=("$d$cg_id")
	done
	(exec sh -c 'while :; do :; done') &
	load_pid=$!
	for d in "${cg_dirs[@]}"; do
		[ -e "$d/memory.limit_in_bytes" ] && echo $((256 << 20)) >"$d/memory.limit_in_bytes"
		[ -e "$d/cpu.cfs_quota_us" ] && echo 50000 >"$d/cpu.cfs_quota_us"
		echo "$load_pid" >"$d/cgroup.procs"
	done
	sleep 3
fi

step "that container's lines from http://127.0.0.1:$port/metrics"
# New cgroups join at the collector's next discovery (every 5 s).
for _ in $(seq 100); do
	curl -sf "http://127.0.0.1:$port/metrics" | grep -qF "id=\"$cg_id\"" && break
	sleep 0.1
done
curl -sf "http://127.0.0.1:$port/metrics" | grep -F "id=\"$cg_id\"" |
	grep -E '^container_(cpu_usage_seconds_total|cpu_cfs_throttled_periods_total|memory_usage_bytes|memory_working_set_bytes|spec_memory_limit_bytes|spec_cpu_quota|spec_cpu_period|processes|cpu_runqueue_latency_seconds_count|network_receive_bytes_total)' |
	sed 's/^/  /'

step "watch every container live"
if [ -x "$bin/hutch" ] && hutch top --help >/dev/null 2>&1; then
	echo "  hutch top            (keys: s sort, r reverse, f filter, a all cgroups, o detail, h help, q quit)"
	echo "  hutch top -b -n 1    (batch mode, for scripts)"
	hutch top -b -n 1 2>&1 | head -12 | sed 's/^/  /'
elif [ -x "$bin/hutch-top" ]; then
	echo "  $bin/hutch-top   (batch: hutch-top -b -n 1)"
	hutch-top -b -n 1 2>&1 | head -12 | sed 's/^/  /'
else
	echo "  hutch top is not built yet; Prometheus can scrape http://127.0.0.1:9655/metrics meanwhile"
fi
echo
echo "demo done: stopping the container and the daemons"
