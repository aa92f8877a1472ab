/* SPDX-License-Identifier: MIT */
/*
 * The shared sampler. A refresh costs, per cgroup, one pread per stat file
 * (the handles of libhutch's cgroup layer stay open), one pread of
 * cgroup.procs and, for containers with their own network namespace, one
 * pread of /proc/PID/net/dev. The tree is re-walked and limits re-read only
 * when due, and the spec re-reads are staggered over containers so no one
 * refresh pays for all of them.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hutch/sampler.h"

#define DEFAULT_SPEC_REFRESH_NS	     (60ull * 1000000000ull)
#define DEFAULT_DISCOVERY_REFRESH_NS (5ull * 1000000000ull)
#define NAME_LOOKUP_TRIES	     5
#define FULL_WALK_EVERY		     12
#define MAX_NETDEVS		     64

/* Files a persistent handle keeps open (stat files plus cgroup.procs), with margin. */
#define FDS_PER_HANDLE 18
#define FD_RESERVE     512

/* Per-refresh stats: spec (limits) and cpuset values are added when due. */
#define MASK_ALWAYS                                                                        \
	(CGROUP_STATS_MEMORY | CGROUP_STATS_CPU | CGROUP_STATS_PIDS | CGROUP_STATS_BLKIO | \
	 CGROUP_STATS_PSI)
#define MASK_SPEC (CGROUP_STATS_SPEC | CGROUP_STATS_CPUSET)

struct sc {
	struct sampler_container pub; /* first: sampler_get hands out &sc->pub */
	struct cgroup *cg;	      /* kept open when persistent; NULL otherwise */
	bool persistent;
	int procs_fd;  /* cgroup.procs, kept open; -1 when there is none */
	int netdev_fd; /* /proc/<netdev_pid>/net/dev, kept while that process lives */
	pid_t netdev_pid;
	uint64_t spec_due_ns;
	uint64_t seen_gen;
	int name_tries;
	/* The last read of procs_fd found no process. */
	bool procs_empty;
	struct discovery_id did;
	struct discovery_meta meta;   /* the runtime's facts; pub's names point into it */
	char *pod_of_pod, *ns_of_pod; /* a pod's own cgroup: its names, from a container of it */
	/* The cgroup's directory in the hierarchy the walk follows, and how many child
	 * cgroups we know in it: cgroupfs gives a directory 2 + its subdirectories as
	 * link count, so a stat tells whether the children changed. */
	char *walk_dir;
	size_t walk_k; /* which of the sampler's walked hierarchies walk_dir is in */
	/* Absent from some walked hierarchy when opened: engines make a cgroup one hierarchy
	 * at a time, so it is opened again when a walk meets it (a memory-only cgroup too). */
	bool partial;
	uint32_t present; /* which walked hierarchies had it when opened (bit k) */
	uint32_t n_children;
};

/* A watched directory: inotify's descriptor and the cgroup's path. */
struct watched_dir {
	int wd;
	char *path;
};

struct walked {
	int h;			  /* index in the layout */
	int ino;		  /* inotify fd, -1 when none */
	struct watched_dir *dirs; /* ascending wd (the kernel hands them out in order) */
	size_t n_dirs, cap_dirs;
};

struct devname {
	unsigned major, minor;
	char name[72];
};

struct sampler {
	const struct cgroup_layout *layout;
	struct sampler_options opts;
	char *root_cgroup;
	struct sc **items; /* sorted by id */
	size_t n, cap;
	uint64_t gen;
	uint64_t next_discovery_ns;
	bool force_spec;
	uint64_t host_netns_ino;
	char *buf; /* scratch for cgroup.procs and net/dev */
	size_t buf_cap;
	/* Paths found by the walk that have no container yet. */
	char **fresh;
	size_t n_fresh, cap_fresh;
	struct procfs_net_dev netdev_scratch[MAX_NETDEVS];
	struct devname **devnames;
	size_t n_devnames;
	/* Handles kept open, within the process's file limit; the rest are opened per refresh. */
	size_t max_persistent, n_persistent;
	/* The hierarchies discovery walks (the primary one first, then the v1 ones of the
	 * controllers read: a cgroup may exist in some only), each watched with inotify so
	 * a new cgroup is sampled at the next refresh. */
	struct walked walked[CGROUP_MAX_HIERARCHIES];
	size_t n_walked;
	bool watch_full; /* a watch could not be added: rely on periodic discovery */
	bool rescan;	 /* the kernel dropped events: walk everything at the next refresh */
};

static const struct sampler_options default_opts = {
	.network = true,
	.processes = true,
	.spec_refresh_ns = DEFAULT_SPEC_REFRESH_NS,
	.discovery_refresh_ns = DEFAULT_DISCOVERY_REFRESH_NS,
};

static void sc_free(struct sampler *s, struct sc *c)
{
	if (!c)
		return;
	if (c->persistent && s->n_persistent > 0)
		s->n_persistent--;
	cgroup_close(c->cg);
	if (c->procs_fd >= 0)
		close(c->procs_fd);
	if (c->netdev_fd >= 0)
		close(c->netdev_fd);
	free(c->walk_dir);
	free(c->pub.id);
	free(c->pub.name);
	free(c->pub.image);
	free(c->pub.runtime_id);
	free(c->pub.pod_uid);
	free(c->pub.netdevs);
	discovery_meta_free(&c->meta);
	free(c->pod_of_pod);
	free(c->ns_of_pod);
	cgroup_stats_free(&c->pub.stats);
	free(c);
}

static uint64_t ino_of(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return 0;
	return (uint64_t)st.st_ino;
}

static void walked_init(struct sampler *s);
static void walked_free(struct sampler *s);

