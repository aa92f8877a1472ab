/* SPDX-License-Identifier: MIT */
/* gzip for answers (zlib), one deflate stream reused across scrapes. */
#include <errno.h>
#include <stdlib.h>

#include <zlib.h>

#include "expo.h"

struct expo_gzip {
	z_stream zs;
};

int expo_gzip_new(struct expo_gzip **ret)
{
	struct expo_gzip *g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	/* windowBits 15 + 16: a gzip wrapper; level 1: scrapes favour CPU over bytes. */
	if (deflateInit2(&g->zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(g);
		return -ENOMEM;
	}
	*ret = g;
	return 0;
}

void expo_gzip_free(struct expo_gzip *g)
{
	if (!g)
		return;
	deflateEnd(&g->zs);
	free(g);
}

int expo_gzip(struct expo_gzip *g, const char *in, size_t len, struct expo_buf *out)
{
	if (deflateReset(&g->zs) != Z_OK)
		return -EIO;
	out->len = 0;
	size_t bound = deflateBound(&g->zs, len) + 64;
	if (expo_buf_reserve(out, bound) < 0)
		return -ENOMEM;
	g->zs.next_in = (Bytef *)in;
	g->zs.avail_in = (uInt)len;
	g->zs.next_out = (Bytef *)out->data;
	g->zs.avail_out = (uInt)out->cap;
	int r = deflate(&g->zs, Z_FINISH);
	if (r != Z_STREAM_END)
		return -EIO;
	out->len = out->cap - g->zs.avail_out;
	return 0;
}
