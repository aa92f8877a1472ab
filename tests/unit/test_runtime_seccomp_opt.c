// SPDX-License-Identifier: MIT
/*
 * seccomp_opt.c's rewrite of libseccomp's programs: for the built-in profile
 * and a docker JSON profile with argument rules and several errno values,
 * the rewritten program decides every call tried as libseccomp's does (the
 * kernel's classic BPF, interpreted) and is shorter; a program of another
 * shape is left alone; and the kernel loads the rewritten one (root only).
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <seccomp.h>

#include "hutch.h"
#include "seccomp_profile.h"

static void assert_same(const struct seccomp_profile *p, uint64_t caps)
{
	struct seccomp_prog plain = {0}, opt = {0};
	struct hutch_error err = {0};
	assert_int_equal(seccomp_compile_plain(p, caps, &plain, &err), 0);
	assert_int_equal(seccomp_compile(p, caps, &opt, &err), 0);
	assert_true(opt.len < plain.len);
	assert_int_equal(seccomp_bpf_differences(opt.insns, opt.len, plain.insns, plain.len), 0);
	seccomp_prog_free(&plain);
	seccomp_prog_free(&opt);
}

static void test_default_profile(void **state)
{
	assert_same(seccomp_profile_default(), HUTCH_CAPS_DEFAULT);
	assert_same(seccomp_profile_default(), 0); /* capability-gated rules gone */
}

static const char json_profile[] =
	"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 1,"
	" \"syscalls\": ["
	/* x86_64's 0-39 and more: runs the rewrite makes ranges of. */
	"  {\"names\": ["
	"\"read\", \"write\", \"open\", \"close\", \"stat\", \"fstat\","
	"\"lstat\", \"poll\", \"lseek\", \"mmap\", \"mprotect\", \"munmap\","
	"\"brk\", \"rt_sigaction\", \"rt_sigprocmask\", \"rt_sigreturn\", \"ioctl\", \"pread64\","
	"\"pwrite64\", \"readv\", \"writev\", \"access\", \"pipe\", \"select\","
	"\"sched_yield\", \"mremap\", \"msync\", \"mincore\", \"madvise\", \"dup\","
	"\"dup2\", \"pause\", \"nanosleep\", \"getitimer\", \"alarm\", \"setitimer\","
	"\"getpid\", \"exit_group\", \"openat\"],"
	"   \"action\": \"SCMP_ACT_ALLOW\"},"
	"  {\"names\": [\"mkdir\", \"mkdirat\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 13},"
	"  {\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ALLOW\","
	"   \"args\": [{\"index\": 0, \"value\": 8, \"op\": \"SCMP_CMP_EQ\"}]},"
	"  {\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 97,"
	"   \"args\": [{\"index\": 0, \"value\": 40, \"op\": \"SCMP_CMP_EQ\"}]},"
	"  {\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ALLOW\","
	"   \"args\": [{\"index\": 0, \"value\": 40, \"op\": \"SCMP_CMP_NE\"}]},"
	"  {\"names\": [\"clone\"], \"action\": \"SCMP_ACT_ALLOW\","
	"   \"args\": [{\"index\": 0, \"value\": 2114060288, \"op\": \"SCMP_CMP_MASKED_EQ\"}]}"
	" ]}";

static void test_json_profile(void **state)
{
	struct seccomp_profile p;
	struct hutch_error err = {0};
	assert_int_equal(seccomp_profile_parse(json_profile, seccomp_arch_native(), &p, &err), 0);
	assert_same(&p, HUTCH_CAPS_DEFAULT);
	seccomp_profile_free(&p);
}

/* JSET on the number: not a comparison the rewrite can take apart. */
static void test_other_shape(void **state)
{
	const struct sock_filter prog[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 1, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_filter *out = NULL;
	size_t len = 0;
	assert_int_equal(seccomp_bpf_optimize(prog, ARRAY_SIZE(prog), &out, &len), -EOPNOTSUPP);
	assert_null(out);
}

/* The kernel takes the rewritten built-in filter, and it still allows and denies. */
static void test_kernel_load(void **state)
{
	if (geteuid() != 0)
		skip();
	struct seccomp_prog opt = {0};
	struct hutch_error err = {0};
	assert_int_equal(seccomp_compile(seccomp_profile_default(), HUTCH_CAPS_DEFAULT, &opt, &err),
			 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		if (seccomp_load_prog(&opt) < 0)
			_exit(2);
		/* getpid allowed; keyctl denied with EPERM. */
		if (syscall(SYS_getpid) != getpid() || syscall(SYS_keyctl, 0, 0, 0, 0, 0) != -1 ||
		    errno != EPERM)
			_exit(3);
		_exit(0);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	seccomp_prog_free(&opt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_profile),
		cmocka_unit_test(test_json_profile),
		cmocka_unit_test(test_other_shape),
		cmocka_unit_test(test_kernel_load),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