int sampler_new(const struct cgroup_layout *layout, const struct sampler_options *opts,
		struct sampler **ret)
{
	if (!layout || !ret)
		return -EINVAL;
	struct sampler *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->layout = layout;
	s->opts = opts ? *opts : default_opts;
	s->root_cgroup = strdup(s->opts.root_cgroup ? s->opts.root_cgroup : "/");
	s->buf_cap = 16384;
	s->buf = malloc(s->buf_cap);
	if (!s->root_cgroup || !s->buf) {
		sampler_free(s);
		return -ENOMEM;
	}
	struct rlimit rl;
	rlim_t lim = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? rl.rlim_cur : 1024;
	if (lim == RLIM_INFINITY || lim > (1u << 30))
		lim = 1u << 30;
	s->max_persistent = lim > FD_RESERVE ? (lim - FD_RESERVE) / FDS_PER_HANDLE : 0;
	if (s->opts.max_open_handles && s->opts.max_open_handles < s->max_persistent)
		s->max_persistent = s->opts.max_open_handles;
	/* The host's namespace is pid 1's; ours when pid 1 is out of reach. */
	s->host_netns_ino = ino_of("/proc/1/ns/net");
	if (!s->host_netns_ino)
		s->host_netns_ino = ino_of("/proc/self/ns/net");
	walked_init(s);
	*ret = s;
	return 0;
}

void sampler_free(struct sampler *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		sc_free(s, s->items[i]);
	for (size_t i = 0; i < s->n_fresh; i++)
		free(s->fresh[i]);
	free(s->fresh);
	free(s->items);
	for (size_t i = 0; i < s->n_devnames; i++)
		free(s->devnames[i]);
	free(s->devnames);
	free(s->root_cgroup);
	free(s->buf);
	walked_free(s);
	free(s);
}

size_t sampler_count(const struct sampler *s)
{
	return s ? s->n : 0;
}

const struct sampler_container *sampler_get(const struct sampler *s, size_t i)
{
	if (!s || i >= s->n)
		return NULL;
	return &s->items[i]->pub;
}

static const char *item_id(const void *elem)
{
	return (*(struct sc *const *)elem)->pub.id;
}

/* Index of id in the first n (sorted) items, or where it would go (with *found false). */
static size_t find_in(const struct sampler *s, size_t n, const char *id, bool *found)
{
	return hutch_sorted_find(s->items, n, sizeof(*s->items), id, item_id, found);
}

/* Index of id in the sorted items, or where it would go (with *found false). */
static size_t find_index(const struct sampler *s, const char *id, bool *found)
{
	return find_in(s, s->n, id, found);
}

const struct sampler_container *sampler_find(const struct sampler *s, const char *id)
{
	if (!s || !id)
		return NULL;
	bool found;
	size_t i = find_index(s, id, &found);
	return found ? &s->items[i]->pub : NULL;
}

void sampler_invalidate(struct sampler *s)
{
	if (!s)
		return;
	s->next_discovery_ns = 0;
	s->force_spec = true;
}

static int walk_cb(const char *path, void *userdata)
{
	struct sampler *s = userdata;
	if (s->opts.containers_only) {
		struct discovery_id did;
		if (discovery_parse_path(path, &did) <= 0)
			return 0;
	}
	bool found;
	size_t i = find_index(s, path, &found);
	if (found) {
		s->items[i]->seen_gen = s->gen;
		if (!s->items[i]->partial)
			return 0;
	}
	if (HUTCH_GROW(s->fresh, s->n_fresh, s->cap_fresh, 64) < 0)
		return -ENOMEM;
	s->fresh[s->n_fresh] = strdup(path);
	if (!s->fresh[s->n_fresh])
		return -ENOMEM;
	s->n_fresh++;
	return 0;
}

/* ---- the walked hierarchies and their watches ---- */

static void walked_add(struct sampler *s, int h)
{
	if (h < 0)
		return;
	for (size_t k = 0; k < s->n_walked; k++)
		if (s->walked[k].h == h)
			return;
	struct walked *w = &s->walked[s->n_walked++];
	*w = (struct walked){.h = h};
	w->ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->ino < 0)
		s->watch_full = true;
}

/* The primary hierarchy, then on v1 and hybrid hosts those of the controllers read. */
static void walked_init(struct sampler *s)
{
	const struct cgroup_layout *l = s->layout;
	walked_add(s, cgroup_layout_primary(l));
	if (l->kind == CGROUP_LAYOUT_V2)
		return;
	static const enum cgroup_controller read[] = {CGROUP_MEMORY, CGROUP_CPUACCT, CGROUP_BLKIO,
						      CGROUP_PIDS};
	for (size_t i = 0; i < ARRAY_SIZE(read); i++) {
		int h = l->by_controller[read[i]];
		if (h >= 0 && !l->hierarchies[h].unified)
			walked_add(s, h);
	}
}

static void walked_free(struct sampler *s)
{
	for (size_t k = 0; k < s->n_walked; k++) {
		struct walked *w = &s->walked[k];
		if (w->ino >= 0)
			close(w->ino);
		for (size_t i = 0; i < w->n_dirs; i++)
			free(w->dirs[i].path);
		free(w->dirs);
	}
	s->n_walked = 0;
}

