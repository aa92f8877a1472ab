/* SPDX-License-Identifier: MIT */
/* /proc/PID/net/dev: two header lines, then one "  name: 16 numbers" line per device. */
#include <errno.h>
#include <string.h>

#include "procfs_internal.h"

int procfs_parse_net_dev(const char *buf, size_t len, struct procfs_net_dev *ret, size_t max)
{
	if (!buf || !ret)
		return -EINVAL;
	size_t n = 0, line = 0;
	const char *p = buf, *end = buf + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		/* Two header lines, then "  name: 16 numbers". */
		if (line++ >= 2 && n < max) {
			const char *colon = memchr(p, ':', (size_t)(nl - p));
			if (!colon)
				return -EINVAL;
			const char *q = p;
			while (q < colon && (*q == ' ' || *q == '\t'))
				q++;
			size_t nl_len = (size_t)(colon - q);
			if (nl_len == 0 || nl_len >= sizeof(ret[n].name))
				return -EINVAL;
			struct procfs_net_dev *d = &ret[n];
			memset(d, 0, sizeof(*d));
			memcpy(d->name, q, nl_len);
			uint64_t v[16];
			const char *x = colon + 1;
			for (int i = 0; i < 16; i++) {
				while (x < nl && (*x == ' ' || *x == '\t'))
					x++;
				if (x >= nl || *x < '0' || *x > '9')
					return -EINVAL;
				uint64_t acc = 0;
				while (x < nl && *x >= '0' && *x <= '9')
					acc = acc * 10 + (uint64_t)(*x++ - '0');
				v[i] = acc;
			}
			d->rx_bytes = v[0];
			d->rx_packets = v[1];
			d->rx_errors = v[2];
			d->rx_dropped = v[3];
			d->tx_bytes = v[8];
			d->tx_packets = v[9];
			d->tx_errors = v[10];
			d->tx_dropped = v[11];
			n++;
		}
		p = nl + 1;
	}
	if (line < 2)
		return -EINVAL;
	return (int)n;
}
