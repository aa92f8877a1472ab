/* SPDX-License-Identifier: MIT */
/*
 * Bounded text scanning shared by the /proc parsers. Every helper works on a
 * (pointer, length) span and never reads past it, so the parsers accept
 * buffers that are not NUL-terminated and cannot run off the end of garbage.
 */
#ifndef HUTCH_PROCFS_INTERNAL_H
#define HUTCH_PROCFS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hutch/procfs.h"
#include "hutch/util.h"

/* struct span and procfs_next_line are in hutch/procfs.h (fsd's renderers use them too). */
/* The next field separated by spaces or tabs, consumed from s; false when none is left. */
bool procfs_next_field(struct span *s, struct span *ret_field);
/* Splits s at the first c: head before it, s keeps what follows. False when c is absent. */
bool procfs_split_at(struct span *s, char c, struct span *ret_head);
struct span procfs_trim(struct span s);
bool procfs_span_eq(struct span s, const char *str);
bool procfs_span_starts(struct span s, const char *prefix);
/* Decimal digits only (no sign, no blanks); -EINVAL otherwise, -ERANGE past 2^64-1. */
int procfs_span_u64(struct span s, uint64_t *ret);
/* An optional '-' and decimal digits. */
int procfs_span_i64(struct span s, int64_t *ret);
int procfs_span_int(struct span s, int *ret);
/* A finite, non-negative decimal like "12345.67". */
int procfs_span_double(struct span s, double *ret);
/* Copies s into dst (size bytes, NUL-terminated); -ENAMETOOLONG if it does not fit. */
int procfs_span_copy(struct span s, char *dst, size_t size);
/* Copies s into dst, truncating (for names that are only shown). */
void procfs_span_copy_trunc(struct span s, char *dst, size_t size);

#endif