/* The directory of cgroup path in the layout's hierarchy h (as cgroup_hierarchy_dir). */
static int hierarchy_dir(const struct sampler *s, int h, const char *path, char *buf, size_t size)
{
	const struct cgroup_hierarchy *hi = &s->layout->hierarchies[h];
	size_t rl = strlen(hi->root);
	if (strcmp(hi->root, "/") != 0 && strncmp(path, hi->root, rl) == 0 &&
	    (path[rl] == '/' || path[rl] == '\0'))
		path += rl;
	int n = snprintf(buf, size, "%s%s", hi->mount_point, strcmp(path, "/") == 0 ? "" : path);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static struct watched_dir *watched_find(struct walked *w, int wd)
{
	size_t lo = 0, hi = w->n_dirs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (w->dirs[mid].wd == wd)
			return &w->dirs[mid];
		if (w->dirs[mid].wd < wd)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Watches dir for subdirectories coming and going; the kernel gives the same wd again
 * for a directory already watched. */
static void watch_dir(struct sampler *s, struct walked *w, const char *dir, const char *path)
{
	if (w->ino < 0 || s->watch_full)
		return;
	int wd = inotify_add_watch(
		w->ino, dir, IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM | IN_ONLYDIR);
	if (wd < 0) {
		/* ENOSPC: fs.inotify.max_user_watches is reached; discovery stays periodic. */
		if (errno != ENOENT)
			s->watch_full = true;
		return;
	}
	if (watched_find(w, wd))
		return;
	if (w->n_dirs && w->dirs[w->n_dirs - 1].wd > wd)
		return; /* not in order: cannot happen (wds only grow), never mind */
	if (HUTCH_GROW(w->dirs, w->n_dirs, w->cap_dirs, 256) < 0)
		return;
	char *p = strdup(path);
	if (!p)
		return;
	w->dirs[w->n_dirs++] = (struct watched_dir){wd, p};
}

static void watched_forget(struct walked *w, int wd)
{
	struct watched_dir *d = watched_find(w, wd);
	if (!d)
		return;
	free(d->path);
	size_t i = (size_t)(d - w->dirs);
	memmove(d, d + 1, (w->n_dirs - i - 1) * sizeof(*d));
	w->n_dirs--;
}

static int walk_cb(const char *path, void *userdata);

/* Walks the subtree at path in walked hierarchy k: every directory is reported to
 * walk_cb and watched. A directory removed meanwhile is simply not reported. */
static int walk_hierarchy(struct sampler *s, size_t k, char *path, size_t size)
{
	struct walked *w = &s->walked[k];
	char dir[4096];
	if (hierarchy_dir(s, w->h, path, dir, sizeof(dir)) < 0)
		return 0;
	_cleanup_closedir_ DIR *d = opendir(dir);
	if (!d)
		return 0;
	watch_dir(s, w, dir, path);
	int r = walk_cb(path, s);
	if (r < 0)
		return r;
	size_t base = strlen(path);
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		int n = snprintf(path + base, size - base, "%s%s", base == 1 ? "" : "/",
				 de->d_name);
		if (n > 0 && (size_t)n < size - base)
			r = walk_hierarchy(s, k, path, size);
		path[base] = '\0';
		if (r < 0)
			return r;
	}
	return 0;
}

static int walk_from(struct sampler *s, size_t k, const char *start)
{
	char path[4096];
	if (snprintf(path, sizeof(path), "%s", start) >= (int)sizeof(path))
		return 0;
	return walk_hierarchy(s, k, path, sizeof(path));
}

/* Whether cgroup path still has a directory in any walked hierarchy. */
static bool cgroup_exists(const struct sampler *s, const char *path)
{
	char dir[4096];
	struct stat st;
	for (size_t k = 0; k < s->n_walked; k++)
		if (hierarchy_dir(s, s->walked[k].h, path, dir, sizeof(dir)) == 0 &&
		    stat(dir, &st) == 0)
			return true;
	return false;
}

static bool is_under(const char *path, const char *root)
{
	size_t l = strlen(root);
	return strcmp(root, "/") == 0 ||
	       (strncmp(path, root, l) == 0 && (path[l] == '\0' || path[l] == '/'));
}

/*
 * Reads what the watches saw since the last refresh: a new directory's subtree is
 * walked (its cgroups join this refresh), a removed one's cgroup is dropped once it
 * is gone from every hierarchy. Returns whether anything changed.
 */
static bool watch_events(struct sampler *s, bool *ret_removed)
{
	bool changed = false;
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
	for (size_t k = 0; k < s->n_walked; k++) {
		struct walked *w = &s->walked[k];
		if (w->ino < 0)
			continue;
		ssize_t n;
		while ((n = read(w->ino, buf, sizeof(buf))) > 0) {
			for (char *p = buf; p < buf + n;) {
				struct inotify_event *ev = (struct inotify_event *)p;
				p += sizeof(*ev) + ev->len;
				if (ev->mask & IN_Q_OVERFLOW) {
					s->rescan = true;
					continue;
				}
				if (ev->mask & IN_IGNORED) {
					watched_forget(w, ev->wd);
					continue;
				}
				struct watched_dir *wd = watched_find(w, ev->wd);
				if (!wd || !ev->len || !(ev->mask & IN_ISDIR))
					continue;
				char path[4096];
				if (snprintf(path, sizeof(path), "%s/%s",
					     strcmp(wd->path, "/") == 0 ? "" : wd->path,
					     ev->name) >= (int)sizeof(path) ||
				    !is_under(path, s->root_cgroup))
					continue;
				changed = true;
				if (ev->mask & (IN_CREATE | IN_MOVED_TO)) {
					if (walk_from(s, k, path) == -ENOMEM)
						s->rescan = true;
				} else {
					*ret_removed = true;
				}
			}
		}
	}
	return changed;
}

/* cgroup.procs of the cgroup: the unified directory on v2, else a v1 hierarchy that has it. */
static int open_procs(const struct sampler *s, struct cgroup *cg)
{
	char dir[4096], path[4200];
	if (s->layout->kind == CGROUP_LAYOUT_V2) {
		if (cgroup_unified_dir(cg, dir, sizeof(dir)) < 0)
			return -1;
		snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
		return open(path, O_RDONLY | O_CLOEXEC);
	}
	static const enum cgroup_controller order[] = {CGROUP_PIDS, CGROUP_MEMORY, CGROUP_CPU,
						       CGROUP_CPUACCT};
	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		if (cgroup_controller_dir(cg, order[i], dir, sizeof(dir)) < 0)
			continue;
		snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			return fd;
	}
	return -1;
}

