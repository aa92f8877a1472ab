/* SPDX-License-Identifier: MIT */
/*
 * Starting the eBPF probes and reporting which run. libbpf's own messages
 * (verifier logs included) go to the debug log, so a refused probe costs
 * one line at the default level.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "probes.h"

const struct probe_ops *const probes_all[PROBES_COUNT] = {
	&probe_runqlat,
	&probe_oomkill,
	&probe_churn,
	&probe_netcg,
};

struct probe_slot {
	const struct probe_ops *ops;
	void *state;
	bool up;
};

struct probes {
	size_t n;
	struct probe_slot slots[PROBES_COUNT];
};

/*
 * The first line of the verifier's complaint in the last program load log
 * libbpf printed: the line after the last instruction, before "processed N
 * insns". probes_start adds it to the warning of a probe that did not load.
 */
static char verifier_complaint[256];

static void note_complaint(const char *log)
{
	const char *begin = strstr(log, "-- BEGIN PROG LOAD LOG --");
	if (!begin)
		return;
	const char *end = strstr(begin, "-- END PROG LOAD LOG --");
	const char *stop = strstr(begin, "\nprocessed ");
	if (stop && (!end || stop < end))
		end = stop + 1;
	if (!end)
		end = begin + strlen(begin);
	/* The complaint follows the last instruction ("N: ...") or source (";") line. */
	const char *first = NULL;
	for (const char *l = strchr(begin, '\n'); l && l + 1 < end; l = strchr(l + 1, '\n')) {
		const char *s = l + 1;
		size_t digits = strspn(s, "0123456789");
		if ((digits && s[digits] == ':') || *s == ';' || *s == '\n')
			first = NULL;
		else if (!first)
			first = s;
	}
	if (!first)
		return;
	size_t len = strcspn(first, "\n");
	if (len >= sizeof(verifier_complaint))
		len = sizeof(verifier_complaint) - 1;
	memcpy(verifier_complaint, first, len);
	verifier_complaint[len] = '\0';
}

__attribute__((format(printf, 2, 0))) static int libbpf_log(enum libbpf_print_level level,
							    const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	char *msg = NULL;
	if (vasprintf(&msg, fmt, ap) < 0)
		return 0;
	note_complaint(msg);
	/* Verifier logs are long: the whole message, a log line per line of it
	 * (a log line has a bounded length), at debug level only. */
	char *text = strncmp(msg, "libbpf: ", 8) == 0 ? msg + 8 : msg;
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		log_debug("libbpf: %s", line);
	free(msg);
	return 0;
}

int probes_parse_list(const char *list, unsigned *ret_mask)
{
	if (strcmp(list, "all") == 0) {
		*ret_mask = (1u << PROBES_COUNT) - 1;
		return 0;
	}
	if (strcmp(list, "none") == 0 || !*list) {
		*ret_mask = 0;
		return 0;
	}
	unsigned mask = 0;
	const char *p = list;
	while (*p) {
		size_t len = strcspn(p, ",");
		size_t i;
		for (i = 0; i < PROBES_COUNT; i++)
			if (strlen(probes_all[i]->name) == len &&
			    strncmp(probes_all[i]->name, p, len) == 0)
				break;
		if (i == PROBES_COUNT)
			return -EINVAL;
		mask |= 1u << i;
		p += len;
		if (*p == ',')
			p++;
	}
	*ret_mask = mask;
	return 0;
}

int probe_key_mode(const struct cgroup_layout *layout, enum cgroup_controller c)
{
	int h = layout->by_controller[c];
	if (layout->kind == CGROUP_LAYOUT_V2 || h < 0 || h == layout->unified)
		return HUTCH_KEY_UNIFIED;
	return HUTCH_KEY_V1;
}

static void write_up(struct collector_scrape *sc, void *userdata)
{
	struct probes *p = userdata;
	static const struct expo_labelset none;
	struct expo_writer *w = collector_scrape_writer(sc);
	expo_family(w, "hutch_collector_probe_up",
		    "1 if the eBPF probe is loaded and attached, 0 if the kernel refused it.",
		    EXPO_GAUGE);
	for (size_t i = 0; i < p->n; i++) {
		struct expo_label l = {"probe", p->slots[i].ops->name};
		expo_sample(w, &none, &l, 1, p->slots[i].up ? 1 : 0);
	}
	expo_family(w, "hutch_collector_probe_events_dropped_total",
		    "Events a running eBPF probe did not count because its per-container map was "
		    "full.",
		    EXPO_COUNTER);
	for (size_t i = 0; i < p->n; i++) {
		if (!p->slots[i].up)
			continue;
		struct expo_label l = {"probe", p->slots[i].ops->name};
		expo_sample(w, &none, &l, 1, (double)p->slots[i].ops->dropped(p->slots[i].state));
	}
}

static void write_probe(struct collector_scrape *sc, void *userdata)
{
	struct probe_slot *s = userdata;
	s->ops->write(sc, s->state);
}

int probes_start(struct collector *col, const struct cgroup_layout *layout, unsigned mask,
		 struct probes **ret)
{
	struct probes *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	libbpf_set_print(libbpf_log);
	struct probe_env env = {.layout = layout};
	for (size_t i = 0; i < PROBES_COUNT; i++) {
		if (!(mask & (1u << i)))
			continue;
		struct probe_slot *s = &p->slots[p->n++];
		s->ops = probes_all[i];
		struct hutch_error err = {0};
		verifier_complaint[0] = '\0';
		if (s->ops->start(&env, &s->state, &err) < 0) {
			if (verifier_complaint[0])
				log_warn(
					"probe %s off: %s: the verifier says \"%s\" (its whole log "
					"at --log-level=debug)",
					s->ops->name, err.msg, verifier_complaint);
			else
				log_warn("probe %s off: %s", s->ops->name, err.msg);
			continue;
		}
		s->up = true;
		struct bpf_map_info info = {0};
		uint32_t len = sizeof(info);
		if (bpf_obj_get_info_by_fd(s->ops->map_fd(s->state), &info, &len) < 0)
			info.id = 0;
		log_info("probe %s attached (map id %u)", s->ops->name, info.id);
		int r = collector_add_source(
			col, &(struct collector_source){s->ops->name, NULL, write_probe, s});
		if (r < 0) {
			probes_free(p);
			return r;
		}
	}
	if (p->n) {
		int r = collector_add_source(
			col, &(struct collector_source){"probes", NULL, write_up, p});
		if (r < 0) {
			probes_free(p);
			return r;
		}
	}
	*ret = p;
	return 0;
}

void probes_free(struct probes *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		if (p->slots[i].up)
			p->slots[i].ops->stop(p->slots[i].state);
	free(p);
}
