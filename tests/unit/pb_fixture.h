/* SPDX-License-Identifier: MIT */
/*
 * Shared by the unit tests that feed protobuf scrapes to the viewer: appends
 * MetricFamily messages to a buffer as a collector answers (each preceded by
 * its length as a varint). Include after cmocka.h.
 */
#ifndef HUTCH_TEST_PB_FIXTURE_H
#define HUTCH_TEST_PB_FIXTURE_H

#include <stdlib.h>

#include "metrics.pb-c.h"

/* Appends one delimited MetricFamily to *buf (of *len bytes, grown). */
static inline void pb_put_family(unsigned char **buf, size_t *len,
				 Io__Prometheus__Client__MetricFamily *f)
{
	size_t sz = io__prometheus__client__metric_family__get_packed_size(f);
	*buf = realloc(*buf, *len + sz + 10);
	assert_non_null(*buf);
	size_t v = sz;
	do {
		unsigned char byte = v & 0x7f;
		v >>= 7;
		(*buf)[(*len)++] = byte | (v ? 0x80 : 0);
	} while (v);
	io__prometheus__client__metric_family__pack(f, *buf + *len);
	*len += sz;
}

#endif
