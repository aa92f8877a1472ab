#!/usr/bin/env bash
# hutch commit: a container's changes (a new file, a deleted file, an emptied
# directory) become a layer over its image's, for a directory image (busybox,
# packed as a base layer) and for a loaded one; the result runs, keeps its
# whiteouts through save and load, and skopeo reads it.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

hutch run --name c1 --cgroup-parent "$CGPARENT" busybox sh -c 'echo one >/new; rm /bin/ls; mkdir -p /etc/x; echo f >/etc/x/f; echo g >/etc/x/g' >/dev/null
check "commit over a directory image" hutch commit c1 mine:1
out=$(hutch run --rm --cgroup-parent "$CGPARENT" mine:1 sh -c 'cat /new; test -e /bin/ls || echo no-ls; cat /etc/x/f')
assert_eq "the commit has the container's changes" "one no-ls f" "$(echo $out)"
assert_eq "a directory image's default command (sh) comes along" one "$(echo 'cat /new' | hutch run --rm -i --cgroup-parent "$CGPARENT" mine:1)"
assert_eq "two layers: the directory and the changes" 2 \
	"$(hutch image inspect mine:1 | python3 -c 'import json,sys; print(len(json.load(sys.stdin)[0]["RootFS"]["Layers"]))')"

hutch run --name c2 --cgroup-parent "$CGPARENT" mine:1 sh -c 'rm /etc/x/f /etc/x/g; echo two >/new' >/dev/null
check "commit over a committed image, with a message" hutch commit -m second c2 mine:2
out=$(hutch run --rm --cgroup-parent "$CGPARENT" mine:2 sh -c 'cat /new; ls -A /etc/x | wc -l; test -e /bin/ls || echo no-ls')
assert_eq "deleted files stay deleted, the directory empty" "two 0 no-ls" "$(echo $out)"
assert_eq "three layers, two shared with mine:1" 3 "$(ls "$HUTCH_IMAGES_DIR/layers" | wc -l)"
assert_contains "the history has the message" second "$(hutch image inspect mine:2; cat "$HUTCH_IMAGES_DIR"/blobs/sha256/$(hutch image inspect mine:2 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Id"][7:])'))"

hutch save -o "$T/mine.tar" mine:2
check "skopeo reads the committed image" skopeo inspect docker-archive:"$T/mine.tar"
hutch rm c1 c2 >/dev/null
hutch rmi mine:1 mine:2 >/dev/null
assert_eq "rmi: the store is empty again" 0 "$(ls "$HUTCH_IMAGES_DIR/layers" | wc -l)"
hutch load -q -i "$T/mine.tar" >/dev/null
out=$(hutch run --rm --cgroup-parent "$CGPARENT" mine:2 sh -c 'cat /new; ls -A /etc/x | wc -l; test -e /bin/ls || echo no-ls')
assert_eq "after save and load, the same files" "two 0 no-ls" "$(echo $out)"

out=$(hutch run --rm --cgroup-parent "$CGPARENT" busybox true; hutch commit nosuch x:1 2>&1)
assert_contains "commit of an unknown container" "no such container: nosuch" "$out"
