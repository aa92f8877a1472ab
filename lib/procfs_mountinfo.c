/* SPDX-License-Identifier: MIT */
/*
 * /proc/PID/mountinfo (Documentation/filesystems/proc.rst, 3.5):
 *   36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw,errors=continue
 * Zero or more optional fields end at a lone "-". The kernel escapes space,
 * tab, newline and backslash in paths as \ooo octal.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "procfs_internal.h"

static bool is_octal(char c)
{
	return c >= '0' && c <= '7';
}

/* A NUL-terminated copy of s with \ooo escapes decoded; anything else is kept as is. */
static char *unescape(struct span s)
{
	char *out = malloc(s.n + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < s.n; i++) {
		if (s.p[i] == '\\' && s.n - i >= 4 && is_octal(s.p[i + 1]) &&
		    is_octal(s.p[i + 2]) && is_octal(s.p[i + 3])) {
			int v = (s.p[i + 1] - '0') * 64 + (s.p[i + 2] - '0') * 8 +
				(s.p[i + 3] - '0');
			if (v > 0 && v < 256) {
				out[o++] = (char)v;
				i += 3;
				continue;
			}
		}
		out[o++] = s.p[i];
	}
	out[o] = '\0';
	return out;
}

static void mount_clear(struct procfs_mount *m)
{
	free(m->root);
	free(m->mount_point);
	free(m->mount_options);
	free(m->fstype);
	free(m->source);
	free(m->super_options);
	memset(m, 0, sizeof(*m));
}

static int parse_devno(struct span f, unsigned *ret_major, unsigned *ret_minor)
{
	struct span maj;
	uint64_t a, b;
	if (!procfs_split_at(&f, ':', &maj))
		return -EINVAL;
	if (procfs_span_u64(maj, &a) < 0 || procfs_span_u64(f, &b) < 0 || a > UINT32_MAX ||
	    b > UINT32_MAX)
		return -EINVAL;
	*ret_major = (unsigned)a;
	*ret_minor = (unsigned)b;
	return 0;
}

static int parse_line(struct span line, struct procfs_mount *m)
{
	struct span f[6];
	for (size_t i = 0; i < 6; i++)
		if (!procfs_next_field(&line, &f[i]))
			return -EINVAL;
	if (procfs_span_int(f[0], &m->mount_id) < 0 || procfs_span_int(f[1], &m->parent_id) < 0 ||
	    parse_devno(f[2], &m->major, &m->minor) < 0)
		return -EINVAL;

	/* Optional fields (shared:N, master:N, propagate_from:N, unbindable) up to "-". */
	struct span sep;
	for (;;) {
		if (!procfs_next_field(&line, &sep))
			return -EINVAL;
		if (procfs_span_eq(sep, "-"))
			break;
	}
	struct span fstype, source, super = {"", 0};
	if (!procfs_next_field(&line, &fstype) || !procfs_next_field(&line, &source))
		return -EINVAL;
	/* Super options may in principle be empty; nothing may follow them. */
	procfs_next_field(&line, &super);
	struct span extra;
	if (procfs_next_field(&line, &extra))
		return -EINVAL;

	m->root = unescape(f[3]);
	m->mount_point = unescape(f[4]);
	m->mount_options = unescape(f[5]);
	m->fstype = unescape(fstype);
	m->source = unescape(source);
	m->super_options = unescape(super);
	if (!m->root || !m->mount_point || !m->mount_options || !m->fstype || !m->source ||
	    !m->super_options)
		return -ENOMEM;
	return 0;
}

int procfs_parse_mountinfo(const char *buf, size_t len, struct procfs_mountinfo *ret)
{
	if (!buf && len)
		return -EINVAL;
	struct procfs_mountinfo mi = {0};
	size_t cap = 0, pos = 0;
	struct span line;
	int r = 0;
	while (procfs_next_line(buf, len, &pos, &line)) {
		line = procfs_trim(line);
		if (line.n == 0)
			continue;
		if ((r = HUTCH_GROW(mi.mounts, mi.n_mounts, cap, 32)) < 0)
			break;
		struct procfs_mount *m = &mi.mounts[mi.n_mounts];
		memset(m, 0, sizeof(*m));
		r = parse_line(line, m);
		if (r < 0) {
			mount_clear(m);
			break;
		}
		mi.n_mounts++;
	}
	if (r == 0 && mi.n_mounts == 0)
		r = -EINVAL;
	if (r < 0) {
		procfs_mountinfo_free(&mi);
		return r;
	}
	*ret = mi;
	return 0;
}

void procfs_mountinfo_free(struct procfs_mountinfo *mi)
{
	if (!mi)
		return;
	for (size_t i = 0; i < mi->n_mounts; i++)
		mount_clear(&mi->mounts[i]);
	free(mi->mounts);
	mi->mounts = NULL;
	mi->n_mounts = 0;
}
