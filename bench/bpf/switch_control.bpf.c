/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * bench/bpf_overhead.sh's control: a program loaded and attached like the
 * probes but on a tracepoint the load never hits (an OOM victim). Its
 * "slowdown" is the method's own bias and noise (loading programs between
 * batches), which the real figures should be read against.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual MIT/GPL";

SEC("tp_btf/mark_victim")
int BPF_PROG(control_victim, struct task_struct *victim)
{
	return 0;
}
