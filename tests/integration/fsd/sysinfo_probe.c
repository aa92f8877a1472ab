// SPDX-License-Identifier: MIT
/*
 * sysinfo(2) from inside a container, linked statically so any rootfs runs it.
 *   sysinfo_probe            one call: its fields, one "name=value" a line
 *   sysinfo_probe loop SECS [LIMIT_MIB [STOP]]
 *                            calls in a loop for SECS seconds, or until the
 *                            file STOP exists: how many, how many failed, the
 *                            longest call, and how many saw less than
 *                            LIMIT_MIB of RAM (default 1024)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

static unsigned long long now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000ull + (unsigned long long)ts.tv_nsec / 1000;
}

int main(int argc, char **argv)
{
	struct sysinfo si;
	if (argc >= 3 && strcmp(argv[1], "loop") == 0) {
		unsigned long long end = now_us() + strtoull(argv[2], NULL, 10) * 1000000ull;
		unsigned long long limit = (argc >= 4 ? strtoull(argv[3], NULL, 10) : 1024) << 20;
		const char *stop = argc >= 5 ? argv[4] : NULL;
		unsigned long long calls = 0, errors = 0, small = 0, max_us = 0;
		while (now_us() < end && !(stop && calls % 1024 == 0 && access(stop, F_OK) == 0)) {
			unsigned long long t0 = now_us();
			int r = sysinfo(&si);
			unsigned long long dt = now_us() - t0;
			calls++;
			if (r < 0)
				errors++;
			else if ((unsigned long long)si.totalram * si.mem_unit < limit)
				small++;
			if (dt > max_us)
				max_us = dt;
		}
		printf("calls=%llu errors=%llu small=%llu max_us=%llu\n", calls, errors, small,
		       max_us);
		return errors ? 1 : 0;
	}
	if (sysinfo(&si) < 0) {
		printf("error=%s\n", strerror(errno));
		return 1;
	}
	unsigned long long u = si.mem_unit;
	printf("totalram=%llu\nfreeram=%llu\nsharedram=%llu\nbufferram=%llu\ntotalswap=%llu\n"
	       "freeswap=%llu\nuptime=%ld\nload1=%lu\nload5=%lu\nload15=%lu\nprocs=%u\n",
	       si.totalram * u, si.freeram * u, si.sharedram * u, si.bufferram * u,
	       si.totalswap * u, si.freeswap * u, si.uptime, si.loads[0], si.loads[1], si.loads[2],
	       (unsigned)si.procs);
	return 0;
}
