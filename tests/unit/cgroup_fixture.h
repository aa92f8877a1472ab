/* SPDX-License-Identifier: MIT */
/*
 * Shared by the cgroup unit tests: layouts over the fixture trees of
 * tests/fixtures/cgroup (from each tree's proc/self/mountinfo), and
 * temporary copies of a tree to write into.
 */
#ifndef HUTCH_TEST_CGROUP_FIXTURE_H
#define HUTCH_TEST_CGROUP_FIXTURE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hutch/cgroup.h"
#include "hutch/procfs.h"
#include "hutch/util.h"

#define CG_FIXTURES HUTCH_FIXTURES "/cgroup"

/* The layout of a fixture tree from the tree's own proc/self/mountinfo, with
 * root (the tree, e.g. CG_FIXTURES "/hybrid", or a copy of it) before every
 * mount point. */
static inline struct cgroup_layout *fixture_layout(const char *root)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/proc/self/mountinfo", root);
	char *buf = NULL;
	size_t len;
	if (hutch_read_file(path, 0, &buf, &len) < 0)
		return NULL;
	struct procfs_mountinfo mi;
	int r = procfs_parse_mountinfo(buf, len, &mi);
	free(buf);
	if (r < 0)
		return NULL;
	struct cgroup_layout *l = NULL;
	r = cgroup_layout_from_mountinfo(&mi, root, &l);
	procfs_mountinfo_free(&mi);
	return r < 0 ? NULL : l;
}

/* A temporary copy of a fixture tree; returns its directory (free it with fixture_rmtree). */
static inline char *fixture_copy(const char *tree)
{
	char tmpl[] = "/tmp/hutch-test-cgroup-XXXXXX";
	if (!mkdtemp(tmpl))
		return NULL;
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "cp -a '%s/%s/.' '%s/'", CG_FIXTURES, tree, tmpl);
	if (system(cmd) != 0)
		return NULL;
	return strdup(tmpl);
}

static inline void fixture_rmtree(char *dir)
{
	if (!dir)
		return;
	char cmd[1024];
	if (strncmp(dir, "/tmp/hutch-test-cgroup-", 23) == 0) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", dir);
	}
	free(dir);
}

/* A temporary copy of fixture tree (in *ret_root, for fixture_rmtree) and its layout;
 * NULL when either failed. */
static inline struct cgroup_layout *fixture_copy_layout(const char *tree, char **ret_root)
{
	*ret_root = fixture_copy(tree);
	return *ret_root ? fixture_layout(*ret_root) : NULL;
}

/* Writes value into the file rel under root (made or truncated); false when it cannot. */
static inline bool fixture_write(const char *root, const char *rel, const char *value)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	FILE *f = fopen(path, "w");
	if (!f)
		return false;
	bool ok = fputs(value, f) >= 0;
	return fclose(f) == 0 && ok;
}

/* Whether the file rel under root exists. */
static inline bool fixture_exists(const char *root, const char *rel)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	return access(path, F_OK) == 0;
}

/* The first line of a file under root, or "" when it cannot be read. */
static inline const char *fixture_read(const char *root, const char *rel)
{
	static char buf[4096];
	char path[2048];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	buf[0] = '\0';
	FILE *f = fopen(path, "r");
	if (!f)
		return buf;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

/* Runs a shell command, printf-formatted (on the fixture copies); false when it fails. */
static inline __attribute__((format(printf, 1, 2))) bool fixture_sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return n >= 0 && (size_t)n < sizeof(cmd) && system(cmd) == 0;
}

#endif
