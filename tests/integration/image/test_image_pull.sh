#!/usr/bin/env bash
# hutch pull against a real registry: Debian's docker-registry (distribution)
# on a loopback port, images pushed by skopeo, behind a small front
# (registry_proxy.py) that demands an anonymous bearer token as Docker Hub
# does and counts blob fetches. Checks: a tag, a digest, an OCI index
# resolved to linux/amd64, two concurrent pulls of images sharing a layer
# fetching it once, and failures (registry down, garbage manifest, tampered
# blob, unknown name) each one line, exit 125, nothing new in the store.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"
need_cmd docker-registry skopeo curl

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
RPORT=$(free_port)
cat >"$T/registry.yml" <<YML
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $T/registry
http:
  addr: 127.0.0.1:$RPORT
YML
docker-registry serve "$T/registry.yml" >"$T/registry.log" 2>&1 &
REG_PID=$!
on_exit "kill $REG_PID"
PPORT=$(free_port)
python3 "$HUTCH_SRC/tests/integration/image/registry_proxy.py" "$PPORT" "$RPORT" "$T/fetches.log" &
PROXY_PID=$!
on_exit "kill $PROXY_PID"
for _ in $(seq 50); do
	curl -sf "http://127.0.0.1:$RPORT/v2/" >/dev/null && curl -s "http://127.0.0.1:$PPORT/v2/" >/dev/null && break
	sleep 0.1
done
check "the registry answers" curl -sf "http://127.0.0.1:$RPORT/v2/" -o /dev/null

L=$T/layers
mkdir -p "$L"
$MKIMAGE layer lower "$L/lower.tar"
$MKIMAGE layer file "$L/a.tar" "a=only in a"
$MKIMAGE layer file "$L/b.tar" "b=only in b"
push() { skopeo copy -q --all --dest-tls-verify=false oci-archive:"$1" "docker://127.0.0.1:$RPORT/$2"; }
$MKIMAGE archive "$T/one.tar" "$T/base.tar" "$L/lower.tar" --format oci --compress gzip --config '{"Cmd":["echo","one"]}'
$MKIMAGE archive "$T/idx.tar" "$T/base.tar" "$L/lower.tar" --format oci --compress gzip --index --config '{"Cmd":["echo","amd64"]}'
$MKIMAGE archive "$T/a.tar" "$T/base.tar" "$L/a.tar" --format oci --compress gzip --config '{"Cmd":["cat","/a"]}'
$MKIMAGE archive "$T/b.tar" "$T/base.tar" "$L/b.tar" --format oci --compress zstd --config '{"Cmd":["cat","/b"]}'
push "$T/one.tar" test/one:1
push "$T/idx.tar" test/idx:1
push "$T/a.tar" test/a:1
push "$T/b.tar" test/b:1
# the tamper/ front serves test/one's blobs with a byte changed
R=127.0.0.1:$PPORT

out=$(hutch pull "$R/test/one:1" 2>"$T/err")
assert_contains "pull a tag (through a bearer token)" "Pulled $R/test/one:1: sha256:" "$out"
assert_contains "progress per layer" "layer 2/2" "$(cat "$T/err")"
assert_eq "it runs" one "$(hutch run --rm --cgroup-parent "$CGPARENT" "$R/test/one:1")"
digest=$(skopeo inspect --raw --tls-verify=false "docker://127.0.0.1:$RPORT/test/one:1" | sha256sum | cut -d' ' -f1)
out=$(hutch pull -q "$R/test/one@sha256:$digest")
assert_eq "pull by digest: the same image" "$(hutch image inspect "$R/test/one:1" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Id"])')" "$out"
out=$(hutch pull -q "$R/test/idx:1")
assert_eq "an OCI index resolves to linux/amd64" amd64 "$(hutch run --rm --cgroup-parent "$CGPARENT" "$R/test/idx:1")"

# two pulls at once of images that share the base layer: it is fetched once
base_digest=$(skopeo inspect --tls-verify=false "docker://127.0.0.1:$RPORT/test/a:1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Layers"][0])')
hutch rmi -f "$R/test/one:1" "$R/test/idx:1" >/dev/null
hutch image prune >/dev/null
: >"$T/fetches.log"
hutch pull -q "$R/test/a:1" >"$T/pa" 2>&1 &
pa=$!
hutch pull -q "$R/test/b:1" >"$T/pb" 2>&1 &
pb=$!
wait $pa
ra=$?
wait $pb
rb=$?
assert_eq "two concurrent pulls succeed" "0 0" "$ra $rb"
assert_eq "the shared layer was fetched once" 1 "$(grep -c "$base_digest" "$T/fetches.log")"
assert_eq "each runs with its own layer" "only in a only in b" \
	"$(hutch run --rm --cgroup-parent "$CGPARENT" "$R/test/a:1") $(hutch run --rm --cgroup-parent "$CGPARENT" "$R/test/b:1")"

before=$(store_listing)
# attempt DESCRIPTION EXPECTED NAME
attempt() {
	local out rc
	out=$("$HUTCH_BIN/hutch" --root "$HROOT" pull -q "$3" 2>&1)
	rc=$?
	assert_eq "$1: exit 125" 125 "$rc"
	assert_contains "$1: says why" "$2" "$out"
	assert_eq "$1: one line" 1 "$(printf '%s\n' "$out" | wc -l)"
	assert_eq "$1: nothing new in the store" "$before" "$(store_listing)"
}
attempt "registry down" "Couldn't connect" "127.0.0.1:$(free_port)/test/one:1"
attempt "garbage for a manifest" "not JSON" "$R/garbage/test/one:1"
attempt "a blob that does not match its digest" "digest mismatch" "$R/tamper/test/one:1"
attempt "an unknown name" "not found" "$R/test/nope:1"
attempt "a bad reference" "not an image reference" "$R/UPPER CASE"
assert_eq "no work left in tmp/" "" "$(ls -A "$HUTCH_IMAGES_DIR/tmp")"

# an image prune while a pull runs keeps the blobs the pull fetched (leased to its work directory)
export HUTCH_IMAGES_DIR=$T/images-prune
hutch pull -q "$R/slow/test/one:1" >"$T/pslow" 2>&1 &
ps_pid=$!
on_exit "kill $ps_pid"
# the config, then a layer: the prune comes while the last layer is on its way
for _ in $(seq 100); do [ "$(ls -A "$HUTCH_IMAGES_DIR/blobs/sha256" 2>/dev/null | wc -l)" -ge 2 ] && break; sleep 0.05; done
check "two blobs fetched, the pull goes on" test "$(ls -A "$HUTCH_IMAGES_DIR/blobs/sha256" | wc -l)" -ge 2 -a -d /proc/$ps_pid
hutch image prune >/dev/null
check "the prune ran during the pull" test -d /proc/$ps_pid
wait $ps_pid
assert_eq "the pull survives the prune" 0 $?
assert_eq "its image runs" one "$(hutch run --rm --cgroup-parent "$CGPARENT" "$R/slow/test/one:1")"
check "and saves (every blob there)" hutch save -o "$T/slow.tar" "$R/slow/test/one:1"
hutch rmi "$R/slow/test/one:1" >/dev/null
hutch image prune >/dev/null
assert_eq "after the pull, a prune removes them" 0 "$(find "$HUTCH_IMAGES_DIR/blobs/sha256" "$HUTCH_IMAGES_DIR/layers" -mindepth 1 | wc -l)"
