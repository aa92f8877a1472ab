// SPDX-License-Identifier: MIT
/* linux.seccomp into a libseccomp filter: the default action, architectures, rules with args. */
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>

#include "runc_child.h"

static int action_of(enum oci_seccomp_action a, int64_t errno_ret, uint32_t *ret)
{
	switch (a) {
	case OCI_SCMP_KILL:
	case OCI_SCMP_KILL_THREAD:
		*ret = SCMP_ACT_KILL_THREAD;
		return 0;
	case OCI_SCMP_KILL_PROCESS:
		*ret = SCMP_ACT_KILL_PROCESS;
		return 0;
	case OCI_SCMP_TRAP:
		*ret = SCMP_ACT_TRAP;
		return 0;
	case OCI_SCMP_ERRNO:
		*ret = SCMP_ACT_ERRNO(errno_ret == OCI_UNSET ? EPERM : (uint16_t)errno_ret);
		return 0;
	case OCI_SCMP_TRACE:
		*ret = SCMP_ACT_TRACE(errno_ret == OCI_UNSET ? EPERM : (uint16_t)errno_ret);
		return 0;
	case OCI_SCMP_ALLOW:
		*ret = SCMP_ACT_ALLOW;
		return 0;
	case OCI_SCMP_LOG:
		*ret = SCMP_ACT_LOG;
		return 0;
	case OCI_SCMP_NOTIFY:
		*ret = SCMP_ACT_NOTIFY;
		return 0;
	}
	return -EINVAL;
}

static const enum scmp_compare ops[] = {
	[OCI_SCMP_NE] = SCMP_CMP_NE,
	[OCI_SCMP_LT] = SCMP_CMP_LT,
	[OCI_SCMP_LE] = SCMP_CMP_LE,
	[OCI_SCMP_EQ] = SCMP_CMP_EQ,
	[OCI_SCMP_GE] = SCMP_CMP_GE,
	[OCI_SCMP_GT] = SCMP_CMP_GT,
	[OCI_SCMP_MASKED_EQ] = SCMP_CMP_MASKED_EQ,
};

int runc_seccomp_build(const struct oci_seccomp *s, void **ret_ctx, struct hutch_error *err)
{
	uint32_t def, act;
	if (action_of(s->default_action, s->default_errno_ret, &def) < 0)
		return hutch_error_set(err, EINVAL, "linux.seccomp.defaultAction");
	scmp_filter_ctx ctx = seccomp_init(def);
	if (!ctx)
		return hutch_error_set(err, EINVAL,
				       "linux.seccomp: libseccomp refused the default action");
	int r;
	for (size_t i = 0; s->architectures && s->architectures[i]; i++) {
		const char *a = s->architectures[i];
		uint32_t arch =
			seccomp_arch_resolve_name(strncmp(a, "SCMP_ARCH_", 10) == 0 ? a + 10 : a);
		char lower[64];
		size_t k = 0;
		for (const char *c = strncmp(a, "SCMP_ARCH_", 10) == 0 ? a + 10 : a;
		     *c && k + 1 < sizeof(lower); c++)
			lower[k++] = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
		lower[k] = '\0';
		arch = arch ? arch : seccomp_arch_resolve_name(lower);
		if (!arch) {
			seccomp_release(ctx);
			return hutch_error_set(
				err, EINVAL, "linux.seccomp.architectures[%zu]: unknown %s", i, a);
		}
		r = seccomp_arch_add(ctx, arch);
		if (r < 0 && r != -EEXIST) {
			seccomp_release(ctx);
			return hutch_error_set(err, -r, "linux.seccomp: add architecture %s", a);
		}
	}
	for (size_t i = 0; s->flags && s->flags[i]; i++) {
		if (strcmp(s->flags[i], "SECCOMP_FILTER_FLAG_LOG") == 0)
			seccomp_attr_set(ctx, SCMP_FLTATR_CTL_LOG, 1);
		else if (strcmp(s->flags[i], "SECCOMP_FILTER_FLAG_SPEC_ALLOW") == 0)
			seccomp_attr_set(ctx, SCMP_FLTATR_CTL_SSB, 1);
		/* TSYNC is the default of libseccomp's load; unknown flags are left to the kernel's future */
	}
	/* An action equal to the default is refused by libseccomp: such rules change nothing. */
	for (size_t i = 0; i < s->n_rules; i++) {
		const struct oci_seccomp_rule *rule = &s->rules[i];
		if (action_of(rule->action, rule->errno_ret, &act) < 0 || act == def)
			continue;
		struct scmp_arg_cmp cmp[6];
		size_t n = 0;
		for (size_t k = 0; k < rule->n_args && n < 6; k++, n++) {
			cmp[n].arg = rule->args[k].index;
			cmp[n].op = ops[rule->args[k].op];
			cmp[n].datum_a = rule->args[k].value;
			cmp[n].datum_b = rule->args[k].value_two;
		}
		for (size_t k = 0; rule->names[k]; k++) {
			int nr = seccomp_syscall_resolve_name(rule->names[k]);
			if (nr == __NR_SCMP_ERROR)
				continue; /* a call this kernel or architecture does not have */
			r = seccomp_rule_add_array(ctx, act, nr, (unsigned)n, cmp);
			if (r < 0) {
				seccomp_release(ctx);
				return hutch_error_set(err, -r,
						       "linux.seccomp.syscalls[%zu]: %s: %s", i,
						       rule->names[k], strerror(-r));
			}
		}
	}
	*ret_ctx = ctx;
	return 0;
}

int runc_seccomp_load(void *ctx)
{
	int r = seccomp_load(ctx);
	if (r < 0)
		return r;
	int fd = seccomp_notify_fd(ctx);
	return fd > 0 ? fd : 0;
}

void seccomp_release_ctx(void *ctx)
{
	seccomp_release(ctx);
}
