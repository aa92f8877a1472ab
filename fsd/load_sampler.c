/* SPDX-License-Identifier: MIT */
/*
 * The load-average sampler: a thread that counts each container's running and
 * blocked tasks every sample interval (5 s, the kernel's) and decays them into
 * its 1/5/15-minute loads; it also forgets containers nobody read for a while.
 */
#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <time.h>
#include <unistd.h>

#include "hutch/procfs.h"
#include "hutch/procfs_read.h"
#include "state_internal.h"

/*
 * A container first read after it ran a while: its load as if its CPU use so
 * far had been spread evenly since its init started (the kernel's averages of
 * a constant load from 0), so a container busy for 12 s does not show 0.00.
 * Tasks blocked (D) before the first sample are not known. c->lock held.
 */
static void seed_load(struct fsd_state *s, struct ctr *c)
{
	struct timespec boot;
	if (!c->cg || clock_gettime(CLOCK_BOOTTIME, &boot) < 0)
		return;
	double elapsed = (double)boot.tv_sec + (double)boot.tv_nsec / 1e9 -
			 (double)c->init_start_ticks / s->user_hz;
	if (elapsed < 1)
		return;
	struct cgroup_stats st = {0};
	int r = cgroup_read_stats(c->cg, CGROUP_STATS_CPU | CGROUP_STATS_NO_EVENTS, &st);
	cgroup_release_dirs(c->cg);
	if (r == 0 && hutch_known(st.cpu_usage_ns)) {
		double avg = (double)st.cpu_usage_ns / 1e9 / elapsed;
		c->load.load1 = avg * (1 - exp(-elapsed / 60.0));
		c->load.load5 = avg * (1 - exp(-elapsed / 300.0));
		c->load.load15 = avg * (1 - exp(-elapsed / 900.0));
	}
	cgroup_stats_free(&st);
}

void ctr_sample(struct fsd_state *s, struct ctr *c)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	pthread_mutex_lock(&c->lock);
	int r = c->cg ? cgroup_list_pids(c->cg, &pids, &n) : -ENOENT;
	pthread_mutex_unlock(&c->lock);
	if (r < 0)
		return;
	uint64_t running = 0, blocked = 0, total = 0, last = 0;
	for (size_t i = 0; i < n; i++) {
		struct procfs_pid_status ps;
		if (procfs_read_pid_status(pids[i], &ps) < 0)
			continue; /* exited meanwhile */
		/* The last pid in the container's namespace; processes of the cgroup that are
		 * outside it (a runtime's helper) or in a nested one do not count. */
		if (ps.n_nspid == c->init_depth && (uint64_t)ps.nspid[ps.n_nspid - 1] > last)
			last = (uint64_t)ps.nspid[ps.n_nspid - 1];
		uint64_t threads = hutch_known(ps.threads) && ps.threads > 0 ? ps.threads : 1;
		total += threads;
		if (threads == 1) {
			running += ps.state == 'R';
			blocked += ps.state == 'D';
			continue;
		}
		_cleanup_free_ pid_t *tids = NULL;
		size_t nt = 0;
		if (procfs_list_tasks(pids[i], &tids, &nt) < 0)
			continue;
		for (size_t t = 0; t < nt; t++) {
			struct procfs_pid_stat ts;
			if (procfs_read_task_stat(pids[i], tids[t], &ts) < 0)
				continue;
			running += ts.state == 'R';
			blocked += ts.state == 'D';
		}
	}
	uint64_t now = hutch_now_ns();
	pthread_mutex_lock(&c->lock);
	if (c->has_tasks)
		fsd_load_update(&c->load, running + blocked, (double)(now - c->load_at) / 1e9);
	else
		seed_load(s, c);
	c->has_tasks = true;
	c->running = running;
	c->blocked = blocked;
	c->total = total;
	c->last_pid = last;
	c->load_at = now;
	pthread_mutex_unlock(&c->lock);
}

static bool wait_stop(struct fsd_state *s, uint64_t ns)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t t = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec + ns;
	ts.tv_sec = (time_t)(t / 1000000000ull);
	ts.tv_nsec = (long)(t % 1000000000ull);
	pthread_mutex_lock(&s->stop_lock);
	while (!s->stopping)
		if (pthread_cond_timedwait(&s->stop_cond, &s->stop_lock, &ts) == ETIMEDOUT)
			break;
	bool stop = s->stopping;
	pthread_mutex_unlock(&s->stop_lock);
	return stop;
}

static void *sampler_main(void *u)
{
	struct fsd_state *s = u;
	while (!wait_stop(s, s->o.sample_interval_ns)) {
		/* Take references to every container, then sample without the table lock. */
		pthread_mutex_lock(&s->table_lock);
		size_t n = 0, cap = s->n_ctrs;
		struct ctr **list = cap ? calloc(cap, sizeof(*list)) : NULL;
		uint64_t now = hutch_now_ns();
		for (int b = 0; list && b < N_BUCKETS; b++) {
			struct ctr *c = s->buckets[b], *next;
			for (; c; c = next) {
				next = c->next;
				if (now - atomic_load(&c->last_used_ns) > s->o.idle_expiry_ns &&
				    c->refs == 0) {
					table_remove_locked(s, c);
					ctr_free(c);
					continue;
				}
				if (n < cap) {
					c->refs++;
					list[n++] = c;
				}
			}
		}
		pthread_mutex_unlock(&s->table_lock);
		for (size_t i = 0; i < n; i++) {
			pthread_mutex_lock(&list[i]->lock);
			bool alive = list[i]->host_like || ctr_validate(s, list[i]);
			pthread_mutex_unlock(&list[i]->lock);
			if (!alive)
				table_remove(s, list[i]);
			else if (!list[i]->host_like)
				ctr_sample(s, list[i]);
			ctr_unref(s, list[i]);
		}
		free(list);
	}
	return NULL;
}

int fsd_state_start_sampler(struct fsd_state *s)
{
	int r = pthread_create(&s->sampler, NULL, sampler_main, s);
	if (r)
		return -r;
	s->sampler_running = true;
	return 0;
}
