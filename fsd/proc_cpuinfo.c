/* SPDX-License-Identifier: MIT */
/*
 * proc/cpuinfo: only the blocks of the CPUs the container sees, renumbered
 * from 0, so programs that count "processor" lines count the visible CPUs.
 */
#include <errno.h>
#include <string.h>

#include "fsd.h"
#include "hutch/procfs.h"

/* Copies one block, its "processor" line (wherever it is) numbered idx. */
static void copy_block(const char *text, size_t n, int idx, struct fsd_buf *out)
{
	size_t pos = 0;
	for (struct span sp; procfs_next_line(text, n, &pos, &sp);) {
		const char *line = sp.p;
		size_t ln = sp.n;
		if (idx >= 0 && ln >= 9 && memcmp(line, "processor", 9) == 0) {
			const char *colon = memchr(line, ':', ln);
			if (colon) {
				fsd_buf_append(out, line, (size_t)(colon - line));
				fsd_buf_printf(out, ": %d\n", idx);
				continue;
			}
		}
		fsd_buf_append(out, line, ln);
		fsd_buf_append(out, "\n", 1);
	}
}

int fsd_render_cpuinfo(const char *host, size_t len, const struct fsd_view *v, struct fsd_buf *out)
{
	struct procfs_cpuinfo ci = {0};
	int r = procfs_parse_cpuinfo(host, len, &ci);
	if (r < 0)
		return r;
	int idx = 0;
	for (size_t i = 0; i < ci.n_blocks; i++) {
		const struct procfs_cpuinfo_block *b = &ci.blocks[i];
		if (b->processor >= 0 && (b->processor >= HUTCH_MAX_CPUS ||
					  !hutch_cpuset_has(&v->visible, (unsigned)b->processor)))
			continue;
		if (b->offset > len || b->length > len - b->offset)
			continue;
		copy_block(host + b->offset, b->length, b->processor >= 0 ? idx++ : -1, out);
		fsd_buf_append(out, "\n", 1);
	}
	procfs_cpuinfo_free(&ci);
	return out->err;
}
