/* SPDX-License-Identifier: MIT */
/*
 * How the probes key their maps by container (types only, shared by the BPF
 * programs and the collector). On cgroup v2 the key is the task's cgroup id
 * in the unified hierarchy; on v1 and hybrid hosts, where every process may
 * sit in the unified root, it is the id (the directory inode) of the task's
 * cgroup in one v1 hierarchy: cpu for scheduler probes, memory for OOM kills.
 */
#ifndef HUTCH_BPF_CGROUP_KEY_H
#define HUTCH_BPF_CGROUP_KEY_H

enum hutch_cgroup_key_mode {
	HUTCH_KEY_UNIFIED = 0, /* task->cgroups->dfl_cgrp */
	HUTCH_KEY_V1 = 1,      /* task->cgroups->subsys[controller]->cgroup */
};

/* Most containers a map keeps; further ones are not counted until one goes. */
#define HUTCH_BPF_MAX_CGROUPS 8192

#endif
