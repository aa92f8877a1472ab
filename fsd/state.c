/* SPDX-License-Identifier: MIT */
/*
 * hutch-fsd's state, made and freed: see state.h. Its parts: fsd/container.c
 * (readers to containers), fsd/snapshot.c (the cache of rendered files),
 * fsd/load_sampler.c (the load-average thread).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "hutch/procfs.h"
#include "hutch/procfs_read.h"
#include "state_internal.h"

int fsd_state_new(const struct fsd_state_options *opts, struct fsd_state **ret)
{
	struct fsd_state *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->o = *opts;
	if (!s->o.cache_ns)
		s->o.cache_ns = 100 * 1000000ull;
	if (!s->o.sample_interval_ns)
		s->o.sample_interval_ns = 5 * 1000000000ull;
	if (!s->o.idle_expiry_ns)
		s->o.idle_expiry_ns = 60 * 1000000000ull;
	long hz = sysconf(_SC_CLK_TCK);
	s->user_hz = hz > 0 ? (unsigned)hz : 100;
	pthread_mutex_init(&s->table_lock, NULL);
	pthread_mutex_init(&s->host_lock, NULL);
	pthread_mutex_init(&s->readers_lock, NULL);
	pthread_mutex_init(&s->stop_lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->stop_cond, &ca);
	pthread_condattr_destroy(&ca);
	/* A pidfd per cached reader: at most a quarter of the descriptors. */
	struct rlimit rl;
	s->n_readers = MAX_READERS;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur / 4 < s->n_readers)
		s->n_readers = (size_t)(rl.rlim_cur / 4);
	s->readers = s->n_readers ? calloc(s->n_readers, sizeof(*s->readers)) : NULL;
	if (!s->readers)
		s->n_readers = 0;
	for (size_t i = 0; i < s->n_readers; i++)
		s->readers[i].pidfd = -1;
	for (int f = 0; f < FSD_FILE_COUNT; f++)
		s->host[f].fd = -1;
	int r = cgroup_layout_detect(&s->layout);
	if (r >= 0)
		r = procfs_pidns_inode(0, &s->self_ns);
	if (r < 0) {
		fsd_state_free(s);
		return r;
	}
	*ret = s;
	return 0;
}

void fsd_state_free(struct fsd_state *s)
{
	if (!s)
		return;
	if (s->sampler_running) {
		pthread_mutex_lock(&s->stop_lock);
		s->stopping = true;
		pthread_cond_broadcast(&s->stop_cond);
		pthread_mutex_unlock(&s->stop_lock);
		pthread_join(s->sampler, NULL);
	}
	for (int b = 0; b < N_BUCKETS; b++) {
		struct ctr *c = s->buckets[b], *next;
		for (; c; c = next) {
			next = c->next;
			ctr_free(c);
		}
	}
	for (int f = 0; f < FSD_FILE_COUNT; f++) {
		fsd_snap_unref(s->host[f].snap);
		if (s->host[f].fd >= 0)
			close(s->host[f].fd);
	}
	for (size_t i = 0; i < s->n_readers; i++)
		if (s->readers[i].pidfd >= 0)
			close(s->readers[i].pidfd);
	free(s->readers);
	pthread_mutex_destroy(&s->table_lock);
	pthread_mutex_destroy(&s->host_lock);
	pthread_mutex_destroy(&s->readers_lock);
	pthread_mutex_destroy(&s->stop_lock);
	pthread_cond_destroy(&s->stop_cond);
	free(s);
}

void fsd_state_counters(struct fsd_state *s, struct fsd_state_counters *ret)
{
	pthread_mutex_lock(&s->table_lock);
	ret->containers = s->n_ctrs;
	pthread_mutex_unlock(&s->table_lock);
	ret->lookups = atomic_load(&s->lookups);
	ret->resolves = atomic_load(&s->resolves);
	ret->renders = atomic_load(&s->renders);
	ret->host_reads = atomic_load(&s->host_reads);
}
