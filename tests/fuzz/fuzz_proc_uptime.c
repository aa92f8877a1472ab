/* SPDX-License-Identifier: MIT */
/* procfs_parse_uptime over arbitrary bytes (not NUL-terminated): never reads past len, frees all. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hutch/procfs.h"
#include "fuzz.h"

static void fuzz_one(const char *buf, size_t size)
{
	struct procfs_uptime u;
	if (procfs_parse_uptime(buf, size, &u) == 0 && (u.uptime_s < 0 || u.idle_s < 0))
		abort();
}
