/* SPDX-License-Identifier: MIT */
/*
 * A reader that hammers hutch-fsd's files and counts every way a read can go
 * wrong, for the restart tests and bench/fsd_restart.sh:
 *   fsd_hammer STOPFILE FILE...
 * reads the files in turn (open, read to EOF with 4 KiB reads, close) until
 * STOPFILE exists, then prints one line:
 *   reads=N errors=N empty=N short=N max_ms=X p999_ms=X first=WHAT
 * errors: an open or read failed (ENOTCONN, EIO, ECONNABORTED, ...); empty:
 * no bytes; short: a text not ending in a newline, or with another number of
 * lines than the file's first read had (the files' line counts are fixed).
 * max_ms: the longest open-to-close of one read: the longest pause a reader saw.
 * A file missing at the first read (no PSI on this kernel) is left out.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_FILES 32
#define N_BUCKETS 100000 /* 0.1 ms each: 10 s */

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Reads path to EOF: the byte count, or -errno. */
static long read_all(const char *path, char *buf, size_t size, unsigned *ret_lines)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t len = 0;
	ssize_t n = 0;
	while (len + 4096 <= size && (n = read(fd, buf + len, 4096)) > 0)
		len += (size_t)n;
	int e = n < 0 ? errno : 0;
	close(fd);
	if (e)
		return -e;
	unsigned lines = 0;
	for (size_t i = 0; i < len; i++)
		lines += buf[i] == '\n';
	*ret_lines = lines;
	if (len && buf[len - 1] != '\n')
		*ret_lines = 0;
	return (long)len;
}

/* Says on stderr what a short text held: its length and each line's first word. */
static void report_short(const char *path, const char *buf, long len, unsigned lines, unsigned want)
{
	fprintf(stderr, "fsd_hammer: short %s: %u lines (first read: %u), %ld bytes, keys:", path,
		lines, want, len);
	for (long i = 0; i < len;) {
		long j = i;
		while (j < len && buf[j] != ' ' && buf[j] != '\t' && buf[j] != '\n' && j - i < 24)
			j++;
		fprintf(stderr, " %.*s", (int)(j - i), buf + i);
		while (i < len && buf[i] != '\n')
			i++;
		i++;
	}
	fputc('\n', stderr);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: fsd_hammer STOPFILE FILE...\n");
		return 2;
	}
	static char buf[1 << 20];
	static unsigned long hist[N_BUCKETS + 1];
	const char *files[MAX_FILES];
	unsigned expect[MAX_FILES];
	int n = 0;
	for (int i = 2; i < argc && n < MAX_FILES; i++) {
		unsigned lines = 0;
		long r = read_all(argv[i], buf, sizeof(buf), &lines);
		if (r == -ENOENT)
			continue;
		if (r <= 0 || !lines) {
			fprintf(stderr, "fsd_hammer: %s: first read %ld\n", argv[i], r);
			return 1;
		}
		files[n] = argv[i];
		expect[n++] = lines;
	}
	unsigned long reads = 0, errors = 0, empty = 0, shortr = 0;
	double max = 0;
	char first[256] = "none";
	while (access(argv[1], F_OK) != 0) {
		for (int i = 0; i < n; i++) {
			unsigned lines = 0;
			double t0 = now_ms();
			long r = read_all(files[i], buf, sizeof(buf), &lines);
			double dt = now_ms() - t0;
			reads++;
			if (dt > max)
				max = dt;
			size_t b = (size_t)(dt * 10);
			hist[b < N_BUCKETS ? b : N_BUCKETS]++;
			const char *what = NULL;
			if (r < 0) {
				errors++;
				what = strerror((int)-r);
			} else if (r == 0) {
				empty++;
				what = "empty";
			} else if (lines != expect[i]) {
				if (!shortr)
					report_short(files[i], buf, r, lines, expect[i]);
				shortr++;
				what = "short";
			}
			if (what && strcmp(first, "none") == 0)
				snprintf(first, sizeof(first), "%s:%s", files[i], what);
		}
	}
	unsigned long want = reads - reads / 1000, seen = 0;
	size_t b = 0;
	for (; b <= N_BUCKETS && seen + hist[b] < want; b++)
		seen += hist[b];
	for (char *p = first; *p; p++)
		if (*p == ' ')
			*p = '_';
	printf("reads=%lu errors=%lu empty=%lu short=%lu max_ms=%.1f p999_ms=%.1f first=%s\n",
	       reads, errors, empty, shortr, max, (double)(b + 1) / 10, first);
	return 0;
}
