/* SPDX-License-Identifier: MIT */
/*
 * Run-queue latency per container (bpf/runqlat.bpf.c): a classic histogram
 * in the text formats and, in protobuf, a native one of schema 0 whose
 * buckets are the BPF program's log2 slots one for one.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bpf/runqlat.h"
#include "probes.h"
#include "runqlat.skel.h"

/* Classic bounds: every second power of two from 2^-20 s (~1 us) to 2^2 s. */
#define CLASSIC_FIRST_SLOT (RUNQLAT_SLOT_OFFSET - 20)
#define CLASSIC_STEP	   2
#define CLASSIC_N	   12

void probe_log2_histogram(const uint64_t *slots, size_t n_slots, int slot_offset, uint64_t sum_ns,
			  struct probe_log2_hist *store, struct expo_histogram *ret)
{
	struct expo_histogram h = {0};
	uint64_t cum = 0;
	size_t b = 0;
	for (size_t k = 0; k < n_slots; k++) {
		cum += slots[k];
		if (b < CLASSIC_N && b < ARRAY_SIZE(store->bounds) &&
		    k == (size_t)(CLASSIC_FIRST_SLOT + CLASSIC_STEP * (int)b)) {
			store->bounds[b] = ldexp(1.0, (int)k - slot_offset);
			store->cumulative[b] = cum;
			b++;
		}
	}
	h.count = cum;
	h.sum = (double)sum_ns / 1e9;
	h.n_buckets = b;
	h.upper_bounds = store->bounds;
	h.cumulative_counts = store->cumulative;
	/* Slot 0 (at most 2^-slot_offset s) is the zero bucket; slot k is native bucket
	 * k - slot_offset. */
	size_t n = n_slots > 1 ? n_slots - 1 : 0;
	if (n > ARRAY_SIZE(store->deltas))
		n = ARRAY_SIZE(store->deltas);
	expo_native_from_counts(0, 1 - slot_offset, slots + 1, n, store->spans,
				ARRAY_SIZE(store->spans), store->deltas, &h);
	h.zero_threshold = ldexp(1.0, -slot_offset);
	h.zero_count = n_slots ? slots[0] : 0;
	*ret = h;
}

/*
 * Whether task_struct has sched_info with last_queued (CONFIG_SCHED_INFO):
 * then the scheduler's own queueing stamp is used and the wakeup programs
 * stay unloaded (one program per context switch instead of three events).
 */
static bool kernel_has_sched_info(void)
{
	struct btf *btf = btf__load_vmlinux_btf();
	if (!btf)
		return false;
	bool found = false;
	int id = btf__find_by_name_kind(btf, "task_struct", BTF_KIND_STRUCT);
	const struct btf_type *t = id > 0 ? btf__type_by_id(btf, id) : NULL;
	for (int i = 0; t && i < btf_vlen(t) && !found; i++) {
		const struct btf_member *m = btf_members(t) + i;
		const char *name = btf__name_by_offset(btf, m->name_off);
		if (!name || strcmp(name, "sched_info") != 0)
			continue;
		const struct btf_type *si = btf__type_by_id(btf, m->type);
		for (int j = 0; si && btf_is_struct(si) && j < btf_vlen(si); j++) {
			const char *f = btf__name_by_offset(btf, btf_members(si)[j].name_off);
			found = f && strcmp(f, "last_queued") == 0;
			if (found)
				break;
		}
		break;
	}
	btf__free(btf);
	return found;
}

/* A cache entry of one CPU, by key (the table read at a scrape, sorted). */
struct runqlat_ref {
	uint64_t key;
	const struct runqlat_cache_entry *e;
};

struct runqlat_state {
	struct runqlat_bpf *skel;
	int ncpus;
	/* The per-CPU table as a scrape reads it: RUNQLAT_CACHE_SLOTS lookups of ncpus
	 * values each; its taken entries by key. */
	struct runqlat_cache_entry *table;
	struct runqlat_ref *refs;
	size_t n_refs;
};

static void runqlat_stop(void *state)
{
	struct runqlat_state *st = state;
	if (!st)
		return;
	runqlat_bpf__destroy(st->skel);
	free(st->table);
	free(st->refs);
	free(st);
}

