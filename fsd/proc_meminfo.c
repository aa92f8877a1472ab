/* SPDX-License-Identifier: MIT */
/*
 * proc/meminfo: the host's file with the container's memory in the lines
 * free, top, htop and JVMs read. MemTotal is the memory limit (the smallest
 * over the cgroup's ancestors, never above the host's RAM); lines the cgroup
 * has nothing for are copied from the host.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsd.h"
#include "hutch/procfs.h"

static uint64_t or0(uint64_t v)
{
	return hutch_known(v) ? v : 0;
}

static uint64_t minu(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/*
 * memcg v1 prints no slab lines; its kmem counter charges all kernel memory
 * (slab, and the stacks and page tables that are a small part of it): the
 * container's Slab, split into reclaimable and not as the host's Slab is.
 */
static void v1_slab(uint64_t kernel, uint64_t host_slab, uint64_t host_sr, uint64_t *ret_sr,
		    uint64_t *ret_su)
{
	uint64_t sr = 0;
	if (hutch_known(host_slab) && hutch_known(host_sr) && host_slab && host_sr <= host_slab)
		sr = (uint64_t)((double)kernel * (double)host_sr / (double)host_slab);
	*ret_sr = sr;
	*ret_su = kernel - sr;
}

void fsd_meminfo_host(const char *host, size_t len, struct fsd_host_meminfo *ret)
{
	*ret = (struct fsd_host_meminfo){.parsed = -ENOMEM};
	struct procfs_meminfo *mi = malloc(sizeof(*mi));
	if (!mi)
		return;
	ret->parsed = procfs_parse_meminfo(host, len, mi);
	if (ret->parsed >= 0) {
		ret->parsed = 0;
		ret->total_bytes = mi->mem_total_bytes;
		ret->swap_total_bytes = mi->swap_total_bytes;
		ret->slab_bytes = mi->slab_bytes;
		ret->sreclaimable_bytes = mi->sreclaimable_bytes;
	}
	free(mi);
}

struct override {
	const char *key;
	size_t klen;
	uint64_t bytes;
};

/* The kernel's layout: "Key:" padded to 16 columns, kB in 8. */
static void put_override(struct fsd_buf *out, const struct override *o)
{
	char key[40];
	size_t n = o->klen < sizeof(key) - 2 ? o->klen : sizeof(key) - 2;
	memcpy(key, o->key, n);
	key[n++] = ':';
	while (n < 15)
		key[n++] = ' ';
	key[n++] = ' ';
	fsd_buf_append(out, key, n);
	fsd_buf_u64(out, o->bytes / 1024, 8);
	fsd_buf_append(out, " kB\n", 4);
}

int fsd_render_meminfo(const char *host, size_t len, const struct fsd_view *v, struct fsd_buf *out)
{
	struct fsd_host_meminfo own;
	const struct fsd_host_meminfo *hm = v->host_meminfo;
	if (!hm) {
		fsd_meminfo_host(host, len, &own);
		hm = &own;
	}
	if (hm->parsed < 0)
		return hm->parsed;
	uint64_t host_total = hm->total_bytes, host_swap = hm->swap_total_bytes;
	uint64_t host_slab = hm->slab_bytes, host_sr = hm->sreclaimable_bytes;
	const struct cgroup_stats *st = v->st;
	/* Without the memory controller's numbers the host's file is the truth. */
	if (!hutch_known(host_total) || !hutch_known(st->memory_usage_bytes)) {
		fsd_buf_append(out, host, len);
		return out->err;
	}

	uint64_t total = host_total;
	if (hutch_limited(st->memory_effective_limit_bytes))
		total = minu(total, st->memory_effective_limit_bytes);
	uint64_t usage = minu(st->memory_usage_bytes, total);
	uint64_t free_b = total - usage;
	uint64_t af = or0(st->memory_active_file_bytes), inf = or0(st->memory_inactive_file_bytes);
	uint64_t aa = or0(st->memory_active_anon_bytes), ia = or0(st->memory_inactive_anon_bytes);
	uint64_t sr = or0(st->memory_slab_reclaimable_bytes);
	uint64_t su = or0(st->memory_slab_unreclaimable_bytes);
	if (!hutch_known(st->memory_slab_reclaimable_bytes) && hutch_known(st->memory_kernel_bytes))
		v1_slab(st->memory_kernel_bytes, host_slab, host_sr, &sr, &su);
	/* Page cache is what the kernel would reclaim before an OOM: free plus file pages. */
	uint64_t avail = minu(free_b + af + inf, total);
	uint64_t swap_total, swap_used;
	fsd_swap(st, host_swap, &swap_total, &swap_used);

#define O(k, v)                     \
	{                           \
		k, sizeof(k) - 1, v \
	}
	const struct override ov[] = {
		O("MemTotal", total),
		O("MemFree", free_b),
		O("MemAvailable", avail),
		O("Buffers", 0),
		O("Cached", minu(or0(st->memory_cache_bytes), usage)),
		O("SwapCached", 0),
		O("Active", aa + af),
		O("Inactive", ia + inf),
		O("Active(anon)", aa),
		O("Inactive(anon)", ia),
		O("Active(file)", af),
		O("Inactive(file)", inf),
		O("SwapTotal", swap_total),
		O("SwapFree", swap_total - swap_used),
		O("AnonPages", minu(or0(st->memory_rss_bytes), usage)),
		O("Mapped", minu(or0(st->memory_mapped_file_bytes), usage)),
		O("Shmem", minu(or0(st->memory_shmem_bytes), usage)),
		/* v2's slab lines; v1's estimate (v1_slab). */
		O("Slab", minu(sr + su, usage)),
		O("SReclaimable", minu(sr, usage)),
		O("SUnreclaim", minu(su, usage)),
		O("KReclaimable", minu(sr, usage)),
#undef O
	};

	size_t pos = 0;
	for (struct span sp; procfs_next_line(host, len, &pos, &sp);) {
		const char *line = sp.p;
		size_t n = sp.n;
		const char *colon = memchr(line, ':', n);
		const struct override *o = NULL;
		if (colon) {
			size_t klen = (size_t)(colon - line);
			for (size_t i = 0; i < ARRAY_SIZE(ov); i++)
				if (ov[i].klen == klen && memcmp(ov[i].key, line, klen) == 0) {
					o = &ov[i];
					break;
				}
		}
		if (o) {
			put_override(out, o);
		} else {
			fsd_buf_append(out, line, n);
			fsd_buf_append(out, "\n", 1);
		}
	}
	return out->err;
}
