#!/usr/bin/env bash
# hutch build: a Dockerfile of several layers (a deleted file, an emptied
# directory, COPY --chown, ADD of a local archive) builds an image that runs
# with its Entrypoint, Cmd, Env, WorkingDir and User; a second build comes
# from the cache, a changed file misses it from its COPY on; bad Dockerfiles
# and escape attempts (.. sources, symlinks out of the context, an archive
# climbing out) fail with the line, exit 1, and leave no container, cgroup,
# mount, work directory or tag.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"
need_cmd tar

hutch import -q "$T/base.tar" base:1 >/dev/null || { echo "FAIL: import the base"; exit 1; }
C=$T/ctx
mkdir -p "$C/conf/empty-me" "$C/arch"
echo hello >"$C/hello.txt"
echo one >"$C/conf/one"
echo gone >"$C/conf/empty-me/x"
ln -s one "$C/conf/link-in"        # a symlink inside the context: copied as a symlink
echo packed >"$C/arch/packed.txt"
tar -C "$C/arch" -czf "$C/bundle.tar.gz" packed.txt
rm -rf "$C/arch"
cat >"$C/Dockerfile" <<'EOF'
# comments are skipped
ARG BASE=base:1
FROM ${BASE}
ARG GREETING=hi
ENV APP_HOME=/srv/app \
    MODE="two words"
LABEL org.example.team=hutch version="1.0"
WORKDIR $APP_HOME
COPY hello.txt conf ./
COPY --chown=65534:65534 hello.txt /data/owned.txt
ADD bundle.tar.gz /unpacked/
RUN echo "$GREETING $MODE" >greeting && \
    rm /bin/vi && rm /srv/app/empty-me/x
  # an indented comment between steps
USER nobody
EXPOSE 8080 53/udp
STOPSIGNAL SIGQUIT
ENTRYPOINT ["/bin/sh", "-c"]
CMD ["cat greeting; pwd; id -u; echo $MODE"]
EOF

out=$(hutch build -t app:1 --build-arg GREETING=hello --cgroup-parent "$CGPARENT" "$C" 2>&1)
assert_eq "build: exit 0" 0 $?
assert_contains "docker's step lines" "Step 8/15 : COPY --chown=65534:65534 hello.txt /data/owned.txt" "$out"
assert_contains "the tag" "Successfully tagged app:1" "$out"
assert_contains "a progress line per layer made (not a terminal)" "step 8/15 layer: committed" "$out"
check "no bar when not a terminal" test "$(grep -c '\[=' <<<"$out")" -eq 0
run_out=$(hutch run --rm --cgroup-parent "$CGPARENT" app:1)
assert_eq "Entrypoint + Cmd run in WorkingDir as User with Env (and the build arg)" \
	"hello two words /srv/app 65534 two words" "$(echo $run_out)"
out=$(hutch run --rm --cgroup-parent "$CGPARENT" --entrypoint "" app:1 sh -c \
	'cat hello.txt one; readlink link-in; stat -c %u:%g /data/owned.txt; cat /unpacked/packed.txt; test -e /bin/vi || echo no-vi; ls -A empty-me | wc -l; test -e /unpacked/bundle.tar.gz || echo unpacked')
assert_eq "COPY (a dir's contents, a symlink kept), --chown, ADD unpacks, RUN's deletions" \
	"hello one one 65534:65534 packed no-vi 0 unpacked" "$(echo $out)"
assert_eq "--entrypoint replaces the image's and drops its Cmd" "x y" \
	"$(hutch run --rm --cgroup-parent "$CGPARENT" --entrypoint /bin/echo app:1 x y)"
cfg=$(hutch image inspect app:1 | python3 -c 'import json,sys; c=json.load(sys.stdin)[0]["Config"]; print(c["Labels"]["version"], sorted(c["ExposedPorts"]), c["StopSignal"], c["User"], len(c["Env"]))')
assert_eq "Labels, ExposedPorts, StopSignal, User, Env in the config" \
	"1.0 ['53/udp', '8080/tcp'] SIGQUIT nobody 3" "$cfg"
