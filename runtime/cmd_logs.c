// SPDX-License-Identifier: MIT
/* hutch logs: a container's output, from its log file (kept unless it ran with --rm). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hutch.h"
#include "verb.h"

static void write_out(const char *buf, size_t len)
{
	fwrite(buf, 1, len, stdout);
	fflush(stdout);
}

int cmd_logs(int argc, char **argv)
{
	static const struct option opts[] = {
		{"follow", no_argument, NULL, 'f'},
		{"tail", required_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	bool follow = false;
	uint64_t tail = UINT64_MAX;
	int c;
	verb_getopt_reset();
	while ((c = getopt_long(argc, argv, "+fn:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			follow = true;
			break;
		case 'n':
			if (strcmp(optarg, "all") != 0 && hutch_parse_u64(optarg, &tail) < 0)
				return hutch_fail("logs", "--tail '%s': a number of lines or all",
						  optarg);
			break;
		case 'h':
			printf("Usage: hutch logs [-f] [--tail N] NAME\n\n"
			       "Show a container's output (detached or not; --rm ones keep "
			       "none).\n\n"
			       "  -f, --follow   keep printing new output until the container "
			       "exits\n"
			       "  -n, --tail N   only the last N lines\n");
			return 0;
		default:
			return VERB_BAD_FLAG("logs", argv);
		}
	}
	if (optind + 1 != argc)
		return hutch_fail("logs", "one container NAME is needed");
	struct hutch_state st;
	if (container_lookup("logs", argv[optind], &st) != 0)
		return EXIT_RUNTIME;
	_cleanup_close_ int fd = st.log_path[0] ? open(st.log_path, O_RDONLY | O_CLOEXEC) : -1;
	if (fd < 0) {
		/* Not a goto past buf below: its cleanup would free an unset pointer. */
		hutch_state_free(&st);
		return hutch_fail("logs", "container %s has no log", argv[optind]);
	}
	_cleanup_free_ char *buf = NULL;
	size_t len;
	if (hutch_read_file_at(AT_FDCWD, st.log_path, 256u << 20, &buf, &len) < 0)
		len = 0;
	size_t start = 0;
	if (tail != UINT64_MAX) {
		uint64_t lines = 0;
		size_t i = len;
		if (i > 0 && buf[i - 1] == '\n')
			i--;
		while (i > 0) {
			if (buf[i - 1] == '\n' && ++lines == tail)
				break;
			i--;
		}
		start = tail == 0 ? len : i;
	}
	write_out(buf + start, len - start);
	off_t off = (off_t)len;
	while (follow) {
		bool running = hutch_state_pid_alive(&st);
		char chunk[65536];
		ssize_t n;
		while ((n = pread(fd, chunk, sizeof(chunk), off)) > 0) {
			write_out(chunk, (size_t)n);
			off += n;
		}
		if (!running)
			break;
		nanosleep(&(struct timespec){.tv_nsec = 100000000}, NULL);
	}
	hutch_state_free(&st);
	return 0;
}
