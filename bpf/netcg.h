/* SPDX-License-Identifier: MIT */
/*
 * Network bytes and packets per container, seen by cgroup_skb programs
 * attached to the unified hierarchy's root (types only). The key is the
 * socket's cgroup in the unified hierarchy: the kernel has no other cgroup
 * for a packet, so on hybrid hosts only containers that have a cgroup of
 * their own there are told apart.
 */
#ifndef HUTCH_BPF_NETCG_H
#define HUTCH_BPF_NETCG_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

struct netcg_count {
	__u64 rx_bytes, rx_packets, tx_bytes, tx_packets;
};

#endif
