/* SPDX-License-Identifier: MIT */
/* procfs_parse_net_dev over arbitrary bytes (not NUL-terminated): never reads past len. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hutch/procfs.h"
#include "fuzz.h"

static void fuzz_one(const char *buf, size_t size)
{
	struct procfs_net_dev devs[8];
	int n = procfs_parse_net_dev(buf, size, devs, 8);
	if (n > 8)
		abort();
	for (int i = 0; i < n; i++)
		if (strlen(devs[i].name) >= sizeof(devs[i].name))
			abort();
}
