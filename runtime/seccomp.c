// SPDX-License-Identifier: MIT
/*
 * The command's seccomp filter: a profile (seccomp_profile.c: the built-in
 * one or docker's JSON) compiled by libseccomp into BPF for the container's
 * capabilities, and loaded before the exec. The built-in profile with
 * docker's default capabilities, which nearly every container has, is
 * compiled when hutch is built (seccomp_gen.c): a start costs no compile.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "hutch.h"
#include "seccomp_profile.h"

static int rule_add(scmp_filter_ctx ctx, const struct seccomp_rule *r, const char *name)
{
	int nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR)
		return 0; /* unknown to this libseccomp or architecture */
	struct scmp_arg_cmp cmp[SECCOMP_MAX_ARGS];
	for (size_t i = 0; i < r->n_args; i++)
		cmp[i] = (struct scmp_arg_cmp){.arg = r->args[i].index,
					       .op = (enum scmp_compare)r->args[i].op,
					       .datum_a = r->args[i].value,
					       .datum_b = r->args[i].value_two};
	int ret = seccomp_rule_add_array(ctx, r->action, nr, (unsigned)r->n_args, cmp);
	/* A rule libseccomp cannot express on a compat architecture (socketcall's
	 * multiplexed socket) applies where it can; the same rule twice is fine. */
	if (ret == -EEXIST)
		ret = 0;
	return ret;
}

/* The filter as fewer instructions (seccomp_opt.c), where it can be: the same decisions. */
static void prog_optimize(struct seccomp_prog *prog)
{
	struct sock_filter *out;
	size_t len;
	if (seccomp_bpf_optimize(prog->insns, prog->len, &out, &len) < 0)
		return; /* libseccomp's own program, as it is */
	free(prog->owned);
	prog->insns = prog->owned = out;
	prog->len = len;
}

int seccomp_compile(const struct seccomp_profile *p, uint64_t caps, struct seccomp_prog *ret,
		    struct hutch_error *err)
{
	int r = seccomp_compile_plain(p, caps, ret, err);
	if (r == 0)
		prog_optimize(ret);
	return r;
}

int seccomp_compile_plain(const struct seccomp_profile *p, uint64_t caps, struct seccomp_prog *ret,
			  struct hutch_error *err)
{
	struct utsname u;
	uint32_t kernel = uname(&u) == 0 ? seccomp_kernel_version(u.release) : 0;
	uint32_t native = seccomp_arch_native();
	uint32_t arch = seccomp_arch_bit(native);
	scmp_filter_ctx ctx = seccomp_init(p->default_action);
	if (!ctx)
		return hutch_error_set(err, ENOMEM, "seccomp: out of memory");
	int r = 0;
	/* no_new_privs is hutch's to set (--security-opt no-new-privileges). */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	/* A binary tree of system call numbers: a few comparisons per call, not hundreds. */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	uint32_t compat[4];
	size_t n_compat = p->n_arches ? 0 : seccomp_arch_compat(native, compat, 4);
	for (size_t i = 0; i < n_compat + p->n_arches && r == 0; i++) {
		uint32_t a = i < n_compat ? compat[i] : p->arches[i - n_compat];
		if (a != native) {
			r = seccomp_arch_add(ctx, a);
			r = r == -EEXIST ? 0 : r;
		}
	}
	if (r < 0) {
		seccomp_release(ctx);
		return hutch_error_setsys(err, -r, "seccomp: add an architecture");
	}
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct seccomp_rule *rule = &p->rules[i];
		if (rule->action == p->default_action ||
		    !seccomp_rule_applies(rule, caps, arch, kernel))
			continue;
		for (size_t k = 0; k < rule->n_names; k++) {
			r = rule_add(ctx, rule, rule->names[k]);
			if (r < 0) {
				seccomp_release(ctx);
				return hutch_error_setsys(err, -r, "seccomp: the rule for %s",
							  rule->names[k]);
			}
		}
	}
	r = seccomp_ctx_export(ctx, false, ret);
	seccomp_release(ctx);
	return r < 0 ? hutch_error_setsys(err, -r, "seccomp: compile the filter") : 0;
}

