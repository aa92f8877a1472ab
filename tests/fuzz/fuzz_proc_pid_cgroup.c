/* SPDX-License-Identifier: MIT */
/* procfs_parse_pid_cgroup over arbitrary bytes (not NUL-terminated): never reads past len, frees all. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hutch/procfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy, so ASan sees any read past the end. */
	char *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	struct procfs_pid_cgroup *pc = malloc(sizeof(*pc));
	if (pc && procfs_parse_pid_cgroup(buf, size, pc) == 0) {
		if (pc->n_entries == 0 || pc->n_entries > 16)
			abort();
		for (size_t i = 0; i < pc->n_entries; i++)
			if (pc->entries[i].path[0] != '/')
				abort();
	}
	free(pc);
	free(buf);
	return 0;
}
