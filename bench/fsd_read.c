/* SPDX-License-Identifier: MIT */
/*
 * Read latency of /proc-like files: open, read to EOF, close, as free and
 * top do. Two modes:
 *   fsd_read lat ITER ROUNDS FILE...   per file, the median over ROUNDS (taken
 *                                      over the files in turn) of the mean time
 *                                      of ITER reads, in microseconds
 *   fsd_read loop SECONDS FILE...      reads the files in turn for SECONDS and
 *                                      prints how many reads it made
 *   fsd_read rate SECONDS RATE FILE... the same at RATE reads a second (paced
 *                                      on an absolute schedule, behind it only
 *                                      when the daemon is slower), so two
 *                                      daemons serve the same reads
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int read_once(const char *path)
{
	static __thread char buf[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	close(fd);
	return n < 0 ? -1 : 0;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc >= 5 && strcmp(argv[1], "lat") == 0) {
		/* Rounds go over every file in turn, so a burst of load elsewhere
		 * hits all files (and both daemons) alike. */
		int iter = atoi(argv[2]), rounds = atoi(argv[3]), n = argc - 4;
		double *r = calloc((size_t)(rounds * n), sizeof(*r));
		int *failed = calloc((size_t)n, sizeof(*failed));
		for (int f = 0; f < n; f++)
			for (int i = 0; i < 20; i++)
				read_once(argv[4 + f]);
		for (int k = 0; k < rounds; k++)
			for (int f = 0; f < n; f++) {
				double t0 = now_us();
				for (int i = 0; i < iter; i++)
					failed[f] |= read_once(argv[4 + f]);
				r[f * rounds + k] = (now_us() - t0) / iter;
			}
		for (int f = 0; f < n; f++) {
			qsort(r + f * rounds, (size_t)rounds, sizeof(*r), cmp);
			if (failed[f])
				printf("%s -\n", argv[4 + f]);
			else
				printf("%s %.1f\n", argv[4 + f], r[f * rounds + rounds / 2]);
		}
		free(r);
		free(failed);
		return 0;
	}
	if (argc >= 4 && strcmp(argv[1], "loop") == 0) {
		double end = now_us() + atof(argv[2]) * 1e6;
		long n = 0, failed = 0;
		while (now_us() < end)
			for (int f = 3; f < argc; f++, n++)
				failed += read_once(argv[f]) < 0;
		printf("%ld %ld\n", n, failed);
		return 0;
	}
	if (argc >= 5 && strcmp(argv[1], "rate") == 0) {
		double start = now_us(), end = start + atof(argv[2]) * 1e6;
		double step = 1e6 / atof(argv[3]);
		long n = 0, failed = 0;
		for (double t = now_us(); t < end; t = now_us()) {
			failed += read_once(argv[4 + n % (argc - 4)]) < 0;
			n++;
			double next = start + (double)n * step, late = now_us();
			if (next < late)
				continue;
			struct timespec ts;
			clock_gettime(CLOCK_MONOTONIC, &ts);
			double ns = (next - late) * 1e3 + (double)ts.tv_nsec;
			ts.tv_sec += (time_t)(ns / 1e9);
			ts.tv_nsec = (long)(ns - (double)(time_t)(ns / 1e9) * 1e9);
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		}
		printf("%ld %ld\n", n, failed);
		return 0;
	}
	fprintf(stderr, "usage: fsd_read lat ITER ROUNDS FILE... | fsd_read loop SECONDS FILE... | "
			"fsd_read rate SECONDS RATE FILE...\n");
	return 2;
}