int seccomp_ctx_export(void *ctx, bool optimize, struct seccomp_prog *ret)
{
	/* libseccomp 2.5 exports to a file descriptor only. */
	int fd = memfd_create("hutch-seccomp", MFD_CLOEXEC);
	int r = fd < 0 ? -errno : seccomp_export_bpf(ctx, fd);
	off_t size = r < 0 ? 0 : lseek(fd, 0, SEEK_END);
	void *buf = size > 0 ? malloc((size_t)size) : NULL;
	if (r == 0 && (size <= 0 || size % sizeof(struct sock_filter) != 0 ||
		       size / sizeof(struct sock_filter) > BPF_MAXINSNS || !buf ||
		       pread(fd, buf, (size_t)size, 0) != size))
		r = -EIO;
	if (fd >= 0)
		close(fd);
	if (r < 0) {
		free(buf);
		return r;
	}
	free(ret->owned);
	ret->insns = ret->owned = buf;
	ret->len = (size_t)size / sizeof(struct sock_filter);
	if (optimize)
		prog_optimize(ret);
	return 0;
}

void seccomp_prog_free(struct seccomp_prog *prog)
{
	free(prog->owned);
	prog->owned = NULL;
	prog->insns = NULL;
	prog->len = 0;
}

#ifndef HUTCH_SECCOMP_GEN
#include "seccomp_default_bpf.h"

int seccomp_build_default(uint64_t caps, struct seccomp_prog *ret, struct hutch_error *err)
{
	if (caps == seccomp_default_caps && seccomp_arch_native() == seccomp_default_arch) {
		free(ret->owned);
		ret->owned = NULL;
		ret->insns = seccomp_default_bpf;
		ret->len = sizeof(seccomp_default_bpf) / sizeof(struct sock_filter);
		return 0;
	}
	return seccomp_compile(seccomp_profile_default(), caps, ret, err);
}
#endif

int seccomp_build_file(const char *path, uint64_t caps, struct seccomp_prog *ret,
		       struct hutch_error *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r = hutch_read_file(path, 4 << 20, &text, &len);
	if (r < 0)
		return hutch_error_setsys(err, -r, "--security-opt seccomp=%s", path);
	struct seccomp_profile p;
	if ((r = seccomp_profile_parse(text, seccomp_arch_native(), &p, err)) < 0)
		return hutch_error_wrap(err, "--security-opt seccomp=%s", path);
	r = seccomp_compile(&p, caps, ret, err);
	seccomp_profile_free(&p);
	return r < 0 ? hutch_error_wrap(err, "--security-opt seccomp=%s", path) : 0;
}

int seccomp_load_prog(const struct seccomp_prog *prog)
{
	struct sock_fprog fp = {.len = (unsigned short)prog->len,
				.filter = (struct sock_filter *)(uintptr_t)prog->insns};
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp) < 0)
		return -errno;
	return 0;
}

/*
 * hutch-fsd's sysinfo agent (fsd/agent.h): its socket beside the mount
 * point. Connected by hutch before the clone, so the init, in its own mount
 * namespace by then, can still reach it. -1 when hutch-fsd does not serve one.
 */
int seccomp_agent_connect(const char *fsd_dir)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int n = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s.agent.sock", fsd_dir);
	if (n < 0 || (size_t)n >= sizeof(sa.sun_path))
		return -1;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

#if defined(__x86_64__)
#define NATIVE_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

int seccomp_sysinfo_notify(int agent_fd)
{
	int r = -EOPNOTSUPP;
#ifdef NATIVE_AUDIT_ARCH
	/* A filter of its own: stacked, the kernel takes the strictest action, so a
	 * profile that denies sysinfo still does; it only replaces an allow. */
	struct sock_filter insns[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_AUDIT_ARCH, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_sysinfo, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog fp = {.len = ARRAY_SIZE(insns), .filter = insns};
	int listener = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
				    SECCOMP_FILTER_FLAG_NEW_LISTENER, &fp);
	if (listener < 0) {
		r = -errno; /* EBUSY: a filter above has a listener (hutch in a hutch container) */
	} else {
		union {
			char buf[CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		} u;
		memset(&u, 0, sizeof(u));
		static const char word[] = "hutch sysinfo";
		struct iovec iov = {.iov_base = (void *)word, .iov_len = sizeof(word) - 1};
		struct msghdr m = {.msg_iov = &iov,
				   .msg_iovlen = 1,
				   .msg_control = u.buf,
				   .msg_controllen = sizeof(u.buf)};
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &listener, sizeof(int));
		/* Sent or not, the filter stays: a listener nobody holds makes sysinfo ENOSYS,
		 * so the socket was connected first (the supervisor, which keeps it, was there). */
		r = sendmsg(agent_fd, &m, MSG_NOSIGNAL) < 0 ? -errno : 0;
		close(listener);
	}
#endif
	close(agent_fd);
	return r;
}