static int runqlat_start(const struct probe_env *env, void **ret_state, struct hutch_error *err)
{
	int ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0 || ncpus > RUNQLAT_MAX_CPUS)
		return hutch_error_set(err, EINVAL, "possible CPUs: %d", ncpus);
	struct runqlat_state *st = calloc(1, sizeof(*st));
	if (!st)
		return hutch_error_set(err, ENOMEM, "out of memory");
	st->ncpus = ncpus;
	size_t n = (size_t)ncpus * RUNQLAT_CACHE_SLOTS;
	st->table = calloc(n, sizeof(*st->table));
	st->refs = calloc(n, sizeof(*st->refs));
	st->skel = runqlat_bpf__open();
	if (!st->table || !st->refs || !st->skel) {
		int e = errno ? errno : ENOMEM;
		runqlat_stop(st);
		return hutch_error_setsys(err, e, "open");
	}
	struct runqlat_bpf *skel = st->skel;
	skel->rodata->cgroup_key_mode = probe_key_mode(env->layout, CGROUP_CPU);
	skel->rodata->nr_cpus = (uint32_t)ncpus;
	/* HUTCH_RUNQLAT_WAKEUPS=1 forces the wakeup programs (tests of the older kernels' path). */
	const char *force = getenv("HUTCH_RUNQLAT_WAKEUPS");
	bool si = !(force && strcmp(force, "1") == 0) && kernel_has_sched_info();
	bool v1 = skel->rodata->cgroup_key_mode == HUTCH_KEY_V1;
	bpf_program__set_autoload(skel->progs.runqlat_wakeup, !si);
	bpf_program__set_autoload(skel->progs.runqlat_wakeup_new, !si);
	/* One switch program, the one made for this kernel's stamp and this host's keys. */
	bpf_program__set_autoload(skel->progs.runqlat_switch, si && !v1);
	bpf_program__set_autoload(skel->progs.runqlat_switch_v1, si && v1);
	bpf_program__set_autoload(skel->progs.runqlat_switch_ts, !si && !v1);
	bpf_program__set_autoload(skel->progs.runqlat_switch_ts_v1, !si && v1);
	int r = runqlat_bpf__load(skel);
	if (r < 0) {
		runqlat_stop(st);
		return hutch_error_setsys(err, -r, "load");
	}
	r = runqlat_bpf__attach(skel);
	if (r < 0) {
		runqlat_stop(st);
		return hutch_error_setsys(err, -r, "attach");
	}
	*ret_state = st;
	return 0;
}

static int ref_cmp(const void *a, const void *b)
{
	uint64_t x = ((const struct runqlat_ref *)a)->key, y = ((const struct runqlat_ref *)b)->key;
	return (x > y) - (x < y);
}

/*
 * Reads every CPU's table (entries are placed by the css's serial number,
 * which user space does not know) and sorts its taken entries by key.
 */
static void read_table(struct runqlat_state *st)
{
	int fd = bpf_map__fd(st->skel->maps.runqlat_cache);
	st->n_refs = 0;
	for (uint32_t idx = 0; idx < RUNQLAT_CACHE_SLOTS; idx++) {
		struct runqlat_cache_entry *v = st->table + (size_t)idx * (size_t)st->ncpus;
		if (bpf_map_lookup_elem(fd, &idx, v) != 0)
			continue;
		for (int c = 0; c < st->ncpus; c++)
			if (v[c].key)
				st->refs[st->n_refs++] = (struct runqlat_ref){v[c].key, &v[c]};
	}
	qsort(st->refs, st->n_refs, sizeof(*st->refs), ref_cmp);
}

static void hist_add(struct runqlat_hist *sum, const struct runqlat_hist *h)
{
	for (size_t k = 0; k < RUNQLAT_SLOTS; k++)
		sum->slots[k] += h->slots[k];
	sum->sum_ns += h->sum_ns;
}

/* A container's histogram: its entries in every CPU's table plus its shared hash entry. */
static bool read_hist(struct runqlat_state *st, uint64_t key, struct runqlat_hist *ret)
{
	bool found = false;
	memset(ret, 0, sizeof(*ret));
	size_t lo = 0, hi = st->n_refs;
	while (lo < hi) { /* the first ref with a key >= key */
		size_t mid = lo + (hi - lo) / 2;
		if (st->refs[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < st->n_refs && st->refs[lo].key == key; lo++) {
		found = true;
		hist_add(ret, &st->refs[lo].e->hist);
	}
	struct runqlat_hist h;
	if (bpf_map_lookup_elem(bpf_map__fd(st->skel->maps.runqlat_hists), &key, &h) == 0) {
		found = true;
		hist_add(ret, &h);
	}
	return found;
}

static void runqlat_write(struct collector_scrape *sc, void *state)
{
	struct runqlat_state *st = state;
	struct expo_writer *w = collector_scrape_writer(sc);
	read_table(st);
	expo_family(w, "container_cpu_runqueue_latency_seconds",
		    "Time the container's tasks waited on a run queue, from wakeup to running.",
		    EXPO_HISTOGRAM);
	for (size_t i = 0; i < collector_scrape_count(sc); i++) {
		const struct sampler_container *c = collector_scrape_container(sc, i);
		if (!hutch_known(c->cgroup_id_cpu))
			continue;
		struct runqlat_hist v;
		_Static_assert(sizeof(v.slots[0]) == sizeof(uint64_t), "u64 slots");
		if (!read_hist(st, c->cgroup_id_cpu, &v))
			continue;
		struct probe_log2_hist store;
		struct expo_histogram h;
		probe_log2_histogram((const uint64_t *)v.slots, RUNQLAT_SLOTS, RUNQLAT_SLOT_OFFSET,
				     v.sum_ns, &store, &h);
		expo_sample_histogram(w, collector_scrape_labels(sc, i), NULL, 0, &h);
	}
}

static int runqlat_map_fd(void *state)
{
	return bpf_map__fd(((struct runqlat_state *)state)->skel->maps.runqlat_hists);
}

static uint64_t runqlat_dropped(void *state)
{
	return ((struct runqlat_state *)state)->skel->bss->dropped_events;
}

const struct probe_ops probe_runqlat = {"runqlat",    runqlat_start,  runqlat_write,
					runqlat_stop, runqlat_map_fd, runqlat_dropped};
