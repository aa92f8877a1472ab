/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * BPF side helpers shared by the probes, and the kernel-version shims, all
 * here. Each shim names the kernel change it papers over. Included once per
 * X.bpf.c (it defines the cgroup_key_mode option of that object).
 */
#ifndef HUTCH_BPF_COMPAT_H
#define HUTCH_BPF_COMPAT_H

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "cgroup_key.h"

/*
 * Events not counted because the object's per-container map was full (more
 * than HUTCH_BPF_MAX_CGROUPS containers): the collector exports it as
 * hutch_collector_probe_events_dropped_total. Only the slow path touches it.
 */
__u64 dropped_events = 0;

static __always_inline void count_dropped(void)
{
	__sync_fetch_and_add(&dropped_events, 1);
}

/* Set by the loader between open and load (enum hutch_cgroup_key_mode). */
const volatile int cgroup_key_mode = HUTCH_KEY_UNIFIED;

/*
 * Kernels before 5.5 (commit 67c0496e87d1, "kernfs: convert kernfs_node->id
 * from union kernfs_node_id to u64") kept the id in a union of ino and
 * generation; the inode number is its ino half.
 */
union kernfs_node_id___old {
	struct {
		__u32 ino;
		__u32 generation;
	};
	__u64 id;
} __attribute__((preserve_access_index));

struct kernfs_node___old {
	union kernfs_node_id___old id;
} __attribute__((preserve_access_index));

/*
 * Tracing programs (tp_btf, fentry) read kernel structures with plain loads
 * through their BTF pointers (the verifier guards them), which costs a few
 * instructions where BPF_CORE_READ costs a helper call per hop: the
 * scheduler probes run on every context switch. Old kernels take the
 * BPF_CORE_READ branches, which the verifier drops on new ones.
 */
static __always_inline __u64 kernfs_node_ino(struct kernfs_node *kn)
{
	if (bpf_core_type_exists(union kernfs_node_id___old))
		return BPF_CORE_READ((struct kernfs_node___old *)(void *)kn, id.ino);
	return kn->id;
}

/*
 * Linux 5.14 (commit 2f064a59a11f, "sched: Change task_struct::state")
 * renamed task_struct::state to __state.
 */
struct task_struct___old {
	long state;
} __attribute__((preserve_access_index));

static __always_inline long task_state(struct task_struct *t)
{
	if (bpf_core_field_exists(t->__state))
		return t->__state;
	return BPF_CORE_READ((struct task_struct___old *)(void *)t, state);
}

/*
 * v clamped to at most max, as an index the verifier sees bounded on every
 * kernel. Verifiers before Linux 6.10 (commit "bpf/verifier: improve XOR and
 * OR range computation") forget a register's bounds when it is OR-ed with a
 * non-constant register, so a value made like log2_ceil's is unbounded to
 * them; and the clamp clang writes for a 32-bit index is on a zero-extended
 * copy (r2 = r1; r2 <<= 32; r2 >>= 32; if r2 > max ...), which does not
 * bound the register that indexes. Linux 6.1 then rejects the access ("R1
 * unbounded memory access"). The comparison written here is on the very
 * register that indexes.
 */
#define clamp_index(v, max)                                         \
	({                                                          \
		__u64 __v = (v);                                    \
		asm volatile("if %[x] <= %[m] goto +1; %[x] = %[m]" \
			     : [x] "+r"(__v)                        \
			     : [m] "i"(max));                       \
		__v;                                                \
	})

/*
 * The cgroup a task is keyed by: its unified-hierarchy cgroup, or its cgroup
 * in the v1 hierarchy of controller subsys (a bpf_core_enum_value of enum
 * cgroup_subsys_id, so the index is the running kernel's). For tracing
 * programs only (plain loads through t). task_cgroup_key_in takes the mode
 * as a constant, for programs made one per mode (no option read per run).
 */
static __always_inline __u64 task_cgroup_key_in(struct task_struct *t, int mode, int subsys)
{
	struct css_set *cs = t->cgroups;
	struct cgroup *cg;
	if (mode == HUTCH_KEY_V1)
		cg = cs->subsys[subsys]->cgroup;
	else
		cg = cs->dfl_cgrp;
	return kernfs_node_ino(cg->kn);
}

static __always_inline __u64 task_cgroup_key(struct task_struct *t, int subsys)
{
	return task_cgroup_key_in(t, cgroup_key_mode, subsys);
}

/*
 * Whether a cgroup that goes away is in the hierarchy the keys come from:
 * kernfs ids are unique per hierarchy only, so an rmdir elsewhere must not
 * drop an entry. The unified hierarchy has id 0 (as /proc/cgroups shows).
 */
static __always_inline bool cgroup_is_keyed(struct cgroup *cgrp, int subsys)
{
	if (cgroup_key_mode == HUTCH_KEY_V1)
		return cgrp->root->subsys_mask & (1u << subsys);
	return cgrp->root->hierarchy_id == 0;
}

static __always_inline __u64 cgroup_key_of(struct cgroup *cgrp)
{
	return kernfs_node_ino(cgrp->kn);
}

#endif
