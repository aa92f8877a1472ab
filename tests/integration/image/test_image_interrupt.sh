#!/usr/bin/env bash
# A load killed (SIGKILL) while it unpacks leaves nothing in the store but its
# work directory under tmp/: `hutch images` and the store's listing are as
# before; the next load removes the dead one's work and lands the image.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

L=$T/layers
mkdir -p "$L"
# 512 MiB of zeros: a small archive whose unpacking takes a while
$MKIMAGE layer bomb "$L/big.tar" 512
$MKIMAGE archive "$T/big.tar" "$T/base.tar" "$L/big.tar" --format oci --compress gzip --tag big:1 --config '{"Cmd":["true"]}'
$MKIMAGE archive "$T/small.tar" "$T/base.tar" --format docker --tag small:1 --config '{"Cmd":["true"]}'
hutch load -q -i "$T/small.tar" >/dev/null
before=$(store_listing)
images_before=$(hutch images)

"$HUTCH_BIN/hutch" --root "$HROOT" load -q -i "$T/big.tar" >/dev/null 2>&1 &
pid=$!
on_exit "kill -9 $pid"
# kill it once it is unpacking the big layer (its work directory has grown)
for _ in $(seq 100); do
	[ "$(du -sm "$HUTCH_IMAGES_DIR/tmp" 2>/dev/null | cut -f1)" -gt 20 ] && break
	sleep 0.05
done
kill -9 "$pid"
wait "$pid" 2>/dev/null
check "the load was killed while it unpacked" test "$(ls -A "$HUTCH_IMAGES_DIR/tmp" | wc -l)" -ge 1
assert_eq "hutch images shows nothing new" "$images_before" "$(hutch images)"
assert_eq "the store holds nothing new" "$before" "$(store_listing)"
out=$(hutch load -q -i "$T/big.tar")
assert_eq "the next load lands the image" "Loaded image: big:1" "$out"
assert_eq "and removes the dead load's work" "" "$(ls -A "$HUTCH_IMAGES_DIR/tmp")"
assert_eq "and the layer lock it left" "" "$(ls "$HUTCH_IMAGES_DIR/locks" | grep layer-)"
check "it runs" hutch run --rm --cgroup-parent "$CGPARENT" big:1
