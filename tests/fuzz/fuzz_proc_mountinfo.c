/* SPDX-License-Identifier: MIT */
/* procfs_parse_mountinfo over arbitrary bytes (not NUL-terminated): never reads past len, frees all. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hutch/procfs.h"
#include "fuzz.h"

static void fuzz_one(const char *buf, size_t size)
{
	struct procfs_mountinfo mi;
	if (procfs_parse_mountinfo(buf, size, &mi) == 0) {
		for (size_t i = 0; i < mi.n_mounts; i++)
			if (!mi.mounts[i].root || !mi.mounts[i].mount_point ||
			    !mi.mounts[i].fstype || !mi.mounts[i].source ||
			    !mi.mounts[i].super_options)
				abort();
		procfs_mountinfo_free(&mi);
	}
}
