/* SPDX-License-Identifier: MIT */
/*
 * Shared by the cgroup unit tests: layouts over the fixture trees of
 * tests/fixtures/cgroup (the mounts are those of each tree's
 * proc/self/mountinfo), and temporary copies of a tree to write into.
 */
#ifndef HUTCH_TEST_CGROUP_FIXTURE_H
#define HUTCH_TEST_CGROUP_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hutch/cgroup.h"

#define CG_FIXTURES HUTCH_FIXTURES "/cgroup"

struct fixture_mount {
	const char *mount_point, *fstype, *super_options, *root;
};

/* Captured on the hybrid host: each controller on its own, cgroup2 at unified. */
static const struct fixture_mount hybrid_mounts[] = {
	{"/sys/fs/cgroup", "tmpfs", "rw,mode=755", "/"},
	{"/sys/fs/cgroup/cpu", "cgroup", "rw,cpu", "/"},
	{"/sys/fs/cgroup/cpuacct", "cgroup", "rw,cpuacct", "/"},
	{"/sys/fs/cgroup/cpuset", "cgroup", "rw,cpuset", "/"},
	{"/sys/fs/cgroup/memory", "cgroup", "rw,memory", "/"},
	{"/sys/fs/cgroup/devices", "cgroup", "rw,devices", "/"},
	{"/sys/fs/cgroup/freezer", "cgroup", "rw,freezer", "/"},
	{"/sys/fs/cgroup/blkio", "cgroup", "rw,blkio", "/"},
	{"/sys/fs/cgroup/pids", "cgroup", "rw,pids", "/"},
	{"/sys/fs/cgroup/systemd", "cgroup", "rw,name=systemd", "/"},
	{"/sys/fs/cgroup/unified", "cgroup2", "rw", "/"},
	{NULL, NULL, NULL, NULL},
};

/* The same capture as a v1 host with cpu and cpuacct co-mounted. */
static const struct fixture_mount v1_mounts[] = {
	{"/sys/fs/cgroup", "tmpfs", "rw,mode=755", "/"},
	{"/sys/fs/cgroup/cpu,cpuacct", "cgroup", "rw,cpu,cpuacct", "/"},
	{"/sys/fs/cgroup/cpuset", "cgroup", "rw,cpuset", "/"},
	{"/sys/fs/cgroup/memory", "cgroup", "rw,memory", "/"},
	{"/sys/fs/cgroup/devices", "cgroup", "rw,devices", "/"},
	{"/sys/fs/cgroup/freezer", "cgroup", "rw,freezer", "/"},
	{"/sys/fs/cgroup/blkio", "cgroup", "rw,blkio", "/"},
	{"/sys/fs/cgroup/pids", "cgroup", "rw,pids", "/"},
	{"/sys/fs/cgroup/systemd", "cgroup", "rw,name=systemd", "/"},
	{NULL, NULL, NULL, NULL},
};

static const struct fixture_mount v2_mounts[] = {
	{"/", "ext4", "rw", "/"},
	{"/sys/fs/cgroup", "cgroup2", "rw,nsdelegate,memory_recursiveprot", "/"},
	{NULL, NULL, NULL, NULL},
};

/* Builds the layout of mounts over the tree at root (e.g. CG_FIXTURES "/hybrid"). */
static inline struct cgroup_layout *fixture_layout(const struct fixture_mount *mounts,
						   const char *root)
{
	struct procfs_mount m[32];
	size_t n = 0;
	for (; mounts[n].mount_point; n++) {
		m[n] = (struct procfs_mount){
			.mount_id = (int)n + 30,
			.parent_id = 1,
			.major = 0,
			.minor = (unsigned)n + 27,
			.root = (char *)mounts[n].root,
			.mount_point = (char *)mounts[n].mount_point,
			.mount_options = (char *)"rw,relatime",
			.fstype = (char *)mounts[n].fstype,
			.source = (char *)mounts[n].fstype,
			.super_options = (char *)mounts[n].super_options,
		};
	}
	struct procfs_mountinfo mi = {.n_mounts = n, .mounts = m};
	struct cgroup_layout *l = NULL;
	if (cgroup_layout_from_mountinfo(&mi, root, &l) < 0)
		return NULL;
	return l;
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

#endif
