/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * OOM kills per container, counted on the victim's cgroup (not on the
 * task that ran into the limit). Two attach points, the loader keeps the
 * one the kernel has (see compat notes in collector/probe_oomkill.c):
 * tp_btf/mark_victim where it carries the task, fentry on
 * __oom_kill_process otherwise.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "compat.h"
#include "oomkill.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, HUTCH_BPF_MAX_CGROUPS);
	__type(key, __u64);
	__type(value, struct oomkill_count);
} oomkill_counts SEC(".maps");

static __always_inline void count_victim(struct task_struct *victim)
{
	__u64 key =
		task_cgroup_key(victim, bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id));
	struct oomkill_count one = {1}, *c = bpf_map_lookup_elem(&oomkill_counts, &key);
	if (c)
		__sync_fetch_and_add(&c->kills, 1);
	else if (bpf_map_update_elem(&oomkill_counts, &key, &one, BPF_NOEXIST) < 0) {
		/* Another CPU made the entry between the lookup and the update. */
		c = bpf_map_lookup_elem(&oomkill_counts, &key);
		if (c)
			__sync_fetch_and_add(&c->kills, 1);
		else
			count_dropped();
	}
}

/* Newer kernels (the change that added the victim's uid and memory figures to the event)
 * pass the victim task to the tracepoint; older ones only its pid. */
SEC("tp_btf/mark_victim")
int BPF_PROG(oomkill_mark_victim, struct task_struct *victim)
{
	count_victim(victim);
	return 0;
}

/* Older kernels: the function that kills one victim (also each member of a group kill). */
SEC("fentry/__oom_kill_process")
int BPF_PROG(oomkill_fentry, struct task_struct *victim, const char *message)
{
	/* It gives up on a victim without memory; mark_victim is not reached then either. */
	if (!victim->mm)
		return 0;
	count_victim(victim);
	return 0;
}

SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(oomkill_rmdir, struct cgroup *cgrp, const char *path)
{
	if (!cgroup_is_keyed(cgrp, bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id)))
		return 0;
	__u64 key = cgroup_key_of(cgrp);
	bpf_map_delete_elem(&oomkill_counts, &key);
	return 0;
}
