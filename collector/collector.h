/* SPDX-License-Identifier: MIT */
/*
 * hutch-collector's core: a sampler, the sources of metric families and an
 * encoder, driven once per scrape. Not thread-safe: the HTTP layer
 * serialises scrapes.
 */
#ifndef HUTCH_COLLECTOR_H
#define HUTCH_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>

#include "expo.h"
#include "source.h"
#include "hutch/sampler.h"

struct collector;
int collector_new(const struct cgroup_layout *layout, const struct sampler_options *opts,
		  struct collector **ret);
void collector_free(struct collector *c);
/* Adds a source of families; up to 16. The struct is copied. */
int collector_add_source(struct collector *c, const struct collector_source *src);
/*
 * Which engine labels become container_label_<key> labels, as cAdvisor's
 * --store_container_labels (store_all, its default) and
 * --whitelisted_container_labels (allowed: comma-separated keys, used when
 * store_all is false). Returns -ENOMEM.
 */
int collector_set_container_labels(struct collector *c, bool store_all, const char *allowed);
/* Samples every container and encodes an answer in fmt (gzip-compressed when asked).
 * The data is the collector's, valid until the next scrape. */
int collector_scrape(struct collector *c, enum expo_format fmt, bool gzip, const char **ret_data,
		     size_t *ret_len);
/* The families of the cgroup stats, as cAdvisor names them (collector/families.c). */
extern const struct collector_source collector_cgroup_source;

#endif
