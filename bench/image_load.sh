#!/usr/bin/env bash
# Image import speed, A/B in one run, alternating:
#  1. `hutch load` of a ~100 MiB image (a docker save archive, gzip layers: the
#     format every docker version loads) against
#     `docker load` of the same archive into a dockerd of the bench's own
#     (its data and exec roots under $T, its socket, no iptables, no bridge;
#     overlay2, else vfs with the reason printed), stopped and its mounts and
#     data removed at the end, failure or not. Without dockerd (Debian's
#     docker.io) the anchor is `skopeo copy` into containers-storage.
#  2. unpacking one ~100 MiB layer: `hutch import` (which also copies the
#     tarball into the store and hashes it) against `tar -xpf` of the same
#     layer as root (owners, modes kept), plain and gzip.
# The stores, docker's data root and tar's target are on a fresh journaled
# ext4 (a 4 GiB sparse file on a loop device in $T), as /var/lib is on a usual
# host: this VM's own / is ext4 without a journal, where ext4 skips the inodes
# freed in the last 30 s when it allocates one, and creating files right after
# the previous run's were removed costs more than the unpacking itself (for
# tar as for hutch). IMAGE_BENCH_DIR=DIR puts them in DIR instead.
# Prints medians and ratios. Needs root. Usage: bench/image_load.sh [RUNS]
set -euo pipefail
runs=${1:-5}
. "$(dirname "$0")/common.sh"
hutch=$build/bin/hutch
need_root
bench_need_built "$hutch" hutch-image

