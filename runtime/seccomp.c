// SPDX-License-Identifier: MIT
/*
 * The command's seccomp filter: a deny list of the system calls docker's
 * default profile keeps from containers (kernel modules, kexec, reboot,
 * swap, clocks, keyrings, bpf, perf, namespaces of its own, ...), each
 * failing with EPERM. clone3 gets ENOSYS so libc falls back to clone, whose
 * namespace flags the filter can see.
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hutch.h"

static const char *const denied[] = {
	"acct",
	"add_key",
	"bpf",
	"clock_adjtime",
	"clock_settime",
	"create_module",
	"delete_module",
	"finit_module",
	"get_kernel_syms",
	"get_mempolicy",
	"init_module",
	"ioperm",
	"iopl",
	"kcmp",
	"kexec_file_load",
	"kexec_load",
	"keyctl",
	"lookup_dcookie",
	"mbind",
	"mount",
	"move_pages",
	"name_to_handle_at",
	"nfsservctl",
	"open_by_handle_at",
	"perf_event_open",
	"personality",
	"pivot_root",
	"process_vm_readv",
	"process_vm_writev",
	"ptrace",
	"query_module",
	"quotactl",
	"reboot",
	"request_key",
	"set_mempolicy",
	"setns",
	"settimeofday",
	"stime",
	"swapon",
	"swapoff",
	"sysfs",
	"_sysctl",
	"umount",
	"umount2",
	"unshare",
	"uselib",
	"userfaultfd",
	"ustat",
	"vm86",
	"vm86old",
	"fsopen",
	"fsconfig",
	"fsmount",
	"fspick",
	"move_mount",
	"open_tree",
};

static scmp_filter_ctx default_filter(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return NULL;
	int r = 0;
	for (size_t i = 0; i < ARRAY_SIZE(denied) && r == 0; i++) {
		int nr = seccomp_syscall_resolve_name(denied[i]);
		if (nr == __NR_SCMP_ERROR)
			continue; /* not on this architecture */
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
	}
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
				     SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER));
	if (r < 0) {
		seccomp_release(ctx);
		return NULL;
	}
	return ctx;
}

int seccomp_apply_default(void)
{
	scmp_filter_ctx ctx = default_filter();
	if (!ctx)
		return -ENOMEM;
	int r = seccomp_load(ctx);
	seccomp_release(ctx);
	return r;
}

int seccomp_build_default(struct seccomp_prog *ret)
{
	ret->len = 0;
	scmp_filter_ctx ctx = default_filter();
	if (!ctx)
		return -ENOMEM;
	/* libseccomp 2.5 exports to a file descriptor only. */
	_cleanup_close_ int fd = memfd_create("hutch-seccomp", MFD_CLOEXEC);
	int r = fd < 0 ? -errno : seccomp_export_bpf(ctx, fd);
	seccomp_release(ctx);
	if (r < 0)
		return r;
	ssize_t n = pread(fd, ret->insns, sizeof(ret->insns), 0);
	if (n <= 0 || n % sizeof(struct sock_filter) != 0 || (size_t)n == sizeof(ret->insns))
		return -EIO;
	ret->len = (size_t)n / sizeof(struct sock_filter);
	return 0;
}

int seccomp_load_prog(const struct seccomp_prog *prog)
{
	struct sock_fprog fp = {.len = (unsigned short)prog->len,
				.filter = (struct sock_filter *)(void *)prog->insns};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp) < 0)
		return -errno;
	return 0;
}
