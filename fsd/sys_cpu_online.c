/* SPDX-License-Identifier: MIT */
/*
 * sys/devices/system/cpu/online: the visible CPUs, numbered from 0 as cpuinfo
 * and stat number them; and the directory's other CPU lists, which agree with
 * it (glibc's get_nprocs_conf counts the cpuN entries, others read possible
 * or present: a container must get one answer from all).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fsd.h"

int fsd_render_cpu_online(const struct fsd_view *v, struct fsd_buf *out)
{
	unsigned n = hutch_cpuset_count(&v->visible);
	if (n == 0)
		return -EINVAL;
	if (n == 1)
		fsd_buf_printf(out, "0\n");
	else
		fsd_buf_printf(out, "0-%u\n", n - 1);
	return out->err;
}

static bool name_in(const char *name, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(name, *list) == 0)
			return true;
	return false;
}

int fsd_cpu_dir_text(const char *name, const char *online, struct fsd_buf *out)
{
	static const char *const as_online[] = {"possible", "present", "enabled", NULL};
	static const char *const empty[] = {"offline", "isolated", "nohz_full", NULL};
	if (name_in(name, as_online)) {
		size_t n = strcspn(online, "\n");
		fsd_buf_append(out, online, n);
		fsd_buf_append(out, "\n", 1);
	} else if (name_in(name, empty)) {
		fsd_buf_append(out, "\n", 1);
	} else {
		return -ENOENT;
	}
	return out->err;
}

bool fsd_cpu_dir_hidden(const char *name, const char *online)
{
	if (strncmp(name, "cpu", 3) != 0 || name[3] < '0' || name[3] > '9')
		return false;
	char *end;
	unsigned long cpu = strtoul(name + 3, &end, 10);
	if (*end)
		return false;
	char list[256];
	size_t n = strcspn(online, "\n");
	if (n >= sizeof(list))
		return false;
	memcpy(list, online, n);
	list[n] = '\0';
	struct hutch_cpuset set;
	if (hutch_cpuset_parse(list, &set) < 0)
		return false;
	return cpu >= HUTCH_MAX_CPUS || !hutch_cpuset_has(&set, (unsigned)cpu);
}
