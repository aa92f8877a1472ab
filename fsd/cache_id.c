/* SPDX-License-Identifier: MIT */
/*
 * The name of a container in hutch-fsd's per-container view (see
 * fsd/cache_view.c): its cgroup path without the leading '/', with '/'
 * written "%2F" and '%' written "%25", so the path is one directory name.
 * /hutch/abc is "hutch%2Fabc". Pure: unit-tested in tests/unit/test_fsd_cache_id.c.
 */
#include <errno.h>
#include <string.h>

#include "cache_view.h"

int fsd_cache_id_encode(const char *path, char *buf, size_t size)
{
	while (*path == '/')
		path++;
	size_t n = 0;
	if (!*path)
		return -EINVAL; /* the root cgroup is the host's: no view of its own */
	for (const char *p = path; *p; p++) {
		const char *put = *p == '/' ? "%2F" : *p == '%' ? "%25" : NULL;
		size_t k = put ? 3 : 1;
		if (n + k >= size)
			return -ENAMETOOLONG;
		memcpy(buf + n, put ? put : p, k);
		n += k;
	}
	/* A trailing '/' (or "//") would name the same cgroup twice. */
	if (buf[n - 1] == 'F' && n >= 3 && memcmp(buf + n - 3, "%2F", 3) == 0)
		return -EINVAL;
	buf[n] = '\0';
	return 0;
}

int fsd_cache_id_decode(const char *name, char *buf, size_t size)
{
	size_t n = 0;
	if (size < 2 || !*name)
		return -EINVAL;
	buf[n++] = '/';
	for (const char *p = name; *p; p++) {
		char c = *p;
		if (c == '%') {
			if (strncmp(p, "%2F", 3) == 0)
				c = '/';
			else if (strncmp(p, "%25", 3) == 0)
				c = '%';
			else
				return -EINVAL;
			p += 2;
		}
		if (n + 1 >= size)
			return -ENAMETOOLONG;
		buf[n++] = c;
	}
	buf[n] = '\0';
	/* Each component a real name: no "", ".", ".." (no way out of the hierarchy). */
	for (const char *s = buf + 1;;) {
		const char *e = strchr(s, '/');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		if (len == 0 || (len == 1 && s[0] == '.') ||
		    (len == 2 && s[0] == '.' && s[1] == '.'))
			return -EINVAL;
		if (!e)
			break;
		s = e + 1;
	}
	return 0;
}
