#!/usr/bin/env bash
# deploy/kubernetes and deploy/oci-hooks against the programs they run (no
# Kubernetes runs here): the manifests parse, every flag they pass is one the
# program accepts, the ports, probe and scrape paths are the ones the collector
# serves, the runtimes' roots are mounted where the flags point, hutch-fsd's mount
# is Bidirectional at the mount point it is given, and the pod snippet's hostPath
# files are files a running hutch-fsd serves, mounted over the same paths. Then
# the OCI createContainer hook for real with podman: a container annotated
# io.hutch.fsd=true sees its memory limit in /proc/meminfo, one without sees the
# host's.
source "$(dirname "$0")/../lib.sh"
need_root
need_bin hutch-collector hutch-fsd
need_cmd python3 curl
python3 -c 'import yaml' 2>/dev/null || skip "needs python3-yaml"
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/../fsd/common.sh"
K=$HUTCH_SRC/deploy/kubernetes
HOOKS=$HUTCH_SRC/deploy/oci-hooks
FSD_TMP=$(mktemp -d /tmp/hutch-test-deploy-XXXXXX)
on_exit "rm -rf '$FSD_TMP'"

# q FILE EXPR: a Python expression over the YAML documents of FILE, by kind ("ds",
# "svc", "sm", "pm", "pod" are the first of each kind), printed.
q() {
	python3 - "$1" "$2" <<'PY'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
kinds = {"DaemonSet": "ds", "Service": "svc", "ServiceMonitor": "sm", "PodMonitor": "pm", "Pod": "pod"}
env = {"docs": docs}
for d in docs:
    env.setdefault(kinds.get(d["kind"], d["kind"]), d)
v = eval(sys.argv[2], env)
print("\n".join(map(str, v)) if isinstance(v, list) else v)
PY
}
for f in "$K"/*.yaml; do
	check "$(basename "$f") parses" q "$f" 'len(docs)'
done

# hutch-collector's DaemonSet, Service and monitors.
C=$K/hutch-collector.yaml
ctr='ds["spec"]["template"]["spec"]["containers"][0]'
assert_eq "collector: hostPID" True "$(q "$C" 'ds["spec"]["template"]["spec"]["hostPID"]')"
assert_eq "collector: selector matches the pod's labels" True \
	"$(q "$C" 'ds["spec"]["selector"]["matchLabels"].items() <= ds["spec"]["template"]["metadata"]["labels"].items()')"
mapfile -t args < <(q "$C" "$ctr[\"args\"]")
check "collector: the program accepts every flag (exit 0 with --help after them)" \
	sh -c "$(q "$C" "$ctr[\"command\"][0]" | xargs basename) ${args[*]} --help >/dev/null"
port=$(q "$C" "$ctr[\"ports\"][0][\"containerPort\"]")
assert_contains "collector: the container port is the listen address's" ":$port" "${args[*]}"
assert_contains "collector: the same port by default" ":$port" "$(hutch-collector --help)"
assert_eq "Service targets the container's port by name" "$(q "$C" "$ctr[\"ports\"][0][\"name\"]")" \
	"$(q "$C" 'svc["spec"]["ports"][0]["targetPort"]')"
assert_eq "Service selects the DaemonSet's pods" True \
	"$(q "$C" 'svc["spec"]["selector"].items() <= ds["spec"]["template"]["metadata"]["labels"].items()')"
assert_eq "ServiceMonitor selects the Service" True \
	"$(q "$C" 'sm["spec"]["selector"]["matchLabels"].items() <= svc["metadata"]["labels"].items()')"
assert_eq "monitors keep the series' own pod/namespace/container" "True True" \
	"$(q "$C" '[sm["spec"]["endpoints"][0]["honorLabels"], pm["spec"]["podMetricsEndpoints"][0]["honorLabels"]]' | xargs)"
# Every --*_root flag points inside a read-only mount of the host's directory of that name.
while read -r flag; do
	dir=${flag#*=}
	assert_eq "collector: $dir is mounted read-only from the host's ${dir#/host}" "True" "$(q "$C" "
any(m['mountPath'] == '$dir' and m.get('readOnly') and
    [v for v in ds['spec']['template']['spec']['volumes'] if v['name'] == m['name']][0]['hostPath']['path'] == '${dir#/host}'
    for m in $ctr['volumeMounts'])")"
done < <(printf '%s\n' "${args[@]}" | grep -- '_root=')
# The paths the manifests name, served by a live collector with the manifest's flags.
collector_start "${args[@]/--web.listen-address=*/--web.timeout=10}"
for path in $(q "$C" "[$ctr['readinessProbe']['httpGet']['path'], $ctr['livenessProbe']['httpGet']['path'], sm['spec']['endpoints'][0]['path'], pm['spec']['podMetricsEndpoints'][0]['path']]" | sort -u); do
	check "collector serves $path" curl -sf -o /dev/null "$COLLECTOR_URL$path"
done

# hutch-fsd's DaemonSet.
F=$K/hutch-fsd.yaml
fctr='ds["spec"]["template"]["spec"]["containers"][0]'
mp=$(q "$F" "$fctr[\"args\"][0]")
assert_contains "fsd: its default mount point" "default $mp" "$(hutch-fsd --help 2>&1)"
assert_eq "fsd: the mount point is Bidirectional" Bidirectional \
	"$(q "$F" "[m.get('mountPropagation') for m in $fctr['volumeMounts'] if m['mountPath'] == '$mp'][0]")"
