#!/usr/bin/env bash
# hutch load refuses hostile and broken archives: each attack is performed
# with a crafted layer or archive, and the test checks the one-line error,
# the exit code, that nothing was written outside the store (the victim
# directory and file are as they were) and that the store holds nothing new.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

V=$T/victim
mkdir -p "$V"
echo original >"$V/file"
# a good image first, so "nothing new" is checked against a store in use
$MKIMAGE archive "$T/good.tar" "$T/base.tar" --tag good:1 --format oci --compress gzip
check "a good image loads" hutch load -q -i "$T/good.tar"
before=$(store_listing)

# attempt DESCRIPTION EXPECTED-MESSAGE-PART ARCHIVE [ENV...]
attempt() {
	local what=$1 want=$2 archive=$3 out rc
	shift 3
	out=$(env "$@" "$HUTCH_BIN/hutch" --root "$HROOT" load -q -i "$archive" 2>&1)
	rc=$?
	assert_eq "$what: exit 125" 125 "$rc"
	assert_contains "$what: says why" "$want" "$out"
	assert_eq "$what: one line" 1 "$(printf '%s\n' "$out" | wc -l)"
	assert_eq "$what: store unchanged" "$before" "$(store_listing)"
	assert_eq "$what: no work left in tmp/" "" "$(ls -A "$HUTCH_IMAGES_DIR/tmp")"
	assert_eq "$what: victim directory untouched" "file" "$(ls -A "$V")"
	assert_eq "$what: victim file untouched" original "$(cat "$V/file")"
}

L=$T/layers
mkdir -p "$L"
mk() { # mk KIND ARG FORMAT [archive options]: a one-layer archive over busybox plus KIND
	local kind=$1 arg=$2 fmt=$3
	shift 3
	$MKIMAGE layer "$kind" "$L/$kind.tar" "$arg"
	$MKIMAGE archive "$L/$kind-$fmt.tar" "$T/base.tar" "$L/$kind.tar" --format "$fmt" --tag "bad:$kind" "$@"
	echo "$L/$kind-$fmt.tar"
}

attempt "path traversal (../)" "leads outside the layer" "$(mk traversal "$V" docker)"
attempt "absolute symlink, then a write through it" "through a symlink" "$(mk abs-symlink "$V" oci --compress gzip)"
attempt "relative symlink climbing out, then a write" "through a symlink" "$(mk rel-symlink "$V" docker)"
attempt "hard link through a symlink to a host file, then a write" "hard link" "$(mk hardlink-symlink "$V/file" docker)"
attempt "hard link with .. to a host file" "leads outside the layer" "$(mk hardlink-dotdot "$V/file" oci)"

# a layer whose bytes are not what the manifest's digest says
attempt "layer digest mismatch (OCI manifest)" "digest mismatch" \
	"$(mk file "f=1" oci --compress gzip --bad-digest 1)"
# a docker archive names no digest for the layer: the config's diff_id must match
$MKIMAGE layer file "$L/f2.tar" "f=2"
$MKIMAGE layer file "$L/f3.tar" "f=3"
$MKIMAGE archive "$L/diffid.tar" "$T/base.tar" "$L/f2.tar" --tag bad:diffid
python3 - "$L/diffid.tar" "$L/f3.tar" <<'PY'
# swap the second layer's bytes for another layer's: the config's diff_id no longer matches
import sys, tarfile, io, json
src, other = sys.argv[1], open(sys.argv[2], "rb").read()
with tarfile.open(src) as t:
    files = [(m, t.extractfile(m).read()) for m in t.getmembers()]
man = json.loads(dict((m.name, b) for m, b in files)["manifest.json"])
with tarfile.open(src, "w") as t:
    for m, b in files:
        if m.name == man[0]["Layers"][1]:
            b = other
        m.size = len(b)
        t.addfile(m, io.BytesIO(b))
PY
attempt "layer content against the config's diff_id (docker archive)" "does not match the config's diff_id" "$L/diffid.tar"
attempt "truncated gzip layer" "layer 2/2" "$(mk file "g=3" docker --compress gzip --truncate 1)"
attempt "unknown layer media type" "unknown media type 'application/vnd.example.weird'" \
	"$(mk file "h=4" oci --media-type 1:application/vnd.example.weird)"
# 256 MiB of zeros gzip to ~250 KiB: past a 64 MiB limit it stops
attempt "decompression bomb past HUTCH_MAX_LAYER_BYTES" "decompression bomb" \
	"$(mk bomb 256 oci --compress gzip)" HUTCH_MAX_LAYER_BYTES=64m
# garbage that is no archive at all
head -c 100000 /dev/urandom >"$L/garbage"
attempt "not an archive" "hutch load: $L/garbage:" "$L/garbage"
printf '%s' '[{"Config":"nope.json","Layers":[]}]' >"$L/manifest.json"
tar -C "$L" -cf "$L/noconfig.tar" manifest.json
attempt "manifest naming a missing config" "missing from the archive" "$L/noconfig.tar"
