#!/usr/bin/env bash
# hutch load/save/import/tag/rmi/images/image inspect/prune, and hutch run
# over a loaded image: layers stacked with whiteouts and opaque directories,
# what a layer keeps (owners, setuid, xattrs, hard links, devices), the
# image's config applied, archives made by skopeo (docker-archive,
# oci-archive; gzip, zstd) and hutch's own save read back by skopeo and hutch.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

L=$T/layers
mkdir -p "$L"
$MKIMAGE layer lower "$L/lower.tar"
$MKIMAGE layer upper "$L/upper.tar"
$MKIMAGE layer special "$L/special.tar"
cfg='{"Entrypoint":["/bin/sh","-c"],"Cmd":["echo cmd:$GREETING:$(pwd):$(id -u):$(id -g)"],
 "Env":["GREETING=hello","PATH=/usr/bin:/bin"],"WorkingDir":"/work","User":"1234:5678",
 "StopSignal":"SIGUSR1","Labels":{"a":"b"}}'

for fmt in docker oci; do
	for comp in none gzip zstd; do
		[ "$fmt/$comp" = docker/zstd ] && continue # docker archives hold tars, maybe gzipped
		$MKIMAGE archive "$T/img-$fmt-$comp.tar" "$T/base.tar" "$L/lower.tar" "$L/upper.tar" \
			"$L/special.tar" --format "$fmt" --compress "$comp" --tag "test/img:$fmt-$comp" \
			--config "$cfg"
		out=$(hutch load -i "$T/img-$fmt-$comp.tar" 2>"$T/err")
		assert_eq "load a $fmt archive, $comp layers" "Loaded image: test/img:$fmt-$comp" "$out"
	done
done
assert_contains "progress lines when not a terminal" "layer 4/4" "$(cat "$T/err")"
check "no bar when not a terminal" test "$(grep -c '\[=\|\[ ' "$T/err")" -eq 0
# on a terminal: a bar per layer (bytes done/total, rate; redrawn every 0.1 s,
# so the layer is big enough to take longer), then its line; -q: nothing
python3 - "$T/big.tar" <<'PY'
import io, os, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    ti = tarfile.TarInfo("big"); ti.size = 128 << 20
    t.addfile(ti, io.BytesIO(os.urandom(ti.size)))
PY
$MKIMAGE archive "$T/img-big.tar" "$T/base.tar" "$T/big.tar" --format oci --compress none --tag test/big:1
rm -f "$T/big.tar"
rm -rf "$T/ptystore"
out=$(in_pty 120 "env HUTCH_IMAGES_DIR='$T/ptystore' '$HUTCH_BIN/hutch' load -i '$T/img-big.tar'")
assert_contains "a terminal: a bar with bytes done/total and the rate" "layer 2/2" \
	"$(grep -o 'layer 2/2 [0-9a-f]* \[[= ]*\] [0-9.]* [kMG]B/[0-9.]* [kMG]B [0-9.]* [kMG]B/s' <<<"$out" | head -1)"
assert_contains "a terminal: the layer's final line" "unpacked" "$(grep 'layer 2/2' <<<"$out" | tail -1)"
assert_contains "a terminal: the image loaded" "Loaded image: test/big:1" "$out"
rm -rf "$T/ptystore" "$T/img-big.tar"
out=$(in_pty 120 "env HUTCH_IMAGES_DIR='$T/ptystore' '$HUTCH_BIN/hutch' load -q -i '$T/img-oci-gzip.tar'")
assert_eq "-q on a terminal: no progress" "Loaded image: test/img:oci-gzip" "$(echo $out)"
rm -rf "$T/ptystore"
# the same layers, however compressed, are one layer in the store
assert_eq "each layer unpacked once, shared by 5 images" 4 "$(ls "$HUTCH_IMAGES_DIR/layers" | wc -l)"

# the image's config: Entrypoint + Cmd, Env, WorkingDir, User
out=$(hutch run --rm --cgroup-parent "$CGPARENT" test/img:oci-gzip)
assert_eq "run applies Entrypoint, Cmd, Env, WorkingDir, User" "cmd:hello:/work:1234:5678" "$out"
out=$(hutch run --rm --cgroup-parent "$CGPARENT" -e GREETING=bye -w / -u 0 test/img:oci-gzip 'echo $GREETING $(pwd) $(id -u)')
assert_eq "-e, -w, -u and CMD override the image's" "bye / 0" "$out"

