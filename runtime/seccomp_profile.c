// SPDX-License-Identifier: MIT
/*
 * The built-in seccomp profile and docker's JSON profile format. The
 * built-in one is an allow list with docker's default profile's meaning:
 * everything not listed fails with EPERM; what needs a capability is
 * allowed only to a container that has it (--cap-add SYS_ADMIN brings
 * mount, unshare, setns, ...); io_uring is not allowed at all (its
 * operations bypass the filter; docker denies it since 2023).
 */
#include <errno.h>
#include <json-c/json.h>
#include <linux/capability.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seccomp_profile.h"

#define CAP(c)	     (1ULL << (c))
#define CAP_PERFMON_ 38
#define CAP_BPF_     39

/* Allowed to every container. Names this libseccomp does not know are skipped when compiling. */
static const char *const allowed[] = {
	"accept",
	"accept4",
	"access",
	"adjtimex",
	"alarm",
	"bind",
	"brk",
	"cachestat",
	"capget",
	"capset",
	"chdir",
	"chmod",
	"chown",
	"chown32",
	"clock_getres",
	"clock_getres_time64",
	"clock_gettime",
	"clock_gettime64",
	"clock_nanosleep",
	"clock_nanosleep_time64",
	"close",
	"close_range",
	"connect",
	"copy_file_range",
	"creat",
	"dup",
	"dup2",
	"dup3",
	"epoll_create",
	"epoll_create1",
	"epoll_ctl",
	"epoll_ctl_old",
	"epoll_pwait",
	"epoll_pwait2",
	"epoll_wait",
	"epoll_wait_old",
	"eventfd",
	"eventfd2",
	"execve",
	"execveat",
	"exit",
	"exit_group",
	"faccessat",
	"faccessat2",
	"fadvise64",
	"fadvise64_64",
	"fallocate",
	"fanotify_mark",
	"fchdir",
	"fchmod",
	"fchmodat",
	"fchmodat2",
	"fchown",
	"fchown32",
	"fchownat",
	"fcntl",
	"fcntl64",
	"fdatasync",
	"fgetxattr",
	"flistxattr",
	"flock",
	"fork",
	"fremovexattr",
	"fsetxattr",
	"fstat",
	"fstat64",
	"fstatat64",
	"fstatfs",
	"fstatfs64",
	"fsync",
	"ftruncate",
	"ftruncate64",
	"futex",
	"futex_requeue",
	"futex_time64",
	"futex_wait",
	"futex_waitv",
	"futex_wake",
	"futimesat",
	"get_robust_list",
	"get_thread_area",
	"getcpu",
	"getcwd",
	"getdents",
	"getdents64",
	"getegid",
	"getegid32",
	"geteuid",
	"geteuid32",
	"getgid",
	"getgid32",
	"getgroups",
	"getgroups32",
	"getitimer",
	"getpeername",
	"getpgid",
	"getpgrp",
	"getpid",
	"getppid",
	"getpriority",
	"getrandom",
	"getresgid",
	"getresgid32",
	"getresuid",
	"getresuid32",
	"getrlimit",
	"getrusage",
	"getsid",
	"getsockname",
	"getsockopt",
	"gettid",
	"gettimeofday",
	"getuid",
	"getuid32",
	"getxattr",
	"inotify_add_watch",
	"inotify_init",
	"inotify_init1",
	"inotify_rm_watch",
	"io_cancel",
	"io_destroy",
	"io_getevents",
	"io_pgetevents",
	"io_pgetevents_time64",
	"io_setup",
	"io_submit",
	"ioctl",
	"ioprio_get",
	"ioprio_set",
	"ipc",
	"kill",
	"landlock_add_rule",
	"landlock_create_ruleset",
	"landlock_restrict_self",
	"lchown",
	"lchown32",
	"lgetxattr",
	"link",
	"linkat",
	"listen",
	"listxattr",
	"llistxattr",
	"_llseek",
	"lremovexattr",
	"lseek",
	"lsetxattr",
	"lstat",
	"lstat64",
	"madvise",
	"map_shadow_stack",
	"membarrier",
	"memfd_create",
	"memfd_secret",
	"mincore",
	"mkdir",
	"mkdirat",
	"mknod",
	"mknodat",
	"mlock",
	"mlock2",
	"mlockall",
	"mmap",
	"mmap2",
	"mprotect",
	"mq_getsetattr",
	"mq_notify",
	"mq_open",
	"mq_timedreceive",
	"mq_timedreceive_time64",
	"mq_timedsend",
	"mq_timedsend_time64",
	"mq_unlink",
	"mremap",
	"msgctl",
	"msgget",
	"msgrcv",
	"msgsnd",
	"msync",
	"munlock",
	"munlockall",
	"munmap",
	"nanosleep",
	"newfstatat",
	"_newselect",
	"open",
	"openat",
	"openat2",
	"pause",
	"pidfd_open",
	"pidfd_send_signal",
	"pipe",
	"pipe2",
	"pkey_alloc",
	"pkey_free",
	"pkey_mprotect",
	"poll",
	"ppoll",
	"ppoll_time64",
	"prctl",
	"pread64",
	"preadv",
	"preadv2",
	"prlimit64",
	"process_mrelease",
	"pselect6",
	"pselect6_time64",
	"pwrite64",
	"pwritev",
	"pwritev2",
	"read",
	"readahead",
	"readlink",
	"readlinkat",
	"readv",
	"recv",
	"recvfrom",
	"recvmmsg",
	"recvmmsg_time64",
	"recvmsg",
	"remap_file_pages",
	"removexattr",
	"rename",
	"renameat",
	"renameat2",
	"restart_syscall",
	"rmdir",
	"rseq",
	"rt_sigaction",
	"rt_sigpending",
	"rt_sigprocmask",
	"rt_sigqueueinfo",
	"rt_sigreturn",
	"rt_sigsuspend",
	"rt_sigtimedwait",
	"rt_sigtimedwait_time64",
	"rt_tgsigqueueinfo",
	"sched_get_priority_max",
	"sched_get_priority_min",
	"sched_getaffinity",
	"sched_getattr",
	"sched_getparam",
	"sched_getscheduler",
	"sched_rr_get_interval",
	"sched_rr_get_interval_time64",
	"sched_setaffinity",
	"sched_setattr",
	"sched_setparam",
	"sched_setscheduler",
	"sched_yield",
	"seccomp",
	"select",
	"semctl",
	"semget",
	"semop",
	"semtimedop",
	"semtimedop_time64",
	"send",
	"sendfile",
	"sendfile64",
	"sendmmsg",
	"sendmsg",
	"sendto",
	"set_robust_list",
	"set_thread_area",
	"set_tid_address",
	"setfsgid",
	"setfsgid32",
	"setfsuid",
	"setfsuid32",
	"setgid",
	"setgid32",
	"setgroups",
	"setgroups32",
	"setitimer",
	"setpgid",
	"setpriority",
	"setregid",
	"setregid32",
	"setresgid",
	"setresgid32",
	"setresuid",
	"setresuid32",
	"setreuid",
	"setreuid32",
	"setrlimit",
	"setsid",
	"setsockopt",
	"setuid",
	"setuid32",
	"setxattr",
	"shmat",
	"shmctl",
	"shmdt",
	"shmget",
	"shutdown",
	"sigaltstack",
	"signalfd",
	"signalfd4",
	"sigprocmask",
	"sigreturn",
	"socketcall",
	"socketpair",
	"splice",
	"stat",
	"stat64",
	"statfs",
	"statfs64",
	"statx",
	"symlink",
	"symlinkat",
	"sync",
	"sync_file_range",
	"syncfs",
	"sysinfo",
	"tee",
	"tgkill",
	"time",
	"timer_create",
	"timer_delete",
	"timer_getoverrun",
	"timer_gettime",
	"timer_gettime64",
	"timer_settime",
	"timer_settime64",
	"timerfd_create",
	"timerfd_gettime",
	"timerfd_gettime64",
	"timerfd_settime",
	"timerfd_settime64",
	"times",
	"tkill",
	"truncate",
	"truncate64",
	"ugetrlimit",
	"umask",
	"uname",
	"unlink",
	"unlinkat",
	"utime",
	"utimensat",
	"utimensat_time64",
	"utimes",
	"vfork",
	"vmsplice",
	"wait4",
	"waitid",
	"waitpid",
	"write",
	"writev",
};

