/* SPDX-License-Identifier: MIT */
/* procfs_parse_pid_cgroup over arbitrary bytes (not NUL-terminated): never reads past len, frees all. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hutch/procfs.h"
#include "fuzz.h"

static void fuzz_one(const char *buf, size_t size)
{
	struct procfs_pid_cgroup *pc = malloc(sizeof(*pc));
	if (pc && procfs_parse_pid_cgroup(buf, size, pc) == 0) {
		if (pc->n_entries == 0 || pc->n_entries > 16)
			abort();
		for (size_t i = 0; i < pc->n_entries; i++)
			if (pc->entries[i].path[0] != '/')
				abort();
	}
	free(pc);
}
