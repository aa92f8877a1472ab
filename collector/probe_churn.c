/* SPDX-License-Identifier: MIT */
/* Process churn per container (bpf/churn.bpf.c): processes forked and execs. */
#include <errno.h>
#include <stdlib.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/churn.h"
#include "churn.skel.h"
#include "probes.h"

static int churn_start(const struct probe_env *env, void **ret_state, struct hutch_error *err)
{
	struct churn_bpf *skel = churn_bpf__open();
	if (!skel)
		return hutch_error_setsys(err, errno, "open");
	skel->rodata->cgroup_key_mode = probe_key_mode(env->layout, CGROUP_CPU);
	/* HUTCH_CHURN_MAX_CGROUPS=N shrinks the map (tests of a full map's drop counter). */
	const char *max = getenv("HUTCH_CHURN_MAX_CGROUPS");
	if (max && atoi(max) > 0)
		bpf_map__set_max_entries(skel->maps.churn_counts, (uint32_t)atoi(max));
	int r = churn_bpf__load(skel);
	if (r == 0)
		r = churn_bpf__attach(skel);
	if (r < 0) {
		churn_bpf__destroy(skel);
		return hutch_error_setsys(err, -r, "load and attach");
	}
	*ret_state = skel;
	return 0;
}

static void churn_write(struct collector_scrape *sc, void *state)
{
	struct churn_bpf *skel = state;
	int fd = bpf_map__fd(skel->maps.churn_counts);
	struct expo_writer *w = collector_scrape_writer(sc);
	size_t n = collector_scrape_count(sc);
	/* One lookup per container, then both families from the copies. */
	_cleanup_free_ struct churn_count *vals = calloc(n ? n : 1, sizeof(*vals));
	if (!vals)
		return;
	for (size_t i = 0; i < n; i++) {
		const struct sampler_container *c = collector_scrape_container(sc, i);
		if (hutch_known(c->cgroup_id_cpu))
			bpf_map_lookup_elem(fd, &c->cgroup_id_cpu, &vals[i]);
	}
	for (int which = 0; which < 2; which++) {
		if (which == 0)
			expo_family(w, "container_process_forks_total",
				    "Processes (not threads) created in the container.",
				    EXPO_COUNTER);
		else
			expo_family(w, "container_process_execs_total",
				    "Programs executed (execve) in the container.", EXPO_COUNTER);
		for (size_t i = 0; i < n; i++) {
			if (!hutch_known(collector_scrape_container(sc, i)->cgroup_id_cpu))
				continue;
			expo_sample(w, collector_scrape_labels(sc, i), NULL, 0,
				    (double)(which == 0 ? vals[i].forks : vals[i].execs));
		}
	}
}

static void churn_stop(void *state)
{
	churn_bpf__destroy(state);
}

static int churn_map_fd(void *state)
{
	return bpf_map__fd(((struct churn_bpf *)state)->maps.churn_counts);
}

static uint64_t churn_dropped(void *state)
{
	return ((struct churn_bpf *)state)->bss->dropped_events;
}

const struct probe_ops probe_churn = {"churn",	  churn_start,	churn_write,
				      churn_stop, churn_map_fd, churn_dropped};
