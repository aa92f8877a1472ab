/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Run-queue latency per container: the time from a task's wakeup (or its
 * preemption while runnable) to its running, as a log2 histogram per
 * container cgroup (see runqlat.h for the slots).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "compat.h"
#include "runqlat.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/*
 * Which switch program the loader keeps (the others stay unloaded), so that
 * what varies by kernel and host is fixed in each program's code and the
 * program reads no option at run time:
 * - where the queueing stamp comes from: when the kernel keeps
 *   task_struct::sched_info (CONFIG_SCHED_INFO, on with delay accounting or
 *   schedstats), the scheduler stamps each task with the run queue's clock
 *   when it is queued (sched_info.last_queued, cleared when it runs, after
 *   the sched_switch tracepoint), and sched_switch alone is enough
 *   (runqlat_switch*); otherwise the wakeup programs keep the stamp in task
 *   storage (runqlat_switch_ts*);
 * - which cgroup keys the histogram: the unified one, or the cpu
 *   controller's v1 one (*_v1).
 */
/* When each task was last made runnable; 0 once it ran (without sched_info). */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} runqlat_start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, HUTCH_BPF_MAX_CGROUPS);
	__type(key, __u64);
	__type(value, struct runqlat_hist);
} runqlat_hists SEC(".maps");

static const struct runqlat_hist zero_hist;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, RUNQLAT_CACHE_SLOTS);
	__type(key, __u32);
	__type(value, struct runqlat_cache_entry);
} runqlat_cache SEC(".maps");

/* Possible CPUs, set by the loader: the rmdir program frees the entries on each. */
const volatile __u32 nr_cpus = 1;

/*
 * The clock of the run queue a task is on. The scheduler updates it under
 * the run queue's lock just before each of these tracepoints (update_rq_clock
 * in __schedule, try_to_wake_up and wake_up_new_task), so reading it costs a
 * few loads, where bpf_ktime_get_ns reads the clock source again: on a
 * virtual machine that was the most expensive step of the program. The run
 * queue is reached through the task's CFS run queue (set for every task
 * when it is placed on a CPU); kernels without CONFIG_FAIR_GROUP_SCHED have
 * no cfs_rq::rq and read the clock.
 */
static __always_inline __u64 task_rq_clock(struct task_struct *t)
{
	if (bpf_core_field_exists(struct cfs_rq, rq)) {
		struct cfs_rq *cfs = t->se.cfs_rq;
		if (cfs)
			return cfs->rq->clock;
	}
	return bpf_ktime_get_ns();
}

