/* SPDX-License-Identifier: MIT */
/*
 * Run-queue latency per container (types only, shared by runqlat.bpf.c and
 * collector/probe_runqlat.c). Latencies are counted in units of 2^-30 s
 * (~0.93 ns) in log2 slots, so that slot k holds the latencies in
 * (2^(k-31), 2^(k-30)] seconds: exactly the bucket k - 30 of a Prometheus
 * native histogram of schema 0. Slot 0 holds those of at most 2^-30 s.
 */
#ifndef HUTCH_BPF_RUNQLAT_H
#define HUTCH_BPF_RUNQLAT_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define RUNQLAT_SLOTS	    40
#define RUNQLAT_SLOT_OFFSET 30 /* native bucket index = slot - RUNQLAT_SLOT_OFFSET */
/* Longer waits (~137 s) are counted in the last slot; keeps the scaling in 64 bits. */
#define RUNQLAT_MAX_NS (1ull << 37)

struct runqlat_hist {
	__u64 slots[RUNQLAT_SLOTS];
	__u64 sum_ns;
};

#endif