/* ptrace and the process_vm calls: safe against the filter since Linux 4.8, as docker allows them. */
static const char *const ptrace_since_48[] = {"ptrace", "process_vm_readv", "process_vm_writev"};
/* With CAP_SYS_PTRACE, the rest of its kin too. */
static const char *const sys_ptrace[] = {
	"kcmp",	 "pidfd_getfd", "process_madvise", "process_vm_readv", "process_vm_writev",
	"ptrace"};
static const char *const x86_only[] = {"arch_prctl", "modify_ldt"};
static const char *const arm_only[] = {"arm_fadvise64_64", "arm_sync_file_range",
				       "sync_file_range2", "breakpoint",
				       "cacheflush",	   "set_tls"};
static const char *const s390_only[] = {"s390_pci_mmio_read", "s390_pci_mmio_write",
					"s390_runtime_instr"};
static const char *const socket_[] = {"socket"};
static const char *const personality_[] = {"personality"};
static const char *const clone_[] = {"clone"};
static const char *const clone3_[] = {"clone3"};

/* What a capability brings. */
static const char *const sys_admin[] = {
	"bpf",		 "clone",	    "fanotify_init", "fsconfig",
	"fsmount",	 "fsopen",	    "fspick",	     "lookup_dcookie",
	"mount",	 "mount_setattr",   "move_mount",    "name_to_handle_at",
	"open_tree",	 "perf_event_open", "quotactl",	     "quotactl_fd",
	"setdomainname", "sethostname",	    "setns",	     "syslog",
	"umount",	 "umount2",	    "unshare",	     "clone3"};