assert_eq "layers: base, WORKDIR, 2 COPY, ADD, RUN" 6 \
	"$(hutch image inspect app:1 | python3 -c 'import json,sys; print(len(json.load(sys.stdin)[0]["RootFS"]["Layers"]))')"
assert_eq "hutch images lists app:1 and base:1 only" "app base" "$(hutch images | awk 'NR>1 && $2 != "(dir)" {print $1}' | sort | xargs)"
check "hutch images -a shows them" test "$(hutch images -a | grep -c '^<none>')" -gt 5

# the cache: a second build is all hits and the same image; a changed file misses from its COPY on
id1=$(hutch image inspect app:1 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Id"])')
out=$(hutch build -t app:1 --build-arg GREETING=hello --cgroup-parent "$CGPARENT" "$C" 2>&1)
assert_eq "second build: every step after FROM and ARG from the cache" 12 "$(grep -c 'Using cache' <<<"$out")"
assert_eq "second build: no RUN container" 0 "$(grep -c 'Running in' <<<"$out")"
assert_eq "second build: the same image" "$id1" "$(hutch image inspect app:1 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Id"])')"
out=$(hutch build -q -t app:2 --build-arg GREETING=other --cgroup-parent "$CGPARENT" "$C" 2>&1)
assert_eq "another build arg value: -q prints the id only" 1 "$(grep -c '^sha256:' <<<"$out")"
assert_eq "-q: no progress" 0 "$(grep -c 'layer' <<<"$out")"
# on a terminal: a bar per layer (bytes, rate, step done/total), then the line
out=$(in_pty 120 "env HUTCH_IMAGES_DIR='$HUTCH_IMAGES_DIR' '$HUTCH_BIN/hutch' --root '$HROOT' build --no-cache -t app:5 --build-arg GREETING=hello --cgroup-parent '$CGPARENT' '$C'")
assert_contains "a terminal: the build's step lines" "Successfully tagged app:5" "$out"
assert_contains "a terminal: the layer's final line" "step 8/15 layer: committed" "$out"
assert_eq "another build arg: the RUN ran again" "other two words" \
	"$(hutch run --rm --cgroup-parent "$CGPARENT" --entrypoint "" app:2 cat /srv/app/greeting)"
echo changed >"$C/conf/one"
out=$(hutch build -t app:3 --build-arg GREETING=hello --cgroup-parent "$CGPARENT" "$C" 2>&1)
hits=$(awk '/^Step/ {s=$2} /Using cache/ {print s}' <<<"$out" | xargs)
assert_eq "a changed file: the steps before its COPY hit, none after" "4/15 5/15 6/15" "$hits"
assert_eq "the new image has the new file" changed \
	"$(hutch run --rm --cgroup-parent "$CGPARENT" --entrypoint "" app:3 cat /srv/app/one)"
out=$(hutch build --no-cache -t app:4 --build-arg GREETING=hello --cgroup-parent "$CGPARENT" "$C" 2>&1)
assert_eq "--no-cache: no hits" 0 "$(grep -c 'Using cache' <<<"$out")"

# wildcards in COPY sources (the last component), as docker's
mkdir -p "$T/glob/sub"
echo a >"$T/glob/a.txt"; echo b >"$T/glob/b.txt"; echo c >"$T/glob/c.md"; echo s >"$T/glob/sub/s.txt"
printf 'FROM base:1\nCOPY *.txt sub/*.txt /g/\n' >"$T/glob/Dockerfile"
hutch build -q -t glob:1 --cgroup-parent "$CGPARENT" "$T/glob" >/dev/null
assert_eq "COPY *.txt sub/*.txt: the matches only" "a.txt b.txt s.txt" \
	"$(hutch run --rm --cgroup-parent "$CGPARENT" glob:1 ls /g | xargs)"

