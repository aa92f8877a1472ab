/* SPDX-License-Identifier: MIT */
/*
 * hutch-fsd's state: which container a reader is in (the cgroup of the init
 * of its pid namespace, cached by the namespace's inode and re-validated),
 * the container's stats and rendered files (kept for a short interval so
 * many readers share one read of the cgroup), and a sampler thread that
 * keeps each container's load averages. Thread-safe: FUSE workers call
 * fsd_state_open concurrently.
 */
#ifndef HUTCH_FSD_STATE_H
#define HUTCH_FSD_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "fsd.h"

struct fsd_state_options {
	bool cfs;		     /* cut visible CPUs to the CFS quota */
	uint64_t cache_ns;	     /* how long a rendered file is reused; 0 = 100 ms */
	uint64_t sample_interval_ns; /* load average sampling; 0 = 5 s */
	uint64_t idle_expiry_ns; /* a container nobody read for this long is forgotten; 0 = 60 s */
};

/* One rendered file, shared read-only by every open of it while it is fresh. */
struct fsd_snap {
	int refs;	  /* atomic */
	uint64_t born_ns; /* when it was rendered (hutch_now_ns) */
	size_t len;
	char data[];
};
void fsd_snap_unref(struct fsd_snap *snap);

struct fsd_state;
int fsd_state_new(const struct fsd_state_options *opts, struct fsd_state **ret);
/* Starts the load average sampler; stopped by fsd_state_free. */
int fsd_state_start_sampler(struct fsd_state *s);
void fsd_state_free(struct fsd_state *s);

/*
 * The text of file as the process reader sees it: its container's view, or
 * the host's file when it is in the host's pid namespace (or in a container
 * without a cgroup of its own). A cached snapshot (and the stats under it)
 * is reused while younger than max_age_ns, 0 meaning the cache interval (a
 * longer one is cut to it). -ESRCH when the reader is gone.
 */
int fsd_state_open(struct fsd_state *s, pid_t reader, enum fsd_file file, uint64_t max_age_ns,
		   struct fsd_snap **ret_snap);

/*
 * The fast path of fsd_state_open: 1 and the snapshot when a fresh one is
 * cached for the reader's (known, recently validated) container, 0 when the
 * slow path is needed, a negative errno when the reader is gone. Never reads
 * a cgroup or waits for a lock held by a render.
 */
int fsd_state_open_cached(struct fsd_state *s, pid_t reader, enum fsd_file file,
			  uint64_t max_age_ns, struct fsd_snap **ret_snap);

/* The host's own text of file (a reference), read at most once per cache interval whoever asks. */
int fsd_state_host_text(struct fsd_state *s, enum fsd_file file, struct fsd_snap **ret_snap);

/* Counters for the log and tests. */
struct fsd_state_counters {
	uint64_t containers, lookups, resolves, renders, host_reads;
};
void fsd_state_counters(struct fsd_state *s, struct fsd_state_counters *ret);

#endif
