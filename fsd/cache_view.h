/* SPDX-License-Identifier: MIT */
/*
 * hutch-fsd --containers: the per-container view (fsd/cache_view.c), files
 * the kernel serves from its page cache. MOUNTPOINT/<id>/proc/meminfo ... for
 * the container whose cgroup path <id> encodes (fsd_cache_id_encode).
 */
#ifndef HUTCH_FSD_CACHE_VIEW_H
#define HUTCH_FSD_CACHE_VIEW_H

#include <stddef.h>

#include "hutch/util.h"

/* The freshness bound: content a reader gets is never older than this while it is read. */
#define FSD_CV_BOUND_MS 100

/* A cgroup path ("/hutch/abc") as one name ("hutch%2Fabc"): -EINVAL for the root. */
int fsd_cache_id_encode(const char *path, char *buf, size_t size);
/* The reverse; -EINVAL for a name that is no encoding of a cgroup path (or climbs out). */
int fsd_cache_id_decode(const char *name, char *buf, size_t size);

struct fsd_session_options;
struct fsd_state;
/* As fsd_session_run, serving the per-container view. */
int fsd_cache_view_run(const struct fsd_session_options *opts, struct fsd_state *state,
		       struct hutch_error *err);

#endif