# whiteouts and opaque directories across layers
out=$(hutch run --rm --cgroup-parent "$CGPARENT" -u 0 test/img:docker-none 'ls /d; ls /e; test -e /gone && echo gone-still-there; true')
assert_eq "a deleted file (.wh.) and an emptied directory (.wh..wh..opq)" "b y" "$(echo $out)"
l=$(ls -d "$HUTCH_IMAGES_DIR"/layers/*/fs/d/a 2>/dev/null | head -1)
w=$(find "$HUTCH_IMAGES_DIR"/layers/*/fs -maxdepth 2 -path '*/d/a' -type c | head -1)
check "the whiteout is an overlay whiteout (0/0 char device)" test "$(stat -c %t:%T "$w")" = 0:0
# xattr PATH NAME: its value ("" if none)
xattr() { python3 -c 'import os,sys
try: print(os.getxattr(sys.argv[1], sys.argv[2], follow_symlinks=False).decode())
except OSError: print("")' "$1" "$2"; }
o=$(for d in "$HUTCH_IMAGES_DIR"/layers/*/fs/e; do xattr "$d" trusted.overlay.opaque; done | grep .)
assert_eq "the opaque directory has trusted.overlay.opaque=y" y "$o"

# what a layer keeps
s=$(ls -d "$HUTCH_IMAGES_DIR"/layers/*/fs/s)
assert_eq "setuid bit kept" 4755 "$(stat -c %a "$s/setuid")"
assert_eq "owner kept" "1234:5678 640" "$(stat -c '%u:%g %a' "$s/owned")"
assert_eq "xattr kept" yes "$(xattr "$s/xattr" user.hutch)"
assert_eq "hard link kept (one inode)" "$(stat -c %i "$s/link1")" "$(stat -c %i "$s/link2")"
assert_eq "device node kept" "character special file 1:3" "$(stat -c '%F %t:%T' "$s/null")"
assert_eq "fifo kept" "fifo" "$(stat -c '%F' "$s/fifo")"
assert_eq "sticky directory kept" 1777 "$(stat -c %a "$s/sticky")"
assert_eq "a layer's trusted.overlay.* xattr is dropped" "" "$(xattr "$s/overlay-xattr" trusted.overlay.redirect)"
out=$(hutch run --rm --cgroup-parent "$CGPARENT" -u 0 test/img:oci-zstd 'cat /s/owned; stat -c %u /s/owned')
assert_eq "the container sees the layer's files" "o 1234" "$(echo $out)"

# tag, images, inspect
check "tag" hutch tag test/img:oci-gzip other:v1
out=$(hutch images)
assert_contains "images lists a name" "other" "$out"
id=$(hutch image inspect other:v1 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Id"])')
assert_eq "inspect by id prefix" "$id" \
	"$(hutch image inspect "${id:7:12}" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Id"])')"
assert_eq "inspect: Config.StopSignal, Labels" "SIGUSR1 b" \
	"$(hutch image inspect other:v1 | python3 -c 'import json,sys; c=json.load(sys.stdin)[0]["Config"]; print(c["StopSignal"], c["Labels"]["a"])')"

# the same config over the same layers is one image with five names
assert_eq "one image, five names" 1 "$(ls "$HUTCH_IMAGES_DIR/images" | wc -l)"
out=$(hutch rmi test/img:docker-gzip)
assert_eq "rmi of one name of several only untags" "Untagged: test/img:docker-gzip" "$out"

# rmi refuses an image a container uses, unless forced
$MKIMAGE archive "$T/inuse.tar" "$T/base.tar" "$L/special.tar" --tag inuse:1 --config '{"Cmd":["sleep","100"]}'
hutch load -q -i "$T/inuse.tar" >/dev/null
hutch run -d --name user1 --cgroup-parent "$CGPARENT" inuse:1 >/dev/null
out=$(hutch rmi inuse:1 2>&1)
assert_eq "rmi of an image in use: exit 125" 125 "$?"
assert_contains "rmi of an image in use: says which container" "used by container user1" "$out"
check "rmi -f removes it anyway" hutch rmi -f inuse:1
hutch image prune >/dev/null
check "the running container keeps its layers" hutch exec user1 test -e /s/owned
hutch rm -f user1 >/dev/null

# save: read back by skopeo (docker-archive and OCI) and by hutch
hutch save -o "$T/saved.tar" other:v1 test/img:oci-none
check "skopeo reads hutch save as a docker archive" skopeo inspect docker-archive:"$T/saved.tar":other:v1
check "skopeo copies it out of the OCI layout it also is" \
	skopeo copy -q oci-archive:"$T/saved.tar":v1 dir:"$T/skopeo-dir"
