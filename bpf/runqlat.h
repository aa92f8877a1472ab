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

/* The sum first: with a cache entry's key and serial, it shares the cache line of the first slots. */
struct runqlat_hist {
	__u64 sum_ns;
	__u64 slots[RUNQLAT_SLOTS];
};

/*
 * The fast path: a per-CPU table, direct-mapped by the low bits of the
 * serial number of the css a task is keyed by (css->serial_nr: one load from
 * the task's css set, where the cgroup id takes two or three more; unique for
 * the boot, never reused, so an entry's owner cannot be mistaken for a later
 * cgroup), whose entries belong to one cgroup each (key 0: free). A CPU
 * counts into its own entry without atomics and without a hash lookup; a
 * cgroup whose entry is taken by another goes to the shared hash
 * (runqlat_hists) instead. A container's histogram is the sum of its
 * entries, found by key, on every CPU and its hash entry: the collector
 * reads the whole table once per scrape.
 */
#define RUNQLAT_CACHE_SLOTS 256 /* a power of two */
#define RUNQLAT_MAX_CPUS    4096

struct runqlat_cache_entry {
	__u64 key;    /* the cgroup id, as the collector knows it; 0: free */
	__u64 serial; /* the keyed css's serial number */
	struct runqlat_hist hist;
};

#endif
