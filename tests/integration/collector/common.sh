# Shared by the collector's integration tests (sourced after ../lib.sh): a
# collector on a loopback port of its own, the series it answers, a Prometheus
# scraping it. Every test that sources it needs root, hutch-collector and curl.
need_root
need_bin hutch-collector
need_cmd curl

# The test cgroups are lib.sh's (cgroup_make, cgroup_run, cgroup_kill_rm). These
# are their old names, for tests/integration/bpf until it uses lib.sh's too; a
# test there may add controllers to CG_CONTROLLERS.
CG_CONTROLLERS=("${CGROUP_CONTROLLERS[@]}")
cg_make() {
	local CGROUP_CONTROLLERS=("${CG_CONTROLLERS[@]}")
	cgroup_make "$@"
}
cg_kill_rm() { cgroup_kill_rm "$@"; }
cg_run() {
	local CGROUP_CONTROLLERS=("${CG_CONTROLLERS[@]}")
	cgroup_run "$@"
	CG_PID=$CGROUP_PID
}

# base_cgroup_make: sets base (a fresh test id) and makes cgroup /$base, removed on
# exit; skips the test when it cannot.
base_cgroup_make() {
	base=$(test_id)
	cgroup_make "$base" || skip "cannot make cgroups"
}

# The directory of controller c's files for cgroup NAME (v1), or the unified one.
cg_dir() {
	local d
	d=$(cgroup_v1_mount "$2")
	[ -n "$d" ] || d=$(cgroup_v2_mount)
	echo "$d/$1"
}

# metric NAME LABELMATCH: the value of the first series of NAME whose labels contain
# LABELMATCH (e.g. 'id="/x"'), from a fresh text scrape; empty when absent.
metric() {
	curl -sf "$COLLECTOR_URL/metrics" | awk -v n="$1" -v m="$2" '
		index($0, n "{") == 1 && index($0, m) { print $NF; exit }
		$1 == n && m == "" { print $2; exit }'
}

# metric_ge NAME SELECTOR MIN: the series exists and its value is at least MIN
# (scraped at each call, so wait_for can poll it).
metric_ge() {
	awk -v v="$(metric "$1" "$2")" -v m="$3" 'BEGIN { exit !(v != "" && v + 0 >= m) }'
}

# cpu_rates SELECTOR CMD...: over CPU_RATE_SECONDS (2 by default), sets RATE to the
# growth per second of container_cpu_usage_seconds_total{SELECTOR} and KRATE to that of
# the CPU seconds CMD prints (the kernel's own count for the processes measured).
cpu_rates() {
	local sel=$1 c0 c1 k0 k1 t0 t1
	shift
	c0=$(metric container_cpu_usage_seconds_total "$sel"); k0=$("$@"); t0=$(date +%s.%N)
	sleep "${CPU_RATE_SECONDS:-2}"
	c1=$(metric container_cpu_usage_seconds_total "$sel"); k1=$("$@"); t1=$(date +%s.%N)
	RATE=$(awk -v a="$c0" -v b="$c1" -v s="$t0" -v e="$t1" 'BEGIN { printf "%.3f", (b - a) / (e - s) }')
	KRATE=$(awk -v a="$k0" -v b="$k1" -v s="$t0" -v e="$t1" 'BEGIN { printf "%.3f", (b - a) / (e - s) }')
}

# assert_rate_near DESCRIPTION TOLERANCE: after cpu_rates, RATE is KRATE +- TOLERANCE.
assert_rate_near() {
	assert_between "$1" "$(awk -v k="$KRATE" -v t="$2" 'BEGIN { print k - t }')" \
		"$(awk -v k="$KRATE" -v t="$2" 'BEGIN { print k + t }')" "$RATE"
}

# prom_start DIR PORT [FLAGS...]: a Prometheus on loopback (job "hutch-test") scraping the collector
# every second; with PROM_RULES=FILE set it evaluates those rules every second too.
prom_start() {
	local dir=$1 port=$2
	shift 2
	mkdir -p "$dir/data"
	cat >"$dir/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
${PROM_RULES:+rule_files: ['$PROM_RULES']}
scrape_configs:
  - job_name: hutch-test
    static_configs:
      - targets: ['127.0.0.1:$COLLECTOR_PORT']
YML
	prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
		--web.listen-address="127.0.0.1:$port" "$@" >"$dir/log" 2>&1 &
	PROM_PID=$!
	on_exit "kill_pid $PROM_PID"
	wait_for 30 curl -sf -o /dev/null "http://127.0.0.1:$port/-/ready" || {
		tail -5 "$dir/log"
		return 1
	}
}

# prom_query PORT PROMQL: the first result's value, or "" when there is none (yet).
prom_query() {
	curl -sf "http://127.0.0.1:$1/api/v1/query" --data-urlencode "query=$2" | python3 -c '
import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if r else "")' 2>/dev/null
}
prom_has_value() { [ -n "$(prom_query "$1" "$2")" ]; }
