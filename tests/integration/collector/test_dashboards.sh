#!/usr/bin/env bash
# The Grafana dashboard and the Prometheus rules in dashboards/ are valid and
# only name metrics the collector exports (no typo'd series that stay empty).
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
