/* SPDX-License-Identifier: MIT */
/* discovery_parse_path over arbitrary bytes: never crashes, ids stay terminated. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hutch/discovery.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *path = malloc(size + 1);
	if (!path)
		return 0;
	memcpy(path, data, size);
	path[size] = '\0';
	struct discovery_id id;
	int r = discovery_parse_path(path, &id);
	if (r == 1 && (strlen(id.id) == 0 || strlen(id.id) >= sizeof(id.id)))
		abort();
	free(path);
	return 0;
}
