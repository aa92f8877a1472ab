/* SPDX-License-Identifier: MIT */
/*
 * The naive floor of a cgroup v1 collector: open, read and close the twelve
 * standard stat files of each of N cgroups once, as a collector that keeps
 * nothing open pays on every scrape. Prints the median of ROUNDS in ms.
 *
 * usage: cgroup_floor N PARENT ROUNDS MEMORY_DIR CPUACCT_DIR CPU_DIR PIDS_DIR BLKIO_DIR
 * (cgroups are PARENT/c0 .. PARENT/c<N-1> under each controller's mount)
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static const struct {
	int ctrl; /* index into the mount arguments */
	const char *file;
} files[12] = {
	{0, "memory.usage_in_bytes"}, {0, "memory.limit_in_bytes"},
	{0, "memory.stat"},	      {0, "memory.failcnt"},
	{1, "cpuacct.usage"},	      {1, "cpuacct.usage_percpu"},
	{1, "cpuacct.stat"},	      {2, "cpu.stat"},
	{2, "cpu.cfs_quota_us"},      {2, "cpu.shares"},
	{3, "pids.current"},	      {4, "blkio.throttle.io_service_bytes"},
};

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	if (argc != 9) {
		fprintf(stderr, "usage: %s N PARENT ROUNDS MEMORY CPUACCT CPU PIDS BLKIO\n",
			argv[0]);
		return 2;
	}
	int n = atoi(argv[1]), rounds = atoi(argv[3]);
	const char *parent = argv[2];
	char path[4096], buf[65536];
	double times[64];
	if (rounds < 1 || rounds > 64)
		rounds = 5;
	long bytes = 0, missing = 0;
	for (int r = 0; r < rounds; r++) {
		double t0 = now_ms();
		for (int i = 0; i < n; i++) {
			for (int f = 0; f < 12; f++) {
				snprintf(path, sizeof(path), "%s/%s/c%d/%s",
					 argv[4 + files[f].ctrl], parent, i, files[f].file);
				int fd = open(path, O_RDONLY | O_CLOEXEC);
				if (fd < 0) {
					missing++;
					continue;
				}
				ssize_t k = read(fd, buf, sizeof(buf));
				if (k > 0)
					bytes += k;
				close(fd);
			}
		}
		times[r] = now_ms() - t0;
	}
	if (missing)
		fprintf(stderr, "cgroup_floor: %ld files missing\n", missing);
	for (int a = 0; a < rounds; a++) /* a small insertion sort for the median */
		for (int b = a; b > 0 && times[b] < times[b - 1]; b--) {
			double t = times[b];
			times[b] = times[b - 1];
			times[b - 1] = t;
		}
	printf("%.1f\n", times[rounds / 2]);
	return bytes > 0 ? 0 : 1;
}
