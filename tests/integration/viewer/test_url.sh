#!/usr/bin/env bash
# hutch top --url: a real hutch-collector's /metrics in protobuf (a busy cgroup near
# one CPU, a memory limit), and URLs that do not answer: refused, silent, not HTTP
# protobuf, malformed; each a clear message and exit 1 (2 for a malformed URL).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/common.sh"
need_root
need_cmd curl python3
need_bin hutch-collector

vcg_busy_mem $((32 * 1024 * 1024))

collector_start
port=$COLLECTOR_PORT cpid=$COLLECTOR_PID

tmp=$(mktemp /tmp/hutch-test-viewer-XXXXXX)
on_exit "rm -f '$tmp'"
cpu_truth "$busy" "$HUTCH_TOP" -b -n 1 -d 2 -a -f "$id" --url "http://127.0.0.1:$port" >"$tmp" 2>&1
rc=$?
out=$(cat "$tmp")
assert_eq "--url batch exits 0" 0 "$rc"
last=$(last_table <<<"$out")
echo "$last"
assert_contains "summary names the collector" "http://127.0.0.1:$port/metrics" "$(head -1 <<<"$last")"
assert_contains "busy cgroup first" "/$busy" "$(sed -n 3p <<<"$last")"
cpu=$(awk -v id="/$busy" '$NF == id { print $4 }' <<<"$last")
assert_between "busy cgroup CPU% from the collector, near the kernel's $TRUTH_PCT" \
	"$(awk -v t="$TRUTH_PCT" 'BEGIN { print t - 10 }')" "$(awk -v t="$TRUTH_PCT" 'BEGIN { print t + 10 }')" "$cpu"
assert_eq "memory limit from the collector" 32M "$(awk -v id="/$mem" '$NF == id { print $7 }' <<<"$last")"

# The screen over the collector: the detail view says processes are not available.
tm_start "TERM=xterm $HUTCH_TOP -a -d 1 -f '$id-mem' --url http://127.0.0.1:$port" || fail "tmux starts"
check "screen over --url shows the row" tm_wait 10 "^/$mem"
tm send-keys -t top Enter
check "detail view over --url shows the limit" tm_wait 5 "limit 32M \(33554432 bytes\)"
check "detail view over --url: no process list" tm_wait 5 "processes: not available from a collector"
# The collector going away mid-run: a message on the screen, no crash.
kill_pid "$cpid"
tm send-keys -t top Escape
check "collector gone: a message" tm_wait 10 "connect to 127.0.0.1:$port: Connection refused"
if tm_dead; then fail "still running without the collector"; else pass "still running without the collector"; fi
tm send-keys -t top q
check "q quits" wait_for 5 tm_dead

# Nothing listening: refused.
err=$("$HUTCH_TOP" -b -n 1 --url "http://127.0.0.1:$port" 2>&1 >/dev/null)
assert_eq "refused: exit 1" 1 $?
assert_contains "refused: message" "http://127.0.0.1:$port/metrics: connect to 127.0.0.1:$port: Connection refused" "$err"
# Same on the screen path: said before the screen is set up.
err=$("$HUTCH_TOP" --url "http://127.0.0.1:$port" 2>&1 </dev/null)
assert_eq "refused (screen): exit 1" 1 $?
assert_contains "refused (screen): message" "Connection refused" "$err"

# Listening but silent: a timeout.
silent_port=$((port + 1))
python3 -c 'import socket,sys,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8); time.sleep(60)' "$silent_port" &
spid=$!
on_exit "kill_pid $spid"
wait_for 5 python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$silent_port" 2>/dev/null
err=$("$HUTCH_TOP" -b -n 1 --timeout 1 --url "http://127.0.0.1:$silent_port/metrics" 2>&1 >/dev/null)
assert_eq "silent: exit 1" 1 $?
assert_contains "silent: message" "did not answer within 1000 ms" "$err"

# HTTP, but not protobuf metrics.
http_port=$((port + 2))
python3 -c 'import http.server,sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        b=b"<html>hello</html>"
        self.send_response(200); self.send_header("Content-Length", str(len(b))); self.end_headers(); self.wfile.write(b)
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()' "$http_port" &
hpid=$!
on_exit "kill_pid $hpid"
wait_for 5 curl -sf -o /dev/null "http://127.0.0.1:$http_port/"
err=$("$HUTCH_TOP" -b -n 1 --url "http://127.0.0.1:$http_port" 2>&1 >/dev/null)
assert_eq "not protobuf: exit 1" 1 $?
assert_contains "not protobuf: message" "not delimited protobuf MetricFamily" "$err"

err=$("$HUTCH_TOP" -b -n 1 --url "localhost:9655" 2>&1 >/dev/null)
assert_eq "malformed URL: exit 2" 2 $?
assert_contains "malformed URL: message" "--url localhost:9655: not an http://HOST[:PORT][/PATH] address" "$err"
