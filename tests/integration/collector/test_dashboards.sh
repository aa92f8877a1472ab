#!/usr/bin/env bash
# The Grafana dashboard and the Prometheus rules in dashboards/ are valid and
# only name metrics the collector exports (no typo'd series that stay empty);
# then, in a real Prometheus over a live collector, every panel's query, every
# template query and every rule evaluates without error and returns data where
# the host has the metrics it names (the old pressure panel's query fails here).
source "$(dirname "$0")/../lib.sh"
need_cmd promtool python3

rules=$HUTCH_SRC/dashboards/hutch-collector-rules.yml
dash=$HUTCH_SRC/dashboards/hutch-containers.json
check "promtool check rules" sh -c "promtool check rules '$rules' >/dev/null"
check "dashboard is JSON" sh -c "python3 -m json.tool '$dash' >/dev/null"

# Every metric name used must be one the collector's sources write.
names=$(cat "$rules" "$dash" | grep -oE '\b(container|machine|hutch_collector|process)_[a-z_]+' | sort -u)
src=$(cat "$HUTCH_SRC"/collector/*.c)
missing=
for n in $names; do
	case $n in
	container_pressure_) continue ;; # a regex over the pressure families
	esac
	# Histogram series carry _sum/_count/_bucket after the family name.
	base=${n%_sum}
	base=${base%_count}
	grep -q "\"$base\"" <<<"$src" || grep -q "\"$n\"" <<<"$src" || missing="$missing $n"
done
assert_eq "metrics named in dashboards exist" "" "$missing"

# Live: every panel's query, every template query and every rule, in a real Prometheus
# scraping a live collector, evaluates without error and returns data where the host
# has the metrics it names. A cgroup with a memory limit and a throttled CPU quota
# makes sure the ratio panels have something to divide.
source "$(dirname "$0")/common.sh"
need_root
need_bin hutch-collector
need_cmd curl prometheus
name=$(test_id)
cgroup_make "$name" || skip "cannot make cgroups"
d=$(cg_dir "$name" memory)
if [ -f "$d/memory.limit_in_bytes" ]; then echo $((64 << 20)) >"$d/memory.limit_in_bytes"; else echo $((64 << 20)) >"$d/memory.max"; fi
d=$(cg_dir "$name" cpu)
if [ -f "$d/cpu.cfs_quota_us" ]; then echo 5000 >"$d/cpu.cfs_quota_us"; else echo "5000 100000" >"$d/cpu.max"; fi
cgroup_run "$name" sh -c 'while :; do :; done'
collector_start
tmp=$(mktemp -d /tmp/hutch-test-dashboards-XXXXXX)
on_exit "rm -rf '$tmp'"
port=$((COLLECTOR_PORT + 1))
PROM_RULES=$rules check "prometheus starts with the rules" prom_start "$tmp/p" "$port"
wait_for 30 prom_has_value "$port" "rate(container_cpu_cfs_periods_total{id=\"/$name\"}[10s])"

# query PROMQL: prints "ok N" (N results) or "error MESSAGE".
query() {
	curl -s "http://127.0.0.1:$port/api/v1/query" --data-urlencode "query=$1" | python3 -c '
import json, sys
r = json.load(sys.stdin)
print("ok %d" % len(r["data"]["result"]) if r.get("status") == "success" else "error " + r.get("error", "?"))'
}
# The expression of every panel and template variable, Grafana's variables filled in.
mapfile -t exprs < <(python3 - "$dash" <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))
out = []
for p in d.get("panels", []):
    for t in p.get("targets", []):
        out.append((p.get("title", "?"), t["expr"]))
for v in d.get("templating", {}).get("list", []):
    m = re.match(r"label_values\((.*),\s*\w+\)$", v.get("query", "") if isinstance(v.get("query"), str) else "")
    if m:
        out.append(("variable " + v["name"], m.group(1)))
for title, e in out:
    e = e.replace("$__rate_interval", "10s").replace("$id", ".*").replace("$job", ".*")
    print(title + "\t" + e)
PY
)
# Whether Prometheus holds series of every metric the expression names.
host_has() {
	local n
	for n in $(grep -oE '\b(container|machine|hutch_collector|process)_[a-z_]+' <<<"$1" | sort -u); do
		n=${n%_sum}
		n=${n%_count}
		[ "$(query "count({__name__=~\"${n}(_sum|_count)?\"})")" != "ok 0" ] || return 1
	done
}
for line in "${exprs[@]}"; do
	title=${line%%$'\t'*}
	e=${line#*$'\t'}
	got=$(query "$e")
	assert_eq "panel '$title' evaluates" ok "${got%% *}"
	if host_has "$e"; then
		check "panel '$title' returns data" test "${got#ok }" -gt 0 2>/dev/null
	else
		echo "  (no data expected for '$title': this host has none of its metrics)"
	fi
done

# The rules: Prometheus evaluated each without error; recording rules return data.
wait_for 10 sh -c "curl -sf 'http://127.0.0.1:$port/api/v1/rules' | grep -q lastEvaluation"
sleep 2
rules_state=$(curl -sf "http://127.0.0.1:$port/api/v1/rules" | python3 -c '
import json, sys
for g in json.load(sys.stdin)["data"]["groups"]:
    for r in g["rules"]:
        print("%s %s %s %s" % (r["type"], r["name"], r["health"], r.get("lastError", "").replace(" ", "_") or "-"))')
check "every rule loaded" test "$(wc -l <<<"$rules_state")" -eq "$(grep -cE '^\s+- (record|alert):' "$rules")"
while read -r type rname health err; do
	assert_eq "rule $rname is healthy ($err)" ok "$health"
	if [ "$type" = recording ]; then
		got=$(query "$rname")
		check "recording rule $rname returns data" test "${got#ok }" -gt 0
	fi
done <<<"$rules_state"

# The panel as it was: rate() over the three pressure families drops their names, and
# Prometheus refuses the result where the host has pressure data.
if host_has container_pressure_cpu_waiting_seconds_total; then
	assert_contains "the old pressure query fails as reported" "same labelset" \
		"$(query 'rate({__name__=~"container_pressure_(cpu|memory|io)_waiting_seconds_total"}[10s])')"
fi
