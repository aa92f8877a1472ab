/* SPDX-License-Identifier: MIT */
/* procfs_parse_meminfo over arbitrary bytes (not NUL-terminated): never reads past len, frees all. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hutch/procfs.h"
#include "fuzz.h"

static void fuzz_one(const char *buf, size_t size)
{
	struct procfs_meminfo *mi = malloc(sizeof(*mi));
	if (mi && procfs_parse_meminfo(buf, size, mi) == 0) {
		if (mi->n_lines > sizeof(mi->lines) / sizeof(mi->lines[0]))
			abort();
		for (size_t i = 0; i < mi->n_lines; i++)
			if (strlen(mi->lines[i].key) >= sizeof(mi->lines[i].key))
				abort();
	}
	free(mi);
}
