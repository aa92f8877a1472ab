/* SPDX-License-Identifier: MIT */
/* OOM kills per container, on the victim's memory cgroup (bpf/oomkill.bpf.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bpf/oomkill.h"
#include "oomkill.skel.h"
#include "probes.h"

/*
 * Shim: whether the mark_victim tracepoint passes the victim task (newer
 * kernels: (struct task_struct *, uid_t)) or only its pid (older ones, where
 * the fentry program on __oom_kill_process is used instead).
 */
static bool mark_victim_has_task(void)
{
	struct btf *btf = btf__load_vmlinux_btf();
	if (!btf)
		return false;
	bool yes = false;
	int id = btf__find_by_name_kind(btf, "btf_trace_mark_victim", BTF_KIND_TYPEDEF);
	const struct btf_type *t = id > 0 ? btf__type_by_id(btf, id) : NULL;
	if (t)
		t = btf__type_by_id(btf, t->type); /* pointer */
	if (t && btf_is_ptr(t))
		t = btf__type_by_id(btf, t->type); /* the prototype */
	if (t && btf_is_func_proto(t) && btf_vlen(t) >= 2) {
		const struct btf_type *a = btf__type_by_id(btf, btf_params(t)[1].type);
		yes = a && btf_is_ptr(a);
	}
	btf__free(btf);
	return yes;
}

static int oomkill_start(const struct probe_env *env, void **ret_state, struct hutch_error *err)
{
	struct oomkill_bpf *skel = oomkill_bpf__open();
	if (!skel)
		return hutch_error_setsys(err, errno, "open");
	skel->rodata->cgroup_key_mode = probe_key_mode(env->layout, CGROUP_MEMORY);
	/* HUTCH_OOMKILL_FENTRY=1 forces the older kernels' attach point (for tests). */
	const char *force = getenv("HUTCH_OOMKILL_FENTRY");
	bool tp = !(force && strcmp(force, "1") == 0) && mark_victim_has_task();
	bpf_program__set_autoload(skel->progs.oomkill_mark_victim, tp);
	bpf_program__set_autoload(skel->progs.oomkill_fentry, !tp);
	int r = oomkill_bpf__load(skel);
	if (r == 0)
		r = oomkill_bpf__attach(skel);
	if (r < 0) {
		oomkill_bpf__destroy(skel);
		return hutch_error_setsys(err, -r, "load and attach (%s)",
					  tp ? "tp_btf/mark_victim" : "fentry/__oom_kill_process");
	}
	*ret_state = skel;
	return 0;
}

static void oomkill_write(struct collector_scrape *sc, void *state)
{
	struct oomkill_bpf *skel = state;
	int fd = bpf_map__fd(skel->maps.oomkill_counts);
	struct expo_writer *w = collector_scrape_writer(sc);
	expo_family(w, "container_oom_kills_total",
		    "Processes of the container killed by the OOM killer.", EXPO_COUNTER);
	for (size_t i = 0; i < collector_scrape_count(sc); i++) {
		const struct sampler_container *c = collector_scrape_container(sc, i);
		if (!hutch_known(c->cgroup_id_memory))
			continue;
		struct oomkill_count v = {0};
		bpf_map_lookup_elem(fd, &c->cgroup_id_memory, &v);
		expo_sample(w, collector_scrape_labels(sc, i), NULL, 0, (double)v.kills);
	}
}

static void oomkill_stop(void *state)
{
	oomkill_bpf__destroy(state);
}

static int oomkill_map_fd(void *state)
{
	return bpf_map__fd(((struct oomkill_bpf *)state)->maps.oomkill_counts);
}

static uint64_t oomkill_dropped(void *state)
{
	return ((struct oomkill_bpf *)state)->bss->dropped_events;
}

const struct probe_ops probe_oomkill = {"oomkill",    oomkill_start,  oomkill_write,
					oomkill_stop, oomkill_map_fd, oomkill_dropped};
