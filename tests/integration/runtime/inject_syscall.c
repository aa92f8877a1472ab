// SPDX-License-Identifier: MIT
/*
 * inject_syscall PID NR [ARG...]: makes process PID run system call NR with
 * the given arguments, as itself (its credentials, capabilities, seccomp
 * filter), and prints what the call returned (a number, -errno on failure).
 * An argument "s:TEXT" is TEXT copied below the process's stack pointer,
 * passed by address. x86_64 only. The process must be stopped in a system
 * call (hutch's init waits in sigwaitinfo): the injected call reuses that
 * syscall instruction, and the interrupted call restarts afterwards.
 * Used by test_init_confined.sh to act from the container's pid 1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/user.h>
#include <sys/wait.h>

#if !defined(__x86_64__)
int main(void)
{
	fprintf(stderr, "inject_syscall: x86_64 only\n");
	return 77;
}
#else
static int die(const char *what)
{
	fprintf(stderr, "inject_syscall: %s: %s\n", what, strerror(errno));
	return 2;
}

int main(int argc, char **argv)
{
	if (argc < 3 || argc > 9) {
		fprintf(stderr, "usage: inject_syscall PID NR [ARG...]\n");
		return 2;
	}
	pid_t pid = (pid_t)atoi(argv[1]);
	int status;
	if (ptrace(PTRACE_SEIZE, pid, 0, 0) < 0)
		return die("seize");
	if (ptrace(PTRACE_INTERRUPT, pid, 0, 0) < 0 || waitpid(pid, &status, __WALL) < 0)
		return die("interrupt");
	struct user_regs_struct saved, regs;
	if (ptrace(PTRACE_GETREGS, pid, 0, &saved) < 0)
		return die("getregs");
	regs = saved;
	errno = 0;
	long insn = ptrace(PTRACE_PEEKTEXT, pid, saved.rip - 2, 0);
	if (errno || (insn & 0xffff) != 0x050f) {
		fprintf(stderr, "inject_syscall: not stopped after a syscall instruction\n");
		return 2;
	}
	unsigned long long args[6] = {0};
	unsigned long long scratch = (saved.rsp - 4096) & ~15ULL; /* past the red zone */
	for (int i = 3; i < argc; i++) {
		if (strncmp(argv[i], "s:", 2) == 0) {
			const char *text = argv[i] + 2;
			size_t n = strlen(text) + 1;
			args[i - 3] = scratch;
			for (size_t off = 0; off < n; off += sizeof(long)) {
				long word = 0;
				memcpy(&word, text + off,
				       n - off < sizeof(long) ? n - off : sizeof(long));
				if (ptrace(PTRACE_POKEDATA, pid, scratch + off, word) < 0)
					return die("poke");
			}
			scratch += (n + 15) & ~15ULL;
		} else {
			args[i - 3] = strtoull(argv[i], NULL, 0);
		}
	}
	regs.rip = saved.rip - 2;
	regs.rax = strtoull(argv[2], NULL, 0);
	regs.orig_rax = -1ULL; /* no restart of the interrupted call around ours */
	regs.rdi = args[0];
	regs.rsi = args[1];
	regs.rdx = args[2];
	regs.r10 = args[3];
	regs.r8 = args[4];
	regs.r9 = args[5];
	if (ptrace(PTRACE_SETREGS, pid, 0, &regs) < 0)
		return die("setregs");
	if (ptrace(PTRACE_SINGLESTEP, pid, 0, 0) < 0 || waitpid(pid, &status, __WALL) < 0)
		return die("step");
	if (ptrace(PTRACE_GETREGS, pid, 0, &regs) < 0)
		return die("getregs after");
	if (ptrace(PTRACE_SETREGS, pid, 0, &saved) < 0 || ptrace(PTRACE_DETACH, pid, 0, 0) < 0)
		return die("restore");
	printf("%lld\n", (long long)regs.rax);
	return 0;
}
#endif