static const char *const sys_boot[] = {"reboot"};
static const char *const sys_chroot[] = {"chroot"};
static const char *const sys_module[] = {"delete_module", "init_module", "finit_module"};
static const char *const sys_pacct[] = {"acct"};
static const char *const sys_rawio[] = {"iopl", "ioperm"};
static const char *const sys_time[] = {"settimeofday",	  "stime",	   "clock_settime",
				       "clock_settime64", "clock_adjtime", "clock_adjtime64"};
static const char *const sys_tty_config[] = {"vhangup"};
static const char *const sys_nice[] = {"get_mempolicy", "mbind", "set_mempolicy",
				       "set_mempolicy_home_node"};
static const char *const syslog_[] = {"syslog"};
static const char *const bpf_[] = {"bpf"};
static const char *const perfmon[] = {"perf_event_open"};

#define NAMES(a) .names = a, .n_names = sizeof(a) / sizeof(a[0])
#define ALLOW	 .action = SCMP_ACT_ALLOW
#define ARG(i, o, v, v2)                                         \
	{                                                        \
		.index = i, .op = o, .value = v, .value_two = v2 \
	}
#define NS_FLAGS                                                                         \
	(CLONE_NEWNS_ | CLONE_NEWUTS_ | CLONE_NEWIPC_ | CLONE_NEWUSER_ | CLONE_NEWPID_ | \
	 CLONE_NEWNET_ | CLONE_NEWCGROUP_)
/* <sched.h>'s values, without pulling _GNU_SOURCE's clone() into a pure file. */
#define CLONE_NEWNS_	 0x00020000ULL
#define CLONE_NEWCGROUP_ 0x02000000ULL
#define CLONE_NEWUTS_	 0x04000000ULL
#define CLONE_NEWIPC_	 0x08000000ULL
#define CLONE_NEWUSER_	 0x10000000ULL
#define CLONE_NEWPID_	 0x20000000ULL
#define CLONE_NEWNET_	 0x40000000ULL
#define AF_VSOCK_	 40

