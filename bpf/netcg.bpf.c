/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Bytes and packets per container through cgroup_skb ingress/egress
 * programs (attached once, at the unified root, so every descendant runs
 * them). Packets are never dropped: the programs return 1.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "compat.h"
#include "netcg.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, HUTCH_BPF_MAX_CGROUPS);
	__type(key, __u64);
	__type(value, struct netcg_count);
} netcg_counts SEC(".maps");

static const struct netcg_count zero_count;

static __always_inline struct netcg_count *entry(struct __sk_buff *skb)
{
	__u64 key = bpf_skb_cgroup_id(skb);
	struct netcg_count *c = bpf_map_lookup_elem(&netcg_counts, &key);
	if (c)
		return c;
	bpf_map_update_elem(&netcg_counts, &key, &zero_count, BPF_NOEXIST);
	c = bpf_map_lookup_elem(&netcg_counts, &key);
	if (!c)
		count_dropped();
	return c;
}

SEC("cgroup_skb/ingress")
int netcg_ingress(struct __sk_buff *skb)
{
	struct netcg_count *c = entry(skb);
	if (c) {
		__sync_fetch_and_add(&c->rx_bytes, skb->len);
		__sync_fetch_and_add(&c->rx_packets, 1);
	}
	return 1;
}

SEC("cgroup_skb/egress")
int netcg_egress(struct __sk_buff *skb)
{
	struct netcg_count *c = entry(skb);
	if (c) {
		__sync_fetch_and_add(&c->tx_bytes, skb->len);
		__sync_fetch_and_add(&c->tx_packets, 1);
	}
	return 1;
}

/* Keys are unified-hierarchy ids here whatever the host's layout. */
SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(netcg_rmdir, struct cgroup *cgrp, const char *path)
{
	if (cgrp->root->hierarchy_id != 0)
		return 0;
	__u64 key = cgroup_key_of(cgrp);
	bpf_map_delete_elem(&netcg_counts, &key);
	return 0;
}
