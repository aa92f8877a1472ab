/* SPDX-License-Identifier: MIT */
/* procfs_parse_loadavg over arbitrary bytes (not NUL-terminated): never reads past len, frees all. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hutch/procfs.h"
#include "fuzz.h"

static void fuzz_one(const char *buf, size_t size)
{
	struct procfs_loadavg l;
	if (procfs_parse_loadavg(buf, size, &l) == 0 && l.load1 < 0)
		abort();
}
