/* SPDX-License-Identifier: MIT */
/*
 * Which cgroup hierarchies this host has, from parsed mountinfo: v1 (one
 * mount per controller, or co-mounted like cpu,cpuacct), hybrid (v1
 * controllers plus a cgroup2 mount) or pure v2. Nothing here assumes a path.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup_internal.h"

static const char *const controller_names[CGROUP_CONTROLLER_COUNT][2] = {
	[CGROUP_CPU] = {"cpu", "cpu"},
	[CGROUP_CPUACCT] = {"cpuacct", NULL},
	[CGROUP_CPUSET] = {"cpuset", "cpuset"},
	[CGROUP_MEMORY] = {"memory", "memory"},
	[CGROUP_BLKIO] = {"blkio", "io"},
	[CGROUP_PIDS] = {"pids", "pids"},
	[CGROUP_DEVICES] = {"devices", NULL},
	[CGROUP_FREEZER] = {"freezer", NULL},
	[CGROUP_HUGETLB] = {"hugetlb", "hugetlb"},
	[CGROUP_NET_CLS] = {"net_cls", NULL},
	[CGROUP_NET_PRIO] = {"net_prio", NULL},
	[CGROUP_PERF_EVENT] = {"perf_event", "perf_event"},
	[CGROUP_RDMA] = {"rdma", "rdma"},
	[CGROUP_MISC] = {"misc", "misc"},
};

const char *cgroup_controller_name(enum cgroup_controller c, bool v2)
{
	if ((unsigned)c >= CGROUP_CONTROLLER_COUNT)
		return NULL;
	return controller_names[c][v2 ? 1 : 0];
}

int cgroup_controller_from_name(const char *name)
{
	if (!name)
		return -1;
	for (int c = 0; c < CGROUP_CONTROLLER_COUNT; c++)
		for (int v = 0; v < 2; v++)
			if (controller_names[c][v] && strcmp(controller_names[c][v], name) == 0)
				return c;
	return -1;
}

const char *cgroup_layout_kind_name(enum cgroup_layout_kind kind)
{
	switch (kind) {
	case CGROUP_LAYOUT_NONE:
		return "none";
	case CGROUP_LAYOUT_V1:
		return "v1";
	case CGROUP_LAYOUT_HYBRID:
		return "hybrid";
	case CGROUP_LAYOUT_V2:
		return "v2";
	}
	return "unknown";
}

/*
 * Keeps only the tokens of v1 super options that name the hierarchy
 * ("cpu,cpuacct", "name=systemd"), dropping rw, xattr, clone_children and
 * the like, so the result matches the controller field of /proc/PID/cgroup.
 */
int cgroup_v1_options(const char *super, char *out, size_t size, uint32_t *ret_mask)
{
	uint32_t mask = 0;
	size_t used = 0;
	out[0] = '\0';
	const char *p = super ? super : "";
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		char tok[128];
		if (n < sizeof(tok)) {
			memcpy(tok, p, n);
			tok[n] = '\0';
			int c = cgroup_controller_from_name(tok);
			bool keep = (c >= 0 && controller_names[c][0] &&
				     strcmp(controller_names[c][0], tok) == 0) ||
				    strncmp(tok, "name=", 5) == 0;
			if (keep) {
				if (c >= 0 && strncmp(tok, "name=", 5) != 0)
					mask |= 1u << c;
				int w = snprintf(out + used, size - used, "%s%s", used ? "," : "",
						 tok);
				if (w < 0 || (size_t)w >= size - used)
					return -ENAMETOOLONG;
				used += (size_t)w;
			}
		}
		p += n;
		if (*p == ',')
			p++;
	}
	*ret_mask = mask;
	return 0;
}

static void hierarchy_free(struct cgroup_hierarchy *h)
{
	free(h->mount_point);
	free(h->root);
	free(h->options);
	*h = (struct cgroup_hierarchy){0};
}

void cgroup_layout_free(struct cgroup_layout *layout)
{
	if (!layout)
		return;
	for (size_t i = 0; i < layout->n_hierarchies; i++)
		hierarchy_free(&layout->hierarchies[i]);
	free(layout);
}

static char *join(const char *prefix, const char *path)
{
	char *s;
	if (asprintf(&s, "%s%s", prefix ? prefix : "", path) < 0)
		return NULL;
	return s;
}

static int set_hierarchy(struct cgroup_hierarchy *h, const char *prefix,
			 const struct procfs_mount *m, const char *options, uint32_t mask,
			 bool unified)
{
	struct cgroup_hierarchy n = {
		.mount_point = join(prefix, m->mount_point),
		.root = strdup(m->root ? m->root : "/"),
		.options = strdup(options),
		.controllers = mask,
		.unified = unified,
	};
	if (!n.mount_point || !n.root || !n.options) {
		hierarchy_free(&n);
		return -ENOMEM;
	}
	hierarchy_free(h);
	*h = n;
	return 0;
}

