/* SPDX-License-Identifier: MIT */
/* procfs_parse_mountinfo over arbitrary bytes (not NUL-terminated): never reads past len, frees all. */
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
	struct procfs_mountinfo mi;
	if (procfs_parse_mountinfo(buf, size, &mi) == 0) {
		for (size_t i = 0; i < mi.n_mounts; i++)
			if (!mi.mounts[i].root || !mi.mounts[i].mount_point ||
			    !mi.mounts[i].fstype || !mi.mounts[i].source ||
			    !mi.mounts[i].super_options)
				abort();
		procfs_mountinfo_free(&mi);
	}
	free(buf);
	return 0;
}