static uint64_t dir_mtime_ns(struct cgroup *cg)
{
	char dir[4096];
	struct stat st;
	static const enum cgroup_controller order[] = {CGROUP_CPU, CGROUP_MEMORY, CGROUP_PIDS};
	for (size_t i = 0; i < ARRAY_SIZE(order); i++)
		if (cgroup_controller_dir(cg, order[i], dir, sizeof(dir)) == 0 &&
		    stat(dir, &st) == 0)
			return (uint64_t)st.st_mtim.tv_sec * 1000000000ull +
			       (uint64_t)st.st_mtim.tv_nsec;
	if (cgroup_unified_dir(cg, dir, sizeof(dir)) == 0 && stat(dir, &st) == 0)
		return (uint64_t)st.st_mtim.tv_sec * 1000000000ull + (uint64_t)st.st_mtim.tv_nsec;
	return HUTCH_UNKNOWN;
}

/* Points pub's kubernetes names and labels at the runtime's facts. */
static void point_meta(struct sc *c)
{
	const struct discovery_meta *m = &c->meta;
	c->pub.alias = m->alias ? m->alias : "";
	c->pub.container = m->container ? m->container : "";
	c->pub.pod = m->pod ? m->pod : (c->pod_of_pod ? c->pod_of_pod : "");
	c->pub.pod_namespace = m->namespace ? m->namespace : (c->ns_of_pod ? c->ns_of_pod : "");
	c->pub.sandbox = m->sandbox;
	c->pub.labels = m->labels;
	c->pub.n_labels = m->n_labels;
}

static void lookup_names(struct sampler *s, struct sc *c)
{
	if (!c->pub.is_container || c->name_tries >= NAME_LOOKUP_TRIES || c->pub.name[0])
		return;
	c->name_tries++;
	struct discovery_roots roots = s->opts.roots ? *s->opts.roots : (struct discovery_roots){0};
	if (!roots.hutch)
		roots.hutch = s->opts.hutch_root;
	struct discovery_meta m;
	if (discovery_lookup(&roots, &c->did, &m) < 0) {
		/* hutch's containers whose state is gone (or another root's) go by their id. */
		if (c->did.runtime != SAMPLER_RUNTIME_HUTCH)
			return;
		m = (struct discovery_meta){.name = strdup(c->did.id), .image = strdup("")};
		m.alias = strdup(c->did.id);
		if (!m.name || !m.image || !m.alias) {
			discovery_meta_free(&m);
			return;
		}
	}
	char *name = strdup(m.name ? m.name : ""), *image = strdup(m.image ? m.image : "");
	if (!name || !image) {
		free(name);
		free(image);
		discovery_meta_free(&m);
		return;
	}
	free(c->pub.name);
	free(c->pub.image);
	c->pub.name = name;
	c->pub.image = image;
	discovery_meta_free(&c->meta);
	c->meta = m;
	point_meta(c);
}

/*
 * A pod's own cgroup (/kubepods/burstable/pod<uid>) takes its pod's names from a
 * container of it, as the kubelet names it from its pod list. The items are sorted,
 * so the pod's containers follow it.
 */
static void name_pods(struct sampler *s)
{
	for (size_t i = 0; i < s->n; i++) {
		struct sc *c = s->items[i];
		if (c->pub.is_container || !c->did.pod_uid[0] || c->pod_of_pod)
			continue;
		size_t l = strlen(c->pub.id);
		for (size_t k = i + 1; k < s->n; k++) {
			const struct sc *x = s->items[k];
			if (strncmp(x->pub.id, c->pub.id, l) != 0 || x->pub.id[l] != '/')
				break;
			if (strcmp(x->did.pod_uid, c->did.pod_uid) != 0 || !x->meta.pod ||
			    !x->meta.pod[0])
				continue;
			c->pod_of_pod = strdup(x->meta.pod);
			c->ns_of_pod = strdup(x->meta.namespace ? x->meta.namespace : "");
			if (!c->pod_of_pod || !c->ns_of_pod) {
				free(c->pod_of_pod);
				free(c->ns_of_pod);
				c->pod_of_pod = c->ns_of_pod = NULL;
			}
			point_meta(c);
			break;
		}
	}
}

/*
 * Opens cgroup path. One that exists only in some hierarchies (a memory-only v1
 * cgroup) is opened in those, as a process's /proc/PID/cgroup would name it;
 * *ret_k is the first walked hierarchy that has it.
 */
/* Which walked hierarchies have a directory for cgroup path (bit k). */
static uint32_t presence(const struct sampler *s, const char *path)
{
	char dir[4096];
	struct stat st;
	uint32_t mask = 0;
	for (size_t k = 0; k < s->n_walked; k++)
		if (hierarchy_dir(s, s->walked[k].h, path, dir, sizeof(dir)) == 0 &&
		    stat(dir, &st) == 0)
			mask |= 1u << k;
	return mask;
}

