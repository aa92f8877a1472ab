/* SPDX-License-Identifier: MIT */
/* procfs_parse_pid_stat over arbitrary bytes (not NUL-terminated): never reads past len, frees all. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hutch/procfs.h"
#include "fuzz.h"

static void fuzz_one(const char *buf, size_t size)
{
	struct procfs_pid_stat st;
	if (procfs_parse_pid_stat(buf, size, &st) == 0 && strlen(st.comm) >= sizeof(st.comm))
		abort();
}