for i in $(hutch images -q); do hutch rmi -f "$i" >/dev/null; done
assert_eq "rmi all: no layers left" 0 "$(ls "$HUTCH_IMAGES_DIR/layers" | wc -l)"
assert_eq "rmi all: no blobs left" 0 "$(ls "$HUTCH_IMAGES_DIR/blobs/sha256" | wc -l)"
out=$(hutch load -q <"$T/saved.tar")
assert_contains "load from stdin: what hutch saved" "Loaded image: other:v1" "$out"
assert_eq "and it runs" "cmd:hello:/work:1234:5678" "$(hutch run --rm --cgroup-parent "$CGPARENT" other:v1)"

# archives skopeo made from an image hutch saved (docker-archive: and oci-archive:, zstd)
skopeo copy -q docker-archive:"$T/saved.tar":other:v1 docker-archive:"$T/sk-docker.tar":sk/docker:1
skopeo copy -q --dest-compress-format zstd docker-archive:"$T/saved.tar":other:v1 oci-archive:"$T/sk-oci.tar":sk/oci:1
assert_eq "load skopeo's docker-archive" "Loaded image: sk/docker:1" "$(hutch load -q -i "$T/sk-docker.tar")"
assert_eq "load skopeo's oci-archive (zstd layers)" "Loaded image: sk/oci:1" "$(hutch load -q -i "$T/sk-oci.tar")"
assert_eq "skopeo's oci-archive runs" "cmd:hello:/work:1234:5678" "$(hutch run --rm --cgroup-parent "$CGPARENT" sk/oci:1)"

# import a root filesystem tarball
gzip -c "$T/base.tar" >"$T/base.tar.gz"
check "import a gzipped root filesystem" hutch import -q "$T/base.tar.gz" imported:1
assert_eq "the imported image runs" "imported" "$(hutch run --rm --cgroup-parent "$CGPARENT" imported:1 echo imported)"

# prune: untagged images and unused layers go
hutch tag imported:1 imported:2
hutch rmi imported:1 >/dev/null
check "an image with another name left stays" hutch image inspect imported:2
hutch load -q -i "$T/img-oci-gzip.tar" >/dev/null
hutch tag test/img:oci-gzip keep:1
hutch rmi test/img:oci-gzip >/dev/null
n_before=$(ls "$HUTCH_IMAGES_DIR/images" | wc -l)
out=$(hutch image prune)
assert_contains "prune answers" "Deleted images: 0" "$out"
assert_eq "prune keeps named images" "$n_before" "$(ls "$HUTCH_IMAGES_DIR/images" | wc -l)"
# a loaded image with no name is dangling: prune removes it
$MKIMAGE archive "$T/noname.tar" "$T/base.tar" "$L/special.tar" --format oci --config '{"Cmd":["true"]}'
assert_contains "an archive with no name loads by id" "Loaded image ID: sha256:" "$(hutch load -q -i "$T/noname.tar")"
assert_contains "prune removes the dangling image" "Deleted images: 1" "$(hutch image prune)"
assert_eq "no work left in tmp/" "" "$(ls -A "$HUTCH_IMAGES_DIR/tmp")"

# two loads of the same new layers at once: one unpacks them, the other waits and finds them there
$MKIMAGE layer bomb "$T/big.tar" 128
$MKIMAGE archive "$T/big-img.tar" "$T/base.tar" "$T/big.tar" --format oci --compress gzip --tag test/big:1 --config '{"Cmd":["true"]}'
export HUTCH_IMAGES_DIR=$T/images-concurrent
hutch load -i "$T/big-img.tar" >/dev/null 2>"$T/c1" &
c1=$!
hutch load -i "$T/big-img.tar" >/dev/null 2>"$T/c2" &
c2=$!
wait $c1
r1=$?
wait $c2
assert_eq "two concurrent loads succeed" "0 0" "$r1 $?"
assert_eq "the big layer unpacked once" 1 "$(cat "$T/c1" "$T/c2" | grep 'layer 2/2' | grep -c unpacked)"
assert_eq "the other load found it in the store" 1 "$(cat "$T/c1" "$T/c2" | grep 'layer 2/2' | grep -c 'already in the store')"
assert_eq "one copy of it in the store, no work left" "2 " "$(ls "$HUTCH_IMAGES_DIR/layers" | wc -l) $(ls -A "$HUTCH_IMAGES_DIR/tmp")"