static int open_cgroup(struct sampler *s, const char *path, struct cgroup **ret, size_t *ret_k,
		       uint32_t *ret_present)
{
	char dir[4096];
	struct stat st;
	uint32_t mask = presence(s, path);
	size_t first = mask ? (size_t)__builtin_ctz(mask) : SIZE_MAX;
	bool in_primary = mask & 1u;
	*ret_present = mask;
	if (first == SIZE_MAX)
		return -ENOENT;
	*ret_k = first;
	if (in_primary || s->layout->kind == CGROUP_LAYOUT_V2)
		return cgroup_open(s->layout, path, ret);
	struct procfs_pid_cgroup *pc = calloc(1, sizeof(*pc));
	if (!pc)
		return -ENOMEM;
	for (size_t h = 0; h < s->layout->n_hierarchies && pc->n_entries < ARRAY_SIZE(pc->entries);
	     h++) {
		const struct cgroup_hierarchy *hi = &s->layout->hierarchies[h];
		if (hi->unified || hierarchy_dir(s, (int)h, path, dir, sizeof(dir)) < 0 ||
		    stat(dir, &st) < 0)
			continue;
		struct procfs_cgroup_entry *e = &pc->entries[pc->n_entries++];
		e->hierarchy_id = (int)h + 1;
		snprintf(e->controllers, sizeof(e->controllers), "%s", hi->options);
		snprintf(e->path, sizeof(e->path), "%s", path);
	}
	int r = cgroup_open_from_pid_cgroup(s->layout, pc, ret);
	free(pc);
	return r;
}

static int sc_open(struct sampler *s, const char *path, struct sc **ret)
{
	struct sc *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->procs_fd = -1;
	c->netdev_fd = -1;
	cgroup_stats_init(&c->pub.stats);
	int r = open_cgroup(s, path, &c->cg, &c->walk_k, &c->present);
	c->partial = c->present != (1u << s->n_walked) - 1;
	if (r < 0) {
		sc_free(s, c);
		return r;
	}
	discovery_parse_path(path, &c->did);
	c->pub.id = strdup(path);
	c->pub.name = strdup("");
	c->pub.image = strdup("");
	c->pub.runtime_id = strdup(c->did.id);
	c->pub.pod_uid = strdup(c->did.pod_uid);
	if (!c->pub.id || !c->pub.name || !c->pub.image || !c->pub.runtime_id || !c->pub.pod_uid) {
		sc_free(s, c);
		return -ENOMEM;
	}
	c->pub.runtime = c->did.runtime;
	c->pub.is_container = c->did.runtime != SAMPLER_RUNTIME_CGROUP;
	point_meta(c);
	c->pub.start_time_ns = dir_mtime_ns(c->cg);
	c->pub.processes = c->pub.threads = c->pub.file_descriptors = HUTCH_UNKNOWN;
	c->pub.cgroup_id_cpu = c->pub.cgroup_id_memory = c->pub.cgroup_id_unified = HUTCH_UNKNOWN;
	char dir[4096];
	if (hierarchy_dir(s, s->walked[c->walk_k].h, path, dir, sizeof(dir)) == 0)
		c->walk_dir = strdup(dir);
	uint64_t id;
	if (cgroup_id(c->cg, CGROUP_CPU, &id) == 0)
		c->pub.cgroup_id_cpu = id;
	if (cgroup_id(c->cg, CGROUP_MEMORY, &id) == 0)
		c->pub.cgroup_id_memory = id;
	if (cgroup_id(c->cg, CGROUP_CONTROLLER_COUNT, &id) == 0)
		c->pub.cgroup_id_unified = id;
	if (s->n_persistent < s->max_persistent) {
		c->persistent = true;
		s->n_persistent++;
		c->procs_fd = open_procs(s, c->cg);
		cgroup_release_dirs(c->cg);
	} else {
		cgroup_close(c->cg);
		c->cg = NULL;
	}
	lookup_names(s, c);
	*ret = c;
	return 0;
}

static int cmp_sc(const void *a, const void *b)
{
	const struct sc *x = *(struct sc *const *)a, *y = *(struct sc *const *)b;
	return strcmp(x->pub.id, y->pub.id);
}

/* Each cgroup's child count, from the sorted ids. */
static void count_children(struct sampler *s)
{
	for (size_t i = 0; i < s->n; i++)
		s->items[i]->n_children = 0;
	for (size_t i = 0; i < s->n; i++) {
		const char *id = s->items[i]->pub.id;
		const char *slash = strrchr(id, '/');
		if (!slash || strcmp(id, "/") == 0)
			continue;
		char parent[4096];
		size_t pl = slash == id ? 1 : (size_t)(slash - id);
		if (pl >= sizeof(parent))
			continue;
		memcpy(parent, id, pl);
		parent[pl] = '\0';
		bool found;
		size_t k = find_index(s, parent, &found);
		if (found)
			s->items[k]->n_children++;
	}
}

/*
 * Instead of walking the whole tree: one stat per known cgroup. A directory
 * that is gone drops its cgroup; one whose subdirectory count differs from
 * the children we know is listed, and its new subdirectories are walked.
 * Returns -EAGAIN when a full walk is needed.
 */
