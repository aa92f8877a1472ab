/* SPDX-License-Identifier: MIT */
/* procfs_parse_cpuinfo over arbitrary bytes (not NUL-terminated): never reads past len, frees all. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hutch/procfs.h"
#include "fuzz.h"

static void fuzz_one(const char *buf, size_t size)
{
	struct procfs_cpuinfo ci;
	if (procfs_parse_cpuinfo(buf, size, &ci) == 0) {
		for (size_t i = 0; i < ci.n_blocks; i++)
			if (ci.blocks[i].offset + ci.blocks[i].length > size)
				abort();
		procfs_cpuinfo_free(&ci);
	}
}
