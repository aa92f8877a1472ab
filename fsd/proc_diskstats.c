/* SPDX-License-Identifier: MIT */
/*
 * proc/diskstats: the host's devices with the container's own IO (v1 blkio,
 * v2 io.stat): completed reads and writes and sectors of 512 bytes. The
 * cgroup has no merge, queue or time counters: those read 0.
 */
#include <errno.h>

#include "fsd.h"
#include "hutch/procfs.h"

int fsd_render_diskstats(const char *host, size_t len, const struct fsd_view *v,
			 struct fsd_buf *out)
{
	struct procfs_diskstats ds = {0};
	int r = procfs_parse_diskstats(host, len, &ds);
	if (r < 0)
		return r;
	const struct cgroup_stats *st = v->st;
	for (size_t i = 0; i < ds.n_disks; i++) {
		const struct procfs_diskstat *d = &ds.disks[i];
		const struct cgroup_blkio_device *io = NULL;
		for (size_t j = 0; j < st->n_blkio; j++)
			if (st->blkio[j].major == d->major && st->blkio[j].minor == d->minor)
				io = &st->blkio[j];
		uint64_t rd = 0, rs = 0, wr = 0, ws = 0;
		if (io) {
			rd = hutch_known(io->read_ios) ? io->read_ios : 0;
			wr = hutch_known(io->write_ios) ? io->write_ios : 0;
			rs = hutch_known(io->read_bytes) ? io->read_bytes / 512 : 0;
			ws = hutch_known(io->write_bytes) ? io->write_bytes / 512 : 0;
		}
		fsd_buf_printf(out, "%4u %7u %s %llu 0 %llu 0 %llu 0 %llu 0 0 0 0 0 0 0 0 0 0\n",
			       d->major, d->minor, d->name, (unsigned long long)rd,
			       (unsigned long long)rs, (unsigned long long)wr,
			       (unsigned long long)ws);
	}
	procfs_diskstats_free(&ds);
	return out->err;
}