static int scan_changed(struct sampler *s)
{
	bool found;
	find_index(s, s->root_cgroup, &found);
	if (!found)
		return -EAGAIN;
	for (size_t i = 0; i < s->n; i++)
		if (!s->items[i]->walk_dir)
			return -EAGAIN;
	size_t n_known = s->n;
	for (size_t i = 0; i < n_known; i++) {
		struct sc *c = s->items[i];
		struct stat st;
		if (stat(c->walk_dir, &st) < 0)
			continue; /* gone: not marked seen, so dropped */
		c->seen_gen = s->gen;
		if (st.st_nlink < 2 || st.st_nlink - 2 == c->n_children)
			continue;
		_cleanup_closedir_ DIR *d = opendir(c->walk_dir);
		if (!d)
			continue;
		struct dirent *de;
		while ((de = readdir(d))) {
			if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			char path[4096];
			bool root = strcmp(c->pub.id, "/") == 0;
			if (snprintf(path, sizeof(path), "%s/%s", root ? "" : c->pub.id,
				     de->d_name) >= (int)sizeof(path))
				continue;
			bool known;
			find_index(s, path, &known);
			if (known)
				continue;
			int r = walk_from(s, c->walk_k, path);
			if (r == -ENOMEM)
				return r;
		}
	}
	return 0;
}

static void drop_fresh(struct sampler *s)
{
	for (size_t i = 0; i < s->n_fresh; i++)
		free(s->fresh[i]);
	s->n_fresh = 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Opens the cgroups the walks found (each once: a cgroup is found in every hierarchy
 * it is in) and puts them in order. */
static int commit_fresh(struct sampler *s)
{
	qsort(s->fresh, s->n_fresh, sizeof(*s->fresh), cmp_str);
	if (s->n + s->n_fresh > s->cap) {
		size_t nc = s->cap ? s->cap : 64;
		while (nc < s->n + s->n_fresh)
			nc *= 2;
		struct sc **ni = realloc(s->items, nc * sizeof(*ni));
		if (!ni) {
			drop_fresh(s);
			return -ENOMEM;
		}
		s->items = ni;
		s->cap = nc;
	}
	size_t n_known = s->n;
	for (size_t i = 0; i < s->n_fresh; i++) {
		struct sc *c;
		bool known;
		if (i > 0 && strcmp(s->fresh[i], s->fresh[i - 1]) == 0)
			continue;
		/* The first n_known items are still sorted. */
		size_t at = find_in(s, n_known, s->fresh[i], &known);
		/* A partial one is opened again only when it is in other hierarchies now. */
		if (known && presence(s, s->fresh[i]) == s->items[at]->present)
			continue;
		/* A cgroup removed since the walk saw it is simply not added. */
		if (sc_open(s, s->fresh[i], &c) < 0)
			continue;
		c->seen_gen = s->gen;
		if (known) { /* a partial one, opened again now that it may be in more */
			sc_free(s, s->items[at]);
			s->items[at] = c;
		} else {
			s->items[s->n++] = c;
		}
	}
	drop_fresh(s);
	if (s->n != n_known)
		qsort(s->items, s->n, sizeof(*s->items), cmp_sc);
	count_children(s);
	name_pods(s);
	return 0;
}

static int discover(struct sampler *s)
{
	s->gen++;
	drop_fresh(s);
	/* A whole walk at first, now and then as a safety net, after the watches lost
	 * events, and where the child counts do not match what we keep (containers_only
	 * skips plain cgroups). */
	int r = -EAGAIN;
	if (s->gen > 1 && !s->rescan && !s->opts.containers_only && s->gen % FULL_WALK_EVERY != 0)
		r = scan_changed(s);
	if (r == -EAGAIN) {
		drop_fresh(s);
		s->rescan = false;
		r = 0;
		for (size_t k = 0; k < s->n_walked && r >= 0; k++)
			r = walk_from(s, k, s->root_cgroup);
	}
	if (r < 0) {
		drop_fresh(s);
		return r;
	}
	/* Drop what the walk no longer saw. */
	size_t k = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (s->items[i]->seen_gen == s->gen)
			s->items[k++] = s->items[i];
		else
			sc_free(s, s->items[i]);
	}
	s->n = k;
	for (size_t i = 0; i < s->n; i++)
		lookup_names(s, s->items[i]);
	return commit_fresh(s);
}

/* Between discoveries: the cgroups the watches saw come and go. */
static int apply_watches(struct sampler *s)
{
	bool removed = false;
	drop_fresh(s);
	if (!watch_events(s, &removed) || s->rescan) {
		drop_fresh(s);
		return 0;
	}
	if (removed) {
		size_t k = 0;
		for (size_t i = 0; i < s->n; i++) {
			if (cgroup_exists(s, s->items[i]->pub.id))
				s->items[k++] = s->items[i];
			else
				sc_free(s, s->items[i]);
		}
		s->n = k;
	}
	return commit_fresh(s);
}

/* Reads fd from offset 0 into the sampler's scratch buffer, growing it as needed. */
static ssize_t read_scratch(struct sampler *s, int fd)
{
	return hutch_pread_grow(fd, &s->buf, &s->buf_cap, 64u << 20, 2);
}

static uint64_t count_fds(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	/* Since Linux 6.2 the directory's size is its number of open files: one stat
	 * instead of listing thousands of entries. Older kernels say 0: list them. */
	struct stat st;
	if (stat(path, &st) < 0)
		return 0;
	if (st.st_size > 0)
		return (uint64_t)st.st_size;
	_cleanup_closedir_ DIR *d = opendir(path);
	if (!d)
		return 0;
	uint64_t n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	return n;
}

static void read_procs(struct sampler *s, struct sc *c, int fd)
{
	c->pub.pid = 0;
	c->pub.processes = HUTCH_UNKNOWN;
	c->pub.file_descriptors = HUTCH_UNKNOWN;
	if (fd < 0)
		return;
	ssize_t n = read_scratch(s, fd);
	if (n < 0)
		return;
	uint64_t count = 0, fds = 0;
	/* The root cgroup holds every process no cgroup took: counting their files would
	 * walk all of /proc on each refresh, for a number the host's own metrics give. */
	bool want_fds = s->opts.processes && strcmp(c->pub.id, "/") != 0;
	const char *p = s->buf, *end = s->buf + n;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		if (nl > p) {
			long pid = strtol(p, NULL, 10);
			if (pid > 0) {
				if (count == 0)
					c->pub.pid = (pid_t)pid;
				count++;
				if (want_fds)
					fds += count_fds((pid_t)pid);
			}
		}
		p = nl + 1;
	}
	c->pub.processes = count;
	if (want_fds)
		c->pub.file_descriptors = fds;
}