/* On v2 the root's cgroup.controllers says which controllers the hierarchy has. */
static uint32_t unified_controllers(const char *mount_point)
{
	char path[4096], buf[1024];
	if (snprintf(path, sizeof(path), "%s/cgroup.controllers", mount_point) >= (int)sizeof(path))
		return 0;
	int n = cgroup_read_small(path, buf, sizeof(buf));
	uint32_t mask = 0;
	if (n < 0 || cgroup_parse_controllers(buf, (size_t)n, &mask) < 0)
		return 0;
	return mask;
}

int cgroup_layout_from_mountinfo(const struct procfs_mountinfo *mi, const char *root_prefix,
				 struct cgroup_layout **ret)
{
	struct cgroup_layout *l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->unified = -1;
	for (int c = 0; c < CGROUP_CONTROLLER_COUNT; c++)
		l->by_controller[c] = -1;
	size_t n_v1_controllers = 0;
	int r;

	for (size_t i = 0; mi && i < mi->n_mounts; i++) {
		const struct procfs_mount *m = &mi->mounts[i];
		if (!m->fstype || !m->mount_point)
			continue;
		bool v2 = strcmp(m->fstype, "cgroup2") == 0;
		if (!v2 && strcmp(m->fstype, "cgroup") != 0)
			continue;
		bool root_is_top = m->root && strcmp(m->root, "/") == 0;
		if (v2) {
			if (l->unified >= 0) {
				/* Prefer a mount of the whole hierarchy over a bind mount of a part. */
				struct cgroup_hierarchy *u = &l->hierarchies[l->unified];
				if (strcmp(u->root, "/") != 0 && root_is_top) {
					r = set_hierarchy(u, root_prefix, m, "", 0, true);
					if (r < 0)
						goto fail;
				}
				continue;
			}
			if (l->n_hierarchies >= CGROUP_MAX_HIERARCHIES)
				continue;
			r = set_hierarchy(&l->hierarchies[l->n_hierarchies], root_prefix, m, "", 0,
					  true);
			if (r < 0)
				goto fail;
			l->unified = (int)l->n_hierarchies++;
			continue;
		}
		char options[512];
		uint32_t mask;
		if (cgroup_v1_options(m->super_options, options, sizeof(options), &mask) < 0 ||
		    options[0] == '\0')
			continue;
		/* A second mount of a hierarchy (a bind mount) names the same controllers. */
		bool dup = false;
		for (size_t h = 0; h < l->n_hierarchies; h++) {
			struct cgroup_hierarchy *ex = &l->hierarchies[h];
			if (ex->unified || strcmp(ex->options, options) != 0)
				continue;
			dup = true;
			if (strcmp(ex->root, "/") != 0 && root_is_top) {
				r = set_hierarchy(ex, root_prefix, m, options, mask, false);
				if (r < 0)
					goto fail;
			}
			break;
		}
		if (dup || l->n_hierarchies >= CGROUP_MAX_HIERARCHIES)
			continue;
		r = set_hierarchy(&l->hierarchies[l->n_hierarchies], root_prefix, m, options, mask,
				  false);
		if (r < 0)
			goto fail;
		l->n_hierarchies++;
		if (mask)
			n_v1_controllers++;
	}

	for (size_t h = 0; h < l->n_hierarchies; h++) {
		const struct cgroup_hierarchy *hi = &l->hierarchies[h];
		if (hi->unified)
			continue;
		for (int c = 0; c < CGROUP_CONTROLLER_COUNT; c++)
			if ((hi->controllers & (1u << c)) && l->by_controller[c] < 0)
				l->by_controller[c] = (int)h;
	}
	if (l->unified >= 0) {
		struct cgroup_hierarchy *u = &l->hierarchies[l->unified];
		u->controllers = unified_controllers(u->mount_point);
		if (n_v1_controllers == 0) {
			/* cpu.stat and cgroup.freeze are in every v2 cgroup, whatever is enabled. */
			u->controllers |= 1u << CGROUP_CPUACCT | 1u << CGROUP_FREEZER;
		}
		for (int c = 0; c < CGROUP_CONTROLLER_COUNT; c++)
			if ((u->controllers & (1u << c)) && l->by_controller[c] < 0)
				l->by_controller[c] = l->unified;
	}

	if (n_v1_controllers > 0) {
		l->kind = l->unified >= 0 ? CGROUP_LAYOUT_HYBRID : CGROUP_LAYOUT_V1;
		l->ops = &cgroup_v1_ops;
	} else if (l->unified >= 0) {
		l->kind = CGROUP_LAYOUT_V2;
		l->ops = &cgroup_v2_ops;
	} else {
		l->kind = CGROUP_LAYOUT_NONE;
		l->ops = NULL;
	}
	*ret = l;
	return 0;
fail:
	cgroup_layout_free(l);
	return r;
}

const struct cgroup_hierarchy *cgroup_layout_hierarchy(const struct cgroup_layout *layout,
						       enum cgroup_controller c)
{
	if (!layout || (unsigned)c >= CGROUP_CONTROLLER_COUNT || layout->by_controller[c] < 0)
		return NULL;
	return &layout->hierarchies[layout->by_controller[c]];
}
