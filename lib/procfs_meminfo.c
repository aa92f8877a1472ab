/* SPDX-License-Identifier: MIT */
/*
 * /proc/meminfo: "Key:   value kB" lines; a few (HugePages_Total, ...) are
 * plain counts without the unit.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "procfs_internal.h"

static const struct {
	const char *key;
	size_t offset;
} known[] = {
#define K(name, field)                                       \
	{                                                    \
		name, offsetof(struct procfs_meminfo, field) \
	}
	K("MemTotal", mem_total_bytes),
	K("MemFree", mem_free_bytes),
	K("MemAvailable", mem_available_bytes),
	K("Buffers", buffers_bytes),
	K("Cached", cached_bytes),
	K("SwapCached", swap_cached_bytes),
	K("Active", active_bytes),
	K("Inactive", inactive_bytes),
	K("Active(anon)", active_anon_bytes),
	K("Inactive(anon)", inactive_anon_bytes),
	K("Active(file)", active_file_bytes),
	K("Inactive(file)", inactive_file_bytes),
	K("SwapTotal", swap_total_bytes),
	K("SwapFree", swap_free_bytes),
	K("Shmem", shmem_bytes),
	K("Mapped", mapped_bytes),
	K("Slab", slab_bytes),
	K("SReclaimable", sreclaimable_bytes),
	K("SUnreclaim", sunreclaim_bytes),
#undef K
};

static int parse_line(struct span line, struct procfs_meminfo_line *ret)
{
	struct span key, num;
	if (!procfs_split_at(&line, ':', &key) || key.n == 0)
		return -EINVAL;
	for (size_t i = 0; i < key.n; i++)
		if (key.p[i] == ' ' || key.p[i] == '\t' || key.p[i] == '\0')
			return -EINVAL;
	struct procfs_meminfo_line l = {.value_bytes = HUTCH_UNKNOWN};
	if (procfs_span_copy(key, l.key, sizeof(l.key)) < 0)
		return -EINVAL;
	if (procfs_next_field(&line, &num)) {
		uint64_t v;
		if (procfs_span_u64(num, &v) < 0)
			return -EINVAL;
		struct span unit;
		if (procfs_next_field(&line, &unit)) {
			if (!procfs_span_eq(unit, "kB"))
				return -EINVAL;
			if (v > UINT64_MAX / 1024)
				return -ERANGE;
			v *= 1024;
			l.has_kb_unit = true;
		}
		struct span extra;
		if (procfs_next_field(&line, &extra))
			return -EINVAL;
		l.value_bytes = v;
	}
	*ret = l;
	return 0;
}

int procfs_parse_meminfo(const char *buf, size_t len, struct procfs_meminfo *ret)
{
	if (!buf && len)
		return -EINVAL;
	struct procfs_meminfo mi;
	memset(&mi, 0, sizeof(mi));
	for (size_t i = 0; i < ARRAY_SIZE(known); i++)
		*(uint64_t *)((char *)&mi + known[i].offset) = HUTCH_UNKNOWN;

	size_t pos = 0, n_parsed = 0;
	struct span line;
	while (procfs_next_line(buf, len, &pos, &line)) {
		if (procfs_trim(line).n == 0)
			continue;
		struct procfs_meminfo_line l;
		int r = parse_line(line, &l);
		if (r < 0)
			return r;
		n_parsed++;
		for (size_t i = 0; i < ARRAY_SIZE(known); i++)
			if (strcmp(l.key, known[i].key) == 0)
				*(uint64_t *)((char *)&mi + known[i].offset) = l.value_bytes;
		/* Lines past the array are still parsed for the known fields, just not kept. */
		if (mi.n_lines < ARRAY_SIZE(mi.lines))
			mi.lines[mi.n_lines++] = l;
	}
	if (n_parsed == 0)
		return -EINVAL;
	*ret = mi;
	return 0;
}
