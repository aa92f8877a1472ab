/* SPDX-License-Identifier: MIT */
/*
 * The hook through which parts of the collector add metric families to a
 * scrape. The cgroup families (cAdvisor's) are one source; the eBPF probes
 * (collector/probes.h, bpf/) register theirs the same way:
 *
 *   static void probe_write(struct collector_scrape *sc, void *u)
 *   {
 *           struct expo_writer *w = collector_scrape_writer(sc);
 *           expo_family(w, "container_runqueue_latency_seconds", "...", EXPO_HISTOGRAM);
 *           for (size_t i = 0; i < collector_scrape_count(sc); i++) {
 *                   const struct sampler_container *c = collector_scrape_container(sc, i);
 *                   // look c->cgroup_id_unified (or _cpu/_memory on v1) up in the map
 *                   expo_sample_histogram(w, collector_scrape_labels(sc, i), NULL, 0, &h);
 *           }
 *   }
 *   collector_add_source(col, &(struct collector_source){"runqlat", prepare, probe_write, st});
 *
 * prepare runs once per scrape before any write (snapshot a BPF map there);
 * write runs under the scrape lock, after the cgroup families. Containers
 * and label sets are valid for the scrape only.
 */
#ifndef HUTCH_COLLECTOR_SOURCE_H
#define HUTCH_COLLECTOR_SOURCE_H

#include <stddef.h>

#include "expo.h"
#include "hutch/sampler.h"

struct collector_scrape;
size_t collector_scrape_count(const struct collector_scrape *sc);
const struct sampler_container *collector_scrape_container(const struct collector_scrape *sc,
							   size_t i);
/* id, image and name of container i, rendered once for every family. */
const struct expo_labelset *collector_scrape_labels(const struct collector_scrape *sc, size_t i);
struct expo_writer *collector_scrape_writer(struct collector_scrape *sc);
/* The sampler, e.g. for sampler_device_name(). */
struct sampler *collector_scrape_sampler(struct collector_scrape *sc);
/* The host's cgroup layout. */
const struct cgroup_layout *collector_scrape_layout(const struct collector_scrape *sc);

struct collector_source {
	const char *name;
	int (*prepare)(void *userdata); /* may be NULL; a failure skips this source's write */
	void (*write)(struct collector_scrape *sc, void *userdata);
	void *userdata;
};

#endif
