/* SPDX-License-Identifier: MIT */
/*
 * sysinfo(2)'s answer for a container, made from the same container's
 * rendered proc/meminfo, proc/uptime and proc/loadavg (fsd/agent.c serves
 * it through seccomp user notification): free, uptime and getloadavg() agree
 * with the files by construction.
 */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/sysinfo.h>

#include "fsd.h"
#include "hutch/procfs.h"

#define SI_LOAD_SCALE 65536.0 /* the kernel's 1 << SI_LOAD_SHIFT */

int fsd_sysinfo_from(const char *meminfo, size_t meminfo_len, const char *uptime, size_t uptime_len,
		     const char *loadavg, size_t loadavg_len, struct sysinfo *ret)
{
	struct procfs_meminfo mi;
	struct procfs_uptime up;
	struct procfs_loadavg la;
	if (procfs_parse_meminfo(meminfo, meminfo_len, &mi) < 0 ||
	    procfs_parse_uptime(uptime, uptime_len, &up) < 0 ||
	    procfs_parse_loadavg(loadavg, loadavg_len, &la) < 0 ||
	    !hutch_known(mi.mem_total_bytes) || !hutch_known(mi.mem_free_bytes))
		return -EINVAL;
	memset(ret, 0, sizeof(*ret));
	/* The kernel rounds the boot time up to a whole second (do_sysinfo). */
	ret->uptime = (long)ceil(up.uptime_s);
	double loads[3] = {la.load1, la.load5, la.load15};
	for (size_t i = 0; i < 3; i++)
		ret->loads[i] = (unsigned long)(loads[i] * SI_LOAD_SCALE + 0.5);
	ret->totalram = mi.mem_total_bytes;
	ret->freeram = mi.mem_free_bytes;
	ret->sharedram = hutch_known(mi.shmem_bytes) ? mi.shmem_bytes : 0;
	ret->bufferram = hutch_known(mi.buffers_bytes) ? mi.buffers_bytes : 0;
	ret->totalswap = hutch_known(mi.swap_total_bytes) ? mi.swap_total_bytes : 0;
	ret->freeswap = hutch_known(mi.swap_free_bytes) ? mi.swap_free_bytes : 0;
	/* The kernel's procs is its thread count, in 16 bits. */
	ret->procs = (unsigned short)(la.total > 65535 ? 65535 : la.total);
	ret->mem_unit = 1;
	return 0;
}
