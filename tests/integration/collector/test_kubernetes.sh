#!/usr/bin/env bash
# The collector on a Kubernetes-shaped node, as the kubelet's cAdvisor labels it:
# two pods in real cgroups /kubepods/<qos>/pod<uid>/<id> (cgroupfs driver), one
# run by containerd (task bundles with the CRI's annotations) and one by CRI-O
# (its containers/storage configs), each with a sandbox and an app container,
# in temporary data roots given by --containerd_root and --crio_root.
#  - Label sets: container/pod/namespace/image/name/id per container, the pod's
#    own cgroup with pod and namespace but no container, the sandbox with the
#    pause image (container "POD" under CRI-O, none under containerd), and
#    container_label_* as cAdvisor stores them, filtered by its allow-list flags.
#  - Network: the sandbox holds a network namespace (a veth pair inside), the
#    app container joins it and sends more than the sandbox does; the pod's
#    network total (every series with its pod label) equals the sandbox's own
#    counters as the kernel shows them, and no lo series appears.
#  - /metrics/cadvisor gives the same families and series.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/common.sh"
need_root
need_bin hutch-collector
need_cmd curl python3 unshare nsenter ip

T=$(mktemp -d /tmp/hutch-test-kube-XXXXXX)
on_exit "rm -rf '$T'"
# Ids and uids unique to this run, so a concurrent run never shares a cgroup.
hex() { python3 -c 'import os; print(os.urandom(32).hex())'; }
uuid() { python3 -c 'import uuid; print(uuid.uuid4())'; }
UID1=$(uuid) SB1=$(hex) APP1=$(hex) # containerd pod
UID2=$(uuid) SB2=$(hex) APP2=$(hex) # CRI-O pod
POD1=web-$RANDOM POD2=api-$RANDOM

# containerd's task bundles: <root>/k8s.io/<id>/config.json, the CRI's annotations.
bundle() { # bundle ID KIND [CONTAINER]
	mkdir -p "$T/containerd/k8s.io/$1"
	python3 - "$T/containerd/k8s.io/$1/config.json" "$2" "${3:-}" "$POD1" "$UID1" <<'PY'
import json, sys
path, kind, name, pod, uid = sys.argv[1:]
a = {"io.kubernetes.cri.container-type": kind, "io.kubernetes.cri.sandbox-name": pod,
     "io.kubernetes.cri.sandbox-namespace": "shop", "io.kubernetes.cri.sandbox-uid": uid,
     "io.kubernetes.cri.image-name": "registry.k8s.io/pause:3.9" if kind == "sandbox"
     else "docker.io/library/nginx:1.25"}
if name:
    a["io.kubernetes.cri.container-name"] = name
json.dump({"ociVersion": "1.1.0", "annotations": a}, open(path, "w"))
PY
}
bundle "$SB1" sandbox
bundle "$APP1" container app
# CRI-O: <root>/overlay-containers/<id>/userdata/config.json, labels as a JSON string.
crio_config() { # crio_config ID KIND CONTAINER IMAGE
	mkdir -p "$T/crio/overlay-containers/$1/userdata"
	python3 - "$T/crio/overlay-containers/$1/userdata/config.json" "$2" "$3" "$4" "$POD2" "$UID2" <<'PY'
import json, sys
path, kind, name, image, pod, uid = sys.argv[1:]
labels = {"io.kubernetes.container.name": name, "io.kubernetes.pod.name": pod,
          "io.kubernetes.pod.namespace": "billing", "io.kubernetes.pod.uid": uid,
          "app.kubernetes.io/name": "api"}
a = {"io.kubernetes.cri-o.ContainerType": kind, "io.kubernetes.cri-o.ImageName": image,
     "io.kubernetes.cri-o.Name": "k8s_%s_%s_billing_%s_0" % (name, pod, uid),
     "io.kubernetes.cri-o.Labels": json.dumps(labels)}
json.dump({"ociVersion": "1.0.2-dev", "annotations": a}, open(path, "w"))
PY
}
crio_config "$SB2" sandbox POD registry.k8s.io/pause:3.9
crio_config "$APP2" container api quay.io/example/api:2.1

P1=kubepods/burstable/pod$UID1
P2=kubepods/besteffort/pod$UID2
for cg in kubepods kubepods/burstable kubepods/besteffort "$P1" "$P1/$SB1" "$P1/$APP1" \
	"$P2" "$P2/$SB2" "$P2/$APP2"; do
	cgroup_make "$cg" || skip "cannot make cgroups"