/* Devices cAdvisor leaves out of a container's network: loopback, the host ends of
 * veth pairs, and engines' bridges. */
static bool netdev_ignored(const char *name)
{
	static const char *const prefixes[] = {"lo", "veth", "docker", "nerdctl"};
	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (strncasecmp(name, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

/* A kubernetes container other than its pod's sandbox shares the sandbox's network:
 * counting it again would repeat the pod's traffic once per container. */
static bool network_elsewhere(const struct sc *c)
{
	if (c->meta.shares_netns)
		return true;
	return c->did.runtime == SAMPLER_RUNTIME_KUBERNETES && !c->meta.sandbox;
}

static void read_network(struct sampler *s, struct sc *c)
{
	c->pub.n_netdevs = 0;
	if (c->pub.pid <= 0 || network_elsewhere(c)) {
		if (c->netdev_fd >= 0)
			close(c->netdev_fd);
		c->netdev_fd = -1;
		return;
	}
	if (c->netdev_fd < 0 || c->netdev_pid != c->pub.pid) {
		if (c->netdev_fd >= 0)
			close(c->netdev_fd);
		c->netdev_fd = -1;
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)c->pub.pid);
		uint64_t ino = ino_of(path);
		/* Sharing the host's namespace: the host's counters are not the container's. */
		if (!ino || ino == s->host_netns_ino)
			return;
		snprintf(path, sizeof(path), "/proc/%d/net/dev", (int)c->pub.pid);
		c->netdev_fd = open(path, O_RDONLY | O_CLOEXEC);
		if (c->netdev_fd < 0)
			return;
		c->netdev_pid = c->pub.pid;
	}
	ssize_t n = read_scratch(s, c->netdev_fd);
	if (n < 0) {
		close(c->netdev_fd);
		c->netdev_fd = -1;
		return;
	}
	int k = procfs_parse_net_dev(s->buf, (size_t)n, s->netdev_scratch, MAX_NETDEVS);
	if (k <= 0)
		return;
	if (!c->pub.netdevs) {
		c->pub.netdevs = calloc(MAX_NETDEVS, sizeof(*c->pub.netdevs));
		if (!c->pub.netdevs)
			return;
	}
	size_t n_kept = 0;
	for (int i = 0; i < k; i++)
		if (!netdev_ignored(s->netdev_scratch[i].name))
			c->pub.netdevs[n_kept++] = s->netdev_scratch[i];
	c->pub.n_netdevs = n_kept;
}

/* Returns -ENOENT when the cgroup is gone. */
static int sc_refresh(struct sampler *s, struct sc *c, uint64_t now)
{
	unsigned mask = MASK_ALWAYS;
	if (s->force_spec || now >= c->spec_due_ns) {
		mask |= CGROUP_STATS_SPEC | (s->opts.no_cpuset ? 0 : CGROUP_STATS_CPUSET) |
			(s->opts.no_effective_limits ? CGROUP_STATS_NO_EFFECTIVE : 0);
		uint64_t iv = s->opts.spec_refresh_ns;
		/* Re-reads are spread evenly over the interval (a per-cgroup phase), so each
		 * refresh pays for about refresh-period/interval of the cgroups, not all at once. */
		uint64_t phase = iv ? (c->pub.cgroup_id_cpu * 0x9e3779b97f4a7c15ull ^
				       c->pub.cgroup_id_unified ^ (uint64_t)(uintptr_t)c) %
						 iv
				    : 0;
		if (c->spec_due_ns == 0 || c->spec_due_ns + iv <= now)
			c->spec_due_ns = now + phase + 1;
		else
			c->spec_due_ns += iv;
	}
	struct cgroup *tmp = NULL, *cg = c->cg;
	if (!cg) {
		/* Beyond the file budget: a handle for this refresh only. */
		int r = cgroup_open(s->layout, c->pub.id, &tmp);
		if (r < 0)
			return r == -ENOENT ? r : 0;
		cg = tmp;
	} else if (mask & MASK_SPEC) {
		/* Limits are read through a short-lived handle, so their files are not
		 * kept open between the rare re-reads. */
		struct cgroup *spec;
		if (cgroup_open(s->layout, c->pub.id, &spec) == 0) {
			cgroup_read_stats(spec, mask & (MASK_SPEC | CGROUP_STATS_NO_EFFECTIVE),
					  &c->pub.stats);
			cgroup_close(spec);
		}
		mask &= ~(unsigned)(MASK_SPEC | CGROUP_STATS_NO_EFFECTIVE);
	}
	int r = cgroup_read_stats(cg, mask, &c->pub.stats);
	if (r == -ENOENT) {
		cgroup_close(tmp);
		return r;
	}
	if (tmp) {
		int fd = open_procs(s, tmp);
		read_procs(s, c, fd);
		if (fd >= 0)
			close(fd);
		cgroup_close(tmp);
	} else {
		cgroup_release_dirs(cg);
		/* cgroup.procs read to its end while empty stays empty on later preads from
		 * offset 0 (the kernel's seq_file keeps its iterator position), so a cgroup
		 * that was empty gets a fresh handle once it may hold tasks again. */
		if (c->procs_empty && c->procs_fd >= 0 &&
		    (!hutch_known(c->pub.stats.pids_current) || c->pub.stats.pids_current > 0)) {
			close(c->procs_fd);
			c->procs_fd = open_procs(s, cg);
		}
		read_procs(s, c, c->procs_fd);
		c->procs_empty = c->pub.processes == 0;
	}
	c->pub.threads = c->pub.stats.pids_current;
	if (s->opts.network)
		read_network(s, c);
	c->pub.sampled_at_ns = now;
	c->pub.sampled_wall_ns = hutch_wall_ns();
	return 0;
}

int sampler_refresh(struct sampler *s)
{
	if (!s)
		return -EINVAL;
	uint64_t now = hutch_now_ns();
	if (s->gen > 0 && !s->rescan) {
		int r = apply_watches(s);
		if (r < 0)
			return r;
	}
	if (s->gen == 0 || s->rescan || now >= s->next_discovery_ns) {
		int r = discover(s);
		if (r < 0)
			return r;
		s->next_discovery_ns = now + s->opts.discovery_refresh_ns;
	}
	size_t k = 0;
	for (size_t i = 0; i < s->n; i++) {
		struct sc *c = s->items[i];
		if (sc_refresh(s, c, now) == -ENOENT) {
			sc_free(s, c);
			continue;
		}
		s->items[k++] = c;
	}
	s->n = k;
	s->force_spec = false;
	return 0;
}

static int read_line_file(const char *path, char *out, size_t size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = hutch_pread_all(fd, out, size);
	if (n < 0)
		return (int)n;
	out[strcspn(out, "\n")] = '\0';
	return 0;
}

int sampler_read_machine(struct sampler_machine *ret)
{
	if (!ret)
		return -EINVAL;
	struct sampler_machine m = {0};
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
	m.cpu_cores = cpus > 0 ? (uint64_t)cpus : HUTCH_UNKNOWN;
	m.memory_bytes = pages > 0 && psz > 0 ? (uint64_t)pages * (uint64_t)psz : HUTCH_UNKNOWN;
	if (read_line_file("/proc/sys/kernel/random/boot_id", m.boot_id, sizeof(m.boot_id)) < 0)
		m.boot_id[0] = '\0';
	if (read_line_file("/etc/machine-id", m.machine_id, sizeof(m.machine_id)) < 0)
		m.machine_id[0] = '\0';
	*ret = m;
	return 0;
}

static uint64_t boot_time_s(void)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	if (hutch_read_file("/proc/stat", 1 << 20, &buf, &len) < 0)
		return 0;
	const char *p = strstr(buf, "\nbtime ");
	return p ? strtoull(p + 7, NULL, 10) : 0;
}

