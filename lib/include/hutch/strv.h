/* SPDX-License-Identifier: MIT */
/*
 * String vectors: NULL-terminated arrays of malloc'd strings (argv, env).
 * A NULL vector is the empty one; every function takes it.
 */
#ifndef HUTCH_STRV_H
#define HUTCH_STRV_H

#include <stddef.h>

#include "hutch/util.h"

size_t strv_len(char *const *v);
/* Frees every string and the array; NULL is fine. */
void strv_free(char **v);
/* Appends a copy of s; -ENOMEM leaves *v as it was. */
int strv_push(char ***v, const char *s);
/* The index of s in a table of n strings (NULL entries are skipped), or -1. */
int strv_index(const char *const *table, size_t n, const char *s);

static inline void strv_freep(char ***v)
{
	strv_free(*v);
}
#define _cleanup_strv_free_ _cleanup_(strv_freep)

#endif
