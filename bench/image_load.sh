#!/usr/bin/env bash
# Image import speed, A/B in one run, alternating:
#  1. `hutch load` of a ~100 MiB image (an OCI archive, gzip layers) against
#     `docker load` of the same archive when a docker daemon answers, else
#     against `skopeo copy` of it into containers-storage (overlay driver: the
#     store podman uses, which unpacks every layer as docker load does).
#  2. unpacking one ~100 MiB layer: `hutch import` (which also copies the
#     tarball into the store and hashes it) against `tar -xpf` of the same
#     layer as root (owners, modes kept), plain and gzip.
# Prints medians and ratios. Needs root. Usage: bench/image_load.sh [RUNS]
set -euo pipefail
runs=${1:-5}
. "$(dirname "$0")/common.sh"
hutch=$build/bin/hutch
need_root
bench_need_built "$hutch" hutch-image
need_cmd skopeo

T=$(mktemp -d /tmp/hutch-bench-img.XXXXXX)
cleanup() {
	mountpoint -q "$T/cs/overlay" 2>/dev/null && umount "$T/cs/overlay"
	rm -rf "$T"
}
trap cleanup EXIT
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
	--format oci --compress gzip --tag bench/img:1 --config '{"Cmd":["true"]}'
gzip -c "$T/data.tar" >"$T/data.tar.gz"
echo "image_load: archive $(du -m "$T/img.tar" | cut -f1) MiB; $runs runs each, alternating; $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"

anchor=skopeo
if command -v docker >/dev/null && docker info >/dev/null 2>&1; then
	anchor=docker
else
	echo "image_load: no docker daemon answers: the anchor is skopeo copy into containers-storage (overlay)"
fi

now() { date +%s.%N; }
# time_of CMD...: seconds one run took; what the last run left is removed and
# written back to disk first, outside the time
time_of() {
	local a b
	clean
	sync
	a=$(now)
	"$@" >/dev/null 2>&1
	b=$(now)
	echo "$b - $a" | bc -l
}
clean() {
	mountpoint -q "$T/cs/overlay" 2>/dev/null && umount "$T/cs/overlay"
	[ "$anchor" = docker ] && docker rmi -f bench/img:1 >/dev/null 2>&1
	rm -rf "$T/cs" "$T/csrun" "$T/hstore" "$T/istore" "$T/x"
}

hutch_load() { HUTCH_IMAGES_DIR=$T/hstore "$hutch" load -q -i "$T/img.tar"; }
anchor_load() {
	if [ "$anchor" = docker ]; then
		docker load -q -i "$T/img.tar"
	else
		skopeo copy -q oci-archive:"$T/img.tar" "containers-storage:[overlay@$T/cs+$T/csrun]bench/img:1"
	fi
}
hutch_import() { HUTCH_IMAGES_DIR=$T/istore "$hutch" import -q "$1"; } # FILE
tar_x() { mkdir -p "$T/x" && tar -C "$T/x" --same-owner -xpf "$1"; }    # FILE

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
tar_x "$T/data.tar.gz" && [ -s "$T/x/data/d00/f00000" ] || { echo "image_load: tar did not unpack" >&2; exit 1; }
hutch_load && HUTCH_IMAGES_DIR=$T/hstore "$hutch" image inspect bench/img:1 >/dev/null
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
report "load (~100 MiB image, gzip layers)" load_h load_a "$anchor$([ "$anchor" = skopeo ] && echo ' (containers-storage)')"
report "unpack one layer, plain tar" tar_h tar_a "tar -xpf"
report "unpack one layer, gzip" gz_h gz_a "tar -xzpf"
