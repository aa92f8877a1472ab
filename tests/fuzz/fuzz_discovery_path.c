/* SPDX-License-Identifier: MIT */
/* discovery_parse_path over arbitrary bytes: never crashes, ids stay terminated. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hutch/discovery.h"
#define FUZZ_TEXT
#include "fuzz.h"

static void fuzz_one(const char *path, size_t size)
{
	struct discovery_id id;
	int r = discovery_parse_path(path, &id);
	if (r == 1 && (strlen(id.id) == 0 || strlen(id.id) >= sizeof(id.id)))
		abort();
}
