/* SPDX-License-Identifier: MIT */
/* procfs_parse_net_dev over arbitrary bytes (not NUL-terminated): never reads past len. */
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
	struct procfs_net_dev devs[8];
	int n = procfs_parse_net_dev(buf, size, devs, 8);
	if (n > 8)
		abort();
	for (int i = 0; i < n; i++)
		if (strlen(devs[i].name) >= sizeof(devs[i].name))
			abort();
	free(buf);
	return 0;
}
