/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Process churn per container: processes created (fork/clone without
 * CLONE_THREAD) and execve()s that succeeded, counted on the cgroup of the
 * new process / the exec'ing one (cpu hierarchy on v1).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "compat.h"
#include "churn.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, HUTCH_BPF_MAX_CGROUPS);
	__type(key, __u64);
	__type(value, struct churn_count);
} churn_counts SEC(".maps");

static const struct churn_count zero_count;

static __always_inline struct churn_count *entry(struct task_struct *t)
{
	__u64 key = task_cgroup_key(t, bpf_core_enum_value(enum cgroup_subsys_id, cpu_cgrp_id));
	struct churn_count *c = bpf_map_lookup_elem(&churn_counts, &key);
	if (c)
		return c;
	bpf_map_update_elem(&churn_counts, &key, &zero_count, BPF_NOEXIST);
	c = bpf_map_lookup_elem(&churn_counts, &key);
	if (!c)
		count_dropped();
	return c;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(churn_fork, struct task_struct *parent, struct task_struct *child)
{
	/* The child is already in its cgroups (cgroup_post_fork ran). Threads do not count. */
	if (child->pid != child->tgid)
		return 0;
	struct churn_count *c = entry(child);
	if (c)
		__sync_fetch_and_add(&c->forks, 1);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(churn_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct churn_count *c = entry(p);
	if (c)
		__sync_fetch_and_add(&c->execs, 1);
	return 0;
}

SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(churn_rmdir, struct cgroup *cgrp, const char *path)
{
	if (!cgroup_is_keyed(cgrp, bpf_core_enum_value(enum cgroup_subsys_id, cpu_cgrp_id)))
		return 0;
	__u64 key = cgroup_key_of(cgrp);
	bpf_map_delete_elem(&churn_counts, &key);
	return 0;
}