static const struct seccomp_rule default_rules[] = {
	{NAMES(allowed), ALLOW},
	{NAMES(ptrace_since_48), ALLOW, .min_kernel = 4 << 16 | 8},
	{NAMES(x86_only), ALLOW,
	 .arches_in = SECCOMP_ARCH_AMD64 | SECCOMP_ARCH_X32 | SECCOMP_ARCH_X86},
	{NAMES(arm_only), ALLOW, .arches_in = SECCOMP_ARCH_ARM | SECCOMP_ARCH_ARM64},
	{NAMES(s390_only), ALLOW, .arches_in = SECCOMP_ARCH_S390 | SECCOMP_ARCH_S390X},
	/* Sockets but vsock (a way to the hypervisor's host). */
	{NAMES(socket_), ALLOW, .args = {ARG(0, SCMP_CMP_NE, AF_VSOCK_, 0)}, .n_args = 1},
	/* personality: only the harmless personas (Linux, with UNAME26, READ_IMPLIES_EXEC off) and the query. */
	{NAMES(personality_), ALLOW, .args = {ARG(0, SCMP_CMP_EQ, 0x0, 0)}, .n_args = 1},
	{NAMES(personality_), ALLOW, .args = {ARG(0, SCMP_CMP_EQ, 0x8, 0)}, .n_args = 1},
	{NAMES(personality_), ALLOW, .args = {ARG(0, SCMP_CMP_EQ, 0x20000, 0)}, .n_args = 1},
	{NAMES(personality_), ALLOW, .args = {ARG(0, SCMP_CMP_EQ, 0x20008, 0)}, .n_args = 1},
	{NAMES(personality_), ALLOW, .args = {ARG(0, SCMP_CMP_EQ, 0xffffffff, 0)}, .n_args = 1},
	/* clone without namespace flags (s390's argument order differs); clone3's flags are in
	 * memory the filter cannot see: ENOSYS, so libc falls back to clone. */
	{NAMES(clone_), ALLOW, .args = {ARG(0, SCMP_CMP_MASKED_EQ, NS_FLAGS, 0)}, .n_args = 1,
	 .caps_none = CAP(CAP_SYS_ADMIN), .arches_out = SECCOMP_ARCH_S390 | SECCOMP_ARCH_S390X},
	{NAMES(clone_), ALLOW, .args = {ARG(1, SCMP_CMP_MASKED_EQ, NS_FLAGS, 0)}, .n_args = 1,
	 .caps_none = CAP(CAP_SYS_ADMIN), .arches_in = SECCOMP_ARCH_S390 | SECCOMP_ARCH_S390X},
	{NAMES(clone3_), .action = SCMP_ACT_ERRNO(ENOSYS), .caps_none = CAP(CAP_SYS_ADMIN)},
	{NAMES(sys_admin), ALLOW, .caps_all = CAP(CAP_SYS_ADMIN)},
	{NAMES(sys_boot), ALLOW, .caps_all = CAP(CAP_SYS_BOOT)},
	{NAMES(sys_chroot), ALLOW, .caps_all = CAP(CAP_SYS_CHROOT)},
	{NAMES(sys_module), ALLOW, .caps_all = CAP(CAP_SYS_MODULE)},
	{NAMES(sys_pacct), ALLOW, .caps_all = CAP(CAP_SYS_PACCT)},
	{NAMES(sys_ptrace), ALLOW, .caps_all = CAP(CAP_SYS_PTRACE)},
	{NAMES(sys_rawio), ALLOW, .caps_all = CAP(CAP_SYS_RAWIO)},
	{NAMES(sys_time), ALLOW, .caps_all = CAP(CAP_SYS_TIME)},
	{NAMES(sys_tty_config), ALLOW, .caps_all = CAP(CAP_SYS_TTY_CONFIG)},
	{NAMES(sys_nice), ALLOW, .caps_all = CAP(CAP_SYS_NICE)},
	{NAMES(syslog_), ALLOW, .caps_all = CAP(CAP_SYSLOG)},
	{NAMES(bpf_), ALLOW, .caps_all = CAP(CAP_BPF_)},
	{NAMES(perfmon), ALLOW, .caps_all = CAP(CAP_PERFMON_)},
};

static const struct seccomp_profile default_profile = {
	.default_action = SCMP_ACT_ERRNO(EPERM),
	.rules = default_rules,
	.n_rules = sizeof(default_rules) / sizeof(default_rules[0]),
};

const struct seccomp_profile *seccomp_profile_default(void)
{
	return &default_profile;
}

