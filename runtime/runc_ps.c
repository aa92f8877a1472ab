// SPDX-License-Identifier: MIT
/*
 * hutch-runc ps: the container's processes. --format json prints their
 * pids (what containerd's shim reads); the table is the host's ps(1) with
 * the arguments given after the id (default -ef), its header and only the
 * lines whose PID column is one of the container's, as runc prints it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "hutch/cgroup.h"
#include "runc.h"

/* The container's pids, from its cgroup. 1 when reported as wrong. */
static int container_pids(const char *id, pid_t **ret, size_t *ret_n)
{
	struct runc_state st;
	if (runc_lookup(id, &st))
		return 1;
	struct cgroup *cg;
	int r = runc_cgroup_open(&st, &cg);
	runc_state_free(&st);
	if (r < 0)
		return runc_fail("ps: the container's cgroup: %s", strerror(-r));
	r = cgroup_list_pids(cg, ret, ret_n);
	cgroup_close(cg);
	if (r < 0)
		return runc_fail("ps: list the cgroup's processes: %s", strerror(-r));
	return 0;
}

/* ps(1) with args, its stdout and stderr together into *ret; its exit status. */
static int run_ps(char **args, char **ret, size_t *ret_len)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		int e = -errno;
		close(p[0]);
		close(p[1]);
		return e;
	}
	if (pid == 0) {
		dup2(p[1], STDOUT_FILENO);
		dup2(p[1], STDERR_FILENO);
		execvp("ps", args);
		fprintf(stderr, "exec ps: %s\n", strerror(errno));
		_exit(127);
	}
	close(p[1]);
	FILE *f = open_memstream(ret, ret_len);
	char buf[8192];
	ssize_t n;
	while ((n = read(p[0], buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
		if (n > 0 && f)
			fwrite(buf, 1, (size_t)n, f);
	close(p[0]);
	if (f)
		fclose(f);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return f ? status : -ENOMEM;
}

/* The column of the header named PID (0-based), or -1. */
static int pid_column(const char *header)
{
	int col = 0;
	for (const char *s = header; *s;) {
		s += strspn(s, " \t");
		size_t len = strcspn(s, " \t");
		if (!len)
			break;
		if (len == 3 && strncmp(s, "PID", 3) == 0)
			return col;
		col++;
		s += len;
	}
	return -1;
}

/* Field col of line as a number, or -1. */
static long field_number(const char *line, int col)
{
	const char *s = line;
	for (int i = 0;; i++) {
		s += strspn(s, " \t");
		if (!*s)
			return -1;
		if (i == col) {
			char *end;
			long v = strtol(s, &end, 10);
			return end > s && (!*end || *end == ' ' || *end == '\t') ? v : -1;
		}
		s += strcspn(s, " \t");
	}
}

static int print_table(char **ps_args, const pid_t *pids, size_t n)
{
	_cleanup_strv_free_ char **args = NULL;
	strv_push(&args, "ps");
	if (!ps_args[0])
		strv_push(&args, "-ef");
	for (size_t i = 0; ps_args[i]; i++)
		strv_push(&args, ps_args[i]);
	_cleanup_free_ char *out = NULL;
	size_t len = 0;
	int status = run_ps(args, &out, &len);
	if (status < 0)
		return runc_fail("ps: run ps: %s", strerror(-status));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return runc_fail("ps: ps exited with status %d: %s",
				 WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
				 out ? out : "");
	char *save = NULL, *line = strtok_r(out, "\n", &save);
	int col = line ? pid_column(line) : -1;
	if (col < 0)
		return runc_fail("ps: couldn't find PID field in ps output");
	printf("%s\n", line);
	while ((line = strtok_r(NULL, "\n", &save))) {
		long p = field_number(line, col);
		if (p < 0)
			return runc_fail("ps: unable to parse pid: %s", line);
		for (size_t i = 0; i < n; i++)
			if (pids[i] == (pid_t)p) {
				printf("%s\n", line);
				break;
			}
	}
	return 0;
}

int runc_cmd_ps(int argc, char **argv)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	bool json = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "json") != 0 && strcmp(optarg, "table") != 0)
				return runc_fail("ps: --format '%s': table or json", optarg);
			json = strcmp(optarg, "json") == 0;
			break;
		case 'h':
			printf("Usage: hutch-runc ps [--format table|json] ID [PS ARGS (default "
			       "-ef)]\n");
			return 0;
		default:
			return runc_bad_flag("ps", argv);
		}
	}
	if (optind >= argc)
		return runc_fail("ps: requires the container id");
	char **ps_args = argv + optind + 1;
	/* "ID -- ARGS": the separator is not ps's. */
	if (ps_args[0] && strcmp(ps_args[0], "--") == 0)
		ps_args++;
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	int r = container_pids(argv[optind], &pids, &n);
	if (r)
		return r;
	if (!json)
		return print_table(ps_args, pids, n);
	printf("[");
	for (size_t i = 0; i < n; i++)
		printf("%s%d", i ? "," : "", (int)pids[i]);
	printf("]\n");
	return 0;
}