static __always_inline void enqueued(struct task_struct *p, __u64 now)
{
	if (!p->pid) /* the idle task */
		return;
	__u64 *ts = bpf_task_storage_get(&runqlat_start, p, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (ts)
		*ts = now;
}

/*
 * The smallest k with 2^k >= v (0 for v <= 1), without branches on v (the
 * BPF instruction set has no conditional move, so a comparison per step
 * would be a jump, mispredicted whenever latencies move between slots):
 * the bits below the highest of v - 1 are all set, then counted.
 */
static __always_inline __u64 log2_ceil(__u64 v)
{
	if (v <= 1)
		return 0;
	v--;
	v |= v >> 1;
	v |= v >> 2;
	v |= v >> 4;
	v |= v >> 8;
	v |= v >> 16;
	v |= v >> 32;
	v -= (v >> 1) & 0x5555555555555555ull;
	v = (v & 0x3333333333333333ull) + ((v >> 2) & 0x3333333333333333ull);
	v = (v + (v >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return (v * 0x0101010101010101ull) >> 56;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(runqlat_wakeup, struct task_struct *p)
{
	enqueued(p, task_rq_clock(p));
	return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(runqlat_wakeup_new, struct task_struct *p)
{
	enqueued(p, task_rq_clock(p));
	return 0;
}

/*
 * The css a task's histogram is keyed by (as task_cgroup_key_in's cgroup):
 * its unified cgroup's own, or its css of the v1 controller subsys.
 */
static __always_inline struct cgroup_subsys_state *task_keyed_css(struct task_struct *t, int mode,
								  int subsys)
{
	struct css_set *cs = t->cgroups;
	if (mode == HUTCH_KEY_V1)
		return cs->subsys[subsys];
	return &cs->dfl_cgrp->self;
}

/* Counts one wait of ns in the histogram of css's cgroup. */
static __always_inline void count_wait(struct cgroup_subsys_state *css, __u64 ns)
{
	if (ns > RUNQLAT_MAX_NS)
		ns = RUNQLAT_MAX_NS;
	/* ns * 2^30 / 10^9 = ns * 1.073741824, without a division: 0.073741824 * 2^26 is
	 * 4948730.04 (relative error 1e-9, far below a bucket); no overflow below 2^37 ns. */
	__u64 units = ns + ((ns * 4948730ull) >> 26);
	__u64 slot = clamp_index(log2_ceil(units), RUNQLAT_SLOTS - 1);

	__u64 serial = css->serial_nr;
	__u32 idx = serial & (RUNQLAT_CACHE_SLOTS - 1);
	/* This CPU's entry (an array lookup the verifier inlines); no other CPU writes it
	 * but to free it, and the tracepoint runs with preemption off. */
	struct runqlat_cache_entry *e = bpf_map_lookup_elem(&runqlat_cache, &idx);
	if (!e)
		return;
	if (e->serial == serial) {
		e->hist.slots[slot]++;
		e->hist.sum_ns += ns;
		return;
	}
	/* Not this cgroup's entry: the cgroup id, read only here. */
	__u64 key = kernfs_node_ino(css->cgroup->kn);
	if (e->key == 0) {
		__builtin_memset(&e->hist, 0, sizeof(e->hist));
		e->serial = serial;
		e->key = key;
		e->hist.slots[slot] = 1;
		e->hist.sum_ns = ns;
		return;
	}
	struct runqlat_hist *h = bpf_map_lookup_elem(&runqlat_hists, &key);
	if (!h) {
		bpf_map_update_elem(&runqlat_hists, &key, &zero_hist, BPF_NOEXIST);
		h = bpf_map_lookup_elem(&runqlat_hists, &key);
		if (!h) {
			count_dropped();
			return;
		}
	}
	__sync_fetch_and_add(&h->slots[slot], 1);
	__sync_fetch_and_add(&h->sum_ns, ns);
}

/*
 * next starts running: its wait since it was queued is counted. sched_info
 * and key_mode are constants in each program below.
 */
static __always_inline void switched(struct task_struct *prev, struct task_struct *next,
				     bool sched_info, int key_mode)
{
	__u64 now = task_rq_clock(next), queued;
	if (sched_info) {
		queued = next->sched_info.last_queued;
		if (!queued)
			return;
	} else {
		/* A task switched out while still runnable waits in the queue from now. */
		if (task_state(prev) == 0 /* TASK_RUNNING */)
			enqueued(prev, now);
		if (!next->pid)
			return;
		__u64 *ts = bpf_task_storage_get(&runqlat_start, next, 0, 0);
		if (!ts || !*ts)
			return;
		queued = *ts;
		*ts = 0;
	}
	/* Run queues' clocks agree to a few microseconds when a task moved: never negative. */
	__s64 waited = now - queued;
	count_wait(task_keyed_css(next, key_mode,
				  bpf_core_enum_value(enum cgroup_subsys_id, cpu_cgrp_id)),
		   waited > 0 ? waited : 0);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(runqlat_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	switched(prev, next, true, HUTCH_KEY_UNIFIED);
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(runqlat_switch_v1, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	switched(prev, next, true, HUTCH_KEY_V1);
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(runqlat_switch_ts, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	switched(prev, next, false, HUTCH_KEY_UNIFIED);
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(runqlat_switch_ts_v1, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	switched(prev, next, false, HUTCH_KEY_V1);
	return 0;
}

/* A container's cgroup goes: its histogram goes with it. */
SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(runqlat_rmdir, struct cgroup *cgrp, const char *path)
{
	int cpu_id = bpf_core_enum_value(enum cgroup_subsys_id, cpu_cgrp_id);
	if (!cgroup_is_keyed(cgrp, cpu_id))
		return 0;
	/* The keyed css, as task_keyed_css finds it (still set: its release waits for
	 * cgroup_mutex, which rmdir holds). */
	struct cgroup_subsys_state *css =
		cgroup_key_mode == HUTCH_KEY_V1 ? cgrp->subsys[cpu_id] : &cgrp->self;
	__u64 key = cgroup_key_of(cgrp);
	if (css) {
		__u64 serial = css->serial_nr;
		__u32 idx = serial & (RUNQLAT_CACHE_SLOTS - 1);
		for (__u32 cpu = 0; cpu < RUNQLAT_MAX_CPUS && cpu < nr_cpus; cpu++) {
			struct runqlat_cache_entry *e =
				bpf_map_lookup_percpu_elem(&runqlat_cache, &idx, cpu);
			if (e && e->serial == serial) {
				e->key = 0; /* the next owner clears the counts */
				e->serial = 0;
			}
		}
	}
	bpf_map_delete_elem(&runqlat_hists, &key);
	return 0;
}
