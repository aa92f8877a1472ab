/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * bench/bpf_overhead.sh's references, not probes. floor_switch does nothing
 * on every context switch: what it costs is the kernel's own price of
 * running any BPF program on sched_switch (the tracepoint, the BPF
 * dispatch), which no probe keyed on context switches can go below.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual MIT/GPL";

SEC("tp_btf/sched_switch")
int BPF_PROG(floor_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return 0;
}
