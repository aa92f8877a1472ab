#!/usr/bin/env bash
# Build speed, A/B in one run, alternating: `hutch build` against `podman
# build` of the same Dockerfile over the same base image (busybox's root
# filesystem, `hutch import`ed, then `hutch save`d and `podman load`ed into a
# private podman store), no docker daemon here being able to build. The
# Dockerfile copies ~20 MiB of files, runs two RUN steps (each a container
# whose changes become a layer) and sets config: ENV, WORKDIR, USER, CMD.
#  1. a build without the cache (--no-cache on both);
#  2. a rebuild with every step cached.
# Prints medians and ratios. Needs root and podman.
# Usage: bench/image_build.sh [RUNS]
set -euo pipefail
runs=${1:-5}
src=$(cd "$(dirname "$0")/.." && pwd)
build=${HUTCH_BUILD:-$src/build}
hutch=$build/bin/hutch
[ "$(id -u)" -eq 0 ] || { echo "image_build: needs root" >&2; exit 1; }
[ -x "$hutch" ] && [ -x "$build/bin/hutch-image" ] || { echo "image_build: build first (scripts/build.sh)" >&2; exit 1; }
command -v podman >/dev/null || { echo "image_build: needs podman" >&2; exit 1; }

T=$(mktemp -d /tmp/hutch-bench-build.XXXXXX)
export HUTCH_IMAGES_DIR=$T/hstore
P=(podman --root "$T/ps" --runroot "$T/psrun" --storage-driver overlay)
H=("$hutch" --root "$T/hstate")
cleanup() {
	local id
	for id in $("${H[@]}" ps -a -q 2>/dev/null); do "${H[@]}" rm -f "$id" >/dev/null 2>&1; done
	"${P[@]}" system reset -f >/dev/null 2>&1 || true
	grep -o " $T/[^ ]*" /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT

bash "$src/scripts/make-busybox-rootfs.sh" "$T/rootfs" >/dev/null
tar -C "$T/rootfs" -cf "$T/base.tar" .
"${H[@]}" import -q "$T/base.tar" bench/base:1 >/dev/null
"${H[@]}" save -o "$T/base-image.tar" bench/base:1
"${P[@]}" load -q -i "$T/base-image.tar" >/dev/null

C=$T/ctx
mkdir -p "$C"
python3 - "$C/data" <<'PY'
import os, random, sys
random.seed(2)
total, i = 0, 0
while total < 20 << 20:
    d = os.path.join(sys.argv[1], "d%02d" % (i % 10))
    os.makedirs(d, exist_ok=True)
    size = int(random.paretovariate(1.3) * 2048) % (1 << 20) + 1
    with open(os.path.join(d, "f%04d" % i), "wb") as f:
        f.write(os.urandom(size))
    total += size
    i += 1
print("image_build: context %d files, %.1f MiB" % (i, total / 2**20), file=sys.stderr)
PY
cat >"$C/Dockerfile" <<'EOF'
ARG BASE
FROM $BASE
ENV APP=/app
WORKDIR /app
COPY data ./data
RUN mkdir -p gen && for i in $(seq 1 200); do echo $i >gen/$i; done && rm -rf data/d00
RUN rm /bin/vi
USER nobody
CMD ["ls", "/app"]
EOF
echo "image_build: $runs runs each, alternating; $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg) (a shared machine)"

now() { date +%s.%N; }
time_of() { # CMD...: seconds one run took
	local a b
	sync
	a=$(now)
	"$@" >/dev/null 2>&1 || { echo "image_build: failed: $*" >&2; exit 1; }
	b=$(now)
	echo "$b - $a" | bc -l
}
hutch_build() { "${H[@]}" build -q "$@" --build-arg BASE=bench/base:1 -t bench/app:1 "$C"; }
podman_build() { "${P[@]}" build -q "$@" --pull=never --build-arg BASE=localhost/bench/base:1 -t bench/app:1 "$C"; }

declare -A res
for ((r = 0; r < runs; r++)); do
	res[cold_h]+="$(time_of hutch_build --no-cache) "
	res[cold_p]+="$(time_of podman_build --no-cache) "
	res[warm_h]+="$(time_of hutch_build) "
	res[warm_p]+="$(time_of podman_build) "
done
# each did the work: the image runs, with the RUN's files and without the deleted ones
out=$("${H[@]}" run --rm bench/app:1 sh -c 'ls gen | wc -l; ls data | wc -l; id -u')
[ "$(echo $out)" = "200 9 65534" ] || { echo "image_build: hutch's image is wrong: $out" >&2; exit 1; }
# podman's: its files through `podman image mount` (its runc cannot set podman's default
# rlimits in this VM, so its image is looked at rather than run)
m=$("${P[@]}" image mount bench/app:1)
out="$(ls "$m/app/gen" | wc -l) $(ls "$m/app/data" | wc -l) $(test -e "$m/bin/vi" && echo vi || echo no-vi)"
"${P[@]}" image unmount bench/app:1 >/dev/null
[ "$out" = "200 9 no-vi" ] || { echo "image_build: podman's image is wrong: $out" >&2; exit 1; }

median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
report() { # NAME HUTCH-KEY PODMAN-KEY
	local h a
	h=$(echo "${res[$2]}" | median)
	a=$(echo "${res[$3]}" | median)
	printf '%-32s hutch %6.3f s   podman %6.3f s   hutch/podman %.2f\n' "$1" "$h" "$a" "$(echo "$h / $a" | bc -l)"
}
report "build, no cache (7 steps)" cold_h cold_p
report "rebuild, every step cached" warm_h warm_p
