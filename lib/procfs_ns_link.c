/* SPDX-License-Identifier: MIT */
/* The target of a /proc/PID/ns/TYPE link: "TYPE:[INODE]". */
#include <errno.h>
#include <string.h>

#include "hutch/procfs.h"

int procfs_parse_ns_link(const char *buf, size_t len, const char *type, uint64_t *ret_inode)
{
	size_t tl = strlen(type);
	if (len < tl + 4 || memcmp(buf, type, tl) != 0 || buf[tl] != ':' || buf[tl + 1] != '[' ||
	    buf[len - 1] != ']')
		return -EINVAL;
	uint64_t v = 0;
	size_t i = tl + 2;
	if (i == len - 1)
		return -EINVAL;
	for (; i < len - 1; i++) {
		if (buf[i] < '0' || buf[i] > '9' || v > (UINT64_MAX - 9) / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(buf[i] - '0');
	}
	*ret_inode = v;
	return 0;
}