static const struct {
	const char *go, *scmp;
	uint32_t token, bit;
} arch_table[] = {
	{"amd64", "SCMP_ARCH_X86_64", SCMP_ARCH_X86_64, SECCOMP_ARCH_AMD64},
	{"x86", "SCMP_ARCH_X86", SCMP_ARCH_X86, SECCOMP_ARCH_X86},
	{"386", NULL, SCMP_ARCH_X86, SECCOMP_ARCH_X86},
	{"x32", "SCMP_ARCH_X32", SCMP_ARCH_X32, SECCOMP_ARCH_X32},
	{"arm", "SCMP_ARCH_ARM", SCMP_ARCH_ARM, SECCOMP_ARCH_ARM},
	{"arm64", "SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64, SECCOMP_ARCH_ARM64},
	{"ppc64le", "SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE, SECCOMP_ARCH_PPC64LE},
	{"ppc64", "SCMP_ARCH_PPC64", SCMP_ARCH_PPC64, SECCOMP_ARCH_PPC64},
	{"s390", "SCMP_ARCH_S390", SCMP_ARCH_S390, SECCOMP_ARCH_S390},
	{"s390x", "SCMP_ARCH_S390X", SCMP_ARCH_S390X, SECCOMP_ARCH_S390X},
	{"riscv64", "SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64, SECCOMP_ARCH_RISCV64},
	{"mips64", "SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64, SECCOMP_ARCH_MIPS64},
	/* Known to the format, not built for here: refused only when used in archMap as native. */
	{"mips", "SCMP_ARCH_MIPS", SCMP_ARCH_MIPS, 0},
	{"mipsel", "SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL, 0},
	{"mips64n32", "SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32, 0},
	{"mipsel64", "SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64, 0},
	{"mipsel64n32", "SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32, 0},
	{"ppc", "SCMP_ARCH_PPC", SCMP_ARCH_PPC, 0},
	{"parisc", "SCMP_ARCH_PARISC", SCMP_ARCH_PARISC, 0},
	{"parisc64", "SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64, 0},
};

uint32_t seccomp_arch_bit(uint32_t token)
{
	for (size_t i = 0; i < sizeof(arch_table) / sizeof(arch_table[0]); i++)
		if (arch_table[i].token == token)
			return arch_table[i].bit;
	return 0;
}

size_t seccomp_arch_compat(uint32_t native, uint32_t *ret, size_t max)
{
	size_t n = 0;
	if (native == SCMP_ARCH_X86_64 && max >= 2) {
		ret[n++] = SCMP_ARCH_X86;
		ret[n++] = SCMP_ARCH_X32;
	} else if (native == SCMP_ARCH_AARCH64 && max >= 1) {
		ret[n++] = SCMP_ARCH_ARM;
	} else if (native == SCMP_ARCH_S390X && max >= 1) {
		ret[n++] = SCMP_ARCH_S390;
	}
	return n;
}

static int arch_by_scmp(const char *s, uint32_t *ret)
{
	for (size_t i = 0; i < sizeof(arch_table) / sizeof(arch_table[0]); i++)
		if (arch_table[i].scmp && strcmp(arch_table[i].scmp, s) == 0) {
			*ret = arch_table[i].token;
			return 0;
		}
	return -EINVAL;
}

static int arch_by_go(const char *s, uint32_t *ret_bit)
{
	for (size_t i = 0; i < sizeof(arch_table) / sizeof(arch_table[0]); i++)
		if (strcmp(arch_table[i].go, s) == 0) {
			*ret_bit = arch_table[i].bit;
			return 0;
		}
	return -EINVAL;
}

uint32_t seccomp_kernel_version(const char *release)
{
	unsigned major = 0, minor = 0;
	if (!release || sscanf(release, "%u.%u", &major, &minor) != 2 || major > 0xffff ||
	    minor > 0xffff)
		return 0;
	return major << 16 | minor;
}

bool seccomp_rule_applies(const struct seccomp_rule *r, uint64_t caps, uint32_t arch,
			  uint32_t kernel)
{
	if ((caps & r->caps_all) != r->caps_all || (caps & r->caps_none))
		return false;
	if ((r->arches_in && !(r->arches_in & arch)) || (r->arches_out & arch))
		return false;
	/* An unknown kernel version (0) does not meet a minimum. */
	return !r->min_kernel || kernel >= r->min_kernel;
}

/* ---- docker's JSON format ---- */

static const struct {
	const char *name;
	uint32_t action; /* with ERRNO and TRACE, the errnoRet goes in the low 16 bits */
} actions[] = {
	{"SCMP_ACT_KILL", SCMP_ACT_KILL},
	{"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD},
	{"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS},
	{"SCMP_ACT_TRAP", SCMP_ACT_TRAP},
	{"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0)},
	{"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0)},
	{"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW},
	{"SCMP_ACT_LOG", SCMP_ACT_LOG},
};

static const struct {
	const char *name;
	int op;
} ops[] = {
	{"SCMP_CMP_NE", SCMP_CMP_NE},
	{"SCMP_CMP_LT", SCMP_CMP_LT},
	{"SCMP_CMP_LE", SCMP_CMP_LE},
	{"SCMP_CMP_EQ", SCMP_CMP_EQ},
	{"SCMP_CMP_GE", SCMP_CMP_GE},
	{"SCMP_CMP_GT", SCMP_CMP_GT},
	{"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

/* Capability names as docker writes them in profiles ("CAP_SYS_ADMIN"). */
int caps_from_name(const char *s);

struct owned {
	struct json_object *root;
	struct seccomp_rule *rules;
	size_t n_rules;
};

void seccomp_profile_free(struct seccomp_profile *p)
{
	struct owned *o = p ? p->owned : NULL;
	if (!o)
		return;
	for (size_t i = 0; i < o->n_rules; i++)
		free((void *)o->rules[i].names);
	free(o->rules);
	json_object_put(o->root);
	free(o);
	p->owned = NULL;
	p->rules = NULL;
	p->n_rules = 0;
}

static struct json_object *get(struct json_object *o, const char *k)
{
	struct json_object *v;
	return json_object_object_get_ex(o, k, &v) && !json_object_is_type(v, json_type_null)
		       ? v
		       : NULL;
}

static int parse_action(struct json_object *a, struct json_object *errno_ret, const char *where,
			uint32_t *ret, struct hutch_error *err)
{
	if (!a || !json_object_is_type(a, json_type_string))
		return hutch_error_set(err, EINVAL, "%s: an action (SCMP_ACT_...) is needed",
				       where);
	const char *s = json_object_get_string(a);
	if (strcmp(s, "SCMP_ACT_NOTIFY") == 0)
		return hutch_error_set(err, EINVAL,
				       "%s: SCMP_ACT_NOTIFY needs a seccomp agent, which hutch "
				       "does not run",
				       where);
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
		if (strcmp(s, actions[i].name) != 0)
			continue;
		uint32_t act = actions[i].action;
		bool takes_ret = act == SCMP_ACT_ERRNO(0) || act == SCMP_ACT_TRACE(0);
		int64_t v = act == SCMP_ACT_ERRNO(0) ? EPERM : 0;
		if (errno_ret) {
			if (!json_object_is_type(errno_ret, json_type_int) ||
			    (v = json_object_get_int64(errno_ret)) < 0 || v > 0xffff)
				return hutch_error_set(err, EINVAL,
						       "%s: errnoRet is a number from 0 to 65535",
						       where);
		}
		*ret = takes_ret ? (act | (uint32_t)v) : act;
		return 0;
	}
	return hutch_error_set(err, EINVAL, "%s: unknown action '%s'", where, s);
}

static int parse_u64(struct json_object *v, uint64_t *ret)
{
	if (!v) {
		*ret = 0;
		return 0;
	}
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
		return -EINVAL;
	errno = 0;
	*ret = json_object_get_uint64(v);
	return errno ? -ERANGE : 0;
}

/* includes/excludes: caps, arches, minKernel (includes only). */
static int parse_filter(struct json_object *f, bool inc, const char *where, struct seccomp_rule *r,
			struct hutch_error *err)
{
	if (!f)
		return 0;
	if (!json_object_is_type(f, json_type_object))
		return hutch_error_set(err, EINVAL, "%s: an object", where);
	struct json_object *caps = get(f, "caps"), *arches = get(f, "arches"),
			   *mk = get(f, "minKernel");
	if (caps && !json_object_is_type(caps, json_type_array))
		return hutch_error_set(err, EINVAL, "%s.caps: a list of capability names", where);
	for (size_t i = 0; caps && i < json_object_array_length(caps); i++) {
		struct json_object *c = json_object_array_get_idx(caps, i);
		int cap = json_object_is_type(c, json_type_string)
				  ? caps_from_name(json_object_get_string(c))
				  : -EINVAL;
		if (cap < 0)
			return hutch_error_set(err, EINVAL, "%s.caps[%zu]: not a capability", where,
					       i);
		if (inc)
			r->caps_all |= 1ULL << cap;
		else
			r->caps_none |= 1ULL << cap;
	}
	if (arches && !json_object_is_type(arches, json_type_array))
		return hutch_error_set(err, EINVAL, "%s.arches: a list of architectures", where);
	for (size_t i = 0; arches && i < json_object_array_length(arches); i++) {
		struct json_object *a = json_object_array_get_idx(arches, i);
		uint32_t bit;
		if (!json_object_is_type(a, json_type_string) ||
		    arch_by_go(json_object_get_string(a), &bit) < 0)
			return hutch_error_set(err, EINVAL,
					       "%s.arches[%zu]: not an architecture (amd64, arm64, "
					       "x86, ...)",
					       where, i);
		/* An architecture not built for here matches nothing: an include of only
		 * those never applies. */
		if (inc)
			r->arches_in |= bit ? bit : 1u << 31;
		else
			r->arches_out |= bit;
	}
	if (mk) {
		uint32_t v = json_object_is_type(mk, json_type_string)
				     ? seccomp_kernel_version(json_object_get_string(mk))
				     : 0;
		if (!inc || !v)
			return hutch_error_set(err, EINVAL,
					       "%s.minKernel: a version like \"4.8\" (in includes)",
					       where);
		r->min_kernel = v;
	}
	return 0;
}

static int parse_rule(struct json_object *s, size_t idx, struct seccomp_rule *r,
		      struct hutch_error *err)
{
	char where[64];
	snprintf(where, sizeof(where), "syscalls[%zu]", idx);
	if (!json_object_is_type(s, json_type_object))
		return hutch_error_set(err, EINVAL, "%s: an object", where);
	struct json_object *names = get(s, "names"), *name = get(s, "name");
	size_t n = names && json_object_is_type(names, json_type_array)
			   ? json_object_array_length(names)
			   : 0;
	if (names && !json_object_is_type(names, json_type_array))
		return hutch_error_set(err, EINVAL, "%s.names: a list of system call names", where);
	if (name && !json_object_is_type(name, json_type_string))
		return hutch_error_set(err, EINVAL, "%s.name: a system call name", where);
	if (!n && !name)
		return hutch_error_set(err, EINVAL, "%s: names (or name) is needed", where);
	const char **v = calloc(n + 1, sizeof(*v));
	if (!v)
		return hutch_error_set(err, ENOMEM, "out of memory");
	r->names = v;
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(names, i);
		if (!json_object_is_type(e, json_type_string) || !json_object_get_string(e)[0])
			return hutch_error_set(err, EINVAL, "%s.names[%zu]: a system call name",
					       where, i);
		v[r->n_names++] = json_object_get_string(e);
	}
	if (name)
		v[r->n_names++] = json_object_get_string(name);
	int ret = parse_action(get(s, "action"), get(s, "errnoRet"), where, &r->action, err);
	if (ret < 0)
		return ret;
	struct json_object *args = get(s, "args");
	if (args && (!json_object_is_type(args, json_type_array) ||
		     json_object_array_length(args) > SECCOMP_MAX_ARGS))
		return hutch_error_set(err, EINVAL, "%s.args: a list of at most 6 conditions",
				       where);
	for (size_t i = 0; args && i < json_object_array_length(args); i++) {
		struct json_object *a = json_object_array_get_idx(args, i), *op;
		struct seccomp_arg *sa = &r->args[r->n_args];
		uint64_t index;
		if (!json_object_is_type(a, json_type_object) ||
		    parse_u64(get(a, "index"), &index) < 0 || index > 5 ||
		    parse_u64(get(a, "value"), &sa->value) < 0 ||
		    parse_u64(get(a, "valueTwo"), &sa->value_two) < 0 || !(op = get(a, "op")) ||
		    !json_object_is_type(op, json_type_string))
			return hutch_error_set(
				err, EINVAL,
				"%s.args[%zu]: index (0-5), value, valueTwo (numbers) "
				"and op are needed",
				where, i);
		sa->index = (unsigned)index;
		sa->op = -1;
		for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++)
			if (strcmp(json_object_get_string(op), ops[k].name) == 0)
				sa->op = ops[k].op;
		if (sa->op < 0)
			return hutch_error_set(err, EINVAL, "%s.args[%zu].op: unknown '%s'", where,
					       i, json_object_get_string(op));
		r->n_args++;
	}
	char w2[96];
	snprintf(w2, sizeof(w2), "%s.includes", where);
	if ((ret = parse_filter(get(s, "includes"), true, w2, r, err)) < 0)
		return ret;
	snprintf(w2, sizeof(w2), "%s.excludes", where);
	return parse_filter(get(s, "excludes"), false, w2, r, err);
}

static int add_arch(struct seccomp_profile *p, struct json_object *a, const char *where,
		    struct hutch_error *err)
{
	uint32_t tok;
	if (!json_object_is_type(a, json_type_string) ||
	    arch_by_scmp(json_object_get_string(a), &tok) < 0)
		return hutch_error_set(err, EINVAL, "%s: not an architecture (SCMP_ARCH_...)",
				       where);
	for (size_t i = 0; i < p->n_arches; i++)
		if (p->arches[i] == tok)
			return 0;
	if (p->n_arches >= SECCOMP_MAX_ARCHES)
		return hutch_error_set(err, EINVAL, "%s: too many architectures", where);
	p->arches[p->n_arches++] = tok;
	return 0;
}

int seccomp_profile_parse(const char *json, uint32_t native, struct seccomp_profile *ret,
			  struct hutch_error *err)
{
	struct seccomp_profile p = {0};
	struct json_object *root = json ? json_tokener_parse(json) : NULL;
	if (!root || !json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		return hutch_error_set(err, EINVAL, "not a JSON object");
	}
	struct owned *o = calloc(1, sizeof(*o));
	if (!o) {
		json_object_put(root);
		return hutch_error_set(err, ENOMEM, "out of memory");
	}
	o->root = root;
	p.owned = o;
	int r = 0;
	if (get(root, "listenerPath") &&
	    json_object_get_string_len(get(root, "listenerPath")) > 0) {
		r = hutch_error_set(err, EINVAL,
				    "listenerPath: a seccomp agent is not supported by hutch");
		goto fail;
	}
	if ((r = parse_action(get(root, "defaultAction"), get(root, "defaultErrnoRet"),
			      "defaultAction", &p.default_action, err)) < 0)
		goto fail;
	struct json_object *arches = get(root, "architectures"), *map = get(root, "archMap");
	if (arches && !json_object_is_type(arches, json_type_array)) {
		r = hutch_error_set(err, EINVAL, "architectures: a list");
		goto fail;
	}
	for (size_t i = 0; arches && i < json_object_array_length(arches); i++) {
		char where[48];
		snprintf(where, sizeof(where), "architectures[%zu]", i);
		if ((r = add_arch(&p, json_object_array_get_idx(arches, i), where, err)) < 0)
			goto fail;
	}
	if (map && !json_object_is_type(map, json_type_array)) {
		r = hutch_error_set(err, EINVAL, "archMap: a list");
		goto fail;
	}
	/* archMap: the entry of the native architecture names the compat ones to cover. */
	for (size_t i = 0; map && i < json_object_array_length(map); i++) {
		struct json_object *e = json_object_array_get_idx(map, i), *a, *subs;
		char where[48];
		uint32_t t;
		snprintf(where, sizeof(where), "archMap[%zu]", i);
		if (!json_object_is_type(e, json_type_object) || !(a = get(e, "architecture")) ||
		    !json_object_is_type(a, json_type_string) ||
		    arch_by_scmp(json_object_get_string(a), &t) < 0) {
			r = hutch_error_set(err, EINVAL, "%s.architecture: SCMP_ARCH_...", where);
			goto fail;
		}
		subs = get(e, "subArchitectures");
		if (subs && !json_object_is_type(subs, json_type_array)) {
			r = hutch_error_set(err, EINVAL, "%s.subArchitectures: a list", where);
			goto fail;
		}
		for (size_t k = 0; subs && k < json_object_array_length(subs); k++) {
			char w2[128];
			snprintf(w2, sizeof(w2), "%s.subArchitectures[%zu]", where, k);
			uint32_t st;
			struct json_object *s = json_object_array_get_idx(subs, k);
			if (!json_object_is_type(s, json_type_string) ||
			    arch_by_scmp(json_object_get_string(s), &st) < 0) {
				r = hutch_error_set(err, EINVAL,
						    "%s: not an architecture (SCMP_ARCH_...)", w2);
				goto fail;
			}
			if (t == native && (r = add_arch(&p, s, w2, err)) < 0)
				goto fail;
		}
	}
	struct json_object *calls = get(root, "syscalls");
	if (calls && !json_object_is_type(calls, json_type_array)) {
		r = hutch_error_set(err, EINVAL, "syscalls: a list");
		goto fail;
	}
	size_t n = calls ? json_object_array_length(calls) : 0;
	o->rules = calloc(n ? n : 1, sizeof(*o->rules));
	if (!o->rules) {
		r = hutch_error_set(err, ENOMEM, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		o->n_rules++;
		if ((r = parse_rule(json_object_array_get_idx(calls, i), i, &o->rules[i], err)) < 0)
			goto fail;
	}
	p.rules = o->rules;
	p.n_rules = o->n_rules;
	*ret = p;
	return 0;
fail:
	seccomp_profile_free(&p);
	return r;
}