done

# The sandboxes: a network namespace each with a veth pair inside, traffic from eth0 to a
# neighbour on eth1 (counted on both ends); the app containers join their sandbox's namespace.
SEND='import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(int(sys.argv[1])): s.sendto(b"x" * 1000, ("10.200.0.2", 9999))
for _ in range(50): s.sendto(b"x" * 100, ("127.0.0.1", 9999))
open(sys.argv[2], "w").close()
time.sleep(120)'
sandbox() { # sandbox CGROUP PACKETS
	# No IPv6 in the namespace: the kernel's own router solicitations and MLD reports on
	# the new links would move the counters between the kernel's read and the scrape.
	cgroup_run "$1" unshare -n sh -c 'for f in all default; do echo 1 >/proc/sys/net/ipv6/conf/$f/disable_ipv6; done 2>/dev/null
		ip link set lo up && ip link add eth0 type veth peer name eth1 &&
		ip addr add 10.200.0.1/24 dev eth0 && ip link set eth0 up && ip link set eth1 up &&
		ip neigh add 10.200.0.2 lladdr 02:00:00:00:00:02 dev eth0 && exec python3 -c "$0" "$@"' \
		"$SEND" "$2" "$T/sent-$RANDOM"
}
sandbox "$P1/$SB1" 100
SBPID1=$CGROUP_PID
sandbox "$P2/$SB2" 20
SBPID2=$CGROUP_PID
wait_for 10 test -e "/proc/$SBPID1/ns/net" -a -e "/proc/$SBPID2/ns/net"
wait_for 10 sh -c "[ \$(ls $T/sent-* 2>/dev/null | wc -l) -ge 2 ]" || { fail "sandboxes did not start"; exit 1; }
cgroup_run "$P1/$APP1" nsenter --net="/proc/$SBPID1/ns/net" python3 -c "$SEND" 300 "$T/app1-sent"
cgroup_run "$P2/$APP2" nsenter --net="/proc/$SBPID2/ns/net" python3 -c "$SEND" 40 "$T/app2-sent"
wait_for 10 test -e "$T/app1-sent" -a -e "$T/app2-sent" || { fail "app containers did not send"; exit 1; }

collector_start --containerd_root="$T/containerd" --crio_root="$T/crio" \
	--docker_root="$T/none" --podman_root="$T/none" --kubelet_logs_root="$T/none"
scrape() { curl -sf "$COLLECTOR_URL${1:-/metrics}"; }
wait_for 10 sh -c "curl -sf '$COLLECTOR_URL/metrics' | grep -q 'pod=\"$POD2\"'" || {
	fail "no pod labels"
	scrape | grep -F "$UID1" | head -3
	exit 1
}

