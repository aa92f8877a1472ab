/* SPDX-License-Identifier: MIT */
/* procfs_parse_stat over arbitrary bytes (not NUL-terminated): never reads past len, frees all. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hutch/procfs.h"
#include "fuzz.h"

static void fuzz_one(const char *buf, size_t size)
{
	struct procfs_stat st;
	if (procfs_parse_stat(buf, size, &st) == 0) {
		if (st.tail_offset > size)
			abort();
		procfs_stat_free(&st);
	}
}