T=$(mktemp -d /tmp/hutch-bench-img.XXXXXX)
W=$T/disk
D=$W/docker
dpid=
# umount_under DIR: every mount at or below DIR, deepest first
umount_under() {
	{ grep -o " $1[^ ]*" /proc/self/mountinfo || true; } | sort -r | xargs -r -n1 umount -l || true
}
cleanup() {
	set +e
	if [ -n "$dpid" ] && kill -0 "$dpid" 2>/dev/null; then
		kill -TERM "$dpid"
		for _ in $(seq 100); do kill -0 "$dpid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$dpid" 2>/dev/null || true
		wait "$dpid" 2>/dev/null || true
	fi
	umount_under "$T"
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$W"
if [ -n "${IMAGE_BENCH_DIR:-}" ]; then
	W=$(mktemp -d "$IMAGE_BENCH_DIR/hutch-bench-img.XXXXXX")
	D=$W/docker
	trap 'cleanup; rm -rf "$W"' EXIT
	where="$W ($(stat -f -c %T "$W"))"
else
	need_cmd mkfs.ext4
	truncate -s 4G "$T/disk.img"
	mkfs.ext4 -q -F "$T/disk.img"
	mount -o loop "$T/disk.img" "$W"
	where="a fresh journaled ext4 on a loop device"
fi
bash "$src/scripts/make-busybox-rootfs.sh" "$T/rootfs" >/dev/null
tar -C "$T/rootfs" -cf "$T/base.tar" .
# ~100 MiB of files of many sizes, half incompressible, half text-like
python3 - "$T/data.tar" <<'PY'
import io, os, random, sys, tarfile
random.seed(1)
words = [b"container", b"layer", b"overlay", b"image", b"digest", b"manifest", b"hutch", b"\n"]
total, i = 0, 0
with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT) as t:
    for d in range(20):
        ti = tarfile.TarInfo("data/d%02d" % d); ti.type = tarfile.DIRTYPE; ti.mode = 0o755
        t.addfile(ti)
    while total < 100 << 20:
        size = int(random.paretovariate(1.2) * 4096) % (4 << 20) + 1
        data = os.urandom(size) if i % 2 else b" ".join(random.choice(words) for _ in range(size // 6 + 1))[:size]
        ti = tarfile.TarInfo("data/d%02d/f%05d" % (i % 20, i)); ti.size = len(data); ti.mode = 0o644
        ti.uid = ti.gid = 1000 + i % 3
        t.addfile(ti, io.BytesIO(data))
        total += size; i += 1
print("image_load: data layer %d files, %.1f MiB" % (i, total / 2**20), file=sys.stderr)
PY
python3 "$src/tests/integration/image/mkimage.py" archive "$T/img.tar" "$T/base.tar" "$T/data.tar" \
	--format docker --compress gzip --tag bench/img:1 --config '{"Cmd":["true"]}'
gzip -c "$T/data.tar" >"$T/data.tar.gz"
echo "image_load: stores and tar's target on $where"
echo "image_load: archive $(du -m "$T/img.tar" | cut -f1) MiB; $runs runs each, alternating; $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"

DK() { timeout -k 5 300 docker -H "unix://$D/sock" "$@" </dev/null; }
# start_dockerd DRIVER: a dockerd of the bench's own; 0 when it answers with DRIVER
start_dockerd() {
	mkdir -p "$D"
	dockerd --data-root "$D/data" --exec-root "$D/exec" --pidfile "$D/pid" -H "unix://$D/sock" \
		--iptables=false --ip-masq=false --bridge=none --storage-driver "$1" \
		</dev/null >"$D/log-$1" 2>&1 &
	dpid=$!
	for _ in $(seq 300); do
		kill -0 "$dpid" 2>/dev/null || break
		[ "$(DK info --format '{{.Driver}}' 2>/dev/null)" = "$1" ] && return 0
		sleep 0.2
	done
	cleanup_dockerd
	return 1
}
cleanup_dockerd() {
	kill -TERM "$dpid" 2>/dev/null || true
	wait "$dpid" 2>/dev/null || true
	dpid=
	umount_under "$D"
	rm -rf "$D/data" "$D/exec" "$D/sock" "$D/pid"
}
anchor=skopeo driver=
if command -v dockerd >/dev/null && command -v docker >/dev/null; then
	if start_dockerd overlay2; then
		driver=overlay2
	else
		echo "image_load: dockerd with overlay2 did not start ($(grep -i -m1 'overlay\|error' "$D/log-overlay2" | cut -c1-200)); using vfs"
		start_dockerd vfs && driver=vfs
	fi
	[ -n "$driver" ] && anchor=docker
	[ -n "$driver" ] || echo "image_load: dockerd did not start: $(tail -3 "$D/log-vfs")"
fi
if [ "$anchor" = skopeo ]; then
	need_cmd skopeo
	echo "image_load: no dockerd: the anchor is skopeo copy into containers-storage (overlay)"
else
	echo "image_load: anchor: docker load into a dockerd of the bench's own ($(DK version --format '{{.Server.Version}}'), $driver)"
fi

now() { date +%s.%N; }
# time_of CMD...: seconds one run took; what the last run left is removed and
# written back to disk first, outside the time
time_of() {
	local a b
	clean
	sync
	a=$(now)
	"$@" >/dev/null 2>"$T/err" || { echo "image_load: $1 failed: $(tail -3 "$T/err")" >&2; exit 1; }
	b=$(now)
	echo "$b - $a" | bc -l
}
clean() {
	mountpoint -q "$W/cs/overlay" 2>/dev/null && umount "$W/cs/overlay"
	if [ "$anchor" = docker ]; then
		DK rmi -f bench/img:1 >/dev/null 2>&1 || true
		DK image prune -af >/dev/null 2>&1 || true
	fi
	rm -rf "$W/cs" "$W/csrun" "$W/hstore" "$W/istore" "$W/x"
}

hutch_load() { HUTCH_IMAGES_DIR=$W/hstore "$hutch" load -q -i "$T/img.tar"; }
anchor_load() {
	if [ "$anchor" = docker ]; then
		DK load -q -i "$T/img.tar"
	else
		skopeo copy -q docker-archive:"$T/img.tar" "containers-storage:[overlay@$W/cs+$W/csrun]bench/img:1"
	fi
}
hutch_import() { HUTCH_IMAGES_DIR=$W/istore "$hutch" import -q "$1"; } # FILE
tar_x() { mkdir -p "$W/x" && tar -C "$W/x" --same-owner -xpf "$1"; }    # FILE

declare -A res
for ((r = 0; r < runs; r++)); do
	res[load_h]+="$(time_of hutch_load) "
	res[load_a]+="$(time_of anchor_load) "
	res[tar_h]+="$(time_of hutch_import "$T/data.tar") "
	res[tar_a]+="$(time_of tar_x "$T/data.tar") "
	res[gz_h]+="$(time_of hutch_import "$T/data.tar.gz") "
	res[gz_a]+="$(time_of tar_x "$T/data.tar.gz") "
done
# a check that each did the work: the data is there
tar_x "$T/data.tar.gz" && [ -s "$W/x/data/d00/f00000" ] || { echo "image_load: tar did not unpack" >&2; exit 1; }
hutch_load && HUTCH_IMAGES_DIR=$W/hstore "$hutch" image inspect bench/img:1 >/dev/null
anchor_load >/dev/null 2>&1
if [ "$anchor" = docker ]; then
	DK image inspect bench/img:1 >/dev/null || { echo "image_load: docker load did not load" >&2; exit 1; }
fi
clean

median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mb=$(du -sm "$T/data.tar" | cut -f1)
report() { # NAME HUTCH-KEY ANCHOR-KEY ANCHOR-NAME
	local h a
	h=$(echo "${res[$2]}" | median)
	a=$(echo "${res[$3]}" | median)
	printf '%-36s hutch %6.3f s   %-26s %6.3f s   hutch/anchor %.2f   (%.0f vs %.0f MiB/s of layer)\n' \
		"$1" "$h" "$4" "$a" "$(echo "$h / $a" | bc -l)" "$(echo "$mb / $h" | bc -l)" "$(echo "$mb / $a" | bc -l)"
}
report "load (~100 MiB image, gzip layers)" load_h load_a "$anchor$([ "$anchor" = skopeo ] && echo ' (containers-storage)' || echo " ($driver)")"
report "unpack one layer, plain tar" tar_h tar_a "tar -xpf"
report "unpack one layer, gzip" gz_h gz_a "tar -xzpf"
echo "image_load: load at the end $(cut -d' ' -f1-3 /proc/loadavg)"
