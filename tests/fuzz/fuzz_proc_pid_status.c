/* SPDX-License-Identifier: MIT */
/* procfs_parse_pid_status over arbitrary bytes (not NUL-terminated): never reads past len, frees all. */
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
	struct procfs_pid_status st;
	if (procfs_parse_pid_status(buf, size, &st) == 0 &&
	    (strlen(st.name) >= sizeof(st.name) || st.n_nspid > 8))
		abort();
	free(buf);
	return 0;
}
