/* SPDX-License-Identifier: MIT */
/*
 * /proc/cpuinfo: blocks of "key\t: value" lines separated by blank lines,
 * one per online CPU, each starting with "processor". Some architectures
 * (arm) end with a block that has no processor line (Hardware, Revision).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "procfs_internal.h"

static int add_block(struct procfs_cpuinfo *ci, size_t *cap, const struct procfs_cpuinfo_block *b)
{
	if (HUTCH_GROW(ci->blocks, ci->n_blocks, *cap, 16) < 0)
		return -ENOMEM;
	ci->blocks[ci->n_blocks++] = *b;
	return 0;
}

int procfs_parse_cpuinfo(const char *buf, size_t len, struct procfs_cpuinfo *ret)
{
	if (!buf && len)
		return -EINVAL;
	struct procfs_cpuinfo ci = {0};
	size_t cap = 0, pos = 0, n_processors = 0;
	struct procfs_cpuinfo_block cur = {.processor = -1};
	bool in_block = false;
	struct span line;
	int r = 0;
	for (;;) {
		size_t start = pos;
		bool more = procfs_next_line(buf, len, &pos, &line);
		if (!more || procfs_trim(line).n == 0) {
			if (in_block) {
				cur.length = start - cur.offset;
				r = add_block(&ci, &cap, &cur);
				if (r < 0)
					break;
				in_block = false;
			}
			if (!more)
				break;
			continue;
		}
		if (!in_block) {
			cur = (struct procfs_cpuinfo_block){.processor = -1, .offset = start};
			in_block = true;
		}
		struct span key, value = line;
		if (!procfs_split_at(&value, ':', &key)) {
			r = -EINVAL;
			break;
		}
		if (procfs_span_eq(procfs_trim(key), "processor")) {
			int cpu;
			if (cur.processor >= 0 || procfs_span_int(procfs_trim(value), &cpu) < 0 ||
			    cpu < 0) {
				r = -EINVAL;
				break;
			}
			cur.processor = cpu;
			n_processors++;
		}
	}
	if (r == 0 && n_processors == 0)
		r = -EINVAL;
	if (r < 0) {
		free(ci.blocks);
		return r;
	}
	*ret = ci;
	return 0;
}

void procfs_cpuinfo_free(struct procfs_cpuinfo *ci)
{
	if (!ci)
		return;
	free(ci->blocks);
	ci->blocks = NULL;
	ci->n_blocks = 0;
}
