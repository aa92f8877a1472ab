/* SPDX-License-Identifier: MIT */
/* OOM kills per container, by the victim's memory cgroup (types only). */
#ifndef HUTCH_BPF_OOMKILL_H
#define HUTCH_BPF_OOMKILL_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

struct oomkill_count {
	__u64 kills;
};

#endif