# labels ID: the label set of container_memory_usage_bytes for cgroup ID, one per line.
labels() {
	scrape | grep -F "container_memory_usage_bytes{" | grep -F "id=\"$1\"" | head -1 |
		python3 -c 'import re, sys
line = sys.stdin.read()
body = line[line.index("{") + 1:line.rindex("}")]
for k, v in re.findall(r"([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"", body):
    print("%s=%s" % (k, v))'
}
assert_eq "containerd app container's labels" "$(printf '%s\n' container=app \
	container_label_io_cri_containerd_kind=container container_label_io_kubernetes_container_name=app \
	container_label_io_kubernetes_pod_name="$POD1" container_label_io_kubernetes_pod_namespace=shop \
	container_label_io_kubernetes_pod_uid="$UID1" id="/$P1/$APP1" image=docker.io/library/nginx:1.25 \
	name="$APP1" namespace=shop pod="$POD1")" "$(labels "/$P1/$APP1")"
assert_eq "containerd sandbox: pod, namespace, the pause image, no container" "$(printf '%s\n' \
	container_label_io_cri_containerd_kind=sandbox container_label_io_kubernetes_pod_name="$POD1" \
	container_label_io_kubernetes_pod_namespace=shop container_label_io_kubernetes_pod_uid="$UID1" \
	id="/$P1/$SB1" image=registry.k8s.io/pause:3.9 name="$SB1" namespace=shop pod="$POD1")" \
	"$(labels "/$P1/$SB1")"
assert_eq "the pod's own cgroup: pod and namespace, no container" "$(printf '%s\n' id="/$P1" \
	image= name= namespace=shop pod="$POD1")" "$(labels "/$P1")"
assert_eq "CRI-O app container's labels" "$(printf '%s\n' container=api \
	container_label_app_kubernetes_io_name=api container_label_io_kubernetes_container_name=api \
	container_label_io_kubernetes_pod_name="$POD2" container_label_io_kubernetes_pod_namespace=billing \
	container_label_io_kubernetes_pod_uid="$UID2" id="/$P2/$APP2" image=quay.io/example/api:2.1 \
	name="k8s_api_${POD2}_billing_${UID2}_0" namespace=billing pod="$POD2")" "$(labels "/$P2/$APP2")"
assert_contains "CRI-O sandbox: container POD, the pause image" \
	"container=POD image=registry.k8s.io/pause:3.9 name=k8s_POD_${POD2}_billing_${UID2}_0 namespace=billing pod=$POD2" \
	"$(labels "/$P2/$SB2" | grep -v '^container_label_\|^id=' | tr '\n' ' ')"
assert_contains "the CRI-O pod's own cgroup" "namespace=billing pod=$POD2" "$(labels "/$P2" | tr '\n' ' ')"

# Network: the pod's total over every series labelled with it equals the sandbox's counters.
netdev() { # netdev PID FIELD (1 rx bytes, 9 tx bytes): the namespace's total but lo, from the kernel
	nsenter --net="/proc/$1/ns/net" cat /proc/net/dev |
		awk -v f="$2" 'NR > 2 && $1 != "lo:" { s += $(f + 1) } END { print s }'
}
total() { # total FAMILY MATCH: the sum over the series whose labels contain MATCH
	scrape | grep -F "$1{" | grep -F "$2" | awk '{ s += $NF } END { printf "%.0f\n", s }'
}
for pod in 1 2; do
	eval "p=\$POD$pod pid=\$SBPID$pod sb=\$SB$pod app=\$APP$pod pp=\$P$pod"
	tx_kernel=$(netdev "$pid" 9)
	rx_kernel=$(netdev "$pid" 1)
	assert_eq "pod $pod: network tx total = the sandbox's namespace (kernel)" "$tx_kernel" \
		"$(total container_network_transmit_bytes_total "pod=\"$p\"")"
	assert_eq "pod $pod: network rx total = the sandbox's namespace (kernel)" "$rx_kernel" \
		"$(total container_network_receive_bytes_total "pod=\"$p\"")"
	assert_eq "pod $pod: all of it on the sandbox's series" "$tx_kernel" \
		"$(total container_network_transmit_bytes_total "id=\"/$pp/$sb\"")"
	assert_eq "pod $pod: no network series on the app container" "" \
		"$(scrape | grep -F container_network_ | grep -F "id=\"/$pp/$app\"")"
done
# The app container sent three times what the sandbox did: both are in the pod's count.
check "the app container's traffic is in the sandbox's count" \
	awk -v v="$(netdev "$SBPID1" 9)" 'BEGIN { exit !(v >= 400 * 1000) }'
assert_eq "no loopback series" "" "$(scrape | grep -F container_network_ | grep -F 'interface="lo"')"

# The kubelet's path: the same families and series.
# (Other tests' cgroups come and go between two scrapes: the pods' own series are compared.)
series() { scrape "$1" | grep -F -e "$UID1" -e "$UID2" | sed 's/[ ][^ ]*$//' | grep -v '^container_last_seen' | sort; }
families() { scrape "$1" | grep '^# TYPE' | sort; }
assert_eq "/metrics/cadvisor: the same families" "$(families /metrics)" "$(families /metrics/cadvisor)"
assert_eq "/metrics/cadvisor: the same series" "$(series /metrics)" "$(series /metrics/cadvisor)"

# cAdvisor's allow-list: with --store_container_labels=false, only the listed keys.
kill_pid "$COLLECTOR_PID"
collector_start --containerd_root="$T/containerd" --crio_root="$T/crio" \
	--store_container_labels=false --whitelisted_container_labels=app.kubernetes.io/name,nope
wait_for 10 sh -c "curl -sf '$COLLECTOR_URL/metrics' | grep -q 'pod=\"$POD2\"'"
assert_eq "allow-list: the listed label only" "container_label_app_kubernetes_io_name=api" \
	"$(labels "/$P2/$APP2" | grep '^container_label_')"
assert_eq "allow-list: none for a container without it" "" "$(labels "/$P1/$APP1" | grep '^container_label_')"
check "bad flag value refused (exit 2)" sh -c \
	'hutch-collector --store_container_labels=maybe 2>/dev/null; [ $? -eq 2 ]'