# .dockerignore: patterns and exceptions, in a copied directory and for named sources
mkdir -p "$T/ign/dir" "$T/ign/sub"
echo k >"$T/ign/dir/keep"; echo o >"$T/ign/dir/other"; echo l >"$T/ign/x.log"; echo l >"$T/ign/sub/y.log"
echo s >"$T/ign/secret"; echo m >"$T/ign/main.c"
printf '# build inputs only\n*.log\nsecret\ndir\n!dir/keep\nDockerfile\n.dockerignore\n' >"$T/ign/.dockerignore"
printf 'FROM base:1\nCOPY . /ctx/\n' >"$T/ign/Dockerfile"
hutch build -q -t ign:1 --cgroup-parent "$CGPARENT" "$T/ign" >/dev/null
assert_eq ".dockerignore: what COPY . takes" "/ctx/dir/keep /ctx/main.c /ctx/sub/y.log" \
	"$(hutch run --rm --cgroup-parent "$CGPARENT" ign:1 find /ctx -type f | sort | xargs)"
printf 'FROM base:1\nCOPY secret /\n' >"$T/ign/Dockerfile"
assert_contains ".dockerignore: a named source it leaves out" "secret: excluded by .dockerignore" \
	"$(hutch build -q --cgroup-parent "$CGPARENT" "$T/ign" 2>&1)"

# bad Dockerfiles and escapes: line, exit 1, nothing left behind
mkdir -p "$T/outside" "$T/bad/dir"
echo SECRET >"$T/outside/secret"
ln -s "$T/outside" "$T/bad/abs-out"
ln -s ../outside "$T/bad/rel-out"
ln -s "$T/outside/secret" "$T/bad/dir/inner-out" # inside a copied directory: copied as a link
echo x >"$T/bad/f"
python3 - "$T/bad/climb.tar" <<'EOF'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    data = b"pwned\n"
    i = tarfile.TarInfo("../../../../../../tmp/hutch-build-climb")
    i.size = len(data)
    t.addfile(i, io.BytesIO(data))
EOF
python3 - "$T/bad/link.tar" "$T/outside" <<'EOF'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    l = tarfile.TarInfo("esc"); l.type = tarfile.SYMTYPE; l.linkname = sys.argv[2]
    t.addfile(l)
    data = b"pwned\n"
    f = tarfile.TarInfo("esc/secret"); f.size = len(data)
    t.addfile(f, io.BytesIO(data))
