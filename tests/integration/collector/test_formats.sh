#!/usr/bin/env bash
# The exposition formats as Prometheus negotiates them: text 0.0.4 (clean
# under promtool), OpenMetrics 1.0, delimited protobuf that decodes (with the
# protoc-c code of proto/metrics.proto) to the same families and series, gzip;
# the HTTP surface (/healthz, index, 404, 405, HEAD); bad flags; SIGTERM.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/common.sh"
need_cmd promtool
decode=$HUTCH_BUILD/tests/hutch-pb-decode
[ -x "$decode" ] || skip "hutch-pb-decode is not built"

name=$(test_id)
cgroup_make "$name" || skip "cannot make cgroups"
cgroup_run "$name" sleep 60
# Only the test's subtree: other tests' cgroups come and go between the scrapes compared.
collector_start --root-cgroup="/$name"

tmp=$(mktemp -d /tmp/hutch-test-formats-XXXXXX)
on_exit "rm -rf '$tmp'"
PROTO='application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited'
OM='application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'

ct() { curl -sf -o /dev/null -w '%{content_type}' "$@" "$COLLECTOR_URL/metrics"; }
assert_eq "text by default" "text/plain; version=0.0.4; charset=utf-8" "$(ct)"
assert_eq "OpenMetrics when Prometheus asks" "application/openmetrics-text; version=1.0.0; charset=utf-8" "$(ct -H "Accept: $OM")"
assert_contains "protobuf when asked" "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited" "$(ct -H "Accept: $PROTO,$OM;q=0.5")"
enc=$(curl -sf -D - -o "$tmp/gz" -H 'Accept-Encoding: gzip' "$COLLECTOR_URL/metrics" | tr -d '\r' | awk -F': ' 'tolower($1) == "content-encoding" { print $2 }')
assert_eq "gzip when accepted" gzip "$enc"
check "gzip answer inflates" sh -c "gzip -dc '$tmp/gz' | grep -q '^container_cpu_usage_seconds_total'"

curl -sf "$COLLECTOR_URL/metrics" >"$tmp/text"
assert_eq "promtool check metrics" "" "$(promtool check metrics <"$tmp/text" 2>&1)"
curl -sf -H "Accept: $OM" "$COLLECTOR_URL/metrics" >"$tmp/om"
assert_eq "OpenMetrics ends with # EOF" "# EOF" "$(tail -n 1 "$tmp/om")"
assert_contains "OpenMetrics counter family without _total" "# TYPE container_cpu_usage_seconds counter" "$(cat "$tmp/om")"

# The protobuf answer decodes to the same families and series as the text one.
curl -sf -H "Accept: $PROTO" "$COLLECTOR_URL/metrics" >"$tmp/pb"
check "protobuf decodes" sh -c "'$decode' <'$tmp/pb' >'$tmp/pb.txt'"
grep '^# TYPE' "$tmp/text" | sort >"$tmp/types.text"
grep '^# TYPE' "$tmp/pb.txt" | sort >"$tmp/types.pb"
check "same families and types" cmp -s "$tmp/types.text" "$tmp/types.pb"
# Series identities (name and sorted labels), ignoring values that move between scrapes.
python3 - "$tmp/text" >"$tmp/series.text" <<'PY'
import re, sys
for line in open(sys.argv[1]):
    if line.startswith('#'):
        continue
    m = re.match(r'([^{ ]+)(\{(.*)\})? (\S+)$', line.strip())
    labels = sorted(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(3) or ''))
    print((m.group(1) + ' ' + ','.join('%s=%s' % kv for kv in labels)).rstrip())
PY
sort -o "$tmp/series.text" "$tmp/series.text"
awk '!/^#/ { $NF = ""; sub(/ +$/, ""); print }' "$tmp/pb.txt" | sort >"$tmp/series.pb"
check "same series in text and protobuf" cmp -s "$tmp/series.text" "$tmp/series.pb"
n=$(wc -l <"$tmp/series.pb")
assert_between "protobuf series count" 50 1000000 "$n"
assert_contains "the test cgroup's limit in protobuf" "container_spec_memory_limit_bytes id=/$name,image=,name=" "$(cat "$tmp/pb.txt")"
assert_contains "native histogram fields in protobuf" "# native hutch_collector_scrape_duration_seconds schema=3" "$(cat "$tmp/pb.txt")"

# HTTP surface.
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
assert_eq "/healthz" 200 "$(code "$COLLECTOR_URL/healthz")"
assert_contains "index links the metrics" 'href="/metrics"' "$(curl -sf "$COLLECTOR_URL/")"
assert_eq "unknown path" 404 "$(code "$COLLECTOR_URL/nope")"
assert_eq "POST refused" 405 "$(code -X POST -d x "$COLLECTOR_URL/metrics")"
assert_eq "HEAD answered" 200 "$(code -I "$COLLECTOR_URL/metrics")"

# Slow clients (headers never finished) do not stall a scrape.
for i in $(seq 10); do
	exec {fd}<>"/dev/tcp/127.0.0.1/$COLLECTOR_PORT"
	printf 'GET /metrics HTTP/1.1\r\nHost: x\r\n' >&$fd
	slow_fds+=("$fd")
done
t=$(curl -sf -o /dev/null -w '%{time_total}' --max-time 5 "$COLLECTOR_URL/metrics")
assert_between "a scrape beside 10 stalled connections (s)" 0 2 "${t:-99}"
for fd in "${slow_fds[@]}"; do exec {fd}>&-; done

# Bad usage: one line, documented exit codes, nothing left listening.
hutch-collector --web.max-connections=abc 2>"$tmp/err"
assert_eq "bad number exits 2" 2 "$?"
assert_eq "one-line message" 1 "$(wc -l <"$tmp/err")"
hutch-collector --no-such-flag 2>"$tmp/err"
assert_eq "unknown flag exits 2" 2 "$?"
assert_eq "with one line" "hutch-collector: bad option --no-such-flag (see --help)" "$(cat "$tmp/err")"
hutch-collector --web.timeout 2>"$tmp/err"
assert_eq "missing value exits 2" 2 "$?"
assert_eq "missing value: one line" 1 "$(wc -l <"$tmp/err")"
hutch-collector --web.listen-address=nonsense 2>"$tmp/err"
assert_eq "bad listen address exits 1" 1 "$?"
assert_contains "names the address" "nonsense" "$(cat "$tmp/err")"
hutch-collector --web.listen-address="127.0.0.1:$COLLECTOR_PORT" 2>"$tmp/err"
assert_eq "port in use exits 1" 1 "$?"
check "--help" sh -c 'hutch-collector --help | grep -q -- --web.listen-address'

# SIGTERM stops it cleanly.
kill -TERM "$COLLECTOR_PID"
wait "$COLLECTOR_PID"
assert_eq "exit 0 on SIGTERM" 0 "$?"
assert_contains "logs the stop" "stopping on signal 15" "$(cat "$COLLECTOR_LOG")"
