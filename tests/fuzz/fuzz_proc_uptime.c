/* SPDX-License-Identifier: MIT */
/* procfs_parse_uptime over arbitrary bytes (not NUL-terminated): never reads past len, frees all. */
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
	struct procfs_uptime u;
	if (procfs_parse_uptime(buf, size, &u) == 0 && (u.uptime_s < 0 || u.idle_s < 0))
		abort();
	free(buf);
	return 0;
}