EOF
layers_before=$(ls "$HUTCH_IMAGES_DIR/layers" | wc -l)
bad() { # bad DESCRIPTION EXPECTED-MESSAGE DOCKERFILE-TEXT
	printf '%b\n' "$3" >"$T/bad/Dockerfile"
	local o rc
	o=$(hutch build -t bad:1 --cgroup-parent "$CGPARENT" "$T/bad" 2>&1)
	rc=$?
	assert_eq "$1: exit 1" 1 "$rc"
	assert_contains "$1: says so" "$2" "$o"
}
bad "unknown instruction" "Dockerfile: line 3: unknown instruction 'FOO'" 'FROM base:1\n\nFOO bar'
bad "no FROM" "line 1: RUN before any FROM" 'RUN true'
bad "an empty Dockerfile" "no FROM instruction" '# nothing'
bad "an unknown base" "line 1: FROM nosuch:1: image 'nosuch:1' not found" 'FROM nosuch:1'
bad "COPY ../" "line 2: COPY ../outside/secret /: ../outside/secret: outside the build context" 'FROM base:1\nCOPY ../outside/secret /'
bad "COPY through an absolute symlink out" "abs-out/secret: leads outside the build context" 'FROM base:1\nCOPY abs-out/secret /'
bad "COPY of a relative symlink out" "rel-out: leads outside the build context" 'FROM base:1\nCOPY rel-out /x/'
bad "COPY a wildcard matching nothing" "nomatch*: no file in the build context matches" 'FROM base:1\nCOPY nomatch* /'
bad "COPY a wildcard through a symlink out" "abs-out: leads outside the build context" 'FROM base:1\nCOPY abs-out/* /'
bad "COPY a wildcard above the context" "../outside: outside the build context" 'FROM base:1\nCOPY ../outside/* /'
bad "COPY a missing file" "nope: no such file in the build context" 'FROM base:1\nCOPY nope /'
bad "ADD a URL" "only local files" 'FROM base:1\nADD http://127.0.0.1:1/x /'
bad "ADD an archive climbing out" "line 2: ADD climb.tar /:" 'FROM base:1\nADD climb.tar /'
check "the climbing entry was not written" test ! -e /tmp/hutch-build-climb
bad "ADD an archive writing through its symlink" "line 2: ADD link.tar /" 'FROM base:1\nADD link.tar /'
assert_eq "the file behind the symlink is untouched" SECRET "$(cat "$T/outside/secret")"
bad "RUN that fails" "line 3: RUN echo ran; exit 3: the command returned a non-zero code: 3" 'FROM base:1\nENV X=1\nRUN echo ran; exit 3'
bad "--from" "multi-stage copies are not supported" 'FROM base:1\nCOPY --from=x f /'
assert_eq "no container left" "" "$(hutch ps -a -q)"
assert_eq "no cgroup left" "" "$(find /sys/fs/cgroup/*/"$CGPARENT" /sys/fs/cgroup/"$CGPARENT" -mindepth 1 -type d 2>/dev/null)"
assert_eq "no mount left" 0 "$(grep -c "$T" /proc/self/mountinfo)"
assert_eq "no work directory left" "" "$(ls "$HUTCH_IMAGES_DIR/tmp")"
check "no bad:1 tag" bash -c "! grep -q bad: '$HUTCH_IMAGES_DIR/repositories.json'"
assert_eq "the failed builds added no layer" "$layers_before" "$(ls "$HUTCH_IMAGES_DIR/layers" | wc -l)"
printf 'FROM base:1\nCOPY dir /d/\n' >"$T/bad/Dockerfile"
hutch build -q -t linky:1 "$T/bad" >/dev/null
assert_eq "a symlink inside a copied directory: the build goes on" 0 $?
assert_eq "it stays a link, the secret is not in the image" "link $T/outside/secret" \
	"$(find "$HUTCH_IMAGES_DIR/layers" -name inner-out -printf '%y ' -exec readlink {} \; | sed 's/^l/link/'; grep -rl SECRET "$HUTCH_IMAGES_DIR/layers" 2>/dev/null)"
# SIGTERM to a build during a RUN: its container is stopped and removed, no tag, exit 1
printf 'FROM base:1\nRUN echo start; sleep 30\n' >"$T/bad/Dockerfile"
"$HUTCH_BIN/hutch" --root "$HROOT" build --no-cache -t bad:2 --cgroup-parent "$CGPARENT" "$T/bad" >"$T/int.out" 2>&1 </dev/null &
bpid=$!
on_exit "kill $bpid"
for _ in $(seq 100); do [ -n "$(hutch ps -q)" ] && break; sleep 0.1; done
check "the RUN's container runs" test -n "$(hutch ps -q)"
kill -TERM "$bpid"
wait "$bpid"
assert_eq "SIGTERM: the build exits 1" 1 $?
assert_contains "SIGTERM: says so" "line 2: RUN echo start; sleep 30: interrupted" "$(cat "$T/int.out")"
assert_eq "SIGTERM: no container left" "" "$(hutch ps -a -q)"
assert_eq "SIGTERM: no work directory left" "" "$(ls "$HUTCH_IMAGES_DIR/tmp")"
check "SIGTERM: no bad:2 tag" bash -c "! grep -q bad:2 '$HUTCH_IMAGES_DIR/repositories.json'"

