/* SPDX-License-Identifier: MIT */
/* procfs_parse_diskstats over arbitrary bytes (not NUL-terminated): never reads past len, frees all. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hutch/procfs.h"
#include "fuzz.h"

static void fuzz_one(const char *buf, size_t size)
{
	struct procfs_diskstats ds;
	if (procfs_parse_diskstats(buf, size, &ds) == 0) {
		for (size_t i = 0; i < ds.n_disks; i++)
			if (strlen(ds.disks[i].name) >= sizeof(ds.disks[i].name))
				abort();
		procfs_diskstats_free(&ds);
	}
}
