/* SPDX-License-Identifier: MIT */
/* Process churn per container: new processes (not threads) and execs (types only). */
#ifndef HUTCH_BPF_CHURN_H
#define HUTCH_BPF_CHURN_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

struct churn_count {
	__u64 forks, execs;
};

#endif
