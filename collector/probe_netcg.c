/* SPDX-License-Identifier: MIT */
/*
 * Network bytes and packets per container from cgroup_skb programs
 * (bpf/netcg.bpf.c), attached once to the unified hierarchy's root with BPF
 * links (which always allow other programs beside them). Counted per
 * socket's unified cgroup: on v2 hosts every container; on hybrid hosts the
 * containers that have a cgroup of their own in the unified hierarchy
 * (hutch's do); none on pure v1 hosts.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/netcg.h"
#include "netcg.skel.h"
#include "probes.h"

static int netcg_start(const struct probe_env *env, void **ret_state, struct hutch_error *err)
{
	const struct cgroup_layout *l = env->layout;
	if (l->unified < 0)
		return hutch_error_set(err, ENOENT, "no cgroup2 hierarchy to attach to");
	_cleanup_close_ int root =
		open(l->hierarchies[l->unified].mount_point, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return hutch_error_setsys(err, errno, "open %s",
					  l->hierarchies[l->unified].mount_point);
	struct netcg_bpf *skel = netcg_bpf__open();
	if (!skel)
		return hutch_error_setsys(err, errno, "open");
	skel->rodata->cgroup_key_mode = HUTCH_KEY_UNIFIED;
	int r = netcg_bpf__load(skel);
	if (r < 0) {
		netcg_bpf__destroy(skel);
		return hutch_error_setsys(err, -r, "load");
	}
	skel->links.netcg_ingress = bpf_program__attach_cgroup(skel->progs.netcg_ingress, root);
	r = -libbpf_get_error(skel->links.netcg_ingress);
	if (r == 0) {
		skel->links.netcg_egress =
			bpf_program__attach_cgroup(skel->progs.netcg_egress, root);
		r = -libbpf_get_error(skel->links.netcg_egress);
	}
	if (r == 0) {
		skel->links.netcg_rmdir = bpf_program__attach(skel->progs.netcg_rmdir);
		r = -libbpf_get_error(skel->links.netcg_rmdir);
	}
	if (r != 0) {
		netcg_bpf__destroy(skel);
		return hutch_error_setsys(err, r > 0 ? r : -r, "attach");
	}
	*ret_state = skel;
	return 0;
}

static const struct {
	const char *name, *help;
	size_t offset;
} families[] = {
	{"container_network_cgroup_receive_bytes_total",
	 "Bytes received by the container's sockets (cgroup_skb ingress).",
	 offsetof(struct netcg_count, rx_bytes)},
	{"container_network_cgroup_receive_packets_total",
	 "Packets received by the container's sockets (cgroup_skb ingress).",
	 offsetof(struct netcg_count, rx_packets)},
	{"container_network_cgroup_transmit_bytes_total",
	 "Bytes sent by the container's sockets (cgroup_skb egress).",
	 offsetof(struct netcg_count, tx_bytes)},
	{"container_network_cgroup_transmit_packets_total",
	 "Packets sent by the container's sockets (cgroup_skb egress).",
	 offsetof(struct netcg_count, tx_packets)},
};

static void netcg_write(struct collector_scrape *sc, void *state)
{
	struct netcg_bpf *skel = state;
	int fd = bpf_map__fd(skel->maps.netcg_counts);
	struct expo_writer *w = collector_scrape_writer(sc);
	size_t n = collector_scrape_count(sc);
	/* One lookup per container, then the four families from the copies. */
	_cleanup_free_ struct netcg_count *vals = calloc(n ? n : 1, sizeof(*vals));
	if (!vals)
		return;
	for (size_t i = 0; i < n; i++) {
		const struct sampler_container *c = collector_scrape_container(sc, i);
		if (hutch_known(c->cgroup_id_unified))
			bpf_map_lookup_elem(fd, &c->cgroup_id_unified, &vals[i]);
	}
	for (size_t f = 0; f < ARRAY_SIZE(families); f++) {
		expo_family(w, families[f].name, families[f].help, EXPO_COUNTER);
		for (size_t i = 0; i < n; i++) {
			if (!hutch_known(collector_scrape_container(sc, i)->cgroup_id_unified))
				continue;
			uint64_t v =
				*(const uint64_t *)((const char *)&vals[i] + families[f].offset);
			expo_sample(w, collector_scrape_labels(sc, i), NULL, 0, (double)v);
		}
	}
}

static void netcg_stop(void *state)
{
	netcg_bpf__destroy(state);
}

static int netcg_map_fd(void *state)
{
	return bpf_map__fd(((struct netcg_bpf *)state)->maps.netcg_counts);
}

static uint64_t netcg_dropped(void *state)
{
	return ((struct netcg_bpf *)state)->bss->dropped_events;
}

const struct probe_ops probe_netcg = {"netcg",	  netcg_start,	netcg_write,
				      netcg_stop, netcg_map_fd, netcg_dropped};
