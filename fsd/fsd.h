/* SPDX-License-Identifier: MIT */
/*
 * hutch-fsd's core: the virtual files and the pure functions that render
 * them. A render function takes the host's own file (a buffer, as read from
 * /proc) and a struct fsd_view of the reader's container, and writes the text
 * the container sees. No I/O happens in a renderer; fsd/state.c gathers the
 * view and fsd/session.c serves the result over FUSE.
 */
#ifndef HUTCH_FSD_H
#define HUTCH_FSD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hutch/cgroup.h"
#include "hutch/util.h"

enum fsd_file {
	FSD_MEMINFO,
	FSD_CPUINFO,
	FSD_STAT,
	FSD_UPTIME,
	FSD_LOADAVG,
	FSD_DISKSTATS,
	FSD_SWAPS,
	FSD_PSI_CPU,
	FSD_PSI_MEMORY,
	FSD_PSI_IO,
	FSD_CPU_ONLINE,
	FSD_SLABINFO,
	FSD_FILE_COUNT,
};

/* The path below the mount point (lxcfs's layout) and the host file it stands for. */
struct fsd_file_info {
	const char *path;
	const char *host_path;
};
extern const struct fsd_file_info fsd_files[FSD_FILE_COUNT];

/* A growing text buffer; a failed allocation sticks in err and is reported once at the end. */
struct fsd_buf {
	char *data;
	size_t len, cap;
	int err;
};
void fsd_buf_append(struct fsd_buf *b, const char *s, size_t n);
void fsd_buf_printf(struct fsd_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* v in decimal, right-aligned in width columns ("%*llu" without printf's cost). */
void fsd_buf_u64(struct fsd_buf *b, uint64_t v, unsigned width);
void fsd_buf_free(struct fsd_buf *b);

/*
 * What proc/meminfo takes from the host's file: parsed once per read of it
 * (fsd_meminfo_host) and shared by every container rendered meanwhile.
 */
struct fsd_host_meminfo {
	int parsed; /* 0, or the parser's negative errno */
	uint64_t total_bytes, swap_total_bytes, slab_bytes, sreclaimable_bytes;
};
void fsd_meminfo_host(const char *host, size_t len, struct fsd_host_meminfo *ret);

/* Everything a renderer knows about the reader's container. */
struct fsd_view {
	const struct cgroup_stats *st;
	/* The CPUs the container sees, in the host's numbering (fsd_visible_cpus). */
	struct hutch_cpuset visible;
	/* The visible set is the cpuset cut down by the CFS quota (per-CPU usage no longer maps 1:1). */
	bool cpus_cut;
	/* The container's unified-hierarchy cgroup is the root: its pressure files are the host's. */
	bool psi_is_host;
	unsigned user_hz;
	/* The container's init start, seconds since boot; negative when unknown. */
	double init_start_s;
	/* Seconds since boot when the view was taken (CLOCK_BOOTTIME); negative when unknown. */
	double now_s;
	/* From the background sampler; has_tasks false before the first sample. */
	bool has_tasks;
	uint64_t tasks_running, tasks_blocked, tasks_total, last_pid;
	double load1, load5, load15;
	/*
	 * proc/stat's last CPU lines (n_cpu_floor rows of PROCFS_CPU_TIME_COUNT,
	 * by visible index), kept by the caller between renders: no counter goes
	 * backwards (a container may use more than its visible CPUs for a moment,
	 * and the user/system split moves by a tick), which would show top a
	 * negative delta. NULL: none kept. The stat renderer updates them.
	 */
	uint64_t *cpu_floor;
	/*
	 * Per visible CPU (n_cpu_floor entries, kept with cpu_floor): ticks the
	 * cgroup used before the container's init started, found when its usage
	 * exceeded the time since: its idle clock starts that much earlier, so
	 * idle counts from then rather than staying 0. NULL: none kept.
	 */
	uint64_t *idle_offset;
	size_t n_cpu_floor;
	/* The host's meminfo parsed (the text given must be the one parsed); NULL: the renderer parses it. */
	const struct fsd_host_meminfo *host_meminfo;
};
void fsd_view_init(struct fsd_view *v, const struct cgroup_stats *st);

/*
 * The CPUs a container sees: its effective cpuset (the host's online CPUs
 * when it has none), and, when cfs is true and a CPU quota is set anywhere
 * above, only the first ceil(quota/period) of them. ret_cut says whether
 * the quota cut the set.
 */
void fsd_visible_cpus(const struct cgroup_stats *st, const struct hutch_cpuset *host_online,
		      bool cfs, struct hutch_cpuset *ret, bool *ret_cut);

/* Renderers: 0 or a negative errno (-EINVAL for a host file they cannot parse). */
int fsd_render_meminfo(const char *host, size_t len, const struct fsd_view *v, struct fsd_buf *out);
int fsd_render_cpuinfo(const char *host, size_t len, const struct fsd_view *v, struct fsd_buf *out);
int fsd_render_stat(const char *host, size_t len, const struct fsd_view *v, struct fsd_buf *out);
int fsd_render_uptime(const char *host, size_t len, const struct fsd_view *v, struct fsd_buf *out);
int fsd_render_loadavg(const char *host, size_t len, const struct fsd_view *v, struct fsd_buf *out);
int fsd_render_diskstats(const char *host, size_t len, const struct fsd_view *v,
			 struct fsd_buf *out);
int fsd_render_swaps(const char *host, size_t len, const struct fsd_view *v, struct fsd_buf *out);
int fsd_render_slabinfo(const char *host, size_t len, const struct fsd_view *v,
			struct fsd_buf *out);
/* file is FSD_PSI_CPU, FSD_PSI_MEMORY or FSD_PSI_IO; -ENOENT when the cgroup has no PSI. */
int fsd_render_pressure(enum fsd_file file, const struct fsd_view *v, struct fsd_buf *out);
int fsd_render_cpu_online(const struct fsd_view *v, struct fsd_buf *out);
/*
 * The rest of sys/devices/system/cpu for a container reader whose online
 * list is ONLINE ("0-3", as fsd_render_cpu_online wrote it): the text of the
 * directory's file NAME when it is one the reader sees differently from the
 * host (possible, present, enabled: its online list; offline, isolated,
 * nohz_full: empty), -ENOENT for the host's own; and whether the entry
 * NAME (cpuN) is a CPU the reader does not see.
 */
int fsd_cpu_dir_text(const char *name, const char *online, struct fsd_buf *out);
bool fsd_cpu_dir_hidden(const char *name, const char *online);

/* Dispatches on file (the host buffer is ignored by the files that need none). */
int fsd_render(enum fsd_file file, const char *host, size_t len, const struct fsd_view *v,
	       struct fsd_buf *out);

/*
 * Swap as the container sees it (meminfo and swaps agree): the swap limit
 * capped at the host's swap, and the container's swap use.
 */
void fsd_swap(const struct cgroup_stats *st, uint64_t host_total_bytes, uint64_t *ret_total,
	      uint64_t *ret_used);

/*
 * sysinfo(2)'s struct for a container from its rendered proc/meminfo,
 * proc/uptime and proc/loadavg (fsd/sysinfo.c): -EINVAL when one does not parse.
 */
struct sysinfo;
int fsd_sysinfo_from(const char *meminfo, size_t meminfo_len, const char *uptime, size_t uptime_len,
		     const char *loadavg, size_t loadavg_len, struct sysinfo *ret);

/* Kernel-style load averages, updated every 5 s (kernel/sched/loadavg.c's calc_load). */
struct fsd_load {
	double load1, load5, load15;
};
void fsd_load_update(struct fsd_load *l, uint64_t active_tasks, double interval_s);

#endif
