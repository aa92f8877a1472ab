/* SPDX-License-Identifier: MIT */
/*
 * Where hutch top's snapshots come from: the host itself, through libhutch's
 * sampler (the default), or a hutch-collector's /metrics in protobuf (--url).
 * Both fill the same struct viewer_snapshot; a table of functions per source.
 */
#ifndef HUTCH_VIEWER_SOURCE_H
#define HUTCH_VIEWER_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "hutch/util.h"
#include "model.h"

struct viewer_source;

struct viewer_source_ops {
	/* Fills *ret (cleared first) with every cgroup, or only containers when all is false. */
	int (*sample)(struct viewer_source *src, bool all, struct viewer_snapshot *ret,
		      struct hutch_error *err);
	/* Processes of one cgroup for the detail view; -EOPNOTSUPP where the source has none. */
	int (*processes)(struct viewer_source *src, const char *id, pid_t **ret_pids,
			 size_t *ret_n);
	/* Re-read limits and re-walk the tree at the next sample (NULL where it means nothing). */
	void (*invalidate)(struct viewer_source *src);
	void (*free)(struct viewer_source *src);
};

struct viewer_source {
	const struct viewer_source_ops *ops;
	const char *describe; /* "host (hybrid)", "http://127.0.0.1:9655/metrics" */
};

struct viewer_host_options {
	const char *root_cgroup; /* NULL = "/" */
	const char *hutch_root;	 /* NULL = /run/hutch */
};
int viewer_source_host_new(const struct viewer_host_options *opts, struct viewer_source **ret,
			   struct hutch_error *err);
int viewer_source_url_new(const char *url, unsigned timeout_ms, struct viewer_source **ret,
			  struct hutch_error *err);

static inline void viewer_source_free(struct viewer_source *src)
{
	if (src)
		src->ops->free(src);
}

struct sampler;
/* Copies a refreshed sampler's cgroups into *ret (cleared first; host facts untouched),
 * stamped with the time of the copy. Used by the host source and by tests over fixtures. */
int viewer_snapshot_from_sampler(struct sampler *s, struct viewer_snapshot *ret);

/* --url parsing: "http://HOST[:PORT][/PATH]" (PORT defaults to 80, PATH to /metrics;
 * HOST may be a [v6] literal). Returns 0 or -EINVAL. */
struct viewer_url {
	char host[256];
	char port[8];
	char path[1024];
};
int viewer_url_parse(const char *url, struct viewer_url *ret);

/*
 * An HTTP/1.0 response: the status code and where the body starts. Pure.
 * Returns 0, -EINVAL for text that is not an HTTP response, -EMSGSIZE when the
 * body is shorter than its Content-Length.
 */
int viewer_http_parse_response(const char *buf, size_t len, int *ret_status,
			       size_t *ret_body_offset, size_t *ret_body_len);

/* Fills a snapshot from a delimited io.prometheus.client.MetricFamily stream
 * (cAdvisor's names, as hutch-collector writes them). Pure; -EINVAL on bad input. */
int viewer_snapshot_from_metrics(const unsigned char *buf, size_t len, bool all,
				 struct viewer_snapshot *ret);

#endif