assert_eq "fsd: of the host's same directory" "$mp" \
	"$(q "$F" "[v['hostPath']['path'] for v in ds['spec']['template']['spec']['volumes'] if v['name'] == [m['name'] for m in $fctr['volumeMounts'] if m['mountPath'] == '$mp'][0]][0]")"
assert_eq "fsd: privileged (FUSE, mount)" True "$(q "$F" "$fctr['securityContext']['privileged']")"
assert_eq "fsd: /dev/fuse from the host" CharDevice \
	"$(q "$F" "[v['hostPath']['type'] for v in ds['spec']['template']['spec']['volumes'] if v['hostPath']['path'] == '/dev/fuse'][0]")"

# The pod snippet: hostPath files of type File under hutch-fsd's mount point, each one a
# file a running hutch-fsd serves, mounted read-only over the same path in the container.
P=$K/pod-with-hutch-fsd.yaml
fsd_need
start_fsd "$FSD_TMP/mnt"
mapfile -t pairs < <(q "$P" "[v['hostPath']['path'] + ' ' + v['hostPath']['type'] + ' ' + [m['mountPath'] + ' ' + str(m.get('readOnly')) for m in pod['spec']['containers'][0]['volumeMounts'] if m['name'] == v['name']][0] for v in pod['spec']['volumes']]")
check "pod snippet: files to bind" test "${#pairs[@]}" -ge 7
for p in "${pairs[@]}"; do
	read -r host type target ro <<<"$p"
	rel=${host#"$mp"/}
	assert_eq "pod snippet: $rel is a hostPath File, read-only over /$rel" "File /$rel True" "$type $target $ro"
	check "pod snippet: hutch-fsd serves $rel" test -f "$FSD_TMP/mnt/$rel"
done
hook_files=$(sed -n '/^for f in/,/do$/p' "$HOOKS/hutch-fsd-hook" | grep -oE '(proc|sys)/[a-z/]+' | sort -u)
assert_eq "the hook binds the files the pod snippet does" \
	"$(printf '%s\n' "${pairs[@]}" | awk '{ print $1 }' | sed "s|^$mp/||" | sort -u)" "$hook_files"

# The OCI hook's description, and the hook itself with podman.
H=$HOOKS/hutch-fsd.json
assert_eq "hook: createContainer, opt-in by annotation" "['createContainer'] True" "$(python3 -c '
import json, re, sys
h = json.load(open(sys.argv[1]))
(k, v), = h["when"]["annotations"].items()
print(h["stages"], bool(re.search(k, "io.hutch.fsd") and re.search(v, "true") and not re.search(v, "false")))' "$H")"
assert_eq "hook: given hutch-fsd's mount point" "$mp" "$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["hook"]["args"][1])' "$H")"

command -v podman >/dev/null || skip "podman is not installed: the hook is not run"
command -v busybox >/dev/null || skip "needs busybox (busybox-static)"
mkdir -p "$FSD_TMP/hooks"
python3 - "$H" "$HOOKS/hutch-fsd-hook" "$FSD_TMP/mnt" >"$FSD_TMP/hooks/hutch-fsd.json" <<'PY'
import json, sys
h = json.load(open(sys.argv[1]))
h["hook"]["path"] = sys.argv[2]
h["hook"]["args"][1] = sys.argv[3]
json.dump(h, sys.stdout)
PY
bash "$HUTCH_SRC/scripts/make-busybox-rootfs.sh" "$FSD_TMP/rootfs" >/dev/null
# podman's state in the test's directory; our limits, since podman's defaults exceed them.
pm() {
	podman --root "$FSD_TMP/storage" --runroot "$FSD_TMP/run" --cgroup-manager=cgroupfs \
		--events-backend=file --hooks-dir "$FSD_TMP/hooks" "$@"
}
on_exit "podman --root '$FSD_TMP/storage' --runroot '$FSD_TMP/run' rm -af >/dev/null 2>&1; umount -R '$FSD_TMP/storage' '$FSD_TMP/run' 2>/dev/null"
run_pod() {
	timeout 120 podman --root "$FSD_TMP/storage" --runroot "$FSD_TMP/run" --cgroup-manager=cgroupfs \
		--events-backend=file --hooks-dir "$FSD_TMP/hooks" run --rm --net=none -m 64m \
		--ulimit nofile=1024:1024 --ulimit nproc=1024:1024 "$@" --rootfs "$FSD_TMP/rootfs" \
		/bin/sh -c 'head -1 /proc/meminfo' 2>&1
}
assert_contains "podman + hook: the container sees its 64 MiB limit" "MemTotal:          65536 kB" \
	"$(run_pod --annotation io.hutch.fsd=true)"
host_total=$(head -1 /proc/meminfo | awk '{ print $2 }')
assert_contains "podman without the annotation: the host's memory" "$host_total kB" "$(run_pod)"
assert_contains "podman with the annotation false: the host's memory" "$host_total kB" \
	"$(run_pod --annotation io.hutch.fsd=false)"
