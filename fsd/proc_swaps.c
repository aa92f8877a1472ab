/* SPDX-License-Identifier: MIT */
/*
 * proc/swaps: one "none virtual" line with the container's swap (its swap
 * limit capped at the host's swap, and its use), as meminfo's SwapTotal and
 * SwapFree show it; only the header when the host has no swap.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsd.h"
#include "hutch/procfs.h"

/* The host's swap: the sum of every device's Size column (KiB). */
static int host_swap_bytes(const char *host, size_t len, uint64_t *ret)
{
	size_t pos = 0;
	uint64_t total = 0;
	bool header = true;
	for (struct span sp; procfs_next_line(host, len, &pos, &sp);) {
		const char *line = sp.p;
		size_t n = sp.n;
		if (header) {
			header = false;
			continue;
		}
		if (n == 0)
			continue;
		char tmp[512];
		if (n >= sizeof(tmp))
			return -EINVAL;
		memcpy(tmp, line, n);
		tmp[n] = '\0';
		char name[256], type[64];
		unsigned long long size_kb;
		if (sscanf(tmp, "%255s %63s %llu", name, type, &size_kb) != 3)
			return -EINVAL;
		total += size_kb * 1024;
	}
	if (header)
		return -EINVAL;
	*ret = total;
	return 0;
}

int fsd_render_swaps(const char *host, size_t len, const struct fsd_view *v, struct fsd_buf *out)
{
	uint64_t host_total;
	int r = host_swap_bytes(host, len, &host_total);
	if (r < 0)
		return r;
	size_t pos = 0;
	struct span head = {host, 0};
	procfs_next_line(host, len, &pos, &head);
	fsd_buf_append(out, head.p, head.n);
	fsd_buf_append(out, "\n", 1);
	uint64_t total, used;
	fsd_swap(v->st, host_total, &total, &used);
	if (total > 0)
		fsd_buf_printf(out, "%-40s%s\t\t%llu\t\t%llu\t\t%d\n", "none", "virtual",
			       (unsigned long long)(total / 1024),
			       (unsigned long long)(used / 1024), 0);
	return out->err;
}