int sampler_read_process(pid_t pid, struct sampler_process *ret)
{
	if (!ret)
		return -EINVAL;
	char path[64];
	if (pid <= 0)
		pid = getpid();
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	char buf[1024];
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = hutch_pread_all(fd, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	/* The comm may hold anything; the fields start after its last ')'. */
	char *p = strrchr(buf, ')');
	if (!p)
		return -EINVAL;
	p += 2;
	uint64_t f[64] = {0};
	int field = 3; /* state is the 3rd field */
	for (char *tok = p; *tok && field < 30; field++) {
		if (field != 3)
			f[field] = strtoull(tok, NULL, 10);
		char *sp = strchr(tok, ' ');
		if (!sp)
			break;
		tok = sp + 1;
	}
	long hz = sysconf(_SC_CLK_TCK), psz = sysconf(_SC_PAGESIZE);
	if (hz <= 0)
		hz = 100;
	struct sampler_process pr = {0};
	pr.cpu_seconds = (double)(f[14] + f[15]) / (double)hz;
	pr.virtual_bytes = f[23];
	pr.resident_bytes = f[24] * (uint64_t)(psz > 0 ? psz : 4096);
	pr.start_time_s = (double)boot_time_s() + (double)f[22] / (double)hz;
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	pr.open_fds = count_fds(pid);
	struct rlimit rl;
	pr.max_fds =
		prlimit(pid, RLIMIT_NOFILE, NULL, &rl) == 0 ? (uint64_t)rl.rlim_cur : HUTCH_UNKNOWN;
	*ret = pr;
	return 0;
}

const char *sampler_device_name(struct sampler *s, unsigned major, unsigned minor)
{
	/* Names are allocated one by one and kept: callers hold them for a whole scrape. */
	if (!s)
		return "unknown";
	for (size_t i = 0; i < s->n_devnames; i++)
		if (s->devnames[i]->major == major && s->devnames[i]->minor == minor)
			return s->devnames[i]->name;
	if (s->n_devnames >= 4096)
		return "unknown";
	struct devname **nd = realloc(s->devnames, (s->n_devnames + 1) * sizeof(*nd));
	if (!nd)
		return "unknown";
	s->devnames = nd;
	struct devname *d = calloc(1, sizeof(*d));
	if (!d)
		return "unknown";
	s->devnames[s->n_devnames++] = d;
	d->major = major;
	d->minor = minor;
	snprintf(d->name, sizeof(d->name), "%u:%u", major, minor);
	char path[96];
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/uevent", major, minor);
	_cleanup_free_ char *buf = NULL;
	size_t len;
	if (hutch_read_file(path, 65536, &buf, &len) == 0) {
		const char *p = strstr(buf, "DEVNAME=");
		if (p) {
			p += 8;
			size_t n = strcspn(p, "\n");
			if (n > 0 && n < sizeof(d->name) - 6)
				snprintf(d->name, sizeof(d->name), "/dev/%.*s", (int)n, p);
		}
	}
	return d->name;
}
