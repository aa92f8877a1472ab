#!/usr/bin/env bash
# hutch-collector against the naive floor, in one run: creates N plain v1
# cgroups (as docker's cgroupfs driver would), measures open/read/close of the
# twelve standard stat files of each (bench/cgroup_floor.c) and a scrape of
# the collector over the same host, prints both and the ratio, then the
# collector's scrape time, CPU and RSS over a few scrapes at a 15 s interval.
#   N=1000 ROUNDS=7 INTERVAL=15 INTERVAL_SCRAPES=4 bench/collector_scrape.sh
# (COLLECTOR_FLAGS="--discovery-interval=0" measures a scrape that re-walks the tree)
# Other helpers load the machine at the same time: figures vary by run.
set -euo pipefail
. "$(dirname "$0")/common.sh"
N=${N:-1000}
ROUNDS=${ROUNDS:-7}
INTERVAL=${INTERVAL:-15}
INTERVAL_SCRAPES=${INTERVAL_SCRAPES:-4}
need_root
bench_need_built hutch-collector

declare -A M
for c in memory cpuacct cpu pids blkio; do
	M[$c]=$(bench_v1_mount $c)
	[ -n "${M[$c]}" ] || { echo "SKIP: no cgroup v1 $c hierarchy"; exit 77; }
done
# Co-mounted controllers (cpu,cpuacct) share a directory: make each directory once.
mapfile -t DIRS < <(printf '%s\n' "${M[@]}" | sort -u)

parent=hutch-test-bench-$$
tmp=$(mktemp -d /tmp/hutch-test-bench-XXXXXX)
cpid=
cleanup() {
	if [ -n "$cpid" ]; then kill -TERM "$cpid" 2>/dev/null || true; wait "$cpid" 2>/dev/null || true; fi
	for d in "${DIRS[@]}"; do
		[ -d "$d/$parent" ] || continue
		find "$d/$parent" -mindepth 1 -maxdepth 1 -type d -exec rmdir {} + 2>/dev/null || true
		rmdir "$d/$parent" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cc -O2 -o "$tmp/cgroup_floor" "$src/bench/cgroup_floor.c"
echo "creating $N cgroups /$parent/c* in: ${DIRS[*]}"
for d in "${DIRS[@]}"; do
	mkdir "$d/$parent"
	(cd "$d/$parent" && mkdir $(seq -f 'c%g' 0 $((N - 1))))
done
total=$(find "${M[cpu]}" -type d | wc -l)

# A port below the ephemeral range (32768+), another one if it is taken.
for try in 1 2 3 4 5; do
	port=$((20000 + ($$ * 7 + RANDOM) % 12000))
	"$build/bin/hutch-collector" --web.listen-address=127.0.0.1:$port --log-level=warn ${COLLECTOR_FLAGS:-} &
	cpid=$!
	for _ in $(seq 100); do
		curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && break
		kill -0 "$cpid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$cpid" 2>/dev/null && break
	wait "$cpid" 2>/dev/null || true
	cpid=
done
[ -n "$cpid" ] || { echo "could not start hutch-collector"; exit 1; }

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
scrape() { # prints ms of one scrape, as Prometheus asks (OpenMetrics, gzip) or plain text
	curl -sf -o /dev/null -w '%{time_total}\n' "$@" "http://127.0.0.1:$port/metrics" |
		awk '{ printf "%.1f\n", $1 * 1000 }'
}
scrape >/dev/null # warm: the first scrape after start already ran inside the collector
floor=$("$tmp/cgroup_floor" "$N" "$parent" "$ROUNDS" "${M[memory]}" "${M[cpuacct]}" "${M[cpu]}" "${M[pids]}" "${M[blkio]}")
text=$(for _ in $(seq "$ROUNDS"); do scrape; done | median)
prom=$(for _ in $(seq "$ROUNDS"); do
	scrape -H 'Accept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' -H 'Accept-Encoding: gzip'
done | median)
pb=$(for _ in $(seq "$ROUNDS"); do
	scrape -H 'Accept: application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited'
done | median)
size=$(curl -sf "http://127.0.0.1:$port/metrics" | wc -c)
series=$(curl -sf "http://127.0.0.1:$port/metrics" | grep -vc '^#')

echo
echo "host cgroups in the cpu hierarchy: $total (of which $N made here); answer $size bytes, $series series"
echo "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) (shared with other work)"
printf '%-52s %8s ms\n' "naive floor (open/read/close 12 files x $N)" "$floor"
printf '%-52s %8s ms  ratio %s\n' "hutch-collector scrape, text 0.0.4" "$text" "$(awk -v a="$text" -v b="$floor" 'BEGIN { printf "%.2f", a / b }')"
printf '%-52s %8s ms  ratio %s\n' "hutch-collector scrape, OpenMetrics + gzip" "$prom" "$(awk -v a="$prom" -v b="$floor" 'BEGIN { printf "%.2f", a / b }')"
printf '%-52s %8s ms  ratio %s\n' "hutch-collector scrape, protobuf" "$pb" "$(awk -v a="$pb" -v b="$floor" 'BEGIN { printf "%.2f", a / b }')"

# CPU and memory at a Prometheus-like interval.
ticks() { awk '{ print $14 + $15 }' "/proc/$cpid/stat"; }
hz=$(getconf CLK_TCK)
t0=$(ticks); s0=$(date +%s.%N)
: >"$tmp/steady"
for _ in $(seq "$INTERVAL_SCRAPES"); do
	sleep "$INTERVAL"
	# As Prometheus asks; these scrapes also pay for the limits due for a re-read.
	scrape -H 'Accept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' -H 'Accept-Encoding: gzip' >>"$tmp/steady"
done
t1=$(ticks); s1=$(date +%s.%N)
steady=$(median <"$tmp/steady")
steady_max=$(sort -n "$tmp/steady" | tail -n 1)
printf '%-52s %8s ms  ratio %s (max %s ms)\n' "scrape every ${INTERVAL} s (limits re-read staggered)" "$steady" "$(awk -v a="$steady" -v b="$floor" 'BEGIN { printf "%.2f", a / b }')" "$steady_max"
rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$cpid/status")
echo "collector at ${INTERVAL} s scrape interval over ${INTERVAL_SCRAPES} scrapes: CPU $(awk -v t=$((t1 - t0)) -v hz="$hz" -v a="$s0" -v b="$s1" 'BEGIN { printf "%.2f%% of one core", 100 * t / hz / (b - a) }'), RSS $((rss / 1024)) MiB"
