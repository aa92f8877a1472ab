// SPDX-License-Identifier: MIT
/*
 * kill_at US [-t] CMD [ARG...]: runs CMD and SIGKILLs it US microseconds
 * later (with -t also the processes it forked by then, as `run -d`'s
 * monitor), then reaps it. For the tests that kill hutch at every moment of
 * a container's start; a shell's `sleep` is too coarse for that.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: kill_at US [-t] CMD [ARG...]\n");
		return 2;
	}
	long us = atol(argv[1]);
	int i = 2, tree = 0;
	if (!strcmp(argv[i], "-t")) {
		tree = 1;
		i++;
	}
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", 1);
		dup2(null, 1);
		execvp(argv[i], argv + i);
		_exit(127);
	}
	struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000};
	nanosleep(&ts, NULL);
	if (tree) {
		char path[64], buf[4096];
		snprintf(path, sizeof(path), "/proc/%d/task/%d/children", pid, pid);
		FILE *f = fopen(path, "r");
		size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
		if (f)
			fclose(f);
		buf[n] = '\0';
		for (char *s = strtok(buf, " \n"); s; s = strtok(NULL, " \n"))
			kill(atoi(s), SIGKILL);
	}
	kill(pid, SIGKILL);
	int status;
	waitpid(pid, &status, 0);
	return 0;
}