# SIGKILL: the build cannot clean up; its RUN container goes with the next build
"$HUTCH_BIN/hutch" --root "$HROOT" build --no-cache -t bad:3 --cgroup-parent "$CGPARENT" "$T/bad" >/dev/null 2>&1 </dev/null &
bpid=$!
on_exit "kill -9 $bpid"
for _ in $(seq 100); do [ -n "$(hutch ps -q)" ] && break; sleep 0.1; done
kill -9 "$bpid"
wait "$bpid" 2>/dev/null
check "SIGKILL: the RUN's container is left" test -n "$(hutch ps -a --format json | grep "hutch-build-$bpid-")"
printf 'FROM base:1\nENV Y=2\n' >"$T/bad/Dockerfile"
hutch build -q --cgroup-parent "$CGPARENT" "$T/bad" >/dev/null
assert_eq "the next build removes it" "" "$(hutch ps -a -q)"

out=$(hutch build --bogus "$T/bad" 2>&1)
assert_eq "a bad flag: 125" 125 $?

# hutch run applies the image's StopSignal (hutch stop sends it) and Labels (inspect, ps --filter)
mkdir -p "$T/sig"
cat >"$T/sig/Dockerfile" <<'EOF2'
FROM base:1
LABEL tier=web owner=img
STOPSIGNAL SIGUSR1
CMD ["sh", "-c", "trap 'echo got-usr1; exit 0' USR1; echo up; while :; do sleep 0.1; done"]
EOF2
hutch build -q -t sig:1 "$T/sig" >/dev/null
hutch run -d --name s1 --cgroup-parent "$CGPARENT" -l owner=me -l extra sig:1 >/dev/null
hutch run -d --name s2 --cgroup-parent "$CGPARENT" --stop-signal INT sig:1 >/dev/null
for _ in $(seq 50); do [ "$(hutch logs s1 2>/dev/null)" = up ] && [ "$(hutch logs s2 2>/dev/null)" = up ] && break; sleep 0.1; done
assert_eq "inspect: the image's labels under --label's" "{'extra': '', 'owner': 'me', 'tier': 'web'} SIGUSR1" \
	"$(hutch inspect s1 | python3 -c 'import json,sys; c=json.load(sys.stdin)[0]["Config"]; print(dict(sorted(c["Labels"].items())), c["StopSignal"])')"
assert_eq "ps --filter label=tier=web: both" 2 "$(hutch ps -q --filter label=tier=web | wc -l)"
assert_eq "ps --filter label=owner=me --filter label=extra: s1" "$(hutch inspect s1 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"][:12])')" \
	"$(hutch ps -q --filter label=owner=me --filter label=extra)"
assert_eq "ps --filter label=owner=img: s2 (s1's --label won)" 1 "$(hutch ps -q --filter label=owner=img | wc -l)"
assert_eq "ps --filter label=nosuch: none" 0 "$(hutch ps -q --filter label=nosuch | wc -l)"
a=$(date +%s%N)
hutch stop s1 >/dev/null
ms=$((($(date +%s%N) - a) / 1000000))
assert_eq "hutch stop sent the image's StopSignal (the trap ran)" "up got-usr1" "$(echo $(hutch logs s1))"
check "and did not wait for the grace period (${ms} ms)" test "$ms" -lt 8000
assert_eq "--stop-signal INT over the image's: not caught, the container ends by it" 130 \
	"$(hutch stop s2 >/dev/null; hutch inspect s2 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["ExitCode"])')"
hutch rm s1 s2 >/dev/null

# image prune: the intermediate images go (they are dangling), and the cache entries naming them
hutch image prune >/dev/null
stale=0
for f in "$HUTCH_IMAGES_DIR"/build-cache/*; do
	[ -f "$f" ] && [ ! -e "$HUTCH_IMAGES_DIR/images/$(head -c 64 "$f").json" ] && stale=$((stale + 1))
done
assert_eq "image prune: no cache entry names a removed image" 0 "$stale"
assert_eq "image prune: tagged images stay" yes "$(hutch image inspect app:1 >/dev/null && echo yes)"
out=$(hutch build -t app:5 --build-arg GREETING=hello --cgroup-parent "$CGPARENT" "$C" 2>&1)
assert_eq "a build after the prune: rebuilt, and right" "hello two words /srv/app 65534 two words" \
	"$(echo $(hutch run --rm --cgroup-parent "$CGPARENT" app:5))"
