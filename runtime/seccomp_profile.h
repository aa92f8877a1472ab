/* SPDX-License-Identifier: MIT */
/*
 * seccomp profiles in docker's terms: a default action, the architectures
 * the filter covers, and rules (system call names, an action, conditions on
 * arguments) that apply according to the container's capabilities, the
 * machine's architecture and the kernel's version. The built-in profile is
 * a table here; a --security-opt seccomp=FILE profile is docker's JSON.
 * Pure: nothing here reads a file or loads a filter (seccomp.c does).
 */
#ifndef HUTCH_SECCOMP_PROFILE_H
#define HUTCH_SECCOMP_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hutch/util.h"

#define SECCOMP_MAX_ARGS   6
#define SECCOMP_MAX_ARCHES 8

struct seccomp_arg {
	unsigned index; /* 0..5 */
	uint64_t value, value_two;
	int op; /* enum scmp_compare */
};

struct seccomp_rule {
	const char *const *names;
	size_t n_names;
	uint32_t action; /* SCMP_ACT_* */
	struct seccomp_arg args[SECCOMP_MAX_ARGS];
	size_t n_args;
	uint64_t caps_all;		/* includes.caps: applies only with all of these */
	uint64_t caps_none;		/* excludes.caps: applies only with none of these */
	uint32_t arches_in, arches_out; /* includes/excludes.arches (SECCOMP_ARCH_* bits) */
	uint32_t min_kernel;		/* includes.minKernel, major << 16 | minor; 0: any */
};

struct seccomp_profile {
	uint32_t default_action;
	/* Besides the native one: the architectures (SCMP_ARCH_* tokens) the filter covers. */
	uint32_t arches[SECCOMP_MAX_ARCHES];
	size_t n_arches;
	const struct seccomp_rule *rules;
	size_t n_rules;
	void *owned; /* what a parsed profile allocated (seccomp_profile_free) */
};

/* Architectures by docker's (Go's) names, as bits of includes/excludes.arches. */
enum {
	SECCOMP_ARCH_AMD64 = 1 << 0,
	SECCOMP_ARCH_X86 = 1 << 1,
	SECCOMP_ARCH_X32 = 1 << 2,
	SECCOMP_ARCH_ARM = 1 << 3,
	SECCOMP_ARCH_ARM64 = 1 << 4,
	SECCOMP_ARCH_PPC64LE = 1 << 5,
	SECCOMP_ARCH_S390 = 1 << 6,
	SECCOMP_ARCH_S390X = 1 << 7,
	SECCOMP_ARCH_RISCV64 = 1 << 8,
	SECCOMP_ARCH_MIPS64 = 1 << 9,
	SECCOMP_ARCH_PPC64 = 1 << 10,
};
/* The SECCOMP_ARCH_* bit of a libseccomp arch token (0 if unknown). */
uint32_t seccomp_arch_bit(uint32_t token);
/* The compat architectures a filter for the native one also covers (docker's archMap). */
size_t seccomp_arch_compat(uint32_t native_token, uint32_t *ret, size_t max);

/* The built-in profile: docker's default's meaning, io_uring denied. */
const struct seccomp_profile *seccomp_profile_default(void);

/*
 * Parses docker's JSON profile format: defaultAction, defaultErrnoRet,
 * architectures or archMap, syscalls[] with names (or name), action,
 * errnoRet, args[] (index, value, valueTwo, op) and includes/excludes
 * (caps, arches, minKernel). native_token picks archMap's entry. Unknown
 * keys are ignored, as docker does; bad values are errors naming where
 * they are. SCMP_ACT_NOTIFY (a listener) is refused: hutch has none.
 */
int seccomp_profile_parse(const char *json, uint32_t native_token, struct seccomp_profile *ret,
			  struct hutch_error *err);
void seccomp_profile_free(struct seccomp_profile *p);

/* Whether a rule applies to a container with caps, on arch (a bit), on kernel (major << 16 | minor). */
bool seccomp_rule_applies(const struct seccomp_rule *r, uint64_t caps, uint32_t arch,
			  uint32_t kernel);
/* "6.1.0-18-amd64" -> 6 << 16 | 1; 0 when unreadable. */
uint32_t seccomp_kernel_version(const char *release);

/*
 * seccomp_opt.c: the same filter in fewer instructions (system call numbers
 * as ranges), which the kernel JIT-compiles in a fraction of the time.
 * *ret (malloc'd) and *ret_len on success; -EOPNOTSUPP for a program of
 * another shape or no smaller (keep the original then), -ENOMEM.
 */
struct sock_filter;
struct seccomp_data;
int seccomp_bpf_optimize(const struct sock_filter *in, size_t n, struct sock_filter **ret,
			 size_t *ret_len);
/* What the program returns for d, as the kernel's classic BPF would. */
uint32_t seccomp_bpf_run(const struct sock_filter *p, size_t n, const struct seccomp_data *d);
/*
 * How many calls a and b decide otherwise, of those tried: the common
 * architectures and some others, the numbers 0-1023 from four bases (x32's
 * among them), arguments of a dozen shapes.
 */
long seccomp_bpf_differences(const struct sock_filter *a, size_t na, const struct sock_filter *b,
			     size_t nb);

#endif
