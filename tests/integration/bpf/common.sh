# Shared by the eBPF probe tests: sourced first. Brings lib.sh (test cgroups:
# cgroup_make, cgroup_run, cgroup_kill_rm; the collector: collector_start) and
# the collector tests' helpers (metric, cg_dir, prom_start), and needs what
# every probe test needs: root and a built collector.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../collector/common.sh"
need_root
need_bin hutch-collector

# Skips unless the collector runs probe $1 here.
need_probe() {
	local up
	up=$(metric hutch_collector_probe_up "probe=\"$1\"")
	[ -n "$up" ] || skip "collector built without eBPF probes"
	[ "$up" = 1 ] || skip "the kernel refused probe $1: $(grep "probe $1" "$COLLECTOR_LOG")"
}

# hist_field NAME ID SUFFIX [LE]: a histogram series value from a fresh text scrape.
hist_field() { curl -sf "$COLLECTOR_URL/metrics" | hist_field_of "$@"; }
# hist_field_of NAME ID SUFFIX [LE]: the same from a scrape on stdin (fields compared
# with each other must come from one scrape: the histogram grows between two).
hist_field_of() {
	local le=${4:-}
	awk -v n="$1$3" -v id="id=\"$2\"" -v le="le=\"$le\"" '
		index($0, n "{") == 1 && index($0, id) && (le == "le=\"\"" || index($0, le)) { print $NF; exit }'
}

# The id of the map probe $1 logged at start.
probe_map_id() {
	sed -n "s/.*probe $1 attached (map id \([0-9]*\)).*/\1/p" "$COLLECTOR_LOG" | head -1
}

# The 8 bytes of a cgroup id as bpftool takes a key (little-endian hex).
key_hex() {
	local v=$1 i out=
	for i in 0 1 2 3 4 5 6 7; do
		out+=$(printf '%02x ' $(((v >> (8 * i)) & 255)))
	done
	echo "$out"
}
