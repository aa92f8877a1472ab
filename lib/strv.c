// SPDX-License-Identifier: MIT
/* String vectors (hutch/strv.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hutch/strv.h"

size_t strv_len(char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

int strv_push(char ***v, const char *s)
{
	size_t n = strv_len(*v);
	char *dup = strdup(s);
	char **nv = dup ? realloc(*v, (n + 2) * sizeof(*nv)) : NULL;
	if (!nv) {
		free(dup);
		return -ENOMEM;
	}
	nv[n] = dup;
	nv[n + 1] = NULL;
	*v = nv;
	return 0;
}

int strv_index(const char *const *table, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (table[i] && strcmp(s, table[i]) == 0)
			return (int)i;
	return -1;
}
