/* SPDX-License-Identifier: MIT */
/*
 * /proc/diskstats (Documentation/admin-guide/iostats.rst): major, minor,
 * name, then 11 fields; 4.18 added 4 discard fields, 5.5 two flush fields.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "procfs_internal.h"

#define N_BASE	  11
#define N_DISCARD 15
#define N_FLUSH	  17

static int parse_line(struct span line, struct procfs_diskstat *ret)
{
	struct procfs_diskstat d;
	memset(&d, 0, sizeof(d));
	struct span maj, min, name, f;
	uint64_t a, b;
	if (!procfs_next_field(&line, &maj) || !procfs_next_field(&line, &min) ||
	    !procfs_next_field(&line, &name) || procfs_span_u64(maj, &a) < 0 ||
	    procfs_span_u64(min, &b) < 0 || a > UINT32_MAX || b > UINT32_MAX ||
	    memchr(name.p, '\0', name.n) || procfs_span_copy(name, d.name, sizeof(d.name)) < 0)
		return -EINVAL;
	d.major = (unsigned)a;
	d.minor = (unsigned)b;

	uint64_t *fields[N_FLUSH] = {
		&d.reads,	    &d.reads_merged,
		&d.sectors_read,    &d.read_ms,
		&d.writes,	    &d.writes_merged,
		&d.sectors_written, &d.write_ms,
		&d.ios_in_progress, &d.io_ms,
		&d.weighted_io_ms,  &d.discards,
		&d.discards_merged, &d.sectors_discarded,
		&d.discard_ms,	    &d.flushes,
		&d.flush_ms,
	};
	size_t n = 0;
	while (procfs_next_field(&line, &f)) {
		uint64_t v;
		if (procfs_span_u64(f, &v) < 0)
			return -EINVAL;
		/* Fields a future kernel appends are ignored. */
		if (n < N_FLUSH)
			*fields[n] = v;
		n++;
	}
	if (n < N_BASE)
		return -EINVAL;
	for (size_t i = n < N_DISCARD ? N_BASE : (n < N_FLUSH ? N_DISCARD : N_FLUSH); i < N_FLUSH;
	     i++)
		*fields[i] = HUTCH_UNKNOWN;
	*ret = d;
	return 0;
}

int procfs_parse_diskstats(const char *buf, size_t len, struct procfs_diskstats *ret)
{
	if (!buf && len)
		return -EINVAL;
	struct procfs_diskstats ds = {0};
	size_t cap = 0, pos = 0;
	struct span line;
	int r = 0;
	while (procfs_next_line(buf, len, &pos, &line)) {
		if (procfs_trim(line).n == 0)
			continue;
		if ((r = HUTCH_GROW(ds.disks, ds.n_disks, cap, 16)) < 0)
			break;
		r = parse_line(line, &ds.disks[ds.n_disks]);
		if (r < 0)
			break;
		ds.n_disks++;
	}
	/* A host without block devices has an empty file; that is not an error. */
	if (r < 0) {
		free(ds.disks);
		return r;
	}
	*ret = ds;
	return 0;
}

void procfs_diskstats_free(struct procfs_diskstats *ds)
{
	if (!ds)
		return;
	free(ds->disks);
	ds->disks = NULL;
	ds->n_disks = 0;
}
